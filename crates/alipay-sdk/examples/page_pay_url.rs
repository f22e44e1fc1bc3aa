//! Prints a signed `alipay.trade.page.pay` URL.
//!
//! ```text
//! cargo run -p alipay-sdk --example page_pay_url -- \
//!     --app-id 2016000000000001 --private-key app_private_key.pem --alipay-public-key alipay_public_key.pem \
//!     --subject "Python course" --out-trade-no 202401011200000001 --amount 12.30 \
//!     [--return-url URL] [--notify-url URL] [--timeout-express 15m] [--sandbox | --gateway URL] [--python-compat]
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::HashMap;
use std::error::Error;

use alipay_sdk::requests::PagePay;
use alipay_sdk::{Alipay, Amount, OutTradeNo, PrivateKey, PublicKey, SANDBOX_GATEWAY, SignMode};

fn parse_args() -> Result<HashMap<String, String>, String> {
    let mut options = HashMap::new();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let name = flag
            .strip_prefix("--")
            .ok_or_else(|| format!("unexpected argument {flag:?}"))?
            .to_owned();
        if matches!(name.as_str(), "sandbox" | "python-compat") {
            options.insert(name, String::new());
        } else {
            let value = args
                .next()
                .ok_or_else(|| format!("--{name} needs a value"))?;
            options.insert(name, value);
        }
    }
    Ok(options)
}

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
    let options = parse_args()?;
    let required = |name: &str| {
        options
            .get(name)
            .cloned()
            .ok_or_else(|| format!("missing --{name}"))
    };
    let private_key = PrivateKey::parse(&std::fs::read_to_string(required("private-key")?)?)?;
    let alipay_key = PublicKey::parse(&std::fs::read_to_string(required("alipay-public-key")?)?)?;
    let mut builder = Alipay::builder(required("app-id")?, private_key, alipay_key);
    if options.contains_key("sandbox") {
        builder = builder.gateway_url(SANDBOX_GATEWAY);
    }
    if let Some(url) = options.get("gateway") {
        builder = builder.gateway_url(url.as_str());
    }
    if options.contains_key("python-compat") {
        builder = builder.sign_mode(SignMode::PythonCompat);
    }
    if let Some(url) = options.get("notify-url") {
        builder = builder.notify_url(url.as_str());
    }
    if let Some(url) = options.get("return-url") {
        builder = builder.return_url(url.as_str());
    }
    let alipay = builder.build()?;
    let mut request = PagePay::new(
        required("subject")?,
        OutTradeNo::new(required("out-trade-no")?)?,
        required("amount")?.parse::<Amount>()?,
    )?;
    if let Some(timeout) = options.get("timeout-express") {
        request = request.timeout_express(timeout.as_str());
    }
    println!("{}", alipay.page_pay_url(&request)?);
    Ok(())
}
