//! Accounts, SMS codes, throttle counters and one-time markers.

use crate::schema::{luffy_marker, luffy_sms_code, luffy_throttle, luffy_user};
use crate::{DbConnection, DbError};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use luffy_domain::account::{LoginName, Mobile, SMS_CODE_ATTEMPTS, SmsCode, Throttle};

/// A user.
#[derive(Clone, PartialEq, Eq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = luffy_user)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub icon: Option<String>,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub is_active: bool,
    pub date_joined: NaiveDateTime,
    pub last_login: Option<NaiveDateTime>,
    /// The version login tokens must carry; moved on to revoke every earlier token.
    pub token_version: i64,
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("is_staff", &self.is_staff)
            .finish_non_exhaustive()
    }
}

/// A user to create.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = luffy_user)]
pub struct NewUser {
    pub username: String,
    pub password_hash: String,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub icon: Option<String>,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub is_active: bool,
    pub date_joined: NaiveDateTime,
}

/// The icon of users who have not chosen one.
pub const DEFAULT_ICON: &str = "icon/default.png";

impl UserRow {
    /// Inserts `user`; a taken username or mobile is a unique violation.
    pub fn insert(conn: &mut DbConnection, user: &NewUser) -> Result<UserRow, DbError> {
        diesel::insert_into(luffy_user::table)
            .values(user)
            .execute(conn)?;
        let id = crate::last_insert_id(conn)?;
        Self::by_id(conn, id)?.ok_or(DbError::NotFound("user"))
    }

    /// The user `id`.
    pub fn by_id(conn: &mut DbConnection, id: i64) -> Result<Option<UserRow>, DbError> {
        Ok(luffy_user::table
            .find(id)
            .select(UserRow::as_select())
            .first(conn)
            .optional()?)
    }

    /// The user with this mobile.
    pub fn by_mobile(conn: &mut DbConnection, mobile: &Mobile) -> Result<Option<UserRow>, DbError> {
        Ok(luffy_user::table
            .filter(luffy_user::mobile.eq(mobile.as_str()))
            .select(UserRow::as_select())
            .first(conn)
            .optional()?)
    }

    /// The user a login name designates: by mobile, by email (the oldest account with it, emails
    /// not being unique) or by username.
    pub fn by_login(conn: &mut DbConnection, name: &LoginName) -> Result<Option<UserRow>, DbError> {
        let query = luffy_user::table
            .select(UserRow::as_select())
            .order(luffy_user::id.asc());
        let found = match name {
            LoginName::Mobile(mobile) => query
                .filter(luffy_user::mobile.eq(mobile.as_str()))
                .first(conn),
            LoginName::Email(email) => query
                .filter(luffy_user::email.eq(email.as_str()))
                .first(conn),
            LoginName::Username(username) => query
                .filter(luffy_user::username.eq(username.as_str()))
                .first(conn),
        };
        Ok(found.optional()?)
    }

    /// Whether an account uses `mobile`.
    pub fn mobile_taken(conn: &mut DbConnection, mobile: &Mobile) -> Result<bool, DbError> {
        let count: i64 = luffy_user::table
            .filter(luffy_user::mobile.eq(mobile.as_str()))
            .count()
            .get_result(conn)?;
        Ok(count > 0)
    }

    /// Whether the username is taken.
    pub fn username_taken(conn: &mut DbConnection, username: &str) -> Result<bool, DbError> {
        let count: i64 = luffy_user::table
            .filter(luffy_user::username.eq(username))
            .count()
            .get_result(conn)?;
        Ok(count > 0)
    }

    /// Whether the user is active, and its token version: what checking a login token needs,
    /// by primary key.
    pub fn token_state(conn: &mut DbConnection, id: i64) -> Result<Option<(bool, i64)>, DbError> {
        Ok(luffy_user::table
            .find(id)
            .select((luffy_user::is_active, luffy_user::token_version))
            .first(conn)
            .optional()?)
    }

    /// Moves the user's token version on: every token issued before stops working.
    pub fn revoke_tokens(conn: &mut DbConnection, id: i64) -> Result<(), DbError> {
        diesel::update(luffy_user::table.find(id))
            .set(luffy_user::token_version.eq(luffy_user::token_version + 1))
            .execute(conn)?;
        Ok(())
    }

    /// Replaces the password hash, if the stored one is still `old_hash` (a concurrent change
    /// wins once), and revokes every earlier token; `false` when the hash had changed.
    pub fn change_password(
        conn: &mut DbConnection,
        id: i64,
        old_hash: &str,
        new_hash: &str,
    ) -> Result<bool, DbError> {
        let changed = diesel::update(
            luffy_user::table
                .find(id)
                .filter(luffy_user::password_hash.eq(old_hash)),
        )
        .set((
            luffy_user::password_hash.eq(new_hash),
            luffy_user::token_version.eq(luffy_user::token_version + 1),
        ))
        .execute(conn)?;
        Ok(changed == 1)
    }

    /// Records a successful login.
    pub fn touch_login(
        conn: &mut DbConnection,
        id: i64,
        now: NaiveDateTime,
    ) -> Result<(), DbError> {
        diesel::update(luffy_user::table.find(id))
            .set(luffy_user::last_login.eq(Some(now)))
            .execute(conn)?;
        Ok(())
    }
}

