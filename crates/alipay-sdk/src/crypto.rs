//! RSA signatures as Alipay uses them: PKCS#1 v1.5, base64 with padding.
//!
//! `RSA2` is SHA256withRSA, `RSA` is the legacy SHA1withRSA. Three [`Backend`]s compute them and
//! give identical bytes (PKCS#1 v1.5 is deterministic): the pure-Rust `rsa` crate (always
//! compiled, constant-time since 0.10), `ring` (feature `ring`) and `aws-lc-rs` (feature
//! `aws-lc-rs`). [`sign`] and [`verify`] use [`Backend::selected`]: `aws-lc-rs` when its feature
//! is on (also when `ring` is on too), else `ring` when its feature is on, else `rsa`. A fast
//! backend signs RSA2 and verifies RSA2 and RSA for the key sizes it supports (ring: signing
//! 2048–4096 bits; aws-lc-rs: signing 2048–8192 bits; both: verifying 2048–8192 bits); legacy
//! RSA (SHA1) signing and every other key size stay on `rsa`.

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

/// An RSA implementation the SDK signs and verifies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// The pure-Rust `rsa` crate: always compiled in.
    Rsa,
    /// `ring`: compiled in with the feature `ring`.
    Ring,
    /// `aws-lc-rs` (AWS-LC): compiled in with the feature `aws-lc-rs`.
    AwsLcRs,
}

impl Backend {
    /// Every backend compiled into this build, `rsa` first.
    pub const AVAILABLE: &'static [Backend] = &[
        Backend::Rsa,
        #[cfg(feature = "ring")]
        Backend::Ring,
        #[cfg(feature = "aws-lc-rs")]
        Backend::AwsLcRs,
    ];

    /// The backend [`sign`] and [`verify`] use: `aws-lc-rs` when its feature is on, else `ring`
    /// when its feature is on, else `rsa`.
    pub const fn selected() -> Backend {
        if cfg!(feature = "aws-lc-rs") {
            Backend::AwsLcRs
        } else if cfg!(feature = "ring") {
            Backend::Ring
        } else {
            Backend::Rsa
        }
    }

    /// True when this backend is compiled into this build.
    pub fn is_available(self) -> bool {
        Self::AVAILABLE.contains(&self)
    }

    /// The crate's name: `rsa`, `ring` or `aws-lc-rs`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Rsa => "rsa",
            Backend::Ring => "ring",
            Backend::AwsLcRs => "aws-lc-rs",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn not_compiled_in(backend: Backend) -> Error {
    Error::InvalidRequest(format!(
        "the `{backend}` backend is not compiled in (enable the alipay-sdk feature `{backend}`)"
    ))
}

/// Signs `content` with [`Backend::selected`] and returns the base64 signature (344 characters
/// for a 2048-bit key).
pub fn sign(key: &PrivateKey, sign_type: SignType, content: &[u8]) -> Result<String> {
    sign_with(Backend::selected(), key, sign_type, content)
}

/// Signs `content` with `backend` (see [`signing_backend`] for what falls back to `rsa`) and
/// returns the base64 signature. Fails when `backend` is not compiled in.
pub fn sign_with(
    backend: Backend,
    key: &PrivateKey,
    sign_type: SignType,
    content: &[u8],
) -> Result<String> {
    let raw = sign_raw(backend, key, sign_type, content)?;
    Ok(STANDARD.encode(raw))
}

/// The backend that computes a signature when `backend` is asked to sign with `key`: `backend`
/// itself, or `rsa` for legacy RSA (SHA1) and for key sizes `backend` does not sign.
pub fn signing_backend(backend: Backend, key: &PrivateKey, sign_type: SignType) -> Backend {
    if sign_type != SignType::Rsa2 {
        return Backend::Rsa;
    }
    #[cfg(feature = "ring")]
    if backend == Backend::Ring && key.ring().is_some() {
        return Backend::Ring;
    }
    #[cfg(feature = "aws-lc-rs")]
    if backend == Backend::AwsLcRs && key.aws_lc().is_some() {
        return Backend::AwsLcRs;
    }
    let _ = (backend, key);
    Backend::Rsa
}

