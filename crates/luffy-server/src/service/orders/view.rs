//! Orders as the buyer sees them.

use luffy_db::orders::{OrderLine, OrderRow};
use serde_json::{Value, json};

fn time(value: Option<chrono::NaiveDateTime>) -> Value {
    value.map_or(Value::Null, |t| json!(t.and_utc().to_rfc3339()))
}

/// The JSON of an order with its lines (`courses`, as the original's `Order.courses`).
pub fn order_json(order: &OrderRow, lines: &[OrderLine]) -> Value {
    let status = order.status();
    let courses: Vec<Value> = lines
        .iter()
        .filter(|line| line.order_id == order.id)
        .map(|line| {
            json!({
                "id": line.course_id,
                "course_name": line.course_name,
                "price": line.price.to_string(),
                "real_price": line.real_price.to_string(),
            })
        })
        .collect();
    json!({
        "out_trade_no": order.out_trade_no,
        "subject": order.subject,
        "total_amount": order.total().map(|m| m.to_string()).unwrap_or_default(),
        "refunded_amount": order.refunded().map(|m| m.to_string()).unwrap_or_default(),
        "order_status": status.code(),
        "order_status_name": status.label(),
        "status": status.as_str(),
        "pay_type": order.pay_type,
        "pay_type_name": if order.pay_type == 2 { "微信支付" } else { "支付宝" },
        "trade_no": order.trade_no,
        "pay_time": time(order.pay_time),
        "created_time": time(Some(order.created_time)),
        "expires_at": time(Some(order.expires_at)),
        "courses": courses,
    })
}
