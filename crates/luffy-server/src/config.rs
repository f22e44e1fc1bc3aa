//! Configuration: documented defaults, then a TOML file, then `LUFFY_*` environment variables.
//!
//! Every key of the file is the name of its variable without the `LUFFY_` prefix, in lower case
//! (`LUFFY_DATABASE_URL` ↔ `database_url`). Unknown keys and malformed values are errors that
//! name the key, so a typo never silently falls back to a default.

use luffy_db::DatabaseUrl;
use luffy_domain::account::PasswordParams;
use secrecy::SecretString;
use serde::Deserialize;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {reason}")]
    Unreadable {
        /// The file's path.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// The file is not valid TOML or has an unknown or mistyped key.
    #[error("config file {path}: {reason}")]
    Malformed {
        /// The file's path.
        path: PathBuf,
        /// The parser's explanation (it names the key).
        reason: String,
    },
    /// A setting has a value that cannot be used.
    #[error("{name}: {reason}")]
    Invalid {
        /// The variable's name, e.g. `LUFFY_BIND`.
        name: &'static str,
        /// What is wrong and what is expected.
        reason: String,
    },
}

/// Where course media are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageKind {
    /// Files under the media directory, served by Luffy itself.
    Local,
    /// A Qiniu bucket.
    Qiniu,
}

/// Luffy's settings, resolved.
#[derive(Debug, Clone)]
pub struct Config {
    /// Listen address (`LUFFY_BIND`).
    pub bind: String,
    /// Base for absolute URLs; `None` means `http://<bound address>` (`LUFFY_PUBLIC_URL`).
    pub public_url: Option<String>,
    /// The database (`LUFFY_DATABASE_URL`).
    pub database_url: DatabaseUrl,
    /// Largest number of pooled database connections (`LUFFY_DB_POOL_SIZE`).
    pub db_pool_size: Option<u32>,
    /// Folder for generated secrets and keys (`LUFFY_DATA_DIR`).
    pub data_dir: PathBuf,
    /// The HS256 secret of login tokens; generated into the data dir when unset (`LUFFY_JWT_SECRET`).
    pub jwt_secret: Option<SecretString>,
    /// Login token lifetime in seconds (`LUFFY_JWT_TTL_SECS`).
    pub jwt_ttl_secs: u64,
    /// Alipay settings; all unset means the built-in simulator.
    pub alipay: AlipaySettings,
    /// Unpaid order lifetime in seconds (`LUFFY_ORDER_TIMEOUT_SECS`).
    pub order_timeout_secs: u64,
    /// Seconds between sweeper passes; `None` or 0 disables the sweeper
    /// (`LUFFY_SWEEPER_INTERVAL_SECS`, default 30).
    pub sweeper_interval_secs: Option<u64>,
    /// Seconds after creation, and then between looks, that the sweeper asks Alipay about an
    /// unpaid order (`LUFFY_RECONCILE_AFTER_SECS`, default 60).
    pub reconcile_after_secs: u64,
    /// Media storage backend (`LUFFY_STORAGE`).
    pub storage: StorageKind,
    /// Local media folder (`LUFFY_MEDIA_DIR`).
    pub media_dir: PathBuf,
    /// Whether local media are served only through signed, expiring URLs (`LUFFY_MEDIA_PRIVATE`).
    pub media_private: bool,
    /// Lifetime of signed media URLs in seconds (`LUFFY_MEDIA_URL_TTL_SECS`, default 3600).
    pub media_url_ttl_secs: u64,
    /// Qiniu settings, used when `storage` is Qiniu.
    pub qiniu: QiniuSettings,
    /// Seconds a request body may take to arrive; for the media upload, the longest gap
    /// between two of its chunks (`LUFFY_BODY_TIMEOUT_SECS`, default 15).
    pub body_timeout_secs: u64,
    /// HTTP worker threads (`LUFFY_WORKERS`); `None` means one per core.
    pub workers: Option<usize>,
    /// Reverse proxies whose `X-Forwarded-For`/`X-Real-IP` are believed (`LUFFY_TRUSTED_PROXIES`,
    /// a comma list of IP addresses).
    pub trusted_proxies: Vec<IpAddr>,
    /// Argon2id cost of new password hashes (`LUFFY_ARGON2_MEMORY_KIB`, `LUFFY_ARGON2_ITERATIONS`).
    pub password_params: PasswordParams,
    /// Whether `luffy serve` seeds the demo catalog into an empty database (`LUFFY_SEED_DEMO`).
    pub seed_demo: bool,
    /// Who delivers SMS codes (`LUFFY_SMS_SENDER`); only `log` (write the code to the log) exists.
    pub sms_sender: SmsSenderKind,
    /// Origins allowed to call the JSON API from a browser (`LUFFY_CORS_ORIGINS`: `*`, the
    /// default, or a comma list of origins).
    pub cors_origins: crate::cors::CorsOrigins,
    /// How many banners the home page shows (`LUFFY_BANNER_COUNT`, default 3).
    pub banner_count: usize,
}

