//! The home page's banners, and the version row that tells every replica when its in-process
//! copy of them is stale: each change bumps it in the same transaction.

use crate::schema::{luffy_banner, luffy_cache_version};
use crate::{DbConnection, DbError, last_insert_id};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use luffy_domain::DomainError;
use luffy_domain::banner::BannerPatch;

/// The name of the banners' row in `luffy_cache_version`.
pub const BANNER_CACHE: &str = "banner";

/// A banner.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = luffy_banner)]
pub struct BannerRow {
    pub id: i64,
    pub title: String,
    /// A media key or an absolute URL.
    pub image: String,
    pub link: String,
    pub info: String,
    pub is_show: bool,
    pub is_delete: bool,
    pub orders: i32,
    pub created_time: NaiveDateTime,
    pub updated_time: NaiveDateTime,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = luffy_banner)]
struct BannerChanges {
    title: Option<String>,
    image: Option<String>,
    link: Option<String>,
    info: Option<String>,
    orders: Option<i32>,
    is_show: Option<bool>,
    is_delete: Option<bool>,
    updated_time: NaiveDateTime,
}

/// The current version of the cache `name`; 0 when it has no row.
pub fn cache_version(conn: &mut DbConnection, name: &str) -> Result<i64, DbError> {
    Ok(luffy_cache_version::table
        .find(name)
        .select(luffy_cache_version::version)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// Marks the cache `name` stale on every replica; run it in the transaction of the change.
pub fn bump_cache_version(conn: &mut DbConnection, name: &str) -> Result<(), DbError> {
    let updated = diesel::update(luffy_cache_version::table.find(name))
        .set(luffy_cache_version::version.eq(luffy_cache_version::version + 1))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(luffy_cache_version::table)
            .values((
                luffy_cache_version::name.eq(name),
                luffy_cache_version::version.eq(1_i64),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn title_taken() -> DbError {
    DomainError::invalid("title", "a banner with this title exists").into()
}

/// A write's error, with the unique index on live titles (two replicas racing past the
/// check) reported like the check.
fn unless_title_taken(err: diesel::result::Error) -> DbError {
    let err = DbError::from(err);
    if err.is_unique_violation() {
        title_taken()
    } else {
        err
    }
}

impl BannerRow {
    /// At most `limit` shown, non-deleted banners in display order.
    pub fn shown(conn: &mut DbConnection, limit: usize) -> Result<Vec<BannerRow>, DbError> {
        Ok(luffy_banner::table
            .filter(luffy_banner::is_delete.eq(false))
            .filter(luffy_banner::is_show.eq(true))
            .order((luffy_banner::orders.asc(), luffy_banner::id.asc()))
            .limit(i64::try_from(limit).unwrap_or(i64::MAX))
            .select(BannerRow::as_select())
            .load(conn)?)
    }

    /// A banner that is not deleted.
    pub fn live(conn: &mut DbConnection, id: i64) -> Result<BannerRow, DbError> {
        luffy_banner::table
            .find(id)
            .filter(luffy_banner::is_delete.eq(false))
            .select(BannerRow::as_select())
            .first(conn)
            .optional()?
            .ok_or(DbError::NotFound("banner"))
    }

    fn check_title_free(
        conn: &mut DbConnection,
        title: &str,
        except: Option<i64>,
    ) -> Result<(), DbError> {
        let taken: i64 = luffy_banner::table
            .filter(luffy_banner::title.eq(title))
            .filter(luffy_banner::is_delete.eq(false))
            .filter(luffy_banner::id.ne(except.unwrap_or(0)))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            return Err(title_taken());
        }
        Ok(())
    }

    /// Creates a banner from a patch that has `title`, `image` and `link`.
    pub fn create(
        conn: &mut DbConnection,
        patch: &BannerPatch,
        now: NaiveDateTime,
    ) -> Result<BannerRow, DbError> {
        let title = patch.title.clone().unwrap_or_default();
        Self::check_title_free(conn, &title, None)?;
        diesel::insert_into(luffy_banner::table)
            .values((
                luffy_banner::title.eq(title),
                luffy_banner::image.eq(patch.image.clone().unwrap_or_default()),
                luffy_banner::link.eq(patch.link.clone().unwrap_or_default()),
                luffy_banner::info.eq(patch.info.clone().unwrap_or_default()),
                luffy_banner::orders.eq(patch.orders.unwrap_or(0)),
                luffy_banner::is_show.eq(patch.is_show.unwrap_or(true)),
                luffy_banner::is_delete.eq(false),
                luffy_banner::created_time.eq(now),
                luffy_banner::updated_time.eq(now),
            ))
            .execute(conn)
            .map_err(unless_title_taken)?;
        let id = last_insert_id(conn)?;
        bump_cache_version(conn, BANNER_CACHE)?;
        Self::live(conn, id)
    }

    /// Applies `patch` (or deletes, softly, with `delete`).
    pub fn update(
        conn: &mut DbConnection,
        id: i64,
        patch: &BannerPatch,
        delete: bool,
        now: NaiveDateTime,
    ) -> Result<BannerRow, DbError> {
        let before = Self::live(conn, id)?;
        if let Some(title) = &patch.title {
            Self::check_title_free(conn, title, Some(id))?;
        }
        diesel::update(luffy_banner::table.find(id))
            .set(BannerChanges {
                title: patch.title.clone(),
                image: patch.image.clone(),
                link: patch.link.clone(),
                info: patch.info.clone(),
                orders: patch.orders,
                is_show: patch.is_show,
                is_delete: delete.then_some(true),
                updated_time: now,
            })
            .execute(conn)
            .map_err(unless_title_taken)?;
        bump_cache_version(conn, BANNER_CACHE)?;
        if delete {
            return Ok(BannerRow {
                is_delete: true,
                updated_time: now,
                ..before
            });
        }
        Self::live(conn, id)
    }

    /// Points banner `id`'s image at `key` (an uploaded object); `false` when it is deleted or
    /// unknown.
    pub fn set_image(
        conn: &mut DbConnection,
        id: i64,
        key: &str,
        now: NaiveDateTime,
    ) -> Result<bool, DbError> {
        let updated = diesel::update(
            luffy_banner::table
                .find(id)
                .filter(luffy_banner::is_delete.eq(false)),
        )
        .set((
            luffy_banner::image.eq(key),
            luffy_banner::updated_time.eq(now),
        ))
        .execute(conn)?;
        if updated > 0 {
            bump_cache_version(conn, BANNER_CACHE)?;
        }
        Ok(updated > 0)
    }
}
