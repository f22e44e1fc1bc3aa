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
use crate::statement::Statement;
use crate::{Backend, DbBackend, DbConnection, DbError};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Untyped};
use luffy_domain::DomainError;
use luffy_domain::catalog::query::INVALID_CHOICE;
use luffy_domain::catalog::{CourseFilter, CourseQuery, OrderField, PageNumber, PageWindow};

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

type CourseSql = diesel::dsl::SqlTypeOf<<CourseRow as Selectable<DbBackend>>::SelectExpression>;
type TeacherSql = diesel::dsl::SqlTypeOf<<TeacherRow as Selectable<DbBackend>>::SelectExpression>;

/// A row of a page: the number of matching courses over all pages, a course and its teacher.
type PageSql = (BigInt, CourseSql, Nullable<TeacherSql>);

/// The columns of [`CourseRow`] on `c`, in its field order.
const COURSE_COLUMNS: &str = "c.id, c.name, c.search_name, c.course_img, c.course_type, \
     c.brief, c.level, c.pub_date, c.period, c.attachment_path, c.status, c.students, \
     c.sections, c.pub_sections, c.price, c.teacher_id, c.course_category_id, c.is_show, \
     c.is_delete, c.orders, c.created_time, c.updated_time";

/// The columns of [`TeacherRow`] on `t`, in its field order.
const TEACHER_COLUMNS: &str = "t.id, t.name, t.role, t.title, t.signature, t.image, t.brief, \
     t.is_show, t.is_delete, t.orders, t.created_time, t.updated_time";

/// Appends the conditions on the course row `c` for published, not deleted courses matching
/// `filter`.
fn push_conditions<ST>(out: &mut Statement<ST>, backend: Backend, filter: &CourseFilter) {
    if filter.search.is_empty() || backend == Backend::Postgres {
        out.sql("c.is_delete = FALSE AND c.is_show = TRUE");
    } else {
        // The unary plus keeps SQLite from driving a search by the visibility index (which
        // matches nearly every row) instead of by the search indexes' short lists of ids.
        out.sql("+c.is_show AND NOT +c.is_delete");
    }
    if let Some(category) = filter.category {
        out.sql(" AND c.course_category_id = ").int(category);
    }
    if let Some(min) = filter.min_price {
        out.sql(" AND c.price >= ").int(min.fen());
    }
    if let Some(max) = filter.max_price {
        out.sql(" AND c.price <= ").int(max.fen());
    }
    for term in filter.search.terms() {
        out.sql(" AND ");
        search::push_term(out, backend, term);
    }
}

/// Appends the requested order on the columns of `alias` (the last key is always `id`).
fn push_order<ST>(out: &mut Statement<ST>, alias: &str, query: &CourseQuery) {
    out.sql(" ORDER BY ");
    for (index, key) in query.ordering.keys().iter().enumerate() {
        if index > 0 {
            out.sql(", ");
        }
        out.sql(alias);
        out.sql(match key.field {
            OrderField::Id => "id",
            OrderField::Price => "price",
            OrderField::Students => "students",
            OrderField::Orders => "orders",
        });
        out.sql(if key.descending { " DESC" } else { " ASC" });
    }
}

/// Appends an expression counting the courses that match `filter`.
fn push_count<ST>(out: &mut Statement<ST>, backend: Backend, filter: &CourseFilter) {
    let unfiltered = filter.category.is_none()
        && filter.min_price.is_none()
        && filter.max_price.is_none()
        && filter.search.is_empty();
    if unfiltered && backend == Backend::Sqlite {
        // SQLite counts a whole table from its pages' headers, but a filtered count visits
        // every entry: all courses less the few hidden or deleted ones reads far less.
        out.sql(
            "((SELECT count(*) FROM luffy_course) \
              - (SELECT count(*) FROM luffy_course WHERE is_delete = TRUE) \
              - (SELECT count(*) FROM luffy_course WHERE is_delete = FALSE AND is_show = FALSE))",
        );
    } else {
        out.sql("(SELECT count(*) FROM luffy_course c WHERE ");
        push_conditions(out, backend, filter);
        out.sql(")");
    }
}

