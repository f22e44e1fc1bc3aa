use crate::fixtures::{keys, sorted};
use crate::helpers::TestApp;
use base64::Engine;
use diesel::prelude::*;
use jsonwebtoken::{EncodingKey, Header};
use luffy_db::schema::{luffy_sms_code, luffy_user};
use serde_json::json;

const SECRET: &str = "test-secret-test-secret-test-secret-0123";

/// The latest code sent to `mobile`, read from the database.
fn last_code(app: &TestApp, mobile: &str) -> String {
    luffy_sms_code::table
        .filter(luffy_sms_code::mobile.eq(mobile))
        .order(luffy_sms_code::id.desc())
        .select(luffy_sms_code::code)
        .first(&mut app.db())
        .unwrap()
}

async fn send_sms(app: &TestApp, mobile: &str) -> serde_json::Value {
    app.get_json(&format!("/api/v1/user/user/send_sms/?mobile={mobile}"))
        .await
        .1
}

async fn register(app: &TestApp, mobile: &str, code: &str, password: &str) -> serde_json::Value {
    app.post_json(
        "/api/v1/user/user/mobile_register/",
        &json!({"mobile": mobile, "code": code, "password": password}),
    )
    .await
    .1
}

fn token(claims: serde_json::Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn in_an_hour() -> i64 {
    chrono::Utc::now().timestamp() + 3600
}

both_backends! {
    async fn sms_codes_register_once_and_are_throttled(app) {
        assert_eq!(send_sms(&app, "12345").await, json!({"code": 102, "msg": "手机号不合法"}));
        assert_eq!(send_sms(&app, "12800138000").await["code"], 102);
        assert_eq!(send_sms(&app, "13800138000").await, json!({"code": 100, "msg": "发送短信成功"}));
        let again = send_sms(&app, "13800138000").await;
        assert_eq!(again["code"], 999, "a second code within a minute is throttled: {again}");
        let code = last_code(&app, "13800138000");
        assert_eq!(code.len(), 6);
        assert_eq!(register(&app, "13800138000", "8888", "secret-1").await["code"], 999);
        assert_eq!(register(&app, "13800138000", "888888", "secret-1").await["code"], 999);
        assert_eq!(
            register(&app, "13800138000", &code, "secret-1").await,
            json!({"code": 100, "msg": "注册成功"})
        );
        let username: String = luffy_user::table
            .filter(luffy_user::mobile.eq("13800138000"))
            .select(luffy_user::username)
            .first(&mut app.db())
            .unwrap();
        assert_eq!(username, "13800138000");
        let (_, body) = app.get_json("/api/v1/user/user/mobile/?mobile=13800138000").await;
        assert_eq!(body, json!({"code": 100, "msg": "手机号存在"}));
        let (_, body) = app.get_json("/api/v1/user/user/mobile/?mobile=13900139000").await;
        assert_eq!(body, json!({"code": 999, "msg": "手机号不存在"}));
        // The code is used up, and the mobile is taken.
        let body = register(&app, "13800138000", &code, "secret-1").await;
        assert_eq!(body["code"], 999);
        assert_eq!(body["msg"], "该手机号已注册");
    }

    async fn codes_are_single_use_and_expire(app) {
        app.create_user("alex", "alex-password", Some("13700137000"), None, false);
        send_sms(&app, "13700137000").await;
        let code = last_code(&app, "13700137000");
        let login = |code: String| {
            let app = &app;
            async move {
                app.post_json("/api/v1/user/user/mobile_login/", &json!({"mobile": "13700137000", "code": code})).await.1
            }
        };
        assert_eq!(login("8888".into()).await["code"], 999);
        let body = login(code.clone()).await;
        assert_eq!(body["code"], 100, "{body}");
        assert_eq!(body["username"], "alex");
        assert_eq!(login(code).await["code"], 999, "a code works once");
        // A fresh code that has expired.
        diesel::delete(luffy_db::schema::luffy_throttle::table).execute(&mut app.db()).unwrap();
        send_sms(&app, "13700137000").await;
        let code = last_code(&app, "13700137000");
        diesel::update(luffy_sms_code::table.filter(luffy_sms_code::code.eq(&code)))
            .set(luffy_sms_code::expires_at.eq(chrono::Utc::now().naive_utc() - chrono::Duration::seconds(1)))
            .execute(&mut app.db())
            .unwrap();
        assert_eq!(login(code).await["code"], 999, "an expired code fails");
        // An unregistered mobile cannot log in by SMS.
        let (_, body) = app.post_json("/api/v1/user/user/mobile_login/", &json!({"mobile": "13600136000", "code": "123456"})).await;
        assert_eq!(body["msg"], "该手机号未注册");
    }

    async fn wrong_guesses_void_a_code(app) {
        app.create_user("mary", "mary-password", Some("13500135000"), None, false);
        send_sms(&app, "13500135000").await;
        let code = last_code(&app, "13500135000");
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for _ in 0..5 {
            let (_, body) = app.post_json("/api/v1/user/user/mobile_login/", &json!({"mobile": "13500135000", "code": wrong})).await;
            assert_eq!(body["msg"], "验证码错误");
        }
        let (_, body) = app.post_json("/api/v1/user/user/mobile_login/", &json!({"mobile": "13500135000", "code": code})).await;
        assert_eq!(body["code"], 999, "five wrong guesses void the code");
    }

    async fn password_login_by_username_mobile_or_email(app) {
        app.create_user("alex", "alex-password", Some("13700137000"), Some("alex@luffy.cn"), false);
        for name in ["alex", "13700137000", "alex@luffy.cn"] {
            let (status, body) = app
                .post_json("/api/v1/user/user/mul_login/", &json!({"username": name, "password": "alex-password"}))
                .await;
            assert_eq!(status, 200);
            assert_eq!(keys(&body), sorted(&["code", "msg", "token", "username", "icon"]), "{body}");
            assert_eq!(body["code"], 100);
            assert_eq!(body["username"], "alex");
            assert_eq!(body["icon"], app.url("/media/icon/default.png"));
            let token = body["token"].as_str().unwrap();
            let payload = token.split('.').nth(1).unwrap();
            let payload: serde_json::Value = serde_json::from_slice(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap(),
            )
            .unwrap();
            // drf-jwt's payload, and the token version that logging out moves on.
            assert_eq!(keys(&payload), sorted(&["user_id", "username", "exp", "email", "ver"]));
            assert_eq!(payload["email"], "alex@luffy.cn");
        }
        for (name, password) in [("alex", "wrong-password"), ("nobody", "alex-password"), ("", "x")] {
            let (_, body) = app
                .post_json("/api/v1/user/user/mul_login/", &json!({"username": name, "password": password}))
                .await;
            assert_eq!(body, json!({"code": 999, "msg": "用户名或密码错误"}), "{name}");
        }
        let (_, body) = app.post_json("/api/v1/user/user/mul_login/", &json!({"username": "alex"})).await;
        assert_eq!(body["code"], 999);
    }

    async fn logins_are_throttled_per_account(app) {
        app.create_user("tom", "tom-password", None, None, false);
        for _ in 0..10 {
            let (_, body) = app
                .post_json("/api/v1/user/user/mul_login/", &json!({"username": "tom", "password": "nope-nope"}))
                .await;
            assert_eq!(body["msg"], "用户名或密码错误");
        }
        let (_, body) = app
            .post_json("/api/v1/user/user/mul_login/", &json!({"username": "tom", "password": "tom-password"}))
            .await;
        assert_eq!(body["code"], 999);
        assert!(body["msg"].as_str().unwrap().starts_with("请求过于频繁"), "{body}");
    }

    async fn tokens_are_checked_strictly(app) {
        let staff = app.create_user("boss", "boss-password", None, Some("b@luffy.cn"), true);
        app.create_user("pleb", "pleb-password", None, None, false);
        let good = app.login("boss", "boss-password").await;
        let path = "/api/v1/admin/categories";
        let post = |authorization: Option<String>| {
            let app = &app;
            async move {
                app.send_json(reqwest::Method::POST, path, &json!({"name": format!("c{}", uuid::Uuid::new_v4().simple())}), authorization.as_deref()).await
            }
        };
        let (status, body) = post(None).await;
        assert_eq!((status, body), (200, json!({"code": 999, "msg": "身份认证信息未提供。"})));
        let (_, body) = post(Some("Basic abc".into())).await;
        assert_eq!(body["msg"], "身份认证信息未提供。");
        let failed = json!({"code": 999, "msg": "认证失败"});
        let expired = token(json!({"user_id": staff, "username": "boss", "email": "", "exp": chrono::Utc::now().timestamp() - 10}), SECRET);
        let wrong_key = token(json!({"user_id": staff, "username": "boss", "email": "", "exp": in_an_hour()}), "another-secret-another-secret-another-1");
        let mut tampered: Vec<String> = good.split('.').map(str::to_owned).collect();
        tampered[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(json!({"user_id": staff + 1, "username": "boss", "email": "", "exp": in_an_hour()}).to_string());
        let tampered = tampered.join(".");
        let b64 = |value: serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string());
        let none = format!(
            "{}.{}.",
            b64(json!({"alg": "none", "typ": "JWT"})),
            b64(json!({"user_id": staff, "username": "boss", "email": "", "exp": in_an_hour()}))
        );
        let hs512 = jsonwebtoken::encode(
            &Header::new(jsonwebtoken::Algorithm::HS512),
            &json!({"user_id": staff, "username": "boss", "email": "", "exp": in_an_hour()}),
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap();
        for bad in ["jwt garbage".to_owned(), "jwt".to_owned(), format!("jwt {expired}"), format!("jwt {wrong_key}"),
                    format!("jwt {tampered}"), format!("jwt {none}"), format!("jwt {hs512}"), format!("jwt {good} extra")] {
            let (_, body) = post(Some(bad.clone())).await;
            assert_eq!(body, failed, "{bad}");
        }
        for accepted in [format!("jwt {good}"), format!("JWT {good}"), format!("Jwt {good}"), format!("Bearer {good}"), format!("bearer {good}")] {
            let (_, body) = post(Some(accepted.clone())).await;
            assert_eq!(body["code"], 100, "{accepted}: {body}");
        }
        let pleb = app.login("pleb", "pleb-password").await;
        let (_, body) = post(Some(format!("jwt {pleb}"))).await;
        assert_eq!(body, json!({"code": 999, "msg": "您没有执行该操作的权限。"}));
        // A valid token of a user who has since been deactivated.
        diesel::update(luffy_user::table.find(staff)).set(luffy_user::is_active.eq(false)).execute(&mut app.db()).unwrap();
        let (_, body) = post(Some(format!("jwt {good}"))).await;
        assert_eq!(body, failed);
    }

    async fn client_addresses_behind_a_proxy_are_throttled_apart(app) {
        // Without a trusted proxy, X-Forwarded-For is ignored: every request is from 127.0.0.1.
        for i in 0..10 {
            let (_, body) = app
                .client
                .get(app.url(&format!("/api/v1/user/user/send_sms/?mobile=1390000000{i}")))
                .header("X-Forwarded-For", format!("1.2.3.{i}"))
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .map(|body| ((), body))
                .unwrap();
            assert_eq!(body["code"], 100, "{i}");
        }
        let (_, body) = app.get_json("/api/v1/user/user/send_sms/?mobile=13911111111").await;
        assert_eq!(body["code"], 999, "eleven codes from one address in ten minutes: {body}");
    }
}

/// Behind a trusted proxy, each forwarded address has its own count.
#[actix_web::test]
async fn trusted_proxies_forward_the_client_address() {
    let app = crate::helpers::spawn_app_with(
        crate::helpers::TestBackend::Sqlite,
        &[("LUFFY_TRUSTED_PROXIES", "127.0.0.1")],
    )
    .await
    .unwrap();
    for i in 0..11 {
        let body: serde_json::Value = app
            .client
            .get(app.url(&format!(
                "/api/v1/user/user/send_sms/?mobile=139000001{i:02}"
            )))
            .header("X-Forwarded-For", format!("1.2.3.{i}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["code"], 100, "{i}: {body}");
    }
}
