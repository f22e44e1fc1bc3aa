//! Registration, logins and SMS codes.
//!
//! Throttles are counted before anything else and outside transactions; every decision that two
//! replicas could race on (using a code, taking a mobile) is a conditional update or a unique
//! index in the database.

use crate::api::ApiError;
use crate::api::error::code;
use crate::state::AppState;
use luffy_db::account::{DEFAULT_ICON, NewUser, SmsCodes, Throttles, UserRow};
use luffy_db::{DbConnection, DbError, write_transaction};
use luffy_domain::account::{
    LoginName, Mobile, PlainPassword, SMS_CODE_TTL_SECS, SmsCode, Throttle, ThrottleRule,
    account_key, check_new_password,
};
use rand::{Rng, RngCore};

/// Login failures, worded as the original client shows them.
const BAD_CREDENTIALS: &str = "用户名或密码错误";
const BAD_CODE: &str = "验证码错误";
const NOT_REGISTERED: &str = "该手机号未注册";
const ALREADY_REGISTERED: &str = "该手机号已注册";
const WRONG_PASSWORD: &str = "原密码错误";

/// What a successful login answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginSuccess {
    /// The JWT.
    pub token: String,
    /// The username.
    pub username: String,
    /// The absolute icon URL.
    pub icon: Option<String>,
}

/// Counts one event of each throttle; the first that is exhausted refuses.
fn throttle(
    state: &AppState,
    conn: &mut DbConnection,
    checks: &[Throttle],
) -> Result<(), ApiError> {
    let now = state.clock.now();
    for check in checks {
        if !Throttles::hit(conn, check, now)? {
            let wait = check.rule.retry_after(now);
            return Err(ApiError::rejected(format!(
                "请求过于频繁，请{wait}秒后再试"
            )));
        }
    }
    Ok(())
}

fn login_success(
    state: &AppState,
    conn: &mut DbConnection,
    user: &UserRow,
) -> Result<LoginSuccess, ApiError> {
    let now = state.clock.now();
    UserRow::touch_login(conn, user.id, now.naive_utc())?;
    Ok(LoginSuccess {
        token: state.jwt.issue(user, now.timestamp())?,
        username: user.username.clone(),
        icon: state.media_url(Some(user.icon.as_deref().unwrap_or(DEFAULT_ICON))),
    })
}

/// `mul_login`: a username, mobile or email with a password.
pub fn password_login(
    state: &AppState,
    client: &str,
    name: &str,
    password: &str,
) -> Result<LoginSuccess, ApiError> {
    let mut conn = luffy_db::connection(&state.pool)?;
    throttle(
        state,
        &mut conn,
        &[Throttle::new(ThrottleRule::LOGIN_PER_ADDRESS, client)],
    )?;
    let name = LoginName::parse(name).map_err(|_| ApiError::rejected(BAD_CREDENTIALS))?;
    let user = UserRow::by_login(&mut conn, &name)?;
    throttle(state, &mut conn, &[login_throttle(user.as_ref(), &name)])?;
    let password =
        PlainPassword::for_login(password).map_err(|_| ApiError::rejected(BAD_CREDENTIALS))?;
    let Some(user) = user.filter(|user| user.is_active) else {
        // Spend the same effort as a real check, so timing does not tell who has an account.
        let _ = state.hasher.hash(password.expose(), &[0; 16]);
        return Err(ApiError::rejected(BAD_CREDENTIALS));
    };
    if !state.hasher.verify(password.expose(), &user.password_hash) {
        return Err(ApiError::rejected(BAD_CREDENTIALS));
    }
    login_success(state, &mut conn, &user)
}

/// The per-account limit of a login: counted under the account, whichever of its names was
/// typed, or under the name when it designates no account.
fn login_throttle(user: Option<&UserRow>, name: &LoginName) -> Throttle {
    match user {
        Some(user) => Throttle::new(ThrottleRule::LOGIN_PER_ACCOUNT, account_key(user.id)),
        None => Throttle::new(ThrottleRule::LOGIN_PER_UNKNOWN_NAME, name.throttle_key()),
    }
}

