//! The one-shot subcommands: `createsuperuser` and `seed-demo`.

use crate::config::Config;
use luffy_db::account::{NewUser, UserRow};
use luffy_db::seed::{self, SeedOutcome, SeedReport};
use luffy_db::{DbConnection, write_transaction};
use luffy_domain::account::{Email, Mobile, PasswordHasher, PlainPassword, Username};
use rand::RngCore;
use rand::distributions::{Alphanumeric, DistString};

/// The largest demo catalog `seed-demo` builds.
pub const MAX_DEMO_COURSES: usize = 1_000_000;

/// Migrates the database and opens one connection, for a one-shot command.
pub(crate) fn open(config: &Config) -> Result<DbConnection, String> {
    luffy_db::run_migrations(&config.database_url).map_err(|err| err.to_string())?;
    DbConnection::open(&config.database_url).map_err(|err| err.to_string())
}

fn hash(config: &Config, password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    PasswordHasher::new(config.password_params)
        .hash(password, &salt)
        .map_err(|err| err.to_string())
}

/// Creates a staff superuser; refuses a taken username or mobile.
pub fn create_superuser(
    config: &Config,
    username: &str,
    password: &str,
    email: Option<&str>,
    mobile: Option<&str>,
) -> Result<UserRow, String> {
    let username = Username::parse(username).map_err(|err| err.to_string())?;
    let password = PlainPassword::parse(password).map_err(|err| err.to_string())?;
    let email = email
        .map(Email::parse)
        .transpose()
        .map_err(|err| err.to_string())?;
    let mobile = mobile
        .map(Mobile::parse)
        .transpose()
        .map_err(|err| err.to_string())?;
    let password_hash = hash(config, password.expose())?;
    let mut conn = open(config)?;
    let user = NewUser {
        username: username.as_str().to_owned(),
        password_hash,
        mobile: mobile.map(|mobile| mobile.as_str().to_owned()),
        email: email.map(|email| email.as_str().to_owned()),
        icon: None,
        is_staff: true,
        is_superuser: true,
        is_active: true,
        date_joined: chrono::Utc::now().naive_utc(),
    };
    write_transaction(&mut conn, |conn| UserRow::insert(conn, &user)).map_err(|err| {
        if err.is_unique_violation() {
            "a user with this username or mobile already exists".to_owned()
        } else {
            err.to_string()
        }
    })
}

/// A seeded demo catalog and the demo user's password.
#[derive(Debug, Clone)]
pub struct DemoSeed {
    /// What was inserted.
    pub report: SeedReport,
    /// The demo user's password (random, shown once).
    pub password: String,
    /// How many demo files (covers, portraits, banner images, the trial video) were stored.
    pub files: usize,
}

impl DemoSeed {
    /// A human summary, with the demo credentials when the user was created.
    pub fn summary(&self) -> String {
        let report = &self.report;
        let mut text = format!(
            "demo catalog seeded: {} courses ({} hidden, {} deleted), {} chapters, {} sections, \
             {} teachers, {} categories, {} banners, {} media files",
            report.courses,
            report.hidden_courses,
            report.deleted_courses,
            report.chapters,
            report.sections,
            report.teachers,
            report.categories,
            report.banners,
            self.files
        );
        if report.user_created {
            text.push_str(&format!(
                "; demo user: username {} (or mobile {}, email {}), password {}",
                seed::DEMO_USERNAME,
                seed::DEMO_MOBILE,
                seed::DEMO_EMAIL,
                self.password
            ));
        }
        text
    }
}

/// Seeds the demo catalog into an empty database, and its files (covers, portraits, banner
/// images, the trial video) into the storage; `None` when the database was not empty. Call it
/// outside an async runtime: it runs its own for the storage.
pub fn seed_demo(config: &Config, courses: usize) -> Result<Option<DemoSeed>, String> {
    if courses == 0 || courses > MAX_DEMO_COURSES {
        return Err(format!("--courses must be from 1 to {MAX_DEMO_COURSES}"));
    }
    let password = Alphanumeric.sample_string(&mut rand::thread_rng(), 12);
    let password_hash = hash(config, &password)?;
    let mut conn = open(config)?;
    let outcome = seed::seed_demo(
        &mut conn,
        courses,
        &password_hash,
        chrono::Utc::now().naive_utc(),
    )
    .map_err(|err| err.to_string())?;
    Ok(match outcome {
        SeedOutcome::Seeded(report) => {
            let storage = crate::service::media::cli::storage(config)?;
            let media = seed::demo_media();
            let files = crate::service::media::cli::runtime()?
                .block_on(crate::demo_media::store(&storage, &media))?;
            Some(DemoSeed {
                report,
                password,
                files,
            })
        }
        SeedOutcome::Skipped => None,
    })
}
