//! Verifying the `Authorization` header of an upload callback.

use crate::credentials::{Credentials, constant_time_eq};
use crate::sign::{FORM_CONTENT_TYPE, SignableRequest};
use crate::{Error, Result};

/// Which scheme a callback was signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackScheme {
    /// Legacy `QBox`: covers path, query and (form bodies only) the body.
    QBox,
    /// `Qiniu`: covers method, path, query, host, content type, `X-Qiniu-*` headers and the body.
    Qiniu,
}

/// An incoming callback request as your web framework sees it.
#[derive(Debug, Clone, Copy)]
pub struct CallbackRequest<'a> {
    /// HTTP method; Qiniu sends `POST`.
    pub method: &'a str,
    /// The full URL the callback was sent to, as configured in `callbackUrl`.
    pub url: &'a str,
    /// All request headers; names are matched case-insensitively.
    pub headers: &'a [(&'a str, &'a str)],
    /// The raw body bytes, exactly as received.
    pub body: &'a [u8],
}

impl CallbackRequest<'_> {
    /// A header value by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }
}

/// Options for [`Credentials::verify_callback_with`].
#[derive(Debug, Clone, Copy, Default)]
pub struct CallbackVerifyOptions {
    /// Refuse `QBox` callbacks whose body it does not sign (e.g. `application/json`).
    pub require_signed_body: bool,
}

impl Credentials {
    /// Verifies a callback's `Authorization` header (either scheme), with default options.
    pub fn verify_callback(&self, request: &CallbackRequest<'_>) -> Result<CallbackScheme> {
        self.verify_callback_with(request, CallbackVerifyOptions::default())
    }

    /// Verifies a callback's `Authorization` header (either scheme).
    pub fn verify_callback_with(
        &self,
        request: &CallbackRequest<'_>,
        options: CallbackVerifyOptions,
    ) -> Result<CallbackScheme> {
        let authorization = request
            .header("Authorization")
            .ok_or(Error::CallbackSignatureInvalid)?
            .trim();
        let content_type = request.header("Content-Type");
        if let Some(given) = authorization.strip_prefix("Qiniu ") {
            let expected = self.sign_qiniu(&SignableRequest {
                method: request.method,
                url: request.url,
                headers: request.headers,
                content_type,
                body: request.body,
            });
            return if constant_time_eq(&expected, given.trim()) {
                Ok(CallbackScheme::Qiniu)
            } else {
                Err(Error::CallbackSignatureInvalid)
            };
        }
        let given = authorization
            .strip_prefix("QBox ")
            .ok_or(Error::CallbackSignatureInvalid)?;
        let expected = self.sign_qbox(request.url, content_type, request.body);
        if !constant_time_eq(&expected, given.trim()) {
            return Err(Error::CallbackSignatureInvalid);
        }
        let body_signed = request.body.is_empty() || content_type == Some(FORM_CONTENT_TYPE);
        if options.require_signed_body && !body_signed {
            return Err(Error::CallbackBodyUnsigned);
        }
        Ok(CallbackScheme::QBox)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"name=sunflower.jpg&hash=Fn6qeQi4VDLQ347NiRm-RlQx_4O2&location=Shanghai&price=1500.00&uid=123";
    const URL: &str = "https://test.qiniu.com/callback";

    fn creds() -> Credentials {
        Credentials::new("abcdefghklmnopq", "1234567890")
    }

    #[test]
    fn qbox_callback_vector() {
        let headers = [
            (
                "authorization",
                "QBox abcdefghklmnopq:T7F-SjxX7X2zI4Fc1vANiNt1AUE=",
            ),
            ("content-type", FORM_CONTENT_TYPE),
        ];
        let req = CallbackRequest {
            method: "POST",
            url: URL,
            headers: &headers,
            body: BODY,
        };
        assert_eq!(creds().verify_callback(&req).unwrap(), CallbackScheme::QBox);
        let tampered = CallbackRequest {
            body: b"name=evil",
            ..req
        };
        assert!(matches!(
            creds().verify_callback(&tampered),
            Err(Error::CallbackSignatureInvalid)
        ));
    }

    #[test]
    fn qiniu_callback_vector_with_lowercase_headers() {
        let headers = [
            (
                "AUTHORIZATION",
                "Qiniu abcdefghklmnopq:ZqS7EZuAKrhZaEIxqNGxDJi41IQ=",
            ),
            ("content-type", FORM_CONTENT_TYPE),
            ("x-qiniu-bbb", "BBB"),
        ];
        let req = CallbackRequest {
            method: "GET",
            url: URL,
            headers: &headers,
            body: BODY,
        };
        assert_eq!(
            creds().verify_callback(&req).unwrap(),
            CallbackScheme::Qiniu
        );
        let post = CallbackRequest {
            method: "POST",
            ..req
        };
        assert!(creds().verify_callback(&post).is_err());
    }

    #[test]
    fn qbox_json_bodies_are_unsigned() {
        let url = "https://api.example.com/qiniu/callback";
        let form = [
            (
                "Authorization",
                "QBox abcdefghklmnopq:0M9MHjd6JqhQpb67WEGuENMXe34=",
            ),
            ("Content-Type", FORM_CONTENT_TYPE),
        ];
        let req = CallbackRequest {
            method: "POST",
            url,
            headers: &form,
            body: b"key=v%2Fa.mp4&hash=FksfsEVWdEPky_QmDa5AcDaKisxY",
        };
        assert!(creds().verify_callback(&req).is_ok());
        let json = [
            (
                "Authorization",
                "QBox abcdefghklmnopq:ZCXtYj01RFxLJbEFbWQN6X9Ew2k=",
            ),
            ("Content-Type", "application/json"),
        ];
        let req = CallbackRequest {
            method: "POST",
            url,
            headers: &json,
            body: br#"{"key":"a"}"#,
        };
        assert!(creds().verify_callback(&req).is_ok());
        let strict = CallbackVerifyOptions {
            require_signed_body: true,
        };
        assert!(matches!(
            creds().verify_callback_with(&req, strict),
            Err(Error::CallbackBodyUnsigned)
        ));
    }

    #[test]
    fn qiniu_scheme_covers_json_body() {
        let c = creds();
        let url = "https://api.example.com/cb";
        let body = br#"{"key":"a"}"#;
        let auth = c.qiniu_authorization(&SignableRequest {
            method: "POST",
            url,
            headers: &[],
            content_type: Some("application/json"),
            body,
        });
        let headers = [
            ("authorization", auth.as_str()),
            ("content-type", "application/json"),
        ];
        let req = CallbackRequest {
            method: "POST",
            url,
            headers: &headers,
            body,
        };
        assert_eq!(c.verify_callback(&req).unwrap(), CallbackScheme::Qiniu);
        let forged = CallbackRequest {
            body: br#"{"key":"b"}"#,
            ..req
        };
        assert!(c.verify_callback(&forged).is_err());
        assert!(
            c.verify_callback(&CallbackRequest {
                headers: &[],
                ..req
            })
            .is_err()
        );
    }
}
