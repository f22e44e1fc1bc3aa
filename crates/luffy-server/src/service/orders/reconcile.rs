//! Asking Alipay (`trade.query`) when a notify is late, and the sweeper that does so on a
//! schedule and closes orders past their timeout.

use super::payment::{PaymentReport, ReportOutcome, apply_report};
use super::{with_db, with_db_tx};
use crate::adapters::alipay::{CloseOutcome, TradeLookup};
use crate::api::ApiError;
use crate::state::AppState;
use actix_web::web;
use chrono::{Duration, NaiveDateTime};
use luffy_db::orders::{NewPaymentEvent, OrderRow, Orders, PaidFacts, PaymentEvent, RefundRow};
use luffy_domain::order::OrderStatus;

/// How long a sweeper's claim on an order lasts (another replica may take it after, so a
/// replica killed mid-sweep delays its orders by this much): five reconciliation intervals,
/// between 10 s and 60 s.
fn sweep_lease_secs(reconcile_after_secs: u64) -> i64 {
    i64::try_from(reconcile_after_secs.saturating_mul(5))
        .unwrap_or(60)
        .clamp(10, 60)
}

/// The `sweep_after` of an order the sweeper is done with.
fn never() -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .unwrap_or(NaiveDateTime::MAX)
}

/// How many orders one sweep handles at most.
pub const SWEEP_BATCH: i64 = 50;

/// Parses Alipay's `yyyy-MM-dd HH:mm:ss` China time into naive UTC.
pub fn parse_china_time(text: &str) -> Option<NaiveDateTime> {
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").ok()?;
    Some(local - Duration::hours(8))
}

/// What one reconciliation found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reconciled {
    /// The order is paid (now, or already).
    Paid,
    /// The buyer paid, but the payment cannot become a grant: it is refunded automatically.
    Refunding,
    /// Alipay has no payment for it yet.
    NotPaid,
    /// The order timed out (closed at Alipay).
    TimedOut,
}

impl Reconciled {
    fn of(status: OrderStatus, automatic_refund: bool) -> Self {
        match status {
            _ if automatic_refund => Reconciled::Refunding,
            status if status.was_paid() => Reconciled::Paid,
            OrderStatus::TimedOut => Reconciled::TimedOut,
            _ => Reconciled::NotPaid,
        }
    }
}

/// Asks Alipay about an order and applies a payment it reports. The call to Alipay happens
/// between two units of database work, never inside a transaction.
pub async fn reconcile(
    state: &web::Data<AppState>,
    order: OrderRow,
) -> Result<Reconciled, ApiError> {
    if order.status().was_paid() {
        return Ok(if order.status() == OrderStatus::Paid {
            Reconciled::Paid
        } else {
            current(state, order.id).await?
        });
    }
    let lookup = state
        .payments
        .query(&order.out_trade_no)
        .await
        .map_err(|err| {
            ApiError::Unavailable(format!("trade.query {}: {err}", order.out_trade_no))
        })?;
    let (reconciled, refund) = with_db_tx(state, move |conn, state| {
        apply_lookup(conn, state, &order, &lookup)
    })
    .await?;
    if let Some(refund) = refund {
        super::refund::send_refund_later(state, refund);
    }
    Ok(reconciled)
}

/// Where the order stands now, as a reconciliation would say.
async fn current(state: &web::Data<AppState>, order_id: i64) -> Result<Reconciled, ApiError> {
    with_db(state, move |conn, _| {
        let order = Orders::by_id(conn, order_id)?;
        let automatic = Orders::refunds_of(conn, &[order_id])?
            .iter()
            .any(|refund| refund.automatic);
        Ok(Reconciled::of(order.status(), automatic))
    })
    .await
}

