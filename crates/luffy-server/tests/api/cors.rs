//! CORS: every JSON route answers preflights and cross-origin requests; other paths do not.

use crate::helpers::{TestApp, TestBackend, spawn_app_with};
use reqwest::Method;
use reqwest::header::HeaderMap;
use std::collections::BTreeSet;

const CLIENT: &str = "http://client.example:8080";
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Every JSON path of the route table, read from the route declarations under `src/api/`
/// (string literals starting with `/api/`, admin kinds expanded), with each path parameter
/// given a value. A route added there is checked here without anyone listing it.
fn api_paths() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/api");
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "rs") {
            sources.push(std::fs::read_to_string(path).unwrap());
        }
    }
    // String literals, file by file (every quote of these files opens or closes one).
    let literals: Vec<&str> = sources
        .iter()
        .flat_map(|source| source.split('"').skip(1).step_by(2))
        .filter(|text| text.starts_with("/api/"))
        .collect();
    let sources = sources.concat();
    let kinds: Vec<&str> = sources
        .split("(cfg, \"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    let mut paths = BTreeSet::new();
    for literal in literals {
        if literal.contains("{kind}") {
            for kind in &kinds {
                let base = literal.replace("{kind}", kind);
                for suffix in ["", "/1", "/1/hide", "/1/show"] {
                    paths.insert(format!("{base}{suffix}"));
                }
            }
        } else {
            paths.insert(fill_parameters(literal));
        }
    }
    paths.into_iter().collect()
}

/// `/api/v1/order/{out_trade_no}` → `/api/v1/order/1`.
fn fill_parameters(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "1"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .map(|value| value.to_str().unwrap())
        .unwrap_or("")
}

fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(|part| part.trim().to_ascii_lowercase())
        .collect()
}

async fn preflight(app: &TestApp, path: &str, origin: &str, method: &str) -> reqwest::Response {
    app.client
        .request(Method::OPTIONS, app.url(path))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", method)
        .header(
            "Access-Control-Request-Headers",
            "authorization, content-type, token",
        )
        .send()
        .await
        .unwrap()
}

async fn cross_origin_get(app: &TestApp, path: &str, origin: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("Origin", origin)
        .send()
        .await
        .unwrap()
}

fn assert_preflight_allows(path: &str, method: &str, response: &reqwest::Response, origin: &str) {
    let headers = response.headers();
    assert_eq!(response.status(), 200, "{method} {path}");
    assert_eq!(
        header(headers, "access-control-allow-origin"),
        origin,
        "{path}"
    );
    assert!(
        list(header(headers, "access-control-allow-methods"))
            .contains(&method.to_ascii_lowercase()),
        "{method} {path}: {headers:?}"
    );
    let allowed = list(header(headers, "access-control-allow-headers"));
    for wanted in ["authorization", "content-type", "token"] {
        assert!(
            allowed.iter().any(|name| name == wanted),
            "{wanted} {path}: {allowed:?}"
        );
    }
    assert_eq!(header(headers, "access-control-max-age"), "7200", "{path}");
    assert!(
        headers.get("access-control-allow-credentials").is_none(),
        "{path}"
    );
}

both_backends! {
    async fn every_json_route_answers_preflights_and_cross_origin_requests(app) {
        let paths = api_paths();
        assert!(paths.len() >= 50, "{paths:?}");
        for expected in ["/api/v1/home/banner", "/api/v1/user/user/mul_login", "/api/v1/order/pay",
            "/api/v1/admin/banners/1/hide", "/api/v1/admin/media/upload-token", "/api/v1/order/1/cancel"] {
            assert!(paths.iter().any(|path| path == expected), "{expected} not in {paths:?}");
        }
        for path in &paths {
            for method in METHODS {
                let response = preflight(&app, &format!("{path}/"), CLIENT, method).await;
                assert_preflight_allows(path, method, &response, "*");
            }
            let response = cross_origin_get(&app, path, CLIENT).await;
            let headers = response.headers();
            assert_eq!(header(headers, "access-control-allow-origin"), "*", "GET {path}");
            assert!(headers.get("access-control-allow-credentials").is_none(), "GET {path}");
        }
        let (_, body) = app.get_json("/api/v1/home/banner/").await;
        assert_eq!(body["code"], 100, "{body}");
    }

    async fn pages_media_and_health_get_no_cors(app) {
        std::fs::create_dir_all(app.dir.path().join("media/banner")).unwrap();
        std::fs::write(app.dir.path().join("media/banner/x.png"), b"\x89PNG").unwrap();
        for path in ["/media/banner/x.png", "/pay/success", "/healthz"] {
            let response = cross_origin_get(&app, path, CLIENT).await;
            assert!(response.headers().get("access-control-allow-origin").is_none(), "{path}");
            let response = preflight(&app, path, CLIENT, "GET").await;
            assert!(response.headers().get("access-control-allow-origin").is_none(), "{path}");
        }
    }
}

