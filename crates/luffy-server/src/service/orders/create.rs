//! `POST /order/pay/`: price the cart on the server, store the order unpaid, then sign the URL.

use super::reconcile::{Closed, close_unpaid};
use crate::api::ApiError;
use crate::service::group_commit::{GroupCommit, Staged};
use crate::service::orders::with_db;
use crate::state::AppState;
use actix_web::web;
use chrono::Duration;
use luffy_db::Backend;
use luffy_db::orders::{Inserted, NewOrder, OrderRow, Orders};
use luffy_domain::Money;
use luffy_domain::order::{CartError, new_out_trade_no, price_cart};
use rand::Rng;
use std::collections::BTreeSet;

/// The buyer's request.
#[derive(Debug, Clone)]
pub struct PayRequest {
    /// Course ids.
    pub courses: Vec<i64>,
    /// The total the client saw (a guard only).
    pub total_amount: Money,
    /// 1 = Alipay (the only one supported).
    pub pay_type: i32,
    /// The version of the buyer's login token; a token of an older version is revoked.
    pub token_version: i64,
}

/// What one attempt at placing the order found.
#[derive(Debug)]
enum Placed {
    /// A new order (its writes commit with the batch).
    Created(OrderRow),
    /// The buyer's open order for the same courses and amount: paid through again.
    Reused(OrderRow),
    /// Open orders of the buyer hold some of the courses, for another cart or amount, or with
    /// little time left: they are closed first.
    Replace(Vec<OrderRow>),
    /// Another request of the buyer took one of the courses in between: try again.
    Raced,
}

/// An open order is paid through again only while this much of its time is left (or half its
/// lifetime, when that is shorter).
const REUSE_MIN_LEFT_SECS: i64 = 120;

/// How often placing an order starts over (after replacing open orders, or losing a race).
const ATTEMPTS: usize = 4;

/// Creates the order, or finds the buyer's open order for the same cart, and returns its
/// signed page-pay URL.
///
/// A buyer has at most one open (unpaid) order per course, kept by a unique index on the
/// order lines, so the rule holds across replicas. A request for courses an open order holds
/// gets that order again when the cart and amount are the same (a freshly signed URL for the
/// same `out_trade_no`); otherwise the open order is closed at Alipay and cancelled first, and
/// if Alipay says it was paid the request is refused as already bought.
///
/// The buyer, the prices, what the buyer owns and which open orders hold the courses are read
/// in one query, the cart is priced from that, and the order with its lines is written;
/// nothing is written when any rule refuses the cart. On SQLite that is one transaction holding
/// the write lock from the start, shared by concurrent orders, each in a savepoint of its own
/// ([`GroupCommit`]); the URL is signed while the batch finishes and handed out only once it
/// has committed, so a URL is never handed out for an order that does not exist. On PostgreSQL
/// the read and the write (the order and its lines in one statement) run on their own: under
/// read committed, a transaction around them would see nothing more and cost two round trips.
pub async fn create_order(
    state: &web::Data<AppState>,
    user_id: i64,
    request: PayRequest,
) -> Result<String, ApiError> {
    if request.pay_type != 1 {
        return Err(ApiError::rejected("暂不支持该支付方式"));
    }
    for _ in 0..ATTEMPTS {
        let staged = place(state, user_id, request.clone()).await?;
        let order = match staged.value {
            Placed::Created(order) | Placed::Reused(order) => order,
            Placed::Raced => continue,
            Placed::Replace(orders) => {
                for order in orders {
                    if close_unpaid(state, order, "superseded").await? == Closed::Paid {
                        return Err(ApiError::rejected("您已购买过该课程"));
                    }
                }
                continue;
            }
        };
        let total = order.total()?;
        // Signed while the rest of the batch commits; handed out only once it has.
        let pay_url = state
            .payments
            .page_pay_url(
                &order.out_trade_no,
                &order.subject,
                total,
                order.expires_at.and_utc(),
            )
            .map_err(|err| {
                ApiError::Internal(format!(
                    "signing the page-pay URL of {}: {err}",
                    order.out_trade_no
                ))
            })?;
        staged.commit.wait().await?;
        return Ok(pay_url);
    }
    Err(ApiError::Unavailable(format!(
        "the order of user {user_id} lost {ATTEMPTS} races in a row"
    )))
}