fn apply_lookup(
    conn: &mut luffy_db::DbConnection,
    state: &AppState,
    order: &OrderRow,
    lookup: &TradeLookup,
) -> Result<(Reconciled, Option<RefundRow>), ApiError> {
    let TradeLookup::Found {
        trade_no,
        evidence,
        buyer_id,
        raw,
    } = lookup
    else {
        return Ok((Reconciled::NotPaid, None));
    };
    let report = PaymentReport {
        evidence: evidence.clone(),
        facts: PaidFacts {
            trade_no: trade_no.clone(),
            buyer_id: buyer_id.clone(),
            pay_time: state.clock.now().naive_utc(),
        },
        names_seller: false,
    };
    let outcome = apply_report(conn, state, order, &report)?;
    let reconciled = match &outcome {
        ReportOutcome::Paid { .. } => Reconciled::Paid,
        ReportOutcome::Refunding(_) => Reconciled::Refunding,
        ReportOutcome::Ignored | ReportOutcome::Mismatch(_) => Reconciled::NotPaid,
        ReportOutcome::Duplicate => {
            let automatic = Orders::refunds_of(conn, &[order.id])?
                .iter()
                .any(|refund| refund.automatic);
            Reconciled::of(Orders::by_id(conn, order.id)?.status(), automatic)
        }
    };
    if !matches!(outcome, ReportOutcome::Ignored | ReportOutcome::Duplicate) {
        audit(
            conn,
            state,
            order,
            "query",
            raw,
            outcome.audit_outcome(),
            outcome.detail(),
        )?;
    }
    Ok((reconciled, outcome.refund_to_send().cloned()))
}

fn audit(
    conn: &mut luffy_db::DbConnection,
    state: &AppState,
    order: &OrderRow,
    source: &str,
    raw: &str,
    outcome: &str,
    detail: Option<String>,
) -> Result<(), ApiError> {
    PaymentEvent::record(
        conn,
        &NewPaymentEvent {
            received_time: state.clock.now().naive_utc(),
            source: source.to_owned(),
            client_addr: None,
            out_trade_no: Some(order.out_trade_no.clone()),
            notify_id: None,
            trade_status: None,
            raw: raw.to_owned(),
            outcome: outcome.to_owned(),
            detail,
        },
    )?;
    Ok(())
}

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Orders looked at.
    pub examined: usize,
    /// Found paid at Alipay and marked paid.
    pub paid: usize,
    /// Closed at Alipay and marked timed out.
    pub timed_out: usize,
    /// Alipay could not be reached; retried later.
    pub deferred: usize,
    /// Refunds Alipay confirmed in this pass.
    pub refunded: usize,
}

/// One pass of the sweeper: claim due unpaid orders (a lease, so replicas share the work),
/// reconcile each with `trade.query`, and close those past their timeout — unless Alipay says
/// they are paid, in which case the payment is applied; then send again the refunds that have
/// no answer yet.
pub async fn sweep_once(state: &web::Data<AppState>) -> Result<SweepReport, ApiError> {
    let claimed = with_db(state, |conn, state| {
        let now = state.clock.now().naive_utc();
        let lease = Duration::seconds(sweep_lease_secs(state.config.reconcile_after_secs));
        Ok(Orders::claim_for_sweep(
            conn,
            now,
            now + lease,
            SWEEP_BATCH,
        )?)
    })
    .await?;
    let mut report = SweepReport {
        examined: claimed.len(),
        ..SweepReport::default()
    };
    for order in claimed {
        match sweep_order(state, order).await {
            Ok(Reconciled::Paid | Reconciled::Refunding) => report.paid += 1,
            Ok(Reconciled::TimedOut) => report.timed_out += 1,
            Ok(Reconciled::NotPaid) => {}
            Err(err) => {
                log::warn!("sweeper: {err}");
                report.deferred += 1;
            }
        }
    }
    report.refunded = super::refund::sweep_refunds_once(state).await?;
    Ok(report)
}

