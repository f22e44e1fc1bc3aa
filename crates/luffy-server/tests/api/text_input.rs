//! Control characters in text input: refused with code 999 naming the field, or, in search
//! terms, dropped. PostgreSQL cannot store NUL, so nothing of it may reach a query.

use crate::helpers::TestApp;
use reqwest::Method;
use serde_json::{Value, json};

const NUL: &str = "\u{0}";

async fn staff_token(app: &TestApp) -> String {
    app.create_user("boss", "boss-password", None, None, true);
    format!("jwt {}", app.login("boss", "boss-password").await)
}

/// A refusal: HTTP 200, code 999, and a message that names `field` when one is given.
fn assert_refused(status: u16, body: &Value, field: Option<&str>) {
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["code"], 999, "{body}");
    if let Some(field) = field {
        let msg = body["msg"].as_str().unwrap();
        assert!(msg.contains(field), "{field} not named in {msg:?}");
    }
}

both_backends! {
    async fn search_terms_drop_control_characters(app) {
        crate::fixtures::seed_catalog(&app);
        for query in ["ab%00c", "%00", "py%00thon", "%1b%00%7f", "linux%00"] {
            let (status, body) = app.get_json(&format!("/api/v1/course/search/?search={query}")).await;
            assert_eq!(status, 200, "{query}: {body}");
            assert_eq!(body["code"], 100, "{query}: {body}");
        }
        let (_, plain) = app.get_json("/api/v1/course/search/?search=python&page_size=10").await;
        let (_, with_nul) = app.get_json("/api/v1/course/search/?search=py%00thon&page_size=10").await;
        assert_eq!(plain["data"]["count"], with_nul["data"]["count"]);
        assert!(plain["data"]["count"].as_u64().unwrap() > 0);
    }

    async fn account_inputs_refuse_control_characters(app) {
        app.create_user("alex", "alex-password", Some("13800000002"), Some("a@example.com"), false);
        let (status, body) = app.get_json("/api/v1/user/user/mobile/?mobile=1380000%000002").await;
        assert_refused(status, &body, Some("mobile"));
        let (status, body) = app.get_json("/api/v1/user/user/send_sms/?mobile=%00").await;
        assert_refused(status, &body, Some("mobile"));
        for (username, password) in [
            (format!("alex{NUL}"), "alex-password".to_owned()),
            ("alex".to_owned(), format!("alex-password{NUL}")),
            (format!("a{NUL}@example.com"), "alex-password".to_owned()),
            (format!("1380000000{NUL}2"), "x".to_owned()),
        ] {
            let (status, body) = app
                .post_json("/api/v1/user/user/mul_login/", &json!({"username": username, "password": password}))
                .await;
            assert_refused(status, &body, None);
        }
        let (status, body) = app
            .post_json("/api/v1/user/user/mobile_login/", &json!({"mobile": format!("13800000002{NUL}"), "code": "123456"}))
            .await;
        assert_refused(status, &body, Some("mobile"));
        let (status, body) = app
            .post_json(
                "/api/v1/user/user/mobile_register/",
                &json!({"mobile": "13800000003", "code": "123456", "password": format!("long-pass{NUL}word")}),
            )
            .await;
        assert_refused(status, &body, Some("password"));
        let (status, body) = app
            .post_json("/api/v1/user/user/mul_login/", &json!({format!("user{NUL}name"): "alex", "password": "p"}))
            .await;
        assert_refused(status, &body, Some("body"));
        // The real login still works.
        app.login("alex", "alex-password").await;
    }

    async fn catalog_edits_and_order_inputs_refuse_control_characters(app) {
        let token = staff_token(&app).await;
        for (kind, body, field) in [
            ("teachers", json!({"name": format!("Al{NUL}ex"), "title": "导师", "role": 1}), "name"),
            ("teachers", json!({"name": "Alex", "title": "导\u{1b}师", "role": 1}), "title"),
            ("categories", json!({"name": format!("Py{NUL}")}), "name"),
            ("courses", json!({"name": "Python", "price": "1.00", "brief": format!("x{NUL}")}), "brief"),
        ] {
            let (status, body) = app
                .send_json(Method::POST, &format!("/api/v1/admin/{kind}"), &body, Some(&token))
                .await;
            assert_refused(status, &body, Some(field));
        }
        let (status, body) = app
            .send_json(
                Method::POST,
                "/api/v1/admin/media/upload-token/",
                &json!({"course_image": 1, "filename": format!("a{NUL}.png"), "size": 10}),
                Some(&token),
            )
            .await;
        assert_refused(status, &body, Some("filename"));
        let (status, body) = app
            .send_json(
                Method::POST,
                "/api/v1/order/pay/",
                &json!({"courses": [format!("1{NUL}")], "total_amount": "1.00"}),
                Some(&token),
            )
            .await;
        assert_refused(status, &body, Some("courses"));
        let (status, body) = app.get_json("/api/v1/order/success/?out_trade_no=ab%00c").await;
        assert_refused(status, &body, Some("out_trade_no"));
        let response = app
            .client
            .get(app.url("/api/v1/order/ab%00c/"))
            .header("Authorization", &token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 404);
        let (status, body) = app
            .send_json(
                Method::POST,
                "/api/v1/admin/orders/ab%00c/refund",
                &json!({"out_request_no": "r1", "reason": "x"}),
                Some(&token),
            )
            .await;
        assert_eq!((status, body["code"].clone()), (404, json!(999)), "{body}");
        let (status, body) = app
            .send_json(
                Method::POST,
                "/api/v1/admin/orders/20240101_1/refund",
                &json!({"out_request_no": "r1", "reason": format!("x{NUL}")}),
                Some(&token),
            )
            .await;
        assert_refused(status, &body, Some("reason"));
        // Nothing was stored.
        use diesel::prelude::*;
        let teachers: i64 = luffy_db::schema::luffy_teacher::table.count().get_result(&mut app.db()).unwrap();
        assert_eq!(teachers, 0);
    }
}
