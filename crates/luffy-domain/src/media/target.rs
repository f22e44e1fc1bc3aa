//! What an uploaded object is for, and what may be uploaded for it.

use super::MediaKey;
use crate::DomainError;
use std::fmt;

/// The catalog field an object is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaTarget {
    /// A section's video (`section_link`).
    SectionVideo(i64),
    /// A course's cover image (`course_img`).
    CourseImage(i64),
    /// A teacher's portrait (`image`).
    TeacherImage(i64),
    /// A home page banner's image (`image`).
    BannerImage(i64),
}

/// The two kinds of media, each with its own upload rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// Course videos.
    Video,
    /// Course and teacher images.
    Image,
}

/// What a direct or server-side upload may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadRules {
    /// Largest object, in bytes.
    pub max_size: u64,
    /// Qiniu's `mimeLimit` form of the allowed types, e.g. `video/*`.
    pub mime_limit: &'static str,
}

const VIDEO_TYPES: &[(&str, &str)] = &[
    ("mp4", "video/mp4"),
    ("m4v", "video/x-m4v"),
    ("mov", "video/quicktime"),
    ("webm", "video/webm"),
    ("mkv", "video/x-matroska"),
    ("flv", "video/x-flv"),
    ("m3u8", "application/vnd.apple.mpegurl"),
];

const IMAGE_TYPES: &[(&str, &str)] = &[
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
];

impl MediaKind {
    /// The size and type limits of this kind.
    pub fn rules(self) -> UploadRules {
        match self {
            Self::Video => UploadRules {
                max_size: 4 << 30,
                mime_limit: "video/*;application/vnd.apple.mpegurl",
            },
            Self::Image => UploadRules {
                max_size: 10 << 20,
                mime_limit: "image/*",
            },
        }
    }

    fn types(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Video => VIDEO_TYPES,
            Self::Image => IMAGE_TYPES,
        }
    }

    /// The lower-case extension and MIME type of `file_name`, when its type is accepted for
    /// this kind; the error names the field `filename`.
    pub fn file_type(self, file_name: &str) -> Result<(&'static str, &'static str), DomainError> {
        let extension = file_name
            .rsplit_once('.')
            .map(|(_, ext)| ext.to_ascii_lowercase())
            .unwrap_or_default();
        self.types()
            .iter()
            .find(|(ext, _)| *ext == extension)
            .copied()
            .ok_or_else(|| {
                let accepted: Vec<&str> = self.types().iter().map(|(ext, _)| *ext).collect();
                DomainError::invalid(
                    "filename",
                    format!("Accepted {} files: {}.", self.label(), accepted.join(", ")),
                )
            })
    }

    /// Checks that `head`, the first bytes of an upload (at least 12 unless the file is
    /// shorter), are what the key's `extension` declares: for images, the magic numbers of
    /// PNG, JPEG, GIF or WebP (an SVG or HTML body named `.png` is refused). Videos are not
    /// sniffed. The error names the field `mime`.
    pub fn check_content(self, extension: &str, head: &[u8]) -> Result<(), DomainError> {
        if self != Self::Image {
            return Ok(());
        }
        let matches = match extension.to_ascii_lowercase().as_str() {
            "png" => head.starts_with(b"\x89PNG\r\n\x1a\n"),
            "jpg" | "jpeg" => head.starts_with(&[0xFF, 0xD8, 0xFF]),
            "gif" => head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a"),
            "webp" => head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP",
            _ => false,
        };
        if matches {
            Ok(())
        } else {
            Err(DomainError::invalid(
                "mime",
                format!("The file is not a {extension} image."),
            ))
        }
    }

    /// Whether `mime` (as a client or the storage reported it) is accepted for this kind.
    pub fn accepts_mime(self, mime: &str) -> bool {
        let mime = mime
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match self {
            Self::Video => mime.starts_with("video/") || mime == "application/vnd.apple.mpegurl",
            Self::Image => mime.starts_with("image/"),
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Video => "video",
            Self::Image => "image",
        }
    }
}