/// Who delivers SMS verification codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsSenderKind {
    /// Write the code to the server log (development; the default).
    Log,
}

/// The `LUFFY_ALIPAY_*` settings.
#[derive(Debug, Clone, Default)]
pub struct AlipaySettings {
    /// `LUFFY_ALIPAY_APP_ID`.
    pub app_id: Option<String>,
    /// `LUFFY_ALIPAY_APP_PRIVATE_KEY_FILE`.
    pub app_private_key_file: Option<PathBuf>,
    /// `LUFFY_ALIPAY_PUBLIC_KEY_FILE`.
    pub public_key_file: Option<PathBuf>,
    /// `LUFFY_ALIPAY_GATEWAY`.
    pub gateway: Option<String>,
    /// `LUFFY_ALIPAY_SELLER_ID`.
    pub seller_id: Option<String>,
    /// `LUFFY_ALIPAY_NOTIFY_URL`.
    pub notify_url: Option<String>,
    /// `LUFFY_ALIPAY_RETURN_URL`.
    pub return_url: Option<String>,
}

/// The `LUFFY_QINIU_*` settings.
#[derive(Debug, Clone, Default)]
pub struct QiniuSettings {
    /// `LUFFY_QINIU_ACCESS_KEY`.
    pub access_key: Option<String>,
    /// `LUFFY_QINIU_SECRET_KEY`.
    pub secret_key: Option<SecretString>,
    /// `LUFFY_QINIU_BUCKET`.
    pub bucket: Option<String>,
    /// `LUFFY_QINIU_DOMAIN`.
    pub domain: Option<String>,
    /// `LUFFY_QINIU_UP_HOST`.
    pub up_host: Option<String>,
    /// `LUFFY_QINIU_PRIVATE`.
    pub private: bool,
    /// `LUFFY_QINIU_REGION` (`z0`, `z1`, `z2`, `na0`, `as0`, …; default `z0`).
    pub region: String,
    /// Parts of a server-side upload sent at the same time (`LUFFY_QINIU_UPLOAD_CONCURRENCY`,
    /// default 4).
    pub upload_concurrency: usize,
    /// `LUFFY_QINIU_API_HOST`: one base URL for the management and download APIs instead of
    /// the region's (a simulator or a private deployment).
    pub api_host: Option<String>,
}

/// The file's shape: every key optional, unknown keys refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    bind: Option<String>,
    public_url: Option<String>,
    database_url: Option<String>,
    db_pool_size: Option<u32>,
    data_dir: Option<PathBuf>,
    jwt_secret: Option<String>,
    jwt_ttl_secs: Option<u64>,
    alipay_app_id: Option<String>,
    alipay_app_private_key_file: Option<PathBuf>,
    alipay_public_key_file: Option<PathBuf>,
    alipay_gateway: Option<String>,
    alipay_seller_id: Option<String>,
    alipay_notify_url: Option<String>,
    alipay_return_url: Option<String>,
    order_timeout_secs: Option<u64>,
    sweeper_interval_secs: Option<u64>,
    reconcile_after_secs: Option<u64>,
    storage: Option<String>,
    media_dir: Option<PathBuf>,
    qiniu_access_key: Option<String>,
    qiniu_secret_key: Option<String>,
    qiniu_bucket: Option<String>,
    qiniu_domain: Option<String>,
    qiniu_up_host: Option<String>,
    qiniu_private: Option<bool>,
    qiniu_region: Option<String>,
    qiniu_api_host: Option<String>,
    qiniu_upload_concurrency: Option<usize>,
    media_private: Option<bool>,
    media_url_ttl_secs: Option<u64>,
    workers: Option<usize>,
    body_timeout_secs: Option<u64>,
    trusted_proxies: Option<String>,
    argon2_memory_kib: Option<u32>,
    argon2_iterations: Option<u32>,
    seed_demo: Option<bool>,
    sms_sender: Option<String>,
    cors_origins: Option<String>,
    banner_count: Option<usize>,
}

