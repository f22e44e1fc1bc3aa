//! Refunds: idempotent per `out_request_no`; a request settles only from Alipay's answer for
//! that request, and the order's refunded amount is the sum of the settled ones.
//!
//! Every change takes the order's row lock first (an update of the order), so concurrent
//! refunds of one order on several replicas see each other: pending requests count against what
//! may still be refunded, and the refunded amount is summed after the lock.

use super::{OrderRow, Orders};
use crate::schema::{luffy_course, luffy_enrollment, luffy_order, luffy_order_line, luffy_refund};
use crate::{DbConnection, DbError, write_transaction};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use luffy_domain::Money;
use luffy_domain::order::{
    AutoRefundReason, OrderStatus, automatic_refund_no, refundable, status_after_refunds,
};

/// A refund request as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = luffy_refund)]
pub struct RefundRow {
    pub id: i64,
    pub order_id: i64,
    pub out_request_no: String,
    pub amount: i64,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    pub reason: Option<String>,
    pub detail: Option<String>,
    pub created_time: NaiveDateTime,
    pub completed_time: Option<NaiveDateTime>,
    /// Made by Luffy itself for a payment that could not become a grant.
    pub automatic: bool,
    /// When the sweeper next sends a pending request again.
    pub retry_after: Option<NaiveDateTime>,
    /// How often it was sent without an answer.
    pub attempts: i32,
}

/// What asking for a refund found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundStart {
    /// A new refund request, to send to Alipay.
    New(RefundRow),
    /// The same `out_request_no` was asked before with the same amount: send it again if it
    /// is pending (Alipay refunds it once), or report how it ended.
    Repeat(RefundRow),
    /// The same `out_request_no` with another amount or order.
    Conflict(RefundRow),
    /// The order cannot be refunded in its status.
    NotRefundable(OrderStatus),
    /// More than what remains to refund, pending requests counted.
    TooMuch {
        /// What can still be refunded.
        remaining: Money,
    },
}

/// Alipay's answer to one refund request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundAnswer {
    /// Alipay refunded this request (its answer, its refund query, or its refund notify).
    Succeeded,
    /// Alipay refused this request for good. An automatic refund is never given up: it is
    /// retried like an unanswered one.
    Refused {
        /// Alipay's reason.
        detail: String,
        /// When an automatic refund is sent again.
        retry_at: NaiveDateTime,
    },
    /// No answer (timeout, connection, Alipay busy): stays pending and counts against what may
    /// still be refunded; sent again at `retry_at`.
    Unanswered {
        /// What went wrong.
        detail: String,
        /// When it is sent again.
        retry_at: NaiveDateTime,
    },
}

const REFUNDABLE: [&str; 3] = ["paid", "partially_refunded", "refunding"];

const PENDING: &str = "pending";
const SUCCEEDED: &str = "succeeded";
const FAILED: &str = "failed";

impl Orders {
    /// Records a staff refund request of `amount` (or all that remains) and moves the order to
    /// refunding, in one transaction under the order's lock. `retry_at` is when the sweeper
    /// sends it again should no answer ever be recorded (the process died in between, say).
    pub fn start_refund(
        conn: &mut DbConnection,
        order_id: i64,
        out_request_no: &str,
        amount: Option<Money>,
        reason: Option<&str>,
        now: NaiveDateTime,
        retry_at: NaiveDateTime,
    ) -> Result<RefundStart, DbError> {
        write_transaction(conn, |conn| {
            let current = lock_order(conn, order_id, now)?;
            let existing: Option<RefundRow> = luffy_refund::table
                .filter(luffy_refund::out_request_no.eq(out_request_no))
                .select(RefundRow::as_select())
                .first(conn)
                .optional()?;
            if let Some(existing) = existing {
                let same_amount = amount.is_none_or(|amount| amount.fen() == existing.amount);
                return Ok(if existing.order_id == order_id && same_amount {
                    RefundStart::Repeat(existing)
                } else {
                    RefundStart::Conflict(existing)
                });
            }
            if !REFUNDABLE.contains(&current.status.as_str()) {
                return Ok(RefundStart::NotRefundable(current.status()));
            }
            let remaining = refundable(
                current.total()?,
                current.refunded()?,
                pending_sum(conn, order_id)?,
            );
            let amount = amount.unwrap_or(remaining);
            if amount.is_zero() || amount > remaining {
                return Ok(RefundStart::TooMuch { remaining });
            }
            let row = insert_refund(
                conn,
                order_id,
                out_request_no,
                amount,
                reason,
                false,
                now,
                retry_at,
            )?;
            set_status(conn, order_id, OrderStatus::Refunding, now)?;
            Ok(RefundStart::New(row))
        })
    }

