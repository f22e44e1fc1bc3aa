//! Login tokens (HS256 JWTs, drf-jwt's payload) and the extractors that demand them.
//!
//! The header is `Authorization: jwt <token>`, the prefix compared case-insensitively;
//! `Bearer <token>` is accepted too. Only HS256 is accepted, so `alg: none` and tokens of any
//! other algorithm are refused, as are expired, tampered and foreign-key tokens.

use crate::api::ApiError;
use crate::state::AppState;
use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use luffy_db::account::UserRow;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;

/// The original's message when no credentials are sent.
pub const NOT_PROVIDED: &str = "身份认证信息未提供。";
/// The message for credentials that are present but not valid.
pub const FAILED: &str = "认证失败";
/// The message when a non-staff user calls a staff endpoint.
pub const FORBIDDEN: &str = "您没有执行该操作的权限。";

/// The token payload, as drf-jwt writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub user_id: i64,
    /// The username.
    pub username: String,
    /// Expiry, Unix seconds.
    pub exp: i64,
    /// The email, or empty.
    pub email: String,
    /// The user's token version when the token was issued; tokens of an older version are
    /// revoked. Tokens without it (issued before versions existed) count as version 0.
    #[serde(default)]
    pub ver: i64,
}

/// The HS256 keys and the token lifetime.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl_secs: i64,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys")
            .field("ttl_secs", &self.ttl_secs)
            .finish_non_exhaustive()
    }
}

impl JwtKeys {
    /// Keys from the configured secret.
    pub fn new(secret: &SecretString, ttl_secs: u64) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            ttl_secs: i64::try_from(ttl_secs).unwrap_or(i64::MAX / 2),
        }
    }

    /// A token for `user`, issued at `now` (Unix seconds).
    pub fn issue(&self, user: &UserRow, now: i64) -> Result<String, ApiError> {
        let claims = Claims {
            user_id: user.id,
            username: user.username.clone(),
            exp: now.saturating_add(self.ttl_secs),
            email: user.email.clone().unwrap_or_default(),
            ver: user.token_version,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|err| ApiError::Internal(format!("cannot sign a token: {err}")))
    }

    /// The claims of a valid token: HS256 only, signature checked, not expired (no leeway).
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp"]);
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|_| ApiError::rejected(FAILED))
    }
}

/// The token of an `Authorization` header: `None` when there is no header or its scheme is not
/// `jwt`/`bearer` (no credentials), an error when the scheme is right but the rest is malformed.
pub fn token_from_header(value: Option<&str>) -> Result<Option<&str>, ApiError> {
    let Some(value) = value else {
        return Ok(None);
    };
    let mut parts = value.split_whitespace();
    let scheme = parts.next().unwrap_or("");
    if !scheme.eq_ignore_ascii_case("jwt") && !scheme.eq_ignore_ascii_case("bearer") {
        return Ok(None);
    }
    match (parts.next(), parts.next()) {
        (Some(token), None) => Ok(Some(token)),
        _ => Err(ApiError::rejected(FAILED)),
    }
}

/// The claims of a valid login token in the request, if any: public pages that show more to
/// logged-in users use it; a missing or bad token just means an anonymous visitor. The token's
/// version is not checked here: callers check it with [`Viewer::is_current`] in their own unit
/// of database work.
pub fn viewer(state: &AppState, req: &HttpRequest) -> Option<Viewer> {
    let header = header_of(req).ok()??;
    let token = token_from_header(Some(&header)).ok()??;
    state.jwt.verify(token).ok().map(|claims| Viewer {
        user_id: claims.user_id,
        token_version: claims.ver,
    })
}

/// Who a valid (signed, unexpired) token says is looking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    /// The user's id.
    pub user_id: i64,
    /// The version the token was issued under.
    pub token_version: i64,
}

impl Viewer {
    /// Whether the token is not revoked and its user still active (one read by primary key).
    pub fn is_current(&self, conn: &mut luffy_db::DbConnection) -> Result<bool, ApiError> {
        Ok(matches!(
            UserRow::token_state(conn, self.user_id)?,
            Some((true, version)) if version == self.token_version
        ))
    }
}

/// A logged-in, active user. Use it as a handler argument to require a login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    /// The user's id.
    pub id: i64,
    /// The username.
    pub username: String,
    /// Whether the user is staff.
    pub is_staff: bool,
}

/// A logged-in, active staff user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser(pub AuthUser);

async fn authenticate(
    state: Option<web::Data<AppState>>,
    header: Result<Option<String>, ApiError>,
) -> Result<AuthUser, ApiError> {
    let state = state.ok_or_else(|| ApiError::Internal("no application state".into()))?;
    let header = header?;
    let token =
        token_from_header(header.as_deref())?.ok_or_else(|| ApiError::rejected(NOT_PROVIDED))?;
    let claims = state.jwt.verify(token)?;
    let pool = state.pool.clone();
    let user = web::block(move || {
        let mut conn = luffy_db::connection(&pool)?;
        UserRow::by_id(&mut conn, claims.user_id)
    })
    .await??;
    match user {
        Some(user) if user.is_active && user.token_version == claims.ver => Ok(AuthUser {
            id: user.id,
            username: user.username,
            is_staff: user.is_staff,
        }),
        _ => Err(ApiError::rejected(FAILED)),
    }
}

fn header_of(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    req.headers()
        .get(header::AUTHORIZATION)
        .map(|value| {
            value
                .to_str()
                .map(str::to_owned)
                .map_err(|_| ApiError::rejected(FAILED))
        })
        .transpose()
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authenticate(
            req.app_data::<web::Data<AppState>>().cloned(),
            header_of(req),
        ))
    }
}

impl FromRequest for StaffUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user = authenticate(
            req.app_data::<web::Data<AppState>>().cloned(),
            header_of(req),
        );
        Box::pin(async move {
            let user = user.await?;
            if user.is_staff {
                Ok(StaffUser(user))
            } else {
                Err(ApiError::rejected(FORBIDDEN))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_schemes() {
        assert_eq!(token_from_header(Some("jwt abc")).unwrap(), Some("abc"));
        assert_eq!(token_from_header(Some("JWT abc")).unwrap(), Some("abc"));
        assert_eq!(token_from_header(Some("Bearer abc")).unwrap(), Some("abc"));
        assert_eq!(token_from_header(Some("Basic abc")).unwrap(), None);
        assert_eq!(token_from_header(None).unwrap(), None);
        assert!(token_from_header(Some("jwt")).is_err());
        assert!(token_from_header(Some("jwt a b")).is_err());
    }
}
