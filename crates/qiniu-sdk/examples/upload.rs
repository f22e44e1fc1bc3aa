//! Uploads a file with a progress bar, then prints the result, throughput and peak memory.
//!
//! Configuration: `QINIU_ACCESS_KEY`, `QINIU_SECRET_KEY`, `QINIU_BUCKET`, and optionally
//! `QINIU_UP_HOST` (e.g. `http://127.0.0.1:9400` for `qiniu-sim`; default region z0 over HTTPS),
//! `QINIU_CONCURRENCY`, `QINIU_NO_PROGRESS=1`.
//!
//! `cargo run --release -p qiniu-sdk --example upload -- FILE [KEY]`
#![allow(clippy::print_stdout)]

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use qiniu_sdk::{Client, Credentials, PutPolicy, Region, UploadConfig, UploadParams};

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    line.trim().trim_end_matches("kB").trim().parse().ok()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(file) = args.first() else {
        eprintln!("usage: upload FILE [KEY]");
        std::process::exit(2);
    };
    let key = args.get(1).cloned().unwrap_or_else(|| {
        std::path::Path::new(file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "upload.bin".into())
    });
    let credentials = Credentials::from_env().ok_or("set QINIU_ACCESS_KEY and QINIU_SECRET_KEY")?;
    let bucket = std::env::var("QINIU_BUCKET").map_err(|_| "set QINIU_BUCKET")?;
    let region = match std::env::var("QINIU_UP_HOST") {
        Ok(host) => Region::single_host(&host),
        Err(_) => Region::from_id("z0"),
    };
    let concurrency = std::env::var("QINIU_CONCURRENCY")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(4);
    let client = Client::builder()
        .region(region)
        .credentials(credentials.clone())
        .upload_config(UploadConfig {
            concurrency,
            ..UploadConfig::default()
        })
        .build()?;
    let token = credentials.upload_token(
        &PutPolicy::for_key(&bucket, &key),
        Duration::from_secs(3600),
    )?;

    let size = std::fs::metadata(file)?.len();
    let bar = if std::env::var_os("QINIU_NO_PROGRESS").is_some() {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(size)
    };
    bar.set_style(ProgressStyle::with_template(
        "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    )?);
    let progress_bar = bar.clone();
    let params = UploadParams::new().key(&key).on_progress(move |p| {
        progress_bar.set_position(p.uploaded);
        ControlFlow::Continue(())
    });
    let started = Instant::now();
    let response = client.upload_file(&token, file, params).await?;
    let secs = started.elapsed().as_secs_f64();
    bar.finish();
    println!("{}", response.body);
    println!(
        "uploaded {size} bytes in {secs:.2} s ({:.0} MiB/s); peak RSS {} MiB",
        size as f64 / secs.max(1e-9) / (1024.0 * 1024.0),
        peak_rss_kib().map_or_else(|| "?".into(), |k| (k / 1024).to_string())
    );
    Ok(())
}
