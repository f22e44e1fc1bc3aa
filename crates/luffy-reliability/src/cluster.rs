//! The cluster under test: N `luffy serve` processes on one fresh PostgreSQL database, nginx in
//! front of them, and the Alipay simulator in this process.

use crate::Args;
use alipay_sdk::PrivateKey;
use alipay_sim::{DEFAULT_SELLER_ID, RunningSimulator, Simulator};
use diesel::connection::SimpleConnection;
use luffy_db::{DatabaseUrl, DbConnection};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The app id the cluster's Alipay app uses at the simulator.
pub const APP_ID: &str = "2021000000000009";
/// The buyers' password.
pub const BUYER_PASSWORD: &str = "reliable-pass-1";
/// Unpaid order lifetime in the cluster.
pub const ORDER_TIMEOUT_SECS: u64 = 12;

pub struct Replica {
    pub port: u16,
    pub child: Option<Child>,
}

pub struct Cluster {
    pub dir: tempfile::TempDir,
    pub sim: Simulator,
    _simulator_server: RunningSimulator,
    pub replicas: Vec<Replica>,
    pub nginx: Option<Child>,
    /// The nginx binary and its `-p` prefix and `-c` file, to stop it as it was started.
    nginx_command: Option<(String, PathBuf, PathBuf)>,
    pub base: String,
    pub database: DatabaseUrl,
    admin: DatabaseUrl,
    database_name: String,
    luffy: PathBuf,
    env: Vec<(String, String)>,
    pub buyers: Vec<String>,
    pub postgres_restarts: bool,
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

impl Cluster {
    pub async fn start(args: &Args) -> Result<Self, String> {
        let luffy = match &args.luffy {
            Some(path) => path.clone(),
            None => std::env::current_exe()
                .map_err(|e| e.to_string())?
                .with_file_name("luffy"),
        };
        if !luffy.exists() {
            return Err(format!(
                "{} not found: build it first (cargo build -p luffy-server --bins)",
                luffy.display()
            ));
        }
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;

        let alipay_key = generate_key()?;
        let app_key = generate_key()?;
        let app_pem = app_key.to_pkcs1_pem().map_err(|e| e.to_string())?;
        write(&dir.path().join("app.pem"), &app_pem)?;
        let sim = Simulator::new(alipay_key, DEFAULT_SELLER_ID).map_err(|e| e.to_string())?;
        sim.register_app(APP_ID, app_key.public_key().clone());
        write(
            &dir.path().join("alipay_public.pem"),
            &sim.alipay_public_key().to_pem(),
        )?;
        let running = alipay_sim::start(sim.clone(), "127.0.0.1:0").map_err(|e| e.to_string())?;
        sim.spawn_auto_delivery(Duration::from_millis(200))
            .map_err(|e| e.to_string())?;

        let admin = DatabaseUrl::parse(&args.postgres).map_err(|e| e.to_string())?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let database_name = format!("luffy_reliability_{}_{nanos}", std::process::id());
        DbConnection::open(&admin)
            .map_err(|e| e.to_string())?
            .batch_execute(&format!("CREATE DATABASE \"{database_name}\""))
            .map_err(|e| e.to_string())?;
        let database = admin
            .with_postgres_database(&database_name)
            .map_err(|e| e.to_string())?;

        let nginx_port = free_port()?;
        let base = format!("http://127.0.0.1:{nginx_port}");
        let env = vec![
            (
                "LUFFY_DATABASE_URL".to_owned(),
                database.connection_target().to_owned(),
            ),
            ("LUFFY_PUBLIC_URL".to_owned(), base.clone()),
            (
                "LUFFY_JWT_SECRET".to_owned(),
                "reliability-secret-reliability-secret-42".to_owned(),
            ),
            ("LUFFY_ALIPAY_APP_ID".to_owned(), APP_ID.to_owned()),
            (
                "LUFFY_ALIPAY_APP_PRIVATE_KEY_FILE".to_owned(),
                dir.path().join("app.pem").display().to_string(),
            ),
            (
                "LUFFY_ALIPAY_PUBLIC_KEY_FILE".to_owned(),
                dir.path().join("alipay_public.pem").display().to_string(),
            ),
            (
                "LUFFY_ALIPAY_GATEWAY".to_owned(),
                running.gateway_url.clone(),
            ),
            (
                "LUFFY_ALIPAY_SELLER_ID".to_owned(),
                DEFAULT_SELLER_ID.to_owned(),
            ),
            (
                "LUFFY_ORDER_TIMEOUT_SECS".to_owned(),
                ORDER_TIMEOUT_SECS.to_string(),
            ),
            ("LUFFY_SWEEPER_INTERVAL_SECS".to_owned(), "1".to_owned()),
            ("LUFFY_RECONCILE_AFTER_SECS".to_owned(), "2".to_owned()),
            ("LUFFY_TRUSTED_PROXIES".to_owned(), "127.0.0.1".to_owned()),
            ("LUFFY_WORKERS".to_owned(), "2".to_owned()),
            ("LUFFY_DB_POOL_SIZE".to_owned(), "5".to_owned()),
            ("LUFFY_ARGON2_MEMORY_KIB".to_owned(), "1024".to_owned()),
            ("LUFFY_ARGON2_ITERATIONS".to_owned(), "1".to_owned()),
            ("RUST_LOG".to_owned(), "warn".to_owned()),
        ];
        let mut cluster = Self {
            dir,
            sim,
            _simulator_server: running,
            replicas: Vec::new(),
            nginx: None,
            nginx_command: None,
            base,
            database,
            admin,
            database_name,
            luffy,
            env,
            buyers: Vec::new(),
            postgres_restarts: !args.no_postgres_restart && postgres_cluster().is_some(),
        };
        cluster.command(&["migrate"])?;
        cluster.command(&["seed-demo", "--courses", "300"])?;
        for n in 1..=args.buyers {
            let name = format!("buyer{n}");
            cluster.command(&[
                "createsuperuser",
                "--username",
                &name,
                "--password",
                BUYER_PASSWORD,
            ])?;
            cluster.buyers.push(name);
        }
        for _ in 0..args.replicas {
            let port = free_port()?;
            cluster.replicas.push(Replica { port, child: None });
        }
        for index in 0..args.replicas {
            cluster.start_replica(index)?;
        }
        for index in 0..args.replicas {
            let url = format!("http://127.0.0.1:{}/healthz", cluster.replicas[index].port);
            wait_healthy(&url).await?;
        }
        cluster.start_nginx(&args.nginx, nginx_port)?;
        wait_healthy(&format!("{}/healthz", cluster.base)).await?;
        Ok(cluster)
    }