impl Config {
    /// Loads the configuration from `file` (if any) and the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_with(file, |name| std::env::var(name).ok())
    }

    /// Loads the configuration from `file` (if any) and the variables `env` returns.
    pub fn load_with(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut raw = match file {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        apply_env(&mut raw, &env)?;
        Self::resolve(raw)
    }

    fn resolve(raw: FileConfig) -> Result<Self, ConfigError> {
        let database_url =
            DatabaseUrl::parse(raw.database_url.as_deref().unwrap_or("sqlite://luffy.db"))
                .map_err(|err| ConfigError::Invalid {
                    name: "LUFFY_DATABASE_URL",
                    reason: err.to_string(),
                })?;
        let storage = match raw.storage.as_deref().unwrap_or("local") {
            "local" => StorageKind::Local,
            "qiniu" => StorageKind::Qiniu,
            other => {
                return Err(ConfigError::Invalid {
                    name: "LUFFY_STORAGE",
                    reason: format!("expected \"local\" or \"qiniu\", got {other:?}"),
                });
            }
        };
        if let Some(url) = &raw.public_url {
            check_http_url("LUFFY_PUBLIC_URL", url)?;
        }
        if storage == StorageKind::Qiniu {
            check_qiniu(&raw)?;
        }
        let jwt_secret = match raw.jwt_secret {
            Some(secret) if secret.len() < 32 => {
                return Err(ConfigError::Invalid {
                    name: "LUFFY_JWT_SECRET",
                    reason: "must be at least 32 characters long".into(),
                });
            }
            other => other.map(SecretString::from),
        };
        let trusted_proxies = parse_proxies(raw.trusted_proxies.as_deref().unwrap_or(""))?;
        let defaults = PasswordParams::default();
        let password_params = PasswordParams {
            memory_kib: raw.argon2_memory_kib.unwrap_or(defaults.memory_kib),
            iterations: raw.argon2_iterations.unwrap_or(defaults.iterations),
        };
        if password_params.memory_kib < 8 || password_params.iterations < 1 {
            return Err(ConfigError::Invalid {
                name: "LUFFY_ARGON2_MEMORY_KIB",
                reason: "argon2 needs at least 8 KiB and 1 iteration".into(),
            });
        }
        let sms_sender = match raw.sms_sender.as_deref().unwrap_or("log") {
            "log" => SmsSenderKind::Log,
            other => {
                return Err(ConfigError::Invalid {
                    name: "LUFFY_SMS_SENDER",
                    reason: format!("expected \"log\", got {other:?}"),
                });
            }
        };
        let cors_origins = crate::cors::CorsOrigins::parse(
            raw.cors_origins.as_deref().unwrap_or("*"),
        )
        .map_err(|reason| ConfigError::Invalid {
            name: "LUFFY_CORS_ORIGINS",
            reason,
        })?;
        let banner_count = raw.banner_count.unwrap_or(3);
        if !(1..=100).contains(&banner_count) {
            return Err(ConfigError::Invalid {
                name: "LUFFY_BANNER_COUNT",
                reason: format!("expected 1 to 100, got {banner_count}"),
            });
        }
        Ok(Self {
            cors_origins,
            banner_count,
            trusted_proxies,
            password_params,
            seed_demo: raw.seed_demo.unwrap_or(true),
            sms_sender,
            bind: raw.bind.unwrap_or_else(|| "127.0.0.1:8000".into()),
            public_url: raw
                .public_url
                .map(|url| url.trim_end_matches('/').to_owned()),
            database_url,
            db_pool_size: raw.db_pool_size,
            data_dir: raw.data_dir.unwrap_or_else(|| PathBuf::from("data")),
            jwt_secret,
            jwt_ttl_secs: raw.jwt_ttl_secs.unwrap_or(7 * 24 * 3600),
            alipay: AlipaySettings {
                app_id: raw.alipay_app_id,
                app_private_key_file: raw.alipay_app_private_key_file,
                public_key_file: raw.alipay_public_key_file,
                gateway: raw.alipay_gateway,
                seller_id: raw.alipay_seller_id,
                notify_url: raw.alipay_notify_url,
                return_url: raw.alipay_return_url,
            },
            order_timeout_secs: raw.order_timeout_secs.unwrap_or(1800),
            sweeper_interval_secs: Some(raw.sweeper_interval_secs.unwrap_or(30)),
            reconcile_after_secs: raw.reconcile_after_secs.unwrap_or(60).max(1),
            storage,
            media_dir: raw.media_dir.unwrap_or_else(|| PathBuf::from("media")),
            media_private: raw.media_private.unwrap_or(false),
            media_url_ttl_secs: raw.media_url_ttl_secs.unwrap_or(3600).max(1),
            qiniu: QiniuSettings {
                access_key: raw.qiniu_access_key,
                secret_key: raw.qiniu_secret_key.map(SecretString::from),
                bucket: raw.qiniu_bucket,
                domain: raw.qiniu_domain,
                up_host: raw.qiniu_up_host,
                private: raw.qiniu_private.unwrap_or(false),
                region: raw.qiniu_region.unwrap_or_else(|| "z0".into()),
                api_host: raw.qiniu_api_host,
                upload_concurrency: raw.qiniu_upload_concurrency.unwrap_or(4).clamp(1, 64),
            },
            workers: raw.workers,
            body_timeout_secs: raw.body_timeout_secs.unwrap_or(15).max(1),
        })
    }
}

