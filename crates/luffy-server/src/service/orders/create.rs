//! `POST /order/pay/`: price the cart on the server, store the order unpaid, then sign the URL.

use super::with_db;
use crate::api::ApiError;
use crate::state::AppState;
use actix_web::web;
use chrono::Duration;
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
/// Nothing is stored when any rule refuses the cart. The order and its lines are written in
/// one transaction before the URL is signed, so a URL is never handed out for an order that
/// does not exist.
pub async fn create_order(
    state: &web::Data<AppState>,
    user_id: i64,
    request: PayRequest,
) -> Result<String, ApiError> {
    if request.pay_type != 1 {
        return Err(ApiError::rejected("暂不支持该支付方式"));
    }
    let order = with_db(state, move |conn, state| {
        let active =
            luffy_db::account::UserRow::by_id(conn, user_id)?.is_some_and(|user| user.is_active);
        if !active {
            return Err(ApiError::rejected(crate::auth::FAILED));
        }
        let mut ids = request.courses.clone();
        ids.sort_unstable();
        ids.dedup();
        let catalog = Orders::courses_for_sale(conn, &ids)?;
        let owned = Orders::owned_courses(conn, user_id, &ids)?;
        let cart =
            price_cart(&request.courses, &catalog, &owned, request.total_amount).map_err(reject)?;
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
        // A clash of order numbers (same millisecond, same 8 random digits) hits the unique
        // index; draw again.
        let mut attempts = 0;
        loop {
            attempts += 1;
            let order = NewOrder {
                out_trade_no: new_out_trade_no(now, rand::thread_rng().r#gen()).to_string(),
                user_id,
                subject: subject.clone(),
                pay_type: request.pay_type,
                cart: cart.clone(),
                now: now.naive_utc(),
                expires_at: expires_at.naive_utc(),
                first_sweep: first_sweep.naive_utc(),
            };
            match Orders::create(conn, &order) {
                Ok(row) => return Ok(row),
                Err(err) if err.is_unique_violation() && attempts < 3 => continue,
                Err(err) => return Err(err.into()),
            }
        }
    })
    .await?;
    let total = order.total()?;
    state
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
        })
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
