//! The HTTP client against a one-shot local gateway built with `alipay_sdk::gateway`.
#![cfg(feature = "client")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use alipay_sdk::encode::FormParams;
use alipay_sdk::requests::{TradeQuery, TradeRefund};
use alipay_sdk::{Alipay, AlipayClient, Amount, Error, FixedClock, OutTradeNo, SignType, gateway};
use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Accepts one request, checks its signature like the gateway and answers `answer(params)`.
async fn one_shot_gateway(
    answer: impl Fn(&FormParams) -> (u16, String) + Send + 'static,
) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buffer = Vec::new();
        let mut chunk = [0u8; 4096];
        let body = loop {
            let read = socket.read(&mut chunk).await.unwrap();
            buffer.extend_from_slice(&chunk[..read]);
            let text = String::from_utf8_lossy(&buffer).to_string();
            if let Some(end) = text.find("\r\n\r\n") {
                let length: usize = text[..end]
                    .lines()
                    .find_map(|line| {
                        line.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                if buffer.len() >= end + 4 + length {
                    break buffer[end + 4..end + 4 + length].to_vec();
                }
            }
            if read == 0 {
                break Vec::new();
            }
        };
        assert!(
            String::from_utf8_lossy(&buffer)
                .contains("application/x-www-form-urlencoded;charset=utf-8")
        );
        let params = FormParams::parse(&body).unwrap();
        let (status, body) = answer(&params);
        let reply = format!(
            "HTTP/1.1 {status} OK\r\ncontent-type: application/json;charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(reply.as_bytes()).await.unwrap();
    });
    format!("http://{address}/gateway.do")
}

fn client(gateway_url: &str) -> AlipayClient {
    let alipay = Alipay::builder(APP_ID, app_private(), ali_public())
        .gateway_url(gateway_url)
        .clock(Arc::new(FixedClock::china(2024, 1, 1, 12, 0, 0).unwrap()))
        .build()
        .unwrap();
    AlipayClient::builder(alipay)
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

#[tokio::test]
async fn query_is_signed_posted_and_verified() {
    let url = one_shot_gateway(|params| {
        gateway::verify_request(params, &app_public()).unwrap();
        assert_eq!(params.get("method"), Some("alipay.trade.query"));
        let body = r#"{"code":"10000","msg":"Success","trade_no":"T1","out_trade_no":"A1","trade_status":"TRADE_SUCCESS","total_amount":"12.30"}"#;
        (200, gateway::sign_response("alipay.trade.query", body, &ali_private(), SignType::Rsa2).unwrap())
    })
    .await;
    let response = client(&url)
        .query(&TradeQuery::by_out_trade_no(OutTradeNo::new("A1").unwrap()))
        .await
        .unwrap();
    assert_eq!(response.total_amount, Amount::from_fen(1230));
    assert!(response.trade_status.is_paid());
}

#[tokio::test]
async fn refund_business_error_is_typed() {
    let url = one_shot_gateway(|params| {
        let biz = params.get("biz_content").unwrap();
        assert!(biz.contains(r#""out_request_no":"R1""#), "{biz}");
        let body = r#"{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_STATUS_ERROR","sub_msg":"交易状态不合法"}"#;
        (200, gateway::sign_response("alipay.trade.refund", body, &ali_private(), SignType::Rsa2).unwrap())
    })
    .await;
    let request =
        TradeRefund::new(OutTradeNo::new("A1").unwrap(), Amount::from_fen(100), "R1").unwrap();
    let error = client(&url).refund(&request).await.unwrap_err();
    assert!(error.as_business().unwrap().is_trade_status_error());
}

#[tokio::test]
async fn http_errors_and_unreachable_gateways_are_transport_errors() {
    let url = one_shot_gateway(|_| (502, "bad gateway".to_owned())).await;
    let error = client(&url)
        .query(&TradeQuery::by_trade_no("T1"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::HttpStatus { status: 502, .. }) && error.is_retryable(),
        "{error}"
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}/gateway.do", listener.local_addr().unwrap());
    drop(listener);
    let error = client(&closed)
        .query(&TradeQuery::by_trade_no("T1"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Transport(_)) && error.is_retryable(),
        "{error}"
    );
}
