//! Bounded order input: the cart's length, the notify body's size, what the audit trail keeps of
//! an unverified notify, and a signed notify whose trade number another order already holds.

use diesel::prelude::*;
use luffy_db::orders::Orders;
use luffy_db::schema::luffy_payment_event;
use luffy_domain::order::OrderStatus;
use serde_json::json;
use sha2::Digest;

async fn price_of(shop: &crate::shop::Shop, course: i64) -> String {
    let (_, body) = shop
        .app
        .get_json(&format!("/api/v1/course/actual/{course}/"))
        .await;
    body["price"].as_str().unwrap().to_owned()
}

shop_tests! {
    async fn a_cart_holds_at_most_fifty_courses(shop) {
        for count in [51_i64, 32_000] {
            let ids: Vec<i64> = (1..=count).collect();
            let body = shop.pay(json!({"courses": ids, "total_amount": "99.00"})).await;
            assert_eq!(body, json!({"code": 999, "msg": "一次最多购买 50 门课程"}), "{count} ids");
        }
        assert_eq!(Orders::count_all(&mut shop.app.db()).unwrap(), 0);
        // Fifty is still a cart (refused here for its unknown ids, not its length).
        let ids: Vec<i64> = (1_000..1_050).collect();
        let body = shop.pay(json!({"courses": ids, "total_amount": "99.00"})).await;
        assert_eq!(body["code"], 999);
        assert_ne!(body["msg"], "一次最多购买 50 门课程", "{body}");
    }

    async fn notify_bodies_are_bounded_and_unverified_ones_kept_in_part(shop) {
        let (out_trade_no, _) = shop.order(shop.catalog.linux, "99.00").await;
        let valid = shop.signed_notify(&out_trade_no, "99.00", &[]);
        // Over 8 KiB: refused before it is read, with the envelope; nothing audited.
        let huge = format!("{valid}&padding={}", "x".repeat(9 * 1024));
        let response = shop
            .app
            .client
            .post(shop.app.url("/api/v1/order/success/"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(huge)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 413);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["code"], 999, "{body}");
        assert!(body["msg"].is_string());
        // Under the limit but forged: the audit row keeps a 2 KiB prefix and the body's digest.
        let forged = format!("{}&padding={}", valid.replace("buyer_id=", "buyer_id=1"), "y".repeat(6 * 1024));
        assert_eq!(shop.post_notify(&forged).await, (200, "failed".to_owned()));
        let (raw, detail): (String, Option<String>) = luffy_payment_event::table
            .filter(luffy_payment_event::outcome.eq("bad_signature"))
            .order(luffy_payment_event::id)
            .select((luffy_payment_event::raw, luffy_payment_event::detail))
            .first(&mut shop.app.db())
            .unwrap();
        assert_eq!(raw.len(), 2048);
        assert!(forged.starts_with(&raw));
        let digest: String = sha2::Sha256::digest(forged.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        let detail = detail.unwrap();
        assert!(detail.contains(&digest), "{detail}");
        assert!(detail.contains(&format!("{} bytes", forged.len())), "{detail}");
        // A raw NUL byte in a body is audited too (PostgreSQL stores no NUL in text).
        let (status, text) = shop.post_notify(&format!("{forged}\u{0}&x=\u{0}")).await;
        assert_eq!((status, text.as_str()), (200, "failed"));
        let bad: i64 = luffy_payment_event::table
            .filter(luffy_payment_event::outcome.eq("bad_signature"))
            .count()
            .get_result(&mut shop.app.db())
            .unwrap();
        assert_eq!(bad, 2);
        // The real notify still gets through, and is kept whole.
        assert_eq!(shop.post_notify(&valid).await, (200, "success".to_owned()));
        assert_eq!(shop.stored(&out_trade_no).status(), OrderStatus::Paid);
        let kept: String = luffy_payment_event::table
            .filter(luffy_payment_event::outcome.eq("paid"))
            .select(luffy_payment_event::raw)
            .first(&mut shop.app.db())
            .unwrap();
        assert_eq!(kept, valid);
    }

    async fn a_trade_number_of_another_order_is_an_audited_mismatch(shop) {
        let (first, _) = shop.order(shop.catalog.linux, "99.00").await;
        let other = shop.catalog.visible[4];
        let (second, _) = shop.order(other, &price_of(&shop, other).await).await;
        let trade_no = "2024010122001481070511111111";
        let paid = shop.signed_notify(&first, "99.00", &[("trade_no", trade_no)]);
        assert_eq!(shop.post_notify(&paid).await, (200, "success".to_owned()));
        let stolen = shop.signed_notify(&second, &price_of(&shop, other).await, &[("trade_no", trade_no)]);
        assert_eq!(shop.post_notify(&stolen).await, (200, "failed".to_owned()));
        let order = shop.stored(&second);
        assert_eq!(order.status(), OrderStatus::Unpaid);
        assert_eq!(order.trade_no, None);
        assert_eq!(shop.grants(&second), 0);
        assert_eq!(shop.audit(&second), vec!["mismatch"]);
        assert_eq!(shop.stored(&first).trade_no.as_deref(), Some(trade_no));
        assert_eq!(shop.grants(&first), 1);
    }
}
