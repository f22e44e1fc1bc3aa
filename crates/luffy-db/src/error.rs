//! The persistence layer's error type.

/// What can go wrong in the persistence layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database URL could not be understood.
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    /// A connection could not be opened.
    #[error("cannot connect to the {backend} database: {reason}")]
    Connect {
        /// `sqlite` or `postgres`.
        backend: &'static str,
        /// The driver's explanation (never the password).
        reason: String,
    },
    /// No pooled connection became free within the pool's timeout.
    #[error("database pool: {0}")]
    Pool(String),
    /// Running the migrations failed.
    #[error("database migration failed: {0}")]
    Migration(String),
    /// A rule of the domain refused the operation (a bad filter, an unknown reference, …).
    #[error(transparent)]
    Rejected(#[from] luffy_domain::DomainError),
    /// The row does not exist, or is deleted.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A stored value breaks an invariant the schema should have kept.
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// A query failed.
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
}

impl DbError {
    /// Whether this is a unique-constraint violation (a duplicate insert).
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}