fn sign_raw(
    backend: Backend,
    key: &PrivateKey,
    sign_type: SignType,
    content: &[u8],
) -> Result<Vec<u8>> {
    if !backend.is_available() {
        return Err(not_compiled_in(backend));
    }
    let actual = signing_backend(backend, key, sign_type);
    #[cfg(feature = "ring")]
    if let (Backend::Ring, Some(pair)) = (actual, key.ring()) {
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
    #[cfg(feature = "aws-lc-rs")]
    if let (Backend::AwsLcRs, Some(pair)) = (actual, key.aws_lc()) {
        let mut signature = vec![0u8; pair.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        pair.sign(
            &aws_lc_rs::signature::RSA_PKCS1_SHA256,
            &rng,
            content,
            &mut signature,
        )
        .map_err(|_| Error::Signing("aws-lc-rs could not sign".to_owned()))?;
        return Ok(signature);
    }
    let _ = actual;
    sign_with_rsa_crate(key, sign_type, content)
}

fn sign_with_rsa_crate(key: &PrivateKey, sign_type: SignType, content: &[u8]) -> Result<Vec<u8>> {
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

/// Checks a base64 signature over `content` with [`Backend::selected`]. On failure the error
/// carries `content` (lossy UTF-8).
pub fn verify(
    key: &PublicKey,
    sign_type: SignType,
    content: &[u8],
    signature_base64: &str,
) -> Result<()> {
    verify_with(
        Backend::selected(),
        key,
        sign_type,
        content,
        signature_base64,
    )
}

/// Checks a base64 signature over `content` with `backend` (`rsa` for keys outside 2048–8192
/// bits). Fails when `backend` is not compiled in; on a bad signature the error carries
/// `content` (lossy UTF-8).
pub fn verify_with(
    backend: Backend,
    key: &PublicKey,
    sign_type: SignType,
    content: &[u8],
    signature_base64: &str,
) -> Result<()> {
    if !backend.is_available() {
        return Err(not_compiled_in(backend));
    }
    let lossy = || String::from_utf8_lossy(content).into_owned();
    if signature_base64.is_empty() {
        return Err(Error::signature(SignatureFailure::Missing, lossy()));
    }
    let signature = STANDARD
        .decode(signature_base64.trim().as_bytes())
        .map_err(|_| Error::signature(SignatureFailure::NotBase64, lossy()))?;
    if verify_raw_with(backend, key, sign_type, content, &signature) {
        Ok(())
    } else {
        Err(Error::signature(SignatureFailure::Mismatch, lossy()))
    }
}

/// True when `signature` (raw bytes) verifies with [`Backend::selected`].
pub(crate) fn verify_raw(
    key: &PublicKey,
    sign_type: SignType,
    content: &[u8],
    signature: &[u8],
) -> bool {
    verify_raw_with(Backend::selected(), key, sign_type, content, signature)
}

fn verify_raw_with(
    backend: Backend,
    key: &PublicKey,
    sign_type: SignType,
    content: &[u8],
    signature: &[u8],
) -> bool {
    let fast_size = (2048..=8192).contains(&key.bits());
    #[cfg(feature = "ring")]
    if backend == Backend::Ring && fast_size {
        let algorithm: &dyn ring::signature::VerificationAlgorithm = match sign_type {
            SignType::Rsa2 => &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            SignType::Rsa => &ring::signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        };
        return ring::signature::UnparsedPublicKey::new(algorithm, key.pkcs1_der())
            .verify(content, signature)
            .is_ok();
    }
    #[cfg(feature = "aws-lc-rs")]
    if backend == Backend::AwsLcRs && fast_size {
        let algorithm: &'static dyn aws_lc_rs::signature::VerificationAlgorithm = match sign_type {
            SignType::Rsa2 => &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            SignType::Rsa => &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        };
        return aws_lc_rs::signature::UnparsedPublicKey::new(algorithm, key.pkcs1_der())
            .verify(content, signature)
            .is_ok();
    }
    let _ = (backend, fast_size);
    verify_with_rsa_crate(key, sign_type, content, signature)
}

fn verify_with_rsa_crate(
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
