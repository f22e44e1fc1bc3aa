//! `spawn_app`: a fresh database and a real server per test.

use diesel::connection::SimpleConnection;
use luffy_db::{DatabaseUrl, DbConnection};
use luffy_server::{Application, Config};
use std::collections::HashMap;
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

    /// A direct connection to the test database, for checks behind the API's back.
    pub fn db(&self) -> DbConnection {
        DbConnection::open(&self.database_url).unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting; the runtime ends with the test anyway.
        drop(self.handle.stop(false));
        if let Some((admin_url, database)) = self.postgres_cleanup.take() {
            if let Ok(mut conn) = DbConnection::open(&admin_url) {
                let _ = conn.batch_execute(&format!(
                    "DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"
                ));
            }
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
    let dir = tempfile::tempdir().unwrap();
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
        ("LUFFY_DB_POOL_SIZE".into(), "4".into()),
    ]);
    for (name, value) in settings {
        env.insert((*name).into(), (*value).into());
    }
    let config = Config::load_with(None, |name| env.get(name).cloned()).unwrap();
    let app = Application::build(config).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    actix_web::rt::spawn(app.run_until_stopped());
    Some(TestApp {
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
macro_rules! both_backends {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($app: $crate::helpers::TestApp) $body

                #[actix_web::test]
                async fn sqlite() {
                    let app = $crate::helpers::spawn_app($crate::helpers::TestBackend::Sqlite)
                        .await
                        .expect("SQLite is always available");
                    run(app).await;
                }

                #[actix_web::test]
                async fn postgres() {
                    if let Some(app) =
                        $crate::helpers::spawn_app($crate::helpers::TestBackend::Postgres).await
                    {
                        run(app).await;
                    }
                }
            }
        )*
    };
}