impl UploadRules {
    /// Checks a size and a MIME type against the rules of `kind`; errors name `size` or `mime`.
    pub fn check(&self, kind: MediaKind, size: u64, mime: &str) -> Result<(), DomainError> {
        self.check_size(size)?;
        Self::check_mime(kind, mime)
    }

    /// Checks a size: not empty, not over the limit; errors name `size`.
    pub fn check_size(&self, size: u64) -> Result<(), DomainError> {
        if size == 0 {
            return Err(DomainError::invalid("size", "The file is empty."));
        }
        if size > self.max_size {
            return Err(DomainError::invalid(
                "size",
                format!(
                    "The file has {size} bytes; at most {} are allowed.",
                    self.max_size
                ),
            ));
        }
        Ok(())
    }

    /// Checks a MIME type against `kind`; errors name `mime`.
    pub fn check_mime(kind: MediaKind, mime: &str) -> Result<(), DomainError> {
        if kind.accepts_mime(mime) {
            Ok(())
        } else {
            Err(DomainError::invalid(
                "mime",
                format!(
                    "The type {mime:?} is not accepted for {} files.",
                    kind.label()
                ),
            ))
        }
    }
}

impl MediaTarget {
    /// Parses the target of an upload request: `section`, `course_image` or `teacher_image`.
    pub fn from_parts(field: &str, id: i64) -> Option<Self> {
        match field {
            "section" => Some(Self::SectionVideo(id)),
            "course_image" => Some(Self::CourseImage(id)),
            "teacher_image" => Some(Self::TeacherImage(id)),
            "banner_image" => Some(Self::BannerImage(id)),
            _ => None,
        }
    }

    /// The kind of media the target holds.
    pub fn kind(self) -> MediaKind {
        match self {
            Self::SectionVideo(_) => MediaKind::Video,
            Self::CourseImage(_) | Self::TeacherImage(_) | Self::BannerImage(_) => MediaKind::Image,
        }
    }

    /// The id of the section, course, teacher or banner.
    pub fn id(self) -> i64 {
        match self {
            Self::SectionVideo(id)
            | Self::CourseImage(id)
            | Self::TeacherImage(id)
            | Self::BannerImage(id) => id,
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Self::SectionVideo(_) => "sections",
            Self::CourseImage(_) => "courses",
            Self::TeacherImage(_) => "teachers",
            Self::BannerImage(_) => "banners",
        }
    }

