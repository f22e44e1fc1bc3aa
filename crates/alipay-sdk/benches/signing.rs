//! Raw RSA-2048 signing and verification on every compiled-in backend side by side (`rsa`
//! always; `ring` and `aws-lc-rs` with their features), then page-pay URL signing and notify
//! verification with the selected backend, against their cost without the RSA operation.
//!
//! `just bench-signing`, i.e.
//! `cargo bench -p alipay-sdk --features ring,aws-lc-rs --bench signing -- --warm-up-time 1 --measurement-time 3`
//! (without `--features` only `rsa` is measured).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;

use alipay_sdk::crypto::{self, Backend, SignType};
use alipay_sdk::requests::PagePay;
use alipay_sdk::{Alipay, Amount, FixedClock, OutTradeNo, PrivateKey, PublicKey, gateway};
use criterion::{Criterion, criterion_group, criterion_main};

const APP_PRIVATE_PEM: &str = include_str!("../tests/fixtures/fzlee/app_private_key.pem");
const ALI_PRIVATE_PEM: &str = include_str!("../tests/fixtures/fzlee/ali_private_key.pem");
const ALI_PUBLIC_PEM: &str = include_str!("../tests/fixtures/fzlee/ali_public_key.pem");

fn bench(c: &mut Criterion) {
    let app_key = PrivateKey::parse(APP_PRIVATE_PEM).unwrap();
    let ali_key = PrivateKey::parse(ALI_PRIVATE_PEM).unwrap();
    let ali_public = PublicKey::parse(ALI_PUBLIC_PEM).unwrap();
    let alipay = Alipay::builder("2016000000000001", app_key.clone(), ali_public.clone())
        .notify_url("http://127.0.0.1:8000/api/v1/order/success/")
        .clock(Arc::new(FixedClock::china(2024, 1, 1, 12, 0, 0).unwrap()))
        .build()
        .unwrap();
    let request = PagePay::new(
        "路飞学城 Python 课程",
        OutTradeNo::new("202401011200000001").unwrap(),
        Amount::from_fen(1230),
    )
    .unwrap()
    .return_url("http://127.0.0.1:8080/pay/success");
    let content = alipay.sign_request(&request).unwrap().content().to_owned();

    let notify_params: Vec<(String, String)> = [
        ("app_id", "2016000000000001"),
        ("charset", "utf-8"),
        ("notify_id", "2024010100222120105000000000000001"),
        ("notify_time", "2024-01-01 12:01:06"),
        ("notify_type", "trade_status_sync"),
        ("out_trade_no", "202401011200000001"),
        ("seller_id", "2088102179075543"),
        ("subject", "路飞学城 Python 课程"),
        ("total_amount", "12.30"),
        ("trade_no", "2024010122001481070500000001"),
        ("trade_status", "TRADE_SUCCESS"),
        ("version", "1.0"),
        ("gmt_payment", "2024-01-01 12:01:05"),
        (
            "fund_bill_list",
            r#"[{"amount":"12.30","fundChannel":"ALIPAYACCOUNT"}]"#,
        ),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let signed_notify = gateway::sign_notify(&notify_params, &ali_key, SignType::Rsa2).unwrap();
    let notify_signature = signed_notify.pairs.last().unwrap().1.clone();

    // Raw RSA-2048 operations, one benchmark per backend in the same run.
    let mut group = c.benchmark_group("rsa2048_sign");
    for &backend in Backend::AVAILABLE {
        assert_eq!(
            crypto::signing_backend(backend, &app_key, SignType::Rsa2),
            backend,
            "{backend} would not sign this key itself"
        );
        group.bench_function(backend.name(), |b| {
            b.iter(|| {
                crypto::sign_with(
                    backend,
                    &app_key,
                    SignType::Rsa2,
                    black_box(content.as_bytes()),
                )
                .unwrap()
            })
        });
    }
    group.finish();
    let mut group = c.benchmark_group("rsa2048_verify");
    for &backend in Backend::AVAILABLE {
        group.bench_function(backend.name(), |b| {
            b.iter(|| {
                crypto::verify_with(
                    backend,
                    &ali_public,
                    SignType::Rsa2,
                    black_box(signed_notify.content.as_bytes()),
                    &notify_signature,
                )
                .unwrap()
            })
        });
    }
    group.finish();

    // The SDK's operations with the selected backend.
    let mut group = c.benchmark_group(format!("alipay ({})", Backend::selected()));
    group.bench_function("page_pay_url", |b| {
        b.iter(|| alipay.page_pay_url(black_box(&request)).unwrap())
    });
    group.bench_function("verify_notify", |b| {
        b.iter(|| {
            alipay
                .verify_notify(black_box(signed_notify.encoded.as_bytes()))
                .unwrap()
        })
    });
    group.bench_function("verify_notify_without_crypto", |b| {
        b.iter(|| {
            let params =
                alipay_sdk::FormParams::parse(black_box(signed_notify.encoded.as_bytes())).unwrap();
            black_box(params.content_to_sign(true, alipay_sdk::sign::NOTIFY_EXCLUDED));
            alipay_sdk::Notification::from_verified_params(params).unwrap()
        })
    });
    group.bench_function("page_pay_url_without_crypto", |b| {
        b.iter(|| {
            let biz = serde_json::to_string(black_box(&request)).unwrap();
            let mut pairs = vec![
                ("biz_content", biz.as_str()),
                ("app_id", "2016000000000001"),
                ("method", "alipay.trade.page.pay"),
                ("charset", "utf-8"),
                ("sign_type", "RSA2"),
                ("timestamp", "2024-01-01 12:00:00"),
                ("version", "1.0"),
                ("notify_url", "http://127.0.0.1:8000/api/v1/order/success/"),
                ("return_url", "http://127.0.0.1:8080/pay/success"),
            ];
            pairs.sort();
            let content = alipay_sdk::sign::content_to_sign(pairs.iter().copied(), true, &[]);
            black_box(content);
            alipay_sdk::encode::encode_pairs(pairs.iter().copied())
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
