//! The signature doctor: explains why a signature does not verify.
//!
//! Give it the parameters as your code saw them (including `sign`), the key you verify with, and
//! (optionally) your app private key. It re-checks the signature under the variations that break
//! real integrations and reports every one that makes it verify, as a structured [`Diagnosis`].

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::crypto::{SignType, verify_raw};
use crate::encode::{FormParams, quote_plus};
use crate::keys::{PrivateKey, PublicKey};
use crate::response::{ResponseEnvelope, response_key};
use crate::sign::{NOTIFY_EXCLUDED, REQUEST_EXCLUDED, content_to_sign};

/// What was signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// A notify or return URL from Alipay: `sign` and `sign_type` are left out (V1).
    Notify,
    /// A merchant request checked by the gateway (or a V2 gateway message): only `sign` is left out.
    Request,
}

/// Inputs for [`diagnose`].
#[derive(Debug, Clone)]
pub struct DoctorInput<'a> {
    /// The parameters as your code saw them, including `sign` (and `sign_type` if sent).
    pub params: Vec<(String, String)>,
    /// Notify/return URL, or request.
    pub kind: MessageKind,
    /// The key you verify with (the "Alipay public key" for notifies).
    pub verify_key: &'a PublicKey,
    /// Your app private key, to detect keys given in the wrong slot.
    pub app_private_key: Option<&'a PrivateKey>,
}

impl<'a> DoctorInput<'a> {
    /// Input from a raw form body or query string (decoded once).
    pub fn from_form(
        body: &[u8],
        kind: MessageKind,
        verify_key: &'a PublicKey,
    ) -> crate::Result<Self> {
        Ok(DoctorInput {
            params: FormParams::parse(body)?.into_pairs(),
            kind,
            verify_key,
            app_private_key: None,
        })
    }
}

/// One explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Finding {
    /// The signature verifies as given, with the official rule.
    Verified,
    /// No `sign` parameter, or it is not base64.
    SignatureMissingOrMalformed,
    /// The verify key is the public half of the app private key (it belongs to you, not Alipay).
    VerifyKeyIsAppKey {
        /// Fingerprint of that key.
        fingerprint: String,
    },
    /// The signature was made with the app private key, not by Alipay.
    SignedByAppKey,
    /// It verifies only with `sign_type` treated differently (V1 vs V2 rule).
    SignTypeHandling {
        /// True when it verifies with `sign_type` kept in the content.
        verifies_when_kept: bool,
    },
    /// It verifies with the other algorithm (RSA vs RSA2).
    WrongSignType {
        /// The algorithm that verifies.
        verifies_with: SignType,
    },
    /// It verifies only when these empty values are included (the signer did not skip them).
    EmptyValuesIncluded {
        /// Keys with empty values.
        keys: Vec<String>,
    },
    /// It verifies over the parameters in their given order: the signer did not sort by key.
    NotSorted,
    /// It verifies after URL-decoding these values once more: they were still encoded.
    ValuesStillEncoded {
        /// The affected keys.
        keys: Vec<String>,
    },
    /// It verifies after re-encoding this value: it was URL-decoded twice.
    ValueDecodedTwice {
        /// The affected key.
        key: String,
    },
    /// It verifies over the content in another charset (e.g. GBK bytes).
    Charset {
        /// The charset that verifies.
        charset: String,
    },
    /// It verifies after removing a parameter that Alipay did not sign (added by a URL or framework).
    ExtraParameter {
        /// The unsigned parameter.
        key: String,
    },
    /// Response: it verifies only after `\/` was turned into `/` (or back).
    SlashEscaping,
    /// Nothing matched: wrong key (or a key pair that does not match the one uploaded), or altered data.
    NoVariantVerifies,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::Verified => f.write_str("the signature verifies with the official rule"),
            Finding::SignatureMissingOrMalformed => f.write_str("`sign` is missing or is not base64"),
            Finding::VerifyKeyIsAppKey { fingerprint } => write!(f, "the verify key ({fingerprint}) is your app public key; use the Alipay public key (支付宝公钥) from the console"),
            Finding::SignedByAppKey => f.write_str("the message was signed with your app private key, not by Alipay"),
            Finding::SignTypeHandling { verifies_when_kept: true } => f.write_str("verifies only with `sign_type` kept in the content (V2 rule, gateway messages); your verifier removed it"),
            Finding::SignTypeHandling { verifies_when_kept: false } => f.write_str("verifies only with `sign_type` removed from the content (V1 rule, trade notifies); your verifier kept it"),
            Finding::WrongSignType { verifies_with } => write!(f, "verifies with sign_type {verifies_with}: the configured sign type is wrong"),
            Finding::EmptyValuesIncluded { keys } => write!(f, "verifies only with empty values included ({}): the gateway skips empty values, so do not send them", keys.join(", ")),
            Finding::NotSorted => f.write_str("verifies over the parameters in arrival order: the signer must sort by key"),
            Finding::ValuesStillEncoded { keys } => write!(f, "verifies after URL-decoding {} once more: decode the body exactly once", keys.join(", ")),
            Finding::ValueDecodedTwice { key } => write!(f, "verifies with `{key}` URL-encoded again: it was decoded twice (decode the raw body once)"),
            Finding::Charset { charset } => write!(f, "verifies over {charset} bytes: decode and verify with the message's charset"),
            Finding::ExtraParameter { key } => write!(f, "verifies without `{key}`: it was added after signing (extra query parameter?)"),
            Finding::SlashEscaping => f.write_str("verifies only with the `\\/` escapes as originally sent: verify the exact response bytes"),
            Finding::NoVariantVerifies => f.write_str("no variation verifies: wrong key (or a key pair that differs from the one uploaded), or the data was altered"),
        }
    }
}

