//! `luffy seed-demo` stores the demo catalog's files: every media URL it answers plays.

use crate::helpers::TestApp;
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::{Command, Stdio};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Runs `luffy seed-demo` as the operator does, with the server's settings.
fn seed_demo(app: &TestApp) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_luffy"))
        .arg("seed-demo")
        .env_clear()
        .envs(app.settings())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The demo user's password, as `seed-demo` prints it ("…, password XXXX").
fn seeded_password(summary: &str) -> &str {
    summary.rsplit("password ").next().unwrap().trim()
}

/// Every media URL of the visible demo catalog (and the demo user's icon), with what it should be (`png` or `mp4`).
async fn media_urls(app: &TestApp, summary: &str) -> BTreeMap<String, &'static str> {
    let mut urls = BTreeMap::new();
    let mut add = |url: &Value, kind: &'static str| {
        let url = url.as_str().unwrap_or_else(|| panic!("no URL: {url}"));
        urls.insert(url.to_owned(), kind);
    };
    let password = seeded_password(summary);
    let (_, login) = app
        .post_json(
            "/api/v1/user/user/mul_login/",
            &serde_json::json!({"username": "demo", "password": password}),
        )
        .await;
    assert_eq!(login["code"], 100, "{login}");
    add(&login["icon"], "png");
    let (_, banners) = app.get_json("/api/v1/home/banner/").await;
    let banners = banners["result"].as_array().unwrap();
    assert_eq!(banners.len(), 3, "the demo has three banners");
    for banner in banners {
        add(&banner["image"], "png");
    }
    let mut page = 1;
    let mut courses = Vec::new();
    loop {
        let (_, body) = app
            .get_json(&format!("/api/v1/course/actual/?page={page}&page_size=10"))
            .await;
        let results = body["data"]["results"].as_array().unwrap().clone();
        courses.extend(results);
        if body["data"]["next"].is_null() {
            break;
        }
        page += 1;
    }
    assert!(courses.len() >= 20, "{}", courses.len());
    for course in &courses {
        add(&course["course_img"], "png");
        add(&course["teacher"]["image"], "png");
        let id = course["id"].as_i64().unwrap();
        let (_, chapters) = app
            .get_json(&format!("/api/v1/course/chapter/?course_id={id}"))
            .await;
        let chapters = chapters.as_array().unwrap_or_else(|| panic!("{chapters}"));
        let mut free = 0;
        for section in chapters
            .iter()
            .flat_map(|chapter| chapter["coursesections"].as_array().unwrap())
        {
            if section["free_trail"] == true {
                add(&section["section_link"], "mp4");
                free += 1;
            }
        }
        assert!(free > 0, "course {id} has a free-trial section");
    }
    urls
}

/// Runs `luffy media verify` with the server's settings; whether it found nothing wrong.
fn verify(app: &TestApp) -> bool {
    Command::new(env!("CARGO_BIN_EXE_luffy"))
        .args(["media", "verify"])
        .env_clear()
        .envs(app.settings())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .unwrap()
        .status
        .success()
}

/// Seeds the demo and fetches every media URL it answers, which must start with `prefix`:
/// each is 200 with the right type and bytes (and videos seek, with `ranges`).
async fn seed_and_walk(app: &TestApp, prefix: &str, ranges: bool) {
    assert!(verify(app), "an empty catalog has no missing media");
    let summary = seed_demo(app);
    assert!(summary.contains("3 banners"), "{summary}");
    let urls = media_urls(app, &summary).await;
    assert!(
        urls.values().filter(|kind| **kind == "png").count() >= 20,
        "{urls:?}"
    );
    for (url, kind) in &urls {
        assert!(url.starts_with(prefix), "{url}");
        let response = app.client.get(url).send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        let bytes = response.bytes().await.unwrap();
        if *kind == "png" {
            assert_eq!(content_type, "image/png", "{url}");
            assert_eq!(&bytes[..8], PNG, "{url}");
            continue;
        }
        assert_eq!(content_type, "video/mp4", "{url}");
        assert_eq!(&bytes[4..8], b"ftyp", "{url}");
        assert!(
            bytes.windows(4).any(|window| window == b"avc1"),
            "H.264: {url}"
        );
        if ranges {
            let head = app
                .client
                .get(url)
                .header("Range", "bytes=0-99")
                .send()
                .await
                .unwrap();
            assert_eq!(head.status(), 206, "{url}");
            assert_eq!(head.bytes().await.unwrap().len(), 100);
        }
    }
    let covers: std::collections::BTreeSet<_> = urls
        .keys()
        .filter(|url| url.contains("/courses/"))
        .collect();
    assert!(covers.len() >= 20, "a cover per demo course: {covers:?}");
    assert!(
        verify(app),
        "every key of the seeded catalog is in the storage"
    );
}

both_backends! {
    async fn every_media_url_of_the_seeded_demo_answers_with_real_files(app) {
        seed_and_walk(&app, &app.url("/media/"), true).await;
        let (_, categories) = app.get_json("/api/v1/course/category/").await;
        assert_eq!(categories["data"], categories["result"]);
        assert!(!categories["result"].as_array().unwrap().is_empty());
    }
}

#[actix_web::test]
async fn the_demo_files_go_to_qiniu_through_the_storage_port() {
    use crate::studio::{ACCESS_KEY, BUCKET, SECRET_KEY};
    let sim_dir = tempfile::tempdir().unwrap();
    let mut config =
        qiniu_sim::SimConfig::new(ACCESS_KEY, SECRET_KEY, sim_dir.path()).with_buckets([BUCKET]);
    config.private_downloads = false;
    let sim = qiniu_sim::SimServer::start(config).unwrap();
    let base = sim.base_url().to_owned();
    let domain = format!("{base}/{BUCKET}");
    let settings = [
        ("LUFFY_STORAGE", "qiniu"),
        ("LUFFY_QINIU_ACCESS_KEY", ACCESS_KEY),
        ("LUFFY_QINIU_SECRET_KEY", SECRET_KEY),
        ("LUFFY_QINIU_BUCKET", BUCKET),
        ("LUFFY_QINIU_DOMAIN", domain.as_str()),
        ("LUFFY_QINIU_UP_HOST", base.as_str()),
        ("LUFFY_QINIU_API_HOST", base.as_str()),
    ];
    let app = crate::helpers::spawn_app_with(crate::helpers::TestBackend::Sqlite, &settings)
        .await
        .expect("SQLite is always available");
    seed_and_walk(&app, &format!("{domain}/"), false).await;
}
