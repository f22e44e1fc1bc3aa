//! The staff's changes to teachers, categories and courses. Each runs inside the caller's
//! transaction; references are checked (unknown or deleted rows are refused with the field's
//! name), deletion is soft, and a course's search entries follow its name.

use super::rows::{CategoryRow, CourseRow, TeacherRow};
use crate::schema::{luffy_course, luffy_course_category, luffy_course_gram, luffy_teacher};
use crate::{DbConnection, DbError, last_insert_id};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use luffy_domain::DomainError;
use luffy_domain::catalog::{CategoryPatch, CoursePatch, TeacherPatch, search_key, short_grams};

#[derive(Debug, AsChangeset)]
#[diesel(table_name = luffy_teacher)]
struct TeacherChanges {
    name: Option<String>,
    role: Option<i32>,
    title: Option<String>,
    signature: Option<Option<String>>,
    image: Option<Option<String>>,
    brief: Option<String>,
    orders: Option<i32>,
    is_show: Option<bool>,
    is_delete: Option<bool>,
    updated_time: NaiveDateTime,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = luffy_course_category)]
struct CategoryChanges {
    name: Option<String>,
    orders: Option<i32>,
    is_show: Option<bool>,
    is_delete: Option<bool>,
    updated_time: NaiveDateTime,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = luffy_course)]
struct CourseChanges {
    name: Option<String>,
    search_name: Option<String>,
    course_img: Option<Option<String>>,
    course_type: Option<i32>,
    brief: Option<Option<String>>,
    level: Option<i32>,
    period: Option<i32>,
    attachment_path: Option<Option<String>>,
    status: Option<i32>,
    price: Option<i64>,
    teacher_id: Option<Option<i64>>,
    course_category_id: Option<Option<i64>>,
    orders: Option<i32>,
    is_show: Option<bool>,
    is_delete: Option<bool>,
    updated_time: NaiveDateTime,
}

pub(super) fn refused(field: &'static str, message: &str) -> DbError {
    DomainError::invalid(field, message).into()
}

impl TeacherRow {
    /// Creates a teacher from a patch that has `name` and `title`.
    pub fn create(
        conn: &mut DbConnection,
        patch: &TeacherPatch,
        now: NaiveDateTime,
    ) -> Result<TeacherRow, DbError> {
        diesel::insert_into(luffy_teacher::table)
            .values((
                luffy_teacher::name.eq(patch.name.clone().unwrap_or_default()),
                luffy_teacher::role.eq(patch.role.unwrap_or_default().code()),
                luffy_teacher::title.eq(patch.title.clone().unwrap_or_default()),
                luffy_teacher::signature.eq(patch.signature.clone().flatten()),
                luffy_teacher::image.eq(patch.image.clone().flatten()),
                luffy_teacher::brief.eq(patch.brief.clone().unwrap_or_default()),
                luffy_teacher::orders.eq(patch.orders.unwrap_or(0)),
                luffy_teacher::is_show.eq(patch.is_show.unwrap_or(true)),
                luffy_teacher::is_delete.eq(false),
                luffy_teacher::created_time.eq(now),
                luffy_teacher::updated_time.eq(now),
            ))
            .execute(conn)?;
        let id = last_insert_id(conn)?;
        Self::live(conn, id)
    }

    /// A teacher that is not deleted.
    pub fn live(conn: &mut DbConnection, id: i64) -> Result<TeacherRow, DbError> {
        luffy_teacher::table
            .find(id)
            .filter(luffy_teacher::is_delete.eq(false))
            .select(TeacherRow::as_select())
            .first(conn)
            .optional()?
            .ok_or(DbError::NotFound("teacher"))
    }

    /// Applies `patch` (or deletes, softly, with `delete`).
    pub fn update(
        conn: &mut DbConnection,
        id: i64,
        patch: &TeacherPatch,
        delete: bool,
        now: NaiveDateTime,
    ) -> Result<TeacherRow, DbError> {
        Self::live(conn, id)?;
        diesel::update(luffy_teacher::table.find(id))
            .set(TeacherChanges {
                name: patch.name.clone(),
                role: patch.role.map(|role| role.code()),
                title: patch.title.clone(),
                signature: patch.signature.clone(),
                image: patch.image.clone(),
                brief: patch.brief.clone(),
                orders: patch.orders,
                is_show: patch.is_show,
                is_delete: delete.then_some(true),
                updated_time: now,
            })
            .execute(conn)?;
        if delete {
            return luffy_teacher::table
                .find(id)
                .select(TeacherRow::as_select())
                .first(conn)
                .map_err(DbError::from);
        }
        Self::live(conn, id)
    }
}

