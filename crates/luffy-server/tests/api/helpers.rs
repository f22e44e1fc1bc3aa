//! `spawn_app`: a fresh database and a real server per test.

use diesel::connection::SimpleConnection;
use luffy_db::{DatabaseUrl, DbConnection};
use luffy_server::state::AppState;
use luffy_server::{Application, Config};
use std::collections::HashMap;
use std::sync::Arc;
use tempfile::TempDir;

/// The environment variable naming the PostgreSQL server for the PostgreSQL half of the suite.
pub const POSTGRES_URL_VAR: &str = "LUFFY_TEST_POSTGRES_URL";

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBackend {
    Sqlite,
    Postgres,
}

/// A running server with its own database.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    pub client: reqwest::Client,
    pub database_url: DatabaseUrl,
    pub backend: TestBackend,
    /// Holds the SQLite file, the data dir and the media dir.
    #[allow(
        dead_code,
        reason = "kept alive for the test's duration; read by some tests"
    )]
    pub dir: TempDir,
    handle: actix_web::dev::ServerHandle,
    postgres_cleanup: Option<(DatabaseUrl, String)>,
    /// The server's state (pool, clock, payments), for driving background work directly.
    #[allow(dead_code, reason = "used by the order tests")]
    pub state: actix_web::web::Data<AppState>,
    /// The settings the server was started with, for starting replicas like it.
    env: HashMap<String, String>,
}

/// Another server on the same database and data dir as a [`TestApp`].
#[allow(dead_code, reason = "used by the order tests")]
pub struct Replica {
    pub address: String,
    pub state: actix_web::web::Data<AppState>,
    pub handle: actix_web::dev::ServerHandle,
}

