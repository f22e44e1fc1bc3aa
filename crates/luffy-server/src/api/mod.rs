//! The HTTP API: the route table and the pieces every handler shares.

mod accounts;
mod admin;
mod catalog;
pub mod course_json;
pub mod envelope;
pub mod error;
mod health;
mod home;
mod media;
mod orders;
pub mod params;

pub use error::ApiError;

/// The `Allow` header of resources that serve `GET` (and so `HEAD`).
pub(crate) const GET: &str = "GET, HEAD";
/// The `Allow` header of resources that serve `POST`.
pub(crate) const POST: &str = "POST";

use actix_web::web;

/// Registers every route. Paths are declared without a trailing slash; the server strips one
/// from incoming requests, so `/x/` and `/x` are both served. Aliases of other editions of the
/// original client are served as well.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health::resource())
        .configure(|cfg| {
            aliases(
                cfg,
                &["/api/v1/course/category", "/api/v1/course/categories"],
                |resource| allow(resource.route(web::get().to(catalog::categories)), GET),
            );
            aliases(
                cfg,
                &["/api/v1/course/chapter", "/api/v1/course/chapters"],
                |resource| allow(resource.route(web::get().to(catalog::chapters)), GET),
            );
            aliases(
                cfg,
                &[
                    "/api/v1/course/search",
                    "/api/v1/course/actual",
                    "/api/v1/course/list",
                    "/api/v1/course/free",
                    "/api/v1/course",
                ],
                |resource| allow(resource.route(web::get().to(catalog::courses)), GET),
            );
        })
        .service(allow(
            web::resource("/api/v1/home/banner").route(web::get().to(home::banners)),
            GET,
        ))
        .configure(accounts::configure)
        // Patterns with parameters cost a regex match for every request that reaches them:
        // the busiest routes come first.
        .configure(orders::configure)
        .service(allow(
            web::resource([
                "/api/v1/course/actual/{id:\\d+}",
                "/api/v1/course/list/{id:\\d+}",
                "/api/v1/course/free/{id:\\d+}",
                "/api/v1/course/{id:\\d+}",
            ])
            .route(web::get().to(catalog::course)),
            GET,
        ))
        .configure(admin::configure)
        .configure(media::configure)
        .default_service(web::to(not_found));
}

async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound("no such route".into()))
}

/// `resource`, answering the methods it does not serve with 405, an `Allow` header naming
/// `methods` and the envelope. A resource that serves `GET` serves `HEAD` too.
pub(crate) fn allow(resource: actix_web::Resource, methods: &'static str) -> actix_web::Resource {
    resource.default_service(web::to(move || async move {
        Err::<actix_web::HttpResponse, _>(ApiError::MethodNotAllowed(methods))
    }))
}

/// Serves each of `paths` with the same routes, as a resource of its own: actix matches a
/// resource with several paths through a regex set, and one with a single static path by
/// comparing strings.
pub(crate) fn aliases(
    cfg: &mut web::ServiceConfig,
    paths: &[&str],
    routes: impl Fn(actix_web::Resource) -> actix_web::Resource,
) {
    for path in paths {
        cfg.service(routes(web::resource(*path)));
    }
}
