//! The sweeper's work list: unpaid orders whose next look is due, claimed with a lease so that
//! replicas sweeping at the same time do not work on the same order.

use super::{OrderRow, Orders};
use crate::schema::luffy_order;
use crate::{DbConnection, DbError};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use luffy_domain::order::OrderStatus;

impl Orders {
    /// Claims up to `limit` unpaid or cancelled orders whose `sweep_after` has passed, pushing
    /// it to `lease_until` with one conditional update each: only the replica whose update
    /// counts a row works on that order now. (A cancelled order is watched until its trade's
    /// deadline: a cashier opened before the cancel can still take the money.)
    pub fn claim_for_sweep(
        conn: &mut DbConnection,
        now: NaiveDateTime,
        lease_until: NaiveDateTime,
        limit: i64,
    ) -> Result<Vec<OrderRow>, DbError> {
        let watched = [
            OrderStatus::Unpaid.as_str(),
            OrderStatus::Cancelled.as_str(),
        ];
        let candidates: Vec<OrderRow> = luffy_order::table
            .filter(luffy_order::status.eq_any(watched))
            .filter(luffy_order::sweep_after.le(now))
            .order((luffy_order::sweep_after, luffy_order::id))
            .limit(limit)
            .select(OrderRow::as_select())
            .load(conn)?;
        let mut claimed = Vec::with_capacity(candidates.len());
        for order in candidates {
            let won = diesel::update(
                luffy_order::table
                    .filter(luffy_order::id.eq(order.id))
                    .filter(luffy_order::status.eq(order.status.as_str()))
                    .filter(luffy_order::sweep_after.eq(order.sweep_after)),
            )
            .set(luffy_order::sweep_after.eq(lease_until))
            .execute(conn)?;
            if won == 1 {
                claimed.push(order);
            }
        }
        Ok(claimed)
    }

    /// Schedules the next look at an order.
    pub fn sweep_later(
        conn: &mut DbConnection,
        order_id: i64,
        at: NaiveDateTime,
    ) -> Result<(), DbError> {
        diesel::update(luffy_order::table.filter(luffy_order::id.eq(order_id)))
            .set(luffy_order::sweep_after.eq(at))
            .execute(conn)?;
        Ok(())
    }
}
