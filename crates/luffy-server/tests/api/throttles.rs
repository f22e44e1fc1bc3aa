//! Limits on probing accounts: the registered-mobile check per client address, and the
//! per-account login limit whichever name of the account a guess uses. The server's clock
//! stands still at the start of a throttle window, so no count straddles two windows.

use crate::helpers::{TestApp, TestBackend, spawn_app_full};
use serde_json::json;
use std::sync::Arc;

/// A server whose clock is fixed at the start of a ten-minute window.
async fn spawn_fixed(backend: TestBackend) -> Option<TestApp> {
    // A multiple of 600 seconds: the start of a ten-minute (and a five-minute) window.
    let start = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
    spawn_app_full(
        backend,
        &[],
        Some(Arc::new(luffy_domain::FixedClock::new(start))),
    )
    .await
}

async fn login(app: &TestApp, username: &str, password: &str) -> serde_json::Value {
    app.post_json(
        "/api/v1/user/user/mul_login/",
        &json!({"username": username, "password": password}),
    )
    .await
    .1
}

fn is_throttled(body: &serde_json::Value) -> bool {
    body["code"] == 999
        && body["msg"]
            .as_str()
            .unwrap_or("")
            .starts_with("请求过于频繁")
}

both_backends! {
    spawn = spawn_fixed;

    async fn the_mobile_check_is_throttled_per_client_address(app) {
        app.create_user("alex", "alex-password", Some("13800000002"), None, false);
        for n in 0..30 {
            let mobile = if n % 2 == 0 { "13800000002".to_owned() } else { format!("139{n:08}") };
            let (_, body) = app.get_json(&format!("/api/v1/user/user/mobile/?mobile={mobile}")).await;
            assert!(!is_throttled(&body), "lookup {n}: {body}");
        }
        let (status, body) = app.get_json("/api/v1/user/user/mobile/?mobile=13800000002").await;
        assert_eq!(status, 200);
        assert!(is_throttled(&body), "{body}");
        // Another address is not affected by this one's probing: SMS sending still works.
        let (_, body) = app.get_json("/api/v1/user/user/send_sms/?mobile=13800000002").await;
        assert_eq!(body["code"], 100, "{body}");
    }

    async fn an_account_gets_ten_guesses_whichever_name_they_use(app) {
        app.create_user("alex", "alex-password", Some("13800000002"), Some("alex@example.com"), false);
        let names = ["alex", "13800000002", "alex@example.com"];
        for n in 0..10 {
            let body = login(&app, names[n % names.len()], "wrong-guess").await;
            assert_eq!(body["msg"], "用户名或密码错误", "guess {n}: {body}");
        }
        for name in names {
            let body = login(&app, name, "alex-password").await;
            assert!(is_throttled(&body), "{name}: {body}");
        }
        // The SMS login of the same account counts against the same limit.
        let body = app
            .post_json("/api/v1/user/user/mobile_login/", &json!({"mobile": "13800000002", "code": "123456"}))
            .await
            .1;
        assert!(is_throttled(&body), "{body}");
        // Another account is not affected.
        app.create_user("bea", "bea-password", None, None, false);
        assert_eq!(login(&app, "bea", "bea-password").await["code"], 100);
    }

    async fn unknown_names_are_limited_per_name(app) {
        for n in 0..10 {
            let body = login(&app, "ghost", "whatever").await;
            assert_eq!(body["msg"], "用户名或密码错误", "probe {n}: {body}");
        }
        assert!(is_throttled(&login(&app, "ghost", "whatever").await));
        // Each unknown name has its own count (the per-address limit bounds them all).
        let body = login(&app, "phantom", "whatever").await;
        assert_eq!(body["msg"], "用户名或密码错误", "{body}");
    }
}
