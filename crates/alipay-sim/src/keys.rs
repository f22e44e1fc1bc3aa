//! Keys kept in a data dir: generated on first use, then reused.

use crate::SimError;
use alipay_sdk::PrivateKey;
use std::io::Write;
use std::path::Path;

/// Reads the PEM private key at `path`, or generates an RSA-2048 key there (mode 0600) when the
/// file does not exist yet. Creation is atomic, so two processes starting together end up with
/// the same key.
pub fn load_or_generate(path: &Path) -> Result<PrivateKey, SimError> {
    if path.exists() {
        return read(path);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| SimError::Io {
            context: format!("creating {}", parent.display()),
            source,
        })?;
    }
    let pair = alipay_sdk::testing::generate_key_pair()?;
    let temp = path.with_extension(format!("tmp{}", std::process::id()));
    write_private(&temp, pair.private_pem.as_bytes())?;
    let linked = std::fs::hard_link(&temp, path);
    let _ = std::fs::remove_file(&temp);
    match linked {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(source) => {
            return Err(SimError::Io {
                context: format!("writing {}", path.display()),
                source,
            });
        }
    }
    read(path)
}

/// Reads a private key file (PKCS#1, PKCS#8 or bare base64).
pub fn read(path: &Path) -> Result<PrivateKey, SimError> {
    let text = std::fs::read_to_string(path).map_err(|source| SimError::Io {
        context: format!("reading {}", path.display()),
        source,
    })?;
    PrivateKey::parse(&text).map_err(|err| SimError::Key(format!("{}: {err}", path.display())))
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), SimError> {
    let io = |source| SimError::Io {
        context: format!("writing {}", path.display()),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)
}
