//! Payments under faults: repeated, concurrent, forged and lost notifies, timeouts and their
//! races, restarts, and several servers on one database.

use crate::shop::{APP_ID, TIMEOUT_SECS, post_notify_to};
use alipay_sim::NotifyFault;
use luffy_domain::order::OrderStatus;

shop_tests! {
    async fn repeated_and_concurrent_notifies_move_the_order_once(shop) {
        let linux = shop.catalog.linux;
        let students = shop.students(linux);
        shop.sim.inject_fault(NotifyFault::Drop);
        let (out_trade_no, _) = shop.buy(linux, "99.00").await;
        let body = shop.sim.deliveries()[0].body.clone();
        let (status, text) = shop.post_notify(&body).await;
        assert_eq!((status, text.as_str()), (200, "success"));
        let first = shop.stored(&out_trade_no);
        for _ in 0..4 {
            assert_eq!(shop.post_notify(&body).await.1, "success");
        }
        let together = futures_util::future::join_all((0..3).map(|_| shop.post_notify(&body))).await;
        assert!(together.iter().all(|(s, t)| *s == 200 && t == "success"), "{together:?}");
        let after = shop.stored(&out_trade_no);
        assert_eq!(after.pay_time, first.pay_time);
        assert_eq!(after.trade_no, first.trade_no);
        assert_eq!(shop.grants(&out_trade_no), 1);
        assert_eq!(shop.students(linux), students + 1);
        let audit = shop.audit(&out_trade_no);
        assert_eq!(audit.iter().filter(|o| *o == "paid").count(), 1, "{audit:?}");
        assert_eq!(audit.iter().filter(|o| *o == "duplicate").count(), 7, "{audit:?}");

        // A later TRADE_FINISHED for the same trade is a no-op.
        let finished = shop.signed_notify(&out_trade_no, "99.00", &[("trade_status", "TRADE_FINISHED"), ("trade_no", first.trade_no.as_deref().unwrap())]);
        assert_eq!(shop.post_notify(&finished).await.1, "success");
        assert_eq!(shop.stored(&out_trade_no).status(), OrderStatus::Paid);
        assert_eq!(shop.grants(&out_trade_no), 1);
    }

    async fn forged_and_mismatched_notifies_change_nothing(shop) {
        let (out_trade_no, _) = shop.order(shop.catalog.linux, "99.00").await;
        let good = shop.signed_notify(&out_trade_no, "99.00", &[]);
        let forged = good.replace("trade_status=TRADE_SUCCESS", "trade_status=TRADE_SUCCESS&extra=1");
        let cases = [
            (forged, "bad_signature"),
            (shop.signed_notify(&out_trade_no, "99.00", &[("app_id", "2099000000000000")]), "mismatch"),
            (shop.signed_notify(&out_trade_no, "99.00", &[("seller_id", "2088000000000000")]), "mismatch"),
            (shop.signed_notify(&out_trade_no, "0.01", &[]), "mismatch"),
            (shop.signed_notify("NO_SUCH_ORDER_1", "99.00", &[]), "unknown_order"),
        ];
        for (body, _) in &cases {
            let (status, text) = shop.post_notify(body).await;
            assert_eq!((status, text.as_str()), (200, "failed"), "{body}");
        }
        // A verified WAIT_BUYER_PAY is acknowledged, and is no payment.
        let waiting = shop.signed_notify(&out_trade_no, "99.00", &[("trade_status", "WAIT_BUYER_PAY")]);
        assert_eq!(shop.post_notify(&waiting).await.1, "success");
        assert_eq!(shop.stored(&out_trade_no).status(), OrderStatus::Unpaid);
        assert_eq!(shop.grants(&out_trade_no), 0);
        let audit = shop.audit(&out_trade_no);
        assert_eq!(audit, vec!["mismatch", "mismatch", "mismatch", "ignored"], "{audit:?}");
        let mut conn = shop.app.db();
        assert_eq!(luffy_db::orders::PaymentEvent::count_outcome(&mut conn, "bad_signature").unwrap(), 1);
        assert_eq!(luffy_db::orders::PaymentEvent::count_outcome(&mut conn, "unknown_order").unwrap(), 1);
    }

    async fn a_bad_signature_flood_is_throttled_but_a_valid_notify_gets_through(shop) {
        let (out_trade_no, _) = shop.order(shop.catalog.linux, "99.00").await;
        let valid = shop.signed_notify(&out_trade_no, "99.00", &[]);
        let forged = valid.replace("buyer_id=", "buyer_id=1");
        // Start at the beginning of a throttle window (fixed, one minute), so the flood cannot
        // straddle two windows.
        let now = shop.sim.clock().now().timestamp();
        shop.advance(60 - now.rem_euclid(60));
        let mut throttled = 0;
        for _ in 0..30 {
            if shop.post_notify(&forged).await.0 == 429 {
                throttled += 1;
            }
        }
        assert_eq!(throttled, 10, "20 bad signatures a minute are heard, the rest refused");
        assert_eq!(shop.post_notify(&valid).await, (200, "success".to_owned()));
        assert_eq!(shop.stored(&out_trade_no).status(), OrderStatus::Paid);
    }

    async fn a_lost_notify_is_reconciled_by_the_second_check_and_the_sweeper(shop) {
        shop.sim.inject_fault(NotifyFault::Drop);
        let (paid_no, payment) = shop.buy(shop.catalog.linux, "99.00").await;
        assert_eq!(shop.stored(&paid_no).status(), OrderStatus::Unpaid);
        let check = shop.second_check(&payment.return_query).await;
        assert_eq!(check["code"], 100, "{check}");
        assert_eq!(shop.stored(&paid_no).status(), OrderStatus::Paid);
        assert_eq!(shop.audit(&paid_no), vec!["paid"]);

        // Not paid at Alipay (waiting for the buyer): 101.
        let (waiting_no, pay_url) = shop.order(shop.catalog.visible[0], &price_of(&shop, shop.catalog.visible[0]).await).await;
        shop.open_cashier(&pay_url).await;
        let check = shop.second_check(&format!("out_trade_no={waiting_no}")).await;
        assert_eq!(check, serde_json::json!({"code": 101, "msg": "暂未收到您的付款，请稍后刷新再试"}));

        // The sweeper, with no second check: pay with the notify lost, then let it look.
        shop.sim.inject_fault(NotifyFault::Drop);
        shop.sim.pay(APP_ID, &waiting_no).unwrap();
        let report = luffy_server::service::orders::reconcile::sweep_once(&shop.app.state).await.unwrap();
        assert_eq!(report.examined, 0, "not due before its first reconciliation");
        shop.advance(61);
        let report = luffy_server::service::orders::reconcile::sweep_once(&shop.app.state).await.unwrap();
        assert_eq!((report.examined, report.paid), (1, 1), "{report:?}");
        assert_eq!(shop.stored(&waiting_no).status(), OrderStatus::Paid);
    }

    async fn unpaid_orders_time_out_unless_alipay_says_paid(shop) {
        let linux = shop.catalog.linux;
        // Plain timeout: opened, never paid.
        let (unpaid_no, pay_url) = shop.order(linux, "99.00").await;
        shop.open_cashier(&pay_url).await;
        shop.sim.open(APP_ID, &unpaid_no).unwrap();
        // Never opened by a buyer: the trade does not exist at Alipay yet.
        let first_other = shop.catalog.visible.iter().copied().find(|id| *id != linux).unwrap();
        let (unopened_no, _) = shop.order(first_other, &price_of(&shop, first_other).await).await;
        // Race: paid at Alipay, notify lost; the sweeper must not time it out.
        let mut other = None;
        for id in shop.catalog.visible.iter().copied().filter(|id| *id != linux && *id != first_other) {
            let price = price_of(&shop, id).await;
            if price != "0.00" && other.is_none() {
                other = Some((id, price));
            }
        }
        let (other, other_price) = other.unwrap();
        shop.sim.inject_fault(NotifyFault::Drop);
        let (raced_no, _) = shop.buy(other, &other_price).await;
        shop.advance(TIMEOUT_SECS + 1);
        let sweep = luffy_server::service::orders::reconcile::sweep_once(&shop.app.state).await.unwrap();
        assert_eq!((sweep.timed_out, sweep.paid), (2, 1), "{sweep:?}");
        assert_eq!(shop.stored(&unopened_no).status(), OrderStatus::TimedOut);
        assert!(shop.sim.pay(APP_ID, &unopened_no).is_err(), "past its time_expire it cannot be paid");
        assert_eq!(shop.stored(&unpaid_no).status(), OrderStatus::TimedOut);
        assert_eq!(shop.stored(&raced_no).status(), OrderStatus::Paid);
        assert_eq!(
            shop.sim.trade(APP_ID, &unpaid_no).unwrap().status(),
            Some(alipay_sdk::TradeStatus::TradeClosed)
        );
        let refused = shop.sim.pay(APP_ID, &unpaid_no).unwrap_err();
        assert!(refused.to_string().contains("ACQ.TRADE_HAS_CLOSE"), "{refused}");
        let again = luffy_server::service::orders::reconcile::sweep_once(&shop.app.state).await.unwrap();
        assert_eq!(again.examined, 0, "each order is closed once");

        // Late: a valid payment notify for the timed-out order is honoured and flagged.
        let late = shop.signed_notify(&unpaid_no, "99.00", &[]);
        assert_eq!(shop.post_notify(&late).await.1, "success");
        let order = shop.stored(&unpaid_no);
        assert_eq!(order.status(), OrderStatus::Paid);
        assert!(order.paid_late);
        assert_eq!(shop.audit(&unpaid_no), vec!["timed_out", "paid_late"]);
        assert_eq!(shop.grants(&unpaid_no), 1);
    }

    async fn three_servers_share_one_database_safely(shop) {
        let linux = shop.catalog.linux;
        let students = shop.students(linux);
        let mut replicas = shop.replicas(2).await.into_iter();
        let (second, third) = (replicas.next().unwrap(), replicas.next().unwrap());
        let servers = [shop.app.address.clone(), second.address.clone(), third.address.clone()];

        // The same notify, 20 times at once, spread over the three servers.
        shop.sim.inject_fault(NotifyFault::Drop);
        let (out_trade_no, _) = shop.buy(linux, "99.00").await;
        let body = shop.sim.deliveries()[0].body.clone();
        let answers = futures_util::future::join_all(
            (0..20).map(|i| post_notify_to(&shop.app.client, &servers[i % 3], &body)),
        )
        .await;
        assert!(answers.iter().all(|(s, t)| *s == 200 && t == "success"), "{answers:?}");
        assert_eq!(shop.grants(&out_trade_no), 1);
        assert_eq!(shop.students(linux), students + 1);
        assert_eq!(shop.audit(&out_trade_no).iter().filter(|o| *o == "paid").count(), 1);

        // Unpaid orders past their timeout, swept by all three at once: each closed once.
        let mut unpaid = Vec::new();
        for &course in &shop.catalog.visible {
            let price = price_of(&shop, course).await;
            if course == linux || price == "0.00" || unpaid.len() == 3 {
                continue;
            }
            let (no, _) = shop.order(course, &price).await;
            unpaid.push(no);
        }
        assert_eq!(unpaid.len(), 3);
        shop.advance(TIMEOUT_SECS + 1);
        let sweeps = futures_util::future::join_all([
            luffy_server::service::orders::reconcile::sweep_once(&shop.app.state),
            luffy_server::service::orders::reconcile::sweep_once(&second.state),
            luffy_server::service::orders::reconcile::sweep_once(&third.state),
        ])
        .await;
        let timed_out: usize = sweeps.iter().map(|r| r.as_ref().unwrap().timed_out).sum();
        let examined: usize = sweeps.iter().map(|r| r.as_ref().unwrap().examined).sum();
        assert_eq!((timed_out, examined), (unpaid.len(), unpaid.len()), "{sweeps:?}");
        for no in &unpaid {
            assert_eq!(shop.stored(no).status(), OrderStatus::TimedOut);
            assert_eq!(shop.audit(no), vec!["timed_out"]);
        }
    }

    async fn a_restart_between_order_and_notify_loses_nothing(shop) {
        // The order is created, then the server that made it stops; a new one starts on the
        // same database and port (Alipay keeps the notify URL), and the notify completes it.
        let port = free_port();
        let settings: Vec<(String, String)> = crate::shop::alipay_settings(shop.keys.path(), &shop.running.gateway_url);
        let mut borrowed: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let bind = format!("127.0.0.1:{port}");
        borrowed.push(("LUFFY_BIND", &bind));
        let clock = || -> Option<std::sync::Arc<dyn luffy_domain::Clock>> { Some(std::sync::Arc::new(crate::shop::SimTime(shop.sim.clone()))) };
        let first = shop.app.spawn_replica(&borrowed, clock()).await;
        let (_, body) = shop
            .app
            .client
            .post(format!("{}/api/v1/order/pay/", first.address))
            .header("authorization", &shop.auth)
            .json(&serde_json::json!({"courses": [shop.catalog.linux], "total_amount": "99.00"}))
            .send()
            .await
            .map(|r| ((), r))
            .unwrap();
        let body: serde_json::Value = body.json().await.unwrap();
        let pay_url = body["pay_url"].as_str().unwrap().to_owned();
        let out_trade_no = crate::shop::out_trade_no_of(&pay_url);
        first.handle.stop(true).await;
        shop.open_cashier(&pay_url).await;
        shop.sim.pay(APP_ID, &out_trade_no).unwrap();
        let lost = shop.sim.deliver_pending().await;
        assert!(!lost[0].acknowledged, "nobody listens while the server is down");
        let _restarted = shop.app.spawn_replica(&borrowed, clock()).await;
        shop.advance(alipay_sim::RETRY_SCHEDULE_SECS[0]);
        let retried = shop.sim.deliver_pending().await;
        assert!(retried[0].acknowledged, "{retried:?}");
        assert_eq!(shop.stored(&out_trade_no).status(), OrderStatus::Paid);
        assert_eq!(shop.grants(&out_trade_no), 1);
    }
}

async fn price_of(shop: &crate::shop::Shop, course: i64) -> String {
    shop.app
        .get_json(&format!("/api/v1/course/actual/{course}/"))
        .await
        .1["price"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
