//! Verifying synchronous responses over the exact bytes Alipay signed.
//!
//! The body `{"<method>_response":{…},"sign":"…"}` is read with `serde_json`'s `RawValue`, which
//! borrows the exact text of the `…_response` value (whitespace, key order and `\/` escapes kept).
//! A root key that appears twice is rejected (the duplicate-key forgery of fzlee/alipay #69).

use std::fmt;

use serde::Deserialize;
use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::crypto::{self, SignType};
use crate::error::{BusinessError, Error, Result, SignatureFailure};
use crate::keys::PublicKey;

/// The top-level members of a response body, each value borrowed verbatim.
#[derive(Debug)]
pub struct ResponseEnvelope<'a> {
    members: Vec<(String, &'a RawValue)>,
}

impl<'de> Deserialize<'de> for ResponseEnvelope<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        struct EnvelopeVisitor;
        impl<'de> Visitor<'de> for EnvelopeVisitor {
            type Value = ResponseEnvelope<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut members: Vec<(String, &'de RawValue)> = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, &'de RawValue>()? {
                    if members.iter().any(|(existing, _)| *existing == key) {
                        return Err(serde::de::Error::custom(format!("duplicate key {key:?}")));
                    }
                    members.push((key, value));
                }
                Ok(ResponseEnvelope { members })
            }
        }
        deserializer.deserialize_map(EnvelopeVisitor)
    }
}

impl<'a> ResponseEnvelope<'a> {
    /// Parses a body; fails on invalid JSON, a non-object, or a repeated top-level key.
    pub fn parse(body: &'a [u8]) -> Result<Self> {
        serde_json::from_slice(body).map_err(|error| Error::MalformedResponse(error.to_string()))
    }

    /// The raw text of member `key`.
    pub fn raw(&self, key: &str) -> Option<&'a str> {
        self.members
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, value)| value.get())
    }

    /// A string member (e.g. `sign`), unescaped.
    pub fn string(&self, key: &str) -> Option<String> {
        self.raw(key)
            .and_then(|raw| serde_json::from_str::<String>(raw).ok())
    }
}

/// `alipay.trade.query` → `alipay_trade_query_response`.
pub fn response_key(method: &str) -> String {
    format!("{}_response", method.replace('.', "_"))
}

#[derive(Deserialize)]
struct Status {
    code: Option<String>,
    #[serde(default)]
    msg: String,
    sub_code: Option<String>,
    sub_msg: Option<String>,
}

/// A verified response value: the exact signed text of `<method>_response`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedResponse {
    /// The response key, e.g. `alipay_trade_query_response`.
    pub key: String,
    /// The exact text that was verified.
    pub signed_text: String,
    /// `alipay_cert_sn` when present (certificate mode).
    pub alipay_cert_sn: Option<String>,
}

/// Verifies `body` for `method` and returns the signed text of its `<method>_response`.
///
/// `error_response` (no usable signature, gateway-level failure) and any signed `code` ≠ `10000`
/// become [`Error::Business`]. With `accept_unescaped_slashes`, a failed check is retried once
/// with `\/` replaced by `/` (what Alipay's Java SDK does).
pub fn verify_response_text(
    body: &[u8],
    method: &str,
    alipay_public_key: &PublicKey,
    sign_type: SignType,
    accept_unescaped_slashes: bool,
) -> Result<VerifiedResponse> {
    let envelope = ResponseEnvelope::parse(body)?;
    let key = response_key(method);
    let sign = envelope.string("sign");
    let Some(raw) = envelope.raw(&key) else {
        if let Some(error_raw) = envelope.raw("error_response") {
            let verified = sign.as_deref().is_some_and(|sign| {
                crypto::verify(alipay_public_key, sign_type, error_raw.as_bytes(), sign).is_ok()
            });
            return Err(business_error("error_response", error_raw, verified));
        }
        return Err(Error::MalformedResponse(format!(
            "no {key:?} member in the response"
        )));
    };
    let sign = sign.ok_or_else(|| Error::signature(SignatureFailure::Missing, raw))?;
    let checked = crypto::verify(alipay_public_key, sign_type, raw.as_bytes(), &sign);
    if let Err(error) = checked {
        let retried = accept_unescaped_slashes
            && raw.contains("\\/")
            && crypto::verify(
                alipay_public_key,
                sign_type,
                raw.replace("\\/", "/").as_bytes(),
                &sign,
            )
            .is_ok();
        if !retried {
            return Err(error);
        }
    }
    let status: Status =
        serde_json::from_str(raw).map_err(|error| Error::MalformedResponse(error.to_string()))?;
    if status.code.as_deref() != Some("10000") {
        return Err(business_error(&key, raw, true));
    }
    Ok(VerifiedResponse {
        key,
        signed_text: raw.to_owned(),
        alipay_cert_sn: envelope.string("alipay_cert_sn"),
    })
}

/// Verifies and deserialises the typed body from the same bytes that were verified.
pub fn verify_response<T: DeserializeOwned>(
    body: &[u8],
    method: &str,
    alipay_public_key: &PublicKey,
    sign_type: SignType,
) -> Result<T> {
    let verified = verify_response_text(body, method, alipay_public_key, sign_type, true)?;
    serde_json::from_str(&verified.signed_text)
        .map_err(|error| Error::MalformedResponse(error.to_string()))
}

fn business_error(key: &str, raw: &str, verified: bool) -> Error {
    match serde_json::from_str::<Status>(raw) {
        Ok(status) => Error::from(BusinessError {
            method: key.to_owned(),
            code: status.code.unwrap_or_default(),
            msg: status.msg,
            sub_code: status.sub_code,
            sub_msg: status.sub_msg,
            signature_verified: verified,
        }),
        Err(error) => Error::MalformedResponse(format!("{key}: {error}")),
    }
}
