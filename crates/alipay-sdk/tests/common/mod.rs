#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use alipay_sdk::{Alipay, FixedClock, PrivateKey, PublicKey, SignMode};

pub const APP_PRIVATE_PEM: &str = include_str!("../fixtures/fzlee/app_private_key.pem");
pub const APP_PRIVATE_PKCS8_PEM: &str = include_str!("../fixtures/fzlee/app_private_key_pkcs8.pem");
pub const APP_PUBLIC_PEM: &str = include_str!("../fixtures/fzlee/app_public_key.pem");
pub const ALI_PRIVATE_PEM: &str = include_str!("../fixtures/fzlee/ali_private_key.pem");
pub const ALI_PUBLIC_PEM: &str = include_str!("../fixtures/fzlee/ali_public_key.pem");

pub const APP_ID: &str = "2016000000000001";
pub const NOTIFY_URL: &str = "http://127.0.0.1:8000/api/v1/order/success/";

pub fn app_private() -> PrivateKey {
    PrivateKey::parse(APP_PRIVATE_PEM).unwrap()
}

pub fn ali_private() -> PrivateKey {
    PrivateKey::parse(ALI_PRIVATE_PEM).unwrap()
}

pub fn ali_public() -> PublicKey {
    PublicKey::parse(ALI_PUBLIC_PEM).unwrap()
}

pub fn app_public() -> PublicKey {
    PublicKey::parse(APP_PUBLIC_PEM).unwrap()
}

/// The configuration of research §D2: python mode, clock pinned at 2024-01-01 12:00:00 China time.
pub fn python_alipay() -> Alipay {
    Alipay::builder(APP_ID, app_private(), ali_public())
        .sign_mode(SignMode::PythonCompat)
        .notify_url(NOTIFY_URL)
        .clock(Arc::new(FixedClock::china(2024, 1, 1, 12, 0, 0).unwrap()))
        .build()
        .unwrap()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Notify parameters of research §D2, signed by the fzlee "ali" key.
pub fn d2_notify_params() -> Vec<(String, String)> {
    [
        ("gmt_create", "2024-01-01 12:01:00"),
        ("charset", "utf-8"),
        ("gmt_payment", "2024-01-01 12:01:05"),
        ("notify_time", "2024-01-01 12:01:06"),
        ("subject", "路飞学城 Python 课程"),
        ("buyer_id", "2088102169481075"),
        ("invoice_amount", "12.30"),
        ("version", "1.0"),
        ("notify_id", "2024010100222120105000000000000001"),
        (
            "fund_bill_list",
            r#"[{"amount":"12.30","fundChannel":"ALIPAYACCOUNT"}]"#,
        ),
        ("notify_type", "trade_status_sync"),
        ("total_amount", "12.30"),
        ("trade_status", "TRADE_SUCCESS"),
        ("trade_no", "2024010122001481070500000001"),
        ("auth_app_id", "2016000000000001"),
        ("receipt_amount", "12.30"),
        ("point_amount", "0.00"),
        ("app_id", "2016000000000001"),
        ("buyer_pay_amount", "12.30"),
        ("seller_id", "2088102179075543"),
        ("out_trade_no", "202401011200000001"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect()
}

pub const D2_NOTIFY_SIGN: &str = "kl9wpkRAkXRuiSZZdWPz885GzaYlqsirfmZXydEEPQ55UJNtmB49zYGMCFDfjX8syslWiR/c8jStKu/YJa91xjgfThkkpb+YIVmifldJoIKWqAbrTJHh+e0/0xz4ijnPgQlSINtUWs7MjdOT6GDD7I+/T25rULuKJN08g3nrx4qgbyeSTFZU4/93vC170p+eNiJN/h0R6jrsxDUCRSvoAqTZAr57q6THtiWabpxkIlKdyqS2X+Y50gBKYbX0aDLIyaveIUXsZFZxTuKyTNEU+3C60S4pUpXnPYGEuR/rmx0rU6SyOqRCxsvj/7uzX9jGR3488K1cCAcVsfL0Sb9KRg==";

/// The D2 notify as a form body (sign_type and sign appended).
pub fn d2_notify_body() -> String {
    let mut pairs = d2_notify_params();
    pairs.push(("sign_type".to_owned(), "RSA2".to_owned()));
    pairs.push(("sign".to_owned(), D2_NOTIFY_SIGN.to_owned()));
    alipay_sdk::encode::encode_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}
