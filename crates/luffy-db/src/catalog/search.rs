//! Course search: every term must match; a term matches when the course's `search_name` (its
//! name with ASCII letters lower-cased) contains it, or, for a term that reads as an amount, when
//! the price equals it.
//!
//! Terms of three characters or more are answered from a trigram index: an FTS5 `trigram` table
//! on SQLite, a `pg_trgm` GIN index on PostgreSQL. Shorter terms (Chinese words are often one or
//! two characters) cannot use a trigram index; they are answered, on both backends, from
//! `luffy_course_gram`, which lists every one- and two-character substring of each name. The
//! substring test on `search_name` is always applied too: it is the definition, so both
//! backends give the same results, and the indexes only narrow the rows.

use crate::DbBackend;
use crate::database_url::Backend;
use crate::schema::{luffy_course, luffy_course_gram};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use luffy_domain::catalog::SearchTerm;

/// A condition on a course row.
pub type Predicate = Box<dyn BoxableExpression<luffy_course::table, DbBackend, SqlType = Bool>>;

/// `text` as a LIKE pattern that matches it anywhere, with `\` escaping `%`, `_` and `\`.
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// `text` as an FTS5 phrase: in double quotes, inner quotes doubled.
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// The condition for one term.
pub fn term_predicate(backend: Backend, term: &SearchTerm) -> Predicate {
    let contains = luffy_course::search_name
        .like(contains_pattern(term.text()))
        .escape('\\');
    let name: Predicate = if !term.is_indexable() {
        Box::new(
            luffy_course::id
                .eq_any(
                    luffy_course_gram::table
                        .filter(luffy_course_gram::gram.eq(term.text().to_owned()))
                        .select(luffy_course_gram::course_id),
                )
                .and(contains),
        )
    } else if backend == Backend::Sqlite {
        Box::new(
            sql::<Bool>(
                "luffy_course.id IN (SELECT rowid FROM luffy_course_fts WHERE luffy_course_fts MATCH ",
            )
            .bind::<Text, _>(fts_phrase(term.text()))
            .sql(")")
            .and(contains),
        )
    } else {
        Box::new(contains)
    };
    match term.price() {
        Some(price) => Box::new(luffy_course::price.eq(price.fen()).or(name)),
        None => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_escape_wildcards() {
        assert_eq!(contains_pattern("a%b_c\\"), "%a\\%b\\_c\\\\%");
        assert_eq!(fts_phrase("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
