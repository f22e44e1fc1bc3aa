//! What the staff may change in the catalog: one patch type per table, parsed from JSON.
//!
//! Every field is optional in a patch (absent means unchanged); creation parses the same patch
//! and then insists on the required fields.

use super::choices::{CourseStatus, CourseType, Level, SectionType, TeacherRole};
use crate::fields::{Fields, Nullable, required};
use crate::{DomainError, Money};
use serde_json::Value;

/// The largest display order.
const MAX_ORDERS: i32 = 1_000_000;

/// Changes to a teacher.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeacherPatch {
    /// Up to 32 characters.
    pub name: Option<String>,
    /// The role.
    pub role: Option<TeacherRole>,
    /// Up to 64 characters.
    pub title: Option<String>,
    /// Up to 255 characters.
    pub signature: Nullable<String>,
    /// A media key (`teacher/alex.png`) or an absolute URL.
    pub image: Nullable<String>,
    /// Up to 1024 characters.
    pub brief: Option<String>,
    /// Display order.
    pub orders: Option<i32>,
    /// Published.
    pub is_show: Option<bool>,
}

impl TeacherPatch {
    /// Parses a partial update.
    pub fn parse(body: &Value) -> Result<Self, DomainError> {
        let mut fields = Fields::new(body)?;
        let patch = Self {
            name: fields.text("name", 32)?,
            role: fields.choice("role", TeacherRole::from_code)?,
            title: fields.text("title", 64)?,
            signature: fields.nullable_text("signature", 255)?,
            image: fields.nullable_text("image", 255)?,
            brief: fields.text_or_empty("brief", 1024)?,
            orders: fields.small("orders", 0, MAX_ORDERS)?,
            is_show: fields.bool("is_show")?,
        };
        fields.finish()?;
        Ok(patch)
    }

    /// Parses a creation: `name` and `title` are required.
    pub fn parse_new(body: &Value) -> Result<Self, DomainError> {
        let patch = Self::parse(body)?;
        required("name", patch.name.as_ref())?;
        required("title", patch.title.as_ref())?;
        Ok(patch)
    }
}

/// Changes to a course category.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CategoryPatch {
    /// Up to 64 characters, unique.
    pub name: Option<String>,
    /// Display order.
    pub orders: Option<i32>,
    /// Published.
    pub is_show: Option<bool>,
}

impl CategoryPatch {
    /// Parses a partial update.
    pub fn parse(body: &Value) -> Result<Self, DomainError> {
        let mut fields = Fields::new(body)?;
        let patch = Self {
            name: fields.text("name", 64)?,
            orders: fields.small("orders", 0, MAX_ORDERS)?,
            is_show: fields.bool("is_show")?,
        };
        fields.finish()?;
        Ok(patch)
    }

    /// Parses a creation: `name` is required.
    pub fn parse_new(body: &Value) -> Result<Self, DomainError> {
        let patch = Self::parse(body)?;
        required("name", patch.name.as_ref())?;
        Ok(patch)
    }
}

/// Changes to a course.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoursePatch {
    /// Up to 128 characters.
    pub name: Option<String>,
    /// A media key or an absolute URL.
    pub course_img: Nullable<String>,
    /// How it is sold.
    pub course_type: Option<CourseType>,
    /// Up to 2048 characters of HTML.
    pub brief: Nullable<String>,
    /// Difficulty.
    pub level: Option<Level>,
    /// Length in days, 1 to 3650.
    pub period: Option<i32>,
    /// A media key or an absolute URL.
    pub attachment_path: Nullable<String>,
    /// On sale or not.
    pub status: Option<CourseStatus>,
    /// The list price.
    pub price: Option<Money>,
    /// The teacher.
    pub teacher_id: Nullable<i64>,
    /// The category.
    pub course_category_id: Nullable<i64>,
    /// Display order.
    pub orders: Option<i32>,
    /// Published.
    pub is_show: Option<bool>,
}

impl CoursePatch {
    /// Parses a partial update.
    pub fn parse(body: &Value) -> Result<Self, DomainError> {
        let mut fields = Fields::new(body)?;
        let patch = Self {
            name: fields.text("name", 128)?,
            course_img: fields.nullable_text("course_img", 255)?,
            course_type: fields.choice("course_type", CourseType::from_code)?,
            brief: fields.nullable_text("brief", 2048)?,
            level: fields.choice("level", Level::from_code)?,
            period: fields.small("period", 1, 3650)?,
            attachment_path: fields.nullable_text("attachment_path", 128)?,
            status: fields.choice("status", CourseStatus::from_code)?,
            price: fields.money("price")?,
            teacher_id: fields.nullable_id("teacher_id")?,
            course_category_id: fields.nullable_id("course_category_id")?,
            orders: fields.small("orders", 0, MAX_ORDERS)?,
            is_show: fields.bool("is_show")?,
        };
        fields.finish()?;
        Ok(patch)
    }

