//! Local media stays inside its folder and holds what it claims: no symbolic link is followed
//! when serving or uploading, an image upload must be the declared type, and the form may send
//! only a few small fields before its file.

use crate::helpers::TestBackend;
use crate::studio::{Adapter, Studio, png, sample};
use serde_json::json;

macro_rules! local_media_tests {
    ($(async fn $name:ident($studio:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($studio: Studio) $body

                #[actix_web::test]
                async fn sqlite() {
                    run(Studio::start(Adapter::Local, TestBackend::Sqlite, false).await.unwrap()).await;
                }

                #[actix_web::test]
                async fn postgres() {
                    if let Some(studio) = Studio::start(Adapter::Local, TestBackend::Postgres, false).await {
                        run(studio).await;
                    }
                }
            }
        )*
    };
}

local_media_tests! {
    async fn an_image_must_be_what_its_name_says(studio) {
        let grant = studio.grant(json!({"course_image": studio.catalog.first, "filename": "cover.png"})).await;
        let key = grant["key"].as_str().unwrap().to_owned();
        let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec();
        let (status, body) = studio.upload(&grant, &key, svg, "image/png").await;
        assert_eq!(status, 415, "{body}");
        assert_eq!(body["code"], 999);
        let (status, _) = studio.upload(&grant, &key, b"GIF89a-not-a-png".to_vec(), "image/png").await;
        assert_eq!(status, 415);
        assert_eq!(studio.object_count(), 0);
        assert_eq!(studio.media_rows(), 0);
        let (status, body) = studio.upload(&grant, &key, png(4096), "image/png").await;
        assert_eq!(status, 200, "{body}");
    }

    async fn the_form_sends_few_small_fields_before_the_file(studio) {
        let grant = studio.grant(json!({"course_image": studio.catalog.first, "filename": "cover.png"})).await;
        let key = grant["key"].as_str().unwrap().to_owned();
        let token = grant["token"].as_str().unwrap().to_owned();
        let send = |form: reqwest::multipart::Form| {
            studio.app.client.post(grant["upload_url"].as_str().unwrap()).multipart(form).send()
        };
        let file = || reqwest::multipart::Part::bytes(png(100)).file_name("c.png").mime_str("image/png").unwrap();
        let mut crowded = reqwest::multipart::Form::new().text("token", token.clone()).text("key", key.clone());
        for n in 0..3 {
            crowded = crowded.text(format!("x{n}"), "y");
        }
        let response = send(crowded.part("file", file())).await.unwrap();
        assert_eq!(response.status(), 400);
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(body["msg"].as_str().unwrap().contains("at most 4"), "{body}");
        let long = reqwest::multipart::Form::new()
            .text("note", "z".repeat(2048))
            .text("token", token.clone())
            .text("key", key.clone())
            .part("file", file());
        assert_eq!(send(long).await.unwrap().status(), 400);
        assert_eq!(studio.object_count(), 0);
        let fine = reqwest::multipart::Form::new()
            .text("token", token)
            .text("key", key)
            .text("x:note", "ok")
            .part("file", file());
        assert_eq!(send(fine).await.unwrap().status(), 200);
    }

    async fn symbolic_links_are_never_followed(studio) {
        let media = studio.app.dir.path().join("media");
        let outside = studio.app.dir.path().join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("secret.txt"), "not media").unwrap();
        std::fs::create_dir_all(&media).unwrap();
        std::os::unix::fs::symlink(&outside, media.join("linked")).unwrap();
        std::os::unix::fs::symlink(outside.join("secret.txt"), media.join("secret.txt")).unwrap();
        for path in ["/media/linked/secret.txt", "/media/secret.txt"] {
            let response = studio.app.client.get(studio.app.url(path)).send().await.unwrap();
            assert_eq!(response.status(), 404, "{path}");
            assert!(!response.text().await.unwrap().contains("not media"), "{path}");
        }
        // An upload whose folder is a link out of the media folder is refused, and nothing is
        // written outside.
        let grant = studio.grant(json!({"section": studio.sections().await[0].0, "filename": "a.mp4"})).await;
        let key = grant["key"].as_str().unwrap().to_owned();
        let top = key.split('/').next().unwrap();
        std::os::unix::fs::symlink(&outside, media.join(top)).unwrap();
        let (status, body) = studio.upload(&grant, &key, sample(1000), "video/mp4").await;
        assert_eq!(status, 403, "{body}");
        let written: Vec<_> = walk(&outside);
        assert_eq!(written, vec![outside.join("secret.txt")], "nothing written outside");
        assert_eq!(studio.media_rows(), 0);
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
