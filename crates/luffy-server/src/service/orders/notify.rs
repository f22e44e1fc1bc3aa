//! `POST /order/success/`: Alipay's async notify.
//!
//! Verified first (signature), then checked (our order, our app, the order's amount, the
//! configured seller), then applied with conditional updates, so a repeated, concurrent or
//! out-of-order notify changes nothing twice. Every notify is kept in the audit trail with its
//! raw form. Bad signatures are throttled per client address; a validly signed notify never is.

use super::payment::{PaymentReport, ReportOutcome, apply_report, mismatch};
use super::{with_db, with_db_tx};
use crate::adapters::alipay::evidence;
use crate::api::ApiError;
use crate::state::AppState;
use actix_web::web;
use alipay_sdk::Notification;
use luffy_db::DbConnection;
use luffy_db::account::Throttles;
use luffy_db::orders::{
    NewPaymentEvent, OrderRow, Orders, PaidFacts, PaymentEvent, RefundAnswer, RefundRow,
};
use luffy_domain::account::{Throttle, ThrottleRule};

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
            let (answer, refund) = with_db_tx(state, move |conn, state| {
                apply_verified(conn, state, &notice, raw, client)
            })
            .await?;
            if let Some(refund) = refund {
                super::refund::send_refund_later(state, refund);
            }
            Ok(answer)
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

/// Applies a verified notify; returns the answer and an automatic refund to send once the
/// transaction has committed.
fn apply_verified(
    conn: &mut DbConnection,
    state: &AppState,
    notice: &Notification,
    raw: String,
    client: String,
) -> Result<(NotifyAnswer, Option<RefundRow>), ApiError> {
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
        return Ok((NotifyAnswer::Failed, None));
    };
    let report = PaymentReport {
        evidence: evidence(notice).map_err(|err| ApiError::Internal(err.to_string()))?,
        facts: PaidFacts {
            trade_no: notice.trade_no.clone(),
            buyer_id: notice.buyer_id.clone(),
            pay_time: notice
                .gmt_payment
                .as_deref()
                .and_then(super::reconcile::parse_china_time)
                .unwrap_or_else(|| state.clock.now().naive_utc()),
        },
        names_seller: true,
    };
    if let Some(refund) = &notice.refund {
        return refund_report(conn, state, &order, notice, &report, refund, raw, client);
    }
    let outcome = apply_report(conn, state, &order, &report)?;
    record(
        conn,
        state,
        &client,
        Some(notice),
        &raw,
        outcome.audit_outcome(),
        outcome.detail(),
    )?;
    let answer = match outcome {
        ReportOutcome::Mismatch(_) => NotifyAnswer::Failed,
        _ => NotifyAnswer::Success,
    };
    Ok((answer, outcome.refund_to_send().cloned()))
}

/// A refund notify settles the refund request it names (`out_biz_no`), and nothing else: the
/// cumulative `refund_fee` it carries is only kept in the audit trail.
#[allow(
    clippy::too_many_arguments,
    reason = "the notify and its audit context"
)]
fn refund_report(
    conn: &mut DbConnection,
    state: &AppState,
    order: &OrderRow,
    notice: &Notification,
    report: &PaymentReport,
    details: &alipay_sdk::RefundDetails,
    raw: String,
    client: String,
) -> Result<(NotifyAnswer, Option<RefundRow>), ApiError> {
    if let Some(why) = mismatch(state, order, report)? {
        record(
            conn,
            state,
            &client,
            Some(notice),
            &raw,
            "mismatch",
            Some(why),
        )?;
        return Ok((NotifyAnswer::Failed, None));
    }
    let request = match details.out_biz_no.as_deref() {
        Some(no) => Orders::refund_by_request_no(conn, no)?.filter(|r| r.order_id == order.id),
        None => None,
    };
    let outcome = match request {
        Some(request) if request.is_pending() => {
            let now = state.clock.now().naive_utc();
            Orders::answer_refund(conn, request.id, &RefundAnswer::Succeeded, now)?;
            "refunded"
        }
        Some(_) => "duplicate",
        None => {
            log::warn!(
                "refund notify for {} names no refund request of Luffy ({:?})",
                order.out_trade_no,
                details.out_biz_no
            );
            "refund_unknown"
        }
    };
    record(conn, state, &client, Some(notice), &raw, outcome, None)?;
    Ok((NotifyAnswer::Success, None))
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
    if matches!(
        outcome,
        "paid_late" | "mismatch" | "unknown_order" | "refund_due"
    ) {
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
