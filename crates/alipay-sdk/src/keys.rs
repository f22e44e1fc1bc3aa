//! Loading RSA keys from what people actually paste.
//!
//! Accepted for private keys: PEM PKCS#1 (`RSA PRIVATE KEY`), PEM PKCS#8 (`PRIVATE KEY`), or the
//! bare one-line base64 that the Alipay key tool shows (PKCS#1 or PKCS#8). Accepted for public
//! keys: PEM SPKI (`PUBLIC KEY`), PEM PKCS#1 (`RSA PUBLIC KEY`), bare base64 of either, or a
//! certificate (see [`crate::cert`]). A UTF-8 BOM, CRLF, lost or extra newlines, spaces and
//! literal `\n` sequences (from JSON/env files) are tolerated. Keys are parsed once.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs1::{
    DecodeRsaPrivateKey, DecodeRsaPublicKey, EncodeRsaPrivateKey, EncodeRsaPublicKey,
};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use sha2::{Digest, Sha256};

use crate::error::{Error, KeyRole, Result};

const PRIVATE_EXPECTED: &str = "an RSA private key: PEM `RSA PRIVATE KEY` (PKCS#1), PEM `PRIVATE KEY` \
     (PKCS#8), or the bare base64 shown by the Alipay key tool";
const PUBLIC_EXPECTED: &str = "an RSA public key: PEM `PUBLIC KEY` (SPKI), PEM `RSA PUBLIC KEY` \
     (PKCS#1), bare base64 of either, or a `CERTIFICATE` (certificate mode)";

/// What a piece of key text turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyFormat {
    /// `-----BEGIN RSA PRIVATE KEY-----`.
    PemPkcs1Private,
    /// `-----BEGIN PRIVATE KEY-----`.
    PemPkcs8Private,
    /// `-----BEGIN ENCRYPTED PRIVATE KEY-----` (not supported: decrypt it first).
    PemEncryptedPkcs8,
    /// `-----BEGIN PUBLIC KEY-----`.
    PemSpkiPublic,
    /// `-----BEGIN RSA PUBLIC KEY-----`.
    PemPkcs1Public,
    /// `-----BEGIN CERTIFICATE-----`.
    PemCertificate,
    /// Bare base64 of a PKCS#1 private key.
    Base64Pkcs1Private,
    /// Bare base64 of a PKCS#8 private key.
    Base64Pkcs8Private,
    /// Bare base64 of an SPKI public key.
    Base64SpkiPublic,
    /// Bare base64 of a PKCS#1 public key.
    Base64Pkcs1Public,
    /// Bare base64 of a DER certificate.
    Base64Certificate,
}

impl fmt::Display for KeyFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyFormat::PemPkcs1Private => "PEM `RSA PRIVATE KEY` (PKCS#1 private key)",
            KeyFormat::PemPkcs8Private => "PEM `PRIVATE KEY` (PKCS#8 private key)",
            KeyFormat::PemEncryptedPkcs8 => "PEM `ENCRYPTED PRIVATE KEY` (password-protected)",
            KeyFormat::PemSpkiPublic => "PEM `PUBLIC KEY` (SPKI public key)",
            KeyFormat::PemPkcs1Public => "PEM `RSA PUBLIC KEY` (PKCS#1 public key)",
            KeyFormat::PemCertificate => "PEM `CERTIFICATE`",
            KeyFormat::Base64Pkcs1Private => "bare base64 PKCS#1 private key",
            KeyFormat::Base64Pkcs8Private => "bare base64 PKCS#8 private key",
            KeyFormat::Base64SpkiPublic => "bare base64 SPKI public key",
            KeyFormat::Base64Pkcs1Public => "bare base64 PKCS#1 public key",
            KeyFormat::Base64Certificate => "bare base64 DER certificate",
        })
    }
}

/// Key text split into its PEM label (if any) and DER bytes.
struct KeyText {
    label: Option<String>,
    der: Vec<u8>,
}

fn key_error(role: KeyRole, seen: impl Into<String>, problem: impl Into<String>) -> Error {
    Error::Key {
        role,
        seen: seen.into(),
        expected: match role {
            KeyRole::PrivateKey => PRIVATE_EXPECTED,
            KeyRole::PublicKey => PUBLIC_EXPECTED,
        },
        problem: problem.into(),
    }
}

