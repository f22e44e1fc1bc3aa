//! Orders: create and pay, Alipay's notify, the front end's second check, my orders, refunds.

use super::params::{QueryParams, json_body, page_response};
use super::{ApiError, GET, POST, aliases, allow, envelope};
use crate::auth::{AuthUser, StaffUser};
use crate::client_addr::client_addr;
use crate::service::orders::create::{PayRequest, create_order};
use crate::service::orders::notify::{NotifyAnswer, handle_notify};
use crate::service::orders::reconcile::{Reconciled, reconcile};
use crate::service::orders::{refund, view, with_db};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use luffy_db::account::Throttles;
use luffy_db::orders::Orders;
use luffy_domain::Money;
use luffy_domain::account::{Throttle, ThrottleRule};
use luffy_domain::catalog::PageRequest;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// Second checks per client address per minute.
const SECOND_CHECK_RULE: ThrottleRule = ThrottleRule {
    scope: "order_check",
    limit: 60,
    window_secs: 60,
};

const NOT_PAID_YET: &str = "暂未收到您的付款，请稍后刷新再试";

/// Registers the order routes (with the other editions' aliases).
pub fn configure(cfg: &mut web::ServiceConfig) {
    aliases(
        cfg,
        &["/api/v1/order/pay", "/api/v1/order/alipay"],
        |resource| allow(resource.route(web::post().to(pay)), POST),
    );
    aliases(
        cfg,
        &["/api/v1/order/success", "/api/v1/order/pay/success"],
        |resource| {
            allow(
                resource
                    .app_data(web::PayloadConfig::new(
                        crate::service::orders::notify::NOTIFY_BODY_LIMIT,
                    ))
                    .route(web::post().to(notify))
                    .route(web::get().to(second_check)),
                "GET, HEAD, POST",
            )
        },
    );
    aliases(cfg, &["/api/v1/order", "/api/v1/order/list"], |resource| {
        allow(resource.route(web::get().to(my_orders)), GET)
    });
    cfg.service(allow(
        web::resource("/api/v1/order/{out_trade_no}/cancel").route(web::post().to(cancel_order)),
        POST,
    ))
    .service(allow(
        web::resource("/api/v1/order/{out_trade_no}").route(web::get().to(my_order)),
        GET,
    ))
    .service(allow(
        web::resource("/api/v1/admin/orders/{out_trade_no}/refund")
            .route(web::post().to(admin_refund)),
        POST,
    ))
    .service(allow(
        web::resource("/api/v1/admin/refunds").route(web::get().to(admin_refunds)),
        GET,
    ))
    .service(allow(
        web::resource("/api/v1/admin/orders/{out_trade_no}").route(web::get().to(admin_order)),
        GET,
    ))
    .service(allow(
        web::resource("/pay/success").route(web::get().to(pay_success_page)),
        GET,
    ))
    .service(allow(
        web::resource("/pay/success.js").route(web::get().to(pay_success_script)),
        GET,
    ))
    .service(allow(
        web::resource("/pay/success.css").route(web::get().to(pay_success_style)),
        GET,
    ));
}

/// `GET /pay/success`: where Alipay sends the browser back. The original Vue client serves this
/// route itself; without it, this page shows the return parameters and asks the second check.
async fn pay_success_page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(include_str!("pages/pay_success.html"))
}

/// The script of the pay result page (the page's CSP allows no inline script).
async fn pay_success_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("cache-control", "public, max-age=3600"))
        .body(include_str!("pages/pay_success.js"))
}

/// The style sheet of the pay result page.
async fn pay_success_style() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("cache-control", "public, max-age=3600"))
        .body(include_str!("pages/pay_success.css"))
}

#[derive(Deserialize)]
struct PayBody {
    courses: Value,
    total_amount: Option<Value>,
    #[serde(default)]
    pay_type: Option<i32>,
}

fn course_ids(value: &Value) -> Result<Vec<i64>, ApiError> {
    luffy_domain::order::cart_course_ids(value).map_err(|err| ApiError::rejected(err.to_string()))
}