/// One attempt: prices the cart and writes the order, or says which open order to reuse or
/// replace.
async fn place(
    state: &web::Data<AppState>,
    user_id: i64,
    request: PayRequest,
) -> Result<Staged<Placed>, ApiError> {
    let price_and_store = move |conn: &mut _, state: &AppState| {
        let mut ids = request.courses.clone();
        ids.sort_unstable();
        ids.dedup();
        let source = Orders::cart_source(conn, user_id, &ids)?
            .filter(|source| source.active && source.token_version == request.token_version)
            .ok_or_else(|| ApiError::rejected(crate::auth::FAILED))?;
        let cart = price_cart(
            &request.courses,
            &source.catalog,
            &source.owned,
            request.total_amount,
        )
        .map_err(reject)?;
        let now = state.clock.now();
        if !source.held.is_empty() {
            let mut holders: Vec<i64> = source.held.values().copied().collect();
            holders.sort_unstable();
            holders.dedup();
            let open = Orders::open_orders(conn, &holders)?;
            let wanted: BTreeSet<i64> = cart.items.iter().map(|item| item.course_id).collect();
            let timeout = i64::try_from(state.config.order_timeout_secs).unwrap_or(i64::MAX / 4);
            let min_left = REUSE_MIN_LEFT_SECS.min(timeout / 2);
            let fresh_until = (now + Duration::seconds(min_left)).naive_utc();
            return Ok(match open.as_slice() {
                [] => Placed::Raced,
                [only]
                    if only.courses == wanted
                        && only.order.total_amount == cart.total.fen()
                        && only.order.expires_at > fresh_until =>
                {
                    Placed::Reused(only.order.clone())
                }
                _ => Placed::Replace(open.into_iter().map(|open| open.order).collect()),
            });
        }
        let subject = subject_of(
            &cart
                .items
                .iter()
                .map(|item| item.name.as_str())
                .collect::<Vec<_>>(),
        );
        let timeout = i64::try_from(state.config.order_timeout_secs).unwrap_or(i64::MAX / 4);
        let expires_at = now + Duration::seconds(timeout);
        let reconcile_after = i64::try_from(state.config.reconcile_after_secs).unwrap_or(60);
        let first_sweep = now + Duration::seconds(reconcile_after.min(timeout));
        let mut order = NewOrder {
            out_trade_no: String::new(),
            user_id,
            subject,
            pay_type: request.pay_type,
            cart,
            now: now.naive_utc(),
            expires_at: expires_at.naive_utc(),
            first_sweep: first_sweep.naive_utc(),
        };
        // A clash of order numbers (same millisecond, same 8 random digits) writes nothing;
        // draw again.
        for _ in 0..3 {
            order.out_trade_no = new_out_trade_no(now, rand::thread_rng().r#gen()).to_string();
            match Orders::insert_unpaid(conn, &order)? {
                Inserted::Created(row) => return Ok(Placed::Created(*row)),
                Inserted::CourseHeld => return Ok(Placed::Raced),
                Inserted::NumberTaken => {}
            }
        }
        Err(ApiError::Internal(format!(
            "no free order number at {}",
            order.out_trade_no
        )))
    };
    if state.config.database_url.backend() == Backend::Postgres {
        Ok(Staged::committed(with_db(state, price_and_store).await?))
    } else {
        GroupCommit::submit(state, price_and_store).await
    }
}

fn reject(err: CartError) -> ApiError {
    ApiError::rejected(err.to_string())
}

/// The order subject: the course name, or the first names and a count, at most 128 characters.
fn subject_of(names: &[&str]) -> String {
    let subject = match names {
        [] => "路飞学城课程".to_owned(),
        [one] => (*one).to_owned(),
        [first, rest @ ..] => format!("{first} 等{}门课程", rest.len() + 1),
    };
    subject.chars().take(128).collect()
}

#[cfg(test)]
mod tests {
    use super::subject_of;

    #[test]
    fn subjects_name_the_courses() {
        assert_eq!(subject_of(&["Python"]), "Python");
        assert_eq!(subject_of(&["Python", "Go", "Linux"]), "Python 等3门课程");
        assert_eq!(subject_of(&[&"长".repeat(200)]).chars().count(), 128);
    }
}