/// Strips BOM, PEM armour and every kind of whitespace, then base64-decodes.
fn read_key_text(text: &str, role: KeyRole) -> Result<KeyText> {
    let text = text
        .trim_start_matches('\u{feff}')
        .replace("\\n", "\n")
        .replace("\\r", "");
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(key_error(role, "empty text", "no key given"));
    }
    let (label, body) = match trimmed.find("-----BEGIN ") {
        Some(begin) => {
            let after_begin = trimmed
                .get(begin + "-----BEGIN ".len()..)
                .unwrap_or_default();
            let label_end = after_begin.find("-----").ok_or_else(|| {
                key_error(
                    role,
                    "a PEM `-----BEGIN` line",
                    "the BEGIN line is not closed by -----",
                )
            })?;
            let label = after_begin
                .get(..label_end)
                .unwrap_or_default()
                .trim()
                .to_owned();
            let rest = after_begin.get(label_end + 5..).unwrap_or_default();
            let end = rest.find("-----END").ok_or_else(|| {
                key_error(role, format!("PEM `{label}`"), "no -----END line found")
            })?;
            (Some(label), rest.get(..end).unwrap_or_default().to_owned())
        }
        None => (None, trimmed.to_owned()),
    };
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let der = STANDARD.decode(compact.as_bytes()).map_err(|error| {
        let seen = label.as_ref().map_or_else(
            || "text without PEM armour".to_owned(),
            |l| format!("PEM `{l}`"),
        );
        key_error(
            role,
            seen,
            format!("the key body is not valid base64 ({error})"),
        )
    })?;
    Ok(KeyText { label, der })
}

fn sniff_der(der: &[u8]) -> Option<KeyFormat> {
    if rsa::PrivateKey::from_pkcs1_der(der).is_ok() {
        Some(KeyFormat::Base64Pkcs1Private)
    } else if rsa::PrivateKey::from_pkcs8_der(der).is_ok() {
        Some(KeyFormat::Base64Pkcs8Private)
    } else if rsa::PublicKey::from_public_key_der(der).is_ok() {
        Some(KeyFormat::Base64SpkiPublic)
    } else if rsa::PublicKey::from_pkcs1_der(der).is_ok() {
        Some(KeyFormat::Base64Pkcs1Public)
    } else if x509_parser::parse_x509_certificate(der).is_ok() {
        Some(KeyFormat::Base64Certificate)
    } else {
        None
    }
}

fn label_format(label: &str) -> Option<KeyFormat> {
    Some(match label {
        "RSA PRIVATE KEY" => KeyFormat::PemPkcs1Private,
        "PRIVATE KEY" => KeyFormat::PemPkcs8Private,
        "ENCRYPTED PRIVATE KEY" => KeyFormat::PemEncryptedPkcs8,
        "PUBLIC KEY" => KeyFormat::PemSpkiPublic,
        "RSA PUBLIC KEY" => KeyFormat::PemPkcs1Public,
        "CERTIFICATE" => KeyFormat::PemCertificate,
        _ => return None,
    })
}

fn describe(text: &KeyText, format: Option<KeyFormat>) -> String {
    match (format, &text.label) {
        (Some(format), _) => format.to_string(),
        (None, Some(label)) => format!("PEM `{label}`"),
        (None, None) => format!(
            "{} bytes of base64 that are no RSA key or certificate",
            text.der.len()
        ),
    }
}

/// An RSA private key. `Debug` and `Display` never show key material.
#[derive(Clone)]
pub struct PrivateKey {
    key: rsa::PrivateKey,
    public: PublicKey,
    format: KeyFormat,
    #[cfg(feature = "ring")]
    ring_key: Option<std::sync::Arc<ring::signature::RsaKeyPair>>,
    #[cfg(feature = "aws-lc-rs")]
    aws_lc_key: Option<std::sync::Arc<aws_lc_rs::signature::RsaKeyPair>>,
}

