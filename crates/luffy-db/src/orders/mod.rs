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
pub use refund::{RefundAnswer, RefundRow, RefundStart};

use crate::schema::{luffy_course, luffy_enrollment, luffy_order, luffy_order_line};
use crate::statement::Statement;
use crate::{Backend, DbConnection, DbError, write_transaction};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::DatabaseErrorKind;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use luffy_domain::Money;
use luffy_domain::order::{CourseForSale, OrderStatus, PricedCart};
use std::collections::{BTreeSet, HashMap, HashSet};

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

/// Appends the order's lines as rows of values: `(order_id, course_id, price, real_price,
/// open_buyer_id)`, or without the order id when it is `None`. Each line holds the buyer's
/// purchase of its course while the order is open.
fn push_lines<ST>(out: &mut Statement<ST>, order: &NewOrder, order_id: Option<i64>) {
    for (index, item) in order.cart.items.iter().enumerate() {
        out.sql(if index == 0 { "(" } else { ", (" });
        if let Some(order_id) = order_id {
            out.int(order_id).sql(", ");
        }
        out.int(item.course_id)
            .sql(", ")
            .int(item.price.fen())
            .sql(", ")
            .int(item.real_price.fen())
            .sql(", ")
            .int(order.user_id)
            .sql(")");
    }
}

/// What writing a new order did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted {
    /// The order and its lines are written.
    Created(Box<OrderRow>),
    /// The order number is taken: nothing written.
    NumberTaken,
    /// Another open order of the buyer holds one of the courses: nothing written.
    CourseHeld,
}

/// An open order of a buyer and the courses it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenOrder {
    /// The order.
    pub order: OrderRow,
    /// Its courses.
    pub courses: BTreeSet<i64>,
}

/// Why a new order was not written.
enum Unwritten {
    NumberTaken,
    CourseHeld,
    Failed(DbError),
}

impl From<diesel::result::Error> for Unwritten {
    fn from(err: diesel::result::Error) -> Self {
        Unwritten::Failed(err.into())
    }
}

pub(crate) fn fen(value: i64) -> Result<Money, DbError> {
    Money::from_fen(value).map_err(|err| DbError::Corrupt(format!("stored amount {value}: {err}")))
}

/// The buyer and the requested courses, as a cart is priced against them.
#[derive(Debug, Clone)]
pub struct CartSource {
    /// Whether the buyer may buy.
    pub active: bool,
    /// The buyer's token version: a login token of another version is revoked.
    pub token_version: i64,
    /// The requested courses that exist.
    pub catalog: Vec<CourseForSale>,
    /// The requested courses the buyer owns now.
    pub owned: HashSet<i64>,
    /// The requested courses an open (unpaid) order of the buyer holds, with that order's id.
    pub held: HashMap<i64, i64>,
}

type CartSourceSql = (
    Bool,
    BigInt,
    Nullable<BigInt>,
    Nullable<Text>,
    Nullable<BigInt>,
    Nullable<Bool>,
    Nullable<Bool>,
    Nullable<Bool>,
    Nullable<BigInt>,
);
type CartSourceRow = (
    bool,
    i64,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<bool>,
    Option<bool>,
    Option<bool>,
    Option<i64>,
);

/// The queries on orders.
#[derive(Debug)]
pub struct Orders;

