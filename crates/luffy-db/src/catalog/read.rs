//! The public catalog's reads. Each request costs a fixed number of queries, whatever the page
//! size: the courses with their teachers in one, their first sections in one more.

use super::rows::{
    CategoryRow, ChapterListing, ChapterRow, CourseListing, CourseRow, SectionPreview, SectionRow,
    TeacherRow,
};
use super::search;
use crate::schema::{
    luffy_course, luffy_course_category, luffy_course_chapter, luffy_course_section, luffy_teacher,
};
use crate::{Backend, DbBackend, DbConnection, DbError};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use luffy_domain::DomainError;
use luffy_domain::catalog::query::INVALID_CHOICE;
use luffy_domain::catalog::{CourseFilter, CourseQuery, OrderField, PageWindow};

/// How many sections each course of a list shows.
pub const SECTION_PREVIEWS: usize = 4;

/// One page of courses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoursePage {
    /// Courses matching the filter, over all pages.
    pub count: u64,
    /// The page served.
    pub window: PageWindow,
    /// Its courses, in order.
    pub items: Vec<CourseListing>,
}

type FilteredCourses<'a> = diesel::dsl::IntoBoxed<'a, luffy_course::table, DbBackend>;

impl CategoryRow {
    /// Published categories in display order.
    pub fn visible(conn: &mut DbConnection) -> Result<Vec<CategoryRow>, DbError> {
        Ok(luffy_course_category::table
            .filter(luffy_course_category::is_show.eq(true))
            .filter(luffy_course_category::is_delete.eq(false))
            .order((
                luffy_course_category::orders.asc(),
                luffy_course_category::id.asc(),
            ))
            .select(CategoryRow::as_select())
            .load(conn)?)
    }
}

/// Published, not deleted courses matching `filter`.
fn filtered<'a>(conn: &DbConnection, filter: &'a CourseFilter) -> FilteredCourses<'a> {
    let mut query = luffy_course::table.into_boxed::<DbBackend>();
    query = if filter.search.is_empty() || conn.backend() == Backend::Postgres {
        query
            .filter(luffy_course::is_show.eq(true))
            .filter(luffy_course::is_delete.eq(false))
    } else {
        // The unary plus keeps SQLite from driving a search by the visibility index (which
        // matches nearly every row) instead of by the search indexes' short lists of ids.
        query.filter(sql::<Bool>(
            "+luffy_course.is_show AND NOT +luffy_course.is_delete",
        ))
    };
    if let Some(category) = filter.category {
        query = query.filter(luffy_course::course_category_id.eq(category));
    }
    if let Some(min) = filter.min_price {
        query = query.filter(luffy_course::price.ge(min.fen()));
    }
    if let Some(max) = filter.max_price {
        query = query.filter(luffy_course::price.le(max.fen()));
    }
    for term in filter.search.terms() {
        query = query.filter(search::term_predicate(conn.backend(), term));
    }
    query
}

/// `courses` in the requested order (the last key is always `id`).
fn ordered<'a>(mut courses: FilteredCourses<'a>, query: &CourseQuery) -> FilteredCourses<'a> {
    for key in query.ordering.keys() {
        courses = match (key.field, key.descending) {
            (OrderField::Id, false) => courses.then_order_by(luffy_course::id.asc()),
            (OrderField::Id, true) => courses.then_order_by(luffy_course::id.desc()),
            (OrderField::Price, false) => courses.then_order_by(luffy_course::price.asc()),
            (OrderField::Price, true) => courses.then_order_by(luffy_course::price.desc()),
            (OrderField::Students, false) => courses.then_order_by(luffy_course::students.asc()),
            (OrderField::Students, true) => courses.then_order_by(luffy_course::students.desc()),
            (OrderField::Orders, false) => courses.then_order_by(luffy_course::orders.asc()),
            (OrderField::Orders, true) => courses.then_order_by(luffy_course::orders.desc()),
        };
    }
    courses
}

impl CourseRow {
    /// One page of the public course list (also the search results): the count and the page's
    /// ids from the course table alone (an index often covers them), then those courses with
    /// their teachers, then their first sections.
    pub fn page(conn: &mut DbConnection, query: &CourseQuery) -> Result<CoursePage, DbError> {
        if let Some(category) = query.filter.category {
            let known: i64 = luffy_course_category::table
                .filter(luffy_course_category::id.eq(category))
                .filter(luffy_course_category::is_delete.eq(false))
                .count()
                .get_result(conn)?;
            if known == 0 {
                return Err(DomainError::invalid("course_category", INVALID_CHOICE).into());
            }
        }
        let (count, window, ids) = if query.filter.search.is_empty() {
            // Counting reads only an index; the page's ids come from an index in order.
            let count: i64 = filtered(conn, &query.filter).count().get_result(conn)?;
            let count = u64::try_from(count).unwrap_or(0);
            let window = query.page.resolve(count)?;
            let ids: Vec<i64> = ordered(filtered(conn, &query.filter), query)
                .select(luffy_course::id)
                .limit(i64::from(window.size))
                .offset(i64::try_from(window.offset()).unwrap_or(i64::MAX))
                .load(conn)?;
            (count, window, ids)
        } else {
            // A search evaluates its terms once: all matching ids in order, then the page.
            let all: Vec<i64> = ordered(filtered(conn, &query.filter), query)
                .select(luffy_course::id)
                .load(conn)?;
            let count = u64::try_from(all.len()).unwrap_or(0);
            let window = query.page.resolve(count)?;
            let start = usize::try_from(window.offset()).unwrap_or(usize::MAX);
            let ids = all
                .into_iter()
                .skip(start)
                .take(usize::try_from(window.size).unwrap_or(0))
                .collect();
            (count, window, ids)
        };
        let mut rows: Vec<(CourseRow, Option<TeacherRow>)> = luffy_course::table
            .left_join(luffy_teacher::table)
            .filter(luffy_course::id.eq_any(&ids))
            .select((CourseRow::as_select(), Option::<TeacherRow>::as_select()))
            .load(conn)?;
        rows.sort_by_key(|(course, _)| ids.iter().position(|id| *id == course.id));
        Ok(CoursePage {
            count,
            window,
            items: with_previews(conn, rows)?,
        })
    }

