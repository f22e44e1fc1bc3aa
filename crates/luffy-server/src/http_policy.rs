//! What every request and response of the server shares, whatever answers it: a deadline on
//! the request body ([`crate::body_deadline`]), `HEAD` served wherever `GET` is, security headers on every response (and a strict CSP on HTML pages), and the JSON
//! envelope `{"code","msg"}` for failures that actix itself produced (a body over its limit, a
//! path parameter that does not parse, a malformed request).

use crate::api::error::code;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse};
use serde_json::json;

/// The CSP of HTML pages: scripts, styles and images from this origin only, no inline code,
/// never framed.
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Path prefixes whose routes answer `HEAD` themselves (media files: a `HEAD` turned into a
/// `GET` would read the whole file to send none of it).
const OWN_HEAD_PREFIXES: &[&str] = &["/media/"];

/// The middleware (`App::wrap(from_fn(http_policy::apply))`).
pub async fn apply(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // A HEAD request is routed as a GET; the HTTP layer still sends no body, since it
    // remembers the request's own method.
    if req.method() == Method::HEAD
        && !OWN_HEAD_PREFIXES
            .iter()
            .any(|prefix| req.path().starts_with(prefix))
    {
        req.head_mut().method = Method::GET;
    }
    let timeout = req
        .app_data::<actix_web::web::Data<crate::state::AppState>>()
        .map(|state| std::time::Duration::from_secs(state.config.body_timeout_secs));
    let timed_out = timeout.and_then(|timeout| crate::body_deadline::guard(&mut req, timeout));
    let res = next.call(req).await?.map_into_boxed_body();
    let mut res = if timed_out.is_some_and(|flag| flag.get()) {
        body_timed_out(res)
    } else {
        envelope_foreign_error(res)
    };
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if !headers.contains_key(header::REFERRER_POLICY) {
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        );
    }
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if is_html && !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PAGE_CSP),
        );
    }
    Ok(res)
}

/// A request whose body missed its deadline: 408 with the envelope, and the connection closed
/// (the rest of the body is never read).
fn body_timed_out(res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    log::warn!(
        "request body of {} {} did not arrive in time",
        res.request().method(),
        res.request().path()
    );
    let mut response = HttpResponse::build(StatusCode::REQUEST_TIMEOUT)
        .json(json!({ "code": code::REJECTED, "msg": "请求超时" }));
    response
        .head_mut()
        .set_connection_type(actix_web::http::ConnectionType::Close);
    res.into_response(response)
}

/// A failure answered by actix rather than by a handler (its error is not an
/// [`ApiError`](crate::api::ApiError)) gets the envelope, with its status kept.
fn envelope_foreign_error(res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = res.status();
    let foreign = res
        .response()
        .error()
        .is_some_and(|err| err.as_error::<crate::api::ApiError>().is_none());
    if !foreign || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    if status.is_server_error() {
        if let Some(err) = res.response().error() {
            log::error!("internal error: {err}");
        }
    } else if let Some(err) = res.response().error() {
        log::debug!("refused: {status} {err}");
    }
    let (code, msg) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (code::REJECTED, "请求体过大"),
        StatusCode::NOT_FOUND => (code::REJECTED, "未找到"),
        StatusCode::REQUEST_TIMEOUT => (code::REJECTED, "请求超时"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (code::REJECTED, "不支持的内容类型"),
        status if status.is_server_error() => (code::SERVER_FAULT, "服务器异常"),
        _ => (code::REJECTED, "请求无效"),
    };
    let mut response = HttpResponse::build(status).json(json!({ "code": code, "msg": msg }));
    // Keep what the failure said about the connection (e.g. `Connection: close`).
    if let Some(value) = res.headers().get(header::CONNECTION) {
        response
            .headers_mut()
            .insert(header::CONNECTION, value.clone());
    }
    res.into_response(response)
}
