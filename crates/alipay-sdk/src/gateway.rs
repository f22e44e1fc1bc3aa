//! The gateway's side of the protocol, for local Alipay simulators and tests.
//!
//! A simulator verifies merchant requests with the **app public key** and signs its responses,
//! notifies and return URLs with its own **Alipay private key** (e.g. one made by
//! [`crate::testing::generate_key_pair`]). Merchants verify those with the matching public key,
//! exactly as they verify the real Alipay.
//!
//! ```
//! # fn main() -> alipay_sdk::Result<()> {
//! use alipay_sdk::gateway;
//! use alipay_sdk::{PrivateKey, PublicKey, SignType};
//! let alipay_key = alipay_sdk::testing::generate_key_pair()?;
//! let private = PrivateKey::parse(&alipay_key.private_pem)?;
//! let body = gateway::sign_response("alipay.trade.close", r#"{"code":"10000","msg":"Success"}"#, &private, SignType::Rsa2)?;
//! assert!(body.starts_with(r#"{"alipay_trade_close_response":{"code":"10000","msg":"Success"},"sign":""#));
//! # Ok(()) }
//! ```

use serde_json::value::RawValue;

use crate::crypto::{self, SignType};
use crate::encode::{FormParams, encode_pairs};
use crate::error::{Error, Result, SignatureFailure};
use crate::keys::{PrivateKey, PublicKey};
use crate::response::response_key;
use crate::sign::{NOTIFY_EXCLUDED, REQUEST_EXCLUDED, content_to_sign};

/// Why the gateway refused a request signature, with what it verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("request signature rejected ({reason}); gateway string: {expected_content}")]
pub struct RequestSignatureError {
    /// Why it failed.
    pub reason: SignatureFailure,
    /// The string the gateway built and verified (sorted, empty values and `sign` left out).
    pub expected_content: String,
}

impl RequestSignatureError {
    /// The `sub_msg` the real gateway sends with `isv.invalid-signature`.
    pub fn sub_msg(&self) -> String {
        invalid_signature_sub_msg(&self.expected_content)
    }
}

/// `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：<content>`.
pub fn invalid_signature_sub_msg(content: &str) -> String {
    format!(
        "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：{content}"
    )
}

/// Verifies a merchant request the way the gateway does: `sign` left out, empty values skipped,
/// sorted; the algorithm from `sign_type` (RSA2 when absent). Returns the verified content.
pub fn verify_request(
    params: &FormParams,
    app_public_key: &PublicKey,
) -> std::result::Result<String, RequestSignatureError> {
    let content = params.content_to_sign(true, REQUEST_EXCLUDED);
    let fail = |reason| RequestSignatureError {
        reason,
        expected_content: content.clone(),
    };
    let sign_type = match params.get("sign_type") {
        Some(value) => value
            .parse::<SignType>()
            .map_err(|_| fail(SignatureFailure::UnknownSignType(value.to_owned())))?,
        None => SignType::Rsa2,
    };
    let sign = params
        .get("sign")
        .filter(|sign| !sign.is_empty())
        .ok_or_else(|| fail(SignatureFailure::Missing))?;
    match crypto::verify(app_public_key, sign_type, content.as_bytes(), sign) {
        Ok(()) => Ok(content),
        Err(Error::Signature { reason, .. }) => Err(fail(reason)),
        Err(_) => Err(fail(SignatureFailure::Mismatch)),
    }
}

/// Signs a synchronous response: `{"<method>_response":<body_json>,"sign":"…"}`.
///
/// `body_json` is used byte for byte (so a simulator can send `\/` escapes or odd spacing); it
/// must be a JSON object.
pub fn sign_response(
    method: &str,
    body_json: &str,
    alipay_private_key: &PrivateKey,
    sign_type: SignType,
) -> Result<String> {
    sign_response_member(
        &response_key(method),
        body_json,
        alipay_private_key,
        sign_type,
    )
}

/// Like [`sign_response`] with any member name (e.g. `error_response`).
pub fn sign_response_member(
    member: &str,
    body_json: &str,
    alipay_private_key: &PrivateKey,
    sign_type: SignType,
) -> Result<String> {
    let raw: &RawValue = serde_json::from_str(body_json)?;
    if !raw.get().starts_with('{') {
        return Err(Error::InvalidRequest(
            "a response body must be a JSON object".to_owned(),
        ));
    }
    let sign = crypto::sign(alipay_private_key, sign_type, body_json.as_bytes())?;
    let member_json = serde_json::to_string(member)?;
    let sign_json = serde_json::to_string(&sign)?;
    Ok(format!(
        "{{{member_json}:{body_json},\"sign\":{sign_json}}}"
    ))
}

/// An unsigned `{"error_response":{…}}`, as the gateway answers requests it cannot route.
pub fn error_response(code: &str, msg: &str, sub_code: &str, sub_msg: &str) -> Result<String> {
    let body = serde_json::json!({"error_response": {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg}});
    Ok(serde_json::to_string(&body)?)
}

/// A signed notify or return-URL parameter set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedForm {
    /// The parameters including `sign_type` and `sign`.
    pub pairs: Vec<(String, String)>,
    /// The content that was signed.
    pub content: String,
    /// The form body / query string (`quote_plus` encoding).
    pub encoded: String,
}

/// Signs notify (or return-URL) parameters as Alipay does (`rsaCheckV1`: `sign` and `sign_type`
/// left out, empty values skipped) and appends `sign_type` and `sign`.
pub fn sign_notify(
    params: &[(String, String)],
    alipay_private_key: &PrivateKey,
    sign_type: SignType,
) -> Result<SignedForm> {
    let mut pairs: Vec<(String, String)> = params
        .iter()
        .filter(|(key, _)| !NOTIFY_EXCLUDED.contains(&key.as_str()))
        .cloned()
        .collect();
    let content = content_to_sign(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        true,
        NOTIFY_EXCLUDED,
    );
    let sign = crypto::sign(alipay_private_key, sign_type, content.as_bytes())?;
    pairs.push(("sign_type".to_owned(), sign_type.as_str().to_owned()));
    pairs.push(("sign".to_owned(), sign));
    let encoded = encode_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    Ok(SignedForm {
        pairs,
        content,
        encoded,
    })
}

/// Same as [`sign_notify`]; return-URL parameters are signed the same way.
pub fn sign_return(
    params: &[(String, String)],
    alipay_private_key: &PrivateKey,
    sign_type: SignType,
) -> Result<SignedForm> {
    sign_notify(params, alipay_private_key, sign_type)
}
