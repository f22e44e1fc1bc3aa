#![no_main]
//! Arbitrary bytes as a notify body: parsing, verification and the typed view must never panic,
//! and anything that parses must re-encode to a body that parses to the same pairs.

use std::sync::OnceLock;

use alipay_sdk::encode::{FormParams, encode_pairs};
use alipay_sdk::notify::{Notification, NotifyRule, verify_form_body};
use alipay_sdk::PublicKey;
use libfuzzer_sys::fuzz_target;

const ALI_PUBLIC_PEM: &str = include_str!("../../tests/fixtures/fzlee/ali_public_key.pem");

fn key() -> &'static PublicKey {
    static KEY: OnceLock<PublicKey> = OnceLock::new();
    KEY.get_or_init(|| PublicKey::parse(ALI_PUBLIC_PEM).expect("fixture key"))
}

fuzz_target!(|data: &[u8]| {
    if let Ok(params) = FormParams::parse(data) {
        let encoded = encode_pairs(params.pairs().iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let again = FormParams::parse(encoded.as_bytes()).expect("re-encoded form parses");
        assert_eq!(again.pairs(), params.pairs());
        let _ = Notification::from_verified_params(params);
    }
    let _ = verify_form_body(data, key(), NotifyRule::V1, None);
});
