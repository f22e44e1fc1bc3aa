//! The simulator's HTTP surface: the gateway, the cashier, and a control API for tests and
//! scripts. Mount it anywhere with [`configure`], or run it alone with [`crate::start`].

use crate::ledger::TradeRef;
use crate::notify::NotifyFault;
use crate::pages;
use crate::{GatewayReply, Simulator};
use actix_web::{HttpRequest, HttpResponse, web};
use alipay_sdk::{Amount, FormParams};
use serde::Deserialize;
use serde_json::json;

/// Registers the simulator's routes on `cfg`, relative to wherever `cfg` is mounted:
///
/// | route | what |
/// | --- | --- |
/// | `GET/POST gateway.do` | the gateway (page/wap pay show the cashier; the rest answer signed JSON) |
/// | `POST cashier/pay`, `POST cashier/cancel` | the cashier's buttons |
/// | `GET cashier.css` | the pages' style sheet |
/// | `GET qr/{app_id}/{out_trade_no}` | a precreate QR link: the cashier for that trade |
/// | `GET bill` | a bill as CSV |
/// | `POST control/trades/{app_id}/{out_trade_no}/{pay,open,expire}` | act on a trade |
/// | `POST control/trades/{app_id}/{out_trade_no}/refund` | refund `{amount, out_request_no}` |
/// | `GET control/trades` | every trade |
/// | `POST control/clock/advance` | `{secs}`: move virtual time |
/// | `POST control/notifies/deliver` | deliver what is due now |
/// | `GET control/notifies` | every notification and its attempts |
/// | `POST control/faults` | queue a fault for the next notification |
/// | `POST control/gateway-faults` | `{method, mode: unavailable\|lost_answer, times}`: fail the next calls of a method |
/// | `GET control/keys` | the Alipay public key and seller id merchants need |
pub fn configure(sim: Simulator) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(web::Data::new(sim.clone()))
            .route("/gateway.do", web::get().to(gateway_get))
            .route("/gateway.do", web::post().to(gateway_post))
            .route("/cashier.css", web::get().to(style))
            .route("/cashier/pay", web::post().to(cashier_pay))
            .route("/cashier/cancel", web::post().to(cashier_cancel))
            .route("/qr/{app_id}/{out_trade_no}", web::get().to(qr))
            .route("/bill", web::get().to(bill))
            .route("/control/trades", web::get().to(list_trades))
            .route(
                "/control/trades/{app_id}/{out_trade_no}/{action}",
                web::post().to(trade_action),
            )
            .route("/control/clock/advance", web::post().to(advance))
            .route("/control/notifies/deliver", web::post().to(deliver))
            .route("/control/notifies", web::get().to(list_notifies))
            .route("/control/faults", web::post().to(inject_fault))
            .route(
                "/control/gateway-faults",
                web::post().to(inject_gateway_fault),
            )
            .route("/control/keys", web::get().to(keys));
    }
}

/// Where the simulator is reachable, from the request's host and the mount point.
fn base_url(request: &HttpRequest) -> String {
    let info = request.connection_info();
    let path = request.path();
    let mount = path.strip_suffix("/gateway.do").unwrap_or("");
    format!("{}://{}{}", info.scheme(), info.host(), mount)
}

fn reply(
    sim: &Simulator,
    params: Result<FormParams, alipay_sdk::Error>,
    request: &HttpRequest,
) -> HttpResponse {
    let params = match params {
        Ok(params) => params,
        Err(err) => {
            let body = json!({"error_response": {"code": "40002", "msg": "Invalid Arguments",
                "sub_code": "isv.invalid-parameter", "sub_msg": err.to_string()}});
            return HttpResponse::Ok().json(body);
        }
    };
    match sim.handle_gateway(&params, &base_url(request)) {
        GatewayReply::Json(body) => HttpResponse::Ok()
            .content_type("application/json;charset=utf-8")
            .body(body),
        GatewayReply::Cashier(trade) => html(pages::cashier(&trade)),
        GatewayReply::ErrorPage(err) => html(pages::error(&err)),
        GatewayReply::Fault(status) => HttpResponse::build(
            actix_web::http::StatusCode::from_u16(status)
                .unwrap_or(actix_web::http::StatusCode::BAD_GATEWAY),
        )
        .finish(),
    }
}

fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("content-security-policy", pages::CSP))
        .insert_header(("x-content-type-options", "nosniff"))
        .body(body)
}

async fn style() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("cache-control", "public, max-age=3600"))
        .insert_header(("x-content-type-options", "nosniff"))
        .body(pages::STYLE)
}

async fn gateway_get(sim: web::Data<Simulator>, request: HttpRequest) -> HttpResponse {
    let params = FormParams::parse(request.query_string().as_bytes());
    reply(&sim, params, &request)
}

/// A POST carries parameters in the query string, the form body, or both (the official SDKs put
/// system parameters in the URL and `biz_content` in the body). A key in both is refused.
async fn gateway_post(
    sim: web::Data<Simulator>,
    request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let params = FormParams::parse(request.query_string().as_bytes()).and_then(|query| {
        let from_body = FormParams::parse(&body)?;
        let mut pairs = query.into_pairs();
        pairs.extend(from_body.into_pairs());
        FormParams::from_pairs(pairs)
    });
    reply(&sim, params, &request)
}

#[derive(Debug, Deserialize)]
struct CashierForm {
    app_id: String,
    out_trade_no: String,
}

