//! Notifies, return URLs, responses and the gateway toolkit working together.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use alipay_sdk::encode::FormParams;
use alipay_sdk::gateway::{self, invalid_signature_sub_msg};
use alipay_sdk::requests::{TradeQuery, TradeRefund};
use alipay_sdk::{Amount, Error, NotifyKind, OutTradeNo, SignType, SignatureFailure};
use common::*;

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn refund_notify_is_distinguished_from_payment() {
    let mut params = d2_notify_params();
    params.extend(pairs(&[
        ("refund_fee", "2.00"),
        ("out_biz_no", "R1"),
        ("gmt_refund", "2024-01-02 10:00:00.123"),
    ]));
    let body = gateway::sign_notify(&params, &ali_private(), SignType::Rsa2)
        .unwrap()
        .encoded;
    let notification = python_alipay().verify_notify(body.as_bytes()).unwrap();
    assert_eq!(notification.kind(), NotifyKind::Refund);
    let refund = notification.refund.as_ref().unwrap();
    assert_eq!(refund.refund_fee, Amount::from_fen(200));
    assert_eq!(refund.out_biz_no.as_deref(), Some("R1"));
    let payment = python_alipay()
        .verify_notify(d2_notify_body().as_bytes())
        .unwrap();
    assert_eq!(payment.kind(), NotifyKind::Payment);
}

#[test]
fn merchant_checks_on_a_notify() {
    let notification = python_alipay()
        .verify_notify(d2_notify_body().as_bytes())
        .unwrap();
    let order = OutTradeNo::new("202401011200000001").unwrap();
    notification
        .check_order(
            APP_ID,
            &order,
            Amount::from_fen(1230),
            Some("2088102179075543"),
        )
        .unwrap();
    assert!(
        notification
            .check_order(APP_ID, &order, Amount::from_fen(1231), None)
            .is_err()
    );
    assert!(
        notification
            .check_order("2016000000000002", &order, Amount::from_fen(1230), None)
            .is_err()
    );
    assert!(
        notification
            .check_order(
                APP_ID,
                &order,
                Amount::from_fen(1230),
                Some("2088000000000000")
            )
            .is_err()
    );
}

#[test]
fn every_tampering_of_a_notify_fails() {
    let alipay = python_alipay();
    let body = d2_notify_body();
    assert!(
        alipay
            .verify_notify(
                body.replace("total_amount=12.30", "total_amount=0.01")
                    .as_bytes()
            )
            .is_err()
    );
    assert!(
        alipay
            .verify_notify(body.replace("seller_id=", "seller_iD=").as_bytes())
            .is_err()
    );
    assert!(
        alipay
            .verify_notify(format!("{body}&extra=1").as_bytes())
            .is_err()
    );
    assert!(matches!(
        alipay.verify_notify(format!("{body}&out_trade_no=1").as_bytes()),
        Err(Error::DuplicateParameter(_))
    ));
    let rsa1 = body.replace("sign_type=RSA2", "sign_type=RSA");
    assert!(matches!(
        alipay.verify_notify(rsa1.as_bytes()),
        Err(Error::Signature {
            reason: SignatureFailure::SignTypeMismatch { .. },
            ..
        })
    ));
    let no_sign: String = body
        .split('&')
        .filter(|pair| !pair.starts_with("sign="))
        .collect::<Vec<_>>()
        .join("&");
    assert!(matches!(
        alipay.verify_notify(no_sign.as_bytes()),
        Err(Error::Signature {
            reason: SignatureFailure::Missing,
            ..
        })
    ));
}

#[test]
fn empty_values_are_skipped_like_the_gateway() {
    let mut params = d2_notify_params();
    params.push(("body".to_owned(), String::new()));
    let signed = gateway::sign_notify(&params, &ali_private(), SignType::Rsa2).unwrap();
    assert!(!signed.content.contains("body="));
    python_alipay()
        .verify_notify(signed.encoded.as_bytes())
        .unwrap();
}

#[test]
fn return_url_verifies_and_rejects_extra_query_parameters() {
    let params = pairs(&[
        ("charset", "utf-8"),
        ("out_trade_no", "202401011200000001"),
        ("method", "alipay.trade.page.pay.return"),
        ("total_amount", "12.30"),
        ("trade_no", "2024010122001481070500000001"),
        ("auth_app_id", APP_ID),
        ("version", "1.0"),
        ("app_id", APP_ID),
        ("seller_id", "2088102179075543"),
        ("timestamp", "2024-01-01 12:01:07"),
    ]);
    let signed = gateway::sign_return(&params, &ali_private(), SignType::Rsa2).unwrap();
    let returned = python_alipay()
        .verify_return(&format!("?{}", signed.encoded))
        .unwrap();
    assert_eq!(returned.total_amount, Amount::from_fen(1230));
    assert_eq!(
        returned.method.as_deref(),
        Some("alipay.trade.page.pay.return")
    );
    assert!(
        python_alipay()
            .verify_return(&format!("{}&utm_source=x", signed.encoded))
            .is_err()
    );
}

