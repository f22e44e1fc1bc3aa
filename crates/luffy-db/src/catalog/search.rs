//! Course search: every term must match; a term matches when the course's `search_name` (its
//! name with ASCII letters lower-cased) contains it, or, for a term that reads as an amount, when
//! the price equals it.
//!
//! Terms of three characters or more are answered from a trigram index: an FTS5 `trigram` table
//! on SQLite, a `pg_trgm` GIN index on PostgreSQL. Shorter terms (Chinese words are often one or
//! two characters) cannot use a trigram index; they are answered, on both backends, from
//! `luffy_course_gram`, which lists every one- and two-character substring of each name.
//!
//! Each answer is exactly the substring test, so both backends give the same results: the gram
//! table lists every short substring, and an FTS5 phrase of trigrams (case-sensitive, over the
//! already folded `search_name`) matches where its trigrams follow each other, that is where the
//! term occurs. On PostgreSQL the index only narrows the rows and `LIKE` decides.

use crate::database_url::Backend;
use crate::statement::Statement;
use luffy_domain::catalog::SearchTerm;

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

/// Appends the condition for one term on the course row `c`.
pub fn push_term<ST>(out: &mut Statement<ST>, backend: Backend, term: &SearchTerm) {
    let price = term.price().map(|price| price.fen());
    let text = term.text();
    if let Some(price) = price {
        out.sql("(c.price = ").int(price).sql(" OR (");
    }
    if !term.is_indexable() {
        out.sql("c.id IN (SELECT course_id FROM luffy_course_gram WHERE gram = ")
            .text(text)
            .sql(")");
    } else if backend == Backend::Sqlite {
        out.sql("c.id IN (SELECT rowid FROM luffy_course_fts WHERE luffy_course_fts MATCH ")
            .text(fts_phrase(text))
            .sql(")");
    } else {
        out.sql("c.search_name LIKE ")
            .text(contains_pattern(text))
            .sql(" ESCAPE '\\'");
    }
    if price.is_some() {
        out.sql("))");
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
