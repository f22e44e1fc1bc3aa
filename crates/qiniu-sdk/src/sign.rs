//! Request signing: the legacy `QBox` scheme and the `Qiniu` (v2) scheme.

use std::time::SystemTime;

use crate::credentials::Credentials;

/// Content type whose body the `QBox` scheme signs.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// The pieces of a URL that signatures cover, split the way Python's `urlparse` does
/// (no normalisation: an absent path stays empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// `host[:port]`, empty for a relative URL.
    pub netloc: &'a str,
    /// The path, possibly empty.
    pub path: &'a str,
    /// The query without `?`, possibly empty.
    pub query: &'a str,
}

impl<'a> UrlParts<'a> {
    /// Splits `url` into netloc, path and query (the fragment is dropped).
    pub fn split(url: &'a str) -> Self {
        let url = url.split_once('#').map_or(url, |(u, _)| u);
        let rest = match url.split_once("://") {
            Some((scheme, rest)) if is_scheme(scheme) => rest,
            _ => url.strip_prefix("//").unwrap_or(url),
        };
        let has_netloc = rest.len() != url.len();
        let (netloc, rest) = if has_netloc {
            let end = rest.find(['/', '?']).unwrap_or(rest.len());
            rest.split_at(end)
        } else {
            ("", rest)
        };
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        Self {
            netloc,
            path,
            query,
        }
    }

    /// `path` followed by `?query` when the query is non-empty.
    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            self.path.to_owned()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }
}

fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Go-style canonical MIME header key: `x-qiniu-foo` → `X-Qiniu-Foo`.
/// Keys containing a character outside the HTTP token set are returned unchanged.
pub fn canonical_header_key(key: &str) -> String {
    let is_token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if !key.chars().all(is_token) {
        return key.to_owned();
    }
    let mut upper = true;
    key.chars()
        .map(|c| {
            let out = if upper {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            };
            upper = c == '-';
            out
        })
        .collect()
}

/// `X-Qiniu-Date` value for a time: `%Y%m%dT%H%M%SZ` in UTC.
pub fn qiniu_date(at: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(at)
        .format("%Y%m%dT%H%M%SZ")
        .to_string()
}

/// A request to sign with the `Qiniu` scheme.
#[derive(Debug, Clone, Copy)]
pub struct SignableRequest<'a> {
    /// HTTP method, e.g. `POST`.
    pub method: &'a str,
    /// Full URL (`scheme://host[:port]/path?query`).
    pub url: &'a str,
    /// Request headers; `Host` and `X-Qiniu-*` are looked up case-insensitively.
    pub headers: &'a [(&'a str, &'a str)],
    /// The `Content-Type`, if any.
    pub content_type: Option<&'a str>,
    /// The request body.
    pub body: &'a [u8],
}

impl SignableRequest<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }

    /// The exact bytes the `Qiniu` scheme signs.
    pub fn qiniu_signing_data(&self) -> Vec<u8> {
        let parts = UrlParts::split(self.url);
        let host = self.header("Host").unwrap_or(parts.netloc);
        let mut data = format!("{} {}\nHost: {host}", self.method, parts.path_and_query());
        if let Some(ct) = self.content_type.filter(|ct| !ct.is_empty()) {
            data.push_str("\nContent-Type: ");
            data.push_str(ct);
        }
        const PREFIX: &str = "x-qiniu-";
        let mut qiniu_headers: Vec<(String, &str)> = self
            .headers
            .iter()
            .filter(|(k, _)| {
                k.len() > PREFIX.len()
                    && k.get(..PREFIX.len())
                        .is_some_and(|p| p.eq_ignore_ascii_case(PREFIX))
            })
            .map(|(k, v)| (canonical_header_key(k), *v))
            .collect();
        qiniu_headers.sort();
        for (k, v) in &qiniu_headers {
            data.push('\n');
            data.push_str(k);
            data.push_str(": ");
            data.push_str(v);
        }
        data.push_str("\n\n");
        let mut data = data.into_bytes();
        if self
            .content_type
            .is_some_and(|ct| !ct.is_empty() && ct != "application/octet-stream")
        {
            data.extend_from_slice(self.body);
        }
        data
    }
}

/// The exact bytes the `QBox` scheme signs for a URL, content type and body.
pub fn qbox_signing_data(url: &str, content_type: Option<&str>, body: &[u8]) -> Vec<u8> {
    let mut data = UrlParts::split(url).path_and_query().into_bytes();
    data.push(b'\n');
    if content_type == Some(FORM_CONTENT_TYPE) {
        data.extend_from_slice(body);
    }
    data
}

