//! Moving an order to paid (and granting its courses) exactly once, and timing it out.

use super::{OrderRow, Orders};
use crate::schema::{luffy_course, luffy_enrollment, luffy_order, luffy_order_line};
use crate::{DbConnection, DbError, write_transaction};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use luffy_domain::order::OrderStatus;

/// What Alipay reported about the payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidFacts {
    pub trade_no: String,
    pub buyer_id: Option<String>,
    pub pay_time: NaiveDateTime,
}

/// What applying a payment did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentApplied {
    /// This call moved the order to paid and granted its courses.
    Transitioned {
        /// The order had timed out or been cancelled before the payment arrived.
        late: bool,
    },
    /// The order was already paid (or past it): nothing changed.
    AlreadyPaid,
}

impl Orders {
    /// Moves the order from `from` (unpaid, timed out or cancelled) to paid, recording the
    /// trade, and in the same transaction grants every course of the order and adds one student
    /// to each. Only one caller can win the conditional update, so the grant and the student
    /// count happen once however many notifies race.
    pub fn mark_paid(
        conn: &mut DbConnection,
        order: &OrderRow,
        facts: &PaidFacts,
        now: NaiveDateTime,
    ) -> Result<PaymentApplied, DbError> {
        let from = order.status();
        let late = matches!(from, OrderStatus::TimedOut | OrderStatus::Cancelled);
        if !from.can_become(OrderStatus::Paid) || from.was_paid() {
            return Ok(PaymentApplied::AlreadyPaid);
        }
        write_transaction(conn, |conn| {
            let moved = diesel::update(
                luffy_order::table
                    .filter(luffy_order::id.eq(order.id))
                    .filter(luffy_order::status.eq(from.as_str())),
            )
            .set((
                luffy_order::status.eq(OrderStatus::Paid.as_str()),
                luffy_order::trade_no.eq(&facts.trade_no),
                luffy_order::buyer_id.eq(&facts.buyer_id),
                luffy_order::pay_time.eq(facts.pay_time),
                luffy_order::paid_late.eq(late),
                luffy_order::updated_time.eq(now),
            ))
            .execute(conn)?;
            if moved == 0 {
                return Ok(PaymentApplied::AlreadyPaid);
            }
            let course_ids: Vec<i64> = luffy_order_line::table
                .filter(luffy_order_line::order_id.eq(order.id))
                .select(luffy_order_line::course_id)
                .load(conn)?;
            for course_id in &course_ids {
                diesel::insert_into(luffy_enrollment::table)
                    .values((
                        luffy_enrollment::user_id.eq(order.user_id),
                        luffy_enrollment::course_id.eq(*course_id),
                        luffy_enrollment::order_id.eq(order.id),
                        luffy_enrollment::granted_time.eq(now),
                    ))
                    .execute(conn)?;
            }
            diesel::update(luffy_course::table.filter(luffy_course::id.eq_any(&course_ids)))
                .set(luffy_course::students.eq(luffy_course::students + 1))
                .execute(conn)?;
            Ok(PaymentApplied::Transitioned { late })
        })
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

    /// Moves an unpaid order to cancelled (the buyer gave up).
    pub fn mark_cancelled(
        conn: &mut DbConnection,
        order_id: i64,
        now: NaiveDateTime,
    ) -> Result<bool, DbError> {
        Self::move_unpaid(conn, order_id, OrderStatus::Cancelled, now)
    }

    /// `unpaid → to` with one conditional update; `true` when this call moved it.
    fn move_unpaid(
        conn: &mut DbConnection,
        order_id: i64,
        to: OrderStatus,
        now: NaiveDateTime,
    ) -> Result<bool, DbError> {
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
        Ok(moved == 1)
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