/// The doctor's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    /// True when the signature verifies as given.
    pub verified: bool,
    /// The content checked with the official rule.
    pub checked_content: String,
    /// Fingerprint of the verify key.
    pub verify_key_fingerprint: String,
    /// Everything found, most important first.
    pub findings: Vec<Finding>,
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "verified: {}", self.verified)?;
        writeln!(f, "verify key: {}", self.verify_key_fingerprint)?;
        writeln!(f, "content checked: {}", self.checked_content)?;
        for finding in &self.findings {
            writeln!(f, "- {finding}")?;
        }
        Ok(())
    }
}

fn join(pairs: &[(String, String)], skip_empty: bool, excluded: &[&str]) -> String {
    content_to_sign(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        skip_empty,
        excluded,
    )
}

/// Diagnoses a signed parameter set (notify, return URL or request).
pub fn diagnose(input: &DoctorInput<'_>) -> Diagnosis {
    let (primary, other) = match input.kind {
        MessageKind::Notify => (NOTIFY_EXCLUDED, REQUEST_EXCLUDED),
        MessageKind::Request => (REQUEST_EXCLUDED, NOTIFY_EXCLUDED),
    };
    let params = &input.params;
    let checked_content = join(params, true, primary);
    let mut diagnosis = Diagnosis {
        verified: false,
        checked_content: checked_content.clone(),
        verify_key_fingerprint: input.verify_key.fingerprint(),
        findings: Vec::new(),
    };
    let app_key_is_verify_key = input
        .app_private_key
        .is_some_and(|app_key| app_key.public_key() == input.verify_key);
    if app_key_is_verify_key && input.kind == MessageKind::Notify {
        diagnosis.findings.push(Finding::VerifyKeyIsAppKey {
            fingerprint: input.verify_key.fingerprint(),
        });
    }
    let signature = params
        .iter()
        .find(|(k, _)| k == "sign")
        .and_then(|(_, sign)| STANDARD.decode(sign.trim().as_bytes()).ok());
    let Some(signature) = signature else {
        diagnosis
            .findings
            .push(Finding::SignatureMissingOrMalformed);
        return diagnosis;
    };
    let sign_type = params
        .iter()
        .find(|(k, _)| k == "sign_type")
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or_default();
    let key = input.verify_key;
    let check = |content: &[u8]| verify_raw(key, sign_type, content, &signature);

    if check(checked_content.as_bytes()) {
        diagnosis.verified = true;
        diagnosis.findings.push(Finding::Verified);
        return diagnosis;
    }
    let mut findings = Vec::new();
    let signed_by_app_key = input.kind == MessageKind::Notify
        && input.app_private_key.is_some_and(|app_key| {
            verify_raw(
                app_key.public_key(),
                sign_type,
                checked_content.as_bytes(),
                &signature,
            )
        });
    if signed_by_app_key {
        findings.push(Finding::SignedByAppKey);
    }
    if check(join(params, true, other).as_bytes()) {
        findings.push(Finding::SignTypeHandling {
            verifies_when_kept: primary == NOTIFY_EXCLUDED,
        });
    }
    let other_type = if sign_type == SignType::Rsa2 {
        SignType::Rsa
    } else {
        SignType::Rsa2
    };
    if verify_raw(key, other_type, checked_content.as_bytes(), &signature) {
        findings.push(Finding::WrongSignType {
            verifies_with: other_type,
        });
    }
    let empty_keys: Vec<String> = params
        .iter()
        .filter(|(k, v)| v.is_empty() && !primary.contains(&k.as_str()))
        .map(|(k, _)| k.clone())
        .collect();
    if !empty_keys.is_empty() && check(join(params, false, primary).as_bytes()) {
        findings.push(Finding::EmptyValuesIncluded { keys: empty_keys });
    }
    let unsorted: Vec<String> = params
        .iter()
        .filter(|(k, v)| !primary.contains(&k.as_str()) && !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if check(unsorted.join("&").as_bytes()) {
        findings.push(Finding::NotSorted);
    }
    check_encoding(params, primary, &check, &mut findings);
    let is_gbk = params
        .iter()
        .any(|(k, v)| k == "charset" && v.to_ascii_lowercase().starts_with("gb"));
    let (gbk_bytes, _, unmappable) = encoding_rs::GB18030.encode(&checked_content);
    if !unmappable && gbk_bytes.as_ref() != checked_content.as_bytes() && check(&gbk_bytes) {
        findings.push(Finding::Charset {
            charset: if is_gbk { "the declared GBK" } else { "GBK" }.to_owned(),
        });
    }
    if params.len() <= 64 {
        for (index, (key_name, _)) in params.iter().enumerate() {
            if primary.contains(&key_name.as_str()) {
                continue;
            }
            let without: Vec<(String, String)> = params
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != index)
                .map(|(_, pair)| pair.clone())
                .collect();
            if check(join(&without, true, primary).as_bytes()) {
                findings.push(Finding::ExtraParameter {
                    key: key_name.clone(),
                });
            }
        }
    }
    let key_role_explains = diagnosis
        .findings
        .iter()
        .any(|finding| matches!(finding, Finding::VerifyKeyIsAppKey { .. }));
    if findings.is_empty() && !key_role_explains {
        findings.push(Finding::NoVariantVerifies);
    }
    diagnosis.findings.extend(findings);
    diagnosis
}

