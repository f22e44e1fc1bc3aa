//! `POST /order/success/`: Alipay's async notify.
//!
//! Verified first (signature), then checked (our order, our app, the order's amount, the
//! configured seller), then applied with conditional updates, so a repeated, concurrent or
//! out-of-order notify changes nothing twice. Every notify is kept in the audit trail with its
//! raw form. Bad signatures are throttled per client address; a validly signed notify never is.

use super::{with_db, with_db_tx};
use crate::adapters::alipay::evidence;
use crate::api::ApiError;
use crate::state::AppState;
use actix_web::web;
use alipay_sdk::Notification;
use luffy_db::DbConnection;
use luffy_db::account::Throttles;
use luffy_db::orders::{NewPaymentEvent, OrderRow, Orders, PaidFacts, PaymentEvent};
use luffy_domain::account::{Throttle, ThrottleRule};
use luffy_domain::order::{PaymentSettlement, check_payment, settle_payment};

/// Bad-signature notifies accepted (and audited) per client address per minute before the
/// address is throttled.
pub const BAD_SIGNATURE_RULE: ThrottleRule = ThrottleRule {
    scope: "notify_bad_signature",
    limit: 20,
    window_secs: 60,
};

/// The largest notify body accepted; real notifies are under 4 KiB. Larger ones are refused
/// with 413 before they are read.
pub const NOTIFY_BODY_LIMIT: usize = 8 * 1024;

/// How much of a body that fails verification the audit trail keeps, with its SHA-256 digest
/// and length.
pub const UNVERIFIED_PREFIX_BYTES: usize = 2 * 1024;

/// What to answer Alipay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyAnswer {
    /// `success`: verified and handled (including repeats): stop resending.
    Success,
    /// `failed`: not verified or not ours: nothing changed.
    Failed,
    /// Too many bad signatures from this address: refused without work.
    Throttled,
}

/// Handles one notify body.
pub async fn handle_notify(
    state: &web::Data<AppState>,
    body: web::Bytes,
    client: String,
) -> Result<NotifyAnswer, ApiError> {
    match state.payments.verify_notify(&body) {
        Ok(notice) => {
            let raw = storable(&String::from_utf8_lossy(&body));
            with_db_tx(state, move |conn, state| {
                apply_verified(conn, state, &notice, raw, client)
            })
            .await
        }
        Err(err) => {
            let (raw, digest) = unverified_evidence(&body);
            let reason = storable(&format!("{err}; {digest}"));
            with_db(state, move |conn, state| {
                let now = state.clock.now();
                let throttle = Throttle {
                    rule: BAD_SIGNATURE_RULE,
                    key: client.clone(),
                };
                if !Throttles::hit(conn, &throttle, now)? {
                    return Ok(NotifyAnswer::Throttled);
                }
                record(
                    conn,
                    state,
                    &client,
                    None,
                    &raw,
                    "bad_signature",
                    Some(reason),
                )?;
                Ok(NotifyAnswer::Failed)
            })
            .await
        }
    }
}

fn apply_verified(
    conn: &mut DbConnection,
    state: &AppState,
    notice: &Notification,
    raw: String,
    client: String,
) -> Result<NotifyAnswer, ApiError> {
    let Some(order) = Orders::by_out_trade_no(conn, &notice.out_trade_no)? else {
        record(
            conn,
            state,
            &client,
            Some(notice),
            &raw,
            "unknown_order",
            None,
        )?;
        return Ok(NotifyAnswer::Failed);
    };
    let facts = evidence(notice).map_err(|err| ApiError::Internal(err.to_string()))?;
    if let Err(mismatch) = check_payment(
        &facts,
        state.payments.app_id(),
        order.total()?,
        state.payments.seller_id(),
    ) {
        record(
            conn,
            state,
            &client,
            Some(notice),
            &raw,
            "mismatch",
            Some(mismatch.to_string()),
        )?;
        return Ok(NotifyAnswer::Failed);
    }
    let outcome = match &notice.refund {
        Some(refund) => {
            let refunded = crate::adapters::alipay::money(refund.refund_fee)
                .map_err(|err| ApiError::Internal(err.to_string()))?;
            if Orders::apply_refunded_total(conn, &order, refunded, state.clock.now().naive_utc())?
            {
                "refunded"
            } else {
                "duplicate"
            }
        }
        None => match settle(conn, state, &order, notice)? {
            Some(outcome) => outcome,
            None => {
                record(
                    conn,
                    state,
                    &client,
                    Some(notice),
                    &raw,
                    "mismatch",
                    Some(format!(
                        "trade_no {} already belongs to another order",
                        notice.trade_no
                    )),
                )?;
                return Ok(NotifyAnswer::Failed);
            }
        },
    };
    record(conn, state, &client, Some(notice), &raw, outcome, None)?;
    Ok(NotifyAnswer::Success)
}

