//! A staff request to upload one file from the browser.

use super::MediaTarget;
use crate::DomainError;
use crate::fields::{Fields, required};
use serde_json::Value;

/// `{"section": 12, "filename": "intro.mp4", "size": 1048576}`: exactly one of `section`,
/// `course_image`, `teacher_image` or `banner_image` (an id), the file's name, and its size when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRequest {
    /// Where the file goes.
    pub target: MediaTarget,
    /// The file's name; its extension decides the type.
    pub file_name: String,
    /// The size in bytes, checked before anything is uploaded.
    pub size: Option<u64>,
}

const TARGETS: [&str; 4] = ["section", "course_image", "teacher_image", "banner_image"];

impl UploadRequest {
    /// Reads the request; errors name the field.
    pub fn parse(body: &Value) -> Result<Self, DomainError> {
        let mut fields = Fields::new(body)?;
        let mut targets = Vec::new();
        for name in TARGETS {
            if let Some(id) = fields.id(name)? {
                targets.extend(MediaTarget::from_parts(name, id));
            }
        }
        let target = match targets.as_slice() {
            [target] => *target,
            [] => {
                return Err(DomainError::invalid(
                    "section",
                    "Give one of section, course_image, teacher_image or banner_image.",
                ));
            }
            _ => {
                return Err(DomainError::invalid(
                    "section",
                    "Give only one of section, course_image, teacher_image or banner_image.",
                ));
            }
        };
        let file_name = required("filename", fields.text("filename", 255)?)?;
        let size = fields
            .int("size", 1, i64::MAX)?
            .and_then(|size| u64::try_from(size).ok());
        fields.finish()?;
        Ok(Self {
            target,
            file_name,
            size,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field_of(body: Value) -> &'static str {
        match UploadRequest::parse(&body) {
            Err(DomainError::Invalid { field, .. }) => field,
            other => panic!("{body}: {other:?}"),
        }
    }

    #[test]
    fn one_target_a_file_name_and_maybe_a_size() {
        let request = UploadRequest::parse(&json!({"section": 3, "filename": "a.mp4", "size": 10}))
            .expect("valid");
        assert_eq!(request.target, MediaTarget::SectionVideo(3));
        assert_eq!(request.file_name, "a.mp4");
        assert_eq!(request.size, Some(10));
        let request = UploadRequest::parse(&json!({"teacher_image": "4", "filename": "t.png"}))
            .expect("valid");
        assert_eq!(request.target, MediaTarget::TeacherImage(4));
        assert_eq!(request.size, None);
    }

    #[test]
    fn every_bad_field_is_named() {
        assert_eq!(field_of(json!({"filename": "a.mp4"})), "section");
        assert_eq!(
            field_of(json!({"section": 1, "course_image": 2, "filename": "a.mp4"})),
            "section"
        );
        assert_eq!(
            field_of(json!({"section": 0, "filename": "a.mp4"})),
            "section"
        );
        assert_eq!(
            field_of(json!({"course_image": "x", "filename": "a.png"})),
            "course_image"
        );
        assert_eq!(field_of(json!({"section": 1})), "filename");
        assert_eq!(field_of(json!({"section": 1, "filename": ""})), "filename");
        assert_eq!(
            field_of(json!({"section": 1, "filename": "a.mp4", "size": 0})),
            "size"
        );
        assert_eq!(
            field_of(json!({"section": 1, "filename": "a.mp4", "extra": 1})),
            "body"
        );
        assert_eq!(field_of(json!([1])), "body");
    }
}
