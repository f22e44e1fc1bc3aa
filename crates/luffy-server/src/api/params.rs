//! Query strings and request bodies, and the paginated envelope whose links keep the query.

use super::ApiError;
use super::error::code;
use actix_web::{HttpRequest, HttpResponse};
use luffy_domain::catalog::PageWindow;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The parameters of a query string, in order.
#[derive(Debug, Clone, Default)]
pub struct QueryParams {
    pairs: Vec<(String, String)>,
}

impl QueryParams {
    /// Parses the request's query string; undecodable text counts as no parameters.
    pub fn of(req: &HttpRequest) -> Self {
        Self {
            pairs: serde_urlencoded::from_str(req.query_string()).unwrap_or_default(),
        }
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first value of `name`, refused (code 999 naming it) when it holds a control character.
    pub fn text(&self, name: &'static str) -> Result<Option<&str>, ApiError> {
        match self.get(name) {
            Some(value) => luffy_domain::fields::check_no_control(name, value)
                .map(|()| Some(value))
                .map_err(ApiError::from),
            None => Ok(None),
        }
    }

    /// The absolute URL of this request with `page` set to `page` (or removed for page 1),
    /// parameters sorted by name, as Django REST framework writes its links.
    fn link(&self, base: &str, page: u64) -> String {
        let mut pairs: Vec<(&str, String)> = self
            .pairs
            .iter()
            .filter(|(key, _)| key != "page")
            .map(|(key, value)| (key.as_str(), value.clone()))
            .collect();
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        pairs.sort_by(|a, b| a.0.cmp(b.0));
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        if query.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{query}")
        }
    }
}

/// A JSON body; a malformed one is a code-999 rejection naming the problem, and so is a body
/// with a control character (NUL, escape, …) in any of its texts, naming the field.
pub fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|err| ApiError::rejected(format!("body: {err}")))?;
    luffy_domain::fields::check_json_text(&value).map_err(|field| {
        ApiError::rejected(format!(
            "{field}: {}",
            luffy_domain::fields::CONTROL_MESSAGE
        ))
    })?;
    serde_json::from_value(value).map_err(|err| ApiError::rejected(format!("body: {err}")))
}

#[derive(Serialize)]
struct PageData<'a, T> {
    count: u64,
    next: Option<String>,
    previous: Option<String>,
    results: &'a [T],
}

#[derive(Serialize)]
struct PageEnvelope<'a, T> {
    code: u16,
    msg: &'static str,
    data: PageData<'a, T>,
}

/// `{"code":100,"msg":"ok","data":{"count","next","previous","results"}}` with absolute links.
pub fn page_response<T: Serialize>(
    public_url: &str,
    req: &HttpRequest,
    params: &QueryParams,
    count: u64,
    window: PageWindow,
    results: &[T],
) -> HttpResponse {
    let base = format!("{public_url}{}/", req.path().trim_end_matches('/'));
    HttpResponse::Ok().json(PageEnvelope {
        code: code::OK,
        msg: "ok",
        data: PageData {
            count,
            next: window
                .has_next()
                .then(|| params.link(&base, window.number + 1)),
            previous: window
                .has_previous()
                .then(|| params.link(&base, window.number - 1)),
            results,
        },
    })
}
