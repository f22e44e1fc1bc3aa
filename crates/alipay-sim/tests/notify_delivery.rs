//! Notifications: Alipay's retry schedule on the virtual clock, and every injected fault.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use alipay_sdk::OutTradeNo;
use alipay_sdk::requests::PagePay;
use alipay_sim::{NotifyFault, RETRY_SCHEDULE_SECS};
use chrono::Duration;
use common::{APP_ID, Fixture, start};

/// Creates and pays a page-pay trade.
async fn pay(fx: &Fixture, out_trade_no: &str) {
    let request = PagePay::new(
        "课程",
        OutTradeNo::new(out_trade_no).unwrap(),
        "9.90".parse().unwrap(),
    )
    .unwrap();
    let url = fx.alipay.page_pay_url(&request).unwrap();
    fx.http.get(url).send().await.unwrap();
    fx.sim.pay(APP_ID, out_trade_no).unwrap();
}

fn notify_id(body: &str) -> String {
    let params = alipay_sdk::FormParams::parse(body.as_bytes()).unwrap();
    params.get("notify_id").unwrap().to_owned()
}

#[actix_web::test]
async fn retries_follow_the_schedule_with_one_notify_id_until_success() {
    let fx = start().await;
    fx.inbox.answer_next(&[
        "fail",
        "<html>error</html>",
        "success ",
        "failed",
        "",
        "nope",
    ]);
    pay(&fx, "RETRY_1").await;
    let mut delivered = fx.sim.deliver_pending().await.len();
    for delay in RETRY_SCHEDULE_SECS.iter().take(6) {
        fx.sim.advance(Duration::seconds(delay - 1));
        assert!(
            fx.sim.deliver_pending().await.is_empty(),
            "nothing due a second early"
        );
        fx.sim.advance(Duration::seconds(1));
        let reports = fx.sim.deliver_pending().await;
        assert_eq!(reports.len(), 1);
        delivered += 1;
    }
    // Six refusals (even "success " with a space), then the seventh attempt was acknowledged.
    assert_eq!(delivered, 7);
    let job = &fx.sim.deliveries()[0];
    assert!(job.acknowledged);
    assert_eq!(job.attempts.len(), 7);
    fx.sim.advance(Duration::days(2));
    assert!(
        fx.sim.deliver_pending().await.is_empty(),
        "no attempt after success"
    );
    let ids: Vec<String> = fx.inbox.received().iter().map(|b| notify_id(b)).collect();
    assert_eq!(ids.len(), 7);
    assert!(
        ids.iter().all(|id| id == &ids[0]),
        "the same notify_id on every attempt"
    );
}

#[actix_web::test]
async fn a_merchant_that_never_acknowledges_gets_eight_attempts() {
    let fx = start().await;
    fx.inbox.answer_next(&["fail"; 9]);
    pay(&fx, "GIVEUP_1").await;
    fx.sim.deliver_pending().await;
    for delay in RETRY_SCHEDULE_SECS {
        fx.sim.advance(Duration::seconds(delay));
        fx.sim.deliver_pending().await;
    }
    fx.sim.advance(Duration::days(3));
    fx.sim.deliver_pending().await;
    let job = &fx.sim.deliveries()[0];
    assert_eq!(job.attempts.len(), 8);
    assert!(job.abandoned && !job.acknowledged);
}

#[actix_web::test]
async fn drop_delay_and_duplicate_faults() {
    let fx = start().await;
    fx.sim.inject_fault(NotifyFault::Drop);
    fx.sim.inject_fault(NotifyFault::Delay { secs: 300 });
    fx.sim.inject_fault(NotifyFault::Duplicate { copies: 3 });
    pay(&fx, "DROP_1").await;
    pay(&fx, "DELAY_1").await;
    pay(&fx, "DUP_1").await;

    let now = fx.sim.deliver_pending().await;
    assert_eq!(
        now.iter()
            .map(|r| r.out_trade_no.as_str())
            .collect::<Vec<_>>(),
        vec!["DUP_1"]
    );
    assert_eq!(now[0].copies, 3);
    let received = fx.inbox.received();
    assert_eq!(received.len(), 3, "three identical copies");
    assert!(received.iter().all(|body| body == &received[0]));

    fx.sim.advance(Duration::seconds(300));
    let later = fx.sim.deliver_pending().await;
    assert_eq!(
        later
            .iter()
            .map(|r| r.out_trade_no.as_str())
            .collect::<Vec<_>>(),
        vec!["DELAY_1"]
    );

    fx.sim.advance(Duration::days(2));
    assert!(
        fx.sim.deliver_pending().await.is_empty(),
        "a dropped notify never arrives"
    );
    let dropped = fx
        .sim
        .deliveries()
        .into_iter()
        .find(|job| job.out_trade_no == "DROP_1")
        .unwrap();
    assert!(dropped.attempts.is_empty() && dropped.abandoned);
    // The trade itself is paid: a merchant must reconcile with trade.query.
    assert!(fx.sim.trade(APP_ID, "DROP_1").unwrap().paid_at.is_some());
}

