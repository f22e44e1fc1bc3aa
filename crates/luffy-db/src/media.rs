//! Uploaded media: attaching a stored object to its catalog row, and the keys the catalog uses.

use crate::banner::BannerRow;
use crate::schema::{
    luffy_banner, luffy_course, luffy_course_section, luffy_media_object, luffy_teacher,
};
use crate::{DbConnection, DbError, write_transaction};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use luffy_domain::media::{MediaTarget, StoredObject};

/// What was recorded of an attached object.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = luffy_media_object)]
pub struct MediaObjectRow {
    /// The object key.
    pub key: String,
    /// `section`, `course_image` or `teacher_image`.
    pub target: String,
    /// The id of the row it is attached to.
    pub target_id: i64,
    /// Size in bytes, as stored.
    pub size: i64,
    /// The storage's etag.
    pub etag: String,
    /// The MIME type.
    pub mime: String,
    /// When it was attached.
    pub attached_at: NaiveDateTime,
}

/// A key the catalog refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaReference {
    /// Where the key is used.
    pub target: MediaTarget,
    /// The key (or whatever text the field holds).
    pub key: String,
}

/// Queries on uploaded media.
#[derive(Debug)]
pub struct Media;

fn target_name(target: MediaTarget) -> &'static str {
    match target {
        MediaTarget::SectionVideo(_) => "section",
        MediaTarget::CourseImage(_) => "course_image",
        MediaTarget::TeacherImage(_) => "teacher_image",
        MediaTarget::BannerImage(_) => "banner_image",
    }
}

impl Media {
    /// Whether the section, course, teacher or banner exists and is not deleted.
    pub fn target_exists(conn: &mut DbConnection, target: MediaTarget) -> Result<bool, DbError> {
        let id = target.id();
        let found: Option<i64> = match target {
            MediaTarget::SectionVideo(_) => luffy_course_section::table
                .find(id)
                .filter(luffy_course_section::is_delete.eq(false))
                .select(luffy_course_section::id)
                .first(conn)
                .optional()?,
            MediaTarget::CourseImage(_) => luffy_course::table
                .find(id)
                .filter(luffy_course::is_delete.eq(false))
                .select(luffy_course::id)
                .first(conn)
                .optional()?,
            MediaTarget::TeacherImage(_) => luffy_teacher::table
                .find(id)
                .filter(luffy_teacher::is_delete.eq(false))
                .select(luffy_teacher::id)
                .first(conn)
                .optional()?,
            MediaTarget::BannerImage(_) => luffy_banner::table
                .find(id)
                .filter(luffy_banner::is_delete.eq(false))
                .select(luffy_banner::id)
                .first(conn)
                .optional()?,
        };
        Ok(found.is_some())
    }