/// With `LUFFY_STORAGE=qiniu`, the keys, bucket and domain are needed, and hosts are URLs.
fn check_qiniu(raw: &FileConfig) -> Result<(), ConfigError> {
    let required = [
        ("LUFFY_QINIU_ACCESS_KEY", &raw.qiniu_access_key),
        ("LUFFY_QINIU_SECRET_KEY", &raw.qiniu_secret_key),
        ("LUFFY_QINIU_BUCKET", &raw.qiniu_bucket),
        ("LUFFY_QINIU_DOMAIN", &raw.qiniu_domain),
    ];
    for (name, value) in required {
        if value.as_deref().is_none_or(|text| text.trim().is_empty()) {
            return Err(ConfigError::Invalid {
                name,
                reason: "required when LUFFY_STORAGE is qiniu".into(),
            });
        }
    }
    let urls = [
        ("LUFFY_QINIU_DOMAIN", &raw.qiniu_domain),
        ("LUFFY_QINIU_UP_HOST", &raw.qiniu_up_host),
        ("LUFFY_QINIU_API_HOST", &raw.qiniu_api_host),
    ];
    for (name, value) in urls {
        if let Some(url) = value {
            check_http_url(name, url)?;
        }
    }
    Ok(())
}

fn parse_proxies(text: &str) -> Result<Vec<IpAddr>, ConfigError> {
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<IpAddr>().map_err(|_| ConfigError::Invalid {
                name: "LUFFY_TRUSTED_PROXIES",
                reason: format!("expected a comma list of IP addresses, got {part:?}"),
            })
        })
        .collect()
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|err| ConfigError::Unreadable {
        path: path.to_owned(),
        reason: err.to_string(),
    })?;
    toml::from_str(&text).map_err(|err| ConfigError::Malformed {
        path: path.to_owned(),
        reason: err.message().to_owned(),
    })
}

fn check_http_url(name: &'static str, value: &str) -> Result<(), ConfigError> {
    match url::Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(()),
        _ => Err(ConfigError::Invalid {
            name,
            reason: format!("expected an http(s) URL, got {value:?}"),
        }),
    }
}

/// Overrides `slot` with the variable `name` when it is set.
fn set<T: FromStr>(
    slot: &mut Option<T>,
    name: &'static str,
    expected: &str,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    if let Some(text) = env(name) {
        let value = text.trim().parse().map_err(|_| ConfigError::Invalid {
            name,
            reason: format!("expected {expected}, got {text:?}"),
        })?;
        *slot = Some(value);
    }
    Ok(())
}