    /// Records the automatic refund of all of a payment that cannot become a grant. Runs in
    /// the transaction that applies the payment.
    pub(super) fn insert_automatic_refund(
        conn: &mut DbConnection,
        order: &OrderRow,
        reason: AutoRefundReason,
        now: NaiveDateTime,
    ) -> Result<RefundRow, DbError> {
        insert_refund(
            conn,
            order.id,
            &automatic_refund_no(&order.out_trade_no),
            order.total()?,
            Some(reason.label()),
            true,
            now,
            now,
        )
    }

    /// Records Alipay's answer to one refund request and settles the order from every answered
    /// request: its refunded amount is the sum of the succeeded ones, and it is refunding while
    /// any is pending. A full refund revokes the order's grants. Answers for a request that is
    /// no longer pending change nothing. Returns the request as it is afterwards.
    pub fn answer_refund(
        conn: &mut DbConnection,
        refund_id: i64,
        answer: &RefundAnswer,
        now: NaiveDateTime,
    ) -> Result<RefundRow, DbError> {
        write_transaction(conn, |conn| {
            let order_id: i64 = luffy_refund::table
                .find(refund_id)
                .select(luffy_refund::order_id)
                .first(conn)?;
            lock_order(conn, order_id, now)?;
            let refund: RefundRow = luffy_refund::table
                .find(refund_id)
                .select(RefundRow::as_select())
                .first(conn)?;
            if refund.status != PENDING {
                return Ok(refund);
            }
            let pending = luffy_refund::table
                .filter(luffy_refund::id.eq(refund_id))
                .filter(luffy_refund::status.eq(PENDING));
            match answer {
                RefundAnswer::Succeeded => {
                    diesel::update(pending)
                        .set((
                            luffy_refund::status.eq(SUCCEEDED),
                            luffy_refund::completed_time.eq(now),
                            luffy_refund::retry_after.eq(None::<NaiveDateTime>),
                        ))
                        .execute(conn)?;
                }
                RefundAnswer::Refused { detail, .. } if !refund.automatic => {
                    diesel::update(pending)
                        .set((
                            luffy_refund::status.eq(FAILED),
                            luffy_refund::detail.eq(detail),
                            luffy_refund::completed_time.eq(now),
                            luffy_refund::retry_after.eq(None::<NaiveDateTime>),
                        ))
                        .execute(conn)?;
                }
                RefundAnswer::Refused { detail, retry_at }
                | RefundAnswer::Unanswered { detail, retry_at } => {
                    diesel::update(pending)
                        .set((
                            luffy_refund::detail.eq(detail),
                            luffy_refund::retry_after.eq(retry_at),
                            luffy_refund::attempts.eq(luffy_refund::attempts + 1),
                        ))
                        .execute(conn)?;
                }
            }
            settle(conn, order_id, now)?;
            Ok(luffy_refund::table
                .find(refund_id)
                .select(RefundRow::as_select())
                .first(conn)?)
        })
    }

