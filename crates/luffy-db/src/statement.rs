//! Hand-written SQL with bound parameters that, unlike `sql_query`, is prepared once per
//! connection and reused: diesel caches a statement by its text when every part of it says it
//! may. The catalog's reads and order creation are built this way, so they compile no SQL.
//!
//! The text of a statement depends on the shape of a request (how many search terms of which
//! kind, the ordering, the filters, how many lines), never on a value, which is always bound. Shapes can still
//! be combined in very many ways, so only the first [`CACHED_SHAPES`] distinct texts are kept
//! prepared; any other is compiled for its one use, as before.

use crate::DbBackend;
use chrono::NaiveDateTime;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Text, Timestamp};
use diesel::{QueryResult, RunQueryDsl};
use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::marker::PhantomData;
use std::sync::{Mutex, OnceLock};

/// How many distinct statement texts each connection keeps prepared at most.
pub const CACHED_SHAPES: usize = 128;

/// One piece of a statement: text, or a bound value.
#[derive(Debug, Clone)]
enum Part {
    Sql(String),
    Int(i64),
    Text(String),
    Timestamp(NaiveDateTime),
}

/// A statement under construction, whose rows have the SQL type `ST`.
#[derive(Debug, Clone)]
pub struct Statement<ST> {
    parts: Vec<Part>,
    cacheable: bool,
    row: PhantomData<ST>,
}

impl<ST> Default for Statement<ST> {
    fn default() -> Self {
        Self::new()
    }
}

impl<ST> Statement<ST> {
    /// An empty statement.
    pub fn new() -> Self {
        Self {
            parts: Vec::with_capacity(16),
            cacheable: false,
            row: PhantomData,
        }
    }

    /// Appends text.
    pub fn sql(&mut self, text: &str) -> &mut Self {
        match self.parts.last_mut() {
            Some(Part::Sql(last)) => last.push_str(text),
            _ => self.parts.push(Part::Sql(text.to_owned())),
        }
        self
    }

    /// Appends a bound integer.
    pub fn int(&mut self, value: i64) -> &mut Self {
        self.parts.push(Part::Int(value));
        self
    }

    /// Appends a bound text.
    pub fn text(&mut self, value: impl Into<String>) -> &mut Self {
        self.parts.push(Part::Text(value.into()));
        self
    }

    /// Appends a bound timestamp.
    pub fn timestamp(&mut self, value: NaiveDateTime) -> &mut Self {
        self.parts.push(Part::Timestamp(value));
        self
    }

    /// The statement, to be run; kept prepared when its text is one of the first
    /// [`CACHED_SHAPES`] seen.
    pub fn finish(mut self) -> Self {
        self.cacheable = admit(&self.parts);
        self
    }
}

/// Whether the text of `parts` may be kept prepared: it was seen before, or there is room.
fn admit(parts: &[Part]) -> bool {
    static SHAPES: OnceLock<Mutex<HashSet<u64>>> = OnceLock::new();
    let mut hasher = DefaultHasher::new();
    for part in parts {
        match part {
            Part::Sql(text) => text.hash(&mut hasher),
            Part::Int(_) => 1u8.hash(&mut hasher),
            Part::Text(_) => 2u8.hash(&mut hasher),
            Part::Timestamp(_) => 3u8.hash(&mut hasher),
        }
    }
    let shape = hasher.finish();
    let Ok(mut shapes) = SHAPES.get_or_init(Mutex::default).lock() else {
        return false;
    };
    if shapes.contains(&shape) {
        return true;
    }
    if shapes.len() < CACHED_SHAPES {
        shapes.insert(shape);
        return true;
    }
    false
}

impl<ST> QueryId for Statement<ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<ST> Query for Statement<ST> {
    type SqlType = ST;
}

impl<ST> QueryFragment<DbBackend> for Statement<ST> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DbBackend>) -> QueryResult<()> {
        if !self.cacheable {
            out.unsafe_to_cache_prepared();
        }
        for part in &self.parts {
            match part {
                Part::Sql(text) => out.push_sql(text),
                Part::Int(value) => out.push_bind_param::<BigInt, i64>(value)?,
                Part::Text(value) => out.push_bind_param::<Text, String>(value)?,
                Part::Timestamp(value) => {
                    out.push_bind_param::<Timestamp, NaiveDateTime>(value)?;
                }
            }
        }
        Ok(())
    }
}

impl<ST, Conn> RunQueryDsl<Conn> for Statement<ST> {}