fn apply_env(
    raw: &mut FileConfig,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    const TEXT: &str = "text";
    const SECONDS: &str = "a whole number of seconds";
    set(&mut raw.bind, "LUFFY_BIND", TEXT, env)?;
    set(&mut raw.public_url, "LUFFY_PUBLIC_URL", TEXT, env)?;
    set(&mut raw.database_url, "LUFFY_DATABASE_URL", TEXT, env)?;
    set(
        &mut raw.db_pool_size,
        "LUFFY_DB_POOL_SIZE",
        "a whole number",
        env,
    )?;
    set(&mut raw.data_dir, "LUFFY_DATA_DIR", "a path", env)?;
    set(&mut raw.jwt_secret, "LUFFY_JWT_SECRET", TEXT, env)?;
    set(&mut raw.jwt_ttl_secs, "LUFFY_JWT_TTL_SECS", SECONDS, env)?;
    set(&mut raw.alipay_app_id, "LUFFY_ALIPAY_APP_ID", TEXT, env)?;
    set(
        &mut raw.alipay_app_private_key_file,
        "LUFFY_ALIPAY_APP_PRIVATE_KEY_FILE",
        "a path",
        env,
    )?;
    set(
        &mut raw.alipay_public_key_file,
        "LUFFY_ALIPAY_PUBLIC_KEY_FILE",
        "a path",
        env,
    )?;
    set(&mut raw.alipay_gateway, "LUFFY_ALIPAY_GATEWAY", TEXT, env)?;
    set(
        &mut raw.alipay_seller_id,
        "LUFFY_ALIPAY_SELLER_ID",
        TEXT,
        env,
    )?;
    set(
        &mut raw.alipay_notify_url,
        "LUFFY_ALIPAY_NOTIFY_URL",
        TEXT,
        env,
    )?;
    set(
        &mut raw.alipay_return_url,
        "LUFFY_ALIPAY_RETURN_URL",
        TEXT,
        env,
    )?;
    set(
        &mut raw.order_timeout_secs,
        "LUFFY_ORDER_TIMEOUT_SECS",
        SECONDS,
        env,
    )?;
    set(
        &mut raw.sweeper_interval_secs,
        "LUFFY_SWEEPER_INTERVAL_SECS",
        SECONDS,
        env,
    )?;
    set(
        &mut raw.reconcile_after_secs,
        "LUFFY_RECONCILE_AFTER_SECS",
        SECONDS,
        env,
    )?;
    set(&mut raw.storage, "LUFFY_STORAGE", TEXT, env)?;
    set(&mut raw.media_dir, "LUFFY_MEDIA_DIR", "a path", env)?;
    set(
        &mut raw.qiniu_access_key,
        "LUFFY_QINIU_ACCESS_KEY",
        TEXT,
        env,
    )?;
    set(
        &mut raw.qiniu_secret_key,
        "LUFFY_QINIU_SECRET_KEY",
        TEXT,
        env,
    )?;
    set(&mut raw.qiniu_bucket, "LUFFY_QINIU_BUCKET", TEXT, env)?;
    set(&mut raw.qiniu_domain, "LUFFY_QINIU_DOMAIN", TEXT, env)?;
    set(&mut raw.qiniu_up_host, "LUFFY_QINIU_UP_HOST", TEXT, env)?;
    set(
        &mut raw.qiniu_private,
        "LUFFY_QINIU_PRIVATE",
        "true or false",
        env,
    )?;
    set(&mut raw.qiniu_region, "LUFFY_QINIU_REGION", TEXT, env)?;
    set(&mut raw.qiniu_api_host, "LUFFY_QINIU_API_HOST", TEXT, env)?;
    set(
        &mut raw.qiniu_upload_concurrency,
        "LUFFY_QINIU_UPLOAD_CONCURRENCY",
        "a whole number",
        env,
    )?;
    set(
        &mut raw.media_private,
        "LUFFY_MEDIA_PRIVATE",
        "true or false",
        env,
    )?;
    set(
        &mut raw.media_url_ttl_secs,
        "LUFFY_MEDIA_URL_TTL_SECS",
        SECONDS,
        env,
    )?;
    set(&mut raw.workers, "LUFFY_WORKERS", "a whole number", env)?;
    set(
        &mut raw.body_timeout_secs,
        "LUFFY_BODY_TIMEOUT_SECS",
        SECONDS,
        env,
    )?;
    set(&mut raw.trusted_proxies, "LUFFY_TRUSTED_PROXIES", TEXT, env)?;
    set(
        &mut raw.argon2_memory_kib,
        "LUFFY_ARGON2_MEMORY_KIB",
        "a whole number of KiB",
        env,
    )?;
    set(
        &mut raw.argon2_iterations,
        "LUFFY_ARGON2_ITERATIONS",
        "a whole number",
        env,
    )?;
    set(&mut raw.seed_demo, "LUFFY_SEED_DEMO", "true or false", env)?;
    set(&mut raw.sms_sender, "LUFFY_SMS_SENDER", TEXT, env)?;
    set(&mut raw.cors_origins, "LUFFY_CORS_ORIGINS", TEXT, env)?;
    set(
        &mut raw.banner_count,
        "LUFFY_BANNER_COUNT",
        "a whole number",
        env,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn nothing_configured_gives_the_documented_defaults() {
        let config = Config::load_with(None, env(&[])).unwrap();
        assert_eq!(config.bind, "127.0.0.1:8000");
        assert_eq!(config.database_url.to_string(), "sqlite://luffy.db");
        assert_eq!(config.jwt_ttl_secs, 604_800);
        assert_eq!(config.order_timeout_secs, 1800);
        assert_eq!(config.storage, StorageKind::Local);
        assert_eq!(config.media_dir, PathBuf::from("media"));
        assert!(config.public_url.is_none());
        assert!(config.alipay.app_id.is_none());
        assert!(config.trusted_proxies.is_empty());
        assert_eq!(config.password_params, PasswordParams::default());
        assert!(config.seed_demo);
        assert_eq!(config.sms_sender, SmsSenderKind::Log);
        assert_eq!(config.body_timeout_secs, 15);
        assert_eq!(config.cors_origins, crate::cors::CorsOrigins::Any);
        assert_eq!(config.banner_count, 3);
    }

    #[test]
    fn the_deploy_examples_load() {
        let text = include_str!("../../../deploy/luffy.env.example");
        let pairs: HashMap<String, String> = text
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| line.split_once('='))
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        assert!(pairs.contains_key("LUFFY_CORS_ORIGINS"));
        let config = Config::load_with(None, |name| pairs.get(name).cloned()).unwrap();
        assert_eq!(config.banner_count, 3);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("luffy.toml");
        let uncommented: String = include_str!("../../../deploy/luffy.example.toml")
            .lines()
            .filter_map(|line| line.strip_prefix("# "))
            .filter(|line| line.contains(" = "))
            .map(|line| format!("{line}\n"))
            .collect();
        assert!(uncommented.contains("cors_origins"));
        std::fs::write(&path, uncommented).unwrap();
        Config::load_with(Some(&path), env(&[])).unwrap();
    }

    #[test]
    fn cors_origins_and_banner_count_are_checked() {
        let config = Config::load_with(
            None,
            env(&[
                ("LUFFY_CORS_ORIGINS", "https://shop.example.com"),
                ("LUFFY_BANNER_COUNT", "5"),
            ]),
        )
        .unwrap();
        assert_eq!(
            config.cors_origins,
            crate::cors::CorsOrigins::List(vec!["https://shop.example.com".into()])
        );
        assert_eq!(config.banner_count, 5);
        let err = Config::load_with(None, env(&[("LUFFY_CORS_ORIGINS", "shop")])).unwrap_err();
        assert!(err.to_string().starts_with("LUFFY_CORS_ORIGINS"), "{err}");
        let err = Config::load_with(None, env(&[("LUFFY_BANNER_COUNT", "0")])).unwrap_err();
        assert!(err.to_string().starts_with("LUFFY_BANNER_COUNT"), "{err}");
    }

    #[test]
    fn trusted_proxies_are_a_comma_list_of_addresses() {
        let config =
            Config::load_with(None, env(&[("LUFFY_TRUSTED_PROXIES", "127.0.0.1, ::1")])).unwrap();
        assert_eq!(config.trusted_proxies.len(), 2);
        let err =
            Config::load_with(None, env(&[("LUFFY_TRUSTED_PROXIES", "10.0.0.0/8")])).unwrap_err();
        assert!(
            err.to_string().starts_with("LUFFY_TRUSTED_PROXIES"),
            "{err}"
        );
        let err = Config::load_with(None, env(&[("LUFFY_SMS_SENDER", "tencent")])).unwrap_err();
        assert!(err.to_string().starts_with("LUFFY_SMS_SENDER"), "{err}");
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("luffy.toml");
        std::fs::write(&path, "bind = \"0.0.0.0:9000\"\norder_timeout_secs = 60\n").unwrap();
        let config =
            Config::load_with(Some(&path), env(&[("LUFFY_BIND", "127.0.0.1:9100")])).unwrap();
        assert_eq!(config.bind, "127.0.0.1:9100");
        assert_eq!(config.order_timeout_secs, 60);
    }

    #[test]
    fn bad_values_name_the_setting() {
        let err = Config::load_with(None, env(&[("LUFFY_JWT_TTL_SECS", "soon")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "LUFFY_JWT_TTL_SECS: expected a whole number of seconds, got \"soon\""
        );
        let err = Config::load_with(None, env(&[("LUFFY_DATABASE_URL", "mysql://x")])).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("LUFFY_DATABASE_URL: invalid database URL"),
            "{err}"
        );
        let err = Config::load_with(None, env(&[("LUFFY_STORAGE", "s3")])).unwrap_err();
        assert!(err.to_string().contains("LUFFY_STORAGE"), "{err}");
        let err = Config::load_with(None, env(&[("LUFFY_JWT_SECRET", "short")])).unwrap_err();
        assert!(err.to_string().contains("at least 32"), "{err}");
    }

    #[test]
    fn unknown_file_keys_and_unreadable_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("luffy.toml");
        std::fs::write(&path, "databse_url = \"sqlite://x.db\"\n").unwrap();
        let err = Config::load_with(Some(&path), env(&[])).unwrap_err();
        assert!(err.to_string().contains("databse_url"), "{err}");
        let missing = dir.path().join("missing.toml");
        let err = Config::load_with(Some(&missing), env(&[])).unwrap_err();
        assert!(
            err.to_string().starts_with("cannot read config file"),
            "{err}"
        );
    }

    #[test]
    fn secrets_do_not_show_in_debug() {
        let secret = "a-very-long-jwt-secret-that-is-at-least-32-chars";
        let config = Config::load_with(
            None,
            env(&[
                ("LUFFY_JWT_SECRET", secret),
                ("LUFFY_QINIU_SECRET_KEY", "qiniu-secret-value"),
                (
                    "LUFFY_DATABASE_URL",
                    "postgres://luffy:pg-password@db/luffy",
                ),
            ]),
        )
        .unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains(secret));
        assert!(!shown.contains("qiniu-secret-value"));
        assert!(!shown.contains("pg-password"));
    }

    #[test]
    fn qiniu_storage_needs_its_keys_bucket_and_domain() {
        let full = [
            ("LUFFY_STORAGE", "qiniu"),
            ("LUFFY_QINIU_ACCESS_KEY", "ak"),
            ("LUFFY_QINIU_SECRET_KEY", "sk"),
            ("LUFFY_QINIU_BUCKET", "videos"),
            ("LUFFY_QINIU_DOMAIN", "https://cdn.example.com"),
        ];
        let config = Config::load_with(None, env(&full)).unwrap();
        assert_eq!(config.storage, StorageKind::Qiniu);
        assert_eq!(config.qiniu.region, "z0");
        assert!(!config.media_private);
        assert_eq!(config.media_url_ttl_secs, 3600);
        for missing in 1..full.len() {
            let partial: Vec<_> = full
                .iter()
                .enumerate()
                .filter(|(index, _)| *index != missing)
                .map(|(_, pair)| *pair)
                .collect();
            let err = Config::load_with(None, env(&partial)).unwrap_err();
            assert!(err.to_string().starts_with(full[missing].0), "{err}");
        }
        let mut bad_host = full.to_vec();
        bad_host.push(("LUFFY_QINIU_UP_HOST", "up.example.com"));
        let err = Config::load_with(None, env(&bad_host)).unwrap_err();
        assert!(err.to_string().starts_with("LUFFY_QINIU_UP_HOST"), "{err}");
    }
}