    fn luffy_command(&self, data_dir: &Path) -> Command {
        let mut command = Command::new(&self.luffy);
        command.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        command.env("LUFFY_DATA_DIR", data_dir);
        command
    }

    fn command(&self, args: &[&str]) -> Result<(), String> {
        let output = self
            .luffy_command(&self.dir.path().join("cli"))
            .args(args)
            .output()
            .map_err(|e| format!("luffy {}: {e}", args.join(" ")))?;
        if !output.status.success() {
            return Err(format!(
                "luffy {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(())
    }

    pub fn start_replica(&mut self, index: usize) -> Result<(), String> {
        let port = self.replicas[index].port;
        let log = std::fs::File::create(self.dir.path().join(format!("replica{index}.log")))
            .map_err(|e| e.to_string())?;
        let child = self
            .luffy_command(&self.dir.path().join(format!("replica{index}")))
            .arg("serve")
            .env("LUFFY_BIND", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("starting replica {index}: {e}"))?;
        self.replicas[index].child = Some(child);
        Ok(())
    }

    /// SIGKILL: no graceful shutdown, in-flight requests are cut.
    pub fn kill_replica(&mut self, index: usize) {
        if let Some(mut child) = self.replicas[index].child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub async fn restart_replica(&mut self, index: usize) -> Result<(), String> {
        self.start_replica(index)?;
        wait_healthy(&format!(
            "http://127.0.0.1:{}/healthz",
            self.replicas[index].port
        ))
        .await
    }

    fn start_nginx(&mut self, nginx: &str, port: u16) -> Result<(), String> {
        let upstreams: String = self
            .replicas
            .iter()
            .map(|r| {
                format!(
                    "        server 127.0.0.1:{} max_fails=1 fail_timeout=2s;\n",
                    r.port
                )
            })
            .collect();
        let prefix = self.dir.path().join("nginx");
        std::fs::create_dir_all(prefix.join("logs")).map_err(|e| e.to_string())?;
        let template = include_str!("../../../deploy/nginx.conf");
        let conf = template
            .replace("listen 80;", &format!("listen 127.0.0.1:{port};"))
            .replace("        server 127.0.0.1:8001 max_fails=1 fail_timeout=5s;\n        server 127.0.0.1:8002 max_fails=1 fail_timeout=5s;\n        server 127.0.0.1:8003 max_fails=1 fail_timeout=5s;\n", &upstreams)
            .replace("/var/log/nginx/", &format!("{}/logs/", prefix.display()))
            .replace("/run/nginx.pid", &format!("{}/nginx.pid", prefix.display()))
            .replace("user www-data;", "");
        if !conf.contains(&format!("127.0.0.1:{}", self.replicas[0].port)) {
            return Err("deploy/nginx.conf no longer has the expected upstream lines".into());
        }
        let path = prefix.join("nginx.conf");
        write(&path, &conf)?;
        let child = Command::new(nginx)
            // A process group of its own, so that its workers can be stopped with it.
            .process_group(0)
            .args([
                "-p",
                &prefix.display().to_string(),
                "-c",
                &path.display().to_string(),
                "-g",
                "daemon off;",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting {nginx} (apt-get install nginx-light): {e}"))?;
        self.nginx = Some(child);
        self.nginx_command = Some((nginx.to_owned(), prefix, path));
        Ok(())
    }

    /// Stops nginx and its workers: a graceful `nginx -s quit`, then SIGKILL to its whole
    /// process group for anything left. Returns an error when a process of the group survives.
    fn stop_nginx(&mut self) -> Result<(), String> {
        let Some(mut nginx) = self.nginx.take() else {
            return Ok(());
        };
        let group = nginx.id();
        if let Some((binary, prefix, conf)) = self.nginx_command.take() {
            let _ = Command::new(binary)
                .arg("-p")
                .arg(&prefix)
                .arg("-c")
                .arg(&conf)
                .args(["-s", "quit"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && !matches!(nginx.try_wait(), Ok(Some(_))) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{group}")])
            .stderr(Stdio::null())
            .status();
        let _ = nginx.wait();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if group_members(group).is_empty() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!(
            "nginx processes {:?} are still running after the stop",
            group_members(group)
        ))
    }

    /// Restarts the PostgreSQL cluster (every replica loses its connections).
    pub fn restart_postgres(&self) -> Result<(), String> {
        let version =
            postgres_cluster().ok_or("no PostgreSQL cluster found under /etc/postgresql")?;
        let status = Command::new("pg_ctlcluster")
            .args(["--skip-systemctl-redirect", &version, "main", "restart"])
            .status()
            .map_err(|e| format!("pg_ctlcluster: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("pg_ctlcluster restart failed: {status}"))
        }
    }

    /// A connection to the cluster's database, retried while PostgreSQL comes back.
    pub fn db(&self) -> Result<DbConnection, String> {
        let started = Instant::now();
        loop {
            match DbConnection::open(&self.database) {
                Ok(conn) => return Ok(conn),
                Err(err) if started.elapsed() > Duration::from_secs(30) => {
                    return Err(err.to_string());
                }
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    }

    /// Stops everything it started; an error names what survived.
    pub fn stop(&mut self) -> Result<(), String> {
        for index in 0..self.replicas.len() {
            self.kill_replica(index);
        }
        let nginx = self.stop_nginx();
        if let Ok(mut conn) = DbConnection::open(&self.admin) {
            let _ = conn.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.database_name
            ));
        }
        nginx
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Err(err) = self.stop() {
            eprintln!("luffy-reliability: {err}");
        }
    }
}

/// The processes of process group `group`, from `/proc`.
fn group_members(group: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    // pid (comm) state ppid pgrp ...: comm may hold spaces, so split after ')'.
                    let rest = stat.rsplit_once(')')?.1;
                    rest.split_whitespace().nth(2)?.parse::<u32>().ok()
                })
                == Some(group)
        })
        .collect()
}

fn generate_key() -> Result<PrivateKey, String> {
    let pair = alipay_sdk::testing::generate_key_pair().map_err(|e| e.to_string())?;
    PrivateKey::parse(&pair.private_pem).map_err(|e| e.to_string())
}

/// The version of the local PostgreSQL cluster, e.g. `15`.
fn postgres_cluster() -> Option<String> {
    std::fs::read_dir("/etc/postgresql")
        .ok()?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .next()
}

async fn wait_healthy(url: &str) -> Result<(), String> {
    let client = reqwest::Client::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if let Ok(response) = client.get(url).send().await
            && response.status().is_success()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("{url} did not become healthy within 30 s"))
}
