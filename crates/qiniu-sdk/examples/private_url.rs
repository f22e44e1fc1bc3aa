//! Prints a private download URL for `DOMAIN KEY [SECONDS]`.
//!
//! `cargo run -p qiniu-sdk --example private_url -- https://cdn.example.com 课程/第一讲.mp4 600`
#![allow(clippy::print_stdout)]

use std::time::Duration;

use qiniu_sdk::{Credentials, public_download_url};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(domain), Some(key)) = (args.first(), args.get(1)) else {
        eprintln!("usage: private_url DOMAIN KEY [SECONDS]");
        std::process::exit(2);
    };
    let seconds = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3600);
    let credentials = Credentials::from_env().unwrap_or_else(|| {
        eprintln!("QINIU_ACCESS_KEY/QINIU_SECRET_KEY not set; using demo keys");
        Credentials::new("demo-access-key", "demo-secret-key")
    });
    let url = public_download_url(domain, key);
    println!(
        "{}",
        credentials.private_download_url(&url, Duration::from_secs(seconds))
    );
}
