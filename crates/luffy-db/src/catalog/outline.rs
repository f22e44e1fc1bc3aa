//! The staff's changes to chapters and sections: each keeps its course's `sections` and
//! `pub_sections` counters right, in the same transaction.

use super::rows::{ChapterRow, CourseRow, SectionRow};
use super::write::refused;
use crate::schema::{luffy_course_chapter, luffy_course_section};
use crate::{DbConnection, DbError, last_insert_id};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use luffy_domain::catalog::{ChapterPatch, SectionPatch};

#[derive(Debug, AsChangeset)]
#[diesel(table_name = luffy_course_chapter)]
struct ChapterChanges {
    chapter: Option<i32>,
    name: Option<String>,
    summary: Option<Option<String>>,
    orders: Option<i32>,
    is_show: Option<bool>,
    is_delete: Option<bool>,
    updated_time: NaiveDateTime,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = luffy_course_section)]
struct SectionChanges {
    name: Option<String>,
    section_type: Option<i32>,
    section_link: Option<Option<String>>,
    duration: Option<Option<String>>,
    free_trail: Option<bool>,
    orders: Option<i32>,
    is_show: Option<bool>,
    is_delete: Option<bool>,
    updated_time: NaiveDateTime,
}

impl ChapterRow {
    /// Creates a chapter of a course that is not deleted.
    pub fn create(
        conn: &mut DbConnection,
        patch: &ChapterPatch,
        now: NaiveDateTime,
    ) -> Result<ChapterRow, DbError> {
        let course_id = patch.course_id.unwrap_or(0);
        CourseRow::live(conn, course_id).map_err(|_| refused("course_id", "no such course"))?;
        diesel::insert_into(luffy_course_chapter::table)
            .values((
                luffy_course_chapter::course_id.eq(course_id),
                luffy_course_chapter::chapter.eq(patch.chapter.unwrap_or(1)),
                luffy_course_chapter::name.eq(patch.name.clone().unwrap_or_default()),
                luffy_course_chapter::summary.eq(patch.summary.clone().flatten()),
                luffy_course_chapter::pub_date.eq(now),
                luffy_course_chapter::is_show.eq(patch.is_show.unwrap_or(true)),
                luffy_course_chapter::is_delete.eq(false),
                luffy_course_chapter::orders.eq(patch.orders.unwrap_or(0)),
                luffy_course_chapter::created_time.eq(now),
                luffy_course_chapter::updated_time.eq(now),
            ))
            .execute(conn)?;
        let id = last_insert_id(conn)?;
        Self::live(conn, id)
    }

    /// A chapter that is not deleted.
    pub fn live(conn: &mut DbConnection, id: i64) -> Result<ChapterRow, DbError> {
        luffy_course_chapter::table
            .find(id)
            .filter(luffy_course_chapter::is_delete.eq(false))
            .select(ChapterRow::as_select())
            .first(conn)
            .optional()?
            .ok_or(DbError::NotFound("chapter"))
    }

    /// Applies `patch` (or deletes, softly, with `delete`) and refreshes the course's counters.
    pub fn update(
        conn: &mut DbConnection,
        id: i64,
        patch: &ChapterPatch,
        delete: bool,
        now: NaiveDateTime,
    ) -> Result<ChapterRow, DbError> {
        let before = Self::live(conn, id)?;
        diesel::update(luffy_course_chapter::table.find(id))
            .set(ChapterChanges {
                chapter: patch.chapter,
                name: patch.name.clone(),
                summary: patch.summary.clone(),
                orders: patch.orders,
                is_show: patch.is_show,
                is_delete: delete.then_some(true),
                updated_time: now,
            })
            .execute(conn)?;
        CourseRow::refresh_section_counts(conn, before.course_id)?;
        if delete {
            return Ok(ChapterRow {
                is_delete: true,
                updated_time: now,
                ..before
            });
        }
        Self::live(conn, id)
    }
}

impl SectionRow {
    /// Creates a section of a chapter that is not deleted and refreshes the course's counters.
    pub fn create(
        conn: &mut DbConnection,
        patch: &SectionPatch,
        now: NaiveDateTime,
    ) -> Result<SectionRow, DbError> {
        let chapter = ChapterRow::live(conn, patch.chapter_id.unwrap_or(0))
            .map_err(|_| refused("chapter_id", "no such chapter"))?;
        diesel::insert_into(luffy_course_section::table)
            .values((
                luffy_course_section::chapter_id.eq(chapter.id),
                luffy_course_section::course_id.eq(chapter.course_id),
                luffy_course_section::name.eq(patch.name.clone().unwrap_or_default()),
                luffy_course_section::section_type
                    .eq(patch.section_type.unwrap_or_default().code()),
                luffy_course_section::section_link.eq(patch.section_link.clone().flatten()),
                luffy_course_section::duration.eq(patch.duration.clone().flatten()),
                luffy_course_section::free_trail.eq(patch.free_trail.unwrap_or(false)),
                luffy_course_section::pub_date.eq(now),
                luffy_course_section::is_show.eq(patch.is_show.unwrap_or(true)),
                luffy_course_section::is_delete.eq(false),
                luffy_course_section::orders.eq(patch.orders.unwrap_or(0)),
                luffy_course_section::created_time.eq(now),
                luffy_course_section::updated_time.eq(now),
            ))
            .execute(conn)?;
        let id = last_insert_id(conn)?;
        CourseRow::refresh_section_counts(conn, chapter.course_id)?;
        Self::live(conn, id)
    }

    /// A section that is not deleted.
    pub fn live(conn: &mut DbConnection, id: i64) -> Result<SectionRow, DbError> {
        luffy_course_section::table
            .find(id)
            .filter(luffy_course_section::is_delete.eq(false))
            .select(SectionRow::as_select())
            .first(conn)
            .optional()?
            .ok_or(DbError::NotFound("section"))
    }

    /// Applies `patch` (or deletes, softly, with `delete`) and refreshes the course's counters.
    pub fn update(
        conn: &mut DbConnection,
        id: i64,
        patch: &SectionPatch,
        delete: bool,
        now: NaiveDateTime,
    ) -> Result<SectionRow, DbError> {
        let before = Self::live(conn, id)?;
        diesel::update(luffy_course_section::table.find(id))
            .set(SectionChanges {
                name: patch.name.clone(),
                section_type: patch.section_type.map(|value| value.code()),
                section_link: patch.section_link.clone(),
                duration: patch.duration.clone(),
                free_trail: patch.free_trail,
                orders: patch.orders,
                is_show: patch.is_show,
                is_delete: delete.then_some(true),
                updated_time: now,
            })
            .execute(conn)?;
        CourseRow::refresh_section_counts(conn, before.course_id)?;
        if delete {
            return Ok(SectionRow {
                is_delete: true,
                updated_time: now,
                ..before
            });
        }
        Self::live(conn, id)
    }
}