async fn sweep_order(state: &web::Data<AppState>, order: OrderRow) -> Result<Reconciled, ApiError> {
    let id = order.id;
    let expires_at = order.expires_at;
    let out_trade_no = order.out_trade_no.clone();
    let cancelled = order.status() == OrderStatus::Cancelled;
    let first = reconcile(state, order.clone()).await?;
    if matches!(first, Reconciled::Paid | Reconciled::Refunding) {
        return Ok(first);
    }
    let now = state.clock.now().naive_utc();
    let every = i64::try_from(state.config.reconcile_after_secs).unwrap_or(60);
    if cancelled {
        // A cashier opened before the cancel can still take the money until the trade's
        // deadline: ask until a while after it, then never again.
        let last_look = expires_at + Duration::seconds(every);
        let next = if now < last_look {
            (now + Duration::seconds(every)).min(last_look)
        } else {
            never()
        };
        with_db(state, move |conn, _| {
            Ok(Orders::sweep_later(conn, id, next)?)
        })
        .await?;
        return Ok(Reconciled::NotPaid);
    }
    if now < expires_at {
        let next = (now + Duration::seconds(every)).min(expires_at);
        with_db(state, move |conn, _| {
            Ok(Orders::sweep_later(conn, id, next)?)
        })
        .await?;
        return Ok(Reconciled::NotPaid);
    }
    // Past the timeout: close the trade first, so that it can no longer be paid, then mark the
    // order. If Alipay refuses because the trade is paid, the payment wins.
    let closed = state
        .payments
        .close(&out_trade_no)
        .await
        .map_err(|err| ApiError::Unavailable(format!("trade.close {out_trade_no}: {err}")))?;
    if closed == CloseOutcome::StatusError {
        let again = reconcile(state, order.clone()).await?;
        if matches!(again, Reconciled::Paid | Reconciled::Refunding) {
            return Ok(again);
        }
    }
    with_db_tx(state, move |conn, state| {
        let now = state.clock.now().naive_utc();
        if Orders::mark_timed_out(conn, id, now)? {
            audit(
                conn,
                state,
                &order,
                "close",
                "trade.close",
                "timed_out",
                None,
            )?;
            Ok(Reconciled::TimedOut)
        } else {
            let current = Orders::by_out_trade_no(conn, &order.out_trade_no)?;
            Ok(match current.map(|o| o.status()) {
                Some(status) if status.was_paid() => Reconciled::Paid,
                Some(OrderStatus::TimedOut) => Reconciled::TimedOut,
                _ => Reconciled::NotPaid,
            })
        }
    })
    .await
}

/// How closing an unpaid order ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// Closed at Alipay and cancelled here.
    Cancelled,
    /// Alipay says it was paid: the payment is applied instead.
    Paid,
    /// It was no longer unpaid here.
    NotUnpaid(OrderStatus),
}

/// Closes an unpaid order: the Alipay trade first, so that an opened cashier can no longer
/// take the money, then the order is cancelled (audited as `outcome`) and its courses are free
/// for another order. If Alipay says it was paid meanwhile, the payment is applied instead.
/// A payment that still arrives later (a cashier opened after the close) is refunded.
pub async fn close_unpaid(
    state: &web::Data<AppState>,
    order: OrderRow,
    outcome: &'static str,
) -> Result<Closed, ApiError> {
    if order.status() != OrderStatus::Unpaid {
        return Ok(Closed::NotUnpaid(order.status()));
    }
    let out_trade_no = order.out_trade_no.clone();
    let closed = state
        .payments
        .close(&out_trade_no)
        .await
        .map_err(|err| ApiError::Unavailable(format!("trade.close {out_trade_no}: {err}")))?;
    if closed == CloseOutcome::StatusError
        && matches!(
            reconcile(state, order.clone()).await?,
            Reconciled::Paid | Reconciled::Refunding
        )
    {
        return Ok(Closed::Paid);
    }
    with_db_tx(state, move |conn, state| {
        if Orders::mark_cancelled(conn, order.id, state.clock.now().naive_utc())? {
            audit(conn, state, &order, "close", "trade.close", outcome, None)?;
            return Ok(Closed::Cancelled);
        }
        let current = Orders::by_id(conn, order.id)?.status();
        Ok(if current.was_paid() {
            Closed::Paid
        } else {
            Closed::NotUnpaid(current)
        })
    })
    .await
}

/// The buyer cancels an unpaid order (see [`close_unpaid`]); a paid one cannot be cancelled.
pub async fn cancel(
    state: &web::Data<AppState>,
    user_id: i64,
    out_trade_no: String,
) -> Result<OrderStatus, ApiError> {
    let order = with_db(state, move |conn, _| {
        Orders::by_out_trade_no(conn, &out_trade_no)?
            .filter(|order| order.user_id == user_id)
            .ok_or_else(|| ApiError::NotFound("order".into()))
    })
    .await?;
    match close_unpaid(state, order, "cancelled").await? {
        Closed::Cancelled => Ok(OrderStatus::Cancelled),
        Closed::Paid => Err(ApiError::rejected("订单已支付，不能取消")),
        Closed::NotUnpaid(status) => Err(ApiError::rejected(format!(
            "订单状态为{}，不能取消",
            status.label()
        ))),
    }
}
