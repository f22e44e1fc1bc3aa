//! The database URL, and the backend its scheme selects.

use crate::DbError;
use std::fmt;

/// Which database engine a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// The backend's short name, as used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A parsed database URL: `sqlite://PATH` (relative or absolute path; `sqlite:PATH` too) or
/// `postgres://…` / `postgresql://…`.
///
/// `Debug` and `Display` hide any password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    backend: Backend,
    /// For SQLite the file path; for PostgreSQL the full URL.
    target: String,
}

impl DatabaseUrl {
    /// Parses `text`, refusing unknown schemes with a message that names the accepted ones.
    pub fn parse(text: &str) -> Result<Self, DbError> {
        let text = text.trim();
        if let Some(rest) = text
            .strip_prefix("sqlite://")
            .or_else(|| text.strip_prefix("sqlite:"))
        {
            if rest.is_empty() {
                return Err(DbError::InvalidUrl(
                    "sqlite URL has no file path (expected sqlite://PATH)".into(),
                ));
            }
            return Ok(Self {
                backend: Backend::Sqlite,
                target: rest.to_owned(),
            });
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            url::Url::parse(text)
                .map_err(|err| DbError::InvalidUrl(format!("postgres URL is malformed: {err}")))?;
            return Ok(Self {
                backend: Backend::Postgres,
                target: text.to_owned(),
            });
        }
        let scheme = text
            .split_once(':')
            .map(|(scheme, _)| scheme)
            .unwrap_or(text);
        Err(DbError::InvalidUrl(format!(
            "unsupported scheme {scheme:?} (expected sqlite://PATH or postgres://USER@HOST/DB)"
        )))
    }

    /// The backend this URL selects.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// What the driver is given: the SQLite file path, or the PostgreSQL URL.
    pub fn connection_target(&self) -> &str {
        &self.target
    }

    /// A copy pointing at another PostgreSQL database on the same server (for tests and tools).
    pub fn with_postgres_database(&self, database: &str) -> Result<Self, DbError> {
        if self.backend != Backend::Postgres {
            return Err(DbError::InvalidUrl("not a postgres URL".into()));
        }
        let mut url = url::Url::parse(&self.target)
            .map_err(|err| DbError::InvalidUrl(format!("postgres URL is malformed: {err}")))?;
        url.set_path(database);
        Ok(Self {
            backend: Backend::Postgres,
            target: url.to_string(),
        })
    }

    fn redacted(&self) -> String {
        match self.backend {
            Backend::Sqlite => format!("sqlite://{}", self.target),
            Backend::Postgres => match url::Url::parse(&self.target) {
                Ok(mut url) => {
                    if url.password().is_some() {
                        // Cannot fail for a URL that already has a password.
                        let _ = url.set_password(Some("<redacted>"));
                    }
                    url.to_string()
                }
                Err(_) => "postgres://<redacted>".into(),
            },
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_backend_from_the_scheme() {
        let sqlite = DatabaseUrl::parse("sqlite://luffy.db").unwrap();
        assert_eq!(sqlite.backend(), Backend::Sqlite);
        assert_eq!(sqlite.connection_target(), "luffy.db");
        let absolute = DatabaseUrl::parse("sqlite:///tmp/x.db").unwrap();
        assert_eq!(absolute.connection_target(), "/tmp/x.db");
        let pg = DatabaseUrl::parse("postgres://postgres@127.0.0.1:5432/test").unwrap();
        assert_eq!(pg.backend(), Backend::Postgres);
        assert!(DatabaseUrl::parse("postgresql://u@h/db").is_ok());
    }

    #[test]
    fn refuses_unknown_schemes_with_a_clear_message() {
        let err = DatabaseUrl::parse("mysql://root@localhost/x").unwrap_err();
        assert!(
            err.to_string().contains("unsupported scheme \"mysql\""),
            "{err}"
        );
        assert!(DatabaseUrl::parse("luffy.db").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
        assert!(DatabaseUrl::parse("postgres://[bad").is_err());
    }

    #[test]
    fn never_shows_the_password() {
        let url = DatabaseUrl::parse("postgres://luffy:s3cret@db:5432/luffy").unwrap();
        assert!(!format!("{url:?}").contains("s3cret"));
        assert!(!url.to_string().contains("s3cret"));
        let other = url.with_postgres_database("other").unwrap();
        assert!(other.connection_target().ends_with("/other"));
    }
}