fn check_encoding(
    params: &[(String, String)],
    excluded: &[&str],
    check: &dyn Fn(&[u8]) -> bool,
    findings: &mut Vec<Finding>,
) {
    let looks_encoded = |value: &str| value.contains('%') || value.contains('+');
    let still_encoded: Vec<String> = params
        .iter()
        .filter(|(k, v)| !excluded.contains(&k.as_str()) && looks_encoded(v))
        .map(|(k, _)| k.clone())
        .collect();
    if !still_encoded.is_empty() {
        let decoded: Option<Vec<(String, String)>> = params
            .iter()
            .map(|(k, v)| {
                if still_encoded.contains(k) {
                    FormParams::parse(format!("x={v}").as_bytes())
                        .ok()
                        .and_then(|p| p.get("x").map(|d| (k.clone(), d.to_owned())))
                } else {
                    Some((k.clone(), v.clone()))
                }
            })
            .collect();
        if decoded.is_some_and(|decoded| check(join(&decoded, true, excluded).as_bytes())) {
            findings.push(Finding::ValuesStillEncoded {
                keys: still_encoded,
            });
        }
    }
    for (index, (key, value)) in params.iter().enumerate() {
        if excluded.contains(&key.as_str()) || quote_plus(value) == *value {
            continue;
        }
        let mut reencoded = params.to_vec();
        if let Some(pair) = reencoded.get_mut(index) {
            pair.1 = quote_plus(value);
        }
        if check(join(&reencoded, true, excluded).as_bytes()) {
            findings.push(Finding::ValueDecodedTwice { key: key.clone() });
        }
    }
}