/// `POST /order/pay/`: `{courses, total_amount, pay_type?}` → `{code:100, pay_url}`.
///
/// The token is verified here; the user's being active and the token's version (revocation)
/// are checked inside the order's own unit of database work, so creating an order costs one
/// trip to the blocking pool, not two.
async fn pay(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .map(|value| {
            value
                .to_str()
                .map_err(|_| ApiError::rejected(crate::auth::FAILED))
        })
        .transpose()?;
    let token = crate::auth::token_from_header(header)?
        .ok_or_else(|| ApiError::rejected(crate::auth::NOT_PROVIDED))?;
    let claims = state.jwt.verify(token)?;
    let body: PayBody = json_body(&body)?;
    let request = PayRequest {
        courses: course_ids(&body.courses)?,
        total_amount: match body.total_amount {
            Some(value) => Money::deserialize(value)
                .map_err(|err| ApiError::rejected(format!("total_amount: {err}")))?,
            None => return Err(ApiError::rejected("total_amount: required")),
        },
        pay_type: body.pay_type.unwrap_or(1),
        // A logged-out or password-changed token is refused in the order's own query.
        token_version: claims.ver,
    };
    let pay_url = create_order(&state, claims.user_id, request).await?;
    let mut extra = Map::new();
    extra.insert("pay_url".into(), json!(pay_url));
    Ok(envelope::ok_with("ok", extra))
}

/// `POST /order/success/`: Alipay's notify, answered with the bare `success` or `failed`.
async fn notify(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let client = client_addr(&req, &state.config.trusted_proxies);
    let answer = handle_notify(&state, body, client).await?;
    let (status, text) = match answer {
        NotifyAnswer::Success => (actix_web::http::StatusCode::OK, alipay_sdk::NOTIFY_ACK),
        NotifyAnswer::Failed => (actix_web::http::StatusCode::OK, "failed"),
        NotifyAnswer::Throttled => (actix_web::http::StatusCode::TOO_MANY_REQUESTS, "failed"),
    };
    Ok(HttpResponse::build(status)
        .content_type("text/plain; charset=utf-8")
        .body(text))
}

/// `GET /order/success/?<return query>`: paid (100) or not yet (101). When the notify has not
/// arrived, asks Alipay before answering. Needs no login; reveals only paid / not paid, and is
/// throttled per client address.
async fn second_check(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let client = client_addr(&req, &state.config.trusted_proxies);
    let out_trade_no = QueryParams::of(&req)
        .text("out_trade_no")?
        .unwrap_or("")
        .to_owned();
    if out_trade_no.is_empty() {
        return Err(ApiError::rejected("out_trade_no: required"));
    }
    let order = with_db(&state, move |conn, state| {
        let throttle = Throttle {
            rule: SECOND_CHECK_RULE,
            key: client,
        };
        if !Throttles::hit(conn, &throttle, state.clock.now())? {
            return Err(ApiError::Throttled);
        }
        Ok(Orders::by_out_trade_no(conn, &out_trade_no)?)
    })
    .await?;
    let Some(order) = order else {
        return Err(ApiError::with_code(
            super::error::code::NOT_YET,
            NOT_PAID_YET,
        ));
    };
    if order.status() == luffy_domain::order::OrderStatus::Paid {
        return Ok(envelope::ok("ok"));
    }
    match reconcile(&state, order).await {
        Ok(Reconciled::Paid) => Ok(envelope::ok("ok")),
        Ok(Reconciled::Refunding) => Err(ApiError::with_code(
            super::error::code::NOT_YET,
            "该订单无法开通课程，款项将原路退回",
        )),
        Ok(_) => Err(ApiError::with_code(
            super::error::code::NOT_YET,
            NOT_PAID_YET,
        )),
        Err(err) => {
            log::warn!("second check could not reconcile: {err}");
            Err(ApiError::with_code(
                super::error::code::NOT_YET,
                NOT_PAID_YET,
            ))
        }
    }
}

/// The order number of a path: one that cannot be an order number (a control character, a
/// slash, …) names no order.
fn order_number(path: web::Path<String>) -> Result<String, ApiError> {
    let text = path.into_inner();
    luffy_domain::order::OutTradeNo::parse(&text)
        .map(|_| text)
        .map_err(|_| ApiError::NotFound("order".into()))
}

/// `GET /order/?page=&page_size=`: the buyer's own orders, newest first.
async fn my_orders(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = QueryParams::of(&req);
    let page = PageRequest::parse(
        params.get("page"),
        params.get("page_size").or(params.get("size")),
    )
    .map_err(|_| ApiError::rejected("Invalid page."))?;
    let (count, window, results) = with_db(&state, move |conn, _| {
        let count = Orders::count_of_user(conn, user.id)?;
        let window = page
            .resolve(u64::try_from(count).unwrap_or(0))
            .map_err(|_| ApiError::rejected("Invalid page."))?;
        let orders = Orders::of_user(
            conn,
            user.id,
            i64::from(window.size),
            i64::try_from(window.offset()).unwrap_or(i64::MAX),
        )?;
        let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
        let lines = Orders::lines(conn, &ids)?;
        let refunds = Orders::refunds_of(conn, &ids)?;
        let results: Vec<Value> = orders
            .iter()
            .map(|o| view::order_json(o, &lines, &refunds))
            .collect();
        Ok((u64::try_from(count).unwrap_or(0), window, results))
    })
    .await?;
    Ok(page_response(
        &state.public_url,
        &req,
        &params,
        count,
        window,
        &results,
    ))
}

