//! Injectable time source, so tokens and URLs can be reproduced byte for byte in tests.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of the current time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current wall-clock time.
    fn now(&self) -> SystemTime;

    /// Whole seconds since the Unix epoch (truncated, like Python's `int(time.time())`).
    fn unix_secs(&self) -> u64 {
        self.now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock frozen at one instant.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(SystemTime);

impl FixedClock {
    /// A clock that always returns `at`.
    pub fn new(at: SystemTime) -> Self {
        Self(at)
    }

    /// A clock frozen at `millis` milliseconds after the Unix epoch.
    pub fn from_unix_millis(millis: u64) -> Self {
        Self(UNIX_EPOCH + Duration::from_millis(millis))
    }
}

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_fractional_seconds() {
        assert_eq!(
            FixedClock::from_unix_millis(1_700_000_000_250).unix_secs(),
            1_700_000_000
        );
        assert!(SystemClock.unix_secs() > 1_700_000_000);
    }
}
