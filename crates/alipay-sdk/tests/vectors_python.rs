//! Byte-exact vectors computed with python-alipay-sdk 3.4.0 and the fzlee test keys.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use alipay_sdk::crypto::{self, SignType};
use alipay_sdk::requests::{PagePay, TradeQuery};
use alipay_sdk::{Amount, OutTradeNo};
use common::*;

const D2_UNSIGNED: &str = r#"app_id=2016000000000001&biz_content={"subject":"\u8def\u98de\u5b66\u57ce Python \u8bfe\u7a0b","out_trade_no":"202401011200000001","total_amount":"12.30","product_code":"FAST_INSTANT_TRADE_PAY"}&charset=utf-8&method=alipay.trade.page.pay&notify_url=http://127.0.0.1:8000/api/v1/order/success/&return_url=http://127.0.0.1:8080/pay/success&sign_type=RSA2&timestamp=2024-01-01 12:00:00&version=1.0"#;
const D2_SIGN: &str = "GRzpQtHxhvgtFAwoFwPmEu589HUkSqTFiM/pG6B19Amhbw1La9ZM1CNoAfL2K/P335KCJKMl8yueiOUFNReSs3cShMHAPoiVK/5V/RHO7Bt8Tdv61Kw7oZzTofRiCkpn+Oeb5+LUskN33ZxZq/U7KmH6OTVI6cmmmKOYNb4Lih2g0CeBzLTAJlrXdhgwbN9fTtslBU6vPwNl0seN/AAtUN9ZJ1eQlP992XlSOEKJQIeRvLZgrPL+5mAz5RkB1Fe8o498bjSA26CK1BtC7ABXYiCP/YKrXnObMPzXxYgzARGno6Nox5cJkyGK2Tqq9+og2+DEaP6/YanBiKcn5a/UwA==";

fn d2_page_pay() -> PagePay {
    PagePay::new(
        "路飞学城 Python 课程",
        OutTradeNo::new("202401011200000001").unwrap(),
        "12.30".parse::<Amount>().unwrap(),
    )
    .unwrap()
    .return_url("http://127.0.0.1:8080/pay/success")
}

#[test]
fn page_pay_unsigned_string_signature_and_order_string_match_python() {
    let signed = python_alipay().sign_request(&d2_page_pay()).unwrap();
    assert_eq!(signed.content(), D2_UNSIGNED);
    assert_eq!(
        sha256_hex(signed.content().as_bytes()),
        "ae773b0872c7cc66e82b09fe43fe594128acfd537d7876d053193b47674df53c"
    );
    assert_eq!(signed.sign(), D2_SIGN);
    let order = signed.order_string();
    assert_eq!(order.len(), 871);
    assert_eq!(
        sha256_hex(order.as_bytes()),
        "e65b1fee7f455ce09506181595abccf8ad2e7278e0a998d5e12256851ae64eca"
    );
    assert!(order.starts_with("app_id=2016000000000001&biz_content=%7B%22subject%22%3A%22%5Cu8def%5Cu98de%5Cu5b66%5Cu57ce+Python+%5Cu8bfe%5Cu7a0b%22%2C"));
    assert!(order.contains("&timestamp=2024-01-01+12%3A00%3A00&version=1.0&sign=GRzpQtHxhvgtFAwoFwPmEu589HUkSqTFiM%2FpG6B19Amhbw1La9ZM"));
}

#[test]
fn page_pay_url_is_gateway_question_mark_order_string() {
    let alipay = python_alipay();
    let url = alipay.page_pay_url(&d2_page_pay()).unwrap();
    let order = alipay.sign_request(&d2_page_pay()).unwrap().order_string();
    assert_eq!(
        url,
        format!("https://openapi.alipay.com/gateway.do?{order}")
    );
}

#[test]
fn hello_signatures_match_openssl() {
    let key = app_private();
    assert_eq!(
        crypto::sign(&key, SignType::Rsa2, b"hello\n").unwrap(),
        "N1IQLlHVZSmai3D0kF2r3IZTwrpUQdh0pbUAjE8bbiKBjRUvXX2T127yJW2pre4kPlS2HWgdbV6yDqk2ykIDHldFnJBkhs/UPwt4D1Lt2rKgGETH1Tn98vgvbmYtAXNZDCAK6CcA+FTVFrpsHmBC4AkUppOb97gzmDeTRh9vTOXzNoMBv7bYktdCRPBODQEXhcTfYNS57JgB25+uuHeAQdju3TdMeupHj2K0ktpBCLNwc9FOXAjOBil0Bo3aEV4+RLllGcsig5oe3vrKL5OfenSzA9YbgiGhHC8lWtYYeeBlOY0zijRTb+uCnnwMQTKbLHY/1HoY/D9b7n1uBAL1Bw=="
    );
    assert_eq!(
        crypto::sign(&key, SignType::Rsa, b"hello\n").unwrap(),
        "Q7kdCF6TYdKFOFAjrlmi910KVZ7NnDY+/DeQVe3Qd81BhGSF2ChutTqQB2skMbqBgAzZrBj9kIrty7vBzY5LxdiUQbWGsM7THGb9w7MYqFpTKKtAy4ZJUUpCxQ0gqEvoSAR21F288IgJIuBZc1MJbBr6n2uMPVHl3zc0Box8trDPjqiVOWpDLrfFcBdQeFj4udPemGc8MbWvv6MZNIsGrBJKi5zYGlbv+hsooVgjNNWWrWkIBRivMxMfA2K4CKl3kJoxflEwGr5G9o/qGPXb7xCS7NZWU9F+DQeiw7R4GRyRqtFOUMEWE5uR/rLUoFVdmhgFcgSoIbw9Bpe1XLc8SQ=="
    );
    crypto::verify(
        &app_public(),
        SignType::Rsa,
        b"hello\n",
        &crypto::sign(&key, SignType::Rsa, b"hello\n").unwrap(),
    )
    .unwrap();
}

