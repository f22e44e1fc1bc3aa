//! Refunds: by staff, idempotent per `out_request_no`; automatic, for a payment that cannot
//! become a grant. Each request settles only from Alipay's answer for that request; one that
//! gets no answer stays pending, counts against what may still be refunded, and is sent again
//! by the sweeper (Alipay refunds one `out_request_no` once) until Alipay answers.

use super::{with_db, with_db_tx};
use crate::adapters::alipay::RefundReply;
use crate::api::ApiError;
use crate::state::AppState;
use actix_web::web;
use chrono::{Duration, NaiveDateTime};
use luffy_db::orders::{
    NewPaymentEvent, OrderRow, Orders, PaymentEvent, RefundAnswer, RefundRow, RefundStart,
};
use luffy_domain::Money;
use luffy_domain::order::OrderStatus;

/// The outcome of a refund request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundDone {
    /// The order's refunded total (the sum of the refunds Alipay made).
    pub refunded_total: Money,
    /// The order's status afterwards.
    pub status: OrderStatus,
}

/// How long after an unanswered attempt a refund is sent again: 30 s, doubling, at most an hour.
fn retry_delay(attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.clamp(0, 7)).unwrap_or(0);
    Duration::seconds((30_i64 << doublings).min(3600))
}

/// Refunds `amount` (or all that remains) of a paid order under `out_request_no`.
///
/// Repeating the call with the same number refunds nothing more; the same number with another
/// amount is refused. When Alipay gives no answer the request stays pending: the sweeper sends
/// it again, and repeating this call does too.
pub async fn refund(
    state: &web::Data<AppState>,
    out_trade_no: String,
    amount: Option<Money>,
    out_request_no: String,
    reason: Option<String>,
) -> Result<RefundDone, ApiError> {
    let refund = with_db(state, move |conn, state| {
        let order = Orders::by_out_trade_no(conn, &out_trade_no)?
            .ok_or_else(|| ApiError::NotFound("order".into()))?;
        let now = state.clock.now().naive_utc();
        let start = Orders::start_refund(
            conn,
            order.id,
            &out_request_no,
            amount,
            reason.as_deref(),
            now,
            now + retry_delay(0),
        )?;
        match start {
            RefundStart::New(row) | RefundStart::Repeat(row) => Ok(row),
            RefundStart::Conflict(_) => Err(ApiError::rejected("该退款单号已用于其他金额或订单")),
            RefundStart::NotRefundable(status) => Err(ApiError::rejected(format!(
                "订单状态为{}，不能退款",
                status.label()
            ))),
            RefundStart::TooMuch { remaining } if remaining.is_zero() => {
                Err(ApiError::rejected("订单已无可退金额"))
            }
            RefundStart::TooMuch { remaining } => Err(ApiError::rejected(format!(
                "退款金额必须大于 0 且不超过可退金额 {remaining}"
            ))),
        }
    })
    .await?;
    let (refund, order) = if refund.is_pending() {
        send_refund(state, refund).await?
    } else {
        let order_id = refund.order_id;
        let order = with_db(state, move |conn, _| Ok(Orders::by_id(conn, order_id)?)).await?;
        (refund, order)
    };
    match refund.status.as_str() {
        "succeeded" => Ok(RefundDone {
            refunded_total: order.refunded()?,
            status: order.status(),
        }),
        "failed" => Err(ApiError::rejected(format!(
            "支付宝拒绝退款：{}",
            refund.detail.as_deref().unwrap_or("")
        ))),
        _ => Err(ApiError::Unavailable(format!(
            "refund {} of {}: no answer from Alipay yet; it stays pending and is sent again",
            refund.out_request_no, order.out_trade_no
        ))),
    }
}

/// Sends a pending refund request to Alipay and records the answer (and its audit row) in one
/// transaction; returns the request and its order afterwards.
pub async fn send_refund(
    state: &web::Data<AppState>,
    refund: RefundRow,
) -> Result<(RefundRow, OrderRow), ApiError> {
    let order_id = refund.order_id;
    let order = with_db(state, move |conn, _| Ok(Orders::by_id(conn, order_id)?)).await?;
    let amount = refund.amount_money()?;
    let reply = state
        .payments
        .refund(&order.out_trade_no, amount, &refund.out_request_no)
        .await;
    let retry_at = state.clock.now().naive_utc() + retry_delay(refund.attempts + 1);
    let (answer, outcome) = match reply {
        Ok(RefundReply::Refunded) => (RefundAnswer::Succeeded, "refunded"),
        Ok(RefundReply::Refused(detail)) => {
            (RefundAnswer::Refused { detail, retry_at }, "refund_refused")
        }
        Ok(RefundReply::Unconfirmed) => (
            RefundAnswer::Unanswered {
                detail: "Alipay has not confirmed the refund yet".into(),
                retry_at,
            },
            "refund_unanswered",
        ),
        Err(err) => {
            log::warn!(
                "refund {} of {}: {err}; sent again later",
                refund.out_request_no,
                order.out_trade_no
            );
            (
                RefundAnswer::Unanswered {
                    detail: err.to_string(),
                    retry_at,
                },
                "refund_unanswered",
            )
        }
    };
    with_db_tx(state, move |conn, state| {
        let now = state.clock.now().naive_utc();
        let after = Orders::answer_refund(conn, refund.id, &answer, now)?;
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
                    "out_request_no={} amount={} automatic={}",
                    refund.out_request_no, amount, refund.automatic
                ),
                outcome: outcome.into(),
                detail: match &answer {
                    RefundAnswer::Succeeded => refund.reason.clone(),
                    RefundAnswer::Refused { detail, .. }
                    | RefundAnswer::Unanswered { detail, .. } => Some(detail.clone()),
                },
            },
        )?;
        let order = Orders::by_id(conn, order.id)?;
        Ok((after, order))
    })
    .await
}

/// Sends an automatic refund in the background, right after the payment that made it
/// committed; the sweeper sends it again if this attempt gets no answer.
pub fn send_refund_later(state: &web::Data<AppState>, refund: RefundRow) {
    let state = state.clone();
    actix_web::rt::spawn(async move {
        if let Err(err) = send_refund(&state, refund).await {
            log::warn!("automatic refund: {err}; the sweeper sends it again");
        }
    });
}

/// How many refunds one sweep sends at most.
const REFUND_BATCH: i64 = 50;

/// How long a sweeper's claim on a refund lasts.
const REFUND_LEASE_SECS: i64 = 60;

/// One pass over the pending refunds that are due: each is claimed with a lease (one replica
/// sends it) and sent again. Returns how many Alipay confirmed.
pub async fn sweep_refunds_once(state: &web::Data<AppState>) -> Result<usize, ApiError> {
    let claimed = with_db(state, |conn, state| {
        let now: NaiveDateTime = state.clock.now().naive_utc();
        Ok(Orders::claim_due_refunds(
            conn,
            now,
            now + Duration::seconds(REFUND_LEASE_SECS),
            REFUND_BATCH,
        )?)
    })
    .await?;
    let mut confirmed = 0;
    for (refund, _) in claimed {
        match send_refund(state, refund).await {
            Ok((after, _)) if after.succeeded() => confirmed += 1,
            Ok(_) => {}
            Err(err) => log::warn!("sweeper: refund: {err}"),
        }
    }
    Ok(confirmed)
}