impl CategoryRow {
    /// Creates a category from a patch that has `name`; names are unique.
    pub fn create(
        conn: &mut DbConnection,
        patch: &CategoryPatch,
        now: NaiveDateTime,
    ) -> Result<CategoryRow, DbError> {
        let name = patch.name.clone().unwrap_or_default();
        Self::check_name_free(conn, &name, None)?;
        diesel::insert_into(luffy_course_category::table)
            .values((
                luffy_course_category::name.eq(name),
                luffy_course_category::orders.eq(patch.orders.unwrap_or(0)),
                luffy_course_category::is_show.eq(patch.is_show.unwrap_or(true)),
                luffy_course_category::is_delete.eq(false),
                luffy_course_category::created_time.eq(now),
                luffy_course_category::updated_time.eq(now),
            ))
            .execute(conn)?;
        let id = last_insert_id(conn)?;
        Self::live(conn, id)
    }

    fn check_name_free(
        conn: &mut DbConnection,
        name: &str,
        except: Option<i64>,
    ) -> Result<(), DbError> {
        let taken: i64 = luffy_course_category::table
            .filter(luffy_course_category::name.eq(name))
            .filter(luffy_course_category::id.ne(except.unwrap_or(0)))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            return Err(refused("name", "a category with this name exists"));
        }
        Ok(())
    }

    /// A category that is not deleted.
    pub fn live(conn: &mut DbConnection, id: i64) -> Result<CategoryRow, DbError> {
        luffy_course_category::table
            .find(id)
            .filter(luffy_course_category::is_delete.eq(false))
            .select(CategoryRow::as_select())
            .first(conn)
            .optional()?
            .ok_or(DbError::NotFound("category"))
    }

    /// Applies `patch` (or deletes, softly, with `delete`).
    pub fn update(
        conn: &mut DbConnection,
        id: i64,
        patch: &CategoryPatch,
        delete: bool,
        now: NaiveDateTime,
    ) -> Result<CategoryRow, DbError> {
        let before = Self::live(conn, id)?;
        if let Some(name) = &patch.name {
            Self::check_name_free(conn, name, Some(id))?;
        }
        diesel::update(luffy_course_category::table.find(id))
            .set(CategoryChanges {
                name: patch.name.clone(),
                orders: patch.orders,
                is_show: patch.is_show,
                is_delete: delete.then_some(true),
                updated_time: now,
            })
            .execute(conn)?;
        if delete {
            return Ok(CategoryRow {
                is_delete: true,
                updated_time: now,
                ..before
            });
        }
        Self::live(conn, id)
    }
}

fn check_course_refs(conn: &mut DbConnection, patch: &CoursePatch) -> Result<(), DbError> {
    if let Some(Some(teacher)) = patch.teacher_id {
        TeacherRow::live(conn, teacher).map_err(|_| refused("teacher_id", "no such teacher"))?;
    }
    if let Some(Some(category)) = patch.course_category_id {
        CategoryRow::live(conn, category)
            .map_err(|_| refused("course_category_id", "no such category"))?;
    }
    Ok(())
}

impl CourseRow {
    /// Creates a course from a patch that has `name` and `price`.
    pub fn create(
        conn: &mut DbConnection,
        patch: &CoursePatch,
        now: NaiveDateTime,
    ) -> Result<CourseRow, DbError> {
        check_course_refs(conn, patch)?;
        let name = patch.name.clone().unwrap_or_default();
        diesel::insert_into(luffy_course::table)
            .values((
                luffy_course::search_name.eq(search_key(&name)),
                luffy_course::name.eq(name),
                luffy_course::course_img.eq(patch.course_img.clone().flatten()),
                luffy_course::course_type.eq(patch.course_type.unwrap_or_default().code()),
                luffy_course::brief.eq(patch.brief.clone().flatten()),
                luffy_course::level.eq(patch.level.unwrap_or_default().code()),
                luffy_course::pub_date.eq(now),
                luffy_course::period.eq(patch.period.unwrap_or(7)),
                luffy_course::attachment_path.eq(patch.attachment_path.clone().flatten()),
                luffy_course::status.eq(patch.status.unwrap_or_default().code()),
                luffy_course::students.eq(0),
                luffy_course::sections.eq(0),
                luffy_course::pub_sections.eq(0),
                luffy_course::price.eq(patch.price.map(|price| price.fen()).unwrap_or(0)),
                luffy_course::teacher_id.eq(patch.teacher_id.flatten()),
                luffy_course::course_category_id.eq(patch.course_category_id.flatten()),
                luffy_course::is_show.eq(patch.is_show.unwrap_or(true)),
                luffy_course::is_delete.eq(false),
                luffy_course::orders.eq(patch.orders.unwrap_or(0)),
                luffy_course::created_time.eq(now),
                luffy_course::updated_time.eq(now),
            ))
            .execute(conn)?;
        let id = last_insert_id(conn)?;
        Self::index_name(
            conn,
            id,
            &search_key(patch.name.as_deref().unwrap_or_default()),
        )?;
        Self::live(conn, id)
    }

