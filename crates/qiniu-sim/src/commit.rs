//! Turning received bytes into a stored object: policy checks, `returnBody`, callbacks.

use std::collections::BTreeMap;
use std::path::PathBuf;

use actix_web::HttpResponse;
use qiniu_sdk::UploadToken;
use qiniu_sdk::sign::{SignableRequest, UrlParts};

use crate::auth::{check_deadline, mime_allowed};
use crate::error::SimError;
use crate::state::{SimState, StoredObject, lock};

/// An upload whose bytes sit in a temporary file, waiting to be committed.
#[derive(Debug)]
pub struct Incoming {
    /// Bucket.
    pub bucket: String,
    /// Resolved key (`None`: use the hash).
    pub key: Option<String>,
    /// Temporary file holding the bytes.
    pub temp_path: PathBuf,
    /// Size in bytes.
    pub fsize: u64,
    /// Etag of the bytes.
    pub hash: String,
    /// MIME type.
    pub mime_type: String,
    /// Original file name.
    pub fname: String,
    /// `x:` variables.
    pub custom_vars: Vec<(String, String)>,
    /// `x-qn-meta-` metadata.
    pub metadata: BTreeMap<String, String>,
}

struct MagicContext<'a> {
    object: &'a StoredObject,
    token: &'a UploadToken,
    custom_vars: &'a [(String, String)],
}

