//! A shop wired to an Alipay simulator over real HTTP, with a buyer and a known catalog; the
//! server's clock is the simulator's, so a test moves both forward at once.

use crate::fixtures::{Catalog, seed_catalog};
use crate::helpers::{TestApp, TestBackend, spawn_app_full};
use alipay_sdk::{PrivateKey, SignType};
use alipay_sim::{DEFAULT_SELLER_ID, RunningSimulator, Simulator};
use luffy_db::orders::{OrderRow, Orders};
use serde_json::{Value, json};
use std::sync::Arc;

pub const APP_ID: &str = "2016000000000001";
const APP_KEY_PEM: &str =
    include_str!("../../../alipay-sdk/tests/fixtures/fzlee/app_private_key.pem");
const ALIPAY_KEY_PEM: &str =
    include_str!("../../../alipay-sdk/tests/fixtures/fzlee/ali_private_key.pem");
const ALIPAY_PUBLIC_PEM: &str =
    include_str!("../../../alipay-sdk/tests/fixtures/fzlee/ali_public_key.pem");

/// Order timeout in the shop tests.
pub const TIMEOUT_SECS: i64 = 600;

/// The simulator's virtual clock, as the server's clock.
#[derive(Debug)]
pub struct SimTime(pub Simulator);

impl luffy_domain::Clock for SimTime {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.clock().now()
    }
}

pub struct Shop {
    pub app: TestApp,
    pub sim: Simulator,
    pub running: RunningSimulator,
    pub catalog: Catalog,
    pub buyer_id: i64,
    pub auth: String,
    pub keys: tempfile::TempDir,
}

/// The settings that point a server at the simulator.
pub fn alipay_settings(keys: &std::path::Path, gateway: &str) -> Vec<(String, String)> {
    vec![
        ("LUFFY_ALIPAY_APP_ID".into(), APP_ID.into()),
        (
            "LUFFY_ALIPAY_APP_PRIVATE_KEY_FILE".into(),
            keys.join("app.pem").display().to_string(),
        ),
        (
            "LUFFY_ALIPAY_PUBLIC_KEY_FILE".into(),
            keys.join("alipay_public.pem").display().to_string(),
        ),
        ("LUFFY_ALIPAY_GATEWAY".into(), gateway.into()),
        ("LUFFY_ALIPAY_SELLER_ID".into(), DEFAULT_SELLER_ID.into()),
        ("LUFFY_ORDER_TIMEOUT_SECS".into(), TIMEOUT_SECS.to_string()),
    ]
}

pub async fn open_shop(backend: TestBackend) -> Option<Shop> {
    open_shop_with(backend, &[]).await
}

pub async fn open_shop_with(backend: TestBackend, extra: &[(&str, &str)]) -> Option<Shop> {
    let sim = Simulator::new(
        PrivateKey::parse(ALIPAY_KEY_PEM).unwrap(),
        DEFAULT_SELLER_ID,
    )
    .unwrap();
    sim.register_app(
        APP_ID,
        PrivateKey::parse(APP_KEY_PEM).unwrap().public_key().clone(),
    );
    let running = alipay_sim::start(sim.clone(), "127.0.0.1:0").unwrap();
    let keys = tempfile::tempdir().unwrap();
    std::fs::write(keys.path().join("app.pem"), APP_KEY_PEM).unwrap();
    std::fs::write(keys.path().join("alipay_public.pem"), ALIPAY_PUBLIC_PEM).unwrap();
    let mut settings = alipay_settings(keys.path(), &running.gateway_url);
    settings.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let borrowed: Vec<(&str, &str)> = settings
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let clock: Arc<dyn luffy_domain::Clock> = Arc::new(SimTime(sim.clone()));
    let app = spawn_app_full(backend, &borrowed, Some(clock)).await?;
    let catalog = seed_catalog(&app);
    let buyer_id = app.create_user(
        "buyer",
        "secret-pass",
        Some("13800000001"),
        Some("buyer@example.com"),
        false,
    );
    let auth = format!("jwt {}", app.login("buyer", "secret-pass").await);
    Some(Shop {
        app,
        sim,
        running,
        catalog,
        buyer_id,
        auth,
        keys,
    })
}

impl Shop {
    /// `POST /order/pay/` as the buyer.
    pub async fn pay(&self, body: Value) -> Value {
        self.pay_as(&self.auth, body).await
    }

