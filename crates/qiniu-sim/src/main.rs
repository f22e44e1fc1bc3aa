//! `qiniu-sim` binary: serves the simulator until interrupted.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use qiniu_sim::{SimConfig, SimServer};

/// Local Qiniu Kodo simulator.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:9400", env = "QINIU_SIM_LISTEN")]
    listen: SocketAddr,
    /// Access key accepted in tokens and signatures.
    #[arg(long, env = "QINIU_ACCESS_KEY")]
    access_key: String,
    /// Secret key tokens and signatures are checked against.
    #[arg(long, env = "QINIU_SECRET_KEY", hide_env_values = true)]
    secret_key: String,
    /// Directory for stored objects and parts.
    #[arg(long, default_value = "qiniu-sim-data", env = "QINIU_SIM_DATA")]
    data_dir: PathBuf,
    /// Known buckets (comma-separated); empty accepts any bucket.
    #[arg(long, value_delimiter = ',')]
    buckets: Vec<String>,
    /// Serve downloads without `e`/`token` checks.
    #[arg(long)]
    public_downloads: bool,
    /// Worker threads.
    #[arg(long, default_value_t = 2)]
    workers: usize,
}

fn main() -> std::io::Result<()> {
    env_logger::init();
    let args = Args::parse();
    let mut config =
        SimConfig::new(args.access_key, args.secret_key, args.data_dir).with_buckets(args.buckets);
    config.private_downloads = !args.public_downloads;
    config.workers = args.workers;
    let server = SimServer::start_on(config, args.listen)?;
    log::info!("qiniu-sim listening on {}", server.base_url());
    eprintln!("qiniu-sim listening on {}", server.base_url());
    loop {
        std::thread::park();
    }
}
