//! Upload tokens: creating them from a [`PutPolicy`] and parsing/verifying them.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::clock::{Clock, SystemClock};
use crate::credentials::{Credentials, constant_time_eq, decode_base64_any, urlsafe_base64};
use crate::policy::PutPolicy;
use crate::{Error, Result};

impl Credentials {
    /// Upload token valid for `expires` from now: `AK:sign:b64url(policy JSON)`.
    pub fn upload_token(&self, policy: &PutPolicy, expires: Duration) -> Result<String> {
        self.upload_token_with_clock(policy, expires, &SystemClock)
    }

    /// Upload token whose deadline is `clock.unix_secs() + expires` (seconds, truncated).
    pub fn upload_token_with_clock(
        &self,
        policy: &PutPolicy,
        expires: Duration,
        clock: &dyn Clock,
    ) -> Result<String> {
        let deadline = clock.unix_secs().saturating_add(expires.as_secs());
        self.upload_token_with_deadline(policy, deadline)
    }

    /// Upload token with an absolute deadline in Unix seconds.
    pub fn upload_token_with_deadline(&self, policy: &PutPolicy, deadline: u64) -> Result<String> {
        if policy.bucket().is_empty() {
            return Err(Error::InvalidArgument("bucket must not be empty".into()));
        }
        Ok(self.sign_with_data(policy.to_json(deadline).as_bytes()))
    }
}

/// A parsed upload token: `AK:signature:encodedPolicy`.
#[derive(Debug, Clone)]
pub struct UploadToken {
    access_key: String,
    signature: String,
    encoded_policy: String,
    policy: Map<String, Value>,
}

