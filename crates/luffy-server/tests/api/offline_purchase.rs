//! The default run: no Alipay settings, so the built-in simulator plays the gateway and the
//! whole purchase works on one machine.

use luffy_db::orders::Orders;
use luffy_domain::order::OrderStatus;
use serde_json::json;

both_backends! {
    async fn the_built_in_simulator_completes_a_purchase(app) {
        let catalog = crate::fixtures::seed_catalog(&app);
        app.create_user("newcomer", "newcomer-pass", None, None, false);
        let auth = format!("jwt {}", app.login("newcomer", "newcomer-pass").await);
        let (_, body) = app
            .send_json(reqwest::Method::POST, "/api/v1/order/pay/", &json!({"courses": [catalog.linux], "total_amount": "99.00"}), Some(&auth))
            .await;
        assert_eq!(body["code"], 100, "{body}");
        let pay_url = body["pay_url"].as_str().unwrap();
        assert!(pay_url.starts_with(&format!("{}/alipay-sim/gateway.do?", app.address)), "{pay_url}");
        let out_trade_no = crate::shop::out_trade_no_of(pay_url);

        // The newcomer opens the cashier and presses Pay.
        let cashier = app.client.get(pay_url).send().await.unwrap().text().await.unwrap();
        assert!(cashier.contains("Linux") && cashier.contains("99.00"), "{cashier}");
        let paid = app
            .client
            .post(app.url("/alipay-sim/cashier/pay"))
            .form(&[("app_id", luffy_server::adapters::alipay::SIMULATOR_APP_ID), ("out_trade_no", out_trade_no.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(paid.status(), 302);
        let location = paid.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with(&format!("{}/pay/success?", app.address)), "{location}");

        // The browser lands on the return page; the notify arrives in the background.
        let page = app.client.get(&location).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("支付结果") && html.contains("/pay/success.js"), "{html}");
        let script = app.client.get(app.url("/pay/success.js")).send().await.unwrap().text().await.unwrap();
        assert!(script.contains("/api/v1/order/success/"), "{script}");
        let mut status = OrderStatus::Unpaid;
        for _ in 0..50 {
            status = Orders::by_out_trade_no(&mut app.db(), &out_trade_no).unwrap().unwrap().status();
            if status == OrderStatus::Paid {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(status, OrderStatus::Paid, "the simulator's notify reached the shop");
        let query = location.split_once('?').unwrap().1;
        let (_, check) = app.get_json(&format!("/api/v1/order/success/?{query}")).await;
        assert_eq!(check["code"], 100, "{check}");
    }
}

shop_tests! {
    async fn with_alipay_settings_the_simulator_is_not_mounted(shop) {
        let (status, _) = shop.app.get_json("/alipay-sim/control/keys").await;
        assert_eq!(status, 404);
        let expired = {
            use jsonwebtoken::{EncodingKey, Header, encode};
            let claims = json!({"user_id": shop.buyer_id, "username": "buyer", "email": null, "exp": chrono::Utc::now().timestamp() - 3600});
            encode(&Header::default(), &claims, &EncodingKey::from_secret(b"test-secret-test-secret-test-secret-0123")).unwrap()
        };
        let answer = shop.pay_as(&format!("jwt {expired}"), json!({"courses": [shop.catalog.linux], "total_amount": "99.00"})).await;
        assert_eq!(answer["code"], 999, "an expired token is refused: {answer}");
    }
}
