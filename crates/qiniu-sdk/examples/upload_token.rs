//! Prints an upload token for `BUCKET [KEY]`, valid for an hour.
//!
//! Keys come from `QINIU_ACCESS_KEY` / `QINIU_SECRET_KEY` (demo keys when unset).
//! `cargo run -p qiniu-sdk --example upload_token -- videos course/intro.mp4`
#![allow(clippy::print_stdout)]

use std::time::Duration;

use qiniu_sdk::{Credentials, PutPolicy};

fn main() -> qiniu_sdk::Result<()> {
    let mut args = std::env::args().skip(1);
    let bucket = args.next().unwrap_or_else(|| "videos".into());
    let credentials = Credentials::from_env().unwrap_or_else(|| {
        eprintln!("QINIU_ACCESS_KEY/QINIU_SECRET_KEY not set; using demo keys");
        Credentials::new("demo-access-key", "demo-secret-key")
    });
    let policy = match args.next() {
        Some(key) => PutPolicy::for_key(&bucket, key),
        None => PutPolicy::new(&bucket),
    }
    .return_body(r#"{"key":"$(key)","hash":"$(etag)","fsize":$(fsize)}"#)
    .mime_limit("video/*;image/*");
    println!(
        "{}",
        credentials.upload_token(&policy, Duration::from_secs(3600))?
    );
    Ok(())
}
