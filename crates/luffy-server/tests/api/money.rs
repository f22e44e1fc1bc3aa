//! Money is never kept twice: one open order per buyer and course, every payment that cannot
//! become a grant refunded automatically, and the refund ledger equal to Alipay's — on both
//! backends, the races across three servers on one database.

use crate::shop::{APP_ID, Shop};
use alipay_sim::{GatewayFault, GatewayFaultMode, NotifyFault};
use diesel::prelude::*;
use luffy_db::orders::Orders;
use luffy_domain::order::OrderStatus;
use serde_json::{Value, json};

/// A course of the shop with a price, not `except`.
async fn priced_course(shop: &Shop, except: &[i64]) -> (i64, String) {
    for &id in &shop.catalog.visible {
        let price = shop
            .app
            .get_json(&format!("/api/v1/course/actual/{id}/"))
            .await
            .1["price"]
            .as_str()
            .unwrap()
            .to_owned();
        if price != "0.00" && !except.contains(&id) {
            return (id, price);
        }
    }
    panic!("no priced course");
}

/// Waits (bounded) until the order's automatic refund has been confirmed by Alipay.
async fn until_status(shop: &Shop, out_trade_no: &str, status: OrderStatus) {
    for _ in 0..100 {
        if shop.stored(out_trade_no).status() == status {
            return;
        }
        luffy_server::service::orders::refund::sweep_refunds_once(&shop.app.state)
            .await
            .unwrap();
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!(
        "{out_trade_no} never became {status}: {:?}",
        shop.stored(out_trade_no)
    );
}

/// The buyer's view of an order.
async fn my_order(shop: &Shop, out_trade_no: &str) -> Value {
    let (_, body) = shop
        .app
        .send_json(
            reqwest::Method::GET,
            &format!("/api/v1/order/{out_trade_no}/"),
            &json!({}),
            Some(&shop.auth),
        )
        .await;
    assert_eq!(body["code"], 100, "{body}");
    body["data"].clone()
}

/// Money kept at the simulator for a trade: captured less refunded, in fen.
fn kept(shop: &Shop, out_trade_no: &str) -> u64 {
    let Some(trade) = shop.sim.trade(APP_ID, out_trade_no) else {
        return 0;
    };
    if trade.paid_at.is_none() {
        return 0;
    }
    trade.total_amount.fen() - trade.refunded().fen()
}

/// Sum of the order's succeeded refund requests, in fen.
fn ledger(shop: &Shop, out_trade_no: &str) -> i64 {
    let order = shop.stored(out_trade_no);
    Orders::refunds_of(&mut shop.app.db(), &[order.id])
        .unwrap()
        .iter()
        .filter(|refund| refund.succeeded())
        .map(|refund| refund.amount)
        .sum()
}

async fn staff_auth(shop: &Shop) -> String {
    shop.app
        .create_user("staff", "staff-pass", None, None, true);
    format!("jwt {}", shop.app.login("staff", "staff-pass").await)
}

shop_tests! {
    async fn one_buyer_gets_one_open_order_per_course_across_servers(shop) {
        let (course, price) = priced_course(&shop, &[]).await;
        let students = shop.students(course);
        let replicas = shop.replicas(2).await;
        let servers = [shop.app.address.clone(), replicas[0].address.clone(), replicas[1].address.clone()];
        let body = json!({"courses": [course], "total_amount": price});
        let answers = futures_util::future::join_all((0..20).map(|i| {
            let request = shop.app.client.post(format!("{}/api/v1/order/pay/", servers[i % 3])).header("authorization", &shop.auth).json(&body);
            async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
        }))
        .await;
        let mut numbers: Vec<String> = answers
            .iter()
            .map(|answer| {
                assert_eq!(answer["code"], 100, "{answer}");
                crate::shop::out_trade_no_of(answer["pay_url"].as_str().unwrap())
            })
            .collect();
        numbers.dedup();
        assert_eq!(numbers.len(), 1, "twenty requests, one open order: {numbers:?}");
        assert_eq!(Orders::count_all(&mut shop.app.db()).unwrap(), 1);
        // Every URL pays the same trade; paying it grants the course once.
        shop.open_cashier(answers[7]["pay_url"].as_str().unwrap()).await;
        shop.sim.pay(APP_ID, &numbers[0]).unwrap();
        shop.sim.deliver_pending().await;
        assert_eq!(shop.grants(&numbers[0]), 1);
        assert_eq!(shop.students(course), students + 1);
        let (_, again) = shop.app.send_json(reqwest::Method::POST, "/api/v1/order/pay/", &body, Some(&shop.auth)).await;
        assert_eq!(again["code"], 999, "an owned course is not sold again: {again}");
    }

    async fn another_cart_replaces_the_open_order_and_its_late_payment_goes_back(shop) {
        let (first, first_price) = priced_course(&shop, &[]).await;
        let (second, second_price) = priced_course(&shop, &[first]).await;
        let (old_no, old_url) = shop.order(first, &first_price).await;
        let total = (first_price.parse::<luffy_domain::Money>().unwrap().fen() + second_price.parse::<luffy_domain::Money>().unwrap().fen()) as f64 / 100.0;
        let both = shop.pay(json!({"courses": [first, second], "total_amount": format!("{total:.2}")})).await;
        assert_eq!(both["code"], 100, "{both}");
        let new_no = crate::shop::out_trade_no_of(both["pay_url"].as_str().unwrap());
        assert_ne!(new_no, old_no);
        assert_eq!(shop.stored(&old_no).status(), OrderStatus::Cancelled, "the old order is closed first");
        assert_eq!(shop.audit(&old_no), vec!["superseded"]);

        // The old cashier was never opened, so closing it found no trade: the buyer can still
        // open and pay it. That money goes back by itself, and grants nothing.
        shop.open_cashier(&old_url).await;
        shop.sim.pay(APP_ID, &old_no).unwrap();
        shop.sim.deliver_pending().await;
        until_status(&shop, &old_no, OrderStatus::Refunded).await;
        assert_eq!(shop.grants(&old_no), 0);
        assert_eq!(kept(&shop, &old_no), 0, "Alipay gave it all back");
        assert_eq!(ledger(&shop, &old_no), shop.stored(&old_no).total_amount);
        let view = my_order(&shop, &old_no).await;
        assert_eq!(view["order_status_name"], "已退款");
        assert_eq!(view["refund_reason"], "订单已取消，款项已原路退回");
        assert_eq!(view["refunds"][0]["automatic"], true);
        assert_eq!(view["refunds"][0]["status"], "succeeded");
        assert_eq!(view["refunds"][0]["out_request_no"], format!("{old_no}_auto"));
        assert!(shop.audit(&old_no).contains(&"refund_due".to_owned()));

        // The new order pays normally.
        let (_, staff_view) = shop.app.send_json(reqwest::Method::GET, &format!("/api/v1/admin/orders/{old_no}/"), &json!({}), Some(&staff_auth(&shop).await)).await;
        assert_eq!(staff_view["data"]["refunds"][0]["reason"], "订单已取消，款项已原路退回", "{staff_view}");
        assert!(staff_view["data"]["events"].as_array().unwrap().iter().any(|e| e["outcome"] == "refunded"));
    }

    async fn an_open_order_paid_meanwhile_is_not_replaced(shop) {
        let (first, first_price) = priced_course(&shop, &[]).await;
        let (second, second_price) = priced_course(&shop, &[first]).await;
        shop.sim.inject_fault(NotifyFault::Drop);
        let (paid_no, _) = shop.buy(first, &first_price).await;
        let total = (first_price.parse::<luffy_domain::Money>().unwrap().fen() + second_price.parse::<luffy_domain::Money>().unwrap().fen()) as f64 / 100.0;
        let both = shop.pay(json!({"courses": [first, second], "total_amount": format!("{total:.2}")})).await;
        assert_eq!(both["code"], 999, "{both}");
        assert_eq!(both["msg"], "您已购买过该课程");
        assert_eq!(shop.stored(&paid_no).status(), OrderStatus::Paid, "the payment was found and applied");
        assert_eq!(shop.grants(&paid_no), 1);
        assert_eq!(Orders::count_all(&mut shop.app.db()).unwrap(), 1);
    }

    async fn cancel_and_pay_race_both_ways(shop) {
        let (course, price) = priced_course(&shop, &[]).await;
        let students = shop.students(course);
        // Cancel, then pay on a cashier opened afterwards: the money goes back, nothing granted.
        let (cancelled_no, url) = shop.order(course, &price).await;
        let path = format!("/api/v1/order/{cancelled_no}/cancel/");
        let (_, cancelled) = shop.app.send_json(reqwest::Method::POST, &path, &json!({}), Some(&shop.auth)).await;
        assert_eq!(cancelled["data"]["status"], "cancelled", "{cancelled}");
        shop.open_cashier(&url).await;
        shop.sim.pay(APP_ID, &cancelled_no).unwrap();
        shop.sim.deliver_pending().await;
        until_status(&shop, &cancelled_no, OrderStatus::Refunded).await;
        assert_eq!(shop.grants(&cancelled_no), 0);
        assert_eq!(shop.students(course), students);
        assert_eq!(kept(&shop, &cancelled_no), 0);

        // The cashier page still open in the browser, cancel, then Pay pressed on it: the
        // trade did not exist at Alipay yet, so the close could not stop it; the money goes back.
        let (open_page_no, url) = shop.order(course, &price).await;
        shop.open_cashier(&url).await;
        let path = format!("/api/v1/order/{open_page_no}/cancel/");
        let (_, cancelled) = shop.app.send_json(reqwest::Method::POST, &path, &json!({}), Some(&shop.auth)).await;
        assert_eq!(cancelled["data"]["status"], "cancelled", "{cancelled}");
        shop.sim.pay(APP_ID, &open_page_no).unwrap();
        shop.sim.deliver_pending().await;
        until_status(&shop, &open_page_no, OrderStatus::Refunded).await;
        assert_eq!(shop.grants(&open_page_no), 0);
        assert_eq!(kept(&shop, &open_page_no), 0);

        // A trade that exists at Alipay (the buyer logged in on the cashier), then cancel:
        // closing it makes the cashier unpayable.
        let (closed_no, url) = shop.order(course, &price).await;
        shop.open_cashier(&url).await;
        shop.sim.open(APP_ID, &closed_no).unwrap();
        let path = format!("/api/v1/order/{closed_no}/cancel/");
        let (_, cancelled) = shop.app.send_json(reqwest::Method::POST, &path, &json!({}), Some(&shop.auth)).await;
        assert_eq!(cancelled["data"]["status"], "cancelled", "{cancelled}");
        let refused = shop.sim.pay(APP_ID, &closed_no).unwrap_err();
        assert!(refused.to_string().contains("ACQ.TRADE_HAS_CLOSE"), "{refused}");

        // Pay, then cancel: refused, the order is paid (even before the notify arrives).
        shop.sim.inject_fault(NotifyFault::Drop);
        let (paid_no, _) = shop.buy(course, &price).await;
        let path = format!("/api/v1/order/{paid_no}/cancel/");
        let (_, refused) = shop.app.send_json(reqwest::Method::POST, &path, &json!({}), Some(&shop.auth)).await;
        assert_eq!(refused["code"], 999, "{refused}");
        assert_eq!(shop.stored(&paid_no).status(), OrderStatus::Paid);
        assert_eq!(shop.grants(&paid_no), 1);
        assert_eq!(shop.students(course), students + 1);
    }

    async fn a_cancelled_order_paid_with_its_notify_lost_is_found_and_refunded(shop) {
        let (course, price) = priced_course(&shop, &[]).await;
        let (no, url) = shop.order(course, &price).await;
        shop.open_cashier(&url).await;
        let path = format!("/api/v1/order/{no}/cancel/");
        let (_, cancelled) = shop.app.send_json(reqwest::Method::POST, &path, &json!({}), Some(&shop.auth)).await;
        assert_eq!(cancelled["data"]["status"], "cancelled", "{cancelled}");
        shop.sim.inject_fault(NotifyFault::Drop);
        shop.sim.pay(APP_ID, &no).unwrap();
        // No notify: the sweeper keeps asking Alipay about a cancelled order until its deadline.
        shop.advance(61);
        let report = luffy_server::service::orders::reconcile::sweep_once(&shop.app.state).await.unwrap();
        assert_eq!(report.paid, 1, "{report:?}");
        until_status(&shop, &no, OrderStatus::Refunded).await;
        assert_eq!(kept(&shop, &no), 0);
        assert_eq!(shop.grants(&no), 0);
        // Past the deadline it is looked at one last time, then never again.
        let (other_no, _) = shop.order(course, &price).await;
        let other_path = format!("/api/v1/order/{other_no}/cancel/");
        shop.app.send_json(reqwest::Method::POST, &other_path, &json!({}), Some(&shop.auth)).await;
        shop.advance(crate::shop::TIMEOUT_SECS + 120);
        luffy_server::service::orders::reconcile::sweep_once(&shop.app.state).await.unwrap();
        shop.advance(120);
        luffy_server::service::orders::reconcile::sweep_once(&shop.app.state).await.unwrap();
        shop.advance(3600);
        let last = luffy_server::service::orders::reconcile::sweep_once(&shop.app.state).await.unwrap();
        assert_eq!(last.examined, 0, "{last:?}");
        assert_eq!(shop.stored(&other_no).status(), OrderStatus::Cancelled);
    }

    async fn two_paid_orders_for_one_course_grant_it_once(shop) {
        // Two open orders for one course (as a database from before the one-open-order rule
        // may hold): both paid, one grants, the other is refunded.
        let (course, price) = priced_course(&shop, &[]).await;
        let students = shop.students(course);
        let (first_no, first_url) = shop.order(course, &price).await;
        diesel::update(luffy_db::schema::luffy_order_line::table)
            .set(luffy_db::schema::luffy_order_line::open_buyer_id.eq(None::<i64>))
            .execute(&mut shop.app.db())
            .unwrap();
        let (second_no, second_url) = shop.order(course, &price).await;
        assert_ne!(first_no, second_no);
        shop.open_cashier(&first_url).await;
        shop.open_cashier(&second_url).await;
        shop.sim.pay(APP_ID, &first_no).unwrap();
        shop.sim.pay(APP_ID, &second_no).unwrap();
        shop.sim.deliver_pending().await;
        until_status(&shop, &second_no, OrderStatus::Refunded).await;
        assert_eq!(shop.stored(&first_no).status(), OrderStatus::Paid);
        assert_eq!(shop.grants(&first_no) + shop.grants(&second_no), 1);
        assert_eq!(shop.students(course), students + 1, "one buyer counts once");
        assert_eq!(kept(&shop, &first_no) + kept(&shop, &second_no), shop.stored(&first_no).total_amount as u64, "one price kept");
        assert_eq!(my_order(&shop, &second_no).await["refund_reason"], "已通过其他订单购买该课程，款项已原路退回");
    }

    async fn a_notify_with_another_orders_trade_is_a_mismatch(shop) {
        let (course, price) = priced_course(&shop, &[]).await;
        let (paid_no, _) = shop.buy(course, &price).await;
        shop.sim.deliver_pending().await;
        let trade_no = shop.stored(&paid_no).trade_no.unwrap();
        let (other, other_price) = priced_course(&shop, &[course]).await;
        let (open_no, _) = shop.order(other, &other_price).await;
        let forged = shop.signed_notify(&open_no, &other_price, &[("trade_no", &trade_no)]);
        let (status, answer) = shop.post_notify(&forged).await;
        assert_eq!((status, answer.as_str()), (200, "failed"));
        assert_eq!(shop.stored(&open_no).status(), OrderStatus::Unpaid, "nothing changed");
        assert_eq!(shop.audit(&open_no), vec!["mismatch"]);
    }

    async fn concurrent_partial_refunds_keep_the_ledger_equal_to_alipays(shop) {
        let linux = shop.catalog.linux;
        diesel::update(luffy_db::schema::luffy_course::table.find(linux))
            .set(luffy_db::schema::luffy_course::price.eq(29950))
            .execute(&mut shop.app.db())
            .unwrap();
        let (out_trade_no, _) = shop.buy(linux, "299.50").await;
        shop.sim.deliver_pending().await;
        let staff = staff_auth(&shop).await;
        let replicas = shop.replicas(2).await;
        let servers = [shop.app.address.clone(), replicas[0].address.clone(), replicas[1].address.clone()];
        // Some answers are lost on the way back: those refunds happened at Alipay, but the
        // shop only learns it when it asks again.
        shop.sim.inject_gateway_fault(GatewayFault { method: "alipay.trade.refund".into(), mode: GatewayFaultMode::LostAnswer, times: 3 });
        shop.sim.inject_gateway_fault(GatewayFault { method: "alipay.trade.refund".into(), mode: GatewayFaultMode::Unavailable, times: 2 });
        let answers = futures_util::future::join_all((0..50).map(|i| {
            let request = shop.app.client
                .post(format!("{}/api/v1/admin/orders/{out_trade_no}/refund/", servers[i % 3]))
                .header("authorization", &staff)
                .json(&json!({"out_request_no": format!("R_{i}"), "amount": "10.00"}));
            async move {
                let response = request.send().await.unwrap();
                (response.status().as_u16(), response.json::<Value>().await.unwrap())
            }
        }))
        .await;
        let ok = answers.iter().filter(|(_, a)| a["code"] == 100).count();
        let unanswered = answers.iter().filter(|(s, _)| *s == 503).count();
        assert!(ok + unanswered <= 29, "at most 29 of 10.00 fit in 299.50: {ok} + {unanswered}");
        assert_eq!(unanswered, 5, "{answers:?}");
        // What was told succeeded is in both ledgers; pending ones count against the rest.
        let trade = shop.sim.trade(APP_ID, &out_trade_no).unwrap();
        assert!(trade.refunded().fen() as i64 >= ledger(&shop, &out_trade_no));
        assert_eq!(ledger(&shop, &out_trade_no), ok as i64 * 1000);
        // The sweeper asks again until every pending refund is answered.
        shop.advance(120);
        let mut rounds = 0;
        loop {
            luffy_server::service::orders::refund::sweep_refunds_once(&shop.app.state).await.unwrap();
            let pending = Orders::refunds_of(&mut shop.app.db(), &[shop.stored(&out_trade_no).id]).unwrap().iter().filter(|r| r.is_pending()).count();
            if pending == 0 {
                break;
            }
            rounds += 1;
            assert!(rounds < 10, "refunds still pending");
            shop.advance(3600);
        }
        let trade = shop.sim.trade(APP_ID, &out_trade_no).unwrap();
        let order = shop.stored(&out_trade_no);
        assert_eq!(ledger(&shop, &out_trade_no), trade.refunded().fen() as i64, "the ledger equals Alipay's");
        assert_eq!(order.refunded_amount, trade.refunded().fen() as i64);
        assert_eq!(order.refunded_amount, (ok + unanswered) as i64 * 1000);
        assert!(order.refunded_amount <= order.total_amount);
        assert_eq!(order.status(), OrderStatus::PartiallyRefunded);
        // The refund notifies settle nothing twice.
        shop.sim.deliver_pending().await;
        assert_eq!(shop.stored(&out_trade_no).refunded_amount, order.refunded_amount);
        let view = my_order(&shop, &out_trade_no).await;
        assert_eq!(view["refunds"].as_array().unwrap().len(), ok + unanswered);
    }
}
