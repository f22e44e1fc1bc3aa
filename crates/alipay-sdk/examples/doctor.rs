//! Explains why a signature does not verify.
//!
//! ```text
//! # a notify or return-URL body / query string on stdin:
//! cargo run -p alipay-sdk --example doctor -- --verify-key alipay_public_key.pem [--app-private-key app.pem] < body.txt
//! # a merchant request as the gateway sees it (verify with the app public key):
//! cargo run -p alipay-sdk --example doctor -- --request --verify-key app_public_key.pem < request.txt
//! # a synchronous response body:
//! cargo run -p alipay-sdk --example doctor -- --response alipay.trade.query --verify-key alipay_public_key.pem < response.json
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::error::Error;
use std::io::Read;

use alipay_sdk::doctor::{DoctorInput, MessageKind, diagnose, diagnose_response};
use alipay_sdk::{PrivateKey, PublicKey, SignType};

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
    let mut verify_key = None;
    let mut app_key = None;
    let mut response_method = None;
    let mut kind = MessageKind::Notify;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--verify-key" => {
                verify_key = Some(PublicKey::parse(&std::fs::read_to_string(
                    args.next().ok_or("--verify-key FILE")?,
                )?)?)
            }
            "--app-private-key" => {
                app_key = Some(PrivateKey::parse(&std::fs::read_to_string(
                    args.next().ok_or("--app-private-key FILE")?,
                )?)?)
            }
            "--response" => response_method = Some(args.next().ok_or("--response METHOD")?),
            "--request" => kind = MessageKind::Request,
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    let verify_key = verify_key.ok_or("--verify-key FILE is required")?;
    let mut input = Vec::new();
    std::io::stdin().read_to_end(&mut input)?;
    let input = input.trim_ascii();
    let diagnosis = match response_method {
        Some(method) => diagnose_response(
            input,
            &method,
            &verify_key,
            app_key.as_ref(),
            SignType::Rsa2,
        ),
        None => {
            let body = input.strip_prefix(b"?").unwrap_or(input);
            let mut doctor_input = DoctorInput::from_form(body, kind, &verify_key)?;
            doctor_input.app_private_key = app_key.as_ref();
            diagnose(&doctor_input)
        }
    };
    print!("{diagnosis}");
    Ok(())
}
