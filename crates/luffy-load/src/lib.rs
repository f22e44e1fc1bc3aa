//! Shared pieces of Luffy's load and reliability harnesses: loopback-only targets, latency
//! percentiles, the courses a buyer can order, and the order number inside a pay URL.

use std::net::IpAddr;

pub mod cpu;
pub mod http1;

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

/// The visible courses with a price above zero, as `(id, price)`, from the first 30 list pages.
pub async fn priced_courses(
    client: &reqwest::Client,
    base: &str,
) -> Result<Vec<(i64, String)>, String> {
    let mut courses = Vec::new();
    for page in 1..=30 {
        let body: serde_json::Value = client
            .get(format!(
                "{base}/api/v1/course/actual/?page_size=10&page={page}"
            ))
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        let Some(results) = body["data"]["results"].as_array() else {
            break;
        };
        courses.extend(results.iter().filter_map(|c| {
            let price = c["price"].as_str()?;
            (price != "0.00")
                .then(|| (c["id"].as_i64(), price.to_owned()))
                .and_then(|(id, p)| id.map(|id| (id, p)))
        }));
    }
    if courses.is_empty() {
        return Err("no priced course".into());
    }
    Ok(courses)
}

/// Logs `username` in with a password login; returns the token. With `forwarded_for`, the
/// request says it comes from that client address (believed by a server that trusts the caller
/// as a proxy).
pub async fn login(
    client: &reqwest::Client,
    base: &str,
    username: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> Result<String, String> {
    let mut request = client
        .post(format!("{base}/api/v1/user/user/mul_login/"))
        .json(&serde_json::json!({"username": username, "password": password}));
    if let Some(address) = forwarded_for {
        request = request.header("x-forwarded-for", address);
    }
    let body: serde_json::Value = request
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    body["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("login of {username} failed: {body}"))
}

/// The `out_trade_no` inside a page-pay URL's `biz_content`.
pub fn out_trade_no_of(pay_url: &str) -> Option<String> {
    let url = url::Url::parse(pay_url).ok()?;
    let biz = url
        .query_pairs()
        .find(|(k, _)| k == "biz_content")?
        .1
        .into_owned();
    serde_json::from_str::<serde_json::Value>(&biz).ok()?["out_trade_no"]
        .as_str()
        .map(str::to_owned)
}