async fn configured_origins_refuse_others(backend: TestBackend) {
    let Some(app) = spawn_app_with(
        backend,
        &[(
            "LUFFY_CORS_ORIGINS",
            "https://shop.example.com, http://client.example:8080",
        )],
    )
    .await
    else {
        return;
    };
    for origin in ["https://shop.example.com", CLIENT] {
        let response = preflight(&app, "/api/v1/user/user/mul_login/", origin, "POST").await;
        assert_preflight_allows("mul_login", "POST", &response, origin);
        let response = cross_origin_get(&app, "/api/v1/course/category/", origin).await;
        assert_eq!(
            header(response.headers(), "access-control-allow-origin"),
            origin
        );
        assert!(
            header(response.headers(), "vary")
                .to_ascii_lowercase()
                .contains("origin")
        );
    }
    let other = "https://evil.example.com";
    let response = preflight(&app, "/api/v1/user/user/mul_login/", other, "POST").await;
    assert_eq!(response.status(), 400);
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let response = cross_origin_get(&app, "/api/v1/course/category/", other).await;
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[actix_web::test]
async fn configured_origins_refuse_others_sqlite() {
    configured_origins_refuse_others(TestBackend::Sqlite).await;
}

#[actix_web::test]
async fn configured_origins_refuse_others_postgres() {
    configured_origins_refuse_others(TestBackend::Postgres).await;
}

/// With the client on its own origin, Alipay (here the simulator) returns the browser to the
/// client's `/pay/success`, and the client's second check is answered across origins.
async fn the_return_url_can_be_the_clients_page(backend: TestBackend) {
    let return_url = format!("{CLIENT}/pay/success");
    let Some(app) =
        spawn_app_with(backend, &[("LUFFY_ALIPAY_RETURN_URL", return_url.as_str())]).await
    else {
        return;
    };
    let catalog = crate::fixtures::seed_catalog(&app);
    app.create_user("buyer", "buyer-password", None, None, false);
    let token = format!("jwt {}", app.login("buyer", "buyer-password").await);
    let body = serde_json::json!({"courses": [catalog.linux], "total_amount": "99.00"});
    let (_, answer) = app
        .send_json(Method::POST, "/api/v1/order/pay/", &body, Some(&token))
        .await;
    assert_eq!(answer["code"], 100, "{answer}");
    let pay_url = url::Url::parse(answer["pay_url"].as_str().unwrap()).unwrap();
    let signed: Vec<(String, String)> = pay_url.query_pairs().into_owned().collect();
    assert!(
        signed.contains(&("return_url".to_owned(), return_url.clone())),
        "{signed:?}"
    );
    let response = cross_origin_get(&app, "/api/v1/order/success/?out_trade_no=none", CLIENT).await;
    assert_eq!(
        header(response.headers(), "access-control-allow-origin"),
        "*"
    );
}

#[actix_web::test]
async fn the_return_url_can_be_the_clients_page_sqlite() {
    the_return_url_can_be_the_clients_page(TestBackend::Sqlite).await;
}

#[actix_web::test]
async fn the_return_url_can_be_the_clients_page_postgres() {
    the_return_url_can_be_the_clients_page(TestBackend::Postgres).await;
}
