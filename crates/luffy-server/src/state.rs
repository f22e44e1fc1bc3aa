//! What every handler can reach.

use crate::auth::JwtKeys;
use crate::config::Config;
use luffy_db::DbPool;
use luffy_domain::Clock;
use luffy_domain::account::{PasswordHasher, SmsSender};
use std::sync::Arc;

/// Shared, immutable application state. The server keeps no other state: everything that
/// changes lives in the database, so replicas can run side by side (the group-commit queue
/// only holds writes for the milliseconds until their transaction commits).
#[derive(Debug, Clone)]
pub struct AppState {
    /// The connection pool.
    pub pool: DbPool,
    /// The resolved configuration.
    pub config: Arc<Config>,
    /// The base of absolute URLs, without a trailing slash.
    pub public_url: String,
    /// Login token keys.
    pub jwt: Arc<JwtKeys>,
    /// Password hashing.
    pub hasher: PasswordHasher,
    /// SMS delivery.
    pub sms: Arc<dyn SmsSender>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// Alipay.
    pub payments: Arc<crate::adapters::alipay::Payments>,
    /// Where media files live.
    pub storage: Arc<crate::adapters::storage::Storage>,
    /// New orders waiting to share a transaction.
    pub group_commit: Arc<crate::service::group_commit::GroupCommit>,
    /// The home page's banners, as of the database's last banner change.
    pub banners: Arc<crate::service::banners::BannerCache>,
}

impl AppState {
    /// The absolute URL of a media key (`courses/x.png` → `<public>/media/courses/x.png` on
    /// local storage), signed when the storage is private; absolute URLs are kept.
    pub fn media_url(&self, key: Option<&str>) -> Option<String> {
        crate::service::media::MediaLinks::new(self, Default::default()).file(key)
    }
}
