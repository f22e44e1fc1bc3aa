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

use actix_web::web;

/// Registers every route. Paths are declared without a trailing slash; the server strips one
/// from incoming requests, so `/x/` and `/x` are both served. Aliases of other editions of the
/// original client are served as well.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health::healthz)
        .configure(|cfg| {
            aliases(
                cfg,
                &["/api/v1/course/category", "/api/v1/course/categories"],
                |resource| resource.route(web::get().to(catalog::categories)),
            );
            aliases(
                cfg,
                &["/api/v1/course/chapter", "/api/v1/course/chapters"],
                |resource| resource.route(web::get().to(catalog::chapters)),
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
                |resource| resource.route(web::get().to(catalog::courses)),
            );
        })
        .service(web::resource("/api/v1/home/banner").route(web::get().to(home::banners)))
        .service(web::resource("/api/v1/user/user/mobile").route(web::get().to(accounts::mobile)))
        .service(
            web::resource("/api/v1/user/user/send_sms").route(web::get().to(accounts::send_sms)),
        )
        .service(
            web::resource("/api/v1/user/user/mul_login").route(web::post().to(accounts::mul_login)),
        )
        .service(
            web::resource("/api/v1/user/user/mobile_login")
                .route(web::post().to(accounts::mobile_login)),
        )
        .service(
            web::resource("/api/v1/user/user/mobile_register")
                .route(web::post().to(accounts::mobile_register)),
        )
        // Patterns with parameters cost a regex match for every request that reaches them:
        // the busiest routes come first.
        .configure(orders::configure)
        .service(
            web::resource([
                "/api/v1/course/actual/{id:\\d+}",
                "/api/v1/course/list/{id:\\d+}",
                "/api/v1/course/free/{id:\\d+}",
                "/api/v1/course/{id:\\d+}",
            ])
            .route(web::get().to(catalog::course)),
        )
        .configure(admin::configure)
        .configure(media::configure)
        .default_service(web::to(not_found));
}

async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound("no such route".into()))
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
