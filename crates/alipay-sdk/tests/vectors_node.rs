//! Fixtures published by alipay/alipay-sdk-nodejs-all (MIT): real Alipay-signed messages and certificates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use alipay_sdk::cert::{CertSerials, cert_sn, public_key_from_cert, root_cert_sn};
use alipay_sdk::crypto::SignType;
use alipay_sdk::encode::{FormParams, encode_pairs};
use alipay_sdk::notify::{Notification, NotifyKind, NotifyRule, verify_form_body};
use alipay_sdk::{Error, PublicKey, SignatureFailure};

const APP_CERT: &str = include_str!("fixtures/node/appCertPublicKey_2021001161683774.crt");
const ALIPAY_CERT: &str = include_str!("fixtures/node/alipayCertPublicKey_RSA2.crt");
const ROOT_CERT: &str = include_str!("fixtures/node/alipayRootCert.crt");
const ALIPAY_PUBLIC_KEY_PEM: &str = include_str!("fixtures/node/alipay-public-key.pem");
const NOTIFY_V2_KEY_PEM: &str = include_str!("fixtures/node/alipay-notify-sign-public-key-v2.pem");
const NOTIFY_V1_KEY_BASE64: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqObrdC7hrgAVM98tK0nv3hSQRGGKT4lBsQjHiGjeYZjOPIPHR5knm2jnnz/YGIXIofVHkA/tAlBAd5DrY7YpvI4tP5EONLtZKC2ghBMx7McI2wRD0xiqzxOQr1FuhZGJ8/AUokBzJrzY+aGX2xcOrxFYRlFilvVLTXg4LWjR1tdPkO6+i7wQZAIVMClPkwVRZEbaERRHlKqTzv2gGv5rDU8gRoe1LeaN+6BlbTqHWkQcNCUNrA8C6l17XAXGKDsm/9TFWwO8EPHHHCaQdjtV5/FdcWIt+L8SR1ss7EXTjYDFtxcKVv9rEoY1lX8T4mX+GbXfZHraG5NCF1+XioL5JwIDAQAB";

fn real_trade_notify() -> Vec<(&'static str, &'static str)> {
    vec![
        ("gmt_create", "2019-08-15 15:56:22"),
        ("charset", "utf-8"),
        ("seller_email", "z97-yuquerevenue@service.aliyun.com"),
        ("subject", "语雀空间 500人规模"),
        (
            "sign",
            "QfTb8tqE1BMhS5qAnXtvsF3/jBkEvu9q9en0pdbBUDDjvKycZhQb7h8GDs4FKfi049PynaNuatxSgLb/nLWZpXyyh0LEWdK2S6Ri7nPwrVgOs08zugLO20vOQz44y3ti2Ncm8/wZts1Fr2gZ7pShnVX3d1B50hbsXnObT1r/U8ONNQjWXd0HIul4TG+Q3fm3svmSvFEy0WnzuhcyHPX5Gm4ELNctL6Qd5YniGJFNcc7kopHYtI/XD9YCKCH6Ct02rzUs9i11C9CsadtZn+WhxF26Dqt9sGEFajkJ8cxUTLi8+VCpLHsgPE8P0y095uQcDdK0YjCh4x7wVSov+lrmOQ==",
        ),
        ("buyer_id", "2088102534368455"),
        ("invoice_amount", "0.10"),
        ("notify_id", "2019081500222155624068450559358070"),
        (
            "fund_bill_list",
            r#"[{"amount":"0.10","fundChannel":"ALIPAYACCOUNT"}]"#,
        ),
        ("notify_type", "trade_status_sync"),
        ("trade_status", "TRADE_SUCCESS"),
        ("receipt_amount", "0.10"),
        ("buyer_pay_amount", "0.10"),
        ("sign_type", "RSA2"),
        ("app_id", "2019073166072302"),
        ("seller_id", "2088531891668739"),
        ("gmt_payment", "2019-08-15 15:56:24"),
        ("notify_time", "2019-08-15 15:56:25"),
        ("version", "1.0"),
        ("out_trade_no", "20190815155618536-564-57"),
        ("total_amount", "0.10"),
        ("trade_no", "2019081522001468450512505578"),
        ("auth_app_id", "2019073166072302"),
        ("buyer_logon_id", "xud***@126.com"),
        ("point_amount", "0.00"),
    ]
}

fn body_of(pairs: &[(&str, &str)]) -> String {
    encode_pairs(pairs.iter().copied())
}

#[test]
fn real_alipay_trade_notify_verifies_with_v1_rule() {
    let key = PublicKey::parse(NOTIFY_V1_KEY_BASE64).unwrap();
    let params = verify_form_body(
        body_of(&real_trade_notify()).as_bytes(),
        &key,
        NotifyRule::V1,
        Some(SignType::Rsa2),
    )
    .unwrap();
    let notification = Notification::from_verified_params(params).unwrap();
    assert_eq!(notification.notify_id, "2019081500222155624068450559358070");
    assert_eq!(notification.kind(), NotifyKind::Payment);
    assert_eq!(notification.out_trade_no, "20190815155618536-564-57");
    assert_eq!(notification.get("subject"), Some("语雀空间 500人规模"));
    // Without sign_type in the body it verifies too (V1 leaves it out anyway).
    let without: Vec<_> = real_trade_notify()
        .into_iter()
        .filter(|(k, _)| *k != "sign_type")
        .collect();
    verify_form_body(body_of(&without).as_bytes(), &key, NotifyRule::V1, None).unwrap();
}