    /// `POST /order/pay/` with `authorization`.
    pub async fn pay_as(&self, authorization: &str, body: Value) -> Value {
        let (status, body) = self
            .app
            .send_json(
                reqwest::Method::POST,
                "/api/v1/order/pay/",
                &body,
                Some(authorization),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Buys `course` at `total`; returns the out_trade_no and the pay URL.
    pub async fn order(&self, course: i64, total: &str) -> (String, String) {
        let body = self
            .pay(json!({"courses": [course], "total_amount": total, "subject": "x", "pay_type": 1}))
            .await;
        assert_eq!(body["code"], 100, "{body}");
        let pay_url = body["pay_url"].as_str().unwrap().to_owned();
        (out_trade_no_of(&pay_url), pay_url)
    }

    /// Opens the cashier page like a browser (the trade then exists at the simulator).
    pub async fn open_cashier(&self, pay_url: &str) -> String {
        let html = self
            .app
            .client
            .get(pay_url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("id=\"pay\""), "{html}");
        html
    }

    /// Creates an order, opens the cashier and pays; the notify is queued, not delivered.
    pub async fn buy(&self, course: i64, total: &str) -> (String, alipay_sim::Payment) {
        let (out_trade_no, pay_url) = self.order(course, total).await;
        self.open_cashier(&pay_url).await;
        let payment = self.sim.pay(APP_ID, &out_trade_no).unwrap();
        (out_trade_no, payment)
    }

    /// The stored order.
    pub fn stored(&self, out_trade_no: &str) -> OrderRow {
        Orders::by_out_trade_no(&mut self.app.db(), out_trade_no)
            .unwrap()
            .unwrap()
    }

    /// POSTs a notify body to the shop; returns the HTTP status and the body text.
    pub async fn post_notify(&self, body: &str) -> (u16, String) {
        post_notify_to(&self.app.client, &self.app.address, body).await
    }

    /// A notify for `out_trade_no` signed with the simulator's Alipay key, with `changes`
    /// applied to a successful-payment template.
    pub fn signed_notify(
        &self,
        out_trade_no: &str,
        total: &str,
        changes: &[(&str, &str)],
    ) -> String {
        let mut params: Vec<(String, String)> = [
            ("app_id", APP_ID),
            ("auth_app_id", APP_ID),
            ("charset", "utf-8"),
            ("notify_id", "2024010100222000000000000000000099"),
            ("notify_time", "2024-01-01 12:01:06"),
            ("notify_type", "trade_status_sync"),
            ("out_trade_no", out_trade_no),
            ("seller_id", DEFAULT_SELLER_ID),
            ("total_amount", total),
            ("trade_no", "2024010122001481070599999999"),
            ("trade_status", "TRADE_SUCCESS"),
            ("gmt_payment", "2024-01-01 12:01:05"),
            ("buyer_id", "2088102169481075"),
            ("version", "1.0"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        for (key, value) in changes {
            match params.iter_mut().find(|(k, _)| k == key) {
                Some(pair) => pair.1 = (*value).to_owned(),
                None => params.push(((*key).to_owned(), (*value).to_owned())),
            }
        }
        let key = PrivateKey::parse(ALIPAY_KEY_PEM).unwrap();
        alipay_sdk::gateway::sign_notify(&params, &key, SignType::Rsa2)
            .unwrap()
            .encoded
    }

    /// `count` more servers on the shop's database, data dir, simulator and clock.
    pub async fn replicas(&self, count: usize) -> Vec<crate::helpers::Replica> {
        let settings = alipay_settings(self.keys.path(), &self.running.gateway_url);
        let borrowed: Vec<(&str, &str)> = settings
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let mut replicas = Vec::with_capacity(count);
        for _ in 0..count {
            let clock: Arc<dyn luffy_domain::Clock> = Arc::new(SimTime(self.sim.clone()));
            replicas.push(self.app.spawn_replica(&borrowed, Some(clock)).await);
        }
        replicas
    }

    /// Moves both clocks forward.
    pub fn advance(&self, secs: i64) {
        self.sim.advance(chrono::Duration::seconds(secs));
    }

    /// How many live grants the order gave.
    pub fn grants(&self, out_trade_no: &str) -> i64 {
        let order = self.stored(out_trade_no);
        Orders::grants_of(&mut self.app.db(), order.id).unwrap()
    }

    /// The `students` count of a course.
    pub fn students(&self, course: i64) -> i64 {
        use diesel::prelude::*;
        use luffy_db::schema::luffy_course;
        luffy_course::table
            .find(course)
            .select(luffy_course::students)
            .first::<i32>(&mut self.app.db())
            .map(i64::from)
            .unwrap()
    }

    /// The audit outcomes recorded for an order, in order.
    pub fn audit(&self, out_trade_no: &str) -> Vec<String> {
        luffy_db::orders::PaymentEvent::of_order(&mut self.app.db(), out_trade_no)
            .unwrap()
            .into_iter()
            .map(|event| event.outcome)
            .collect()
    }

    /// `GET /order/success/?<query>`.
    pub async fn second_check(&self, query: &str) -> Value {
        self.app
            .get_json(&format!("/api/v1/order/success/?{query}"))
            .await
            .1
    }
}

pub async fn post_notify_to(client: &reqwest::Client, address: &str, body: &str) -> (u16, String) {
    let response = client
        .post(format!("{address}/api/v1/order/success/"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// The out_trade_no inside a pay URL's biz_content.
pub fn out_trade_no_of(pay_url: &str) -> String {
    luffy_load::out_trade_no_of(pay_url).unwrap()
}

/// The biz_content of a pay URL.
pub fn biz_content_of(pay_url: &str) -> Value {
    let url = url::Url::parse(pay_url).unwrap();
    let biz = url
        .query_pairs()
        .find(|(k, _)| k == "biz_content")
        .unwrap()
        .1
        .into_owned();
    serde_json::from_str(&biz).unwrap()
}

/// Declares each shop test twice, as `<name>::sqlite` and `<name>::postgres`.
macro_rules! shop_tests {
    ($(async fn $name:ident($shop:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($shop: $crate::shop::Shop) $body

                #[actix_web::test]
                async fn sqlite() {
                    let shop = $crate::shop::open_shop($crate::helpers::TestBackend::Sqlite)
                        .await
                        .expect("SQLite is always available");
                    run(shop).await;
                }

                #[actix_web::test]
                async fn postgres() {
                    if let Some(shop) =
                        $crate::shop::open_shop($crate::helpers::TestBackend::Postgres).await
                    {
                        run(shop).await;
                    }
                }
            }
        )*
    };
}
