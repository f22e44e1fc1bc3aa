//! Checks on upload tokens and management signatures.

use actix_web::HttpRequest;
use qiniu_sdk::UploadToken;
use qiniu_sdk::sign::{SignableRequest, qiniu_date};

use crate::error::SimError;
use crate::state::SimState;

/// Parses a token and checks its access key and signature (401 `bad token` otherwise).
pub fn verify_upload_token(state: &SimState, raw: &str) -> Result<UploadToken, SimError> {
    let token = UploadToken::parse(raw).map_err(|_| SimError::bad_token())?;
    if !token.is_signed_by(&state.credentials) {
        return Err(SimError::bad_token());
    }
    if !state.bucket_exists(token.bucket()) {
        return Err(SimError::new(631, "no such bucket"));
    }
    Ok(token)
}

/// The token of `Authorization: UpToken <token>`.
pub fn up_token_from_header(state: &SimState, req: &HttpRequest) -> Result<UploadToken, SimError> {
    let header = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| SimError::new(401, "token not specified"))?;
    let raw = header
        .strip_prefix("UpToken ")
        .ok_or_else(SimError::bad_token)?;
    verify_upload_token(state, raw)
}

/// 401 `token out of date` once the deadline has passed on the simulator's clock.
pub fn check_deadline(state: &SimState, token: &UploadToken) -> Result<(), SimError> {
    match token.deadline() {
        Some(deadline) if deadline >= state.now_secs() => Ok(()),
        _ => Err(SimError::new(401, "token out of date")),
    }
}

/// The key an upload ends up with, checked against the scope (403 on mismatch).
/// `None` means "use the hash".
pub fn resolve_key(
    token: &UploadToken,
    requested: Option<&str>,
) -> Result<Option<String>, SimError> {
    let mismatch = || SimError::new(403, "key doesn't match with scope");
    let prefixal = token.int_field("isPrefixalScope").unwrap_or(0) != 0;
    let force_save_key = token.int_field("forceSaveKey").unwrap_or(0) != 0;
    if let Some(save_key) = token.str_field("saveKey")
        && (force_save_key || requested.is_none())
    {
        return Ok(Some(save_key.to_owned()));
    }
    match (token.scope_key(), requested) {
        (None, requested) => Ok(requested.map(str::to_owned)),
        (Some(scope), Some(key)) if prefixal && key.starts_with(scope) => Ok(Some(key.to_owned())),
        (Some(scope), Some(key)) if !prefixal && key == scope => Ok(Some(key.to_owned())),
        (Some(scope), None) if !prefixal => Ok(Some(scope.to_owned())),
        _ => Err(mismatch()),
    }
}

/// Whether `mime` passes a `mimeLimit` such as `video/*;image/*` or `!application/json`.
pub fn mime_allowed(limit: &str, mime: &str) -> bool {
    let matches = |pattern: &str| match pattern.strip_suffix("/*") {
        Some(kind) => mime.split('/').next() == Some(kind),
        None => pattern == mime,
    };
    let patterns: Vec<&str> = limit
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if patterns.iter().all(|p| p.starts_with('!')) {
        !patterns.iter().any(|p| matches(p.trim_start_matches('!')))
    } else {
        patterns.iter().any(|p| !p.starts_with('!') && matches(p))
    }
}

/// Verifies a management request signed with the `Qiniu` or `QBox` scheme.
pub fn verify_management(state: &SimState, req: &HttpRequest, body: &[u8]) -> Result<(), SimError> {
    let authorization = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| SimError::new(401, "bad token"))?;
    let host = req.connection_info().host().to_owned();
    let path_and_query = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let url = format!("http://{host}{path_and_query}");
    let content_type = req
        .headers()
        .get("Content-Type")
        .and_then(|v| v.to_str().ok());
    let expected = if authorization.starts_with("Qiniu ") {
        let headers: Vec<(&str, &str)> = req
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)))
            .collect();
        if let Some(date) = req
            .headers()
            .get("X-Qiniu-Date")
            .and_then(|v| v.to_str().ok())
        {
            check_skew(state, date)?;
        }
        let sign = state.credentials.sign_qiniu(&SignableRequest {
            method: req.method().as_str(),
            url: &url,
            headers: &headers,
            content_type,
            body,
        });
        format!("Qiniu {sign}")
    } else {
        format!(
            "QBox {}",
            state.credentials.sign_qbox(&url, content_type, body)
        )
    };
    if expected == authorization {
        Ok(())
    } else {
        Err(SimError::new(401, "bad token"))
    }
}

fn check_skew(state: &SimState, date: &str) -> Result<(), SimError> {
    let skew = state.config.max_clock_skew.as_secs();
    let now = state.now();
    let earliest = now
        .checked_sub(state.config.max_clock_skew)
        .unwrap_or(std::time::UNIX_EPOCH);
    let latest = now.checked_add(state.config.max_clock_skew).unwrap_or(now);
    // The format sorts lexicographically, so comparing strings compares times.
    if date < qiniu_date(earliest).as_str() || date > qiniu_date(latest).as_str() {
        return Err(SimError::new(
            403,
            format!("request time too skewed (> {skew}s)"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mime_limits() {
        assert!(mime_allowed("video/*;image/*", "video/mp4"));
        assert!(mime_allowed("image/png", "image/png"));
        assert!(!mime_allowed("video/*", "application/octet-stream"));
        assert!(!mime_allowed("!application/json", "application/json"));
        assert!(mime_allowed("!application/json", "video/mp4"));
    }
}
