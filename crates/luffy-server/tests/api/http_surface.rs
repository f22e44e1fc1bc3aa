//! What every response shares: security headers, `HEAD` wherever `GET` is, and the envelope
//! for 405 (with `Allow`), 413 and path-parameter failures; the HTML pages' strict CSP.

use crate::helpers::TestApp;
use reqwest::Method;
use serde_json::{Value, json};

async fn envelope_of(response: reqwest::Response) -> Value {
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    response.json().await.unwrap()
}

fn assert_security_headers(response: &reqwest::Response) {
    let headers = response.headers();
    assert_eq!(
        headers["x-content-type-options"],
        "nosniff",
        "{}",
        response.url()
    );
    assert_eq!(
        headers["referrer-policy"],
        "strict-origin-when-cross-origin",
        "{}",
        response.url()
    );
}

/// A strict CSP: no inline code, never framed.
fn assert_page_csp(response: &reqwest::Response) {
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("default-src 'none'"), "{csp}");
}

/// Every `<script>` of `html` has a `src`, and there is no `<style>` or `style=` attribute.
fn assert_no_inline_code(html: &str) {
    assert!(!html.contains("<style"), "{html}");
    assert!(!html.contains("style="), "{html}");
    for script in html.split("<script").skip(1) {
        let tag = script.split('>').next().unwrap();
        assert!(tag.contains("src="), "inline script in {html}");
    }
}

async fn send(app: &TestApp, method: Method, path: &str) -> reqwest::Response {
    app.client
        .request(method, app.url(path))
        .send()
        .await
        .unwrap()
}

both_backends! {
    async fn every_response_carries_the_security_headers(app) {
        for (method, path) in [
            (Method::GET, "/healthz"),
            (Method::GET, "/api/v1/course/actual/"),
            (Method::GET, "/no/such/route"),
            (Method::POST, "/api/v1/user/user/mul_login/"),
            (Method::DELETE, "/healthz"),
            (Method::GET, "/pay/success"),
            (Method::GET, "/pay/success.js"),
        ] {
            let response = send(&app, method, path).await;
            assert_security_headers(&response);
        }
    }

    async fn head_is_answered_wherever_get_is(app) {
        crate::fixtures::seed_catalog(&app);
        for path in ["/healthz", "/api/v1/course/actual/", "/api/v1/course/category/", "/pay/success"] {
            let get = send(&app, Method::GET, path).await;
            let get_type = get.headers()["content-type"].clone();
            assert_eq!(get.status(), 200, "GET {path}");
            let head = send(&app, Method::HEAD, path).await;
            assert_eq!(head.status(), 200, "HEAD {path}");
            assert_eq!(head.headers()["content-type"], get_type, "HEAD {path}");
            assert!(head.bytes().await.unwrap().is_empty(), "HEAD {path} sends no body");
        }
    }

    async fn refusals_of_actix_itself_answer_the_envelope(app) {
        // A method the route does not serve: 405, its Allow header and the envelope.
        for (method, path, allow) in [
            (Method::POST, "/healthz", "GET, HEAD"),
            (Method::GET, "/api/v1/order/pay/", "POST"),
            (Method::DELETE, "/api/v1/user/user/mul_login", "POST"),
            (Method::PUT, "/api/v1/order/success/", "GET, HEAD, POST"),
        ] {
            let response = send(&app, method.clone(), path).await;
            assert_eq!(response.status(), 405, "{method} {path}");
            assert_eq!(response.headers()["allow"], allow, "{method} {path}");
            let body = envelope_of(response).await;
            assert_eq!(body["code"], 999, "{body}");
            assert!(body["msg"].is_string());
        }
        // A body over the limit: 413 and the envelope.
        let huge = format!("{{\"username\":\"{}\",\"password\":\"x\"}}", "a".repeat(300 * 1024));
        let response = app
            .client
            .post(app.url("/api/v1/user/user/mul_login/"))
            .header("content-type", "application/json")
            .body(huge)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 413);
        assert_eq!(envelope_of(response).await["code"], 999);
        // A path parameter that does not parse: 404 and the envelope.
        let response = send(&app, Method::GET, "/api/v1/course/actual/99999999999999999999999/").await;
        assert_eq!(response.status(), 404);
        assert_eq!(envelope_of(response).await, json!({"code": 999, "msg": "未找到"}));
        app.create_user("boss", "boss-password", None, None, true);
        let staff = format!("jwt {}", app.login("boss", "boss-password").await);
        let response = app
            .client
            .patch(app.url("/api/v1/admin/courses/99999999999999999999999"))
            .header("authorization", staff)
            .json(&json!({"name": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404);
        assert_eq!(envelope_of(response).await["code"], 999);
    }

    async fn the_pages_have_a_strict_csp_and_still_load_their_code(app) {
        let page = send(&app, Method::GET, "/pay/success?out_trade_no=x").await;
        assert_eq!(page.status(), 200);
        assert_page_csp(&page);
        let html = page.text().await.unwrap();
        assert_no_inline_code(&html);
        for (asset, kind) in [("/pay/success.js", "text/javascript"), ("/pay/success.css", "text/css")] {
            assert!(html.contains(asset), "{html}");
            let response = send(&app, Method::GET, asset).await;
            assert_eq!(response.status(), 200);
            assert!(response.headers()["content-type"].to_str().unwrap().starts_with(kind));
            assert!(!response.text().await.unwrap().is_empty());
        }
        let script = send(&app, Method::GET, "/pay/success.js").await.text().await.unwrap();
        assert!(script.contains("/api/v1/order/success/"), "{script}");

        // The built-in simulator's cashier.
        let catalog = crate::fixtures::seed_catalog(&app);
        app.create_user("buyer", "buyer-pass-1", None, None, false);
        let auth = format!("jwt {}", app.login("buyer", "buyer-pass-1").await);
        let (_, body) = app
            .send_json(Method::POST, "/api/v1/order/pay/", &json!({"courses": [catalog.linux], "total_amount": "99.00"}), Some(&auth))
            .await;
        let pay_url = body["pay_url"].as_str().unwrap();
        let cashier = app.client.get(pay_url).send().await.unwrap();
        assert_eq!(cashier.status(), 200);
        assert_page_csp(&cashier);
        assert_security_headers(&cashier);
        let html = cashier.text().await.unwrap();
        assert_no_inline_code(&html);
        assert!(html.contains("href=\"cashier.css\""), "{html}");
        let style = send(&app, Method::GET, "/alipay-sim/cashier.css").await;
        assert_eq!(style.status(), 200);
        assert!(style.text().await.unwrap().contains("form.inline"));
    }
}