impl Credentials {
    /// `AK:sign` for the `QBox` scheme (the body counts only for form-urlencoded content).
    pub fn sign_qbox(&self, url: &str, content_type: Option<&str>, body: &[u8]) -> String {
        self.sign(&qbox_signing_data(url, content_type, body))
    }

    /// `AK:sign` for the `Qiniu` scheme.
    pub fn sign_qiniu(&self, request: &SignableRequest<'_>) -> String {
        self.sign(&request.qiniu_signing_data())
    }

    /// The `Authorization` header value `Qiniu AK:sign`.
    pub fn qiniu_authorization(&self, request: &SignableRequest<'_>) -> String {
        format!("Qiniu {}", self.sign_qiniu(request))
    }

    /// The `Authorization` header value `QBox AK:sign`.
    pub fn qbox_authorization(&self, url: &str, content_type: Option<&str>, body: &[u8]) -> String {
        format!("QBox {}", self.sign_qbox(url, content_type, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials::new("abcdefghklmnopq", "1234567890")
    }

    #[test]
    fn url_split_is_like_urlparse() {
        let p = UrlParts::split("https://www.qiniu.com?go=1");
        assert_eq!((p.netloc, p.path, p.query), ("www.qiniu.com", "", "go=1"));
        let p = UrlParts::split("http://h:8080/a/b?x=1&y#frag");
        assert_eq!((p.netloc, p.path, p.query), ("h:8080", "/a/b", "x=1&y"));
        let p = UrlParts::split("/stat/abc");
        assert_eq!((p.netloc, p.path, p.query), ("", "/stat/abc", ""));
        assert_eq!(UrlParts::split("").path_and_query(), "");
    }

    #[test]
    fn qbox_vectors() {
        let c = creds();
        assert_eq!(
            c.sign_qbox("https://www.qiniu.com?go=1", Some(""), b"test"),
            "abcdefghklmnopq:cFyRVoWrE3IugPIMP5YJFTO-O-Y="
        );
        assert_eq!(
            c.sign_qbox(
                "https://www.qiniu.com?go=1",
                Some(FORM_CONTENT_TYPE),
                b"test"
            ),
            "abcdefghklmnopq:svWRNcacOE-YMsc70nuIYdaa1e4="
        );
    }

    #[test]
    fn qiniu_vectors() {
        let c = Credentials::new("ak", "sk");
        let headers = [
            ("X-Qiniu-Bbb", "BBB"),
            ("X-Qiniu-Aaa", "DDD"),
            ("X-Qiniu-", "a"),
            ("X-Qiniu", "b"),
        ];
        let mut req = SignableRequest {
            method: "GET",
            url: "http://upload.qiniup.com/mkfile/sdf.jpg?s=er3&df",
            headers: &headers,
            content_type: Some(FORM_CONTENT_TYPE),
            body: b"name=test&language=go",
        };
        let with_host = [("Host", "upload.qiniup.com")];
        let mut all: Vec<(&str, &str)> = headers.to_vec();
        all.extend_from_slice(&with_host);
        req.headers = &all;
        assert_eq!(c.sign_qiniu(&req), "ak:PUFPWsEUIpk_dzUvvxTTmwhp3p4=");
        req.url = "http://upload.qiniup.com";
        assert_eq!(c.sign_qiniu(&req), "ak:KUAhrYh32P9bv0COD8ugZjDCmII=");
        // Lower-case header names sign the same.
        let lower = [
            ("x-qiniu-bbb", "BBB"),
            ("x-qiniu-aaa", "DDD"),
            ("host", "upload.qiniup.com"),
        ];
        req.headers = &lower;
        assert_eq!(c.sign_qiniu(&req), "ak:KUAhrYh32P9bv0COD8ugZjDCmII=");
    }

    #[test]
    fn management_signature_vector() {
        let headers = [("X-Qiniu-Date", "20231114T221320Z")];
        let req = SignableRequest {
            method: "POST",
            url: "http://rs-z0.qiniuapi.com/stat/YnVja2V0OmtleQ==",
            headers: &headers,
            content_type: Some(FORM_CONTENT_TYPE),
            body: b"",
        };
        assert_eq!(
            creds().sign_qiniu(&req),
            "abcdefghklmnopq:qJl0wrdCwfBw7WSB_2onQwytUp4="
        );
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        assert_eq!(qiniu_date(at), "20231114T221320Z");
    }

    #[test]
    fn canonical_keys() {
        assert_eq!(canonical_header_key("x-qiniu-abc-def"), "X-Qiniu-Abc-Def");
        assert_eq!(canonical_header_key("X-QINIU-A"), "X-Qiniu-A");
        assert_eq!(canonical_header_key("x-qiniu bad"), "x-qiniu bad");
    }
}
