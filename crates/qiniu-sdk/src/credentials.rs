//! Access key / secret key pair and the two HMAC-SHA1 primitives everything else builds on.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD, URL_SAFE};
use base64::engine::{DecodePaddingMode, GeneralPurpose as Engine64};
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// URL-safe base64 with `=` padding kept, as every Qiniu API expects.
pub fn urlsafe_base64(data: &[u8]) -> String {
    URL_SAFE.encode(data)
}

const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const URL_SAFE_LENIENT: GeneralPurpose = Engine64::new(&base64::alphabet::URL_SAFE, LENIENT);
const STANDARD_LENIENT: GeneralPurpose = Engine64::new(&base64::alphabet::STANDARD, LENIENT);

/// Decodes base64 in either the URL-safe or the standard alphabet, padded or not.
pub fn decode_base64_any(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_LENIENT
        .decode(text)
        .or_else(|_| STANDARD_LENIENT.decode(text))
        .or_else(|_| STANDARD.decode(text))
        .ok()
}

/// `b64url("bucket:key")`, or `b64url("bucket")` when there is no key.
pub fn encoded_entry(bucket: &str, key: Option<&str>) -> String {
    match key {
        Some(key) => urlsafe_base64(format!("{bucket}:{key}").as_bytes()),
        None => urlsafe_base64(bucket.as_bytes()),
    }
}

/// Compares two strings in constant time (for signatures).
pub(crate) fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A Qiniu access key and secret key.
///
/// The secret never appears in `Debug` or `Display` output.
#[derive(Clone)]
pub struct Credentials {
    access_key: String,
    secret_key: String,
}

impl Credentials {
    /// Creates credentials from an access key and a secret key.
    pub fn new(access_key: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self {
            access_key: access_key.into(),
            secret_key: secret_key.into(),
        }
    }

    /// Reads `QINIU_ACCESS_KEY` and `QINIU_SECRET_KEY` from the environment.
    pub fn from_env() -> Option<Self> {
        let ak = std::env::var("QINIU_ACCESS_KEY").ok()?;
        let sk = std::env::var("QINIU_SECRET_KEY").ok()?;
        Some(Self::new(ak, sk))
    }

    /// The public access key.
    pub fn access_key(&self) -> &str {
        &self.access_key
    }

    /// Raw HMAC-SHA1 of `data` keyed with the secret key.
    pub fn hmac_sha1(&self, data: &[u8]) -> [u8; 20] {
        // HMAC accepts keys of any length, so construction cannot fail.
        match <Hmac<Sha1> as KeyInit>::new_from_slice(self.secret_key.as_bytes()) {
            Ok(mut mac) => {
                mac.update(data);
                mac.finalize().into_bytes().into()
            }
            Err(_) => [0; 20],
        }
    }

    /// `AK:b64url(HMAC-SHA1(SK, data))`.
    pub fn sign(&self, data: &[u8]) -> String {
        format!(
            "{}:{}",
            self.access_key,
            urlsafe_base64(&self.hmac_sha1(data))
        )
    }

    /// `AK:b64url(HMAC-SHA1(SK, b64url(data))):b64url(data)` — the HMAC covers the encoded data.
    pub fn sign_with_data(&self, data: &[u8]) -> String {
        let encoded = urlsafe_base64(data);
        format!("{}:{}", self.sign(encoded.as_bytes()), encoded)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key", &self.access_key)
            .field("secret_key", &"<redacted>")
            .finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:<redacted>", self.access_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials::new("abcdefghklmnopq", "1234567890")
    }

    #[test]
    fn secret_is_redacted() {
        let c = creds();
        let dbg = format!("{c:?}");
        let disp = format!("{c}");
        assert!(!dbg.contains("1234567890"), "{dbg}");
        assert!(!disp.contains("1234567890"), "{disp}");
        assert!(dbg.contains("abcdefghklmnopq") && dbg.contains("<redacted>"));
    }

    #[test]
    fn published_sign_vectors() {
        let c = creds();
        assert_eq!(
            c.sign(b"test"),
            "abcdefghklmnopq:mSNBTR7uS2crJsyFr2Amwv1LaYg="
        );
        assert_eq!(
            c.sign_with_data(b"test"),
            "abcdefghklmnopq:-jP8eEV9v48MkYiBGs81aDxl60E=:dGVzdA=="
        );
        assert_eq!(
            c.sign(b"hello"),
            "abcdefghklmnopq:b84KVc-LroDiz0ebUANfdzSRxa0="
        );
        assert_eq!(
            c.sign(b"world"),
            "abcdefghklmnopq:VjgXt0P_nCxHuaTfiFz-UjDJ1AQ="
        );
        assert_eq!(
            c.sign_with_data(b"hello"),
            "abcdefghklmnopq:BZYt5uVRy1RVt5ZTXbaIt2ROVMA=:aGVsbG8="
        );
    }

    #[test]
    fn entry_vectors() {
        assert_eq!(
            encoded_entry("qiniuphotos", Some("gogopher.jpg")),
            "cWluaXVwaG90b3M6Z29nb3BoZXIuanBn"
        );
        assert_eq!(encoded_entry("qiniuphotos", Some("")), "cWluaXVwaG90b3M6");
        assert_eq!(encoded_entry("qiniuphotos", None), "cWluaXVwaG90b3M=");
        assert_eq!(
            encoded_entry("qiniuphotos", Some("012ts>a")),
            "cWluaXVwaG90b3M6MDEydHM-YQ=="
        );
    }

    #[test]
    fn decodes_both_alphabets() {
        assert_eq!(
            decode_base64_any("cWluaXVwaG90b3M6MDEydHM-YQ==").as_deref(),
            Some(&b"qiniuphotos:012ts>a"[..])
        );
        assert_eq!(
            decode_base64_any("cWluaXVwaG90b3M6MDEydHM+YQ").as_deref(),
            Some(&b"qiniuphotos:012ts>a"[..])
        );
        assert!(decode_base64_any("!!").is_none());
    }
}