#[test]
fn gateway_verifies_merchant_requests_and_reports_its_string() {
    let alipay = python_alipay();
    let request =
        TradeRefund::new(OutTradeNo::new("A1").unwrap(), Amount::from_fen(100), "R1").unwrap();
    let signed = alipay.sign_request(&request).unwrap();
    let params = FormParams::from_pairs(signed.form_pairs()).unwrap();
    assert_eq!(
        gateway::verify_request(&params, &app_public()).unwrap(),
        signed.content()
    );
    let mut tampered = signed.form_pairs();
    tampered
        .iter_mut()
        .find(|(k, _)| k == "timestamp")
        .unwrap()
        .1 = "2024-01-01 12:00:01".to_owned();
    let rejection =
        gateway::verify_request(&FormParams::from_pairs(tampered).unwrap(), &app_public())
            .unwrap_err();
    assert!(
        rejection
            .expected_content
            .contains("timestamp=2024-01-01 12:00:01")
    );
    assert_eq!(
        rejection.sub_msg(),
        invalid_signature_sub_msg(&rejection.expected_content)
    );
    assert!(rejection.sub_msg().starts_with("验签出错"));
}

#[test]
fn signed_responses_round_trip_including_slash_escapes_and_business_errors() {
    let alipay = python_alipay();
    let body = r#"{"code":"10000","msg":"Success","trade_no":"T1","out_trade_no":"A1","trade_status":"WAIT_BUYER_PAY","total_amount":"1.00","buyer_logon_id":"a\/b"}"#;
    let response =
        gateway::sign_response("alipay.trade.query", body, &ali_private(), SignType::Rsa2).unwrap();
    let typed = alipay
        .verify_response::<TradeQuery>(response.as_bytes())
        .unwrap();
    assert_eq!(typed.buyer_logon_id.as_deref(), Some("a/b"));
    let failure = r#"{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST","sub_msg":"交易不存在"}"#;
    let response = gateway::sign_response(
        "alipay.trade.query",
        failure,
        &ali_private(),
        SignType::Rsa2,
    )
    .unwrap();
    let error = alipay
        .verify_response::<TradeQuery>(response.as_bytes())
        .unwrap_err();
    let business = error.as_business().unwrap();
    assert!(business.is_trade_not_exist() && business.signature_verified && !error.is_retryable());
    let unknown = r#"{"code":"20000","msg":"Service Currently Unavailable","sub_code":"isp.unknow-error","sub_msg":"系统繁忙"}"#;
    let response = gateway::sign_response(
        "alipay.trade.query",
        unknown,
        &ali_private(),
        SignType::Rsa2,
    )
    .unwrap();
    assert!(
        alipay
            .verify_response::<TradeQuery>(response.as_bytes())
            .unwrap_err()
            .is_retryable()
    );
    // A failure signed by someone else is a signature error, not a business error.
    let forged = gateway::sign_response(
        "alipay.trade.query",
        failure,
        &app_private(),
        SignType::Rsa2,
    )
    .unwrap();
    assert!(matches!(
        alipay.verify_response::<TradeQuery>(forged.as_bytes()),
        Err(Error::Signature { .. })
    ));
}

#[test]
fn error_response_and_invalid_signature_sub_msg() {
    let content = "app_id=1&method=x";
    let body = gateway::error_response(
        "40002",
        "Invalid Arguments",
        "isv.invalid-signature",
        &invalid_signature_sub_msg(content),
    )
    .unwrap();
    let error = python_alipay()
        .verify_response::<TradeQuery>(body.as_bytes())
        .unwrap_err();
    let business = error.as_business().unwrap();
    assert_eq!(business.method, "error_response");
    assert!(!business.signature_verified);
    assert!(business.is_invalid_signature());
    assert_eq!(business.gateway_signed_string(), Some(content));
}

#[test]
fn garbage_responses_are_errors_not_panics() {
    let alipay = python_alipay();
    for body in [
        "",
        "[]",
        "{",
        "null",
        r#"{"sign":"x"}"#,
        r#"{"alipay_trade_query_response":{"code":"10000"}}"#,
        r#"{"alipay_trade_query_response":1,"sign":"AAAA"}"#,
    ] {
        assert!(
            alipay
                .verify_response::<TradeQuery>(body.as_bytes())
                .is_err(),
            "{body}"
        );
    }
}