#[test]
fn real_trade_notify_fails_when_tampered_or_with_another_key() {
    let key = PublicKey::parse(NOTIFY_V1_KEY_BASE64).unwrap();
    let tampered: Vec<_> = real_trade_notify()
        .into_iter()
        .map(|(k, v)| {
            if k == "total_amount" {
                (k, "100.10")
            } else {
                (k, v)
            }
        })
        .collect();
    let error =
        verify_form_body(body_of(&tampered).as_bytes(), &key, NotifyRule::V1, None).unwrap_err();
    assert!(
        matches!(
            error,
            Error::Signature {
                reason: SignatureFailure::Mismatch,
                ..
            }
        ),
        "{error}"
    );
    let other_key = PublicKey::parse(NOTIFY_V2_KEY_PEM).unwrap();
    assert!(
        verify_form_body(
            body_of(&real_trade_notify()).as_bytes(),
            &other_key,
            NotifyRule::V1,
            None
        )
        .is_err()
    );
    // V2 keeps sign_type in the content, which Alipay did not sign for trade notifies.
    assert!(
        verify_form_body(
            body_of(&real_trade_notify()).as_bytes(),
            &key,
            NotifyRule::V2,
            None
        )
        .is_err()
    );
}

fn servicemarket_notify(service_code: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("app_id", "2017122801303261"),
        ("charset", "UTF-8"),
        ("commodity_order_id", "2019030800000018079639"),
        ("contactor", "技术支持测试的公司"),
        ("merchant_pid", "2088721996721370"),
        ("method", "alipay.open.servicemarket.order.notify"),
        ("name", "技术支持测试的公司"),
        ("notify_id", "2019030800222102023008121054923345"),
        ("notify_time", "2019-03-08 10:20:23"),
        ("notify_type", "servicemarket_order_notify"),
        ("order_item_num", "1"),
        ("order_ticket", "29b1c37d99ab48c5bd5bdaeaeaefbB37"),
        ("order_time", "2019-03-08 10:20:08"),
        ("phone", "17826894615"),
        ("service_code", service_code),
        (
            "sign",
            "MsK5SCw8oqLw4f0hiNSd5OVGXxBY3wnQeT8vn5PklJSZFWSZbK4hQbNvkp4ZezeXQH514cEv0ul6Qow8yh6e6yM06LfEL+EZjcpZ0nxzFGRNQ5qq2AUc1OaXQdk92AGvxh+Iq4NGpPQFBd4D8EBJa3NJd8+czMfQskceosOQFqUtLQMYa5DPs+VpN7VM5BdXjaVIuKn5d9Wm2B9dI9ObIM+YRySDkZZPv14DVmUvcrcqJfOR8aHvtSd7B4l92wUQPQgQKNcOQho7xOHS/Bk+Y74AZL2y7TkNmdDoq9OGsThuF5tDW9rI9nVwXxOtsuB+bstra+W7aw9x9DvkKgdSRw==",
        ),
        ("sign_type", "RSA2"),
        ("timestamp", "2019-03-08 10:20:23"),
        ("title", "麦禾商城模版"),
        ("total_price", "0.00"),
        ("version", "1.0"),
    ]
}

#[test]
fn real_servicemarket_notify_verifies_with_v2_rule_only() {
    let key = PublicKey::parse(NOTIFY_V2_KEY_PEM).unwrap();
    verify_form_body(
        body_of(&servicemarket_notify("58621634")).as_bytes(),
        &key,
        NotifyRule::V2,
        None,
    )
    .unwrap();
    assert!(
        verify_form_body(
            body_of(&servicemarket_notify("58621634")).as_bytes(),
            &key,
            NotifyRule::V1,
            None
        )
        .is_err()
    );
    assert!(
        verify_form_body(
            body_of(&servicemarket_notify("58621634111")).as_bytes(),
            &key,
            NotifyRule::V2,
            None
        )
        .is_err()
    );
}

const FILE_UPLOAD_RESPONSE: &str = r#"{"alipay_open_file_upload_response":{"code":"10000","msg":"Success","file_id":"CAxAToWB1JsAAAAAAAAAAAAADgSLAQBr"},"sign":"F+LDzpTNiavn7xVZPGuPCSSVRSmWzJGgtuji6tVELGEaqMaNj0jRKXUEr5nloZJBBmwEnddOyCjjepMmrTKTvoOqQ0Efxpr/R1iEeHTHVbb/Q8TTh6Up5gHJDkILdaWS2q1cWeQ6VT+HQY9P3WRXS7uhILHuDODIhpAyCu5KhWGt0rMCIG+Im6NODJP2oohtSCtmTFXg58HH587Z2y2bdbjzOxLvzD9IrU1imghXQ2S/Q+wMIvRk9on6cWnBLkrNvJKapA2ReNGWOwyuASvB9zDVzhMPbR+3mfRGkVDxsq5HYLjBKGskJMXHw0HuugZij6ScRuaLPODhmHwr/pJ9yw=="}"#;

