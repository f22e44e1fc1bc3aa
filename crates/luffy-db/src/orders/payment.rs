//! Applying a payment exactly once: it becomes one grant of the order's courses, or, when it
//! cannot (the order was cancelled, or the buyer owns a course already), an automatic refund.
//! And the moves of an unpaid order to timed out or cancelled.

use super::{OrderRow, Orders};
use crate::schema::{luffy_course, luffy_enrollment, luffy_order, luffy_order_line};
use crate::statement::Statement;
use crate::{DbConnection, DbError, write_transaction};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use luffy_domain::order::{
    AutoRefundReason, OrderStatus, PaymentSettlement, ReportedTradeStatus, settle_payment,
};

/// What Alipay reported about the payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidFacts {
    pub trade_no: String,
    pub buyer_id: Option<String>,
    pub pay_time: NaiveDateTime,
}

/// What applying a payment report did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentApplied {
    /// This call moved the order to paid and granted its courses.
    Granted {
        /// The order had timed out before the payment arrived.
        late: bool,
    },
    /// This call recorded the payment and an automatic refund of all of it, granting nothing;
    /// the refund still has to be sent to Alipay.
    Refunding {
        /// Why the money goes back.
        reason: AutoRefundReason,
        /// The refund request.
        refund: super::RefundRow,
    },
    /// The payment was applied before: nothing changed.
    AlreadyPaid,
    /// The report is not a payment: nothing changed.
    NotPaid,
    /// The report's Alipay trade number belongs to another order: nothing changed.
    TradeOfAnotherOrder,
}

/// Why one attempt to apply a payment has to start over.
enum Attempt {
    /// Another writer moved the order, or granted one of its courses, in between.
    Raced,
    Failed(DbError),
}

impl From<diesel::result::Error> for Attempt {
    fn from(err: diesel::result::Error) -> Self {
        Attempt::Failed(err.into())
    }
}

impl From<DbError> for Attempt {
    fn from(err: DbError) -> Self {
        Attempt::Failed(err)
    }
}

/// How often a payment is re-applied after losing a race before giving up.
const ATTEMPTS: usize = 4;

impl Orders {
    /// Applies a verified, matching payment report to the order, in one transaction: the
    /// domain decides ([`settle_payment`]) from the order's status as it is now and whether the
    /// buyer owns one of its courses through another order, and one conditional update moves
    /// the order. A grant inserts one live enrollment per course (a unique index keeps one per
    /// buyer and course) and counts one student each; a refund records the trade and a pending
    /// automatic refund of the whole amount. Either also ends the order's hold on its courses.
    /// Racing reports, replicas or payments of two orders for one course: one wins, the others
    /// see its result and start over.
    pub fn apply_payment(
        conn: &mut DbConnection,
        order_id: i64,
        reported: ReportedTradeStatus,
        facts: &PaidFacts,
        now: NaiveDateTime,
    ) -> Result<PaymentApplied, DbError> {
        for _ in 0..ATTEMPTS {
            match write_transaction(conn, |conn| {
                apply_once(conn, order_id, reported, facts, now)
            }) {
                Ok(applied) => return Ok(applied),
                Err(Attempt::Raced) => continue,
                Err(Attempt::Failed(err)) => return Err(err),
            }
        }
        Err(DbError::Corrupt(format!(
            "the payment of order {order_id} lost {ATTEMPTS} races in a row"
        )))
    }

    /// Moves an unpaid order to timed out; `false` when it was no longer unpaid (for instance a
    /// payment won the race).
    pub fn mark_timed_out(
        conn: &mut DbConnection,
        order_id: i64,
        now: NaiveDateTime,
    ) -> Result<bool, DbError> {
        Self::move_unpaid(conn, order_id, OrderStatus::TimedOut, now)
    }

    /// Moves an unpaid order to cancelled (the buyer gave up, or a new order replaced it).
    pub fn mark_cancelled(
        conn: &mut DbConnection,
        order_id: i64,
        now: NaiveDateTime,
    ) -> Result<bool, DbError> {
        Self::move_unpaid(conn, order_id, OrderStatus::Cancelled, now)
    }

    /// `unpaid → to` with one conditional update, ending the order's hold on its courses in
    /// the same transaction; `true` when this call moved it.
    fn move_unpaid(
        conn: &mut DbConnection,
        order_id: i64,
        to: OrderStatus,
        now: NaiveDateTime,
    ) -> Result<bool, DbError> {
        write_transaction(conn, |conn| {
            let moved = diesel::update(
                luffy_order::table
                    .filter(luffy_order::id.eq(order_id))
                    .filter(luffy_order::status.eq(OrderStatus::Unpaid.as_str())),
            )
            .set((
                luffy_order::status.eq(to.as_str()),
                luffy_order::updated_time.eq(now),
            ))
            .execute(conn)?;
            if moved == 1 {
                release_holds(conn, order_id)?;
            }
            Ok(moved == 1)
        })
    }