async fn cashier_pay(sim: web::Data<Simulator>, form: web::Form<CashierForm>) -> HttpResponse {
    match sim.pay(&form.app_id, &form.out_trade_no) {
        Ok(payment) => match payment.return_redirect {
            Some(location) => HttpResponse::Found()
                .append_header(("location", location))
                .finish(),
            None => html(pages::paid(&payment.trade)),
        },
        Err(crate::SimError::Gateway(err)) => html(pages::error(&err)),
        Err(err) => HttpResponse::InternalServerError().body(err.to_string()),
    }
}

async fn cashier_cancel(form: web::Form<CashierForm>) -> HttpResponse {
    html(pages::cancelled(&form.out_trade_no))
}

async fn qr(sim: web::Data<Simulator>, path: web::Path<(String, String)>) -> HttpResponse {
    let (app_id, out_trade_no) = path.into_inner();
    match sim.trade(&app_id, &out_trade_no) {
        Some(trade) => html(pages::cashier(&trade)),
        None => html(pages::error(&crate::GatewayError::trade_not_exist())),
    }
}

#[derive(Debug, Deserialize)]
struct BillQuery {
    app_id: String,
    bill_date: String,
}

/// The day's (or month's) paid trades as CSV: the real bill is a zipped GBK CSV; this keeps the
/// columns that matter for reconciliation, in UTF-8.
async fn bill(sim: web::Data<Simulator>, query: web::Query<BillQuery>) -> HttpResponse {
    let mut csv = String::from("trade_no,out_trade_no,subject,total_amount,refunded,gmt_payment\n");
    for trade in sim.trades().iter().filter(|t| t.app_id == query.app_id) {
        let Some(paid_at) = trade.paid_at else {
            continue;
        };
        let paid = alipay_sdk::clock::china_timestamp(paid_at);
        if !paid.starts_with(&query.bill_date) {
            continue;
        }
        csv.push_str(&format!(
            "{},{},\"{}\",{},{},{}\n",
            trade.trade_no.as_deref().unwrap_or_default(),
            trade.out_trade_no,
            trade.subject.replace('"', "\"\""),
            trade.total_amount,
            trade.refunded(),
            paid
        ));
    }
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .body(csv)
}

async fn list_trades(sim: web::Data<Simulator>) -> HttpResponse {
    HttpResponse::Ok().json(sim.trades())
}

#[derive(Debug, Default, Deserialize)]
struct RefundBody {
    amount: Option<String>,
    out_request_no: Option<String>,
}

async fn trade_action(
    sim: web::Data<Simulator>,
    path: web::Path<(String, String, String)>,
    body: Option<web::Json<RefundBody>>,
) -> HttpResponse {
    let (app_id, out_trade_no, action) = path.into_inner();
    let result = match action.as_str() {
        "open" => sim.open(&app_id, &out_trade_no).map(|trade| json!({"trade": trade})).map_err(Into::into),
        "expire" => sim.expire(&app_id, &out_trade_no).map(|trade| json!({"trade": trade})).map_err(Into::into),
        "pay" => sim.pay(&app_id, &out_trade_no).map(|payment| {
            json!({"trade": payment.trade, "return_redirect": payment.return_redirect, "return_query": payment.return_query})
        }),
        "refund" => {
            let body = body.map(web::Json::into_inner).unwrap_or_default();
            let amount = match body.amount.as_deref().map(str::parse::<Amount>) {
                Some(Ok(amount)) => amount,
                _ => return HttpResponse::BadRequest().json(json!({"error": "amount: a decimal such as \"12.30\" is required"})),
            };
            let out_request_no = body.out_request_no.unwrap_or_else(|| out_trade_no.clone());
            sim.refund(&app_id, TradeRef::OutTradeNo(&out_trade_no), amount, &out_request_no).map(|(outcome, trade)| {
                json!({"trade": trade, "fund_change": outcome.fund_change, "refund_fee": outcome.refund_fee, "full": outcome.full})
            })
        }
        other => return HttpResponse::NotFound().json(json!({"error": format!("unknown action {other:?}")})),
    };
    match result {
        Ok(body) => HttpResponse::Ok().json(body),
        Err(crate::SimError::Gateway(err)) => HttpResponse::Conflict().json(json!({
            "error": err.sub_msg, "sub_code": err.sub_code
        })),
        Err(err) => HttpResponse::InternalServerError().json(json!({"error": err.to_string()})),
    }
}

#[derive(Debug, Deserialize)]
struct Advance {
    secs: i64,
}

async fn advance(sim: web::Data<Simulator>, body: web::Json<Advance>) -> HttpResponse {
    sim.advance(chrono::Duration::seconds(body.secs));
    HttpResponse::Ok()
        .json(json!({"now": sim.clock().now(), "offset_secs": sim.clock().offset().num_seconds()}))
}

async fn deliver(sim: web::Data<Simulator>) -> HttpResponse {
    HttpResponse::Ok().json(sim.deliver_pending().await)
}

async fn list_notifies(sim: web::Data<Simulator>) -> HttpResponse {
    HttpResponse::Ok().json(sim.deliveries())
}

async fn inject_fault(sim: web::Data<Simulator>, fault: web::Json<NotifyFault>) -> HttpResponse {
    sim.inject_fault(fault.into_inner());
    HttpResponse::Ok().json(json!({"queued": true}))
}

async fn inject_gateway_fault(
    sim: web::Data<Simulator>,
    fault: web::Json<crate::GatewayFault>,
) -> HttpResponse {
    sim.inject_gateway_fault(fault.into_inner());
    HttpResponse::NoContent().finish()
}

async fn keys(sim: web::Data<Simulator>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "alipay_public_key_pem": sim.alipay_public_key().to_pem(),
        "alipay_public_key": sim.alipay_public_key().to_base64(),
        "seller_id": sim.seller_id(),
    }))
}
