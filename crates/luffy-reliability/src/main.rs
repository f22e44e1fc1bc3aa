//! `luffy-reliability`: purchases through nginx in front of several Luffy replicas on
//! PostgreSQL, while replicas are killed and restarted, PostgreSQL restarts, and the Alipay
//! simulator drops, duplicates, delays and reorders notifies. Afterwards every invariant of the
//! purchase is checked; the exit status is non-zero on any violation.
//!
//! Bounded in time, loopback only. `just reliability` runs it; CI runs a short version:
//!
//! ```text
//! luffy-reliability --duration 20 --replicas 3
//! ```

#![allow(
    clippy::print_stdout,
    reason = "the report on standard output is this program's purpose"
)]

mod check;
mod cluster;
mod drive;

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Drive purchases through nginx under faults, then check every invariant.
#[derive(Debug, Parser)]
#[command(name = "luffy-reliability", version, about)]
pub struct Args {
    /// Seconds of purchasing under faults (5 to 600).
    #[arg(long, default_value_t = 30)]
    pub duration: u64,
    /// Luffy replicas behind nginx (2 to 8).
    #[arg(long, default_value_t = 3)]
    pub replicas: usize,
    /// Concurrent buyers (1 to 32).
    #[arg(long, default_value_t = 6)]
    pub buyers: usize,
    /// The PostgreSQL server to create the test database on.
    #[arg(
        long,
        env = "LUFFY_TEST_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    pub postgres: String,
    /// The `luffy` binary (default: next to this one).
    #[arg(long)]
    pub luffy: Option<PathBuf>,
    /// The nginx binary.
    #[arg(long, default_value = "nginx")]
    pub nginx: String,
    /// Do not restart PostgreSQL during the run (it needs root and `pg_ctlcluster`).
    #[arg(long)]
    pub no_postgres_restart: bool,
    /// Seed of the random choices, for a reproducible mix.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let args = Args::parse();
    if !(5..=600).contains(&args.duration)
        || !(2..=8).contains(&args.replicas)
        || !(1..=32).contains(&args.buyers)
    {
        eprintln!(
            "luffy-reliability: error: --duration 5..=600, --replicas 2..=8, --buyers 1..=32"
        );
        return ExitCode::FAILURE;
    }
    // Everything, set-up and checks included, must end within this bound.
    let deadline = Duration::from_secs(args.duration + 240);
    let outcome = actix_web::rt::System::new().block_on(async move {
        match tokio::time::timeout(deadline, run(args)).await {
            Ok(result) => result,
            Err(_) => Err(format!("did not finish within {} s", deadline.as_secs())),
        }
    });
    match outcome {
        Ok(report) if report.violations.is_empty() => {
            println!("{report}");
            println!("reliability: 0 violations");
            ExitCode::SUCCESS
        }
        Ok(report) => {
            println!("{report}");
            for violation in &report.violations {
                println!("VIOLATION: {violation}");
            }
            println!("reliability: {} violations", report.violations.len());
            ExitCode::FAILURE
        }
        Err(message) => {
            eprintln!("luffy-reliability: error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<check::Report, String> {
    let mut cluster = cluster::Cluster::start(&args).await?;
    let driven = drive::drive(&args, &mut cluster).await;
    let report = match driven {
        Ok(driven) => check::settle_and_check(&cluster, driven).await,
        Err(err) => Err(err),
    };
    let stopped = cluster.stop();
    let report = report?;
    stopped.map_err(|err| format!("after the run: {err}"))?;
    Ok(report)
}