impl PrivateKey {
    /// Parses PEM (PKCS#1 or PKCS#8) or bare base64 key text.
    pub fn parse(text: &str) -> Result<Self> {
        let role = KeyRole::PrivateKey;
        let key_text = read_key_text(text, role)?;
        let format = match &key_text.label {
            Some(label) => label_format(label),
            None => sniff_der(&key_text.der),
        };
        let key = match format {
            Some(KeyFormat::PemPkcs1Private | KeyFormat::Base64Pkcs1Private) => {
                rsa::PrivateKey::from_pkcs1_der(&key_text.der).map_err(|e| e.to_string()).or_else(|_| rsa::PrivateKey::from_pkcs8_der(&key_text.der).map_err(|e| e.to_string()))
            }
            Some(KeyFormat::PemPkcs8Private | KeyFormat::Base64Pkcs8Private) => {
                rsa::PrivateKey::from_pkcs8_der(&key_text.der).map_err(|e| e.to_string()).or_else(|_| rsa::PrivateKey::from_pkcs1_der(&key_text.der).map_err(|e| e.to_string()))
            }
            Some(KeyFormat::PemEncryptedPkcs8) => {
                return Err(key_error(role, describe(&key_text, format), "encrypted keys are not supported; decrypt with `openssl pkcs8 -in key.pem -out plain.pem`"));
            }
            Some(other) => {
                return Err(key_error(role, other.to_string(), "this is public key material, but a private key belongs here"));
            }
            None => return Err(key_error(role, describe(&key_text, None), "not an RSA private key")),
        }
        .map_err(|error| key_error(role, describe(&key_text, format), format!("DER does not parse ({error})")))?;
        let format = format.unwrap_or(KeyFormat::Base64Pkcs1Private);
        Self::from_rsa(key, format)
    }

    fn from_rsa(key: rsa::PrivateKey, format: KeyFormat) -> Result<Self> {
        let bits = key.n().bit_width();
        if bits < 1024 {
            return Err(key_error(
                KeyRole::PrivateKey,
                format!("{format}, {bits} bits"),
                "keys under 1024 bits are refused",
            ));
        }
        let public = PublicKey::from_rsa(key.to_public_key(), KeyFormat::Base64SpkiPublic)?;
        // The fast backends take the PKCS#1 DER (`RSAPrivateKey`, with the CRT parameters) that
        // `rsa` re-encodes, whatever the key was loaded from; a key a backend refuses (ring:
        // outside 2048–4096 bits, aws-lc-rs: outside 2048–8192 bits) is signed by `rsa`.
        #[cfg(any(feature = "ring", feature = "aws-lc-rs"))]
        let pkcs1_der = key.to_pkcs1_der().ok();
        #[cfg(feature = "ring")]
        let ring_key = pkcs1_der
            .as_ref()
            .and_then(|der| ring::signature::RsaKeyPair::from_der(der.as_bytes()).ok())
            .map(std::sync::Arc::new);
        #[cfg(feature = "aws-lc-rs")]
        let aws_lc_key = pkcs1_der
            .as_ref()
            .and_then(|der| aws_lc_rs::signature::RsaKeyPair::from_der(der.as_bytes()).ok())
            .map(std::sync::Arc::new);
        Ok(PrivateKey {
            key,
            public,
            format,
            #[cfg(feature = "ring")]
            ring_key,
            #[cfg(feature = "aws-lc-rs")]
            aws_lc_key,
        })
    }

    /// The matching public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The format the key was loaded from.
    pub fn format(&self) -> KeyFormat {
        self.format
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> u32 {
        self.public.bits()
    }

    /// PKCS#1 PEM (`RSA PRIVATE KEY`). Handle the result as a secret.
    pub fn to_pkcs1_pem(&self) -> Result<String> {
        let der = self
            .key
            .to_pkcs1_der()
            .map_err(|error| Error::Signing(error.to_string()))?;
        Ok(pem::encode(&pem::Pem::new(
            "RSA PRIVATE KEY",
            der.as_bytes().to_vec(),
        )))
    }

    pub(crate) fn rsa(&self) -> &rsa::PrivateKey {
        &self.key
    }

    #[cfg(feature = "ring")]
    pub(crate) fn ring(&self) -> Option<&ring::signature::RsaKeyPair> {
        self.ring_key.as_deref()
    }

    #[cfg(feature = "aws-lc-rs")]
    pub(crate) fn aws_lc(&self) -> Option<&aws_lc_rs::signature::RsaKeyPair> {
        self.aws_lc_key.as_deref()
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PrivateKey(<redacted>, {} bits, public key {})",
            self.bits(),
            self.public.fingerprint()
        )
    }
}

impl fmt::Display for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// An RSA public key. Two keys are equal when their SubjectPublicKeyInfo is, whatever format
/// they were loaded from.
#[derive(Clone)]
pub struct PublicKey {
    key: rsa::PublicKey,
    spki_der: Vec<u8>,
    pkcs1_der: Vec<u8>,
    format: KeyFormat,
}

