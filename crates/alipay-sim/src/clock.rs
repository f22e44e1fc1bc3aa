//! The simulator's clock: real time plus an offset that tests move forward.

use chrono::{DateTime, Duration, Utc};
use std::sync::Mutex;

/// Virtual time. It follows the wall clock, shifted by however far it has been advanced, so a
/// running simulator behaves naturally while a test can jump hours ahead in one call.
#[derive(Debug, Default)]
pub struct VirtualClock {
    offset: Mutex<Duration>,
}

impl VirtualClock {
    /// A clock showing real time.
    pub fn new() -> Self {
        Self::default()
    }

    /// The current virtual instant.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset()
    }

    /// Moves virtual time forward by `by` (negative durations are ignored).
    pub fn advance(&self, by: Duration) {
        if by > Duration::zero() {
            let mut offset = self.offset.lock().unwrap_or_else(|p| p.into_inner());
            *offset += by;
        }
    }

    /// How far virtual time is ahead of real time.
    pub fn offset(&self) -> Duration {
        *self.offset.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl alipay_sdk::Clock for VirtualClock {
    fn now(&self) -> DateTime<Utc> {
        VirtualClock::now(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_now_forward() {
        let clock = VirtualClock::new();
        let before = clock.now();
        clock.advance(Duration::hours(2));
        let after = clock.now();
        assert!(after - before >= Duration::hours(2));
        clock.advance(Duration::hours(-5));
        assert_eq!(clock.offset(), Duration::hours(2));
    }
}
