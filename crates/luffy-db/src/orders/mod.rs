//! Orders: creation in one transaction, lookups, payment transitions, refunds, the sweeper's
//! work list and the payment audit trail.
//!
//! Every state change is a conditional update whose row count decides who won, so several
//! replicas can receive the same notify, or sweep at the same time, and still move an order once.

mod audit;
mod payment;
mod refund;
mod sweep;

pub use audit::{NewPaymentEvent, PaymentEvent};
pub use payment::{PaidFacts, PaymentApplied};
pub use refund::{RefundRow, RefundStart};

use crate::schema::{luffy_course, luffy_enrollment, luffy_order, luffy_order_line};
use crate::{DbConnection, DbError, write_transaction};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use luffy_domain::Money;
use luffy_domain::order::{CourseForSale, OrderStatus, PricedCart};
use std::collections::HashSet;

/// An order as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = luffy_order)]
pub struct OrderRow {
    pub id: i64,
    pub out_trade_no: String,
    pub user_id: i64,
    pub subject: String,
    pub total_amount: i64,
    pub refunded_amount: i64,
    pub status: String,
    pub pay_type: i32,
    pub trade_no: Option<String>,
    pub buyer_id: Option<String>,
    pub pay_time: Option<NaiveDateTime>,
    pub paid_late: bool,
    pub expires_at: NaiveDateTime,
    pub sweep_after: NaiveDateTime,
    pub created_time: NaiveDateTime,
    pub updated_time: NaiveDateTime,
}

impl OrderRow {
    /// The status; an unknown text (impossible under the CHECK constraint) reads as unpaid.
    pub fn status(&self) -> OrderStatus {
        self.status.parse().unwrap_or(OrderStatus::Unpaid)
    }

    /// The total as money.
    pub fn total(&self) -> Result<Money, DbError> {
        fen(self.total_amount)
    }

    /// The amount refunded so far.
    pub fn refunded(&self) -> Result<Money, DbError> {
        fen(self.refunded_amount)
    }
}

/// An order line with its course's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLine {
    pub order_id: i64,
    pub course_id: i64,
    pub course_name: String,
    pub price: Money,
    pub real_price: Money,
}

/// What is needed to create an order.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub out_trade_no: String,
    pub user_id: i64,
    pub subject: String,
    pub pay_type: i32,
    pub cart: PricedCart,
    pub now: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    /// When the sweeper first looks at it (reconciliation of a late notify).
    pub first_sweep: NaiveDateTime,
}

pub(crate) fn fen(value: i64) -> Result<Money, DbError> {
    Money::from_fen(value).map_err(|err| DbError::Corrupt(format!("stored amount {value}: {err}")))
}

/// The queries on orders.
#[derive(Debug)]
pub struct Orders;

impl Orders {
    /// The requested courses as the shop sells them (missing ids are simply absent).
    pub fn courses_for_sale(
        conn: &mut DbConnection,
        ids: &[i64],
    ) -> Result<Vec<CourseForSale>, DbError> {
        let rows: Vec<(i64, String, i64, bool, bool)> = luffy_course::table
            .filter(luffy_course::id.eq_any(ids))
            .select((
                luffy_course::id,
                luffy_course::name,
                luffy_course::price,
                luffy_course::is_show,
                luffy_course::is_delete,
            ))
            .load(conn)?;
        rows.into_iter()
            .map(|(id, name, price, is_show, is_delete)| {
                Ok(CourseForSale {
                    id,
                    name,
                    price: fen(price)?,
                    on_sale: is_show && !is_delete,
                })
            })
            .collect()
    }

    /// Which of `ids` the user owns now (granted and not revoked).
    pub fn owned_courses(
        conn: &mut DbConnection,
        user_id: i64,
        ids: &[i64],
    ) -> Result<HashSet<i64>, DbError> {
        let owned: Vec<i64> = luffy_enrollment::table
            .filter(luffy_enrollment::user_id.eq(user_id))
            .filter(luffy_enrollment::course_id.eq_any(ids))
            .filter(luffy_enrollment::revoked_time.is_null())
            .select(luffy_enrollment::course_id)
            .load(conn)?;
        Ok(owned.into_iter().collect())
    }