    /// The key chosen for a new object of this target: `sections/12/<nonce>.mp4`. The nonce
    /// must be letters, digits, `-` or `_`.
    pub fn key_for(self, nonce: &str, extension: &str) -> Result<MediaKey, DomainError> {
        let plain = |text: &str| {
            !text.is_empty()
                && text
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if !plain(nonce) || !plain(extension) {
            return Err(DomainError::invalid(
                "key",
                "The key has unexpected characters.",
            ));
        }
        MediaKey::parse(&format!(
            "{}/{}/{nonce}.{extension}",
            self.prefix(),
            self.id()
        ))
    }

    /// The target a key made by [`MediaTarget::key_for`] belongs to. Keys are chosen by the
    /// server and signed into upload tokens, so the key of a verified upload names its target.
    pub fn of_key(key: &MediaKey) -> Option<Self> {
        let mut segments = key.segments();
        let (prefix, id, _name, rest) = (
            segments.next()?,
            segments.next()?,
            segments.next()?,
            segments.next(),
        );
        if rest.is_some() {
            return None;
        }
        let id: i64 = id.parse().ok().filter(|id| *id > 0)?;
        match prefix {
            "sections" => Some(Self::SectionVideo(id)),
            "courses" => Some(Self::CourseImage(id)),
            "teachers" => Some(Self::TeacherImage(id)),
            "banners" => Some(Self::BannerImage(id)),
            _ => None,
        }
    }
}

impl fmt::Display for MediaTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SectionVideo(id) => write!(f, "section {id}"),
            Self::CourseImage(id) => write!(f, "course {id} image"),
            Self::TeacherImage(id) => write!(f, "teacher {id} image"),
            Self::BannerImage(id) => write!(f, "banner {id} image"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_sniffed_by_their_magic_numbers() {
        let image = MediaKind::Image;
        assert!(image.check_content("png", b"\x89PNG\r\n\x1a\n....").is_ok());
        assert!(image.check_content("PNG", b"\x89PNG\r\n\x1a\n").is_ok());
        assert!(
            image
                .check_content("jpg", &[0xFF, 0xD8, 0xFF, 0xE0])
                .is_ok()
        );
        assert!(image.check_content("gif", b"GIF89a..").is_ok());
        assert!(image.check_content("webp", b"RIFF\0\0\0\0WEBPVP8 ").is_ok());
        let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script/></svg>";
        for ext in ["png", "jpg", "gif", "webp"] {
            let err = image.check_content(ext, svg).unwrap_err();
            assert!(err.to_string().starts_with("mime:"), "{err}");
        }
        assert!(image.check_content("png", b"GIF89a").is_err());
        assert!(image.check_content("webp", b"RIFF").is_err());
        assert!(MediaKind::Video.check_content("mp4", svg).is_ok());
    }

    #[test]
    fn a_key_names_its_target() {
        let target = MediaTarget::SectionVideo(12);
        let key = target.key_for("3f9a", "mp4").expect("key");
        assert_eq!(key.as_str(), "sections/12/3f9a.mp4");
        assert_eq!(MediaTarget::of_key(&key), Some(target));
        let image = MediaTarget::CourseImage(7)
            .key_for("n", "png")
            .expect("key");
        assert_eq!(
            MediaTarget::of_key(&image),
            Some(MediaTarget::CourseImage(7))
        );
        let banner = MediaTarget::BannerImage(2)
            .key_for("n", "png")
            .expect("key");
        assert_eq!(banner.as_str(), "banners/2/n.png");
        assert_eq!(
            MediaTarget::of_key(&banner),
            Some(MediaTarget::BannerImage(2))
        );
        for other in [
            "videos/1/a.mp4",
            "sections/x/a.mp4",
            "sections/0/a.mp4",
            "sections/1/a/b",
        ] {
            let key = MediaKey::parse(other).expect("key");
            assert_eq!(MediaTarget::of_key(&key), None, "{other}");
        }
        assert!(target.key_for("../x", "mp4").is_err());
        assert!(target.key_for("n", "").is_err());
    }

    #[test]
    fn file_types_follow_the_kind() {
        assert_eq!(
            MediaKind::Video.file_type("Intro.MP4"),
            Ok(("mp4", "video/mp4"))
        );
        assert_eq!(
            MediaKind::Image.file_type("a.b.JPEG"),
            Ok(("jpeg", "image/jpeg"))
        );
        for (kind, name) in [
            (MediaKind::Video, "intro.png"),
            (MediaKind::Image, "cover.mp4"),
            (MediaKind::Video, "noextension"),
            (MediaKind::Image, "script.exe"),
        ] {
            let err = kind.file_type(name).expect_err(name);
            assert!(matches!(
                err,
                DomainError::Invalid {
                    field: "filename",
                    ..
                }
            ));
        }
    }

    #[test]
    fn rules_refuse_empty_oversize_and_wrong_types() {
        let rules = MediaKind::Image.rules();
        assert!(rules.check(MediaKind::Image, 1, "image/png").is_ok());
        assert!(
            rules
                .check(MediaKind::Image, rules.max_size, "image/png; q=1")
                .is_ok()
        );
        for (size, mime, field) in [
            (0, "image/png", "size"),
            (rules.max_size + 1, "image/png", "size"),
            (10, "video/mp4", "mime"),
            (10, "text/html", "mime"),
        ] {
            let err = rules.check(MediaKind::Image, size, mime).expect_err(mime);
            assert!(matches!(err, DomainError::Invalid { field: f, .. } if f == field));
        }
        assert!(MediaKind::Video.accepts_mime("VIDEO/MP4"));
        assert!(!MediaKind::Video.accepts_mime("image/png"));
    }
}
