//! `alipay-sdk`'s client against the simulator, over real HTTP, for every API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use alipay_sdk::requests::{
    BillDownloadUrlQuery, BillType, PagePay, Precreate, RefundQuery, TradeClose, TradeQuery,
    TradeRefund, WapPay,
};
use alipay_sdk::{Amount, OutTradeNo, TradeStatus};
use common::{APP_ID, start};

fn otn(text: &str) -> OutTradeNo {
    OutTradeNo::new(text).unwrap()
}

fn amount(text: &str) -> Amount {
    text.parse().unwrap()
}

/// Opens a page-pay URL like a browser and returns the HTML.
async fn open(http: &reqwest::Client, url: &str) -> String {
    let response = http.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

/// Presses Pay on the cashier; returns the redirect Location.
async fn press_pay(fx: &common::Fixture, out_trade_no: &str) -> String {
    let response = fx
        .http
        .post(format!("{}/cashier/pay", fx.running.base_url))
        .form(&[("app_id", APP_ID), ("out_trade_no", out_trade_no)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        302,
        "{}",
        response.text().await.unwrap_or_default()
    );
    response.headers()["location"].to_str().unwrap().to_owned()
}

#[actix_web::test]
async fn page_pay_then_notify_return_query_refund_and_refund_query() {
    let fx = start().await;
    let request = PagePay::new(
        "路飞学城 Python 课程",
        otn("202401011200000001"),
        amount("12.30"),
    )
    .unwrap();
    let url = fx.alipay.page_pay_url(&request).unwrap();
    let cashier = open(&fx.http, &url).await;
    assert!(
        cashier.contains("路飞学城 Python 课程") && cashier.contains("12.30"),
        "{cashier}"
    );

    // As in production, the trade does not exist until a buyer acts on the cashier.
    let err = fx
        .client
        .query(&TradeQuery::by_out_trade_no(otn("202401011200000001")))
        .await
        .unwrap_err();
    assert!(err.as_business().unwrap().is_trade_not_exist(), "{err}");

    let location = press_pay(&fx, "202401011200000001").await;
    let (base, query) = location.split_once('?').unwrap();
    assert_eq!(base, "http://127.0.0.1:8080/pay/success");
    let returned = fx.alipay.verify_return(query).unwrap();
    assert_eq!(returned.out_trade_no, "202401011200000001");

    let reports = fx.sim.deliver_pending().await;
    assert_eq!(reports.len(), 1);
    assert!(reports[0].acknowledged);
    let received = fx.inbox.received();
    assert_eq!(received.len(), 1);
    let notice = fx.alipay.verify_notify(received[0].as_bytes()).unwrap();
    assert_eq!(notice.trade_status, TradeStatus::TradeSuccess);
    assert_eq!(notice.total_amount, amount("12.30"));
    assert_eq!(notice.app_id, APP_ID);
    assert_eq!(
        notice.seller_id.as_deref(),
        Some(alipay_sim::DEFAULT_SELLER_ID)
    );
    assert!(notice.refund.is_none());

    let paid = fx
        .client
        .query(&TradeQuery::by_out_trade_no(otn("202401011200000001")))
        .await
        .unwrap();
    assert_eq!(paid.trade_status, TradeStatus::TradeSuccess);
    assert_eq!(paid.trade_no, notice.trade_no);
    assert_eq!(paid.total_amount, amount("12.30"));

    // Paying twice is refused; closing a paid trade too.
    let again = fx
        .http
        .post(format!("{}/cashier/pay", fx.running.base_url))
        .form(&[("app_id", APP_ID), ("out_trade_no", "202401011200000001")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(again.contains("ACQ.TRADE_HAS_SUCCESS"), "{again}");
    let err = fx
        .client
        .close(&TradeClose::by_out_trade_no(otn("202401011200000001")))
        .await
        .unwrap_err();
    assert_eq!(
        err.as_business().unwrap().sub_code.as_deref(),
        Some("ACQ.TRADE_STATUS_ERROR")
    );

    // A partial refund, repeated with the same out_request_no: money moves once.
    let partial = TradeRefund::new(otn("202401011200000001"), amount("2.30"), "R1").unwrap();
    let first = fx.client.refund(&partial).await.unwrap();
    assert_eq!(first.fund_change.as_deref(), Some("Y"));
    assert_eq!(first.refund_fee, Some(amount("2.30")));
    let repeat = fx.client.refund(&partial).await.unwrap();
    assert_eq!(repeat.fund_change.as_deref(), Some("N"));
    assert_eq!(repeat.refund_fee, Some(amount("2.30")));
    let queried = fx
        .client
        .refund_query(&RefundQuery::new(otn("202401011200000001"), "R1"))
        .await
        .unwrap();
    assert_eq!(queried.refund_status.as_deref(), Some("REFUND_SUCCESS"));
    assert_eq!(queried.refund_amount, Some(amount("2.30")));
    let unknown = fx
        .client
        .refund_query(&RefundQuery::new(otn("202401011200000001"), "NOPE"))
        .await
        .unwrap();
    assert!(unknown.refund_status.is_none());

    // More than remains is refused; the remainder closes the trade.
    let too_much = TradeRefund::new(otn("202401011200000001"), amount("10.01"), "R2").unwrap();
    assert!(fx.client.refund(&too_much).await.is_err());
    let rest = TradeRefund::new(otn("202401011200000001"), amount("10.00"), "R3").unwrap();
    assert_eq!(
        fx.client.refund(&rest).await.unwrap().refund_fee,
        Some(amount("12.30"))
    );
    let closed = fx
        .client
        .query(&TradeQuery::by_out_trade_no(otn("202401011200000001")))
        .await
        .unwrap();
    assert_eq!(closed.trade_status, TradeStatus::TradeClosed);

    // Refund notifies: a TRADE_SUCCESS with refund_fee for the part, TRADE_CLOSED for the whole.
    fx.sim.deliver_pending().await;
    let received = fx.inbox.received();
    assert_eq!(received.len(), 3);
    let partial_notice = fx.alipay.verify_notify(received[1].as_bytes()).unwrap();
    assert_eq!(partial_notice.trade_status, TradeStatus::TradeSuccess);
    assert_eq!(
        partial_notice.refund.as_ref().unwrap().refund_fee,
        amount("2.30")
    );
    assert_eq!(
        partial_notice
            .refund
            .as_ref()
            .unwrap()
            .out_biz_no
            .as_deref(),
        Some("R1")
    );
    let full_notice = fx.alipay.verify_notify(received[2].as_bytes()).unwrap();
    assert_eq!(full_notice.trade_status, TradeStatus::TradeClosed);
    assert_eq!(
        full_notice.refund.as_ref().unwrap().refund_fee,
        amount("12.30")
    );

    // The bill lists the trade.
    let bill = fx
        .client
        .bill_download_url(&BillDownloadUrlQuery::new(BillType::Trade, "2024-01").unwrap())
        .await;
    let bill = bill.unwrap();
    let today = alipay_sdk::clock::china_timestamp(fx.sim.clock().now());
    let url = bill.bill_download_url.replace("2024-01", &today[..10]);
    let csv = fx.http.get(url).send().await.unwrap().text().await.unwrap();
    assert!(
        csv.contains("202401011200000001") && csv.contains("12.30"),
        "{csv}"
    );
}

#[actix_web::test]
async fn precreate_close_and_a_closed_trade_cannot_be_paid() {
    let fx = start().await;
    let request = Precreate::new("QR 课程", otn("QR_0001"), amount("99.00")).unwrap();
    let created = fx.client.precreate(&request).await.unwrap();
    assert_eq!(created.out_trade_no, "QR_0001");
    assert!(
        created.qr_code.starts_with(&fx.running.base_url),
        "{}",
        created.qr_code
    );
    let waiting = fx
        .client
        .query(&TradeQuery::by_out_trade_no(otn("QR_0001")))
        .await
        .unwrap();
    assert_eq!(waiting.trade_status, TradeStatus::WaitBuyerPay);

    let closed = fx
        .client
        .close(&TradeClose::by_out_trade_no(otn("QR_0001")))
        .await
        .unwrap();
    assert_eq!(closed.out_trade_no.as_deref(), Some("QR_0001"));
    let after = fx
        .client
        .query(&TradeQuery::by_out_trade_no(otn("QR_0001")))
        .await
        .unwrap();
    assert_eq!(after.trade_status, TradeStatus::TradeClosed);
    let err = fx.sim.pay(APP_ID, "QR_0001").unwrap_err();
    assert!(err.to_string().contains("ACQ.TRADE_HAS_CLOSE"), "{err}");
    // Closing a page-pay request no buyer opened: the trade does not exist yet.
    let page = PagePay::new("x", otn("NEVER_OPENED"), amount("1.00")).unwrap();
    open(&fx.http, &fx.alipay.page_pay_url(&page).unwrap()).await;
    let err = fx
        .client
        .close(&TradeClose::by_out_trade_no(otn("NEVER_OPENED")))
        .await
        .unwrap_err();
    assert!(err.as_business().unwrap().is_trade_not_exist());
}

#[actix_web::test]
async fn wap_pay_shows_the_cashier_and_a_deadline_is_enforced() {
    let fx = start().await;
    let mut wap = WapPay::new("手机课程", otn("WAP_0001"), amount("5.00")).unwrap();
    wap.timeout_express = Some("15m".into());
    let html = open(&fx.http, &fx.alipay.wap_pay_url(&wap).unwrap()).await;
    assert!(html.contains("手机课程") && html.contains("5.00"));
    fx.sim.open(APP_ID, "WAP_0001").unwrap();
    fx.sim.advance(chrono::Duration::minutes(16));
    let err = fx.sim.pay(APP_ID, "WAP_0001").unwrap_err();
    assert!(err.to_string().contains("ACQ.TRADE_HAS_CLOSE"), "{err}");
    let status = fx
        .client
        .query(&TradeQuery::by_out_trade_no(otn("WAP_0001")))
        .await
        .unwrap();
    assert_eq!(status.trade_status, TradeStatus::TradeClosed);
}
