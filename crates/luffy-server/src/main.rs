//! The `luffy` command.

use clap::{Parser, Subcommand};
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
