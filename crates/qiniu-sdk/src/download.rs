//! Public and private download URLs.

use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::clock::{Clock, SystemClock};
use crate::credentials::Credentials;

/// Characters left as-is in an object key path (RFC 3986 unreserved plus `/`).
const KEY_PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// `domain/percent-encoded-key`; a domain without a scheme gets `https://`.
pub fn public_download_url(domain: &str, key: &str) -> String {
    let domain = domain.trim_end_matches('/');
    let base = if domain.contains("://") {
        domain.to_owned()
    } else {
        format!("https://{domain}")
    };
    format!("{base}/{}", utf8_percent_encode(key, KEY_PATH))
}

impl Credentials {
    /// Signs `url` for `expires` from now: appends `e=<deadline>&token=AK:sign` (token not
    /// percent-encoded, like the reference SDK). Percent-encode the key yourself, or build `url`
    /// with [`public_download_url`].
    pub fn private_download_url(&self, url: &str, expires: Duration) -> String {
        self.private_download_url_with_clock(url, expires, &SystemClock)
    }

    /// Like [`Credentials::private_download_url`] with an injectable clock.
    pub fn private_download_url_with_clock(
        &self,
        url: &str,
        expires: Duration,
        clock: &dyn Clock,
    ) -> String {
        let deadline = clock.unix_secs().saturating_add(expires.as_secs());
        self.private_download_url_with_deadline(url, deadline)
    }

    /// Signs `url` with an absolute deadline in Unix seconds.
    pub fn private_download_url_with_deadline(&self, url: &str, deadline: u64) -> String {
        let separator = if url.contains('?') { '&' } else { '?' };
        let signed = format!("{url}{separator}e={deadline}");
        let token = self.sign(signed.as_bytes());
        format!("{signed}&token={token}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;

    #[test]
    fn private_url_vectors() {
        let c = Credentials::new("abcdefghklmnopq", "1234567890");
        let clock = FixedClock::from_unix_millis(1_700_000_000_250);
        let hour = Duration::from_secs(3600);
        assert_eq!(
            c.private_download_url_with_clock("http://cdn.example.com/videos/a.mp4", hour, &clock),
            "http://cdn.example.com/videos/a.mp4?e=1700003600&token=abcdefghklmnopq:sY6HLTEpiZMkNP-DPm_8EtpsngU="
        );
        assert_eq!(
            c.private_download_url_with_clock(
                "http://cdn.example.com/videos/a.mp4?imageView2/1/w/100",
                hour,
                &clock
            ),
            "http://cdn.example.com/videos/a.mp4?imageView2/1/w/100&e=1700003600&token=abcdefghklmnopq:_F1DM-2f3g5RymKLV9njfApZsIE="
        );
    }

    #[test]
    fn public_url_encodes_key() {
        assert_eq!(
            public_download_url("cdn.example.com/", "课程/a b?.mp4"),
            "https://cdn.example.com/%E8%AF%BE%E7%A8%8B/a%20b%3F.mp4"
        );
        assert_eq!(public_download_url("http://h:1", "k"), "http://h:1/k");
    }
}
