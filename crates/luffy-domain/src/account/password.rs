//! Password hashing with argon2id, PHC strings in the database.

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Argon2id cost settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes.
    pub iterations: u32,
}

impl Default for PasswordParams {
    /// OWASP's recommendation for argon2id: 19 MiB, 2 passes, 1 lane.
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
        }
    }
}

/// Hashes new passwords and checks given ones. Verification reads the parameters stored in the
/// hash itself, so changing the cost affects only new hashes.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    params: Params,
}

/// A hash that cannot be produced or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

impl PasswordHasher {
    /// A hasher with `params`; impossible values are raised to argon2's minimums.
    pub fn new(params: PasswordParams) -> Self {
        let params = Params::new(
            params.memory_kib.max(Params::MIN_M_COST),
            params.iterations.max(1),
            1,
            None,
        )
        .unwrap_or_default();
        Self { params }
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// The PHC string of `password` with a fresh random salt.
    pub fn hash(&self, password: &str, salt: &[u8; 16]) -> Result<String, HashError> {
        let salt = SaltString::encode_b64(salt).map_err(|err| HashError(err.to_string()))?;
        self.argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|err| HashError(err.to_string()))
    }

    /// Whether `password` matches the PHC string `stored` (a malformed hash never matches).
    pub fn verify(&self, password: &str, stored: &str) -> bool {
        PasswordHash::new(stored).is_ok_and(|hash| {
            self.argon2()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let hasher = PasswordHasher::new(PasswordParams {
            memory_kib: 64,
            iterations: 1,
        });
        let one = hasher.hash("secret-1", &[1; 16]).unwrap();
        let two = hasher.hash("secret-1", &[2; 16]).unwrap();
        assert_ne!(one, two);
        assert!(one.starts_with("$argon2id$"));
        assert!(hasher.verify("secret-1", &one));
        assert!(!hasher.verify("secret-2", &one));
        assert!(!hasher.verify("secret-1", "not a hash"));
    }
}
