//! The payment audit trail: every notify (verified or not) and every reconciliation.

use crate::schema::luffy_payment_event;
use crate::{DbConnection, DbError};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// An audit row to write.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = luffy_payment_event)]
pub struct NewPaymentEvent {
    pub received_time: NaiveDateTime,
    /// `notify`, `query` (a `trade.query` reconciliation), `close` or `refund`.
    pub source: String,
    pub client_addr: Option<String>,
    pub out_trade_no: Option<String>,
    pub notify_id: Option<String>,
    pub trade_status: Option<String>,
    /// The raw form body of a notify, or the verified response of a query.
    pub raw: String,
    /// What it did: `paid`, `paid_late`, `duplicate`, `ignored`, `bad_signature`, `mismatch`,
    /// `unknown_order`, `refunded`, `timed_out`, …
    pub outcome: String,
    pub detail: Option<String>,
}

/// An audit row as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = luffy_payment_event)]
pub struct PaymentEvent {
    pub id: i64,
    pub received_time: NaiveDateTime,
    pub source: String,
    pub client_addr: Option<String>,
    pub out_trade_no: Option<String>,
    pub notify_id: Option<String>,
    pub trade_status: Option<String>,
    pub raw: String,
    pub outcome: String,
    pub detail: Option<String>,
}

impl PaymentEvent {
    /// Appends an audit row.
    pub fn record(conn: &mut DbConnection, event: &NewPaymentEvent) -> Result<(), DbError> {
        diesel::insert_into(luffy_payment_event::table)
            .values(event)
            .execute(conn)?;
        Ok(())
    }

    /// The audit rows of an order, oldest first.
    pub fn of_order(
        conn: &mut DbConnection,
        out_trade_no: &str,
    ) -> Result<Vec<PaymentEvent>, DbError> {
        Ok(luffy_payment_event::table
            .filter(luffy_payment_event::out_trade_no.eq(out_trade_no))
            .order(luffy_payment_event::id)
            .select(PaymentEvent::as_select())
            .load(conn)?)
    }

    /// How many rows have `outcome`, for checks.
    pub fn count_outcome(conn: &mut DbConnection, outcome: &str) -> Result<i64, DbError> {
        Ok(luffy_payment_event::table
            .filter(luffy_payment_event::outcome.eq(outcome))
            .count()
            .get_result(conn)?)
    }
}
