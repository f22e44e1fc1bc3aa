//! One payment path: a verified report that an order's trade was paid — an async notify, or a
//! `trade.query` answer from the second check or the sweeper — is checked against the order and
//! applied by [`Orders::apply_payment`], which grants the courses or records an automatic
//! refund. The caller audits the outcome in the same transaction and, after it commits, sends
//! an automatic refund with [`super::refund::send_refund_later`].

use crate::api::ApiError;
use crate::state::AppState;
use luffy_db::DbConnection;
use luffy_db::orders::{OrderRow, Orders, PaidFacts, PaymentApplied, RefundRow};
use luffy_domain::order::{PaymentEvidence, check_payment};

/// A verified report of a payment.
#[derive(Debug, Clone)]
pub struct PaymentReport {
    /// The facts to check against the order.
    pub evidence: PaymentEvidence,
    /// The trade, buyer and time to record.
    pub facts: PaidFacts,
    /// Whether the report names the seller (a notify does; a query answer does not).
    pub names_seller: bool,
}

/// What applying a report did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportOutcome {
    /// The order became paid and its courses were granted.
    Paid {
        /// It had timed out first.
        late: bool,
    },
    /// The payment was recorded and is refunded in full automatically.
    Refunding(RefundRow),
    /// Applied before: nothing changed.
    Duplicate,
    /// Not a payment: nothing changed.
    Ignored,
    /// Signed, but not this order's payment: nothing changed.
    Mismatch(String),
}

impl ReportOutcome {
    /// The outcome recorded in the payment audit trail.
    pub fn audit_outcome(&self) -> &'static str {
        match self {
            ReportOutcome::Paid { late: false } => "paid",
            ReportOutcome::Paid { late: true } => "paid_late",
            ReportOutcome::Refunding(_) => "refund_due",
            ReportOutcome::Duplicate => "duplicate",
            ReportOutcome::Ignored => "ignored",
            ReportOutcome::Mismatch(_) => "mismatch",
        }
    }

    /// Detail for the audit trail.
    pub fn detail(&self) -> Option<String> {
        match self {
            ReportOutcome::Mismatch(why) => Some(why.clone()),
            ReportOutcome::Refunding(refund) => refund.reason.clone(),
            _ => None,
        }
    }

    /// The automatic refund to send, if this report recorded one.
    pub fn refund_to_send(&self) -> Option<&RefundRow> {
        match self {
            ReportOutcome::Refunding(refund) => Some(refund),
            _ => None,
        }
    }
}

/// Why `report` is not `order`'s trade (another app, amount or, when named, seller), if so.
pub fn mismatch(
    state: &AppState,
    order: &OrderRow,
    report: &PaymentReport,
) -> Result<Option<String>, ApiError> {
    let seller = if report.names_seller {
        state.payments.seller_id()
    } else {
        None
    };
    Ok(check_payment(
        &report.evidence,
        state.payments.app_id(),
        order.total()?,
        seller,
    )
    .err()
    .map(|mismatch| mismatch.to_string()))
}

/// Checks `report` against `order` ([`mismatch`]) and applies it. Runs inside the caller's
/// transaction, next to its audit row.
pub fn apply_report(
    conn: &mut DbConnection,
    state: &AppState,
    order: &OrderRow,
    report: &PaymentReport,
) -> Result<ReportOutcome, ApiError> {
    if let Some(why) = mismatch(state, order, report)? {
        return Ok(ReportOutcome::Mismatch(why));
    }
    let now = state.clock.now().naive_utc();
    Ok(
        match Orders::apply_payment(conn, order.id, report.evidence.status, &report.facts, now)? {
            PaymentApplied::Granted { late } => ReportOutcome::Paid { late },
            PaymentApplied::Refunding { refund, .. } => ReportOutcome::Refunding(refund),
            PaymentApplied::AlreadyPaid => ReportOutcome::Duplicate,
            PaymentApplied::NotPaid => ReportOutcome::Ignored,
            PaymentApplied::TradeOfAnotherOrder => ReportOutcome::Mismatch(format!(
                "trade_no {} belongs to another order",
                report.facts.trade_no
            )),
        },
    )
}
