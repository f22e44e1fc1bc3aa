//! Fixed-window rate limits, counted in the database so that every replica sees the same count.

use chrono::{DateTime, Utc};

/// At most `limit` events per `window_secs` for one key of one scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleRule {
    /// What is counted, e.g. `sms_mobile`.
    pub scope: &'static str,
    /// Events allowed per window.
    pub limit: i32,
    /// Window length in seconds.
    pub window_secs: i64,
}

impl ThrottleRule {
    /// One SMS per mobile per minute.
    pub const SMS_PER_MOBILE: Self = Self {
        scope: "sms_mobile",
        limit: 1,
        window_secs: 60,
    };
    /// Ten SMS per client address per ten minutes.
    pub const SMS_PER_ADDRESS: Self = Self {
        scope: "sms_addr",
        limit: 10,
        window_secs: 600,
    };
    /// Ten login attempts per account per five minutes, whichever of its names (username,
    /// mobile, email) they use: counted under the account's id once the name is resolved.
    pub const LOGIN_PER_ACCOUNT: Self = Self {
        scope: "login_account",
        limit: 10,
        window_secs: 300,
    };
    /// Ten login attempts per five minutes for a name that designates no account, so that
    /// probing unknown names is limited like guessing a known account's password.
    pub const LOGIN_PER_UNKNOWN_NAME: Self = Self {
        scope: "login_unknown",
        limit: 10,
        window_secs: 300,
    };
    /// Thirty registered-mobile checks per client address per ten minutes.
    pub const MOBILE_CHECK_PER_ADDRESS: Self = Self {
        scope: "mobile_check_addr",
        limit: 30,
        window_secs: 600,
    };
    /// Thirty login attempts per client address per five minutes.
    pub const LOGIN_PER_ADDRESS: Self = Self {
        scope: "login_addr",
        limit: 30,
        window_secs: 300,
    };

    /// The start (Unix seconds) of the window holding `now`.
    pub fn window_start(&self, now: DateTime<Utc>) -> i64 {
        let secs = now.timestamp();
        secs - secs.rem_euclid(self.window_secs.max(1))
    }

    /// Seconds until the window holding `now` ends.
    pub fn retry_after(&self, now: DateTime<Utc>) -> i64 {
        self.window_start(now) + self.window_secs - now.timestamp()
    }
}

/// The key an account's login attempts are counted under, whichever name they use.
pub fn account_key(user_id: i64) -> String {
    format!("user:{user_id}")
}

/// One throttle check: a rule and the key it counts under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throttle {
    /// The rule.
    pub rule: ThrottleRule,
    /// The counted key (a mobile, an account, a client address).
    pub key: String,
}

impl Throttle {
    /// A check of `rule` for `key`.
    pub fn new(rule: ThrottleRule, key: impl Into<String>) -> Self {
        Self {
            rule,
            key: key.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_aligned() {
        let now = DateTime::from_timestamp(1_700_000_125, 0).unwrap();
        let rule = ThrottleRule::SMS_PER_MOBILE;
        assert_eq!(rule.window_start(now), 1_700_000_100);
        assert_eq!(rule.retry_after(now), 35);
    }
}
