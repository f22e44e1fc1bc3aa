//! The home page's banners, kept in the process and refreshed when the database says they
//! changed: every request reads one version row (a primary-key lookup) and reloads the banners
//! only when the version differs from the copy's. Every banner change bumps the version in its
//! own transaction, so every replica sees it on its next request.

use luffy_db::banner::{BANNER_CACHE, BannerRow, cache_version};
use luffy_db::{DbConnection, DbError};
use std::sync::{Arc, RwLock};

/// The shown banners as of one version of the database's banner cache row.
#[derive(Debug, Default)]
pub struct BannerCache {
    copy: RwLock<Option<Copy>>,
}

#[derive(Debug, Clone)]
struct Copy {
    version: i64,
    limit: usize,
    rows: Arc<Vec<BannerRow>>,
}

impl BannerCache {
    /// At most `limit` shown banners in display order, from the copy when it is current.
    pub fn shown(
        &self,
        conn: &mut DbConnection,
        limit: usize,
    ) -> Result<Arc<Vec<BannerRow>>, DbError> {
        // The version is read first: rows read after it are at least as new, so a change that
        // lands in between only makes the copy fresher than its version says.
        let version = cache_version(conn, BANNER_CACHE)?;
        if let Some(copy) = self.current()
            && copy.version == version
            && copy.limit == limit
        {
            return Ok(copy.rows);
        }
        let rows = Arc::new(BannerRow::shown(conn, limit)?);
        if let Ok(mut slot) = self.copy.write() {
            *slot = Some(Copy {
                version,
                limit,
                rows: Arc::clone(&rows),
            });
        }
        Ok(rows)
    }

    fn current(&self) -> Option<Copy> {
        self.copy.read().ok().and_then(|copy| copy.clone())
    }
}