    /// A published, not deleted course with its teacher and first sections.
    pub fn visible_listing(
        conn: &mut DbConnection,
        id: i64,
    ) -> Result<Option<CourseListing>, DbError> {
        let row: Option<(CourseRow, Option<TeacherRow>)> = luffy_course::table
            .left_join(luffy_teacher::table)
            .filter(luffy_course::id.eq(id))
            .filter(luffy_course::is_show.eq(true))
            .filter(luffy_course::is_delete.eq(false))
            .select((CourseRow::as_select(), Option::<TeacherRow>::as_select()))
            .first(conn)
            .optional()?;
        Ok(with_previews(conn, row.into_iter().collect())?.pop())
    }

    /// Whether a published, not deleted course `id` exists.
    pub fn is_visible(conn: &mut DbConnection, id: i64) -> Result<bool, DbError> {
        let count: i64 = luffy_course::table
            .filter(luffy_course::id.eq(id))
            .filter(luffy_course::is_show.eq(true))
            .filter(luffy_course::is_delete.eq(false))
            .count()
            .get_result(conn)?;
        Ok(count > 0)
    }
}

/// Attaches to each course its first [`SECTION_PREVIEWS`] visible sections, in id order, with
/// one query for the whole page.
fn with_previews(
    conn: &mut DbConnection,
    rows: Vec<(CourseRow, Option<TeacherRow>)>,
) -> Result<Vec<CourseListing>, DbError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // The ids are integers read from the database, so formatting them into the text is safe.
    let ids = rows
        .iter()
        .map(|(course, _)| course.id.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let previews: Vec<SectionPreview> = diesel::sql_query(format!(
        "SELECT id, course_id, name, section_link, duration, free_trail FROM ( \
           SELECT s.id, s.course_id, s.name, s.section_link, s.duration, s.free_trail, \
                  ROW_NUMBER() OVER (PARTITION BY s.course_id ORDER BY s.id) AS position \
           FROM luffy_course_section s \
           JOIN luffy_course_chapter c ON c.id = s.chapter_id \
           WHERE s.course_id IN ({ids}) AND s.is_show AND NOT s.is_delete \
             AND c.is_show AND NOT c.is_delete \
         ) ranked WHERE position <= {SECTION_PREVIEWS} ORDER BY course_id, id"
    ))
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(course, teacher)| {
            let sections = previews
                .iter()
                .filter(|preview| preview.course_id == course.id)
                .cloned()
                .collect();
            CourseListing {
                course,
                teacher,
                sections,
            }
        })
        .collect())
}

impl ChapterListing {
    /// The visible chapters of a visible course, each with its visible sections, in display
    /// order; `course_id: …` is refused when the course is unknown, hidden or deleted.
    pub fn for_course(
        conn: &mut DbConnection,
        course_id: i64,
    ) -> Result<Vec<ChapterListing>, DbError> {
        if !CourseRow::is_visible(conn, course_id)? {
            return Err(DomainError::invalid("course_id", INVALID_CHOICE).into());
        }
        let chapters: Vec<ChapterRow> = luffy_course_chapter::table
            .filter(luffy_course_chapter::course_id.eq(course_id))
            .filter(luffy_course_chapter::is_show.eq(true))
            .filter(luffy_course_chapter::is_delete.eq(false))
            .order((
                luffy_course_chapter::orders.asc(),
                luffy_course_chapter::chapter.asc(),
                luffy_course_chapter::id.asc(),
            ))
            .select(ChapterRow::as_select())
            .load(conn)?;
        let sections: Vec<SectionRow> = luffy_course_section::table
            .filter(luffy_course_section::course_id.eq(course_id))
            .filter(luffy_course_section::is_show.eq(true))
            .filter(luffy_course_section::is_delete.eq(false))
            .order((
                luffy_course_section::orders.asc(),
                luffy_course_section::id.asc(),
            ))
            .select(SectionRow::as_select())
            .load(conn)?;
        Ok(chapters
            .into_iter()
            .map(|chapter| {
                let sections = sections
                    .iter()
                    .filter(|section| section.chapter_id == chapter.id)
                    .cloned()
                    .collect();
                ChapterListing { chapter, sections }
            })
            .collect())
    }
}