    /// Points the target's field at `object` and records the object, in one transaction.
    /// Attaching the same object again changes nothing; a deleted or unknown target is
    /// `NotFound` and nothing is written.
    pub fn attach(
        conn: &mut DbConnection,
        target: MediaTarget,
        object: &StoredObject,
        now: NaiveDateTime,
    ) -> Result<(), DbError> {
        let key = object.key.as_str();
        let size = i64::try_from(object.size)
            .map_err(|_| DbError::Corrupt(format!("object size {}", object.size)))?;
        write_transaction(conn, |conn| {
            let id = target.id();
            // The conditional update also locks the row on PostgreSQL, so two callbacks for
            // the same key take turns.
            let updated = match target {
                MediaTarget::SectionVideo(_) => diesel::update(
                    luffy_course_section::table
                        .find(id)
                        .filter(luffy_course_section::is_delete.eq(false)),
                )
                .set((
                    luffy_course_section::section_link.eq(key),
                    luffy_course_section::updated_time.eq(now),
                ))
                .execute(conn)?,
                MediaTarget::CourseImage(_) => diesel::update(
                    luffy_course::table
                        .find(id)
                        .filter(luffy_course::is_delete.eq(false)),
                )
                .set((
                    luffy_course::course_img.eq(key),
                    luffy_course::updated_time.eq(now),
                ))
                .execute(conn)?,
                MediaTarget::TeacherImage(_) => diesel::update(
                    luffy_teacher::table
                        .find(id)
                        .filter(luffy_teacher::is_delete.eq(false)),
                )
                .set((
                    luffy_teacher::image.eq(key),
                    luffy_teacher::updated_time.eq(now),
                ))
                .execute(conn)?,
                MediaTarget::BannerImage(_) => {
                    usize::from(BannerRow::set_image(conn, id, key, now)?)
                }
            };
            if updated == 0 {
                return Err(DbError::NotFound(match target {
                    MediaTarget::SectionVideo(_) => "section",
                    MediaTarget::CourseImage(_) => "course",
                    MediaTarget::TeacherImage(_) => "teacher",
                    MediaTarget::BannerImage(_) => "banner",
                }));
            }
            let values = (
                luffy_media_object::target.eq(target_name(target)),
                luffy_media_object::target_id.eq(id),
                luffy_media_object::size.eq(size),
                luffy_media_object::etag.eq(&object.etag),
                luffy_media_object::mime.eq(&object.mime),
            );
            let changed = diesel::update(luffy_media_object::table.find(key))
                .set(values)
                .execute(conn)?;
            if changed == 0 {
                diesel::insert_into(luffy_media_object::table)
                    .values((
                        luffy_media_object::key.eq(key),
                        values,
                        luffy_media_object::attached_at.eq(now),
                    ))
                    .execute(conn)?;
            }
            Ok(())
        })
    }

    /// Every media key of the live catalog: section videos, course, teacher and banner images.
    /// Absolute URLs (media kept elsewhere) are left out.
    pub fn references(conn: &mut DbConnection) -> Result<Vec<MediaReference>, DbError> {
        let sections: Vec<(i64, Option<String>)> = luffy_course_section::table
            .filter(luffy_course_section::is_delete.eq(false))
            .filter(luffy_course_section::section_link.is_not_null())
            .select((luffy_course_section::id, luffy_course_section::section_link))
            .order(luffy_course_section::id)
            .load(conn)?;
        let courses: Vec<(i64, Option<String>)> = luffy_course::table
            .filter(luffy_course::is_delete.eq(false))
            .filter(luffy_course::course_img.is_not_null())
            .select((luffy_course::id, luffy_course::course_img))
            .order(luffy_course::id)
            .load(conn)?;
        let teachers: Vec<(i64, Option<String>)> = luffy_teacher::table
            .filter(luffy_teacher::is_delete.eq(false))
            .filter(luffy_teacher::image.is_not_null())
            .select((luffy_teacher::id, luffy_teacher::image))
            .order(luffy_teacher::id)
            .load(conn)?;
        let banners: Vec<(i64, String)> = luffy_banner::table
            .filter(luffy_banner::is_delete.eq(false))
            .select((luffy_banner::id, luffy_banner::image))
            .order(luffy_banner::id)
            .load(conn)?;
        let tagged = sections
            .into_iter()
            .map(|(id, key)| (MediaTarget::SectionVideo(id), key))
            .chain(
                courses
                    .into_iter()
                    .map(|(id, key)| (MediaTarget::CourseImage(id), key)),
            )
            .chain(
                teachers
                    .into_iter()
                    .map(|(id, key)| (MediaTarget::TeacherImage(id), key)),
            )
            .chain(
                banners
                    .into_iter()
                    .map(|(id, key)| (MediaTarget::BannerImage(id), Some(key))),
            );
        Ok(tagged
            .filter_map(|(target, key)| {
                let key = key?.trim().to_owned();
                let external = key.is_empty() || key.contains("://");
                (!external).then_some(MediaReference { target, key })
            })
            .collect())
    }

    /// The recorded objects among `keys`.
    pub fn recorded(
        conn: &mut DbConnection,
        keys: &[String],
    ) -> Result<Vec<MediaObjectRow>, DbError> {
        let mut rows = Vec::new();
        for chunk in keys.chunks(500) {
            rows.extend(
                luffy_media_object::table
                    .filter(luffy_media_object::key.eq_any(chunk))
                    .select(MediaObjectRow::as_select())
                    .load(conn)?,
            );
        }
        Ok(rows)
    }
}