/// Diagnoses a synchronous response body for `method`.
pub fn diagnose_response(
    body: &[u8],
    method: &str,
    verify_key: &PublicKey,
    app_private_key: Option<&PrivateKey>,
    sign_type: SignType,
) -> Diagnosis {
    let mut diagnosis = Diagnosis {
        verified: false,
        checked_content: String::new(),
        verify_key_fingerprint: verify_key.fingerprint(),
        findings: Vec::new(),
    };
    if let Some(app_key) = app_private_key.filter(|app_key| app_key.public_key() == verify_key) {
        diagnosis.findings.push(Finding::VerifyKeyIsAppKey {
            fingerprint: app_key.public_key().fingerprint(),
        });
    }
    let Ok(envelope) = ResponseEnvelope::parse(body) else {
        diagnosis.findings.push(Finding::NoVariantVerifies);
        return diagnosis;
    };
    let (Some(raw), Some(signature)) = (
        envelope.raw(&response_key(method)),
        envelope
            .string("sign")
            .and_then(|sign| STANDARD.decode(sign.as_bytes()).ok()),
    ) else {
        diagnosis
            .findings
            .push(Finding::SignatureMissingOrMalformed);
        return diagnosis;
    };
    diagnosis.checked_content = raw.to_owned();
    let check = |content: &[u8]| verify_raw(verify_key, sign_type, content, &signature);
    if check(raw.as_bytes()) {
        diagnosis.verified = true;
        diagnosis.findings.push(Finding::Verified);
        return diagnosis;
    }
    let unescaped = raw.replace("\\/", "/");
    let escaped = raw.replace('/', "\\/");
    if (unescaped != raw && check(unescaped.as_bytes()))
        || (escaped != raw && check(escaped.as_bytes()))
    {
        diagnosis.findings.push(Finding::SlashEscaping);
    }
    let other_type = if sign_type == SignType::Rsa2 {
        SignType::Rsa
    } else {
        SignType::Rsa2
    };
    if verify_raw(verify_key, other_type, raw.as_bytes(), &signature) {
        diagnosis.findings.push(Finding::WrongSignType {
            verifies_with: other_type,
        });
    }
    if diagnosis
        .findings
        .iter()
        .all(|finding| matches!(finding, Finding::VerifyKeyIsAppKey { .. }))
    {
        diagnosis.findings.push(Finding::NoVariantVerifies);
    }
    diagnosis
}

/// Where our signed string and the gateway's (from an `isv.invalid-signature` `sub_msg`) first differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringDifference {
    /// Byte offset of the first difference.
    pub offset: usize,
    /// Our text from a little before the difference.
    pub ours: String,
    /// The gateway's text from the same place.
    pub gateway: String,
}

/// Compares our signed content with the gateway's; `None` when they are equal.
pub fn compare_with_gateway_string(ours: &str, gateway: &str) -> Option<StringDifference> {
    if ours == gateway {
        return None;
    }
    let offset = ours
        .char_indices()
        .zip(gateway.chars())
        .find(|((_, a), b)| a != b)
        .map_or(ours.len().min(gateway.len()), |((i, _), _)| i);
    let start = ours
        .get(..offset)
        .and_then(|head| head.char_indices().rev().nth(19).map(|(i, _)| i))
        .unwrap_or(0);
    let excerpt = |text: &str| {
        text.get(start..)
            .unwrap_or_default()
            .chars()
            .take(80)
            .collect()
    };
    Some(StringDifference {
        offset,
        ours: excerpt(ours),
        gateway: excerpt(gateway),
    })
}
