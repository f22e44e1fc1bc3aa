//! Reads a raw notify form body on stdin and prints the typed notification, or why it fails.
//!
//! ```text
//! cargo run -p alipay-sdk --example verify_notify -- --alipay-public-key alipay_public_key.pem < body.txt
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::error::Error;
use std::io::Read;

use alipay_sdk::doctor::{DoctorInput, MessageKind, diagnose};
use alipay_sdk::notify::{Notification, NotifyRule, verify_form_body};
use alipay_sdk::{PublicKey, SignType};

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let key_path = match args.as_slice() {
        [flag, path] if flag == "--alipay-public-key" => path,
        _ => return Err("usage: verify_notify --alipay-public-key FILE < body".into()),
    };
    let key = PublicKey::parse(&std::fs::read_to_string(key_path)?)?;
    let mut body = Vec::new();
    std::io::stdin().read_to_end(&mut body)?;
    let body = body.trim_ascii_end();
    match verify_form_body(body, &key, NotifyRule::V1, Some(SignType::Rsa2))
        .and_then(Notification::from_verified_params)
    {
        Ok(notification) => {
            println!(
                "verified {:?} notify {}",
                notification.kind(),
                notification.notify_id
            );
            println!("{notification:#?}");
            println!("paid: {}", notification.is_paid());
            Ok(())
        }
        Err(error) => {
            println!("rejected: {error}");
            if let Ok(input) = DoctorInput::from_form(body, MessageKind::Notify, &key) {
                print!("{}", diagnose(&input));
            }
            std::process::exit(1);
        }
    }
}