impl UploadToken {
    /// Parses a token; fails unless it has three `:`-parts and a base64 JSON object with a `scope`.
    pub fn parse(token: &str) -> Result<Self> {
        let token = token.trim();
        let mut parts = token.rsplitn(3, ':');
        let (Some(encoded_policy), Some(signature), Some(access_key)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::MalformedToken("expected AK:sign:policy".into()));
        };
        let json = decode_base64_any(encoded_policy)
            .ok_or_else(|| Error::MalformedToken("policy is not base64".into()))?;
        let policy: Map<String, Value> = serde_json::from_slice(&json)
            .map_err(|e| Error::MalformedToken(format!("policy is not a JSON object: {e}")))?;
        if !policy.get("scope").is_some_and(Value::is_string) {
            return Err(Error::MalformedToken("policy has no scope".into()));
        }
        Ok(Self {
            access_key: access_key.to_owned(),
            signature: signature.to_owned(),
            encoded_policy: encoded_policy.to_owned(),
            policy,
        })
    }

    /// The access key that signed the token.
    pub fn access_key(&self) -> &str {
        &self.access_key
    }

    /// The decoded policy object.
    pub fn policy(&self) -> &Map<String, Value> {
        &self.policy
    }

    /// The raw scope string.
    pub fn scope(&self) -> &str {
        self.policy
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// The bucket named by the scope.
    pub fn bucket(&self) -> &str {
        self.scope()
            .split_once(':')
            .map_or(self.scope(), |(b, _)| b)
    }

    /// The key (or key prefix) named by the scope, if any.
    pub fn scope_key(&self) -> Option<&str> {
        self.scope().split_once(':').map(|(_, k)| k)
    }

    /// The `deadline` field in Unix seconds.
    pub fn deadline(&self) -> Option<u64> {
        self.policy.get("deadline").and_then(Value::as_u64)
    }

    /// A string field of the policy.
    pub fn str_field(&self, name: &str) -> Option<&str> {
        self.policy.get(name).and_then(Value::as_str)
    }

    /// An integer field of the policy (booleans count as 0/1).
    pub fn int_field(&self, name: &str) -> Option<i64> {
        match self.policy.get(name)? {
            Value::Bool(b) => Some(i64::from(*b)),
            v => v.as_i64(),
        }
    }

    /// Whether `credentials` produced this token's signature (constant-time comparison).
    pub fn is_signed_by(&self, credentials: &Credentials) -> bool {
        if self.access_key != credentials.access_key() {
            return false;
        }
        let expected = urlsafe_base64(&credentials.hmac_sha1(self.encoded_policy.as_bytes()));
        constant_time_eq(&expected, &self.signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;

    fn frozen() -> FixedClock {
        FixedClock::from_unix_millis(1_700_000_000_250)
    }

    fn creds() -> Credentials {
        Credentials::new("abcdefghklmnopq", "1234567890")
    }

    #[test]
    fn bucket_only_token_matches_python() {
        let t = creds()
            .upload_token_with_clock(
                &PutPolicy::new("bucket"),
                Duration::from_secs(3600),
                &frozen(),
            )
            .unwrap();
        assert_eq!(
            t,
            "abcdefghklmnopq:idllYdGeCzSZMvs9vac9AAoAWVc=:eyJzY29wZSI6ImJ1Y2tldCIsImRlYWRsaW5lIjoxNzAwMDAzNjAwfQ=="
        );
    }

    #[test]
    fn keyed_token_matches_python() {
        let t = creds()
            .upload_token_with_clock(
                &PutPolicy::for_key("bucket", "key"),
                Duration::from_secs(3600),
                &frozen(),
            )
            .unwrap();
        assert_eq!(
            t,
            "abcdefghklmnopq:FGcaEE8DmNARNa0j_w2weS1D0-E=:eyJzY29wZSI6ImJ1Y2tldDprZXkiLCJkZWFkbGluZSI6MTcwMDAwMzYwMH0="
        );
    }

    #[test]
    fn unicode_policy_matches_python() {
        let policy = PutPolicy::for_key("bucket", "课程/视频.mp4")
            .return_body(r#"{"key":"$(key)","hash":"$(etag)","fsize":$(fsize)}"#)
            .insert_only()
            .fsize_limit(1_073_741_824)
            .mime_limit("video/*");
        let expected_json = r#"{"scope":"bucket:\u8bfe\u7a0b/\u89c6\u9891.mp4","deadline":1700007200,"returnBody":"{\"key\":\"$(key)\",\"hash\":\"$(etag)\",\"fsize\":$(fsize)}","insertOnly":1,"fsizeLimit":1073741824,"mimeLimit":"video/*"}"#;
        assert_eq!(policy.to_json(1_700_007_200), expected_json);
        let t = creds()
            .upload_token_with_clock(&policy, Duration::from_secs(7200), &frozen())
            .unwrap();
        let parts: Vec<&str> = t.split(':').collect();
        assert_eq!(parts[1], "uAX1efhVkU26JpwZ611yRBydTv8=");
        assert_eq!(parts[2], urlsafe_base64(expected_json.as_bytes()));
    }

    #[test]
    fn callback_policy_matches_python() {
        let policy = PutPolicy::new("bucket")
            .callback_url("http://api.example.com/qn/cb")
            .callback_body("key=$(key)&hash=$(etag)")
            .callback_body_type("application/x-www-form-urlencoded");
        let t = creds()
            .upload_token_with_clock(&policy, Duration::from_secs(3600), &frozen())
            .unwrap();
        assert_eq!(t.split(':').nth(1), Some("cxvHwYQcHnU3XXaTD6EBv6OyuKA="));
    }

    #[test]
    fn empty_bucket_is_refused() {
        assert!(matches!(
            creds().upload_token(&PutPolicy::new(""), Duration::from_secs(1)),
            Err(Error::InvalidArgument(_))
        ));
    }

    #[test]
    fn parse_and_verify_round_trip() {
        let c = creds();
        let t = c
            .upload_token_with_clock(
                &PutPolicy::for_key("bucket", "a:b").insert_only(),
                Duration::from_secs(60),
                &frozen(),
            )
            .unwrap();
        let parsed = UploadToken::parse(&t).unwrap();
        assert!(parsed.is_signed_by(&c));
        assert!(!parsed.is_signed_by(&Credentials::new("abcdefghklmnopq", "other")));
        assert_eq!(parsed.bucket(), "bucket");
        assert_eq!(parsed.scope_key(), Some("a:b"));
        assert_eq!(parsed.deadline(), Some(1_700_000_060));
        assert_eq!(parsed.int_field("insertOnly"), Some(1));
        for bad in ["", "a:b", "a:b:!!!", "a:b:aGVsbG8=", "a:b:e30="] {
            assert!(UploadToken::parse(bad).is_err(), "{bad}");
        }
    }
}
