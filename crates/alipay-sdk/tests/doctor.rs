//! The signature doctor names the actual mistake.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use alipay_sdk::doctor::{
    DoctorInput, Finding, MessageKind, compare_with_gateway_string, diagnose, diagnose_response,
};
use alipay_sdk::gateway;
use alipay_sdk::{PublicKey, SignType};
use common::*;

fn signed_notify(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut params = d2_notify_params();
    params.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    gateway::sign_notify(&params, &ali_private(), SignType::Rsa2)
        .unwrap()
        .pairs
}

fn findings(params: Vec<(String, String)>, key: &PublicKey) -> Vec<Finding> {
    let app = app_private();
    diagnose(&DoctorInput {
        params,
        kind: MessageKind::Notify,
        verify_key: key,
        app_private_key: Some(&app),
    })
    .findings
}

#[test]
fn healthy_notify_is_verified() {
    assert_eq!(
        findings(signed_notify(&[]), &ali_public()),
        vec![Finding::Verified]
    );
}

#[test]
fn app_key_in_the_alipay_slot_is_named() {
    let found = findings(signed_notify(&[]), &app_public());
    assert!(
        matches!(found.first(), Some(Finding::VerifyKeyIsAppKey { .. })),
        "{found:?}"
    );
}

#[test]
fn double_decoding_is_named() {
    let mut params = signed_notify(&[("passback_params", "a%3Db")]);
    params
        .iter_mut()
        .find(|(k, _)| k == "passback_params")
        .unwrap()
        .1 = "a=b".to_owned();
    let found = findings(params, &ali_public());
    assert!(
        found.contains(&Finding::ValueDecodedTwice {
            key: "passback_params".to_owned()
        }),
        "{found:?}"
    );
}

#[test]
fn still_encoded_values_are_named() {
    let mut params = signed_notify(&[]);
    params
        .iter_mut()
        .find(|(k, _)| k == "gmt_create")
        .unwrap()
        .1 = "2024-01-01+12%3A01%3A00".to_owned();
    let found = findings(params, &ali_public());
    assert!(found.iter().any(|f| matches!(f, Finding::ValuesStillEncoded { keys } if keys.contains(&"gmt_create".to_owned()))), "{found:?}");
}

#[test]
fn extra_parameter_and_sign_type_handling_are_named() {
    let mut params = signed_notify(&[]);
    params.push(("utm_source".to_owned(), "mail".to_owned()));
    assert!(
        findings(params, &ali_public()).contains(&Finding::ExtraParameter {
            key: "utm_source".to_owned()
        })
    );
    // A V2 message (sign_type signed) checked with the V1 rule.
    let mut v2 = d2_notify_params();
    v2.push(("sign_type".to_owned(), "RSA2".to_owned()));
    let content = alipay_sdk::sign::content_to_sign(
        v2.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        true,
        &["sign"],
    );
    v2.push((
        "sign".to_owned(),
        alipay_sdk::crypto::sign(&ali_private(), SignType::Rsa2, content.as_bytes()).unwrap(),
    ));
    assert!(
        findings(v2, &ali_public()).contains(&Finding::SignTypeHandling {
            verifies_when_kept: true
        })
    );
}

#[test]
fn empty_values_included_by_the_signer_are_named() {
    let mut params = d2_notify_params();
    params.push(("body".to_owned(), String::new()));
    let content = alipay_sdk::sign::content_to_sign(
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        false,
        &["sign", "sign_type"],
    );
    params.push((
        "sign".to_owned(),
        alipay_sdk::crypto::sign(&ali_private(), SignType::Rsa2, content.as_bytes()).unwrap(),
    ));
    assert!(
        findings(params, &ali_public()).contains(&Finding::EmptyValuesIncluded {
            keys: vec!["body".to_owned()]
        })
    );
}

#[test]
fn wrong_key_falls_through_to_no_variant() {
    let other = PublicKey::parse(include_str!("fixtures/node/alipay-public-key.pem")).unwrap();
    assert_eq!(
        findings(signed_notify(&[]), &other),
        vec![Finding::NoVariantVerifies]
    );
}

#[test]
fn response_slash_escaping_is_named() {
    let body = gateway::sign_response(
        "alipay.trade.close",
        r#"{"code":"10000","msg":"Success","url":"http:\/\/x"}"#,
        &ali_private(),
        SignType::Rsa2,
    )
    .unwrap();
    assert!(
        diagnose_response(
            body.as_bytes(),
            "alipay.trade.close",
            &ali_public(),
            None,
            SignType::Rsa2
        )
        .verified
    );
    let reserialised = body.replace("\\/", "/");
    let diagnosis = diagnose_response(
        reserialised.as_bytes(),
        "alipay.trade.close",
        &ali_public(),
        None,
        SignType::Rsa2,
    );
    assert!(!diagnosis.verified);
    assert!(
        diagnosis.findings.contains(&Finding::SlashEscaping),
        "{diagnosis}"
    );
}

#[test]
fn gateway_string_comparison_points_at_the_difference() {
    assert!(compare_with_gateway_string("a=1&b=2", "a=1&b=2").is_none());
    let difference = compare_with_gateway_string("a=1&b=2&c=", "a=1&b=2").unwrap();
    assert_eq!(difference.offset, 7);
    let difference = compare_with_gateway_string("app_id=1&biz=路飞", "app_id=1&biz=路由").unwrap();
    assert_eq!(difference.offset, "app_id=1&biz=路".len());
}

#[test]
fn unsorted_signing_wrong_sign_type_and_gbk_bytes_are_named() {
    let sign_over = |content: &[u8], sign_type: SignType| {
        alipay_sdk::crypto::sign(&ali_private(), sign_type, content).unwrap()
    };
    let params = d2_notify_params();
    let unsorted: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut with_sign = params.clone();
    with_sign.push((
        "sign".to_owned(),
        sign_over(unsorted.join("&").as_bytes(), SignType::Rsa2),
    ));
    assert!(findings(with_sign, &ali_public()).contains(&Finding::NotSorted));

    let content = alipay_sdk::sign::content_to_sign(
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        true,
        &["sign", "sign_type"],
    );
    let mut sha1 = params.clone();
    sha1.push((
        "sign".to_owned(),
        sign_over(content.as_bytes(), SignType::Rsa),
    ));
    assert!(
        findings(sha1, &ali_public()).contains(&Finding::WrongSignType {
            verifies_with: SignType::Rsa
        })
    );

    let (gbk, _, _) = encoding_rs::GB18030.encode(&content);
    let mut gbk_signed = params.clone();
    gbk_signed.push(("sign".to_owned(), sign_over(&gbk, SignType::Rsa2)));
    assert!(
        findings(gbk_signed, &ali_public())
            .iter()
            .any(|f| matches!(f, Finding::Charset { .. }))
    );
}
