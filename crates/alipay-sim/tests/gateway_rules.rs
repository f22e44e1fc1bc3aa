//! What the gateway refuses, and the black-box check against python-alipay-sdk 3.4.0.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use alipay_sdk::requests::{PagePay, TradeQuery};
use alipay_sdk::{Alipay, Amount, OutTradeNo, PrivateKey};
use common::{APP_ID, start};
use sha2::{Digest, Sha256};

const PYTHON_ORDER_STRING: &str = include_str!("fixtures/python_alipay_sdk_3_4_0_page_pay.txt");

async fn get(http: &reqwest::Client, url: &str) -> String {
    http.get(url).send().await.unwrap().text().await.unwrap()
}

#[actix_web::test]
async fn a_page_pay_url_signed_by_python_alipay_sdk_is_accepted() {
    // Produced by python-alipay-sdk 3.4.0 (fzlee app key, clock pinned to 2024-01-01 12:00:00);
    // its sha256 is the one published with the vectors.
    let digest: String = Sha256::digest(PYTHON_ORDER_STRING.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        digest,
        "e65b1fee7f455ce09506181595abccf8ad2e7278e0a998d5e12256851ae64eca"
    );
    let fx = start().await;
    let html = get(
        &fx.http,
        &format!("{}?{}", fx.running.gateway_url, PYTHON_ORDER_STRING),
    )
    .await;
    assert!(
        html.contains("id=\"pay\""),
        "the cashier, not an error: {html}"
    );
    assert!(html.contains("路飞学城 Python 课程") && html.contains("12.30"));
    let trade = fx.sim.trade(APP_ID, "202401011200000001").unwrap();
    assert_eq!(
        trade.notify_url.as_deref(),
        Some("http://127.0.0.1:8000/api/v1/order/success/")
    );
}

#[actix_web::test]
async fn a_bad_signature_is_refused_with_the_string_the_gateway_verified() {
    let fx = start().await;
    let request = PagePay::new(
        "课程",
        OutTradeNo::new("SIG_1").unwrap(),
        "1.00".parse().unwrap(),
    )
    .unwrap();
    let url = fx.alipay.page_pay_url(&request).unwrap();
    let tampered = url.replace("1.00", "0.01");
    let html = get(&fx.http, &tampered).await;
    assert!(html.contains("isv.invalid-signature"), "{html}");
    assert!(
        html.contains("网关生成的验签字符串为") && html.contains("0.01"),
        "{html}"
    );
    assert!(fx.sim.trade(APP_ID, "SIG_1").is_none(), "nothing recorded");

    // Signed with a key the gateway does not know for this app: refused over the API too.
    let stranger = PrivateKey::parse(
        &alipay_sdk::testing::generate_key_pair()
            .unwrap()
            .private_pem,
    )
    .unwrap();
    let wrong = Alipay::builder(APP_ID, stranger, fx.sim.alipay_public_key().clone())
        .gateway_url(fx.running.gateway_url.clone())
        .build()
        .unwrap();
    let client = alipay_sdk::AlipayClient::builder(wrong).build().unwrap();
    let err = client
        .query(&TradeQuery::by_out_trade_no(
            OutTradeNo::new("SIG_1").unwrap(),
        ))
        .await
        .unwrap_err();
    let business = err.as_business().unwrap();
    assert!(business.is_invalid_signature(), "{err}");
    assert!(
        business
            .gateway_signed_string()
            .unwrap()
            .contains("method=alipay.trade.query")
    );
}

#[actix_web::test]
async fn unknown_apps_bad_parameters_and_inconsistent_repeats_are_refused() {
    let fx = start().await;
    let other_app = Alipay::builder(
        "2099000000000000",
        common::app_private(),
        fx.sim.alipay_public_key().clone(),
    )
    .gateway_url(fx.running.gateway_url.clone())
    .build()
    .unwrap();
    let request = PagePay::new(
        "课程",
        OutTradeNo::new("APP_1").unwrap(),
        "1.00".parse().unwrap(),
    )
    .unwrap();
    let html = get(&fx.http, &other_app.page_pay_url(&request).unwrap()).await;
    assert!(html.contains("isv.invalid-app-id"), "{html}");

    // The SDK refuses a bad out_trade_no or amount itself, so hand-craft biz_content.
    let mut bad_no = PagePay::new(
        "课程",
        OutTradeNo::new("OK_1").unwrap(),
        "1.00".parse().unwrap(),
    )
    .unwrap();
    bad_no
        .extra
        .insert("out_trade_no".into(), serde_json::json!("has-dash"));
    let html = get(&fx.http, &fx.alipay.page_pay_url(&bad_no).unwrap()).await;
    assert!(
        html.contains("isv.invalid-parameter") || html.contains("out_trade_no"),
        "{html}"
    );

    let ok = PagePay::new(
        "课程",
        OutTradeNo::new("SAME_1").unwrap(),
        "1.00".parse::<Amount>().unwrap(),
    )
    .unwrap();
    assert!(
        get(&fx.http, &fx.alipay.page_pay_url(&ok).unwrap())
            .await
            .contains("id=\"pay\"")
    );
    assert!(
        get(&fx.http, &fx.alipay.page_pay_url(&ok).unwrap())
            .await
            .contains("id=\"pay\""),
        "reopening is fine"
    );
    let changed = PagePay::new(
        "课程",
        OutTradeNo::new("SAME_1").unwrap(),
        "2.00".parse::<Amount>().unwrap(),
    )
    .unwrap();
    let html = get(&fx.http, &fx.alipay.page_pay_url(&changed).unwrap()).await;
    assert!(html.contains("ACQ.CONTEXT_INCONSISTENT"), "{html}");
    assert_eq!(
        fx.sim.trade(APP_ID, "SAME_1").unwrap().total_amount,
        "1.00".parse().unwrap()
    );
}
