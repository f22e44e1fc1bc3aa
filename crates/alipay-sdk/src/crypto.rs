//! RSA signatures as Alipay uses them: PKCS#1 v1.5, base64 with padding.
//!
//! `RSA2` is SHA256withRSA, `RSA` is the legacy SHA1withRSA. With the `ring` feature, RSA2
//! signing (2048–4096-bit keys) and all verification use `ring`; otherwise the pure-Rust `rsa`
//! crate (constant-time since 0.10) does everything.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result, SignatureFailure};
use crate::keys::{PrivateKey, PublicKey};

/// The `sign_type` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SignType {
    /// SHA256withRSA, what Alipay requires for new apps.
    #[default]
    Rsa2,
    /// SHA1withRSA, legacy.
    Rsa,
}

impl SignType {
    /// The wire value, `RSA2` or `RSA`.
    pub fn as_str(self) -> &'static str {
        match self {
            SignType::Rsa2 => "RSA2",
            SignType::Rsa => "RSA",
        }
    }
}

impl fmt::Display for SignType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SignType {
    type Err = Error;

    fn from_str(value: &str) -> Result<Self> {
        match value {
            "RSA2" => Ok(SignType::Rsa2),
            "RSA" => Ok(SignType::Rsa),
            other => Err(Error::signature(
                SignatureFailure::UnknownSignType(other.to_owned()),
                "",
            )),
        }
    }
}

/// Signs `content` and returns the base64 signature (344 characters for a 2048-bit key).
pub fn sign(key: &PrivateKey, sign_type: SignType, content: &[u8]) -> Result<String> {
    let raw = sign_raw(key, sign_type, content)?;
    Ok(STANDARD.encode(raw))
}

fn sign_raw(key: &PrivateKey, sign_type: SignType, content: &[u8]) -> Result<Vec<u8>> {
    #[cfg(feature = "ring")]
    if let Some(pair) = key.ring().filter(|_| sign_type == SignType::Rsa2) {
        let mut signature = vec![0u8; pair.public().modulus_len()];
        let rng = ring::rand::SystemRandom::new();
        pair.sign(
            &ring::signature::RSA_PKCS1_SHA256,
            &rng,
            content,
            &mut signature,
        )
        .map_err(|_| Error::Signing("ring could not sign".to_owned()))?;
        return Ok(signature);
    }
    sign_with_rsa_crate(key, sign_type, content)
}

/// Signs with the pure-Rust `rsa` backend whatever features are on (benchmarks compare backends).
#[doc(hidden)]
pub fn sign_with_rsa_crate(
    key: &PrivateKey,
    sign_type: SignType,
    content: &[u8],
) -> Result<Vec<u8>> {
    let result = match sign_type {
        SignType::Rsa2 => key
            .rsa()
            .sign(rsa::Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(content)),
        SignType::Rsa => key
            .rsa()
            .sign(rsa::Pkcs1v15Sign::new::<Sha1>(), &Sha1::digest(content)),
    };
    result.map_err(|error| Error::Signing(error.to_string()))
}

/// Checks a base64 signature over `content`. On failure the error carries `content` (lossy UTF-8).
pub fn verify(
    key: &PublicKey,
    sign_type: SignType,
    content: &[u8],
    signature_base64: &str,
) -> Result<()> {
    let lossy = || String::from_utf8_lossy(content).into_owned();
    if signature_base64.is_empty() {
        return Err(Error::signature(SignatureFailure::Missing, lossy()));
    }
    let signature = STANDARD
        .decode(signature_base64.trim().as_bytes())
        .map_err(|_| Error::signature(SignatureFailure::NotBase64, lossy()))?;
    if verify_raw(key, sign_type, content, &signature) {
        Ok(())
    } else {
        Err(Error::signature(SignatureFailure::Mismatch, lossy()))
    }
}

/// True when `signature` (raw bytes) verifies.
pub(crate) fn verify_raw(
    key: &PublicKey,
    sign_type: SignType,
    content: &[u8],
    signature: &[u8],
) -> bool {
    #[cfg(feature = "ring")]
    if key.bits() >= 2048 {
        let algorithm: &dyn ring::signature::VerificationAlgorithm = match sign_type {
            SignType::Rsa2 => &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            SignType::Rsa => &ring::signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        };
        return ring::signature::UnparsedPublicKey::new(algorithm, key.pkcs1_der())
            .verify(content, signature)
            .is_ok();
    }
    verify_with_rsa_crate(key, sign_type, content, signature)
}

/// Verifies with the pure-Rust `rsa` backend whatever features are on (benchmarks compare backends).
#[doc(hidden)]
pub fn verify_with_rsa_crate(
    key: &PublicKey,
    sign_type: SignType,
    content: &[u8],
    signature: &[u8],
) -> bool {
    match sign_type {
        SignType::Rsa2 => key
            .rsa()
            .verify(
                rsa::Pkcs1v15Sign::new::<Sha256>(),
                &Sha256::digest(content),
                signature,
            )
            .is_ok(),
        SignType::Rsa => key
            .rsa()
            .verify(
                rsa::Pkcs1v15Sign::new::<Sha1>(),
                &Sha1::digest(content),
                signature,
            )
            .is_ok(),
    }
}
