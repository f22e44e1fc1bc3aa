//! Direct uploads, callbacks and links, the same tests on local storage and on Qiniu.

use crate::studio::{ACCESS_KEY, SECRET_KEY, Studio, png, sample};
use serde_json::{Value, json};

/// Qiniu calling back again for `key`, signed with `secret` (a retried callback when it is the
/// bucket's secret).
async fn callback(
    studio: &Studio,
    key: &str,
    bytes: &[u8],
    mime: &str,
    secret: &str,
) -> (u16, Value) {
    let body = serde_urlencoded::to_string([
        ("key", key.to_owned()),
        ("hash", qiniu_sdk::etag_of_bytes(bytes)),
        ("fsize", bytes.len().to_string()),
        ("mimeType", mime.to_owned()),
    ])
    .unwrap();
    let url = studio.app.url("/api/v1/media/callback/");
    let content_type = "application/x-www-form-urlencoded";
    let signature = qiniu_sdk::Credentials::new(ACCESS_KEY, secret).sign_qbox(
        &url,
        Some(content_type),
        body.as_bytes(),
    );
    let response = studio
        .app
        .client
        .post(url)
        .header("Content-Type", content_type)
        .header("Authorization", format!("QBox {signature}"))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

both_storages! {
    async fn a_direct_upload_is_attached_once(studio, false) {
        let (section, _) = studio.sections().await[0];
        let bytes = sample(300_000);
        let key = studio.upload_video(section, &bytes).await;
        assert!(key.starts_with(&format!("sections/{section}/")), "{key}");
        assert!(key.ends_with(".mp4"));
        assert_eq!(studio.stored(&key), Some(bytes.clone()));
        assert_eq!(studio.section_link(section).as_deref(), Some(key.as_str()));
        assert_eq!(studio.media_rows(), 1);

        // Public storage links it for everyone, and the link serves the bytes.
        let link = studio.visible_link(section, None).await.expect("a link");
        assert!(!link.contains("token="), "{link}");
        assert_eq!(studio.fetch(&link).await, (200, bytes.clone()));

        // The same upload announced again changes nothing.
        let (status, body) = match studio.adapter {
            Adapter::Local => {
                // A second POST of the same bytes under the same key.
                let token_grant = json!({
                    "token": studio_token_for(&studio, &key).await,
                    "upload_url": studio.app.url("/api/v1/media/upload/"),
                });
                studio.upload(&token_grant, &key, bytes.clone(), "video/mp4").await
            }
            Adapter::Qiniu => callback(&studio, &key, &bytes, "video/mp4", SECRET_KEY).await,
        };
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["key"], key.as_str());
        assert_eq!(studio.media_rows(), 1);
        assert_eq!(studio.section_link(section).as_deref(), Some(key.as_str()));

        // A new video for the section replaces the link; the old object stays in storage.
        let newer = sample(1000);
        let replaced = studio.upload_video(section, &newer).await;
        assert_ne!(replaced, key);
        assert_eq!(studio.section_link(section).as_deref(), Some(replaced.as_str()));
        assert_eq!(studio.media_rows(), 2);
        assert_eq!(studio.object_count(), 2);

        // A course cover goes the same way and shows in the course's JSON.
        let course = studio.catalog.first;
        let grant = studio.grant(json!({"course_image": course, "filename": "cover.png"})).await;
        let cover_key = grant["key"].as_str().unwrap().to_owned();
        let cover = png(2048);
        let (status, body) = studio.upload(&grant, &cover_key, cover.clone(), "image/png").await;
        assert_eq!(status, 200, "{body}");
        let (_, detail) = studio.app.get_json(&format!("/api/v1/course/actual/{course}/")).await;
        let cover_url = detail["course_img"].as_str().unwrap().to_owned();
        assert!(cover_url.ends_with(&cover_key), "{cover_url}");
        assert_eq!(studio.fetch(&cover_url).await, (200, cover));
    }

    async fn grants_check_the_target_the_type_the_size_and_the_staff(studio, false) {
        let (section, _) = studio.sections().await[0];
        let refused = studio
            .grant_as(&studio.buyer, json!({"section": section, "filename": "a.mp4"}))
            .await;
        assert_eq!(refused["code"], 999, "{refused}");
        assert!(refused.get("token").is_none());

        let unknown = studio.grant_as(&studio.staff, json!({"section": 999_999, "filename": "a.mp4"})).await;
        assert_eq!(unknown["code"], 999, "{unknown}");
        let deleted = studio
            .grant_as(&studio.staff, json!({"course_image": studio.catalog.deleted_course, "filename": "a.png"}))
            .await;
        assert_eq!(deleted["code"], 999, "{deleted}");

        for (body, field) in [
            (json!({"section": section, "filename": "lesson.exe"}), "filename"),
            (json!({"section": section, "filename": "cover.png"}), "filename"),
            (json!({"course_image": studio.catalog.first, "filename": "clip.mp4"}), "filename"),
            (json!({"course_image": studio.catalog.first, "filename": "c.png", "size": 10_485_761}), "size"),
            (json!({"section": section}), "filename"),
            (json!({"filename": "a.mp4"}), "section"),
            (json!({"section": section, "teacher_image": 1, "filename": "a.mp4"}), "section"),
        ] {
            let answer = studio.grant_as(&studio.staff, body.clone()).await;
            assert_eq!(answer["code"], 999, "{body}: {answer}");
            assert!(answer["msg"].as_str().unwrap().starts_with(field), "{body}: {answer}");
        }

        let image = studio
            .grant(json!({"course_image": studio.catalog.first, "filename": "Cover.PNG", "size": 2048}))
            .await;
        let key = image["key"].as_str().unwrap();
        assert!(key.starts_with(&format!("courses/{}/", studio.catalog.first)), "{key}");
        assert!(key.ends_with(".png"));
        assert_eq!(image["max_size"], 10_485_760);
        assert_eq!(image["mime_limit"], "image/*");
        assert_eq!(studio.object_count(), 0);
        assert_eq!(studio.media_rows(), 0);
    }

    async fn uploads_outside_their_grant_leave_nothing_behind(studio, false) {
        let (section, _) = studio.sections().await[0];
        let before = studio.section_link(section);
        let video = studio.grant(json!({"section": section, "filename": "a.mp4"})).await;
        let video_key = video["key"].as_str().unwrap().to_owned();

        let (status, _) = studio.upload(&video, &video_key, sample(1000), "text/html").await;
        assert_eq!(status, by_adapter(&studio, 415, 403), "wrong type");
        let (status, _) = studio.upload(&video, &format!("sections/{section}/other.mp4"), sample(1000), "video/mp4").await;
        assert_eq!(status, by_adapter(&studio, 401, 403), "another key");
        let mut forged = video.clone();
        let token = video["token"].as_str().unwrap();
        let (head, tail) = token.split_at(token.find(':').unwrap() + 3);
        let flipped = if head.ends_with('A') { 'B' } else { 'A' };
        forged["token"] = json!(format!("{}{flipped}{tail}", &head[..head.len() - 1]));
        let (status, _) = studio.upload(&forged, &video_key, sample(1000), "video/mp4").await;
        assert_eq!(status, 401, "forged token");

        let image = studio.grant(json!({"course_image": studio.catalog.first, "filename": "c.png"})).await;
        let image_key = image["key"].as_str().unwrap().to_owned();
        let (status, _) = studio.upload(&image, &image_key, png(10 * 1024 * 1024 + 1), "image/png").await;
        assert_eq!(status, 413, "oversize");

        studio.advance(2 * 3600);
        let (status, _) = studio.upload(&video, &video_key, sample(1000), "video/mp4").await;
        assert_eq!(status, 401, "expired token");

        assert_eq!(studio.object_count(), 0);
        assert_eq!(studio.media_rows(), 0);
        assert_eq!(studio.section_link(section), before);
        if studio.adapter == Adapter::Local {
            let temp = studio.app.dir.path().join("media").join(".tmp");
            let left = std::fs::read_dir(&temp).map(|dir| dir.count()).unwrap_or(0);
            assert_eq!(left, 0, "temporary files left in {}", temp.display());
        }
    }

    async fn forged_callbacks_attach_nothing(studio, false) {
        let (section, _) = studio.sections().await[0];
        let before = studio.section_link(section);
        let key = format!("sections/{section}/0123456789abcdef.mp4");
        let bytes = sample(5000);
        let (status, _) = callback(&studio, &key, &bytes, "video/mp4", "not-the-secret").await;
        let expected = match studio.adapter {
            Adapter::Local => 404,
            Adapter::Qiniu => 401,
        };
        assert_eq!(status, expected);
        if studio.adapter == Adapter::Qiniu {
            // Signed, but for things the shop refuses: an unknown section, a wrong type.
            let unknown = "sections/999999/0123456789abcdef.mp4";
            assert_eq!(callback(&studio, unknown, &bytes, "video/mp4", SECRET_KEY).await.0, 404);
            assert_eq!(callback(&studio, &key, &bytes, "image/png", SECRET_KEY).await.0, 415);
            assert_eq!(callback(&studio, "elsewhere/x.mp4", &bytes, "video/mp4", SECRET_KEY).await.0, 400);
            // The same signature over another body.
            let url = studio.app.url("/api/v1/media/callback/");
            let signature = qiniu_sdk::Credentials::new(ACCESS_KEY, SECRET_KEY)
                .sign_qbox(&url, Some("application/x-www-form-urlencoded"), b"key=a");
            let response = studio.app.client.post(url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", format!("QBox {signature}"))
                .body(format!("key={key}&hash=x&fsize=1&mimeType=video/mp4"))
                .send().await.unwrap();
            assert_eq!(response.status(), 401);
        }
        assert_eq!(studio.section_link(section), before);
        assert_eq!(studio.media_rows(), 0);
    }

    async fn private_links_go_to_owners_and_free_trials_and_expire(studio, true) {
        let sections = studio.sections().await;
        let free = sections.iter().find(|(_, free)| *free).expect("a free section").0;
        let paid = sections.iter().find(|(_, free)| !*free).expect("a paid section").0;
        let free_bytes = sample(70_000);
        let paid_bytes = sample(90_000);
        studio.upload_video(free, &free_bytes).await;
        studio.upload_video(paid, &paid_bytes).await;

        let trial = studio.visible_link(free, None).await.expect("free trial link");
        assert!(trial.contains("e=") && trial.contains("token="), "{trial}");
        assert_eq!(studio.fetch(&trial).await, (200, free_bytes.clone()));
        assert_eq!(studio.visible_link(paid, None).await, None);
        assert_eq!(studio.visible_link(paid, Some(&studio.buyer)).await, None);
        // Course lists show the first sections the same way.
        let (_, detail) = studio.app.get_json(&format!("/api/v1/course/actual/{}/", studio.catalog.first)).await;
        for preview in detail["section_list"].as_array().unwrap() {
            if preview["id"] == paid {
                assert!(preview["section_link"].is_null(), "{preview}");
            }
        }

        studio.buyer_owns_first_course();
        let owned = studio.visible_link(paid, Some(&studio.buyer)).await.expect("owner's link");
        assert_eq!(studio.fetch(&owned).await, (200, paid_bytes.clone()));
        assert_eq!(studio.visible_link(paid, None).await, None, "still hidden from others");

        let unsigned = owned.split('?').next().unwrap().to_owned();
        assert_ne!(studio.fetch(&unsigned).await.0, 200, "unsigned");
        let tampered = format!("{}x", owned);
        assert_ne!(studio.fetch(&tampered).await.0, 200, "tampered");
        let (base, rest) = owned.split_once("?e=").unwrap();
        let (deadline, token) = rest.split_once('&').unwrap();
        let later = deadline.parse::<i64>().unwrap() + 3600;
        assert_ne!(studio.fetch(&format!("{base}?e={later}&{token}")).await.0, 200, "moved deadline");

        if studio.adapter == Adapter::Local {
            let part = studio.app.client.get(&owned).header("range", "bytes=10-19").send().await.unwrap();
            assert_eq!(part.status(), 206);
            assert_eq!(part.bytes().await.unwrap().to_vec(), paid_bytes[10..20].to_vec());
        }

        // Past the deadline the link stops working; a fresh page gives a fresh link.
        studio.advance(900);
        assert_ne!(studio.fetch(&owned).await.0, 200, "expired");
        let fresh = studio.visible_link(paid, Some(&studio.buyer)).await.expect("fresh link");
        assert_ne!(fresh, owned);
        assert_eq!(studio.fetch(&fresh).await, (200, paid_bytes));

        // Once the buyer logs out, the old token shows no more than an anonymous visitor sees.
        let (_, body) = studio
            .app
            .send_json(reqwest::Method::POST, "/api/v1/user/user/logout/", &json!({}), Some(&studio.buyer))
            .await;
        assert_eq!(body["code"], 100, "{body}");
        assert_eq!(studio.visible_link(paid, Some(&studio.buyer)).await, None, "revoked token");
        assert!(studio.visible_link(free, Some(&studio.buyer)).await.is_some());
    }
}

/// The status local storage answers, or the one Qiniu does.
fn by_adapter(studio: &Studio, local: u16, qiniu: u16) -> u16 {
    match studio.adapter {
        crate::studio::Adapter::Local => local,
        crate::studio::Adapter::Qiniu => qiniu,
    }
}

/// A local upload token for `key` (what a grant for that key would carry), made by the server's
/// own storage.
async fn studio_token_for(studio: &Studio, key: &str) -> String {
    use luffy_domain::media::{MediaKey, MediaStorage, MediaTarget};
    let key = MediaKey::parse(key).unwrap();
    let rules = MediaTarget::of_key(&key).unwrap().kind().rules();
    let deadline = chrono::Utc::now().timestamp() + 600;
    studio
        .app
        .state
        .storage
        .grant_upload(&key, &rules, deadline)
        .unwrap()
        .token
}