    /// How many live grants (not revoked) the order gave, for checks.
    pub fn grants_of(conn: &mut DbConnection, order_id: i64) -> Result<i64, DbError> {
        Ok(luffy_enrollment::table
            .filter(luffy_enrollment::order_id.eq(order_id))
            .filter(luffy_enrollment::revoked_time.is_null())
            .count()
            .get_result(conn)?)
    }
}

fn apply_once(
    conn: &mut DbConnection,
    order_id: i64,
    reported: ReportedTradeStatus,
    facts: &PaidFacts,
    now: NaiveDateTime,
) -> Result<PaymentApplied, Attempt> {
    let order: OrderRow = luffy_order::table
        .find(order_id)
        .select(OrderRow::as_select())
        .first(conn)?;
    let courses: Vec<i64> = luffy_order_line::table
        .filter(luffy_order_line::order_id.eq(order_id))
        .select(luffy_order_line::course_id)
        .load(conn)?;
    let owned_elsewhere: i64 = luffy_enrollment::table
        .filter(luffy_enrollment::user_id.eq(order.user_id))
        .filter(luffy_enrollment::course_id.eq_any(&courses))
        .filter(luffy_enrollment::revoked_time.is_null())
        .filter(luffy_enrollment::order_id.ne(order_id))
        .count()
        .get_result(conn)?;
    let settlement = settle_payment(order.status(), reported, owned_elsewhere > 0);
    let (to, late) = match settlement {
        PaymentSettlement::NotPaid => return Ok(PaymentApplied::NotPaid),
        PaymentSettlement::AlreadyPaid => return Ok(PaymentApplied::AlreadyPaid),
        PaymentSettlement::Grant { late } => (OrderStatus::Paid, late),
        PaymentSettlement::Refund(_) => (
            OrderStatus::Refunding,
            order.status() != OrderStatus::Unpaid,
        ),
    };
    let taken: i64 = luffy_order::table
        .filter(luffy_order::trade_no.eq(&facts.trade_no))
        .filter(luffy_order::id.ne(order_id))
        .count()
        .get_result(conn)?;
    if taken > 0 {
        return Ok(PaymentApplied::TradeOfAnotherOrder);
    }
    let moved = diesel::update(
        luffy_order::table
            .filter(luffy_order::id.eq(order_id))
            .filter(luffy_order::status.eq(order.status().as_str())),
    )
    .set((
        luffy_order::status.eq(to.as_str()),
        luffy_order::trade_no.eq(&facts.trade_no),
        luffy_order::buyer_id.eq(&facts.buyer_id),
        luffy_order::pay_time.eq(facts.pay_time),
        luffy_order::paid_late.eq(late),
        luffy_order::updated_time.eq(now),
    ))
    .execute(conn)?;
    if moved == 0 {
        return Err(Attempt::Raced);
    }
    release_holds(conn, order_id)?;
    match settlement {
        PaymentSettlement::Refund(reason) => {
            let refund = Orders::insert_automatic_refund(conn, &order, reason, now)?;
            Ok(PaymentApplied::Refunding { reason, refund })
        }
        _ => {
            if grant(conn, &order, &courses, now)? < courses.len() {
                // A payment of another order granted one of these courses meanwhile.
                return Err(Attempt::Raced);
            }
            diesel::update(luffy_course::table.filter(luffy_course::id.eq_any(&courses)))
                .set(luffy_course::students.eq(luffy_course::students + 1))
                .execute(conn)?;
            Ok(PaymentApplied::Granted { late })
        }
    }
}

/// Inserts a live enrollment per course, skipping any the buyer holds live already; returns
/// how many were inserted.
fn grant(
    conn: &mut DbConnection,
    order: &OrderRow,
    courses: &[i64],
    now: NaiveDateTime,
) -> Result<usize, DbError> {
    if courses.is_empty() {
        return Ok(0);
    }
    let mut insert = Statement::<BigInt>::new();
    insert.sql("INSERT INTO luffy_enrollment (user_id, course_id, order_id, granted_time) VALUES ");
    for (index, course_id) in courses.iter().enumerate() {
        insert
            .sql(if index == 0 { "(" } else { ", (" })
            .int(order.user_id)
            .sql(", ")
            .int(*course_id)
            .sql(", ")
            .int(order.id)
            .sql(", ")
            .timestamp(now)
            .sql(")");
    }
    insert.sql(" ON CONFLICT DO NOTHING");
    Ok(insert.finish().execute(conn)?)
}

/// The order no longer holds its courses for its buyer.
fn release_holds(conn: &mut DbConnection, order_id: i64) -> Result<(), DbError> {
    diesel::update(luffy_order_line::table.filter(luffy_order_line::order_id.eq(order_id)))
        .set(luffy_order_line::open_buyer_id.eq(None::<i64>))
        .execute(conn)?;
    Ok(())
}
