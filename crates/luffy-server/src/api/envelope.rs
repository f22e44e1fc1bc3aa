//! The success envelope: `{"code":100,"msg":…}` plus top-level scalars or a `data` member.

use super::error::code;
use actix_web::HttpResponse;
use serde::Serialize;
use serde_json::{Map, Value, json};

/// `{"code":100,"msg":msg}`.
pub fn ok(msg: &str) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "code": code::OK, "msg": msg }))
}

/// `{"code":100,"msg":msg,"data":data}`.
pub fn ok_data<T: Serialize>(msg: &str, data: T) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "code": code::OK, "msg": msg, "data": data }))
}

/// `{"code":100,"msg":msg, <fields of extra>}`: scalars such as `token` sit at the top level.
pub fn ok_with(msg: &str, extra: Map<String, Value>) -> HttpResponse {
    let mut body = Map::new();
    body.insert("code".into(), json!(code::OK));
    body.insert("msg".into(), json!(msg));
    body.extend(extra);
    HttpResponse::Ok().json(Value::Object(body))
}
