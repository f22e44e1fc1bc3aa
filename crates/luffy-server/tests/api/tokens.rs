//! Revocable tokens: logging out and changing the password stop every earlier token of the
//! user (wherever a token is checked, `pay` included); new passwords are refused when common or
//! built from the account's own names.

use crate::helpers::TestApp;
use jsonwebtoken::{EncodingKey, Header};
use reqwest::Method;
use serde_json::{Value, json};

const SECRET: &str = "test-secret-test-secret-test-secret-0123";

/// `GET /order/` with `token`: whether it is accepted.
async fn accepted(app: &TestApp, token: &str) -> bool {
    let response = app
        .client
        .get(app.url("/api/v1/order/"))
        .header("Authorization", format!("jwt {token}"))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    match body["code"].as_i64() {
        Some(100) => true,
        Some(999) => {
            assert_eq!(body["msg"], "认证失败", "{body}");
            false
        }
        _ => panic!("unexpected answer {body}"),
    }
}

/// `POST /order/pay/` with `token`: refused as unauthenticated, or let through to pricing.
async fn pay_refused_as_unauthenticated(app: &TestApp, token: &str, course: i64) -> bool {
    let (_, body) = app
        .send_json(
            Method::POST,
            "/api/v1/order/pay/",
            &json!({"courses": [course], "total_amount": "99.00"}),
            Some(&format!("jwt {token}")),
        )
        .await;
    body["msg"] == "认证失败"
}

async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> Value {
    app.send_json(Method::POST, path, &body, Some(&format!("jwt {token}")))
        .await
        .1
}

both_backends! {
    async fn logout_revokes_every_earlier_token(app) {
        let catalog = crate::fixtures::seed_catalog(&app);
        let id = app.create_user("alex", "alex-password", Some("13800000002"), None, false);
        let first = app.login("alex", "alex-password").await;
        let second = app.login("13800000002", "alex-password").await;
        // A token of the original format (no version) still works until the user logs out.
        let legacy = jsonwebtoken::encode(
            &Header::default(),
            &json!({"user_id": id, "username": "alex", "email": "", "exp": chrono::Utc::now().timestamp() + 3600}),
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap();
        for token in [&first, &second, &legacy] {
            assert!(accepted(&app, token).await);
        }
        assert!(!pay_refused_as_unauthenticated(&app, &first, catalog.linux).await);
        let body = post(&app, "/api/v1/user/user/logout/", &first, json!({})).await;
        assert_eq!(body, json!({"code": 100, "msg": "已退出登录"}));
        for token in [&first, &second, &legacy] {
            assert!(!accepted(&app, token).await);
            assert!(pay_refused_as_unauthenticated(&app, token, catalog.linux).await);
        }
        assert_eq!(post(&app, "/api/v1/user/user/logout/", &first, json!({})).await["code"], 999);
        let fresh = app.login("alex", "alex-password").await;
        assert!(accepted(&app, &fresh).await);
        // The original client's header keeps working, in either spelling.
        let response = app.client.get(app.url("/api/v1/order/")).header("Authorization", format!("JWT {fresh}")).send().await.unwrap();
        assert_eq!(response.json::<Value>().await.unwrap()["code"], 100);
    }

    async fn a_password_change_revokes_tokens_and_answers_a_fresh_one(app) {
        app.create_user("alex", "alex-password", Some("13800000002"), None, false);
        let old = app.login("alex", "alex-password").await;
        let path = "/api/v1/user/user/password/";
        let body = post(&app, path, &old, json!({"old_password": "wrong", "new_password": "Lu-fei!2026x"})).await;
        assert_eq!(body, json!({"code": 999, "msg": "原密码错误"}));
        for (new, msg) in [
            ("123456789", "password: 密码过于常见，请换一个"),
            ("alex-2026-pass", "password: 密码不能包含用户名或手机号"),
            ("x13800000002", "password: 密码不能包含用户名或手机号"),
        ] {
            let body = post(&app, path, &old, json!({"old_password": "alex-password", "new_password": new})).await;
            assert_eq!(body, json!({"code": 999, "msg": msg}), "{new}");
        }
        let body = post(&app, path, &old, json!({"old_password": "alex-password", "new_password": "12345"})).await;
        assert_eq!(body["code"], 999);
        assert!(accepted(&app, &old).await, "refused changes revoke nothing");
        let body = post(&app, path, &old, json!({"old_password": "alex-password", "new_password": "Lu-fei!2026x"})).await;
        assert_eq!(body["code"], 100, "{body}");
        assert_eq!(body["username"], "alex");
        let fresh = body["token"].as_str().unwrap().to_owned();
        assert!(!accepted(&app, &old).await);
        assert!(accepted(&app, &fresh).await);
        let (_, body) = app
            .post_json("/api/v1/user/user/mul_login/", &json!({"username": "alex", "password": "alex-password"}))
            .await;
        assert_eq!(body["code"], 999);
        app.login("alex", "Lu-fei!2026x").await;
        let (_, body) = app
            .post_json("/api/v1/user/user/password/", &json!({"old_password": "Lu-fei!2026x", "new_password": "Other-pass-9"}))
            .await;
        assert_eq!(body["msg"], "身份认证信息未提供。", "needs a login");
    }

    async fn registration_refuses_guessable_passwords(app) {
        for (password, msg) in [
            ("woaini1314", "password: 密码过于常见，请换一个"),
            ("a13800138000", "password: 密码不能包含用户名或手机号"),
        ] {
            app.get_json("/api/v1/user/user/send_sms/?mobile=13800138000").await;
            let (_, body) = app
                .post_json("/api/v1/user/user/mobile_register/", &json!({"mobile": "13800138000", "code": "000000", "password": password}))
                .await;
            assert_eq!(body, json!({"code": 999, "msg": msg}), "{password}");
        }
        use diesel::prelude::*;
        let users: i64 = luffy_db::schema::luffy_user::table.count().get_result(&mut app.db()).unwrap();
        assert_eq!(users, 0);
    }
}
