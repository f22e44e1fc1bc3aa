//! Shared pieces of Luffy's load harnesses: loopback-only targets and latency percentiles.

use std::net::IpAddr;

/// Refuses any base URL whose host is not a loopback address.
pub fn check_loopback(base: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(base).map_err(|err| format!("--base: {err}"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    };
    if url.scheme() != "http" || !loopback {
        return Err(format!(
            "--base must be an http URL on loopback, got {base}"
        ));
    }
    Ok(url)
}

/// The `fraction` percentile (nearest rank) of sorted microsecond latencies, in milliseconds.
pub fn percentile(sorted: &[u32], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let last = sorted.len() - 1;
    let rank = ((last as f64) * fraction).round() as usize;
    f64::from(sorted[rank.min(last)]) / 1000.0
}
