//! CORS for the JSON API, so that a client served from another origin can call it.
//!
//! Only paths under `/api/` get CORS; pages, media files and the simulator stay same-origin.
//! Tokens travel in the `Authorization` header, never in cookies, so no credentials are ever
//! allowed and `*` is safe. A request from an origin that is not allowed is still served, but
//! without CORS headers (the browser then hides the answer); its preflight is refused.

use actix_cors::Cors;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::HeaderName;
use futures_util::future::LocalBoxFuture;
use std::rc::Rc;

/// How long a browser may keep a preflight's answer, in seconds (Chromium keeps at most 2 h).
pub const MAX_AGE_SECS: usize = 7200;

/// The methods of the JSON API's routes.
pub const METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

/// The request headers clients send: the token (`authorization`, or `token` in some editions
/// of the original client) and the JSON body's type.
pub const HEADERS: [&str; 3] = ["authorization", "content-type", "token"];

/// The origins allowed to call the JSON API (`LUFFY_CORS_ORIGINS`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CorsOrigins {
    /// Any origin (`*`, the default).
    #[default]
    Any,
    /// Only these origins (`https://shop.example.com`, scheme, host and port).
    List(Vec<String>),
}

impl CorsOrigins {
    /// Parses `*` or a comma-separated list of origins.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text == "*" {
            return Ok(Self::Any);
        }
        let origins = text
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(parse_origin)
            .collect::<Result<Vec<_>, _>>()?;
        if origins.is_empty() {
            return Err("expected \"*\" or a comma list of origins".into());
        }
        Ok(Self::List(origins))
    }
}

fn parse_origin(text: &str) -> Result<String, String> {
    let bad = || format!("expected an origin such as https://shop.example.com, got {text:?}");
    let url = url::Url::parse(text).map_err(|_| bad())?;
    let origin = url.origin().ascii_serialization();
    let plain = matches!(url.scheme(), "http" | "https")
        && text.trim_end_matches('/') == origin
        && url.query().is_none();
    if plain { Ok(origin) } else { Err(bad()) }
}

/// Builds the CORS policy of the JSON API.
fn policy(origins: &CorsOrigins) -> Cors {
    let cors = Cors::default()
        .allowed_methods(METHODS)
        .allowed_headers(HEADERS.map(HeaderName::from_static))
        .max_age(MAX_AGE_SECS)
        .block_on_origin_mismatch(false);
    match origins {
        CorsOrigins::Any => cors.allow_any_origin().send_wildcard(),
        CorsOrigins::List(list) => list
            .iter()
            .fold(cors, |cors, origin| cors.allowed_origin(origin)),
    }
}

/// Middleware that applies the CORS policy to `/api/` paths only.
#[derive(Debug, Clone)]
pub struct ApiCors {
    origins: CorsOrigins,
}

impl ApiCors {
    /// CORS for the JSON API, allowing `origins`.
    pub fn new(origins: CorsOrigins) -> Self {
        Self { origins }
    }
}

/// Whether `path` belongs to the JSON API.
pub fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// The app's service, shared by the CORS-wrapped path and the plain one.
pub struct Shared<S>(Rc<S>);

impl<S> std::fmt::Debug for Shared<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Shared")
    }
}

impl<S, B> Service<ServiceRequest> for Shared<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = S::Future;

    fn poll_ready(
        &self,
        ctx: &mut core::task::Context<'_>,
    ) -> core::task::Poll<Result<(), Self::Error>> {
        self.0.poll_ready(ctx)
    }

    fn call(&self, req: ServiceRequest) -> Self::Future {
        self.0.call(req)
    }
}

type CorsService<S> = <Cors as Transform<Shared<S>, ServiceRequest>>::Transform;

/// The running [`ApiCors`] middleware.
pub struct ApiCorsService<S: 'static, B: MessageBody + 'static>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    plain: Rc<S>,
    cors: CorsService<S>,
}

impl<S, B> std::fmt::Debug for ApiCorsService<S, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiCorsService")
    }
}

impl<S, B> Transform<S, ServiceRequest> for ApiCors
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = ApiCorsService<S, B>;
    type InitError = ();
    type Future = LocalBoxFuture<'static, Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        let plain = Rc::new(service);
        let shared = Shared(Rc::clone(&plain));
        let building = policy(&self.origins).new_transform(shared);
        Box::pin(async move {
            let cors = building.await?;
            Ok(ApiCorsService { plain, cors })
        })
    }
}

impl<S, B> Service<ServiceRequest> for ApiCorsService<S, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(plain);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        if is_api_path(req.path()) {
            Box::pin(self.cors.call(req))
        } else {
            let plain = self.plain.call(req);
            Box::pin(async move { Ok(plain.await?.map_into_left_body()) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_a_star_or_a_list_of_plain_origins() {
        assert_eq!(CorsOrigins::parse(" * "), Ok(CorsOrigins::Any));
        assert_eq!(
            CorsOrigins::parse("https://shop.example.com, http://127.0.0.1:8080/"),
            Ok(CorsOrigins::List(vec![
                "https://shop.example.com".into(),
                "http://127.0.0.1:8080".into()
            ]))
        );
        for bad in [
            "",
            ",",
            "shop.example.com",
            "https://a.com/path",
            "ftp://a.com",
        ] {
            assert!(CorsOrigins::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_api_paths_get_cors() {
        assert!(is_api_path("/api/v1/home/banner"));
        assert!(is_api_path("/api"));
        assert!(!is_api_path("/apix"));
        assert!(!is_api_path("/media/courses/1.png"));
        assert!(!is_api_path("/pay/success"));
    }
}
