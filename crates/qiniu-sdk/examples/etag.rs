//! Prints the Qiniu etag of each file given on the command line, with throughput.
//!
//! `cargo run --release -p qiniu-sdk --example etag -- FILE...`
#![allow(clippy::print_stdout)]

use std::time::Instant;

fn main() -> std::io::Result<()> {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: etag FILE...");
        std::process::exit(2);
    }
    for file in files {
        let size = std::fs::metadata(&file)?.len();
        let started = Instant::now();
        let etag = qiniu_sdk::etag_of_file(&file)?;
        let secs = started.elapsed().as_secs_f64();
        let rate = size as f64 / secs.max(1e-9) / (1024.0 * 1024.0);
        println!("{etag}  {file}  ({size} bytes, {secs:.3} s, {rate:.0} MiB/s)");
    }
    Ok(())
}