#[test]
fn pkcs8_key_signs_identically() {
    let pkcs8 = alipay_sdk::PrivateKey::parse(APP_PRIVATE_PKCS8_PEM).unwrap();
    assert_eq!(
        crypto::sign(&pkcs8, SignType::Rsa2, b"hello\n").unwrap(),
        crypto::sign(&app_private(), SignType::Rsa2, b"hello\n").unwrap()
    );
}

#[test]
fn trade_query_matches_python() {
    let request = TradeQuery::by_out_trade_no(OutTradeNo::new("202401011200000001").unwrap());
    let signed = python_alipay().sign_request(&request).unwrap();
    let biz = signed
        .params()
        .iter()
        .find(|(k, _)| k == "biz_content")
        .unwrap();
    assert_eq!(biz.1, r#"{"out_trade_no":"202401011200000001"}"#);
    assert!(
        !signed.params().iter().any(|(k, _)| k == "notify_url"),
        "python sends no notify_url for query"
    );
    assert!(
        signed
            .sign()
            .starts_with("DPoOUTpy11tWKu82hDAzY8C5JICaAnVk7uIjTzdexBsO"),
        "{}",
        signed.sign()
    );
}

#[test]
fn d2_notify_content_and_signature_verify() {
    let params = alipay_sdk::FormParams::from_pairs(d2_notify_params()).unwrap();
    let content = alipay_sdk::sign::content_to_sign(
        params.pairs().iter().map(|(k, v)| (k.as_str(), v.as_str())),
        true,
        alipay_sdk::sign::NOTIFY_EXCLUDED,
    );
    assert_eq!(
        sha256_hex(content.as_bytes()),
        "1584e28c988a1dd4cce527893d3330c22fc3d66a0d231ee68d0b4626eb6edd95"
    );
    let notification = python_alipay()
        .verify_notify(d2_notify_body().as_bytes())
        .unwrap();
    assert_eq!(notification.notify_id, "2024010100222120105000000000000001");
    assert_eq!(notification.total_amount, Amount::from_fen(1230));
    assert!(notification.is_paid());
    assert_eq!(notification.get("subject"), Some("路飞学城 Python 课程"));
    // The gateway toolkit produces the same signature.
    let signed =
        alipay_sdk::gateway::sign_notify(&d2_notify_params(), &ali_private(), SignType::Rsa2)
            .unwrap();
    assert_eq!(signed.pairs.last().unwrap().1, D2_NOTIFY_SIGN);
}

pub const D2_QUERY_RESPONSE: &str = r#"{"alipay_trade_query_response":{"code":"10000","msg":"Success","buyer_logon_id":"csq***@sandbox.com","buyer_pay_amount":"12.30","out_trade_no":"202401011200000001","total_amount":"12.30","trade_no":"2024010122001481070500000001","trade_status":"TRADE_SUCCESS","send_pay_date":"2024-01-01 12:01:05"},"sign":"LKVAccPBNioLR8mxTNLIFevsALVP7qbEBigfNeLFFHuMxc+Y2NZEOnZ+zrbvEm4vY+5dJwk8q6KOhn1stGpRhDo/YBCg2NTo2Xgnzgnmob3DqWRk4tzlOAzAd12UWOAP3Kv3QSjEvVZexZDGJQRsVTlKwjvtjrrQzcTrHhyh/0ID7u4VKyS9X8zauis5NGFtmXSFplZCJouHKkgxvQ2eTvl+Wm54zE4pTsPZHBWUovEIWnueWB1i5DQ/04gH9x6TFE3U8JWL/kKagJ4sY6RKyia8+jLFEGYZhrDmgCSH9q6x8DU1/seCy6beHI71aHxIsczmGRTVNxjVZqiwZgigKw=="}"#;

#[test]
fn d2_query_response_verifies_and_types() {
    let response = python_alipay()
        .verify_response::<TradeQuery>(D2_QUERY_RESPONSE.as_bytes())
        .unwrap();
    assert_eq!(response.trade_status, alipay_sdk::TradeStatus::TradeSuccess);
    assert_eq!(response.total_amount.to_string(), "12.30");
    assert_eq!(
        response.send_pay_date.as_deref(),
        Some("2024-01-01 12:01:05")
    );
    let tampered =
        D2_QUERY_RESPONSE.replace("\"12.30\",\"out_trade_no\"", "\"12.31\",\"out_trade_no\"");
    assert!(matches!(
        python_alipay().verify_response::<TradeQuery>(tampered.as_bytes()),
        Err(alipay_sdk::Error::Signature { .. })
    ));
}
