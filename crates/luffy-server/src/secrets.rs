//! Secrets generated on first start and kept in the data dir.

use base64::Engine;
use rand::RngCore;
use secrecy::SecretString;
use std::io::Write;
use std::path::Path;

/// Reads the secret stored in `data_dir/name`, creating it with 48 random bytes if absent.
///
/// Creation is atomic (write a temporary file, then hard-link it into place, which fails if
/// another process got there first), so two processes starting together agree on one secret.
pub fn load_or_create(data_dir: &Path, name: &str) -> std::io::Result<SecretString> {
    let path = data_dir.join(name);
    if let Ok(text) = std::fs::read_to_string(&path) {
        return Ok(SecretString::from(text.trim().to_owned()));
    }
    std::fs::create_dir_all(data_dir)?;
    let mut bytes = [0u8; 48];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let temp = tempfile_in(data_dir, name)?;
    {
        let mut file = private_file(&temp)?;
        file.write_all(secret.as_bytes())?;
        file.sync_all()?;
    }
    let linked = std::fs::hard_link(&temp, &path);
    std::fs::remove_file(&temp)?;
    match linked {
        Ok(()) => Ok(SecretString::from(secret)),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(SecretString::from(
            std::fs::read_to_string(&path)?.trim().to_owned(),
        )),
        Err(err) => Err(err),
    }
}

fn tempfile_in(dir: &Path, name: &str) -> std::io::Result<std::path::PathBuf> {
    let mut suffix = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut suffix);
    let suffix: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
    Ok(dir.join(format!(".{name}.{suffix}.tmp")))
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn a_secret_is_created_once_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(dir.path(), "jwt_secret").unwrap();
        let second = load_or_create(dir.path(), "jwt_secret").unwrap();
        assert_eq!(first.expose_secret(), second.expose_secret());
        assert!(first.expose_secret().len() >= 64);
        let other = load_or_create(dir.path(), "other").unwrap();
        assert_ne!(first.expose_secret(), other.expose_secret());
    }
}