impl TestApp {
    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// `GET path`, returning the status and the JSON body.
    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self.client.get(self.url(path)).send().await.unwrap();
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    /// `method path` with a JSON body and an optional `Authorization` header.
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &serde_json::Value,
        authorization: Option<&str>,
    ) -> (u16, serde_json::Value) {
        let mut request = self.client.request(method, self.url(path)).json(body);
        if let Some(value) = authorization {
            request = request.header("Authorization", value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    /// `POST path` with a JSON body.
    pub async fn post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        self.send_json(reqwest::Method::POST, path, body, None)
            .await
    }

    /// Creates an active user directly in the database; returns its id.
    pub fn create_user(
        &self,
        username: &str,
        password: &str,
        mobile: Option<&str>,
        email: Option<&str>,
        staff: bool,
    ) -> i64 {
        use luffy_db::account::{NewUser, UserRow};
        let hasher =
            luffy_domain::account::PasswordHasher::new(luffy_domain::account::PasswordParams {
                memory_kib: 64,
                iterations: 1,
            });
        let user = NewUser {
            username: username.into(),
            password_hash: hasher.hash(password, &[7; 16]).unwrap(),
            mobile: mobile.map(Into::into),
            email: email.map(Into::into),
            icon: None,
            is_staff: staff,
            is_superuser: staff,
            is_active: true,
            date_joined: chrono::Utc::now().naive_utc(),
        };
        UserRow::insert(&mut self.db(), &user).unwrap().id
    }

    /// Logs in with a password and returns the token.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let (_, body) = self
            .post_json(
                "/api/v1/user/user/mul_login/",
                &serde_json::json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(body["code"], 100, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    /// The `LUFFY_*` settings the server was started with (for running `luffy` against it).
    #[allow(dead_code, reason = "used by the media command tests")]
    pub fn settings(&self) -> &HashMap<String, String> {
        &self.env
    }

    /// A direct connection to the test database, for checks behind the API's back.
    pub fn db(&self) -> DbConnection {
        DbConnection::open(&self.database_url).unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting; the runtime ends with the test anyway.
        drop(self.handle.stop(false));
        if let Some((admin_url, database)) = self.postgres_cleanup.take()
            && let Ok(mut conn) = DbConnection::open(&admin_url)
        {
            let _ = conn.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"
            ));
        }
    }
}

/// Starts a server on `backend`; `None` (with a printed notice) when PostgreSQL is asked for
/// but `LUFFY_TEST_POSTGRES_URL` is not set.
pub async fn spawn_app(backend: TestBackend) -> Option<TestApp> {
    spawn_app_with(backend, &[]).await
}

/// Like [`spawn_app`], with extra `LUFFY_*` settings.
pub async fn spawn_app_with(backend: TestBackend, settings: &[(&str, &str)]) -> Option<TestApp> {
    spawn_app_full(backend, settings, None).await
}

/// The app key and the simulator's Alipay key, written into a data dir so that the built-in
/// simulator does not generate keys in every test.
const APP_KEY_PEM: &str =
    include_str!("../../../alipay-sdk/tests/fixtures/fzlee/app_private_key.pem");
const ALIPAY_KEY_PEM: &str =
    include_str!("../../../alipay-sdk/tests/fixtures/fzlee/ali_private_key.pem");

fn preload_keys(data_dir: &std::path::Path) {
    std::fs::create_dir_all(data_dir.join("alipay-sim")).unwrap();
    std::fs::write(data_dir.join("alipay_app_private_key.pem"), APP_KEY_PEM).unwrap();
    std::fs::write(
        data_dir.join("alipay-sim").join("alipay_private_key.pem"),
        ALIPAY_KEY_PEM,
    )
    .unwrap();
}

/// Builds and runs a server from `env`; returns its address, handle and state.
async fn start_server(
    env: &HashMap<String, String>,
    clock: Option<Arc<dyn luffy_domain::Clock>>,
) -> (
    String,
    actix_web::dev::ServerHandle,
    actix_web::web::Data<AppState>,
) {
    let config = Config::load_with(None, |name| env.get(name).cloned()).unwrap();
    let clock = clock.unwrap_or_else(|| Arc::new(luffy_domain::SystemClock));
    let app = Application::build_with_clock(config, clock).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    let state = actix_web::web::Data::new(app.state().clone());
    actix_web::rt::spawn(app.run_until_stopped());
    (address, handle, state)
}

impl TestApp {
    /// Starts another server on the same database and data dir, with extra settings.
    #[allow(dead_code, reason = "used by the order tests")]
    pub async fn spawn_replica(
        &self,
        settings: &[(&str, &str)],
        clock: Option<Arc<dyn luffy_domain::Clock>>,
    ) -> Replica {
        let mut env = self.env.clone();
        env.insert("LUFFY_BIND".into(), "127.0.0.1:0".into());
        for (name, value) in settings {
            env.insert((*name).into(), (*value).into());
        }
        let (address, handle, state) = start_server(&env, clock).await;
        Replica {
            address,
            state,
            handle,
        }
    }
}

/// Like [`spawn_app_with`], with the server's clock given.
pub async fn spawn_app_full(
    backend: TestBackend,
    settings: &[(&str, &str)],
    clock: Option<Arc<dyn luffy_domain::Clock>>,
) -> Option<TestApp> {
    // A memory-backed folder when there is one: SQLite's fsyncs then cost nothing, which keeps
    // the suite fast on a busy disk. The server's own settings are unchanged.
    let shm = std::path::Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm).unwrap()
    } else {
        tempfile::tempdir().unwrap()
    };
    let (database_url, postgres_cleanup) = match backend {
        TestBackend::Sqlite => {
            let path = dir.path().join("luffy.db");
            (format!("sqlite://{}", path.display()), None)
        }
        TestBackend::Postgres => {
            let Ok(server) = std::env::var(POSTGRES_URL_VAR) else {
                assert!(
                    std::env::var_os("LUFFY_TEST_REQUIRE_POSTGRES").is_none(),
                    "LUFFY_TEST_REQUIRE_POSTGRES is set but {POSTGRES_URL_VAR} is not"
                );
                println!(
                    "skipped: {POSTGRES_URL_VAR} is not set, so this PostgreSQL test did not run"
                );
                return None;
            };
            // Plain TCP on loopback: libpq's TLS (OpenSSL) tears down at process exit while
            // server threads may still hold connections, which can crash the test binary.
            let server = if server.contains("sslmode=") {
                server
            } else if server.contains('?') {
                format!("{server}&sslmode=disable")
            } else {
                format!("{server}?sslmode=disable")
            };
            let admin_url = DatabaseUrl::parse(&server).expect("LUFFY_TEST_POSTGRES_URL");
            let database = format!("luffy_test_{}", uuid::Uuid::new_v4().simple());
            let mut admin = DbConnection::open(&admin_url).unwrap();
            admin
                .batch_execute(&format!("CREATE DATABASE \"{database}\""))
                .unwrap();
            let url = admin_url.with_postgres_database(&database).unwrap();
            (
                url.connection_target().to_owned(),
                Some((admin_url, database)),
            )
        }
    };
    let mut env: HashMap<String, String> = HashMap::from([
        ("LUFFY_BIND".into(), "127.0.0.1:0".into()),
        ("LUFFY_DATABASE_URL".into(), database_url.clone()),
        (
            "LUFFY_DATA_DIR".into(),
            dir.path().join("data").display().to_string(),
        ),
        (
            "LUFFY_MEDIA_DIR".into(),
            dir.path().join("media").display().to_string(),
        ),
        (
            "LUFFY_JWT_SECRET".into(),
            "test-secret-test-secret-test-secret-0123".into(),
        ),
        ("LUFFY_WORKERS".into(), "2".into()),
        // Tests drive the sweeper themselves.
        ("LUFFY_SWEEPER_INTERVAL_SECS".into(), "0".into()),
        // Cheap password hashes keep the suite fast; production keeps the strong default.
        ("LUFFY_ARGON2_MEMORY_KIB".into(), "64".into()),
        ("LUFFY_ARGON2_ITERATIONS".into(), "1".into()),
        ("LUFFY_DB_POOL_SIZE".into(), "4".into()),
    ]);
    for (name, value) in settings {
        env.insert((*name).into(), (*value).into());
    }
    preload_keys(&dir.path().join("data"));
    let (address, handle, state) = start_server(&env, clock).await;
    Some(TestApp {
        state,
        env,
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        database_url: DatabaseUrl::parse(&database_url).unwrap(),
        backend,
        dir,
        handle,
        postgres_cleanup,
    })
}

/// Declares each test twice, as `<name>::sqlite` and `<name>::postgres`.
///
/// ```ignore
/// both_backends! {
///     async fn healthz_answers(app) { … }
/// }
/// ```
///
/// `spawn = f;` first starts each server with `f(backend)` instead of [`spawn_app`].
macro_rules! both_backends {
    (spawn = $spawn:path; $(async fn $name:ident($app:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($app: $crate::helpers::TestApp) $body

                #[actix_web::test]
                async fn sqlite() {
                    let app = $spawn($crate::helpers::TestBackend::Sqlite)
                        .await
                        .expect("SQLite is always available");
                    run(app).await;
                }

                #[actix_web::test]
                async fn postgres() {
                    if let Some(app) = $spawn($crate::helpers::TestBackend::Postgres).await {
                        run(app).await;
                    }
                }
            }
        )*
    };
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        both_backends! {
            spawn = $crate::helpers::spawn_app;
            $(async fn $name($app) $body)*
        }
    };
}