/// How using an SMS code went; wrong guesses are committed, so they are outcomes, not errors.
enum CodeOutcome<T> {
    Done(T),
    WrongCode,
    Refused(&'static str),
}

/// `mobile_login`: a mobile with its SMS code.
pub fn sms_login(
    state: &AppState,
    client: &str,
    mobile: &str,
    code: &str,
) -> Result<LoginSuccess, ApiError> {
    let mobile = Mobile::parse(mobile)?;
    let mut conn = luffy_db::connection(&state.pool)?;
    throttle(
        state,
        &mut conn,
        &[Throttle::new(ThrottleRule::LOGIN_PER_ADDRESS, client)],
    )?;
    let known = UserRow::by_mobile(&mut conn, &mobile)?;
    throttle(
        state,
        &mut conn,
        &[login_throttle(
            known.as_ref(),
            &LoginName::Mobile(mobile.clone()),
        )],
    )?;
    let code = SmsCode::parse(code)?;
    let now = state.clock.now();
    let outcome = write_transaction(&mut conn, |conn| {
        let Some(user) = UserRow::by_mobile(conn, &mobile)? else {
            return Ok::<_, DbError>(CodeOutcome::Refused(NOT_REGISTERED));
        };
        if !user.is_active {
            return Ok(CodeOutcome::Refused(BAD_CREDENTIALS));
        }
        if !SmsCodes::consume(conn, &mobile, &code, now)? {
            return Ok(CodeOutcome::WrongCode);
        }
        Ok(CodeOutcome::Done(user))
    })?;
    match outcome {
        CodeOutcome::Done(user) => login_success(state, &mut conn, &user),
        CodeOutcome::WrongCode => Err(ApiError::rejected(BAD_CODE)),
        CodeOutcome::Refused(msg) => Err(ApiError::rejected(msg)),
    }
}

/// `mobile_register`: a new account named after its mobile, proven by an SMS code.
pub fn register(
    state: &AppState,
    client: &str,
    mobile: &str,
    code: &str,
    password: &str,
) -> Result<(), ApiError> {
    let mobile = Mobile::parse(mobile)?;
    let code = SmsCode::parse(code)?;
    let password = PlainPassword::parse(password)?;
    // The username is the mobile.
    check_new_password(password.expose(), &[mobile.as_str()])?;
    let mut conn = luffy_db::connection(&state.pool)?;
    throttle(
        state,
        &mut conn,
        &[Throttle::new(ThrottleRule::LOGIN_PER_ADDRESS, client)],
    )?;
    if UserRow::mobile_taken(&mut conn, &mobile)? {
        return Err(ApiError::rejected(ALREADY_REGISTERED));
    }
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let hash = state
        .hasher
        .hash(password.expose(), &salt)
        .map_err(|err| ApiError::Internal(err.to_string()))?;
    let now = state.clock.now();
    let outcome = write_transaction(&mut conn, |conn| {
        if UserRow::mobile_taken(conn, &mobile)? || UserRow::username_taken(conn, mobile.as_str())?
        {
            return Ok::<_, DbError>(CodeOutcome::Refused(ALREADY_REGISTERED));
        }
        if !SmsCodes::consume(conn, &mobile, &code, now)? {
            return Ok(CodeOutcome::WrongCode);
        }
        UserRow::insert(
            conn,
            &NewUser {
                username: mobile.as_str().to_owned(),
                password_hash: hash,
                mobile: Some(mobile.as_str().to_owned()),
                email: None,
                icon: None,
                is_staff: false,
                is_superuser: false,
                is_active: true,
                date_joined: now.naive_utc(),
            },
        )?;
        Ok(CodeOutcome::Done(()))
    });
    match outcome {
        Ok(CodeOutcome::Done(())) => Ok(()),
        Ok(CodeOutcome::WrongCode) => Err(ApiError::rejected(BAD_CODE)),
        Ok(CodeOutcome::Refused(msg)) => Err(ApiError::rejected(msg)),
        Err(err) if err.is_unique_violation() => Err(ApiError::rejected(ALREADY_REGISTERED)),
        Err(err) => Err(err.into()),
    }
}

/// `send_sms`: a new code for `mobile`, throttled per mobile and per client address.
pub fn send_sms(state: &AppState, client: &str, mobile: &str) -> Result<(), ApiError> {
    let mobile = Mobile::parse(mobile)
        .map_err(|_| ApiError::with_code(code::INVALID_MOBILE, "手机号不合法"))?;
    let mut conn = luffy_db::connection(&state.pool)?;
    throttle(
        state,
        &mut conn,
        &[
            Throttle::new(ThrottleRule::SMS_PER_MOBILE, mobile.as_str()),
            Throttle::new(ThrottleRule::SMS_PER_ADDRESS, client),
        ],
    )?;
    let sms_code = SmsCode::from_random(rand::thread_rng().gen_range(0..1_000_000));
    let now = state.clock.now();
    let expires = now + chrono::Duration::seconds(SMS_CODE_TTL_SECS);
    write_transaction(&mut conn, |conn| {
        SmsCodes::issue(conn, &mobile, &sms_code, now, expires)
    })?;
    drop(conn);
    state.sms.send(&mobile, &sms_code).map_err(|err| {
        log::warn!("{err}");
        ApiError::with_code(code::NOT_YET, "发送失败，请稍后再试")
    })
}

/// `mobile`: whether an account uses this mobile, throttled per client address (it tells
/// who has an account).
pub fn mobile_exists(state: &AppState, client: &str, mobile: &str) -> Result<bool, ApiError> {
    let mut conn = luffy_db::connection(&state.pool)?;
    throttle(
        state,
        &mut conn,
        &[Throttle::new(
            ThrottleRule::MOBILE_CHECK_PER_ADDRESS,
            client,
        )],
    )?;
    let Ok(mobile) = Mobile::parse(mobile) else {
        return Ok(false);
    };
    Ok(UserRow::mobile_taken(&mut conn, &mobile)?)
}

/// `logout`: every token of the user issued so far stops working.
pub fn logout(state: &AppState, user_id: i64) -> Result<(), ApiError> {
    let mut conn = luffy_db::connection(&state.pool)?;
    UserRow::revoke_tokens(&mut conn, user_id)?;
    Ok(())
}

/// `password`: a new password for a logged-in user who knows the current one. Every earlier
/// token stops working; the answer carries a fresh one. Guesses of the current password count
/// against the account's login limit.
pub fn change_password(
    state: &AppState,
    client: &str,
    user_id: i64,
    old_password: &str,
    new_password: &str,
) -> Result<LoginSuccess, ApiError> {
    let mut conn = luffy_db::connection(&state.pool)?;
    throttle(
        state,
        &mut conn,
        &[
            Throttle::new(ThrottleRule::LOGIN_PER_ADDRESS, client),
            Throttle::new(ThrottleRule::LOGIN_PER_ACCOUNT, account_key(user_id)),
        ],
    )?;
    let user = UserRow::by_id(&mut conn, user_id)?
        .filter(|user| user.is_active)
        .ok_or_else(|| ApiError::rejected(crate::auth::FAILED))?;
    let old =
        PlainPassword::for_login(old_password).map_err(|_| ApiError::rejected(WRONG_PASSWORD))?;
    if !state.hasher.verify(old.expose(), &user.password_hash) {
        return Err(ApiError::rejected(WRONG_PASSWORD));
    }
    let new = PlainPassword::parse(new_password)?;
    let mut identities = vec![user.username.as_str()];
    identities.extend(user.mobile.as_deref());
    check_new_password(new.expose(), &identities)?;
    if new.expose() == old.expose() {
        return Err(ApiError::rejected("新密码不能与原密码相同"));
    }
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let hash = state
        .hasher
        .hash(new.expose(), &salt)
        .map_err(|err| ApiError::Internal(err.to_string()))?;
    if !UserRow::change_password(&mut conn, user.id, &user.password_hash, &hash)? {
        // Changed meanwhile by another request: that one won.
        return Err(ApiError::rejected(crate::auth::FAILED));
    }
    let user = UserRow::by_id(&mut conn, user.id)?
        .ok_or_else(|| ApiError::rejected(crate::auth::FAILED))?;
    login_success(state, &mut conn, &user)
}
