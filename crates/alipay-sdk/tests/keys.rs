//! Key loading: formats, tolerance, clear errors, wrong-slot detection, redaction.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use alipay_sdk::{Alipay, Error, KeyFormat, PrivateKey, PublicKey};
use common::*;

fn bare_base64(pem: &str) -> String {
    pem.lines()
        .filter(|line| !line.starts_with("-----"))
        .collect()
}

#[test]
fn private_key_formats_all_load_to_the_same_key() {
    let reference = app_private().public_key().clone();
    let pasted = [
        APP_PRIVATE_PEM.to_owned(),
        APP_PRIVATE_PKCS8_PEM.to_owned(),
        bare_base64(APP_PRIVATE_PEM),
        bare_base64(APP_PRIVATE_PKCS8_PEM),
        APP_PRIVATE_PEM.replace('\n', "\r\n"),
        format!("\u{feff}{}", APP_PRIVATE_PEM),
        APP_PRIVATE_PEM.replace('\n', " "),
        APP_PRIVATE_PEM.replace('\n', "\\n"),
        format!("  {}  \n\n", bare_base64(APP_PRIVATE_PKCS8_PEM)),
    ];
    for text in pasted {
        let key = PrivateKey::parse(&text).unwrap_or_else(|error| panic!("{error}: {text:?}"));
        assert_eq!(key.public_key(), &reference);
        assert_eq!(key.bits(), 2048);
    }
    assert_eq!(
        PrivateKey::parse(&bare_base64(APP_PRIVATE_PEM))
            .unwrap()
            .format(),
        KeyFormat::Base64Pkcs1Private
    );
    assert_eq!(
        PrivateKey::parse(&bare_base64(APP_PRIVATE_PKCS8_PEM))
            .unwrap()
            .format(),
        KeyFormat::Base64Pkcs8Private
    );
}

#[test]
fn public_key_formats_load() {
    let reference = app_public();
    assert_eq!(
        PublicKey::parse(&bare_base64(APP_PUBLIC_PEM)).unwrap(),
        reference
    );
    let pkcs1 = reference.to_pkcs1_pem();
    assert!(pkcs1.starts_with("-----BEGIN RSA PUBLIC KEY-----"));
    assert_eq!(PublicKey::parse(&reference.to_pem()).unwrap(), reference);
    assert_eq!(PublicKey::parse(&pkcs1).unwrap(), reference);
    assert_eq!(PublicKey::parse(&reference.to_base64()).unwrap(), reference);
}

#[test]
fn errors_say_what_was_seen_and_what_was_expected() {
    let error = PrivateKey::parse(APP_PUBLIC_PEM).unwrap_err().to_string();
    assert!(error.contains("PEM `PUBLIC KEY`"), "{error}");
    assert!(error.contains("expected: an RSA private key"), "{error}");
    let error = PublicKey::parse(APP_PRIVATE_PEM).unwrap_err().to_string();
    assert!(
        error.contains("RSA PRIVATE KEY") && error.contains("a public key belongs here"),
        "{error}"
    );
    let error = PrivateKey::parse("not a key at all!")
        .unwrap_err()
        .to_string();
    assert!(error.contains("not valid base64"), "{error}");
    let error = PrivateKey::parse("").unwrap_err().to_string();
    assert!(error.contains("no key given"), "{error}");
    let error =
        PrivateKey::parse("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----")
            .unwrap_err()
            .to_string();
    assert!(error.contains("EC PRIVATE KEY"), "{error}");
}

#[test]
fn app_public_key_in_the_alipay_slot_is_refused() {
    let error = Alipay::builder(APP_ID, app_private(), app_public())
        .build()
        .unwrap_err();
    assert!(matches!(error, Error::AppKeyInAlipaySlot { .. }));
    assert!(error.to_string().contains("支付宝公钥"));
    Alipay::builder(APP_ID, app_private(), ali_public())
        .build()
        .unwrap();
}

#[test]
fn private_keys_are_redacted_in_debug_and_display() {
    let key = app_private();
    let alipay = python_alipay();
    let outputs = [
        format!("{key:?}"),
        format!("{key}"),
        format!("{alipay:?}"),
        format!(
            "{:?}",
            alipay_sdk::testing::KeyPairPem {
                private_pem: APP_PRIVATE_PEM.to_owned(),
                public_pem: String::new()
            }
        ),
    ];
    for output in outputs {
        assert!(output.contains("redacted"), "{output}");
        for line in APP_PRIVATE_PEM
            .lines()
            .filter(|line| !line.starts_with("-----"))
        {
            assert!(
                !output.contains(&line[..16]),
                "key material leaked: {output}"
            );
        }
    }
}

#[test]
fn generated_key_pairs_work_and_differ() {
    let first = alipay_sdk::testing::generate_key_pair().unwrap();
    let private = PrivateKey::parse(&first.private_pem).unwrap();
    let public = PublicKey::parse(&first.public_pem).unwrap();
    assert_eq!(private.public_key(), &public);
    assert_eq!(public.bits(), 2048);
    let signature = alipay_sdk::crypto::sign(&private, alipay_sdk::SignType::Rsa2, b"x").unwrap();
    alipay_sdk::crypto::verify(&public, alipay_sdk::SignType::Rsa2, b"x", &signature).unwrap();
    assert!(
        alipay_sdk::crypto::verify(&app_public(), alipay_sdk::SignType::Rsa2, b"x", &signature)
            .is_err()
    );
}
