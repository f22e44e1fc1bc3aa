//! Refunds: idempotent per `out_request_no`, and the order's refunded total only ever grows.

use super::{OrderRow, Orders};
use crate::schema::{luffy_course, luffy_enrollment, luffy_order, luffy_order_line, luffy_refund};
use crate::{DbConnection, DbError, write_transaction};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use luffy_domain::Money;
use luffy_domain::order::OrderStatus;

/// A refund request as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = luffy_refund)]
pub struct RefundRow {
    pub id: i64,
    pub order_id: i64,
    pub out_request_no: String,
    pub amount: i64,
    pub status: String,
    pub reason: Option<String>,
    pub detail: Option<String>,
    pub created_time: NaiveDateTime,
    pub completed_time: Option<NaiveDateTime>,
}

/// What asking for a refund found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundStart {
    /// A new refund request, to send to Alipay.
    New(RefundRow),
    /// The same `out_request_no` was asked before with the same amount: send it again (Alipay
    /// refunds it once) or report it.
    Repeat(RefundRow),
    /// The same `out_request_no` with another amount or order.
    Conflict(RefundRow),
    /// The order cannot be refunded in its status.
    NotRefundable(OrderStatus),
    /// More than what remains to refund.
    TooMuch {
        /// What can still be refunded.
        remaining: Money,
    },
}

const REFUNDABLE: [&str; 3] = ["paid", "partially_refunded", "refunding"];