/// Applies a payment notify; returns the audit outcome, or `None` when the notify's trade
/// number already belongs to another order (nothing changed: the payment's savepoint is rolled
/// back).
fn settle(
    conn: &mut DbConnection,
    state: &AppState,
    order: &OrderRow,
    notice: &Notification,
) -> Result<Option<&'static str>, ApiError> {
    let reported = crate::adapters::alipay::reported(notice.trade_status);
    match settle_payment(order.status(), reported) {
        PaymentSettlement::NotPaid => Ok(Some("ignored")),
        PaymentSettlement::AlreadyPaid => Ok(Some("duplicate")),
        PaymentSettlement::MarkPaid { .. } => {
            let now = state.clock.now().naive_utc();
            let pay_time = notice
                .gmt_payment
                .as_deref()
                .and_then(super::reconcile::parse_china_time)
                .unwrap_or(now);
            let facts = PaidFacts {
                trade_no: notice.trade_no.clone(),
                buyer_id: notice.buyer_id.clone(),
                pay_time,
            };
            // The payment runs in a savepoint; its only unique key that another order can hold is
            // the trade number (grants are unique per order and course, and the conditional
            // update lets one notify per order through).
            match Orders::mark_paid(conn, order, &facts, now) {
                Ok(applied) => Ok(Some(super::payment_outcome(applied))),
                Err(err) if err.is_unique_violation() => Ok(None),
                Err(err) => Err(err.into()),
            }
        }
    }
}

/// What the audit trail keeps of a body that failed verification: its first
/// [`UNVERIFIED_PREFIX_BYTES`] (cut at a character boundary) and a line with its length and
/// SHA-256 digest.
fn unverified_evidence(body: &[u8]) -> (String, String) {
    use sha2::Digest;
    let text = String::from_utf8_lossy(&body[..body.len().min(UNVERIFIED_PREFIX_BYTES)]);
    let mut prefix = text.into_owned();
    if body.len() > UNVERIFIED_PREFIX_BYTES {
        // A cut through a multi-byte character shows as one replacement character; drop it.
        if prefix.ends_with('\u{fffd}') {
            prefix.pop();
        }
    }
    let digest: String = sha2::Sha256::digest(body)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    (
        storable(&prefix),
        format!("{} bytes, sha256 {digest}", body.len()),
    )
}

/// `text` as the audit trail can store it on every backend (PostgreSQL refuses NUL in text).
fn storable(text: &str) -> String {
    text.replace('\0', "\u{fffd}")
}

fn record(
    conn: &mut DbConnection,
    state: &AppState,
    client: &str,
    notice: Option<&Notification>,
    raw: &str,
    outcome: &str,
    detail: Option<String>,
) -> Result<(), ApiError> {
    if matches!(outcome, "paid_late" | "mismatch" | "unknown_order") {
        log::warn!(
            "payment notify {outcome}: out_trade_no={:?} {}",
            notice.map(|n| n.out_trade_no.as_str()),
            detail.as_deref().unwrap_or("")
        );
    }
    let event = NewPaymentEvent {
        received_time: state.clock.now().naive_utc(),
        source: "notify".into(),
        client_addr: Some(client.to_owned()),
        out_trade_no: notice.map(|n| n.out_trade_no.clone()),
        notify_id: notice.map(|n| n.notify_id.clone()),
        trade_status: notice.map(|n| n.trade_status.as_str().to_owned()),
        raw: raw.to_owned(),
        outcome: outcome.to_owned(),
        detail,
    };
    PaymentEvent::record(conn, &event)?;
    Ok(())
}
