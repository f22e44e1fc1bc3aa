#![no_main]
//! Arbitrary bytes as a synchronous response: extraction, verification and the doctor must never panic.

use std::sync::OnceLock;

use alipay_sdk::doctor::diagnose_response;
use alipay_sdk::requests::{BizRequest, TradeQuery};
use alipay_sdk::response::{ResponseEnvelope, verify_response, verify_response_text};
use alipay_sdk::{PublicKey, SignType};
use libfuzzer_sys::fuzz_target;

const ALI_PUBLIC_PEM: &str = include_str!("../../tests/fixtures/fzlee/ali_public_key.pem");

fn key() -> &'static PublicKey {
    static KEY: OnceLock<PublicKey> = OnceLock::new();
    KEY.get_or_init(|| PublicKey::parse(ALI_PUBLIC_PEM).expect("fixture key"))
}

fuzz_target!(|data: &[u8]| {
    if let Ok(envelope) = ResponseEnvelope::parse(data) {
        let _ = envelope.raw("alipay_trade_query_response");
        let _ = envelope.string("sign");
    }
    let _ = verify_response_text(data, TradeQuery::METHOD, key(), SignType::Rsa2, true);
    let _ = verify_response::<<TradeQuery as BizRequest>::Response>(data, TradeQuery::METHOD, key(), SignType::Rsa2);
    if data.len() < 4096 {
        let _ = diagnose_response(data, TradeQuery::METHOD, key(), None, SignType::Rsa2);
    }
});