impl Orders {
    /// The buyer and the requested courses, in one query: whether the user is active (`None`
    /// when there is no such user), the courses as the shop sells them (missing ids are simply
    /// absent), which of them the user owns now (granted and not revoked) and which an open
    /// order of the user holds; with the user's token version, so that the order's one query
    /// also checks the login.
    pub fn cart_source(
        conn: &mut DbConnection,
        user_id: i64,
        ids: &[i64],
    ) -> Result<Option<CartSource>, DbError> {
        let mut query = Statement::<CartSourceSql>::new();
        query.sql(
            "SELECT u.is_active, u.token_version, c.id, c.name, c.price, c.is_show, c.is_delete, \
             EXISTS (SELECT 1 FROM luffy_enrollment e WHERE e.user_id = u.id \
                     AND e.course_id = c.id AND e.revoked_time IS NULL), \
             (SELECT l.order_id FROM luffy_order_line l WHERE l.open_buyer_id = u.id \
                     AND l.course_id = c.id) \
             FROM luffy_user u LEFT JOIN luffy_course c ON ",
        );
        if ids.is_empty() {
            query.sql("1 = 0");
        } else {
            query.sql("c.id IN (");
            for (index, id) in ids.iter().enumerate() {
                if index > 0 {
                    query.sql(", ");
                }
                query.int(*id);
            }
            query.sql(")");
        }
        query.sql(" WHERE u.id = ").int(user_id);
        let rows: Vec<CartSourceRow> = query.finish().load(conn)?;
        let Some((active, token_version, ..)) = rows.first() else {
            return Ok(None);
        };
        let mut source = CartSource {
            active: *active,
            token_version: *token_version,
            catalog: Vec::with_capacity(rows.len()),
            owned: HashSet::new(),
            held: HashMap::new(),
        };
        for (_, _, id, name, price, is_show, is_delete, owned, held_by) in rows {
            let (Some(id), Some(name), Some(price)) = (id, name, price) else {
                continue;
            };
            if owned == Some(true) {
                source.owned.insert(id);
            }
            if let Some(order_id) = held_by {
                source.held.insert(id, order_id);
            }
            source.catalog.push(CourseForSale {
                id,
                name,
                price: fen(price)?,
                on_sale: is_show == Some(true) && is_delete == Some(false),
            });
        }
        Ok(Some(source))
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

    /// Creates the order and all its lines: both exist, or neither.
    pub fn create(conn: &mut DbConnection, order: &NewOrder) -> Result<OrderRow, DbError> {
        match Self::insert_unpaid(conn, order)? {
            Inserted::Created(row) => Ok(*row),
            Inserted::NumberTaken | Inserted::CourseHeld => {
                Err(DbError::Query(diesel::result::Error::DatabaseError(
                    DatabaseErrorKind::UniqueViolation,
                    Box::new(format!("order {} clashes", order.out_trade_no)),
                )))
            }
        }
    }

    /// Writes the order and all its lines, each line holding the buyer's purchase of its
    /// course while the order is open; nothing is written when the order number is taken or
    /// another open order of the buyer holds one of the courses. On PostgreSQL that is one
    /// statement; on SQLite two, in a savepoint of their own.
    pub fn insert_unpaid(conn: &mut DbConnection, order: &NewOrder) -> Result<Inserted, DbError> {
        let attempt = |conn: &mut DbConnection| match Self::write_unpaid(conn, order) {
            Ok(None) => Err(Unwritten::NumberTaken),
            Ok(Some(row)) => Ok(row),
            Err(err) if err.is_unique_violation() => Err(Unwritten::CourseHeld),
            Err(err) => Err(Unwritten::Failed(err)),
        };
        // PostgreSQL writes in one statement, which stands or falls whole.
        let written = if conn.backend() == Backend::Postgres {
            attempt(conn)
        } else {
            write_transaction(conn, attempt)
        };
        match written {
            Ok(row) => Ok(Inserted::Created(Box::new(row))),
            Err(Unwritten::NumberTaken) => Ok(Inserted::NumberTaken),
            Err(Unwritten::CourseHeld) => Ok(Inserted::CourseHeld),
            Err(Unwritten::Failed(err)) => Err(err),
        }
    }

    fn write_unpaid(
        conn: &mut DbConnection,
        order: &NewOrder,
    ) -> Result<Option<OrderRow>, DbError> {
        let postgres = conn.backend() == Backend::Postgres && !order.cart.items.is_empty();
        let mut insert = Statement::<BigInt>::new();
        if postgres {
            // PostgreSQL writes the lines in the same statement, one round trip fewer.
            insert.sql("WITH o AS (");
        }
        insert
            .sql(
                "INSERT INTO luffy_order (out_trade_no, user_id, subject, total_amount, status, \
                 pay_type, expires_at, sweep_after, created_time, updated_time) VALUES (",
            )
            .text(order.out_trade_no.as_str())
            .sql(", ")
            .int(order.user_id)
            .sql(", ")
            .text(order.subject.as_str())
            .sql(", ")
            .int(order.cart.total.fen())
            .sql(", ")
            .text(OrderStatus::Unpaid.as_str())
            .sql(", ")
            .int(i64::from(order.pay_type))
            .sql(", ")
            .timestamp(order.expires_at)
            .sql(", ")
            .timestamp(order.first_sweep)
            .sql(", ")
            .timestamp(order.now)
            .sql(", ")
            .timestamp(order.now)
            .sql(") ON CONFLICT (out_trade_no) DO NOTHING RETURNING id");
        if postgres {
            insert.sql(
                "), l AS (INSERT INTO luffy_order_line \
                 (order_id, course_id, price, real_price, open_buyer_id) \
                 SELECT o.id, v.course_id, v.price, v.real_price, v.open_buyer_id FROM o, (VALUES ",
            );
            push_lines(&mut insert, order, None);
            insert.sql(") v (course_id, price, real_price, open_buyer_id)) SELECT id FROM o");
        }
        let Some(order_id) = insert.finish().get_result::<i64>(conn).optional()? else {
            return Ok(None);
        };
        if !postgres && !order.cart.items.is_empty() {
            let mut lines = Statement::<BigInt>::new();
            lines.sql(
                "INSERT INTO luffy_order_line \
                 (order_id, course_id, price, real_price, open_buyer_id) VALUES ",
            );
            push_lines(&mut lines, order, Some(order_id));
            lines.finish().execute(conn)?;
        }
        // Every column is known: no need to read the row back.
        Ok(Some(OrderRow {
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
        }))
    }

    /// The open orders with these ids, each with the courses it holds.
    pub fn open_orders(
        conn: &mut DbConnection,
        order_ids: &[i64],
    ) -> Result<Vec<OpenOrder>, DbError> {
        let orders: Vec<OrderRow> = luffy_order::table
            .filter(luffy_order::id.eq_any(order_ids))
            .filter(luffy_order::status.eq(OrderStatus::Unpaid.as_str()))
            .order(luffy_order::id)
            .select(OrderRow::as_select())
            .load(conn)?;
        let lines: Vec<(i64, i64)> = luffy_order_line::table
            .filter(luffy_order_line::order_id.eq_any(order_ids))
            .select((luffy_order_line::order_id, luffy_order_line::course_id))
            .load(conn)?;
        Ok(orders
            .into_iter()
            .map(|order| OpenOrder {
                courses: lines
                    .iter()
                    .filter(|(order_id, _)| *order_id == order.id)
                    .map(|(_, course_id)| *course_id)
                    .collect(),
                order,
            })
            .collect())
    }

    /// The order with this id.
    pub fn by_id(conn: &mut DbConnection, order_id: i64) -> Result<OrderRow, DbError> {
        luffy_order::table
            .find(order_id)
            .select(OrderRow::as_select())
            .first(conn)
            .optional()?
            .ok_or(DbError::NotFound("order"))
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
