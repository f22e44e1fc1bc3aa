//! The catalog's rows, as stored.

use crate::schema::{
    luffy_course, luffy_course_category, luffy_course_chapter, luffy_course_section, luffy_teacher,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A teacher.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = luffy_teacher)]
pub struct TeacherRow {
    pub id: i64,
    pub name: String,
    pub role: i32,
    pub title: String,
    pub signature: Option<String>,
    pub image: Option<String>,
    pub brief: String,
    pub is_show: bool,
    pub is_delete: bool,
    pub orders: i32,
    pub created_time: NaiveDateTime,
    pub updated_time: NaiveDateTime,
}

/// A course category.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = luffy_course_category)]
pub struct CategoryRow {
    pub id: i64,
    pub name: String,
    pub is_show: bool,
    pub is_delete: bool,
    pub orders: i32,
    pub created_time: NaiveDateTime,
    pub updated_time: NaiveDateTime,
}

/// A course. `price` is in fen.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = luffy_course)]
pub struct CourseRow {
    pub id: i64,
    pub name: String,
    pub search_name: String,
    pub course_img: Option<String>,
    pub course_type: i32,
    pub brief: Option<String>,
    pub level: i32,
    pub pub_date: NaiveDateTime,
    pub period: i32,
    pub attachment_path: Option<String>,
    pub status: i32,
    pub students: i32,
    pub sections: i32,
    pub pub_sections: i32,
    pub price: i64,
    pub teacher_id: Option<i64>,
    pub course_category_id: Option<i64>,
    pub is_show: bool,
    pub is_delete: bool,
    pub orders: i32,
    pub created_time: NaiveDateTime,
    pub updated_time: NaiveDateTime,
}

/// A chapter of a course.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = luffy_course_chapter)]
pub struct ChapterRow {
    pub id: i64,
    pub course_id: i64,
    pub chapter: i32,
    pub name: String,
    pub summary: Option<String>,
    pub pub_date: NaiveDateTime,
    pub is_show: bool,
    pub is_delete: bool,
    pub orders: i32,
    pub created_time: NaiveDateTime,
    pub updated_time: NaiveDateTime,
}

/// A section of a chapter.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = luffy_course_section)]
pub struct SectionRow {
    pub id: i64,
    pub chapter_id: i64,
    pub course_id: i64,
    pub name: String,
    pub section_type: i32,
    pub section_link: Option<String>,
    pub duration: Option<String>,
    pub free_trail: bool,
    pub pub_date: NaiveDateTime,
    pub is_show: bool,
    pub is_delete: bool,
    pub orders: i32,
    pub created_time: NaiveDateTime,
    pub updated_time: NaiveDateTime,
}

/// One of the first sections of a course, as the course list shows them.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct SectionPreview {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub course_id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub name: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub section_link: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub duration: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub free_trail: bool,
}

/// A course with what its JSON needs: the teacher and at most four sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseListing {
    pub course: CourseRow,
    pub teacher: Option<TeacherRow>,
    pub sections: Vec<SectionPreview>,
}

/// A chapter with its visible sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChapterListing {
    pub chapter: ChapterRow,
    pub sections: Vec<SectionRow>,
}
