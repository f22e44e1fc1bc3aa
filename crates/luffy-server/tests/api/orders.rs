//! The purchase, end to end against the Alipay simulator: pay, notify, second check, bad carts,
//! auth, my orders and refunds.

use crate::shop::{APP_ID, biz_content_of};
use luffy_domain::order::OrderStatus;
use serde_json::json;

shop_tests! {
    async fn the_order_aliases_reach_the_same_handlers(shop) {
        let linux = shop.catalog.linux;
        let cart = json!({"courses": [linux], "total_amount": "99.00", "pay_type": 1});
        let (status, body) = shop.app.send_json(reqwest::Method::POST, "/api/v1/order/alipay/", &cart, Some(&shop.auth)).await;
        assert_eq!((status, &body["code"]), (200, &json!(100)), "{body}");
        let out_trade_no = biz_content_of(body["pay_url"].as_str().unwrap())["out_trade_no"].clone();
        for path in ["/api/v1/order/", "/api/v1/order/list", "/api/v1/order/list/"] {
            let (_, mine) = shop.app.send_json(reqwest::Method::GET, path, &json!({}), Some(&shop.auth)).await;
            assert_eq!(mine["data"]["results"][0]["out_trade_no"], out_trade_no, "{path}: {mine}");
        }
        for path in ["/api/v1/order/success/", "/api/v1/order/pay/success/"] {
            let (status, _) = shop.app.send_json(reqwest::Method::POST, path, &json!({}), None).await;
            assert_eq!(status, 200, "{path}: the notify handler answers (failed), not 404");
        }
        let (status, _) = shop.app.send_json(reqwest::Method::POST, "/api/v1/order/pay/extra/", &json!({}), None).await;
        assert_eq!(status, 404);
    }

    async fn happy_path_pays_grants_and_counts_once(shop) {
        let linux = shop.catalog.linux;
        let students_before = shop.students(linux);
        let body = shop.pay(json!({"courses": [linux], "total_amount": "99.00", "subject": "Linux", "pay_type": 1})).await;
        assert_eq!(body["code"], 100, "{body}");
        let pay_url = body["pay_url"].as_str().unwrap();
        assert!(pay_url.starts_with(&shop.running.gateway_url), "{pay_url}");
        let biz = biz_content_of(pay_url);
        assert_eq!(biz["total_amount"], "99.00");
        assert_eq!(biz["product_code"], "FAST_INSTANT_TRADE_PAY");
        assert!(biz["time_expire"].is_string(), "the Alipay trade closes with the order: {biz}");
        let out_trade_no = biz["out_trade_no"].as_str().unwrap().to_owned();
        assert!(out_trade_no.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
        let order = shop.stored(&out_trade_no);
        assert_eq!(order.status(), OrderStatus::Unpaid);
        assert_eq!(order.total_amount, 9900);

        shop.open_cashier(pay_url).await;
        let payment = shop.sim.pay(APP_ID, &out_trade_no).unwrap();
        let reports = shop.sim.deliver_pending().await;
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].answer, "success", "the bare 7 bytes");
        assert!(reports[0].acknowledged);

        let paid = shop.stored(&out_trade_no);
        assert_eq!(paid.status(), OrderStatus::Paid);
        assert_eq!(paid.trade_no, payment.trade.trade_no);
        assert!(paid.pay_time.is_some());
        assert!(!paid.paid_late);
        assert_eq!(shop.grants(&out_trade_no), 1);
        assert_eq!(shop.students(linux), students_before + 1);
        assert_eq!(shop.audit(&out_trade_no), vec!["paid"]);

        let check = shop.second_check(&payment.return_query).await;
        assert_eq!(check, json!({"code": 100, "msg": "ok"}));

        let (_, mine) = shop.app.send_json(reqwest::Method::GET, "/api/v1/order/", &json!({}), Some(&shop.auth)).await;
        assert_eq!(mine["data"]["count"], 1, "{mine}");
        let listed = &mine["data"]["results"][0];
        assert_eq!(listed["out_trade_no"], out_trade_no.as_str());
        assert_eq!(listed["order_status"], 1);
        assert_eq!(listed["total_amount"], "99.00");
        assert_eq!(listed["courses"][0]["id"], linux);
        assert_eq!(listed["courses"][0]["real_price"], "99.00");
        let detail_path = format!("/api/v1/order/{out_trade_no}/");
        let (_, detail) = shop.app.send_json(reqwest::Method::GET, &detail_path, &json!({}), Some(&shop.auth)).await;
        assert_eq!(detail["data"]["status"], "paid");

        // Another user sees none of it.
        shop.app.create_user("other", "other-pass", None, None, false);
        let other = format!("jwt {}", shop.app.login("other", "other-pass").await);
        let (_, theirs) = shop.app.send_json(reqwest::Method::GET, "/api/v1/order/", &json!({}), Some(&other)).await;
        assert_eq!(theirs["data"]["count"], 0);
        let (status, _) = shop.app.send_json(reqwest::Method::GET, &detail_path, &json!({}), Some(&other)).await;
        assert_eq!(status, 404);

        // Owning it now, buying it again is refused.
        let again = shop.pay(json!({"courses": [linux], "total_amount": "99.00"})).await;
        assert_eq!(again["code"], 999, "{again}");
    }

    async fn bad_carts_are_refused_and_store_nothing(shop) {
        let c = &shop.catalog;
        let cases = [
            (json!({"courses": [c.linux], "total_amount": "0.01"}), "价格有误"),
            (json!({"courses": [c.linux, c.linux], "total_amount": "198.00"}), "重复"),
            (json!({"courses": [c.hidden_course], "total_amount": "1.00"}), "不存在或已下架"),
            (json!({"courses": [c.deleted_course], "total_amount": "1.00"}), "不存在或已下架"),
            (json!({"courses": [999_999], "total_amount": "1.00"}), "不存在或已下架"),
            (json!({"courses": [], "total_amount": "0"}), "空"),
            (json!({"courses": [c.linux], "total_amount": "99.001"}), "total_amount: invalid amount"),
            (json!({"courses": "x", "total_amount": "99.00"}), "courses"),
            (json!({"courses": [c.linux], "total_amount": "99.00", "pay_type": 2}), "支付方式"),
        ];
        for (body, expected) in cases {
            let answer = shop.pay(body.clone()).await;
            assert_ne!(answer["code"], 100, "{body} → {answer}");
            assert!(answer["msg"].as_str().unwrap().contains(expected), "{body} → {answer}");
        }
        let mut conn = shop.app.db();
        assert_eq!(luffy_db::orders::Orders::count_all(&mut conn).unwrap(), 0, "nothing stored");
        let ok = shop.pay(json!({"courses": [c.linux], "total_amount": 99})).await;
        assert_eq!(ok["code"], 100, "a valid retry succeeds, with a number total: {ok}");
    }

    async fn concurrent_orders_each_stand_or_fall_alone(shop) {
        // Orders arriving together share a transaction (on SQLite); each is still priced,
        // refused or stored on its own, every pay URL names a stored order, and one buyer's
        // requests for one course share one open order.
        let c = &shop.catalog;
        let mut others = Vec::new();
        for id in c.visible.iter().copied().filter(|id| *id != c.linux) {
            let price = shop.app.get_json(&format!("/api/v1/course/actual/{id}/")).await.1["price"].as_str().unwrap().to_owned();
            if price != "0.00" && others.len() < 2 {
                others.push((id, price));
            }
        }
        let mut bodies = Vec::new();
        for n in 0..24 {
            bodies.push(match n % 3 {
                0 => json!({"courses": [c.linux], "total_amount": "99.00"}),
                1 => json!({"courses": [c.linux], "total_amount": "0.01"}),
                _ => json!({"courses": [c.linux, c.hidden_course], "total_amount": "100.00"}),
            });
        }
        for (other, price) in &others {
            bodies.push(json!({"courses": [other], "total_amount": price}));
        }
        let answers = futures_util::future::join_all(bodies.iter().map(|body| shop.pay(body.clone()))).await;
        let mut linux_orders = Vec::new();
        let mut other_orders = Vec::new();
        for (n, answer) in answers.iter().enumerate() {
            if n >= 24 || n % 3 == 0 {
                assert_eq!(answer["code"], 100, "{answer}");
                let out_trade_no = biz_content_of(answer["pay_url"].as_str().unwrap())["out_trade_no"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                let order = shop.stored(&out_trade_no);
                assert_eq!(order.status(), OrderStatus::Unpaid);
                if n < 24 {
                    assert_eq!(order.total_amount, 9900);
                    linux_orders.push(out_trade_no);
                } else {
                    other_orders.push(out_trade_no);
                }
            } else {
                assert_eq!(answer["code"], 999, "{answer}");
            }
        }
        linux_orders.dedup();
        assert_eq!(linux_orders.len(), 1, "eight requests for one course, one open order");
        other_orders.sort();
        other_orders.dedup();
        assert_eq!(other_orders.len(), 2, "other courses, orders of their own");
        let mut conn = shop.app.db();
        assert_eq!(luffy_db::orders::Orders::count_all(&mut conn).unwrap(), 3, "the refused carts stored nothing");
        use diesel::prelude::*;
        let lines: i64 = luffy_db::schema::luffy_order_line::table.count().get_result(&mut conn).unwrap();
        assert_eq!(lines, 3, "one line per stored order");
    }

    async fn order_creation_requires_a_valid_token(shop) {
        let body = json!({"courses": [shop.catalog.linux], "total_amount": "99.00"});
        let (_, none) = shop.app.post_json("/api/v1/order/pay/", &body).await;
        assert_eq!(none["code"], 999);
        for header in ["Bearer garbage", "jwt a.b.c", "jwt"] {
            let answer = shop.pay_as(header, body.clone()).await;
            assert_eq!(answer["code"], 999, "{header}: {answer}");
        }
        let foreign = {
            use jsonwebtoken::{EncodingKey, Header, encode};
            let claims = json!({"user_id": shop.buyer_id, "username": "buyer", "email": null, "exp": chrono::Utc::now().timestamp() + 3600});
            encode(&Header::default(), &claims, &EncodingKey::from_secret(b"another-secret-another-secret-0000")).unwrap()
        };
        assert_eq!(shop.pay_as(&format!("jwt {foreign}"), body.clone()).await["code"], 999);
        let mut conn = shop.app.db();
        assert_eq!(luffy_db::orders::Orders::count_all(&mut conn).unwrap(), 0);
        let upper = shop.auth.replacen("jwt", "JWT", 1);
        assert_eq!(shop.pay_as(&upper, body).await["code"], 100);
    }

    async fn a_buyer_cancels_an_unpaid_order_but_not_a_paid_one(shop) {
        let (open_no, pay_url) = shop.order(shop.catalog.linux, "99.00").await;
        shop.open_cashier(&pay_url).await;
        shop.sim.open(APP_ID, &open_no).unwrap();
        let path = format!("/api/v1/order/{open_no}/cancel/");
        shop.app.create_user("other", "other-pass", None, None, false);
        let other = format!("jwt {}", shop.app.login("other", "other-pass").await);
        let (status, _) = shop.app.send_json(reqwest::Method::POST, &path, &json!({}), Some(&other)).await;
        assert_eq!(status, 404, "not someone else's order");
        let (_, done) = shop.app.send_json(reqwest::Method::POST, &path, &json!({}), Some(&shop.auth)).await;
        assert_eq!(done["data"]["status"], "cancelled", "{done}");
        assert_eq!(shop.stored(&open_no).status(), OrderStatus::Cancelled);
        assert!(shop.sim.pay(APP_ID, &open_no).is_err(), "the trade was closed at Alipay first");
        let (_, again) = shop.app.send_json(reqwest::Method::POST, &path, &json!({}), Some(&shop.auth)).await;
        assert_eq!(again["code"], 999);

        // Paid at Alipay, notify lost: the cancel finds the payment and refuses.
        shop.sim.inject_fault(alipay_sim::NotifyFault::Drop);
        let (paid_no, _) = shop.buy(shop.catalog.linux, "99.00").await;
        let path = format!("/api/v1/order/{paid_no}/cancel/");
        let (_, refused) = shop.app.send_json(reqwest::Method::POST, &path, &json!({}), Some(&shop.auth)).await;
        assert_eq!(refused["code"], 999, "{refused}");
        assert_eq!(shop.stored(&paid_no).status(), OrderStatus::Paid);
    }

    async fn a_full_refund_is_idempotent_and_revokes_the_grant(shop) {
        let linux = shop.catalog.linux;
        let (out_trade_no, _) = shop.buy(linux, "99.00").await;
        shop.sim.deliver_pending().await;
        let students = shop.students(linux);
        shop.app.create_user("staff", "staff-pass", None, None, true);
        let staff = format!("jwt {}", shop.app.login("staff", "staff-pass").await);
        let path = format!("/api/v1/admin/orders/{out_trade_no}/refund/");
        let body = json!({"out_request_no": "R_FULL_1", "reason": "test"});

        let (_, refused) = shop.app.send_json(reqwest::Method::POST, &path, &body, Some(&shop.auth)).await;
        assert_eq!(refused["code"], 999, "buyers cannot refund: {refused}");

        let (_, done) = shop.app.send_json(reqwest::Method::POST, &path, &body, Some(&staff)).await;
        assert_eq!(done["code"], 100, "{done}");
        assert_eq!(done["data"]["status"], "refunded");
        assert_eq!(done["data"]["refunded_amount"], "99.00");
        let (_, again) = shop.app.send_json(reqwest::Method::POST, &path, &body, Some(&staff)).await;
        assert_eq!(again["code"], 100, "the same request again answers the same: {again}");
        assert_eq!(again["data"]["refunded_amount"], "99.00", "and refunds nothing more");
        let other = json!({"out_request_no": "R_FULL_2"});
        let (_, more) = shop.app.send_json(reqwest::Method::POST, &path, &other, Some(&staff)).await;
        assert_ne!(more["code"], 100, "a refunded order has nothing left: {more}");
        let trade = shop.sim.trade(APP_ID, &out_trade_no).unwrap();
        assert_eq!(trade.refunds.len(), 1, "Alipay refunded once");

        // The refund notify changes nothing more, and never brings the order back.
        shop.sim.deliver_pending().await;
        let order = shop.stored(&out_trade_no);
        assert_eq!(order.status(), OrderStatus::Refunded);
        assert_eq!(order.refunded_amount, 9900);
        assert_eq!(shop.grants(&out_trade_no), 0, "the grant is revoked");
        assert_eq!(shop.students(linux), students - 1);
        let (_, rebuy) = shop.app.send_json(reqwest::Method::POST, "/api/v1/order/pay/", &json!({"courses": [linux], "total_amount": "99.00"}), Some(&shop.auth)).await;
        assert_eq!(rebuy["code"], 100, "a refunded course can be bought again: {rebuy}");
    }

    async fn a_partial_refund_keeps_the_grant_and_repeats_refund_nothing(shop) {
        let go = shop.catalog.visible.iter().copied().find(|id| *id != shop.catalog.linux && *id != shop.catalog.first).unwrap();
        let price = shop.app.get_json(&format!("/api/v1/course/actual/{go}/")).await.1["price"].as_str().unwrap().to_owned();
        let (out_trade_no, _) = shop.buy(go, &price).await;
        shop.sim.deliver_pending().await;
        shop.app.create_user("staff", "staff-pass", None, None, true);
        let staff = format!("jwt {}", shop.app.login("staff", "staff-pass").await);
        let path = format!("/api/v1/admin/orders/{out_trade_no}/refund/");
        let body = json!({"out_request_no": "R_PART_1", "amount": "1.00"});
        let (_, first) = shop.app.send_json(reqwest::Method::POST, &path, &body, Some(&staff)).await;
        assert_eq!(first["code"], 100, "{first}");
        assert_eq!(first["data"]["status"], "partially_refunded");
        let (_, repeat) = shop.app.send_json(reqwest::Method::POST, &path, &body, Some(&staff)).await;
        assert_eq!(repeat["code"], 100, "the same request again is fine: {repeat}");
        assert_eq!(repeat["data"]["refunded_amount"], "1.00", "and refunds nothing more");
        let (_, conflict) = shop.app.send_json(reqwest::Method::POST, &path, &json!({"out_request_no": "R_PART_1", "amount": "2.00"}), Some(&staff)).await;
        assert_eq!(conflict["code"], 999, "{conflict}");
        shop.sim.deliver_pending().await;
        let order = shop.stored(&out_trade_no);
        assert_eq!(order.status(), OrderStatus::PartiallyRefunded);
        assert_eq!(order.refunded_amount, 100);
        assert_eq!(shop.grants(&out_trade_no), 1, "a partial refund keeps the course");
        assert_eq!(shop.sim.trade(APP_ID, &out_trade_no).unwrap().refunds.len(), 1);
    }
}