impl Orders {
    /// Records a refund request and moves the order to refunding, in one transaction.
    pub fn start_refund(
        conn: &mut DbConnection,
        order: &OrderRow,
        out_request_no: &str,
        amount: Money,
        reason: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<RefundStart, DbError> {
        write_transaction(conn, |conn| {
            let existing: Option<RefundRow> = luffy_refund::table
                .filter(luffy_refund::out_request_no.eq(out_request_no))
                .select(RefundRow::as_select())
                .first(conn)
                .optional()?;
            if let Some(existing) = existing {
                return Ok(
                    if existing.order_id == order.id && existing.amount == amount.fen() {
                        RefundStart::Repeat(existing)
                    } else {
                        RefundStart::Conflict(existing)
                    },
                );
            }
            let current: OrderRow = luffy_order::table
                .find(order.id)
                .select(OrderRow::as_select())
                .first(conn)?;
            if !REFUNDABLE.contains(&current.status.as_str()) {
                return Ok(RefundStart::NotRefundable(current.status()));
            }
            let pending: Vec<i64> = luffy_refund::table
                .filter(luffy_refund::order_id.eq(order.id))
                .filter(luffy_refund::status.eq("pending"))
                .select(luffy_refund::amount)
                .load(conn)?;
            let remaining =
                current.total_amount - current.refunded_amount - pending.iter().sum::<i64>();
            if amount.fen() > remaining {
                return Ok(RefundStart::TooMuch {
                    remaining: super::fen(remaining.max(0))?,
                });
            }
            diesel::insert_into(luffy_refund::table)
                .values((
                    luffy_refund::order_id.eq(order.id),
                    luffy_refund::out_request_no.eq(out_request_no),
                    luffy_refund::amount.eq(amount.fen()),
                    luffy_refund::reason.eq(reason),
                    luffy_refund::created_time.eq(now),
                ))
                .execute(conn)?;
            diesel::update(
                luffy_order::table
                    .filter(luffy_order::id.eq(order.id))
                    .filter(luffy_order::status.eq_any(REFUNDABLE)),
            )
            .set((
                luffy_order::status.eq(OrderStatus::Refunding.as_str()),
                luffy_order::updated_time.eq(now),
            ))
            .execute(conn)?;
            Ok(RefundStart::New(
                luffy_refund::table
                    .filter(luffy_refund::out_request_no.eq(out_request_no))
                    .select(RefundRow::as_select())
                    .first(conn)?,
            ))
        })
    }

    /// Marks a refund request done (`succeeded` or `failed`) and settles the order's status from
    /// its refunded total: a failed refund returns a refunding order to where it was.
    pub fn finish_refund(
        conn: &mut DbConnection,
        refund_id: i64,
        succeeded: bool,
        detail: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<(), DbError> {
        let order_id: i64 = write_transaction(conn, |conn| {
            diesel::update(
                luffy_refund::table
                    .filter(luffy_refund::id.eq(refund_id))
                    .filter(luffy_refund::status.eq("pending")),
            )
            .set((
                luffy_refund::status.eq(if succeeded { "succeeded" } else { "failed" }),
                luffy_refund::detail.eq(detail),
                luffy_refund::completed_time.eq(now),
            ))
            .execute(conn)?;
            Ok::<_, DbError>(
                luffy_refund::table
                    .find(refund_id)
                    .select(luffy_refund::order_id)
                    .first(conn)?,
            )
        })?;
        Self::settle_refunding(conn, order_id, now)
    }

    /// Applies Alipay's cumulative refunded total (`refund_fee`) to the order. The total only
    /// grows (a conditional update), so repeated and out-of-order refund reports are no-ops. A
    /// full refund revokes the order's grants and takes its students back, in the same
    /// transaction. Returns whether anything changed.
    pub fn apply_refunded_total(
        conn: &mut DbConnection,
        order: &OrderRow,
        refunded_total: Money,
        now: NaiveDateTime,
    ) -> Result<bool, DbError> {
        let full = refunded_total.fen() >= order.total_amount;
        let status = if full {
            OrderStatus::Refunded
        } else {
            OrderStatus::PartiallyRefunded
        };
        write_transaction(conn, |conn| {
            let moved = diesel::update(
                luffy_order::table
                    .filter(luffy_order::id.eq(order.id))
                    .filter(luffy_order::refunded_amount.lt(refunded_total.fen()))
                    .filter(luffy_order::status.eq_any(REFUNDABLE)),
            )
            .set((
                luffy_order::refunded_amount.eq(refunded_total.fen().min(order.total_amount)),
                luffy_order::status.eq(status.as_str()),
                luffy_order::updated_time.eq(now),
            ))
            .execute(conn)?;
            if moved == 0 {
                return Ok(false);
            }
            diesel::update(
                luffy_refund::table
                    .filter(luffy_refund::order_id.eq(order.id))
                    .filter(luffy_refund::status.eq("pending"))
                    .filter(luffy_refund::amount.le(refunded_total.fen())),
            )
            .set((
                luffy_refund::status.eq("succeeded"),
                luffy_refund::completed_time.eq(now),
            ))
            .execute(conn)?;
            if full {
                Self::revoke_grants(conn, order.id, now)?;
            }
            Ok(true)
        })
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

    /// A refunding order with no pending request left goes back to paid, partially refunded or
    /// refunded, from its refunded total.
    fn settle_refunding(
        conn: &mut DbConnection,
        order_id: i64,
        now: NaiveDateTime,
    ) -> Result<(), DbError> {
        let pending: i64 = luffy_refund::table
            .filter(luffy_refund::order_id.eq(order_id))
            .filter(luffy_refund::status.eq("pending"))
            .count()
            .get_result(conn)?;
        if pending > 0 {
            return Ok(());
        }
        let order: OrderRow = luffy_order::table
            .find(order_id)
            .select(OrderRow::as_select())
            .first(conn)?;
        let settled = if order.refunded_amount == 0 {
            OrderStatus::Paid
        } else if order.refunded_amount >= order.total_amount {
            OrderStatus::Refunded
        } else {
            OrderStatus::PartiallyRefunded
        };
        diesel::update(
            luffy_order::table
                .filter(luffy_order::id.eq(order_id))
                .filter(luffy_order::status.eq(OrderStatus::Refunding.as_str())),
        )
        .set((
            luffy_order::status.eq(settled.as_str()),
            luffy_order::updated_time.eq(now),
        ))
        .execute(conn)?;
        Ok(())
    }
}

impl RefundRow {
    /// The requested amount as money.
    pub fn amount_money(&self) -> Result<Money, DbError> {
        super::fen(self.amount)
    }
}
