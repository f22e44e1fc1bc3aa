//! Orders as the buyer sees them.

use luffy_db::orders::{OrderLine, OrderRow, PaymentEvent, RefundRow};
use serde_json::{Value, json};

fn time(value: Option<chrono::NaiveDateTime>) -> Value {
    value.map_or(Value::Null, |t| json!(t.and_utc().to_rfc3339()))
}

/// The JSON of a refund request.
fn refund_json(refund: &RefundRow) -> Value {
    json!({
        "out_request_no": refund.out_request_no,
        "amount": luffy_db::orders::RefundRow::amount_money(refund).map(|m| m.to_string()).unwrap_or_default(),
        "status": refund.status,
        "reason": refund.reason,
        "automatic": refund.automatic,
        "detail": refund.detail,
        "created_time": time(Some(refund.created_time)),
        "completed_time": time(refund.completed_time),
    })
}

/// The JSON of an order with its lines (`courses`, as the original's `Order.courses`) and its
/// refunds; `refund_reason` says why an automatic refund gave the payment back.
pub fn order_json(order: &OrderRow, lines: &[OrderLine], refunds: &[RefundRow]) -> Value {
    let refunds: Vec<&RefundRow> = refunds.iter().filter(|r| r.order_id == order.id).collect();
    let refund_reason = refunds
        .iter()
        .find(|refund| refund.automatic)
        .and_then(|refund| refund.reason.clone());
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
        "refunds": refunds.iter().map(|refund| refund_json(refund)).collect::<Vec<_>>(),
        "refund_reason": refund_reason,
    })
}

/// The staff's view of an order: the buyer's view, the buyer and the payment audit trail.
pub fn staff_order_json(
    order: &OrderRow,
    lines: &[OrderLine],
    refunds: &[RefundRow],
    events: &[PaymentEvent],
) -> Value {
    let mut body = order_json(order, lines, refunds);
    body["user_id"] = json!(order.user_id);
    body["paid_late"] = json!(order.paid_late);
    body["events"] = events
        .iter()
        .map(|event| {
            json!({
                "received_time": time(Some(event.received_time)),
                "source": event.source,
                "outcome": event.outcome,
                "trade_status": event.trade_status,
                "detail": event.detail,
            })
        })
        .collect();
    body
}
