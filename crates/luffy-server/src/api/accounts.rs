//! Accounts: the mobile check, SMS codes, registration and the two logins.

use super::params::{QueryParams, json_body};
use super::{ApiError, GET, POST, allow, envelope};
use crate::auth::AuthUser;
use crate::client_addr::client_addr;
use crate::service::accounts::{self, LoginSuccess};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Map, json};

/// Registers the account routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let routes: [(&str, actix_web::Route, &'static str); 7] = [
        ("/api/v1/user/user/mobile", web::get().to(mobile), GET),
        ("/api/v1/user/user/send_sms", web::get().to(send_sms), GET),
        (
            "/api/v1/user/user/mul_login",
            web::post().to(mul_login),
            POST,
        ),
        (
            "/api/v1/user/user/mobile_login",
            web::post().to(mobile_login),
            POST,
        ),
        (
            "/api/v1/user/user/mobile_register",
            web::post().to(mobile_register),
            POST,
        ),
        ("/api/v1/user/user/logout", web::post().to(logout), POST),
        (
            "/api/v1/user/user/password",
            web::post().to(change_password),
            POST,
        ),
    ];
    for (path, route, methods) in routes {
        cfg.service(allow(web::resource(path).route(route), methods));
    }
}

fn client(state: &AppState, req: &HttpRequest) -> String {
    client_addr(req, &state.config.trusted_proxies)
}

fn login_response(success: LoginSuccess) -> HttpResponse {
    let mut extra = Map::new();
    extra.insert("token".into(), json!(success.token));
    extra.insert("username".into(), json!(success.username));
    extra.insert("icon".into(), json!(success.icon));
    envelope::ok_with("登录成功", extra)
}

/// `GET /user/user/mobile/?mobile=`: 100 when registered, 999 otherwise.
pub async fn mobile(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let mobile = QueryParams::of(&req)
        .text("mobile")?
        .unwrap_or("")
        .to_owned();
    let client = client(&state, &req);
    let exists = web::block(move || accounts::mobile_exists(&state, &client, &mobile)).await??;
    if exists {
        Ok(envelope::ok("手机号存在"))
    } else {
        Err(ApiError::rejected("手机号不存在"))
    }
}

/// `GET /user/user/send_sms/?mobile=`: 100 sent, 101 not sent, 102 invalid mobile.
pub async fn send_sms(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let mobile = QueryParams::of(&req)
        .text("mobile")?
        .unwrap_or("")
        .to_owned();
    let client = client(&state, &req);
    web::block(move || accounts::send_sms(&state, &client, &mobile)).await??;
    Ok(envelope::ok("发送短信成功"))
}

#[derive(Deserialize)]
struct PasswordLogin {
    username: String,
    password: String,
}

/// `POST /user/user/mul_login/` `{username, password}`: the username may be a mobile or email.
pub async fn mul_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let login: PasswordLogin = json_body(&body)?;
    let client = client(&state, &req);
    let success = web::block(move || {
        accounts::password_login(&state, &client, &login.username, &login.password)
    })
    .await??;
    Ok(login_response(success))
}

#[derive(Deserialize)]
struct SmsLogin {
    mobile: String,
    code: String,
}

/// `POST /user/user/mobile_login/` `{mobile, code}`.
pub async fn mobile_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let login: SmsLogin = json_body(&body)?;
    let client = client(&state, &req);
    let success =
        web::block(move || accounts::sms_login(&state, &client, &login.mobile, &login.code))
            .await??;
    Ok(login_response(success))
}

#[derive(Deserialize)]
struct Registration {
    mobile: String,
    code: String,
    password: String,
}

/// `POST /user/user/mobile_register/` `{mobile, code, password}`; the username is the mobile.
pub async fn mobile_register(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let form: Registration = json_body(&body)?;
    let client = client(&state, &req);
    web::block(move || {
        accounts::register(&state, &client, &form.mobile, &form.code, &form.password)
    })
    .await??;
    Ok(envelope::ok("注册成功"))
}

/// `POST /user/user/logout/` (JWT): every token of the user issued so far stops working.
pub async fn logout(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    web::block(move || accounts::logout(&state, user.id)).await??;
    Ok(envelope::ok("已退出登录"))
}

#[derive(Deserialize)]
struct PasswordChange {
    old_password: String,
    new_password: String,
}

/// `POST /user/user/password/` (JWT) `{old_password, new_password}`: earlier tokens stop
/// working; answers a fresh token like a login.
pub async fn change_password(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let form: PasswordChange = json_body(&body)?;
    let client = client(&state, &req);
    let success = web::block(move || {
        accounts::change_password(
            &state,
            &client,
            user.id,
            &form.old_password,
            &form.new_password,
        )
    })
    .await??;
    let mut extra = Map::new();
    extra.insert("token".into(), json!(success.token));
    extra.insert("username".into(), json!(success.username));
    extra.insert("icon".into(), json!(success.icon));
    Ok(envelope::ok_with("密码修改成功", extra))
}
