//! Path normalisation before routing: `/api/v1/order/pay/` and `/api//v1/order/pay` both reach
//! `/api/v1/order/pay`, as with actix's `NormalizePath::trim`, without its per-request regex
//! (a measurable share of a cheap request's CPU).

use actix_web::dev::ServiceRequest;
use actix_web::http::Uri;
use actix_web::http::uri::PathAndQuery;

/// Drops trailing slashes and merges repeated ones; the query is kept. Paths that need no change
/// (most of them) cost one scan and no allocation.
pub fn trim_slashes(req: &mut ServiceRequest) {
    let Some(path) = normalized(req.path()) else {
        return;
    };
    let head = req.head_mut();
    let mut parts = head.uri.clone().into_parts();
    let path_and_query = match parts.path_and_query.as_ref().and_then(|pq| pq.query()) {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    // The new path only removes characters from a valid one, so it parses; if it ever did not,
    // the request is routed as it came.
    let Ok(path_and_query) = PathAndQuery::try_from(path_and_query) else {
        return;
    };
    parts.path_and_query = Some(path_and_query);
    let Ok(uri) = Uri::from_parts(parts) else {
        return;
    };
    req.match_info_mut().get_mut().update(&uri);
    req.head_mut().uri = uri;
}

/// The path without trailing or repeated slashes, or `None` when it has neither.
fn normalized(path: &str) -> Option<String> {
    let trailing = path.len() > 1 && path.ends_with('/');
    if !trailing && !path.contains("//") {
        return None;
    }
    let mut clean = String::with_capacity(path.len());
    for segment in path.split('/').filter(|segment| !segment.is_empty()) {
        clean.push('/');
        clean.push_str(segment);
    }
    if clean.is_empty() {
        clean.push('/');
    }
    Some(clean)
}

#[cfg(test)]
mod tests {
    use super::{normalized, trim_slashes};
    use actix_web::test::TestRequest;

    #[test]
    fn trailing_and_repeated_slashes_go() {
        assert_eq!(normalized("/api/v1/order/pay"), None);
        assert_eq!(normalized("/"), None);
        assert_eq!(
            normalized("/api/v1/order/pay/").as_deref(),
            Some("/api/v1/order/pay")
        );
        assert_eq!(normalized("//api///v1//x//").as_deref(), Some("/api/v1/x"));
        assert_eq!(normalized("//").as_deref(), Some("/"));
        assert_eq!(normalized("/media/a%2Fb/").as_deref(), Some("/media/a%2Fb"));
    }

    #[test]
    fn the_query_is_kept_and_routing_sees_the_new_path() {
        let mut req = TestRequest::get()
            .uri("/api/v1/course/actual/?page=2&search=py//thon")
            .to_srv_request();
        trim_slashes(&mut req);
        assert_eq!(req.path(), "/api/v1/course/actual");
        assert_eq!(req.query_string(), "page=2&search=py//thon");
        assert_eq!(req.match_info().as_str(), "/api/v1/course/actual");
    }
}
