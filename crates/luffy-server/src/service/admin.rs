//! The staff's catalog edits: one generic flow (parse, write in a transaction, answer the row)
//! over the five kinds of catalog rows and the home page's banners.

use crate::api::ApiError;
use crate::state::AppState;
use chrono::NaiveDateTime;
use luffy_db::banner::BannerRow;
use luffy_db::catalog::{CategoryRow, ChapterRow, CourseRow, SectionRow, TeacherRow};
use luffy_db::{DbConnection, DbError, write_transaction};
use luffy_domain::banner::BannerPatch;
use luffy_domain::catalog::{CategoryPatch, ChapterPatch, CoursePatch, SectionPatch, TeacherPatch};
use luffy_domain::{DomainError, Money};
use serde_json::{Value, json};

/// A kind of catalog row the staff can edit.
pub trait Editable: Sized + Send + 'static {
    /// Its patch type.
    type Patch: Default + Send + 'static;
    /// Parses a creation.
    fn parse_new(body: &Value) -> Result<Self::Patch, DomainError>;
    /// Parses a partial update.
    fn parse(body: &Value) -> Result<Self::Patch, DomainError>;
    /// A patch that only sets the publish flag.
    fn visibility(is_show: bool) -> Self::Patch;
    /// Inserts a row.
    fn create(
        conn: &mut DbConnection,
        patch: &Self::Patch,
        now: NaiveDateTime,
    ) -> Result<Self, DbError>;
    /// Updates (or softly deletes) a row.
    fn update(
        conn: &mut DbConnection,
        id: i64,
        patch: &Self::Patch,
        delete: bool,
        now: NaiveDateTime,
    ) -> Result<Self, DbError>;
    /// The staff's view of the row.
    fn to_json(&self, state: &AppState) -> Value;
}

/// What to do with a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// Change the given fields.
    Update,
    /// Mark it deleted.
    Delete,
}

/// Creates a row of kind `E` from `body`.
pub fn create<E: Editable>(state: &AppState, body: &Value) -> Result<Value, ApiError> {
    let patch = E::parse_new(body)?;
    let now = state.clock.now().naive_utc();
    let mut conn = luffy_db::connection(&state.pool)?;
    let row = write_transaction(&mut conn, |conn| E::create(conn, &patch, now))?;
    Ok(row.to_json(state))
}

/// Applies `patch` to row `id` of kind `E`.
pub fn apply<E: Editable>(
    state: &AppState,
    id: i64,
    patch: E::Patch,
    edit: Edit,
) -> Result<Value, ApiError> {
    let now = state.clock.now().naive_utc();
    let mut conn = luffy_db::connection(&state.pool)?;
    let row = write_transaction(&mut conn, |conn| {
        E::update(conn, id, &patch, edit == Edit::Delete, now)
    })?;
    Ok(row.to_json(state))
}

fn time(value: NaiveDateTime) -> String {
    value.format("%Y-%m-%dT%H:%M:%S").to_string()
}

macro_rules! editable {
    ($row:ty, $patch:ty, |$this:ident, $state:ident| $json:expr) => {
        impl Editable for $row {
            type Patch = $patch;
            fn parse_new(body: &Value) -> Result<$patch, DomainError> {
                <$patch>::parse_new(body)
            }
            fn parse(body: &Value) -> Result<$patch, DomainError> {
                <$patch>::parse(body)
            }
            fn visibility(is_show: bool) -> $patch {
                <$patch>::default().with_show(is_show)
            }
            fn create(
                conn: &mut DbConnection,
                patch: &$patch,
                now: NaiveDateTime,
            ) -> Result<Self, DbError> {
                <$row>::create(conn, patch, now)
            }
            fn update(
                conn: &mut DbConnection,
                id: i64,
                patch: &$patch,
                delete: bool,
                now: NaiveDateTime,
            ) -> Result<Self, DbError> {
                <$row>::update(conn, id, patch, delete, now)
            }
            fn to_json(&self, $state: &AppState) -> Value {
                let $this = self;
                $json
            }
        }
    };
}

/// Sets only the publish flag of a patch.
trait WithShow {
    fn with_show(self, is_show: bool) -> Self;
}

macro_rules! with_show {
    ($($patch:ty),*) => {$(
        impl WithShow for $patch {
            fn with_show(self, is_show: bool) -> Self {
                Self { is_show: Some(is_show), ..self }
            }
        }
    )*};
}

with_show!(
    TeacherPatch,
    CategoryPatch,
    CoursePatch,
    ChapterPatch,
    SectionPatch,
    BannerPatch
);

editable!(TeacherRow, TeacherPatch, |row, state| json!({
    "id": row.id, "name": row.name, "role": row.role, "title": row.title,
    "signature": row.signature, "image": state.media_url(row.image.as_deref()),
    "brief": row.brief, "orders": row.orders, "is_show": row.is_show,
    "is_delete": row.is_delete, "updated_time": time(row.updated_time),
}));

editable!(CategoryRow, CategoryPatch, |row, _state| json!({
    "id": row.id, "name": row.name, "orders": row.orders, "is_show": row.is_show,
    "is_delete": row.is_delete, "updated_time": time(row.updated_time),
}));

editable!(CourseRow, CoursePatch, |row, state| json!({
    "id": row.id, "name": row.name, "course_img": state.media_url(row.course_img.as_deref()),
    "course_type": row.course_type, "brief": row.brief, "level": row.level,
    "period": row.period,
    "attachment_path": state.media_url(row.attachment_path.as_deref()),
    "status": row.status,
    "price": Money::from_fen(row.price).unwrap_or_default(),
    "students": row.students, "sections": row.sections, "pub_sections": row.pub_sections,
    "teacher_id": row.teacher_id, "course_category_id": row.course_category_id,
    "orders": row.orders, "is_show": row.is_show, "is_delete": row.is_delete,
    "updated_time": time(row.updated_time),
}));

editable!(ChapterRow, ChapterPatch, |row, _state| json!({
    "id": row.id, "course_id": row.course_id, "chapter": row.chapter, "name": row.name,
    "summary": row.summary, "orders": row.orders, "is_show": row.is_show,
    "is_delete": row.is_delete, "updated_time": time(row.updated_time),
}));

editable!(SectionRow, SectionPatch, |row, _state| json!({
    "id": row.id, "chapter_id": row.chapter_id, "course_id": row.course_id,
    "name": row.name, "section_type": row.section_type, "section_link": row.section_link,
    "duration": row.duration, "free_trail": row.free_trail, "orders": row.orders,
    "is_show": row.is_show, "is_delete": row.is_delete,
    "updated_time": time(row.updated_time),
}));

editable!(BannerRow, BannerPatch, |row, state| json!({
    "id": row.id, "title": row.title, "image": state.media_url(Some(&row.image)),
    "link": row.link, "info": row.info, "orders": row.orders, "is_show": row.is_show,
    "is_delete": row.is_delete, "updated_time": time(row.updated_time),
}));