impl MagicContext<'_> {
    fn value(&self, name: &str) -> String {
        let o = self.object;
        match name {
            "key" => o.key.clone(),
            "etag" | "hash" => o.hash.clone(),
            "fsize" => o.fsize.to_string(),
            "mimeType" => o.mime_type.clone(),
            "fname" => o.fname.clone(),
            "bucket" => o.bucket.clone(),
            "ext" => o
                .key
                .rsplit_once('.')
                .map(|(_, e)| format!(".{e}"))
                .unwrap_or_default(),
            "fprefix" => o
                .fname
                .rsplit_once('.')
                .map_or(o.fname.clone(), |(p, _)| p.to_owned()),
            "endUser" => self.token.str_field("endUser").unwrap_or("").to_owned(),
            var => self
                .custom_vars
                .iter()
                .find(|(k, _)| k == var)
                .map(|(_, v)| v.clone())
                .or_else(|| o.metadata.get(var).cloned())
                .unwrap_or_default(),
        }
    }

    /// Replaces every `$(name)` in `template`, escaping values with `escape`.
    fn render(&self, template: &str, escape: fn(&str) -> String) -> String {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(start) = rest.find("$(") {
            let (before, after) = rest.split_at(start);
            out.push_str(before);
            match after.find(')') {
                Some(end) => {
                    let name = after.get(2..end).unwrap_or("");
                    out.push_str(&escape(&self.value(name)));
                    rest = after.get(end + 1..).unwrap_or("");
                }
                None => {
                    out.push_str(after);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }
}

fn json_escape(value: &str) -> String {
    let quoted = serde_json::Value::String(value.to_owned()).to_string();
    quoted
        .get(1..quoted.len().saturating_sub(1))
        .unwrap_or("")
        .to_owned()
}

fn form_escape(value: &str) -> String {
    serde_urlencoded::to_string([("", value)])
        .map(|s| s.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

/// Applies the policy, stores the object and builds the answer (hash/key, `returnBody`, or the
/// callback server's reply).
pub async fn commit(
    state: &SimState,
    token: &UploadToken,
    incoming: Incoming,
) -> Result<HttpResponse, SimError> {
    let result = store(state, token, &incoming);
    if result.is_err() {
        let _ = std::fs::remove_file(&incoming.temp_path);
    }
    let object = result?;
    let ctx = MagicContext {
        object: &object,
        token,
        custom_vars: &incoming.custom_vars,
    };
    if let Some(urls) = token.str_field("callbackUrl").filter(|u| !u.is_empty()) {
        return callback(state, token, &ctx, urls).await;
    }
    if let Some(template) = token.str_field("returnBody").filter(|t| !t.is_empty()) {
        let body = ctx.render(template, json_escape);
        let content_type = if serde_json::from_str::<serde_json::Value>(&body).is_ok() {
            "application/json"
        } else {
            "text/plain; charset=utf-8"
        };
        return Ok(HttpResponse::Ok().content_type(content_type).body(body));
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({"hash": object.hash, "key": object.key})))
}

fn store(
    state: &SimState,
    token: &UploadToken,
    incoming: &Incoming,
) -> Result<StoredObject, SimError> {
    check_deadline(state, token)?;
    if let Some(limit) = token.int_field("fsizeLimit")
        && i64::try_from(incoming.fsize).unwrap_or(i64::MAX) > limit
    {
        return Err(SimError::new(413, "request entity too large"));
    }
    if let Some(min) = token.int_field("fsizeMin")
        && i64::try_from(incoming.fsize).unwrap_or(i64::MAX) < min
    {
        return Err(SimError::new(403, "file size too small"));
    }
    if let Some(limit) = token.str_field("mimeLimit")
        && !mime_allowed(limit, &incoming.mime_type)
    {
        return Err(SimError::new(
            403,
            "limited mimeType: this file type is forbidden to upload",
        ));
    }
    let key = incoming
        .key
        .clone()
        .unwrap_or_else(|| incoming.hash.clone());
    let insert_only =
        token.int_field("insertOnly").unwrap_or(0) != 0 || token.scope_key().is_none();
    let map_key = (incoming.bucket.clone(), key.clone());
    let mut objects = lock(&state.objects);
    if let Some(existing) = objects.get(&map_key) {
        let identical =
            existing.hash == incoming.hash && token.int_field("insertOnly").unwrap_or(0) == 0;
        if insert_only && !identical {
            return Err(SimError::new(614, "file exists"));
        }
    }
    let path = state.object_path(&incoming.bucket, &key);
    std::fs::rename(&incoming.temp_path, &path)?;
    let object = StoredObject {
        bucket: incoming.bucket.clone(),
        key,
        fsize: incoming.fsize,
        hash: incoming.hash.clone(),
        mime_type: incoming.mime_type.clone(),
        put_time: state.now_put_time(),
        fname: incoming.fname.clone(),
        metadata: incoming.metadata.clone(),
        path,
    };
    objects.insert(map_key, object.clone());
    Ok(object)
}

async fn callback(
    state: &SimState,
    token: &UploadToken,
    ctx: &MagicContext<'_>,
    urls: &str,
) -> Result<HttpResponse, SimError> {
    let content_type = token
        .str_field("callbackBodyType")
        .filter(|t| !t.is_empty())
        .unwrap_or("application/x-www-form-urlencoded");
    let template = token.str_field("callbackBody").unwrap_or("");
    let body = if content_type.starts_with("application/json") {
        ctx.render(template, json_escape)
    } else {
        ctx.render(template, form_escape)
    };
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(SimError::internal)?;
    let mut last_error = String::from("no callback url");
    for url in urls.split(';').map(str::trim).filter(|u| !u.is_empty()) {
        let host = token
            .str_field("callbackHost")
            .filter(|h| !h.is_empty())
            .map_or_else(|| UrlParts::split(url).netloc.to_owned(), str::to_owned);
        let headers = [("Host", host.as_str())];
        let authorization = state.credentials.qiniu_authorization(&SignableRequest {
            method: "POST",
            url,
            headers: &headers,
            content_type: Some(content_type),
            body: body.as_bytes(),
        });
        state
            .callbacks_sent
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let sent = http
            .post(url)
            .header("Host", host.as_str())
            .header("Content-Type", content_type)
            .header("Authorization", authorization)
            .body(body.clone())
            .send()
            .await;
        match sent {
            Ok(response) if response.status().as_u16() == 200 => {
                let reply = response.bytes().await.map_err(SimError::internal)?;
                if serde_json::from_slice::<serde_json::Value>(&reply).is_ok() {
                    return Ok(HttpResponse::Ok()
                        .content_type("application/json")
                        .body(reply));
                }
                last_error = "callback did not answer JSON".into();
            }
            Ok(response) => last_error = format!("callback answered {}", response.status()),
            Err(err) => last_error = format!("callback failed: {err}"),
        }
    }
    Err(SimError::new(579, last_error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(json_escape("a\"b\\c/课"), "a\\\"b\\\\c/课");
        assert_eq!(form_escape("v/a b&c"), "v%2Fa+b%26c");
    }
}