/// `GET /order/{out_trade_no}/`: one of the buyer's orders; another user's is not found.
async fn my_order(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let out_trade_no = order_number(path)?;
    let body = with_db(&state, move |conn, _| {
        let order = Orders::by_out_trade_no(conn, &out_trade_no)?
            .filter(|order| order.user_id == user.id)
            .ok_or_else(|| ApiError::NotFound("order".into()))?;
        let lines = Orders::lines(conn, &[order.id])?;
        let refunds = Orders::refunds_of(conn, &[order.id])?;
        Ok(view::order_json(&order, &lines, &refunds))
    })
    .await?;
    Ok(envelope::ok_data("ok", body))
}

/// `POST /order/{out_trade_no}/cancel/`: the buyer gives up an unpaid order.
async fn cancel_order(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let status =
        crate::service::orders::reconcile::cancel(&state, user.id, order_number(path)?).await?;
    Ok(envelope::ok_data("ok", json!({"status": status.as_str()})))
}

/// `GET /admin/orders/{out_trade_no}` (staff): the order with its lines, refunds and payment
/// audit trail.
async fn admin_order(
    state: web::Data<AppState>,
    _staff: StaffUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let out_trade_no = order_number(path)?;
    let body = with_db(&state, move |conn, _| {
        let order = Orders::by_out_trade_no(conn, &out_trade_no)?
            .ok_or_else(|| ApiError::NotFound("order".into()))?;
        let lines = Orders::lines(conn, &[order.id])?;
        let refunds = Orders::refunds_of(conn, &[order.id])?;
        let events = luffy_db::orders::PaymentEvent::of_order(conn, &order.out_trade_no)?;
        Ok(view::staff_order_json(&order, &lines, &refunds, &events))
    })
    .await?;
    Ok(envelope::ok_data("ok", body))
}

/// `GET /admin/refunds?automatic=true|false&status=pending|succeeded|failed` (staff): the
/// newest 200 refund requests.
async fn admin_refunds(
    state: web::Data<AppState>,
    _staff: StaffUser,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = QueryParams::of(&req);
    let automatic = match params.get("automatic") {
        None | Some("") => None,
        Some("true" | "1") => Some(true),
        Some("false" | "0") => Some(false),
        Some(_) => return Err(ApiError::rejected("automatic: must be true or false")),
    };
    let status = match params.get("status") {
        None | Some("") => None,
        Some(status @ ("pending" | "succeeded" | "failed")) => Some(status.to_owned()),
        Some(_) => {
            return Err(ApiError::rejected(
                "status: must be pending, succeeded or failed",
            ));
        }
    };
    let list = with_db(&state, move |conn, _| {
        let rows = Orders::refund_list(conn, automatic, status.as_deref(), 200)?;
        Ok(rows
            .into_iter()
            .map(|(refund, out_trade_no)| {
                json!({
                    "out_trade_no": out_trade_no,
                    "out_request_no": refund.out_request_no,
                    "amount": refund.amount_money().map(|m| m.to_string()).unwrap_or_default(),
                    "status": refund.status,
                    "reason": refund.reason,
                    "automatic": refund.automatic,
                    "attempts": refund.attempts,
                    "detail": refund.detail,
                })
            })
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(envelope::ok_data("ok", json!(list)))
}

#[derive(Deserialize)]
struct RefundBody {
    amount: Option<Money>,
    out_request_no: Option<String>,
    reason: Option<String>,
}

/// `POST /admin/orders/{out_trade_no}/refund` `{out_request_no, amount?, reason?}` (staff):
/// refunds `amount`, or all that remains.
async fn admin_refund(
    state: web::Data<AppState>,
    _staff: StaffUser,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: RefundBody = json_body(&body)?;
    let out_request_no = body
        .out_request_no
        .filter(|no| {
            !no.is_empty()
                && no.len() <= 64
                && no.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
        .ok_or_else(|| {
            ApiError::rejected("out_request_no: required, 1 to 64 letters, digits or underscores")
        })?;
    let done = refund::refund(
        &state,
        order_number(path)?,
        body.amount,
        out_request_no,
        body.reason,
    )
    .await?;
    Ok(envelope::ok_data(
        "ok",
        json!({"refunded_amount": done.refunded_total.to_string(), "status": done.status.as_str()}),
    ))
}