#[actix_web::test]
async fn reorder_and_corrupt_signature_faults() {
    let fx = start().await;
    fx.sim.inject_fault(NotifyFault::Reorder);
    pay(&fx, "FIRST_1").await;
    assert!(
        fx.sim.deliver_pending().await.is_empty(),
        "held back while it is the only one"
    );
    pay(&fx, "SECOND_1").await;
    let order: Vec<String> = fx
        .sim
        .deliver_pending()
        .await
        .into_iter()
        .map(|r| r.out_trade_no)
        .collect();
    assert_eq!(order, vec!["SECOND_1", "FIRST_1"]);

    fx.sim.inject_fault(NotifyFault::CorruptSignature);
    fx.inbox.answer_next(&["failed"]);
    pay(&fx, "FORGED_1").await;
    fx.sim.deliver_pending().await;
    let body = fx.inbox.received().last().unwrap().clone();
    let err = fx.alipay.verify_notify(body.as_bytes()).unwrap_err();
    assert!(err.to_string().to_lowercase().contains("sign"), "{err}");
    let job = fx
        .sim
        .deliveries()
        .into_iter()
        .find(|job| job.out_trade_no == "FORGED_1")
        .unwrap();
    assert!(
        !job.acknowledged && job.next_due.is_some(),
        "a refused notify is retried"
    );
}

/// Calls the control API: `POST` (with an optional JSON body) or `GET`; returns status and JSON.
async fn control(
    fx: &Fixture,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut request = fx
        .http
        .request(method, format!("{}/control/{path}", fx.running.base_url));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (
        status,
        response.json().await.unwrap_or(serde_json::Value::Null),
    )
}

#[actix_web::test]
async fn the_control_api_drives_the_same_actions_over_http() {
    use reqwest::Method;
    let fx = start().await;
    let request = PagePay::new(
        "课程",
        OutTradeNo::new("CTRL_1").unwrap(),
        "3.00".parse().unwrap(),
    )
    .unwrap();
    fx.http
        .get(fx.alipay.page_pay_url(&request).unwrap())
        .send()
        .await
        .unwrap();
    let (status, _) = control(
        &fx,
        Method::POST,
        "faults",
        Some(serde_json::json!({"kind": "delay", "secs": 60})),
    )
    .await;
    assert_eq!(status, 200);
    let (_, paid) = control(
        &fx,
        Method::POST,
        &format!("trades/{APP_ID}/CTRL_1/pay"),
        None,
    )
    .await;
    assert_eq!(paid["trade"]["state"]["trade"], "TRADE_SUCCESS");
    assert!(paid["return_query"].as_str().unwrap().contains("sign="));
    let (_, delivered) = control(&fx, Method::POST, "notifies/deliver", None).await;
    assert_eq!(
        delivered.as_array().unwrap().len(),
        0,
        "delayed by the fault"
    );
    control(
        &fx,
        Method::POST,
        "clock/advance",
        Some(serde_json::json!({"secs": 60})),
    )
    .await;
    let (_, delivered) = control(&fx, Method::POST, "notifies/deliver", None).await;
    assert_eq!(delivered[0]["acknowledged"], true);
    let (_, notifies) = control(&fx, Method::GET, "notifies", None).await;
    assert_eq!(notifies[0]["attempts"].as_array().unwrap().len(), 1);
    let (expired, _) = control(
        &fx,
        Method::POST,
        &format!("trades/{APP_ID}/CTRL_1/expire"),
        None,
    )
    .await;
    assert_eq!(expired, 409, "a paid trade cannot be expired");
    let (refund, _) = control(
        &fx,
        Method::POST,
        &format!("trades/{APP_ID}/CTRL_1/refund"),
        Some(serde_json::json!({"amount": "3.00"})),
    )
    .await;
    assert_eq!(refund, 200);
    let (_, keys) = control(&fx, Method::GET, "keys", None).await;
    assert!(
        keys["alipay_public_key_pem"]
            .as_str()
            .unwrap()
            .contains("PUBLIC KEY")
    );
    let (_, trades) = control(&fx, Method::GET, "trades", None).await;
    assert_eq!(trades.as_array().unwrap().len(), 1);
}
