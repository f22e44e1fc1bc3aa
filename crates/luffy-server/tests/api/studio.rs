//! A server with a catalog, a staff user, a buyer and a media storage: local disk, or Qiniu
//! played by `qiniu-sim`. `both_storages!` runs one test on each.

use crate::fixtures::{Catalog, seed_catalog};
use crate::helpers::{TestApp, TestBackend, spawn_app_full};
use chrono::{DateTime, Utc};
use diesel::connection::SimpleConnection;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

pub const ACCESS_KEY: &str = "test-ak";
pub const SECRET_KEY: &str = "test-sk";
pub const BUCKET: &str = "videos";

/// Real time plus an offset the test moves forward.
#[derive(Debug, Default)]
pub struct ShiftClock(AtomicI64);

impl luffy_domain::Clock for ShiftClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::seconds(self.0.load(Ordering::SeqCst))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adapter {
    Local,
    Qiniu,
}

pub struct Studio {
    pub app: TestApp,
    pub adapter: Adapter,
    pub sim: Option<qiniu_sim::SimServer>,
    #[allow(dead_code, reason = "holds the simulator's files")]
    pub sim_dir: tempfile::TempDir,
    pub clock: Arc<ShiftClock>,
    pub catalog: Catalog,
    pub staff: String,
    pub buyer: String,
    pub buyer_id: i64,
}

impl Studio {
    /// Starts the storage (and the simulator for Qiniu) and a server on `backend` using it.
    pub async fn start(adapter: Adapter, backend: TestBackend, private: bool) -> Option<Self> {
        let sim_dir = tempfile::tempdir().unwrap();
        let sim = (adapter == Adapter::Qiniu).then(|| {
            let mut config = qiniu_sim::SimConfig::new(ACCESS_KEY, SECRET_KEY, sim_dir.path())
                .with_buckets([BUCKET]);
            config.private_downloads = private;
            qiniu_sim::SimServer::start(config).unwrap()
        });
        let private_text = private.to_string();
        let mut settings: Vec<(String, String)> = vec![
            ("LUFFY_MEDIA_URL_TTL_SECS".into(), "600".into()),
            ("LUFFY_MEDIA_PRIVATE".into(), private_text.clone()),
        ];
        if let Some(sim) = &sim {
            let base = sim.base_url().to_owned();
            settings.extend([
                ("LUFFY_STORAGE".into(), "qiniu".into()),
                ("LUFFY_QINIU_ACCESS_KEY".into(), ACCESS_KEY.into()),
                ("LUFFY_QINIU_SECRET_KEY".into(), SECRET_KEY.into()),
                ("LUFFY_QINIU_BUCKET".into(), BUCKET.into()),
                ("LUFFY_QINIU_DOMAIN".into(), format!("{base}/{BUCKET}")),
                ("LUFFY_QINIU_UP_HOST".into(), base.clone()),
                ("LUFFY_QINIU_API_HOST".into(), base),
                ("LUFFY_QINIU_PRIVATE".into(), private_text),
            ]);
        }
        let borrowed: Vec<(&str, &str)> = settings
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        let clock = Arc::new(ShiftClock::default());
        let shared: Arc<dyn luffy_domain::Clock> = clock.clone();
        let app = spawn_app_full(backend, &borrowed, Some(shared)).await?;
        let catalog = seed_catalog(&app);
        app.create_user("editor", "editor-pass", None, None, true);
        let buyer_id = app.create_user("viewer", "viewer-pass", None, None, false);
        let staff = format!("jwt {}", app.login("editor", "editor-pass").await);
        let buyer = format!("jwt {}", app.login("viewer", "viewer-pass").await);
        Some(Self {
            app,
            adapter,
            sim,
            sim_dir,
            clock,
            catalog,
            staff,
            buyer,
            buyer_id,
        })
    }

    /// Moves the server's clock, and the simulator's, forward.
    pub fn advance(&self, secs: i64) {
        self.clock.0.fetch_add(secs, Ordering::SeqCst);
        if let Some(sim) = &self.sim {
            sim.state().advance_clock(secs);
        }
    }

    /// `POST /api/v1/admin/media/upload-token/` as `auth`.
    pub async fn grant_as(&self, auth: &str, body: Value) -> Value {
        let (status, body) = self
            .app
            .send_json(
                reqwest::Method::POST,
                "/api/v1/admin/media/upload-token/",
                &body,
                Some(auth),
            )
            .await;
        assert!(status == 200 || status == 404, "{status} {body}");
        body
    }

    /// A grant as the staff user, which must succeed.
    pub async fn grant(&self, body: Value) -> Value {
        let grant = self.grant_as(&self.staff, body).await;
        assert_eq!(grant["code"], 100, "{grant}");
        grant
    }

    /// The browser's form upload to the grant's URL; the status and the JSON answer.
    pub async fn upload(
        &self,
        grant: &Value,
        key: &str,
        bytes: Vec<u8>,
        mime: &str,
    ) -> (u16, Value) {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name("upload.bin")
            .mime_str(mime)
            .unwrap();
        let form = reqwest::multipart::Form::new()
            .text("token", grant["token"].as_str().unwrap().to_owned())
            .text("key", key.to_owned())
            .part("file", part);
        let response = self
            .app
            .client
            .post(grant["upload_url"].as_str().unwrap())
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Grants and uploads a video for `section`; returns the key.
    pub async fn upload_video(&self, section: i64, bytes: &[u8]) -> String {
        let grant = self
            .grant(json!({"section": section, "filename": "lesson.mp4"}))
            .await;
        let key = grant["key"].as_str().unwrap().to_owned();
        let (status, body) = self.upload(&grant, &key, bytes.to_vec(), "video/mp4").await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["key"], key.as_str());
        key
    }

