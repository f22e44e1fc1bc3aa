//! Retry with exponential backoff on one host, then failover to the next.

use std::future::Future;
use std::time::Duration;

use rand::Rng;

use crate::{Error, Result};

/// How often and how patiently to retry a request.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts on each host before moving to the next one (at least 1).
    pub attempts_per_host: u32,
    /// Delay before the first retry; doubled each time, plus up to 50 % jitter.
    pub base_delay: Duration,
    /// Upper bound for one delay.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts_per_host: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The delay before retry number `attempt` (0-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX))
            .min(self.max_delay);
        let jitter_ms = u64::try_from(exp.as_millis() / 2).unwrap_or(0);
        let jitter = if jitter_ms == 0 {
            0
        } else {
            rand::thread_rng().gen_range(0..=jitter_ms)
        };
        exp + Duration::from_millis(jitter)
    }
}

/// Runs `op` against each host in order, retrying retryable failures with backoff.
/// A `400 incorrect region, please use X` answer adds X (same scheme) to the hosts to try.
pub(crate) async fn with_failover<T, F, Fut>(
    hosts: &[String],
    policy: &RetryPolicy,
    mut op: F,
) -> Result<T>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut hosts: Vec<String> = hosts.to_vec();
    let mut last = Error::InvalidArgument("no hosts configured".into());
    let mut index = 0;
    while let Some(host) = hosts.get(index).cloned() {
        index += 1;
        for attempt in 0..policy.attempts_per_host.max(1) {
            match op(host.clone()).await {
                Ok(value) => return Ok(value),
                Err(err) => {
                    if let Some(suggested) = err.api_error().and_then(|a| a.suggested_host()) {
                        let scheme = host.split_once("://").map_or("https", |(s, _)| s);
                        let candidate = format!("{scheme}://{suggested}");
                        if !hosts.contains(&candidate) {
                            log::warn!("server asked to use {candidate}");
                            hosts.push(candidate);
                        }
                        last = err;
                        break;
                    }
                    if !err.is_retryable() {
                        return Err(err);
                    }
                    log::debug!("attempt {attempt} on {host} failed: {err}");
                    last = err;
                    if attempt + 1 < policy.attempts_per_host {
                        tokio::time::sleep(policy.delay(attempt)).await;
                    }
                }
            }
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_are_capped() {
        let p = RetryPolicy {
            attempts_per_host: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
        };
        let d0 = p.delay(0);
        assert!(d0 >= Duration::from_millis(100) && d0 <= Duration::from_millis(150));
        let d3 = p.delay(3);
        assert!(d3 >= Duration::from_millis(800) && d3 <= Duration::from_millis(1200));
        assert!(p.delay(40) <= Duration::from_millis(1500));
    }

    #[test]
    fn retryable_statuses() {
        assert!(crate::error::is_retryable_status(500));
        assert!(crate::error::is_retryable_status(503));
        assert!(!crate::error::is_retryable_status(579));
        assert!(!crate::error::is_retryable_status(612));
        assert!(!crate::error::is_retryable_status(404));
    }
}
