//! The `luffy` command.

use clap::{Args, Parser, Subcommand};
use luffy_domain::media::MediaTarget;
use luffy_server::{Application, Config, commands};
use std::path::PathBuf;
use std::process::ExitCode;

/// Luffy: an online course shop backend.
#[derive(Debug, Parser)]
#[command(name = "luffy", version, about)]
struct Cli {
    /// A TOML configuration file (its keys are the LUFFY_* names, lower case, without the prefix).
    #[arg(long, global = true, env = "LUFFY_CONFIG")]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create a staff superuser.
    Createsuperuser {
        /// The username.
        #[arg(long)]
        username: String,
        /// The password (6 to 128 characters).
        #[arg(long)]
        password: String,
        /// An email address.
        #[arg(long)]
        email: Option<String>,
        /// A mobile number.
        #[arg(long)]
        mobile: Option<String>,
    },
    /// Fill an empty database with a demo catalog and a demo user (prints the credentials).
    SeedDemo {
        /// How many courses.
        #[arg(long, default_value_t = 24)]
        courses: usize,
    },
    /// Course videos and images in the configured storage.
    Media {
        #[command(subcommand)]
        command: MediaCommand,
    },
}

#[derive(Debug, Subcommand)]
enum MediaCommand {
    /// Upload a file and attach it: resumable (rerun the same command after an interruption),
    /// with a progress bar, and the stored hash checked against the file's.
    Upload {
        /// The video or image file.
        file: PathBuf,
        #[command(flatten)]
        target: TargetArgs,
        /// Print no progress bar.
        #[arg(long)]
        quiet: bool,
        /// Parts sent at the same time to Qiniu (overrides LUFFY_QINIU_UPLOAD_CONCURRENCY).
        #[arg(long, value_name = "N")]
        concurrency: Option<usize>,
    },
    /// Compare the catalog with the storage and list every key that is missing or changed
    /// (exit status 1 when there is one).
    Verify,
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
struct TargetArgs {
    /// The section whose video this is.
    #[arg(long, value_name = "ID")]
    section: Option<i64>,
    /// The course whose cover image this is.
    #[arg(long, value_name = "ID")]
    course_image: Option<i64>,
    /// The teacher whose portrait this is.
    #[arg(long, value_name = "ID")]
    teacher_image: Option<i64>,
    /// The home page banner whose image this is.
    #[arg(long, value_name = "ID")]
    banner_image: Option<i64>,
}

impl TargetArgs {
    fn target(&self) -> Option<MediaTarget> {
        match (
            self.section,
            self.course_image,
            self.teacher_image,
            self.banner_image,
        ) {
            (Some(id), None, None, None) => Some(MediaTarget::SectionVideo(id)),
            (None, Some(id), None, None) => Some(MediaTarget::CourseImage(id)),
            (None, None, Some(id), None) => Some(MediaTarget::TeacherImage(id)),
            (None, None, None, Some(id)) => Some(MediaTarget::BannerImage(id)),
            _ => None,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            // One line, naming the problem: no panic, no backtrace.
            let line = message.split_whitespace().collect::<Vec<_>>().join(" ");
            eprintln!("luffy: error: {line}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    let config = Config::load(cli.config.as_deref()).map_err(|err| err.to_string())?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config),
        Command::Migrate => {
            let applied =
                luffy_db::run_migrations(&config.database_url).map_err(|err| err.to_string())?;
            log::info!(
                "{}: {} migration(s) applied{}",
                config.database_url,
                applied.len(),
                if applied.is_empty() {
                    String::new()
                } else {
                    format!(": {}", applied.join(", "))
                }
            );
            Ok(())
        }
        Command::Createsuperuser {
            username,
            password,
            email,
            mobile,
        } => {
            let user = commands::create_superuser(
                &config,
                &username,
                &password,
                email.as_deref(),
                mobile.as_deref(),
            )?;
            say(&format!(
                "superuser {} created (id {})",
                user.username, user.id
            ))
        }
        Command::SeedDemo { courses } => match commands::seed_demo(&config, courses)? {
            Some(seed) => say(&seed.summary()),
            None => say("the catalog is not empty: nothing seeded"),
        },
        Command::Media { command } => media(&config, command),
    }
}

fn media(config: &Config, command: MediaCommand) -> Result<(), String> {
    use luffy_server::service::media::cli;
    match command {
        MediaCommand::Upload {
            file,
            target,
            quiet,
            concurrency,
        } => {
            let target = target.target().ok_or(
                "give one of --section, --course-image, --teacher-image or --banner-image",
            )?;
            let mut config = config.clone();
            if let Some(parts) = concurrency {
                config.qiniu.upload_concurrency = parts.clamp(1, 64);
            }
            let object = cli::upload(&config, target, &file, !quiet)?;
            say(&format!(
                "{} stored as {} ({} bytes, etag {}) and attached to {target}",
                file.display(),
                object.key,
                object.size,
                object.etag
            ))
        }
        MediaCommand::Verify => {
            let report = cli::verify(config)?;
            for finding in &report.findings {
                say(&finding.to_string())?;
            }
            say(&format!(
                "{} media keys checked, {} problem(s)",
                report.checked,
                report.findings.len()
            ))?;
            if report.findings.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "{} media key(s) missing, changed or invalid",
                    report.findings.len()
                ))
            }
        }
    }
}

/// Writes a line to standard output.
fn say(line: &str) -> Result<(), String> {
    use std::io::Write;
    writeln!(std::io::stdout(), "{line}").map_err(|err| err.to_string())
}

fn serve(config: Config) -> Result<(), String> {
    if config.seed_demo {
        // Only into an empty database, once: a marker row makes replicas agree.
        if let Some(seed) = commands::seed_demo(&config, 24)? {
            log::info!("{}", seed.summary());
        }
    }
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(config)
            .await
            .map_err(|err| err.to_string())?;
        log::info!(
            "Luffy listening on {} ({} database)",
            app.state().public_url,
            app.state().config.database_url.backend().name()
        );
        app.run_until_stopped().await.map_err(|err| err.to_string())
    })
}