/// One statement for a page at `offset`: each row carries the count over all pages, a course
/// and its teacher, in order.
///
/// A search evaluates its terms once: the matching courses' ids and order keys are collected,
/// counted, and the page taken from them. A plain list counts on its own and reads the page's
/// ids from an index in order. Either way only the page's courses are read in full.
fn page_statement(backend: Backend, query: &CourseQuery, offset: i64) -> Statement<PageSql> {
    let filter = &query.filter;
    let mut out = Statement::new();
    if filter.search.is_empty() {
        out.sql("SELECT ");
        push_count(&mut out, backend, filter);
        out.sql(" AS total, ")
            .sql(COURSE_COLUMNS)
            .sql(", ")
            .sql(TEACHER_COLUMNS);
        out.sql(" FROM (SELECT c.id FROM luffy_course c WHERE ");
        push_conditions(&mut out, backend, filter);
        push_order(&mut out, "c.", query);
    } else {
        out.sql(
            "WITH hits AS MATERIALIZED (SELECT c.id, c.orders, c.price, c.students \
             FROM luffy_course c WHERE ",
        );
        push_conditions(&mut out, backend, filter);
        out.sql(") SELECT (SELECT count(*) FROM hits) AS total, ")
            .sql(COURSE_COLUMNS)
            .sql(", ")
            .sql(TEACHER_COLUMNS);
        out.sql(" FROM (SELECT id FROM hits");
        push_order(&mut out, "", query);
    }
    out.sql(" LIMIT ")
        .int(i64::from(query.page.size()))
        .sql(" OFFSET ")
        .int(offset);
    out.sql(
        ") p JOIN luffy_course c ON c.id = p.id \
         LEFT JOIN luffy_teacher t ON t.id = c.teacher_id",
    );
    push_order(&mut out, "c.", query);
    out.finish()
}

/// The number of courses matching `filter`, on its own.
fn count(conn: &mut DbConnection, filter: &CourseFilter) -> Result<u64, DbError> {
    let mut out = Statement::<BigInt>::new();
    out.sql("SELECT ");
    push_count(&mut out, conn.backend(), filter);
    let count: i64 = out.finish().get_result(conn)?;
    Ok(u64::try_from(count).unwrap_or(0))
}

impl CourseRow {
    /// One page of the public course list (also the search results): one statement for the
    /// count and the page's courses with their teachers, one more for their first sections.
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
        let backend = conn.backend();
        let (count, window, rows) = match query.page.page() {
            PageNumber::Number(number) => {
                let offset = number
                    .saturating_sub(1)
                    .saturating_mul(u64::from(query.page.size()));
                let offset = i64::try_from(offset).unwrap_or(i64::MAX);
                let rows: Vec<(i64, CourseRow, Option<TeacherRow>)> =
                    page_statement(backend, query, offset).load(conn)?;
                let count = match rows.first() {
                    Some((total, _, _)) => u64::try_from(*total).unwrap_or(0),
                    // Nothing on the first page: nothing matches.
                    None if number == 1 => 0,
                    // Past the last page (the window refuses it).
                    None => count(conn, &query.filter)?,
                };
                (count, query.page.resolve(count)?, rows)
            }
            PageNumber::Last => {
                let count = count(conn, &query.filter)?;
                let window = query.page.resolve(count)?;
                let offset = i64::try_from(window.offset()).unwrap_or(i64::MAX);
                let rows = page_statement(backend, query, offset).load(conn)?;
                (count, window, rows)
            }
        };
        let rows = rows
            .into_iter()
            .map(|(_, course, teacher)| (course, teacher))
            .collect();
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
    let mut out = Statement::<Untyped>::new();
    out.sql(
        "SELECT id, course_id, name, section_link, duration, free_trail FROM ( \
           SELECT s.id, s.course_id, s.name, s.section_link, s.duration, s.free_trail, \
                  ROW_NUMBER() OVER (PARTITION BY s.course_id ORDER BY s.id) AS position \
           FROM luffy_course_section s \
           JOIN luffy_course_chapter c ON c.id = s.chapter_id \
           WHERE s.course_id IN (",
    );
    for (index, (course, _)) in rows.iter().enumerate() {
        if index > 0 {
            out.sql(", ");
        }
        out.int(course.id);
    }
    out.sql(&format!(
        ") AND s.is_show AND NOT s.is_delete AND c.is_show AND NOT c.is_delete \
         ) ranked WHERE position <= {SECTION_PREVIEWS} ORDER BY course_id, id"
    ));
    let previews: Vec<SectionPreview> = out.finish().load(conn)?;
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