impl PublicKey {
    /// Parses PEM (SPKI, PKCS#1, or a certificate) or bare base64 key text.
    pub fn parse(text: &str) -> Result<Self> {
        let role = KeyRole::PublicKey;
        let key_text = read_key_text(text, role)?;
        let format = match &key_text.label {
            Some(label) => label_format(label),
            None => sniff_der(&key_text.der),
        };
        let key = match format {
            Some(KeyFormat::PemSpkiPublic | KeyFormat::Base64SpkiPublic | KeyFormat::PemPkcs1Public | KeyFormat::Base64Pkcs1Public) => {
                rsa::PublicKey::from_public_key_der(&key_text.der).map_err(|e| e.to_string()).or_else(|_| rsa::PublicKey::from_pkcs1_der(&key_text.der).map_err(|e| e.to_string()))
            }
            Some(KeyFormat::PemCertificate | KeyFormat::Base64Certificate) => {
                return crate::cert::public_key_from_der(&key_text.der);
            }
            Some(private @ (KeyFormat::PemPkcs1Private | KeyFormat::PemPkcs8Private | KeyFormat::Base64Pkcs1Private | KeyFormat::Base64Pkcs8Private | KeyFormat::PemEncryptedPkcs8)) => {
                return Err(key_error(role, private.to_string(), "this is a private key; a public key belongs here (never hand a private key to a verifier)"));
            }
            None => return Err(key_error(role, describe(&key_text, None), "not an RSA public key")),
        }
        .map_err(|error| key_error(role, describe(&key_text, format), format!("DER does not parse ({error})")))?;
        Self::from_rsa(key, format.unwrap_or(KeyFormat::Base64SpkiPublic))
    }

    /// Parses a DER SubjectPublicKeyInfo.
    pub fn from_spki_der(der: &[u8]) -> Result<Self> {
        let key = rsa::PublicKey::from_public_key_der(der).map_err(|error| {
            key_error(
                KeyRole::PublicKey,
                "DER SubjectPublicKeyInfo",
                format!("not an RSA key ({error})"),
            )
        })?;
        Self::from_rsa(key, KeyFormat::Base64SpkiPublic)
    }

    pub(crate) fn from_rsa(key: rsa::PublicKey, format: KeyFormat) -> Result<Self> {
        let spki_der = key
            .to_public_key_der()
            .map_err(|error| key_error(KeyRole::PublicKey, format.to_string(), error.to_string()))?
            .as_bytes()
            .to_vec();
        let pkcs1_der = key
            .to_pkcs1_der()
            .map_err(|error| key_error(KeyRole::PublicKey, format.to_string(), error.to_string()))?
            .as_bytes()
            .to_vec();
        Ok(PublicKey {
            key,
            spki_der,
            pkcs1_der,
            format,
        })
    }

    /// The format the key was loaded from.
    pub fn format(&self) -> KeyFormat {
        self.format
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> u32 {
        self.key.n().bit_width()
    }

    /// `sha256:` + the first 16 hex digits of SHA-256 over the SPKI DER: safe to log, and
    /// enough to tell two keys apart.
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::digest(&self.spki_der);
        let hex: String = digest
            .iter()
            .take(8)
            .map(|byte| format!("{byte:02x}"))
            .collect();
        format!("sha256:{hex}")
    }

    /// The bare base64 SPKI form, as the Alipay console shows public keys.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(&self.spki_der)
    }

    /// PEM `PUBLIC KEY` (SPKI).
    pub fn to_pem(&self) -> String {
        pem::encode(&pem::Pem::new("PUBLIC KEY", self.spki_der.clone()))
    }

    /// PEM `RSA PUBLIC KEY` (PKCS#1).
    pub fn to_pkcs1_pem(&self) -> String {
        pem::encode(&pem::Pem::new("RSA PUBLIC KEY", self.pkcs1_der.clone()))
    }

    pub(crate) fn rsa(&self) -> &rsa::PublicKey {
        &self.key
    }

    #[cfg(any(feature = "ring", feature = "aws-lc-rs"))]
    pub(crate) fn pkcs1_der(&self) -> &[u8] {
        &self.pkcs1_der
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.spki_der == other.spki_der
    }
}

impl Eq for PublicKey {}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({} bits, {})", self.bits(), self.fingerprint())
    }
}
