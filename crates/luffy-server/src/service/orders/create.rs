//! `POST /order/pay/`: price the cart on the server, store the order unpaid, then sign the URL.

use crate::api::ApiError;
use crate::service::group_commit::{GroupCommit, Staged};
use crate::service::orders::with_db;
use crate::state::AppState;
use actix_web::web;
use chrono::Duration;
use luffy_db::Backend;
use luffy_db::orders::{NewOrder, Orders};
use luffy_domain::Money;
use luffy_domain::order::{CartError, new_out_trade_no, price_cart};
use rand::Rng;

/// The buyer's request.
#[derive(Debug, Clone)]
pub struct PayRequest {
    /// Course ids.
    pub courses: Vec<i64>,
    /// The total the client saw (a guard only).
    pub total_amount: Money,
    /// 1 = Alipay (the only one supported).
    pub pay_type: i32,
}

/// Creates the order and returns its signed page-pay URL.
///
/// The buyer, the prices and what the buyer owns are read in one query, the cart is priced
/// from that, and the order with its lines is written; nothing is written when any rule
/// refuses the cart. On SQLite that is one transaction holding the write lock from the start,
/// shared by concurrent orders, each in a savepoint of its own ([`GroupCommit`]); the URL is
/// signed while the batch finishes and handed out only once it has committed, so a URL is
/// never handed out for an order that does not exist. On PostgreSQL the read and the write
/// (the order and its lines in one statement) run on their own: under read committed, a
/// transaction around them would see nothing more and cost two round trips.
pub async fn create_order(
    state: &web::Data<AppState>,
    user_id: i64,
    request: PayRequest,
) -> Result<String, ApiError> {
    if request.pay_type != 1 {
        return Err(ApiError::rejected("暂不支持该支付方式"));
    }
    let price_and_store = move |conn: &mut _, state: &AppState| {
        let mut ids = request.courses.clone();
        ids.sort_unstable();
        ids.dedup();
        let source = Orders::cart_source(conn, user_id, &ids)?
            .filter(|source| source.active)
            .ok_or_else(|| ApiError::rejected(crate::auth::FAILED))?;
        let cart = price_cart(
            &request.courses,
            &source.catalog,
            &source.owned,
            request.total_amount,
        )
        .map_err(reject)?;
        let subject = subject_of(
            &cart
                .items
                .iter()
                .map(|item| item.name.as_str())
                .collect::<Vec<_>>(),
        );
        let now = state.clock.now();
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
            if let Some(row) = Orders::insert_unpaid(conn, &order)? {
                return Ok(row);
            }
        }
        Err(ApiError::Internal(format!(
            "no free order number at {}",
            order.out_trade_no
        )))
    };
    let staged = if state.config.database_url.backend() == Backend::Postgres {
        Staged::committed(with_db(state, price_and_store).await?)
    } else {
        GroupCommit::submit(state, price_and_store).await?
    };
    let order = staged.value;
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
    Ok(pay_url)
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
