//! Refunds by staff: idempotent per `out_request_no`, at Alipay and here.

use super::{with_db, with_db_tx};
use crate::adapters::alipay::PaymentError;
use crate::api::ApiError;
use crate::state::AppState;
use actix_web::web;
use luffy_db::orders::{NewPaymentEvent, Orders, PaymentEvent, RefundStart};
use luffy_domain::Money;
use luffy_domain::order::OrderStatus;

/// The outcome of a refund request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundDone {
    /// Alipay's cumulative refunded total for the trade.
    pub refunded_total: Money,
    /// The order's status afterwards.
    pub status: OrderStatus,
}

/// Refunds `amount` (or all that remains) of a paid order under `out_request_no`.
///
/// Repeating the call with the same number refunds nothing more; the same number with another
/// amount is refused. When Alipay cannot be reached the request stays pending and the same call
/// can simply be repeated.
pub async fn refund(
    state: &web::Data<AppState>,
    out_trade_no: String,
    amount: Option<Money>,
    out_request_no: String,
    reason: Option<String>,
) -> Result<RefundDone, ApiError> {
    let lookup_no = out_trade_no.clone();
    let request_no = out_request_no.clone();
    let (order, refund) = with_db(state, move |conn, state| {
        let order = Orders::by_out_trade_no(conn, &lookup_no)?
            .ok_or_else(|| ApiError::NotFound("order".into()))?;
        let remaining = order
            .total()?
            .checked_sub(order.refunded()?)
            .unwrap_or(Money::ZERO);
        let amount = amount.unwrap_or(remaining);
        if amount.is_zero() {
            return Err(ApiError::rejected("退款金额必须大于 0"));
        }
        let now = state.clock.now().naive_utc();
        match Orders::start_refund(conn, &order, &request_no, amount, reason.as_deref(), now)? {
            RefundStart::New(row) | RefundStart::Repeat(row) => Ok((order, row)),
            RefundStart::Conflict(_) => Err(ApiError::rejected("该退款单号已用于其他金额或订单")),
            RefundStart::NotRefundable(status) => Err(ApiError::rejected(format!(
                "订单状态为{}，不能退款",
                status.label()
            ))),
            RefundStart::TooMuch { remaining } => Err(ApiError::rejected(format!(
                "退款金额超过可退金额 {remaining}"
            ))),
        }
    })
    .await?;
    let amount = luffy_db::orders::RefundRow::amount_money(&refund)?;
    let answer = state
        .payments
        .refund(&order.out_trade_no, amount, &out_request_no)
        .await;
    let refund_id = refund.id;
    match answer {
        Ok(total) => {
            with_db_tx(state, move |conn, state| {
                let now = state.clock.now().naive_utc();
                Orders::apply_refunded_total(conn, &order, total, now)?;
                Orders::finish_refund(conn, refund_id, true, None, now)?;
                PaymentEvent::record(
                    conn,
                    &NewPaymentEvent {
                        received_time: now,
                        source: "refund".into(),
                        client_addr: None,
                        out_trade_no: Some(order.out_trade_no.clone()),
                        notify_id: None,
                        trade_status: None,
                        raw: format!(
                            "out_request_no={out_request_no} amount={amount} refund_fee={total}"
                        ),
                        outcome: "refunded".into(),
                        detail: None,
                    },
                )?;
                let status = Orders::by_out_trade_no(conn, &order.out_trade_no)?
                    .map(|o| o.status())
                    .unwrap_or(OrderStatus::Refunding);
                Ok(RefundDone {
                    refunded_total: total,
                    status,
                })
            })
            .await
        }
        Err(PaymentError::Business(err)) if !err.is_retryable() => {
            let detail = err.to_string();
            with_db(state, move |conn, state| {
                Orders::finish_refund(
                    conn,
                    refund_id,
                    false,
                    Some(&detail),
                    state.clock.now().naive_utc(),
                )?;
                Ok(())
            })
            .await?;
            Err(ApiError::rejected(format!(
                "支付宝拒绝退款：{}",
                err.sub_msg.as_deref().unwrap_or(err.msg.as_str())
            )))
        }
        Err(err) => Err(ApiError::Unavailable(format!(
            "refund {out_trade_no}: {err}; repeat with the same out_request_no"
        ))),
    }
}
