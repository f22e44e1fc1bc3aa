//! The client's address, for per-client throttles.
//!
//! It is the connection's peer, unless the peer is a configured trusted proxy: then the nearest
//! untrusted address of `X-Forwarded-For` (read from the right), or else `X-Real-IP`.

use actix_web::HttpRequest;
use std::net::IpAddr;

/// The address requests from `req` are counted under.
pub fn client_addr(req: &HttpRequest, trusted: &[IpAddr]) -> String {
    let Some(peer) = req.peer_addr().map(|addr| addr.ip()) else {
        return "unknown".into();
    };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    if let Some(forwarded) = header("x-forwarded-for") {
        let nearest = forwarded
            .rsplit(',')
            .filter_map(|part| part.trim().parse::<IpAddr>().ok())
            .find(|addr| !trusted.contains(addr));
        if let Some(addr) = nearest {
            return addr.to_string();
        }
    }
    header("x-real-ip")
        .and_then(|value| value.trim().parse::<IpAddr>().ok())
        .unwrap_or(peer)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn request(peer: &str, headers: &[(&str, &str)]) -> HttpRequest {
        let mut builder = TestRequest::default().peer_addr(peer.parse().unwrap());
        for (name, value) in headers {
            builder = builder.insert_header((*name, *value));
        }
        builder.to_http_request()
    }

    #[test]
    fn forwarded_headers_count_only_behind_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let forwarded = [("x-forwarded-for", "6.6.6.6, 1.2.3.4")];
        assert_eq!(
            client_addr(&request("9.9.9.9:1000", &forwarded), &[proxy]),
            "9.9.9.9"
        );
        assert_eq!(
            client_addr(&request("10.0.0.1:1000", &forwarded), &[proxy]),
            "1.2.3.4"
        );
        let real = [("x-real-ip", "5.5.5.5")];
        assert_eq!(
            client_addr(&request("10.0.0.1:1000", &real), &[proxy]),
            "5.5.5.5"
        );
        assert_eq!(
            client_addr(&request("10.0.0.1:1000", &[]), &[proxy]),
            "10.0.0.1"
        );
    }
}