    /// Claims up to `limit` pending refunds due to be sent again, pushing their next try to
    /// `lease_until` with one conditional update each, so that one replica sends each.
    pub fn claim_due_refunds(
        conn: &mut DbConnection,
        now: NaiveDateTime,
        lease_until: NaiveDateTime,
        limit: i64,
    ) -> Result<Vec<(RefundRow, OrderRow)>, DbError> {
        let due: Vec<(RefundRow, OrderRow)> = luffy_refund::table
            .inner_join(luffy_order::table)
            .filter(luffy_refund::status.eq(PENDING))
            .filter(luffy_refund::retry_after.le(now))
            .order((luffy_refund::retry_after, luffy_refund::id))
            .limit(limit)
            .select((RefundRow::as_select(), OrderRow::as_select()))
            .load(conn)?;
        let mut claimed = Vec::with_capacity(due.len());
        for (refund, order) in due {
            let won = diesel::update(
                luffy_refund::table
                    .filter(luffy_refund::id.eq(refund.id))
                    .filter(luffy_refund::status.eq(PENDING))
                    .filter(luffy_refund::retry_after.eq(refund.retry_after)),
            )
            .set(luffy_refund::retry_after.eq(lease_until))
            .execute(conn)?;
            if won == 1 {
                claimed.push((refund, order));
            }
        }
        Ok(claimed)
    }

    /// The refund requests of `order_ids`, oldest first.
    pub fn refunds_of(
        conn: &mut DbConnection,
        order_ids: &[i64],
    ) -> Result<Vec<RefundRow>, DbError> {
        Ok(luffy_refund::table
            .filter(luffy_refund::order_id.eq_any(order_ids))
            .order(luffy_refund::id)
            .select(RefundRow::as_select())
            .load(conn)?)
    }

    /// The refund request with this number.
    pub fn refund_by_request_no(
        conn: &mut DbConnection,
        out_request_no: &str,
    ) -> Result<Option<RefundRow>, DbError> {
        Ok(luffy_refund::table
            .filter(luffy_refund::out_request_no.eq(out_request_no))
            .select(RefundRow::as_select())
            .first(conn)
            .optional()?)
    }

