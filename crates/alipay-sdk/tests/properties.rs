//! Property tests: sign → verify round-trips for arbitrary Unicode, and every tampering fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use alipay_sdk::encode::{FormParams, encode_pairs, quote_plus};
use alipay_sdk::gateway;
use alipay_sdk::notify::{NotifyRule, verify_form_body};
use alipay_sdk::{Amount, SignType};
use common::*;
use proptest::prelude::*;

fn params_strategy() -> impl Strategy<Value = BTreeMap<String, String>> {
    prop::collection::btree_map("[a-z_]{1,12}", any::<String>(), 1..8)
        .prop_map(|map| {
            map.into_iter()
                .filter(|(k, _)| k != "sign" && k != "sign_type")
                .collect::<BTreeMap<_, _>>()
        })
        .prop_filter("at least one parameter", |map| !map.is_empty())
}

fn encode(pairs: &[(String, String)]) -> String {
    encode_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn signed_forms_verify_for_any_unicode(map in params_strategy()) {
        let params: Vec<(String, String)> = map.into_iter().collect();
        let signed = gateway::sign_notify(&params, &ali_private(), SignType::Rsa2).unwrap();
        let decoded = verify_form_body(signed.encoded.as_bytes(), &ali_public(), NotifyRule::V1, Some(SignType::Rsa2)).unwrap();
        prop_assert_eq!(decoded.pairs(), &signed.pairs[..]);
    }

    #[test]
    fn tampered_values_keys_and_signatures_fail(map in params_strategy(), index in any::<prop::sample::Index>(), suffix in "[a-zA-Z0-9路]{1,3}") {
        let params: Vec<(String, String)> = map.into_iter().collect();
        let signed = gateway::sign_notify(&params, &ali_private(), SignType::Rsa2).unwrap();
        let target = index.index(params.len());
        let verify = |pairs: &[(String, String)]| verify_form_body(encode(pairs).as_bytes(), &ali_public(), NotifyRule::V1, None);

        let mut value_changed = signed.pairs.clone();
        value_changed[target].1.push_str(&suffix);
        prop_assert!(verify(&value_changed).is_err());

        // Empty values are not signed (gateway rule), so renaming one changes nothing signed.
        if !signed.pairs[target].1.is_empty() {
            let mut key_changed = signed.pairs.clone();
            key_changed[target].0.push('x');
            prop_assert!(verify(&key_changed).is_err());
        }

        let mut sign_changed = signed.pairs.clone();
        let sign = &mut sign_changed.last_mut().unwrap().1;
        let replacement = if sign.starts_with('A') { "B" } else { "A" };
        sign.replace_range(0..1, replacement);
        prop_assert!(verify(&sign_changed).is_err());

        let mut duplicated = signed.pairs.clone();
        duplicated.push(signed.pairs[target].clone());
        prop_assert!(verify(&duplicated).is_err());

        let mut added = signed.pairs.clone();
        added.push(("zz_extra".to_owned(), suffix.clone()));
        prop_assert!(verify(&added).is_err());
    }

    #[test]
    fn request_signatures_round_trip_through_the_gateway(subject in any::<String>(), fen in 1u64..=10_000_000_000u64) {
        let alipay = python_alipay();
        let request = alipay_sdk::requests::Precreate::new(subject, alipay_sdk::OutTradeNo::new("P1").unwrap(), Amount::from_fen(fen)).unwrap();
        let signed = alipay.sign_request(&request).unwrap();
        let params = FormParams::parse(encode(&signed.form_pairs()).as_bytes()).unwrap();
        prop_assert_eq!(gateway::verify_request(&params, &app_public()).unwrap(), signed.content());
    }

    #[test]
    fn form_params_content_equals_the_free_function(map in params_strategy(), skip_empty in any::<bool>()) {
        let pairs: Vec<(String, String)> = map.into_iter().rev().collect();
        let params = FormParams::from_pairs(pairs.clone()).unwrap();
        let expected = alipay_sdk::sign::content_to_sign(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), skip_empty, &["sign", "sign_type"]);
        prop_assert_eq!(params.content_to_sign(skip_empty, &["sign", "sign_type"]), expected);
    }

    #[test]
    fn amounts_round_trip_through_text(fen in any::<u64>().prop_map(|f| f / 200)) {
        let amount = Amount::from_fen(fen);
        prop_assert_eq!(amount.to_string().parse::<Amount>().unwrap(), amount);
    }

    #[test]
    fn quote_plus_round_trips_through_the_form_decoder(value in any::<String>()) {
        let decoded = FormParams::parse(format!("k={}", quote_plus(&value)).as_bytes()).unwrap();
        prop_assert_eq!(decoded.get("k"), Some(value.as_str()));
    }

    #[test]
    fn form_parser_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = FormParams::parse(&bytes);
    }

    #[test]
    fn response_parser_never_panics(text in "\\PC{0,200}") {
        let _ = alipay_sdk::response::verify_response_text(text.as_bytes(), "alipay.trade.query", &ali_public(), SignType::Rsa2, true);
    }
}
