//! Time for the `timestamp` parameter: China Standard Time (UTC+08:00, no DST), from an injectable clock.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, TimeZone, Utc};

/// Where "now" comes from. Implemented for [`SystemClock`], [`FixedClock`] and any
/// `Fn() -> DateTime<Utc> + Send + Sync` closure wrapped in [`FnClock`].
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock stopped at one instant, for tests and reproducible signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(pub DateTime<Utc>);

impl FixedClock {
    /// A clock stopped at the given **China** wall-clock time; `None` for an impossible date.
    pub fn china(
        year: i32,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
    ) -> Option<Self> {
        let naive = NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(hour, minute, second)?;
        let local = china_offset().from_local_datetime(&naive).single()?;
        Some(FixedClock(local.with_timezone(&Utc)))
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// Adapts a closure into a [`Clock`].
pub struct FnClock<F>(pub F);

impl<F> fmt::Debug for FnClock<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FnClock")
    }
}

impl<F: Fn() -> DateTime<Utc> + Send + Sync> Clock for FnClock<F> {
    fn now(&self) -> DateTime<Utc> {
        (self.0)()
    }
}

/// UTC+08:00.
pub fn china_offset() -> FixedOffset {
    // 8 hours is always a valid offset; `east_opt` only rejects |offset| >= 24h.
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

/// Formats an instant as Alipay's `timestamp`: `YYYY-MM-DD HH:MM:SS` in China time.
pub fn china_timestamp(instant: DateTime<Utc>) -> String {
    instant
        .with_timezone(&china_offset())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}
