//! The home page's banners: the answer, the staff's edits and the cache across replicas.

use crate::helpers::TestApp;
use diesel::connection::SimpleConnection;
use reqwest::Method;
use serde_json::{Value, json};

async fn staff_token(app: &TestApp) -> String {
    app.create_user("boss", "boss-password", None, None, true);
    format!("jwt {}", app.login("boss", "boss-password").await)
}

async fn admin(app: &TestApp, token: &str, method: Method, path: &str, body: Value) -> Value {
    let (status, body) = app
        .send_json(
            method,
            &format!("/api/v1/admin/banners{path}"),
            &body,
            Some(token),
        )
        .await;
    assert!(status == 200 || status == 404, "{status} {body}");
    body
}

async fn create(app: &TestApp, token: &str, body: Value) -> i64 {
    let body = admin(app, token, Method::POST, "", body).await;
    assert_eq!(body["code"], 100, "{body}");
    body["data"]["id"].as_i64().unwrap()
}

/// The titles the home page shows, from `address`.
async fn titles_at(client: &reqwest::Client, address: &str) -> Vec<String> {
    let body: Value = client
        .get(format!("{address}/api/v1/home/banner/"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["code"], 100, "{body}");
    body["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|banner| banner["title"].as_str().unwrap().to_owned())
        .collect()
}

async fn titles(app: &TestApp) -> Vec<String> {
    titles_at(&app.client, &app.address).await
}

fn banner(title: &str, orders: i32) -> Value {
    json!({"title": title, "image": format!("banner/{orders}.png"), "link": "/free/detail/1", "orders": orders})
}

both_backends! {
    async fn the_home_page_shows_the_first_shown_banners_in_order(app) {
        let (status, body) = app.get_json("/api/v1/home/banner/").await;
        assert_eq!((status, &body["code"], &body["result"]), (200, &json!(100), &json!([])), "{body}");
        let token = staff_token(&app).await;
        let fourth = create(&app, &token, banner("D", 4)).await;
        create(&app, &token, banner("B", 2)).await;
        let hidden = create(&app, &token, json!({"title": "H", "image": "banner/h.png", "link": "/", "orders": 0, "is_show": false})).await;
        let first = create(&app, &token, json!({"title": "A", "image": "https://cdn.example.com/a.png", "link": "https://example.com/", "info": "第一", "orders": 1})).await;
        create(&app, &token, banner("C", 3)).await;
        let (_, body) = app.get_json("/api/v1/home/banner/").await;
        assert_eq!(body["result"][0], json!({
            "id": first, "title": "A", "image": "https://cdn.example.com/a.png",
            "link": "https://example.com/", "info": "第一"
        }));
        assert_eq!(body["result"][1]["image"], app.url("/media/banner/2.png"));
        assert_eq!(titles(&app).await, ["A", "B", "C"], "three by default, in display order");
        admin(&app, &token, Method::DELETE, &format!("/{first}"), json!({})).await;
        assert_eq!(titles(&app).await, ["B", "C", "D"]);
        admin(&app, &token, Method::POST, &format!("/{fourth}/hide"), json!({})).await;
        assert_eq!(titles(&app).await, ["B", "C"]);
        admin(&app, &token, Method::POST, &format!("/{hidden}/show"), json!({})).await;
        assert_eq!(titles(&app).await, ["H", "B", "C"]);
        admin(&app, &token, Method::PATCH, &format!("/{hidden}"), json!({"orders": 9, "title": "Z"})).await;
        assert_eq!(titles(&app).await, ["B", "C", "Z"]);
        let (_, body) = app.get_json("/api/v1/home/banner/").await;
        assert_eq!(body["result"].as_array().unwrap().len(), 3);
        let deleted = admin(&app, &token, Method::PATCH, &format!("/{first}"), json!({"title": "again"})).await;
        assert_eq!(deleted["code"], 999, "a deleted banner cannot be edited: {deleted}");
        let few = app.spawn_replica(&[("LUFFY_BANNER_COUNT", "2")], None).await;
        assert_eq!(titles_at(&app.client, &few.address).await, ["B", "C"]);
    }

    async fn banner_changes_reach_every_replica_through_the_database(app) {
        let token = staff_token(&app).await;
        let other = app.spawn_replica(&[], None).await;
        let id = create(&app, &token, banner("first", 1)).await;
        assert_eq!(titles(&app).await, ["first"]);
        assert_eq!(titles_at(&app.client, &other.address).await, ["first"]);
        // Behind the API's back, without a version bump: both replicas keep their copy.
        app.db().batch_execute("UPDATE luffy_banner SET title = 'unseen'").unwrap();
        assert_eq!(titles(&app).await, ["first"]);
        assert_eq!(titles_at(&app.client, &other.address).await, ["first"]);
        // A change through one replica is seen by the other at its next request.
        let body = app.client.patch(format!("{}/api/v1/admin/banners/{id}/", other.address))
            .header("Authorization", &token).json(&json!({"title": "second"})).send().await.unwrap()
            .json::<Value>().await.unwrap();
        assert_eq!(body["code"], 100, "{body}");
        assert_eq!(titles(&app).await, ["second"]);
        assert_eq!(titles_at(&app.client, &other.address).await, ["second"]);
        admin(&app, &token, Method::POST, &format!("/{id}/hide"), json!({})).await;
        assert!(titles_at(&app.client, &other.address).await.is_empty());
        create(&app, &token, banner("third", 2)).await;
        assert_eq!(titles_at(&app.client, &other.address).await, ["third"]);
    }

    async fn only_staff_edit_banners_and_bad_fields_are_named(app) {
        app.create_user("pupil", "pupil-password", None, None, false);
        let pupil = format!("jwt {}", app.login("pupil", "pupil-password").await);
        let refused = admin(&app, &pupil, Method::POST, "", banner("mine", 1)).await;
        assert_eq!(refused["code"], 999, "{refused}");
        let (_, anonymous) = app.post_json("/api/v1/admin/banners/", &banner("anon", 1)).await;
        assert_eq!(anonymous["code"], 999, "{anonymous}");
        assert!(titles(&app).await.is_empty());
        let token = staff_token(&app).await;
        let id = create(&app, &token, banner("Taken", 1)).await;
        let refused = admin(&app, &pupil, Method::DELETE, &format!("/{id}"), json!({})).await;
        assert_eq!(refused["code"], 999, "{refused}");
        let long = "x".repeat(300);
        let cases: Vec<(Value, &str)> = vec![
            (json!({"image": "banner/1.png", "link": "/"}), "title: is required"),
            (json!({"title": "t", "link": "/"}), "image: is required"),
            (json!({"title": "t", "image": "banner/1.png"}), "link: is required"),
            (json!({"title": "", "image": "banner/1.png", "link": "/"}), "title: must not be empty"),
            (json!({"title": long, "image": "banner/1.png", "link": "/"}), "title: at most 64 characters"),
            (json!({"title": "t", "image": "../secret.png", "link": "/"}), "image: must be a media key"),
            (json!({"title": "t", "image": "banner/1.png", "link": "javascript:alert(1)"}), "link: must be a path"),
            (json!({"title": "t", "image": "banner/1.png", "link": "/", "orders": -1}), "orders: must be a whole number from 0 to 1000000"),
            (json!({"title": "t", "image": "banner/1.png", "link": "/", "info": "x".repeat(1025)}), "info: at most 1024 characters"),
            (json!({"title": "t", "image": "banner/1.png", "link": "/", "shown": true}), "body: unknown field \"shown\""),
            (json!({"title": "Taken", "image": "banner/1.png", "link": "/"}), "title: a banner with this title exists"),
        ];
        for (body, message) in cases {
            let answer = admin(&app, &token, Method::POST, "", body.clone()).await;
            assert_eq!(answer["code"], 999, "{body}: {answer}");
            assert!(answer["msg"].as_str().unwrap().starts_with(message), "{body}: {answer}");
        }
        let answer = admin(&app, &token, Method::PATCH, &format!("/{id}"), json!({"link": "//evil.example.com"})).await;
        assert!(answer["msg"].as_str().unwrap().starts_with("link:"), "{answer}");
        assert_eq!(titles(&app).await, ["Taken"], "nothing else was stored");
        let (_, shown) = app.get_json("/api/v1/home/banner/").await;
        assert_eq!(shown["result"][0]["link"], "/free/detail/1");
        let gone = create(&app, &token, banner("Gone", 5)).await;
        admin(&app, &token, Method::DELETE, &format!("/{gone}"), json!({})).await;
        create(&app, &token, banner("Gone", 6)).await;
        assert_eq!(titles(&app).await, ["Taken", "Gone"], "a deleted banner's title is free again");
        let racing = app.db().batch_execute(
            "INSERT INTO luffy_banner (title, image, link, info, is_show, is_delete, orders, \
             created_time, updated_time) VALUES ('Taken', 'b.png', '/', '', TRUE, FALSE, 0, \
             '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
        );
        assert!(racing.is_err(), "the unique index refuses a second live title");
    }

    async fn staff_upload_a_banner_image_with_a_grant(app) {
        let token = staff_token(&app).await;
        let id = create(&app, &token, banner("Upload", 1)).await;
        assert_eq!(titles(&app).await, ["Upload"], "the cache holds the first image");
        let (_, grant) = app.send_json(Method::POST, "/api/v1/admin/media/upload-token/",
            &json!({"banner_image": id, "filename": "wide.png", "size": 8}), Some(&token)).await;
        assert_eq!(grant["code"], 100, "{grant}");
        let key = grant["key"].as_str().unwrap().to_owned();
        assert!(key.starts_with(&format!("banners/{id}/")), "{key}");
        let part = reqwest::multipart::Part::bytes(b"\x89PNG\r\n\x1a\n".to_vec()).file_name("wide.png").mime_str("image/png").unwrap();
        let form = reqwest::multipart::Form::new()
            .text("token", grant["token"].as_str().unwrap().to_owned())
            .text("key", key.clone())
            .part("file", part);
        let response = app.client.post(grant["upload_url"].as_str().unwrap()).multipart(form).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let (_, body) = app.get_json("/api/v1/home/banner/").await;
        assert_eq!(body["result"][0]["image"], app.url(&format!("/media/{key}")));
        let (_, missing) = app.send_json(Method::POST, "/api/v1/admin/media/upload-token/",
            &json!({"banner_image": 999, "filename": "wide.png"}), Some(&token)).await;
        assert_ne!(missing["code"], 100, "{missing}");
    }
}
