//! `alipay-sim`: run the simulator on its own.

use alipay_sim::{DEFAULT_SELLER_ID, Simulator, keys};
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

/// A local Alipay gateway for development and tests.
#[derive(Debug, Parser)]
#[command(name = "alipay-sim", version, about)]
struct Args {
    /// Listen address.
    #[arg(long, default_value = "127.0.0.1:9800")]
    bind: String,
    /// Folder for the simulator's Alipay key (and a generated app key).
    #[arg(long, default_value = "alipay-sim-data")]
    data_dir: PathBuf,
    /// The merchant app id to accept.
    #[arg(long, default_value = "2021000000000001")]
    app_id: String,
    /// The merchant's app public key (PEM or bare base64). Without it, an app key pair is
    /// generated into the data dir and its private key path printed.
    #[arg(long)]
    app_public_key: Option<PathBuf>,
    /// The seller id put in notifications.
    #[arg(long, default_value = DEFAULT_SELLER_ID)]
    seller_id: String,
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let args = Args::parse();
    match actix_web::rt::System::new().block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("alipay-sim: error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let alipay_key = keys::load_or_generate(&args.data_dir.join("alipay_private_key.pem"))
        .map_err(|e| e.to_string())?;
    let sim = Simulator::new(alipay_key, args.seller_id.clone()).map_err(|e| e.to_string())?;
    let app_key = match &args.app_public_key {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            alipay_sdk::PublicKey::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => {
            let path = args.data_dir.join("app_private_key.pem");
            let key = keys::load_or_generate(&path).map_err(|e| e.to_string())?;
            log::info!(
                "app private key (configure it on the merchant side): {}",
                path.display()
            );
            key.public_key().clone()
        }
    };
    sim.register_app(args.app_id.clone(), app_key);
    let public_path = args.data_dir.join("alipay_public_key.pem");
    std::fs::write(&public_path, sim.alipay_public_key().to_pem())
        .map_err(|e| format!("{}: {e}", public_path.display()))?;
    let running = alipay_sim::start(sim.clone(), &args.bind).map_err(|e| e.to_string())?;
    sim.spawn_auto_delivery(std::time::Duration::from_millis(200))
        .map_err(|e| e.to_string())?;
    log::info!("gateway: {}", running.gateway_url);
    log::info!("app id: {}  seller id: {}", args.app_id, args.seller_id);
    log::info!(
        "Alipay public key (configure it on the merchant side), also in {}:\n{}",
        public_path.display(),
        sim.alipay_public_key().to_pem()
    );
    tokio::signal::ctrl_c().await.map_err(|e| e.to_string())?;
    running.stop().await;
    Ok(())
}