    /// Refund requests, newest first, optionally only automatic ones and only in `status`.
    pub fn refund_list(
        conn: &mut DbConnection,
        automatic: Option<bool>,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<(RefundRow, String)>, DbError> {
        let mut query = luffy_refund::table
            .inner_join(luffy_order::table)
            .select((RefundRow::as_select(), luffy_order::out_trade_no))
            .order(luffy_refund::id.desc())
            .limit(limit)
            .into_boxed();
        if let Some(automatic) = automatic {
            query = query.filter(luffy_refund::automatic.eq(automatic));
        }
        if let Some(status) = status {
            query = query.filter(luffy_refund::status.eq(status.to_owned()));
        }
        Ok(query.load(conn)?)
    }
}

/// Takes the order's row lock (an update of it), then reads it: whatever another transaction
/// did to the order or its refunds before is seen from here on.
fn lock_order(
    conn: &mut DbConnection,
    order_id: i64,
    now: NaiveDateTime,
) -> Result<OrderRow, DbError> {
    let locked = diesel::update(luffy_order::table.filter(luffy_order::id.eq(order_id)))
        .set(luffy_order::updated_time.eq(now))
        .execute(conn)?;
    if locked == 0 {
        return Err(DbError::NotFound("order"));
    }
    Ok(luffy_order::table
        .find(order_id)
        .select(OrderRow::as_select())
        .first(conn)?)
}

fn pending_sum(conn: &mut DbConnection, order_id: i64) -> Result<Money, DbError> {
    let amounts: Vec<i64> = luffy_refund::table
        .filter(luffy_refund::order_id.eq(order_id))
        .filter(luffy_refund::status.eq(PENDING))
        .select(luffy_refund::amount)
        .load(conn)?;
    super::fen(amounts.iter().sum())
}

#[allow(clippy::too_many_arguments, reason = "one row's columns")]
fn insert_refund(
    conn: &mut DbConnection,
    order_id: i64,
    out_request_no: &str,
    amount: Money,
    reason: Option<&str>,
    automatic: bool,
    now: NaiveDateTime,
    retry_at: NaiveDateTime,
) -> Result<RefundRow, DbError> {
    diesel::insert_into(luffy_refund::table)
        .values((
            luffy_refund::order_id.eq(order_id),
            luffy_refund::out_request_no.eq(out_request_no),
            luffy_refund::amount.eq(amount.fen()),
            luffy_refund::reason.eq(reason),
            luffy_refund::created_time.eq(now),
            luffy_refund::automatic.eq(automatic),
            luffy_refund::retry_after.eq(Some(retry_at)),
        ))
        .execute(conn)?;
    Ok(luffy_refund::table
        .filter(luffy_refund::out_request_no.eq(out_request_no))
        .select(RefundRow::as_select())
        .first(conn)?)
}

fn set_status(
    conn: &mut DbConnection,
    order_id: i64,
    status: OrderStatus,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(
        luffy_order::table
            .filter(luffy_order::id.eq(order_id))
            .filter(luffy_order::status.eq_any(REFUNDABLE)),
    )
    .set((
        luffy_order::status.eq(status.as_str()),
        luffy_order::updated_time.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// The order's refunded amount and status from its answered refunds (under its lock).
fn settle(conn: &mut DbConnection, order_id: i64, now: NaiveDateTime) -> Result<(), DbError> {
    let order: OrderRow = luffy_order::table
        .find(order_id)
        .select(OrderRow::as_select())
        .first(conn)?;
    let succeeded: Vec<i64> = luffy_refund::table
        .filter(luffy_refund::order_id.eq(order_id))
        .filter(luffy_refund::status.eq(SUCCEEDED))
        .select(luffy_refund::amount)
        .load(conn)?;
    let refunded = super::fen(succeeded.iter().sum::<i64>().min(order.total_amount))?;
    let any_pending = !pending_sum(conn, order_id)?.is_zero();
    let status = status_after_refunds(order.total()?, refunded, any_pending);
    diesel::update(
        luffy_order::table
            .filter(luffy_order::id.eq(order_id))
            .filter(luffy_order::status.eq_any(REFUNDABLE)),
    )
    .set((
        luffy_order::refunded_amount.eq(refunded.fen()),
        luffy_order::status.eq(status.as_str()),
        luffy_order::updated_time.eq(now),
    ))
    .execute(conn)?;
    if status == OrderStatus::Refunded {
        revoke_grants(conn, order_id, now)?;
    }
    Ok(())
}

fn revoke_grants(
    conn: &mut DbConnection,
    order_id: i64,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let revoked = diesel::update(
        luffy_enrollment::table
            .filter(luffy_enrollment::order_id.eq(order_id))
            .filter(luffy_enrollment::revoked_time.is_null()),
    )
    .set(luffy_enrollment::revoked_time.eq(now))
    .execute(conn)?;
    if revoked > 0 {
        let course_ids: Vec<i64> = luffy_order_line::table
            .filter(luffy_order_line::order_id.eq(order_id))
            .select(luffy_order_line::course_id)
            .load(conn)?;
        diesel::update(
            luffy_course::table
                .filter(luffy_course::id.eq_any(&course_ids))
                .filter(luffy_course::students.gt(0)),
        )
        .set(luffy_course::students.eq(luffy_course::students - 1))
        .execute(conn)?;
    }
    Ok(())
}

impl RefundRow {
    /// The requested amount as money.
    pub fn amount_money(&self) -> Result<Money, DbError> {
        super::fen(self.amount)
    }

    /// Whether Alipay has not answered it yet.
    pub fn is_pending(&self) -> bool {
        self.status == PENDING
    }

    /// Whether Alipay refunded it.
    pub fn succeeded(&self) -> bool {
        self.status == SUCCEEDED
    }
}
