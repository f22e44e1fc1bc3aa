//! The home page's banners: what the staff may set, and which ones the page shows.

use crate::DomainError;
use crate::fields::{Fields, required};
use crate::media::MediaKey;
use serde_json::Value;

/// The largest display order.
const MAX_ORDERS: i32 = 1_000_000;

/// Changes to a banner; every field is optional (absent means unchanged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BannerPatch {
    /// Up to 64 characters, unique among the banners that are not deleted.
    pub title: Option<String>,
    /// A media key (`banner/1.png`) or an absolute http(s) URL.
    pub image: Option<String>,
    /// Where a click leads: a path of the client (`/free/detail/1`) or an http(s) URL.
    pub link: Option<String>,
    /// Up to 1024 characters of description.
    pub info: Option<String>,
    /// Display order, smallest first.
    pub orders: Option<i32>,
    /// Shown on the home page.
    pub is_show: Option<bool>,
}

impl BannerPatch {
    /// Parses a partial update; errors name the field.
    pub fn parse(body: &Value) -> Result<Self, DomainError> {
        let mut fields = Fields::new(body)?;
        let patch = Self {
            title: fields.text("title", 64)?,
            image: fields.text("image", 255)?,
            link: fields.text("link", 255)?,
            info: fields.text_or_empty("info", 1024)?,
            orders: fields.small("orders", 0, MAX_ORDERS)?,
            is_show: fields.bool("is_show")?,
        };
        fields.finish()?;
        if let Some(image) = &patch.image {
            check_image(image)?;
        }
        if let Some(link) = &patch.link {
            check_link(link)?;
        }
        Ok(patch)
    }

    /// Parses a creation: `title`, `image` and `link` are required.
    pub fn parse_new(body: &Value) -> Result<Self, DomainError> {
        let patch = Self::parse(body)?;
        required("title", patch.title.as_ref())?;
        required("image", patch.image.as_ref())?;
        required("link", patch.link.as_ref())?;
        Ok(patch)
    }

    /// A patch that only shows or hides the banner.
    pub fn visibility(is_show: bool) -> Self {
        Self {
            is_show: Some(is_show),
            ..Self::default()
        }
    }
}

fn is_http_url(text: &str) -> bool {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    rest.is_some_and(|rest| !rest.is_empty() && !rest.chars().any(char::is_whitespace))
}

fn check_image(image: &str) -> Result<(), DomainError> {
    if is_http_url(image) || MediaKey::parse(image).is_ok() {
        return Ok(());
    }
    Err(DomainError::invalid(
        "image",
        "must be a media key such as banner/1.png or an http(s) URL",
    ))
}

fn check_link(link: &str) -> Result<(), DomainError> {
    let path = link.starts_with('/')
        && !link.starts_with("//")
        && !link.chars().any(|c| c.is_whitespace() || c.is_control());
    if path || is_http_url(link) {
        return Ok(());
    }
    Err(DomainError::invalid(
        "link",
        "must be a path such as /free/detail/1 or an http(s) URL",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field_of(err: DomainError) -> &'static str {
        match err {
            DomainError::Invalid { field, .. } => field,
            other => panic!("not a field error: {other:?}"),
        }
    }

    #[test]
    fn a_new_banner_needs_title_image_and_link() {
        let full = json!({"title": "新课上线", "image": "banner/1.png", "link": "/free/detail/1"});
        let patch = BannerPatch::parse_new(&full).expect("valid");
        assert_eq!(patch.title.as_deref(), Some("新课上线"));
        for missing in ["title", "image", "link"] {
            let mut body = full.clone();
            body.as_object_mut().expect("object").remove(missing);
            let err = BannerPatch::parse_new(&body).expect_err(missing);
            assert_eq!(field_of(err), missing);
        }
    }

    #[test]
    fn images_and_links_must_be_safe() {
        for (body, field) in [
            (json!({"image": "../etc/passwd"}), "image"),
            (json!({"image": "banner//1.png"}), "image"),
            (json!({"link": "javascript:alert(1)"}), "link"),
            (json!({"link": "//evil.example.com"}), "link"),
            (json!({"title": ""}), "title"),
            (json!({"orders": -1}), "orders"),
            (json!({"colour": "red"}), "body"),
        ] {
            let err = BannerPatch::parse(&body).expect_err("refused");
            assert_eq!(field_of(err), field, "{body}");
        }
        let ok = json!({"image": "https://cdn.example.com/b.png", "link": "https://example.com/x"});
        assert!(BannerPatch::parse(&ok).is_ok());
    }
}