    /// The stored bytes of `key`, wherever the storage keeps them.
    pub fn stored(&self, key: &str) -> Option<Vec<u8>> {
        match &self.sim {
            Some(sim) => sim.state().object_bytes(BUCKET, key),
            None => std::fs::read(self.app.dir.path().join("media").join(key)).ok(),
        }
    }

    /// How many objects the storage holds (temporary files not counted).
    pub fn object_count(&self) -> usize {
        match &self.sim {
            Some(sim) => sim.state().objects().len(),
            None => count_files(&self.app.dir.path().join("media")),
        }
    }

    /// `section_link` as stored in the database.
    pub fn section_link(&self, section: i64) -> Option<String> {
        use diesel::prelude::*;
        use luffy_db::schema::luffy_course_section as s;
        s::table
            .find(section)
            .select(s::section_link)
            .first(&mut self.app.db())
            .unwrap()
    }

    /// Rows of the media record.
    pub fn media_rows(&self) -> i64 {
        use diesel::prelude::*;
        use luffy_db::schema::luffy_media_object as m;
        m::table.count().get_result(&mut self.app.db()).unwrap()
    }

    /// The sections of the fixture's first course: `(id, free_trail)` from the chapter list.
    pub async fn sections(&self) -> Vec<(i64, bool)> {
        let chapters = self.chapters(None).await;
        chapters
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|chapter| chapter["coursesections"].as_array().unwrap().clone())
            .map(|section| {
                (
                    section["id"].as_i64().unwrap(),
                    section["free_trail"].as_bool().unwrap(),
                )
            })
            .collect()
    }

    /// The chapter list of the first course as `auth` sees it.
    pub async fn chapters(&self, auth: Option<&str>) -> Value {
        let path = format!("/api/v1/course/chapter/?course_id={}", self.catalog.first);
        let mut request = self.app.client.get(self.app.url(&path));
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        request.send().await.unwrap().json().await.unwrap()
    }

    /// The `section_link` a viewer sees for `section` in the chapter list.
    pub async fn visible_link(&self, section: i64, auth: Option<&str>) -> Option<String> {
        let chapters = self.chapters(auth).await;
        chapters
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|chapter| chapter["coursesections"].as_array().unwrap().clone())
            .find(|s| s["id"] == section)
            .and_then(|s| s["section_link"].as_str().map(str::to_owned))
    }

    /// Makes the buyer own the first course, as a paid order would.
    pub fn buyer_owns_first_course(&self) {
        let (user, course) = (self.buyer_id, self.catalog.first);
        self.app
            .db()
            .batch_execute(&format!(
                "INSERT INTO luffy_order (out_trade_no, user_id, subject, total_amount, status, \
                 expires_at, sweep_after, created_time, updated_time) VALUES ('media_test', {user}, \
                 'course', 100, 'paid', '2030-01-01 00:00:00', '2030-01-01 00:00:00', \
                 '2026-01-01 00:00:00', '2026-01-01 00:00:00'); \
                 INSERT INTO luffy_enrollment (user_id, course_id, order_id, granted_time) \
                 SELECT {user}, {course}, id, '2026-01-01 00:00:00' FROM luffy_order \
                 WHERE out_trade_no = 'media_test';"
            ))
            .unwrap();
    }

    /// Fetches a URL; the status and the body.
    pub async fn fetch(&self, url: &str) -> (u16, Vec<u8>) {
        let response = self.app.client.get(url).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.bytes().await.unwrap().to_vec())
    }
}

fn count_files(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| {
            let path = entry.path();
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            if hidden {
                0
            } else if path.is_dir() {
                count_files(&path)
            } else {
                1
            }
        })
        .sum()
}

/// A PNG signature followed by `len - 8` sample bytes: what passes for an image upload.
pub fn png(len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend(sample(len.saturating_sub(8)));
    bytes
}

/// Bytes that look like nothing in particular.
pub fn sample(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

/// Declares each test for local storage and for Qiniu (on SQLite), and, with `postgres`,
/// for both again on PostgreSQL: `both_storages! { async fn name(studio, private) { … } }`.
macro_rules! both_storages {
    ($(async fn $name:ident($studio:ident, $private:expr) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;
                use $crate::studio::Adapter;
                use $crate::helpers::TestBackend;

                async fn run($studio: Studio) $body

                #[actix_web::test]
                async fn local() {
                    let studio = Studio::start(Adapter::Local, TestBackend::Sqlite, $private)
                        .await
                        .expect("SQLite is always available");
                    run(studio).await;
                }

                #[actix_web::test]
                async fn qiniu() {
                    let studio = Studio::start(Adapter::Qiniu, TestBackend::Sqlite, $private)
                        .await
                        .expect("SQLite is always available");
                    run(studio).await;
                }

                #[actix_web::test]
                async fn local_postgres() {
                    if let Some(studio) =
                        Studio::start(Adapter::Local, TestBackend::Postgres, $private).await
                    {
                        run(studio).await;
                    }
                }

                #[actix_web::test]
                async fn qiniu_postgres() {
                    if let Some(studio) =
                        Studio::start(Adapter::Qiniu, TestBackend::Postgres, $private).await
                    {
                        run(studio).await;
                    }
                }
            }
        )*
    };
}
