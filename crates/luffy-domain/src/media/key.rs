//! Object keys that are safe both as bucket keys and as paths under the media folder.

use crate::DomainError;
use std::fmt;

/// The longest key accepted, in bytes.
pub const MAX_KEY_LEN: usize = 255;

/// A relative object key such as `sections/12/3f9a.mp4`.
///
/// A key is one or more `/`-separated segments, none empty, `.` or `..`, with no backslash,
/// NUL or other control character and no leading `/`: joined to the media folder it can never
/// point outside it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MediaKey(String);

impl MediaKey {
    /// Checks `text` as a key; the error names the field `key`.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let refuse = |why: &str| Err(DomainError::invalid("key", why.to_owned()));
        if text.is_empty() {
            return refuse("The key is empty.");
        }
        if text.len() > MAX_KEY_LEN {
            return refuse("The key is longer than 255 bytes.");
        }
        if text.chars().any(|c| c.is_control() || c == '\\') {
            return refuse("The key has a control character or a backslash.");
        }
        if text
            .split('/')
            .any(|segment| segment.is_empty() || segment == "." || segment == "..")
        {
            return refuse("The key has an empty, '.' or '..' segment, or starts with '/'.");
        }
        if text.split('/').any(|segment| segment.starts_with('.')) {
            return refuse("The key has a hidden segment.");
        }
        Ok(Self(text.to_owned()))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The segments, for joining to a folder.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }
}

impl fmt::Display for MediaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for MediaKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_keys_are_accepted() {
        for key in [
            "a.png",
            "sections/12/3f9a.mp4",
            "课程/第一讲.mp4",
            "a b/c-d_e.MP4",
        ] {
            assert_eq!(
                MediaKey::parse(key).map(|k| k.to_string()),
                Ok(key.to_owned())
            );
        }
    }

    #[test]
    fn keys_that_could_escape_the_folder_are_refused() {
        for key in [
            "",
            "/etc/passwd",
            "../secret",
            "a/../../b",
            "a/./b",
            "a//b",
            "a/",
            "a\\..\\b",
            "a\0b",
            "a\nb",
            ".env",
            "x/.git/config",
        ] {
            let err = MediaKey::parse(key).expect_err(key);
            assert!(
                matches!(err, DomainError::Invalid { field: "key", .. }),
                "{key}"
            );
        }
        assert!(MediaKey::parse(&"a".repeat(256)).is_err());
        assert!(MediaKey::parse(&"a".repeat(255)).is_ok());
    }
}