/// SMS verification codes.
#[derive(Debug)]
pub struct SmsCodes;

impl SmsCodes {
    /// Stores a new code for `mobile`, valid until `expires_at`; earlier codes stop working.
    /// Call inside a write transaction.
    pub fn issue(
        conn: &mut DbConnection,
        mobile: &Mobile,
        code: &SmsCode,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), DbError> {
        diesel::update(
            luffy_sms_code::table
                .filter(luffy_sms_code::mobile.eq(mobile.as_str()))
                .filter(luffy_sms_code::used.eq(false)),
        )
        .set(luffy_sms_code::used.eq(true))
        .execute(conn)?;
        diesel::insert_into(luffy_sms_code::table)
            .values((
                luffy_sms_code::mobile.eq(mobile.as_str()),
                luffy_sms_code::code.eq(code.as_str()),
                luffy_sms_code::created_at.eq(now.naive_utc()),
                luffy_sms_code::expires_at.eq(expires_at.naive_utc()),
                luffy_sms_code::attempts.eq(0),
                luffy_sms_code::used.eq(false),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// Uses up `code` if it is the live code of `mobile`: unused, unexpired and not guessed at
    /// too often. One conditional update, so two requests can never both use it. A wrong code
    /// counts as a guess against the live one.
    pub fn consume(
        conn: &mut DbConnection,
        mobile: &Mobile,
        code: &SmsCode,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let live = luffy_sms_code::table
            .filter(luffy_sms_code::mobile.eq(mobile.as_str()))
            .filter(luffy_sms_code::used.eq(false));
        let used = diesel::update(
            live.filter(luffy_sms_code::code.eq(code.as_str()))
                .filter(luffy_sms_code::expires_at.gt(now.naive_utc()))
                .filter(luffy_sms_code::attempts.lt(SMS_CODE_ATTEMPTS)),
        )
        .set(luffy_sms_code::used.eq(true))
        .execute(conn)?;
        if used > 0 {
            return Ok(true);
        }
        diesel::update(live)
            .set(luffy_sms_code::attempts.eq(luffy_sms_code::attempts + 1))
            .execute(conn)?;
        Ok(false)
    }
}

/// Rate-limit counters.
#[derive(Debug)]
pub struct Throttles;

impl Throttles {
    /// Counts one event of `throttle`; `false` when the window's limit is already reached.
    ///
    /// Works the same on both backends and across replicas: create the counter row if missing
    /// (a concurrent creation is a harmless unique violation), then either start a new window or
    /// increment below the limit, each with one conditional update whose row count decides.
    ///
    /// Call it outside a transaction: on PostgreSQL the unique violation would abort one.
    pub fn hit(
        conn: &mut DbConnection,
        throttle: &Throttle,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let this = throttle;
        let window = this.rule.window_start(now);
        let row = luffy_throttle::table
            .filter(luffy_throttle::scope.eq(this.rule.scope))
            .filter(luffy_throttle::key.eq(&this.key));
        let exists: i64 = row.count().get_result(conn)?;
        if exists == 0 {
            let inserted = diesel::insert_into(luffy_throttle::table)
                .values((
                    luffy_throttle::scope.eq(this.rule.scope),
                    luffy_throttle::key.eq(&this.key),
                    luffy_throttle::window_start.eq(window),
                    luffy_throttle::hits.eq(1),
                ))
                .execute(conn);
            match inserted {
                Ok(_) => return Ok(this.rule.limit >= 1),
                Err(err) => {
                    let err = DbError::from(err);
                    if !err.is_unique_violation() {
                        return Err(err);
                    }
                }
            }
        }
        let restarted = diesel::update(row.filter(luffy_throttle::window_start.lt(window)))
            .set((
                luffy_throttle::window_start.eq(window),
                luffy_throttle::hits.eq(1),
            ))
            .execute(conn)?;
        if restarted > 0 {
            return Ok(this.rule.limit >= 1);
        }
        let counted = diesel::update(
            row.filter(luffy_throttle::window_start.eq(window))
                .filter(luffy_throttle::hits.lt(this.rule.limit)),
        )
        .set(luffy_throttle::hits.eq(luffy_throttle::hits + 1))
        .execute(conn)?;
        Ok(counted > 0)
    }
}

/// One-time setup steps, claimed by name.
#[derive(Debug)]
pub struct Marker;

impl Marker {
    /// Whether the step `name` was already claimed.
    pub fn exists(conn: &mut DbConnection, name: &str) -> Result<bool, DbError> {
        let count: i64 = luffy_marker::table
            .filter(luffy_marker::name.eq(name))
            .count()
            .get_result(conn)?;
        Ok(count > 0)
    }

    /// Claims `name`; a unique violation means another process got it first.
    pub fn claim(conn: &mut DbConnection, name: &str, now: NaiveDateTime) -> Result<(), DbError> {
        diesel::insert_into(luffy_marker::table)
            .values((
                luffy_marker::name.eq(name),
                luffy_marker::created_time.eq(now),
            ))
            .execute(conn)?;
        Ok(())
    }
}