    /// Replaces the course's short-term search entries with those of `key`.
    fn index_name(conn: &mut DbConnection, id: i64, key: &str) -> Result<(), DbError> {
        diesel::delete(luffy_course_gram::table.filter(luffy_course_gram::course_id.eq(id)))
            .execute(conn)?;
        let rows: Vec<_> = short_grams(key)
            .into_iter()
            .map(|gram| {
                (
                    luffy_course_gram::gram.eq(gram),
                    luffy_course_gram::course_id.eq(id),
                )
            })
            .collect();
        for row in rows {
            diesel::insert_into(luffy_course_gram::table)
                .values(row)
                .execute(conn)?;
        }
        Ok(())
    }

    /// A course that is not deleted (hidden ones included).
    pub fn live(conn: &mut DbConnection, id: i64) -> Result<CourseRow, DbError> {
        luffy_course::table
            .find(id)
            .filter(luffy_course::is_delete.eq(false))
            .select(CourseRow::as_select())
            .first(conn)
            .optional()?
            .ok_or(DbError::NotFound("course"))
    }

    /// Applies `patch` (or deletes, softly, with `delete`). The search index follows the name.
    pub fn update(
        conn: &mut DbConnection,
        id: i64,
        patch: &CoursePatch,
        delete: bool,
        now: NaiveDateTime,
    ) -> Result<CourseRow, DbError> {
        let before = Self::live(conn, id)?;
        check_course_refs(conn, patch)?;
        diesel::update(luffy_course::table.find(id))
            .set(CourseChanges {
                name: patch.name.clone(),
                search_name: patch.name.as_deref().map(search_key),
                course_img: patch.course_img.clone(),
                course_type: patch.course_type.map(|value| value.code()),
                brief: patch.brief.clone(),
                level: patch.level.map(|value| value.code()),
                period: patch.period,
                attachment_path: patch.attachment_path.clone(),
                status: patch.status.map(|value| value.code()),
                price: patch.price.map(|price| price.fen()),
                teacher_id: patch.teacher_id,
                course_category_id: patch.course_category_id,
                orders: patch.orders,
                is_show: patch.is_show,
                is_delete: delete.then_some(true),
                updated_time: now,
            })
            .execute(conn)?;
        if let Some(name) = &patch.name {
            Self::index_name(conn, id, &search_key(name))?;
        }
        if delete {
            return Ok(CourseRow {
                is_delete: true,
                updated_time: now,
                ..before
            });
        }
        Self::live(conn, id)
    }

    /// Recomputes `sections` (not deleted) and `pub_sections` (also published, in a published
    /// chapter) of one course.
    pub fn refresh_section_counts(conn: &mut DbConnection, id: i64) -> Result<(), DbError> {
        // An integer id formatted into the text: raw SQL placeholders differ between backends.
        diesel::sql_query(format!("{COUNTS_UPDATE} WHERE id = {id}")).execute(conn)?;
        Ok(())
    }

    /// Recomputes the section counters of every course.
    pub fn refresh_all_section_counts(conn: &mut DbConnection) -> Result<(), DbError> {
        diesel::sql_query(COUNTS_UPDATE).execute(conn)?;
        Ok(())
    }
}

/// Sets both counters from the sections table; the caller adds the `WHERE`.
const COUNTS_UPDATE: &str = "UPDATE luffy_course SET \
    sections = (SELECT COUNT(*) FROM luffy_course_section s \
        JOIN luffy_course_chapter c ON c.id = s.chapter_id \
        WHERE s.course_id = luffy_course.id AND NOT s.is_delete AND NOT c.is_delete), \
    pub_sections = (SELECT COUNT(*) FROM luffy_course_section s \
        JOIN luffy_course_chapter c ON c.id = s.chapter_id \
        WHERE s.course_id = luffy_course.id AND NOT s.is_delete AND NOT c.is_delete \
          AND s.is_show AND c.is_show)";
