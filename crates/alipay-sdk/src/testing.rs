//! Helpers for tests and simulators.

use rsa::pkcs8::EncodePublicKey;

use crate::error::{Error, Result};

/// A freshly generated RSA-2048 key pair as PEM strings.
#[derive(Clone)]
pub struct KeyPairPem {
    /// PKCS#1 `RSA PRIVATE KEY` PEM.
    pub private_pem: String,
    /// SPKI `PUBLIC KEY` PEM.
    pub public_pem: String,
}

impl std::fmt::Debug for KeyPairPem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPairPem")
            .field("private_pem", &"<redacted>")
            .field("public_pem", &self.public_pem)
            .finish()
    }
}

/// Generates a new RSA-2048 key pair from the operating system RNG (takes up to a second or two
/// in debug builds).
pub fn generate_key_pair() -> Result<KeyPairPem> {
    let mut rng = getrandom::SysRng;
    let key = rsa::PrivateKey::new(&mut rng, 2048)
        .map_err(|error| Error::Signing(format!("key generation failed: {error}")))?;
    let public_der = key
        .to_public_key()
        .to_public_key_der()
        .map_err(|error| Error::Signing(error.to_string()))?;
    let private = crate::keys::PrivateKey::parse(&pem::encode(&pem::Pem::new(
        "RSA PRIVATE KEY",
        rsa::pkcs1::EncodeRsaPrivateKey::to_pkcs1_der(&key)
            .map_err(|error| Error::Signing(error.to_string()))?
            .as_bytes()
            .to_vec(),
    )))?;
    Ok(KeyPairPem {
        private_pem: private.to_pkcs1_pem()?,
        public_pem: pem::encode(&pem::Pem::new("PUBLIC KEY", public_der.as_bytes().to_vec())),
    })
}