    /// Creates the order and all its lines in one transaction: both exist, or neither.
    pub fn create(conn: &mut DbConnection, order: &NewOrder) -> Result<OrderRow, DbError> {
        write_transaction(conn, |conn| {
            diesel::insert_into(luffy_order::table)
                .values((
                    luffy_order::out_trade_no.eq(&order.out_trade_no),
                    luffy_order::user_id.eq(order.user_id),
                    luffy_order::subject.eq(&order.subject),
                    luffy_order::total_amount.eq(order.cart.total.fen()),
                    luffy_order::status.eq(OrderStatus::Unpaid.as_str()),
                    luffy_order::pay_type.eq(order.pay_type),
                    luffy_order::expires_at.eq(order.expires_at),
                    luffy_order::sweep_after.eq(order.first_sweep),
                    luffy_order::created_time.eq(order.now),
                    luffy_order::updated_time.eq(order.now),
                ))
                .execute(conn)?;
            let order_id = crate::last_insert_id(conn)?;
            // One statement per line: the two-backend connection cannot batch inserts, and a
            // cart holds a handful of courses.
            for item in &order.cart.items {
                diesel::insert_into(luffy_order_line::table)
                    .values((
                        luffy_order_line::order_id.eq(order_id),
                        luffy_order_line::course_id.eq(item.course_id),
                        luffy_order_line::price.eq(item.price.fen()),
                        luffy_order_line::real_price.eq(item.real_price.fen()),
                    ))
                    .execute(conn)?;
            }
            // Every column is known: no need to read the row back.
            Ok(OrderRow {
                id: order_id,
                out_trade_no: order.out_trade_no.clone(),
                user_id: order.user_id,
                subject: order.subject.clone(),
                total_amount: order.cart.total.fen(),
                refunded_amount: 0,
                status: OrderStatus::Unpaid.as_str().to_owned(),
                pay_type: order.pay_type,
                trade_no: None,
                buyer_id: None,
                pay_time: None,
                paid_late: false,
                expires_at: order.expires_at,
                sweep_after: order.first_sweep,
                created_time: order.now,
                updated_time: order.now,
            })
        })
    }

    /// The order with this merchant number.
    pub fn by_out_trade_no(
        conn: &mut DbConnection,
        out_trade_no: &str,
    ) -> Result<Option<OrderRow>, DbError> {
        Ok(luffy_order::table
            .filter(luffy_order::out_trade_no.eq(out_trade_no))
            .select(OrderRow::as_select())
            .first(conn)
            .optional()?)
    }

    /// How many orders a user has.
    pub fn count_of_user(conn: &mut DbConnection, user_id: i64) -> Result<i64, DbError> {
        Ok(luffy_order::table
            .filter(luffy_order::user_id.eq(user_id))
            .count()
            .get_result(conn)?)
    }

    /// A user's orders, newest first, `limit` at most from `offset`.
    pub fn of_user(
        conn: &mut DbConnection,
        user_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<OrderRow>, DbError> {
        Ok(luffy_order::table
            .filter(luffy_order::user_id.eq(user_id))
            .order((luffy_order::created_time.desc(), luffy_order::id.desc()))
            .limit(limit)
            .offset(offset)
            .select(OrderRow::as_select())
            .load(conn)?)
    }

    /// The lines of `order_ids`, with course names, in one query.
    pub fn lines(conn: &mut DbConnection, order_ids: &[i64]) -> Result<Vec<OrderLine>, DbError> {
        let rows: Vec<(i64, i64, String, i64, i64)> = luffy_order_line::table
            .inner_join(luffy_course::table)
            .filter(luffy_order_line::order_id.eq_any(order_ids))
            .order((luffy_order_line::order_id, luffy_order_line::id))
            .select((
                luffy_order_line::order_id,
                luffy_order_line::course_id,
                luffy_course::name,
                luffy_order_line::price,
                luffy_order_line::real_price,
            ))
            .load(conn)?;
        rows.into_iter()
            .map(|(order_id, course_id, course_name, price, real_price)| {
                Ok(OrderLine {
                    order_id,
                    course_id,
                    course_name,
                    price: fen(price)?,
                    real_price: fen(real_price)?,
                })
            })
            .collect()
    }

    /// The number of orders, for checks.
    pub fn count_all(conn: &mut DbConnection) -> Result<i64, DbError> {
        Ok(luffy_order::table.count().get_result(conn)?)
    }
}