    /// Parses a creation: `name` and `price` are required.
    pub fn parse_new(body: &Value) -> Result<Self, DomainError> {
        let patch = Self::parse(body)?;
        required("name", patch.name.as_ref())?;
        required("price", patch.price)?;
        Ok(patch)
    }
}

/// Changes to a chapter; its course is fixed at creation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChapterPatch {
    /// The course (creation only).
    pub course_id: Option<i64>,
    /// The chapter number, 1 to 999.
    pub chapter: Option<i32>,
    /// Up to 128 characters.
    pub name: Option<String>,
    /// Free text.
    pub summary: Nullable<String>,
    /// Display order.
    pub orders: Option<i32>,
    /// Published.
    pub is_show: Option<bool>,
}

impl ChapterPatch {
    fn parse_with(body: &Value, new: bool) -> Result<Self, DomainError> {
        let mut fields = Fields::new(body)?;
        if !new && fields.has("course_id") {
            return Err(DomainError::invalid("course_id", "cannot be changed"));
        }
        let patch = Self {
            course_id: if new { fields.id("course_id")? } else { None },
            chapter: fields.small("chapter", 1, 999)?,
            name: fields.text("name", 128)?,
            summary: fields.nullable_text("summary", 4096)?,
            orders: fields.small("orders", 0, MAX_ORDERS)?,
            is_show: fields.bool("is_show")?,
        };
        fields.finish()?;
        Ok(patch)
    }

    /// Parses a partial update (`course_id` may not change).
    pub fn parse(body: &Value) -> Result<Self, DomainError> {
        Self::parse_with(body, false)
    }

    /// Parses a creation: `course_id` and `name` are required.
    pub fn parse_new(body: &Value) -> Result<Self, DomainError> {
        let patch = Self::parse_with(body, true)?;
        required("course_id", patch.course_id)?;
        required("name", patch.name.as_ref())?;
        Ok(patch)
    }
}

/// Changes to a section; its chapter is fixed at creation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SectionPatch {
    /// The chapter (creation only).
    pub chapter_id: Option<i64>,
    /// Up to 128 characters.
    pub name: Option<String>,
    /// Document, exercise or video.
    pub section_type: Option<SectionType>,
    /// The video id or document link, up to 255 characters.
    pub section_link: Nullable<String>,
    /// Display text such as `12:30`, up to 32 characters.
    pub duration: Nullable<String>,
    /// Free to watch before buying.
    pub free_trail: Option<bool>,
    /// Position inside the chapter, 0 to 32767.
    pub orders: Option<i32>,
    /// Published.
    pub is_show: Option<bool>,
}

impl SectionPatch {
    fn parse_with(body: &Value, new: bool) -> Result<Self, DomainError> {
        let mut fields = Fields::new(body)?;
        if !new && fields.has("chapter_id") {
            return Err(DomainError::invalid("chapter_id", "cannot be changed"));
        }
        let patch = Self {
            chapter_id: if new { fields.id("chapter_id")? } else { None },
            name: fields.text("name", 128)?,
            section_type: fields.choice("section_type", SectionType::from_code)?,
            section_link: fields.nullable_text("section_link", 255)?,
            duration: fields.nullable_text("duration", 32)?,
            free_trail: fields.bool("free_trail")?,
            orders: fields.small("orders", 0, 32767)?,
            is_show: fields.bool("is_show")?,
        };
        fields.finish()?;
        Ok(patch)
    }

    /// Parses a partial update (`chapter_id` may not change).
    pub fn parse(body: &Value) -> Result<Self, DomainError> {
        Self::parse_with(body, false)
    }

    /// Parses a creation: `chapter_id` and `name` are required.
    pub fn parse_new(body: &Value) -> Result<Self, DomainError> {
        let patch = Self::parse_with(body, true)?;
        required("chapter_id", patch.chapter_id)?;
        required("name", patch.name.as_ref())?;
        Ok(patch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn course_creation_needs_name_and_price() {
        let err = CoursePatch::parse_new(&json!({"price": "9.90"})).unwrap_err();
        assert_eq!(err.to_string(), "name: is required");
        let err = CoursePatch::parse_new(&json!({"name": "Go"})).unwrap_err();
        assert_eq!(err.to_string(), "price: is required");
        let patch =
            CoursePatch::parse_new(&json!({"name": "Go", "price": 9.9, "teacher_id": null}))
                .unwrap();
        assert_eq!(patch.price.unwrap().fen(), 990);
        assert_eq!(patch.teacher_id, Some(None));
    }

    #[test]
    fn fixed_parents_cannot_move() {
        let err = ChapterPatch::parse(&json!({"course_id": 2})).unwrap_err();
        assert_eq!(err.to_string(), "course_id: cannot be changed");
        let err = SectionPatch::parse(&json!({"chapter_id": 2})).unwrap_err();
        assert_eq!(err.to_string(), "chapter_id: cannot be changed");
    }
}
