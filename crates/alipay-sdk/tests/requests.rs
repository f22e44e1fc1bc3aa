//! Request building in both modes: which parameters are sent and signed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use alipay_sdk::requests::{
    AppPay, BillDownloadUrlQuery, BillType, PagePay, Precreate, TradeClose, WapPay,
};
use alipay_sdk::{
    Alipay, Amount, CertSerials, FixedClock, FormParams, OutTradeNo, SignMode, SignType, gateway,
};
use common::*;

fn official() -> alipay_sdk::AlipayBuilder {
    Alipay::builder(APP_ID, app_private(), ali_public())
        .notify_url(NOTIFY_URL)
        .return_url("https://shop.example.com/done")
        .clock(Arc::new(FixedClock::china(2024, 1, 1, 12, 0, 0).unwrap()))
}

fn param<'a>(signed: &'a alipay_sdk::SignedRequest, key: &str) -> Option<&'a str> {
    signed
        .params()
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn order() -> OutTradeNo {
    OutTradeNo::new("A1").unwrap()
}

#[test]
fn official_mode_sends_utf8_json_and_verifies_at_the_gateway() {
    let alipay = official().build().unwrap();
    let request = PagePay::new("路飞", order(), Amount::from_fen(1))
        .unwrap()
        .time_expire("2024-01-01 12:15:00");
    let signed = alipay.sign_request(&request).unwrap();
    assert_eq!(
        param(&signed, "biz_content"),
        Some(
            r#"{"subject":"路飞","out_trade_no":"A1","total_amount":"0.01","product_code":"FAST_INSTANT_TRADE_PAY","time_expire":"2024-01-01 12:15:00"}"#
        )
    );
    assert_eq!(
        param(&signed, "return_url"),
        Some("https://shop.example.com/done")
    );
    let url = alipay.page_pay_url(&request).unwrap();
    let query = url.split_once('?').unwrap().1;
    gateway::verify_request(&FormParams::parse(query.as_bytes()).unwrap(), &app_public()).unwrap();
}

#[test]
fn empty_values_are_dropped_in_official_mode_and_signed_in_python_mode() {
    let request = PagePay::new("x", order(), Amount::from_fen(100))
        .unwrap()
        .body("");
    let official_signed = official()
        .app_auth_token("")
        .build()
        .unwrap()
        .sign_request(&request)
        .unwrap();
    assert_eq!(param(&official_signed, "app_auth_token"), None);
    let python_signed = official()
        .app_auth_token("")
        .sign_mode(SignMode::PythonCompat)
        .build()
        .unwrap()
        .sign_request(&request)
        .unwrap();
    assert_eq!(param(&python_signed, "app_auth_token"), Some(""));
    assert!(
        python_signed
            .content()
            .starts_with("app_auth_token=&app_id=")
    );
}

#[test]
fn wap_and_app_pay_use_their_product_codes_and_urls() {
    let alipay = official().build().unwrap();
    let wap = alipay
        .sign_request(&WapPay::new("x", order(), Amount::from_fen(100)).unwrap())
        .unwrap();
    assert!(
        param(&wap, "biz_content")
            .unwrap()
            .contains("QUICK_WAP_WAY")
    );
    assert!(
        alipay
            .wap_pay_url(&WapPay::new("x", order(), Amount::from_fen(100)).unwrap())
            .unwrap()
            .contains("method=alipay.trade.wap.pay")
    );
    let app = AppPay::new("x", order(), Amount::from_fen(100)).unwrap();
    let order_string = alipay.app_pay_order_string(&app).unwrap();
    assert!(order_string.starts_with("app_id=") && order_string.contains("QUICK_MSECURITY_PAY"));
    assert!(
        !order_string.contains("return_url"),
        "app pay has no return_url"
    );
    assert!(order_string.contains("notify_url="));
}

#[test]
fn server_apis_do_not_send_notify_or_return_urls_except_precreate() {
    let alipay = official().build().unwrap();
    let close = alipay
        .sign_request(&TradeClose::by_out_trade_no(order()))
        .unwrap();
    assert_eq!(param(&close, "notify_url"), None);
    assert_eq!(param(&close, "return_url"), None);
    let precreate = alipay
        .sign_request(&Precreate::new("x", order(), Amount::from_fen(1)).unwrap())
        .unwrap();
    assert_eq!(param(&precreate, "notify_url"), Some(NOTIFY_URL));
    assert_eq!(
        param(&precreate, "biz_content"),
        Some(r#"{"out_trade_no":"A1","total_amount":"0.01","subject":"x"}"#)
    );
}

#[test]
fn certificate_mode_adds_both_serials_to_every_request() {
    let serials = CertSerials {
        app_cert_sn: "app-sn".to_owned(),
        alipay_root_cert_sn: "root_sn".to_owned(),
    };
    let signed = official()
        .cert_serials(serials)
        .build()
        .unwrap()
        .sign_request(&TradeClose::by_out_trade_no(order()))
        .unwrap();
    assert_eq!(param(&signed, "app_cert_sn"), Some("app-sn"));
    assert_eq!(param(&signed, "alipay_root_cert_sn"), Some("root_sn"));
    assert!(
        signed
            .content()
            .contains("alipay_root_cert_sn=root_sn&app_cert_sn=app-sn&app_id=")
    );
}

#[test]
fn legacy_rsa_requests_verify_with_sha1() {
    let signed = official()
        .sign_type(SignType::Rsa)
        .build()
        .unwrap()
        .sign_request(&TradeClose::by_out_trade_no(order()))
        .unwrap();
    assert_eq!(param(&signed, "sign_type"), Some("RSA"));
    alipay_sdk::crypto::verify(
        &app_public(),
        SignType::Rsa,
        signed.content().as_bytes(),
        signed.sign(),
    )
    .unwrap();
    assert!(
        alipay_sdk::crypto::verify(
            &app_public(),
            SignType::Rsa2,
            signed.content().as_bytes(),
            signed.sign()
        )
        .is_err()
    );
}

#[test]
fn request_arguments_are_validated() {
    assert!(PagePay::new("x", order(), Amount::ZERO).is_err());
    assert!(PagePay::new("x", order(), Amount::from_fen(10_000_000_001)).is_err());
    assert!(BillDownloadUrlQuery::new(BillType::Trade, "2024-01-01").is_ok());
    assert!(BillDownloadUrlQuery::new(BillType::Signcustomer, "2024-01").is_ok());
    assert!(BillDownloadUrlQuery::new(BillType::Trade, "2024-13").is_err());
    assert!(BillDownloadUrlQuery::new(BillType::Trade, "yesterday").is_err());
    assert!(
        Alipay::builder("not-digits", app_private(), ali_public())
            .build()
            .is_err()
    );
}