#[test]
fn real_file_upload_response_verifies() {
    let key = PublicKey::parse(ALIPAY_PUBLIC_KEY_PEM).unwrap();
    let verified = alipay_sdk::response::verify_response_text(
        FILE_UPLOAD_RESPONSE.as_bytes(),
        "alipay.open.file.upload",
        &key,
        SignType::Rsa2,
        false,
    )
    .unwrap();
    assert_eq!(
        verified.signed_text,
        r#"{"code":"10000","msg":"Success","file_id":"CAxAToWB1JsAAAAAAAAAAAAADgSLAQBr"}"#
    );
    // Pretty-printing the envelope around the value does not change what is verified.
    let spaced = FILE_UPLOAD_RESPONSE
        .replace(
            "{\"alipay_open_file_upload_response\":",
            "{\n  \"alipay_open_file_upload_response\" :\n ",
        )
        .replace(",\"sign\":", ",\n\n \"sign\"  :  ");
    alipay_sdk::response::verify_response_text(
        spaced.as_bytes(),
        "alipay.open.file.upload",
        &key,
        SignType::Rsa2,
        false,
    )
    .unwrap();
    let forged = FILE_UPLOAD_RESPONSE.replace("CAxAToWB1Js", "CAxAToWB1Jt");
    assert!(
        alipay_sdk::response::verify_response_text(
            forged.as_bytes(),
            "alipay.open.file.upload",
            &key,
            SignType::Rsa2,
            false
        )
        .is_err()
    );
}

#[test]
fn duplicated_response_key_is_rejected() {
    let key = PublicKey::parse(ALIPAY_PUBLIC_KEY_PEM).unwrap();
    let forged = FILE_UPLOAD_RESPONSE.replacen(
        ",\"sign\":",
        ",\"alipay_open_file_upload_response\":{\"code\":\"10000\",\"msg\":\"Success\",\"file_id\":\"evil\"},\"sign\":",
        1,
    );
    let error = alipay_sdk::response::verify_response_text(
        forged.as_bytes(),
        "alipay.open.file.upload",
        &key,
        SignType::Rsa2,
        false,
    )
    .unwrap_err();
    assert!(
        matches!(error, Error::MalformedResponse(ref message) if message.contains("duplicate")),
        "{error}"
    );
}

#[test]
fn certificate_serial_numbers_match_published_values() {
    assert_eq!(
        cert_sn(APP_CERT).unwrap(),
        "866efef280dec9137a87d047ac446315"
    );
    assert_eq!(
        cert_sn(ALIPAY_CERT).unwrap(),
        "7513daaaa48aa3ba2e4018d84402479c"
    );
    assert_eq!(
        root_cert_sn(ROOT_CERT).unwrap(),
        "687b59193f3f462dd5336e5abf83c5d8_02941eef3187dddf3d3b83462e1dfcf6"
    );
    let crlf = ROOT_CERT.replace('\n', "\r\n") + "\r\n";
    assert_eq!(
        root_cert_sn(&crlf).unwrap(),
        "687b59193f3f462dd5336e5abf83c5d8_02941eef3187dddf3d3b83462e1dfcf6"
    );
    let serials = CertSerials::from_pem(APP_CERT, ROOT_CERT).unwrap();
    assert_eq!(serials.app_cert_sn, "866efef280dec9137a87d047ac446315");
}

#[test]
fn alipay_public_key_comes_out_of_its_certificate() {
    let key = public_key_from_cert(ALIPAY_CERT).unwrap();
    assert_eq!(
        key.to_base64(),
        "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAhoVesfcGvUv1XvUndmX0rmSZ/2posJBCooySbSVFpV79RtHMzrVz2aKkC3WvOXeT5iNeQK4mK8gp3vNkWrHTkQGx5BcmkeO1WS384CQde7dAS0gmxeFs5bs+cCQqV2A2c2R9/5rJMtFtp1Ot/rIiMBUn6Ei0UoztM7AneavqQEzSwYlCKNhPFFtHCiz7u4O5R9CIyvUmYr+zpem2HXBN9ygPAZ0aXBQipGbc45+G07ZCNsmY4hV/Igya1aBf+Ye8p10Ew8uBBri0sIknhSC2LqKKy2IH1fO6q1d1jhN240QRHvbpRNv60kAfZsEulBASBrCMBi49NiJyr5nre7SNywIDAQAB"
    );
    // PublicKey::parse accepts the certificate too.
    assert_eq!(PublicKey::parse(ALIPAY_CERT).unwrap(), key);
}

#[test]
fn form_params_reject_duplicates_from_raw_body() {
    let mut body = body_of(&real_trade_notify());
    body.push_str("&total_amount=0.10");
    assert!(
        matches!(FormParams::parse(body.as_bytes()), Err(Error::DuplicateParameter(ref key)) if key == "total_amount")
    );
}
