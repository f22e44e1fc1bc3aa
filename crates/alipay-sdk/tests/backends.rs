//! Every compiled-in RSA backend gives the same signature bytes as the pure-Rust `rsa` crate and
//! as OpenSSL (PKCS#1 v1.5 is deterministic), verifies the others' signatures, and refuses
//! tampered ones. Run with `--features ring`, `--features aws-lc-rs` or both to cover the fast
//! backends; the default build checks `rsa` against OpenSSL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use alipay_sdk::crypto::{self, Backend, signing_backend};
use alipay_sdk::{PrivateKey, SignType};
use common::*;

const RSA3072_PKCS8_PEM: &str = include_str!("fixtures/generated/rsa3072_pkcs8.pem");
const RSA4096_PKCS1_PEM: &str = include_str!("fixtures/generated/rsa4096_pkcs1.pem");
const RSA1024_PKCS1_PEM: &str = include_str!("fixtures/generated/rsa1024_pkcs1.pem");

fn keys() -> Vec<(&'static str, PrivateKey)> {
    [
        ("app", APP_PRIVATE_PEM),
        ("ali", ALI_PRIVATE_PEM),
        ("rsa3072", RSA3072_PKCS8_PEM),
        ("rsa4096", RSA4096_PKCS1_PEM),
        ("rsa1024", RSA1024_PKCS1_PEM),
    ]
    .into_iter()
    .map(|(name, pem)| (name, PrivateKey::parse(pem).unwrap()))
    .collect()
}

fn messages() -> Vec<Vec<u8>> {
    vec![
        Vec::new(),
        b"a=1".to_vec(),
        "app_id=2016000000000001&biz_content={\"subject\":\"路飞学城 Python 课程\",\"total_amount\":\"12.30\"}&charset=utf-8&method=alipay.trade.page.pay&sign_type=RSA2&timestamp=2024-01-01 12:00:00&version=1.0"
            .as_bytes()
            .to_vec(),
        b"luffy-".repeat(2000),
    ]
}

/// (key, message index, sign type, SHA-256 hex of OpenSSL's base64 signature); see
/// `fixtures/generated/README.md`.
const OPENSSL_SIGNATURES: &[(&str, usize, SignType, &str)] = &[
    (
        "app",
        0,
        SignType::Rsa2,
        "da3dba55913a8385a71f8d5426ff4d0fd984a68074ad682b13025c3a9b6312c9",
    ),
    (
        "app",
        0,
        SignType::Rsa,
        "21d6a8190b91d16386cac216c694c893c8e9f2c449f543a3d4003b319a54ebb3",
    ),
    (
        "app",
        1,
        SignType::Rsa2,
        "4fdf51c7a4db3a33bd497a99327a1735fdb0c96310a8ed6c71b4784bd1738c51",
    ),
    (
        "app",
        1,
        SignType::Rsa,
        "fc15eeae7f24e2b1d4a00afd78fb7526efb158623a36ced7cec7da91ded31d2d",
    ),
    (
        "app",
        2,
        SignType::Rsa2,
        "a9a78069b3f71c0e4700015aef969feff3cceece4de59fba53e58b2ff0e35f95",
    ),
    (
        "app",
        2,
        SignType::Rsa,
        "59302f1500086c650735aee805fbce0cea6d239d59fea47cc8341a02dce067e0",
    ),
    (
        "app",
        3,
        SignType::Rsa2,
        "4431b4f732f1ac48509516ef9541f68abf52c9ff780c5c889661100a0745ed06",
    ),
    (
        "app",
        3,
        SignType::Rsa,
        "a2cec1239313ac2a7ad705cc09eb4214edf1b9ddb71a5eef3a3679cee9f174eb",
    ),
    (
        "ali",
        0,
        SignType::Rsa2,
        "82bf57f2dca5d7328b9dfd499bc6ddfc8bd55fde9fb651248a273b6c6a1f58bd",
    ),
    (
        "ali",
        0,
        SignType::Rsa,
        "12a492746783da0978826f9cd9b7338f56cb5a952f63ceefc930d8bc58e42127",
    ),
    (
        "ali",
        1,
        SignType::Rsa2,
        "de51737303b977adca35d5911567c1883a3cb48096a214b4b45638922dc2f273",
    ),
    (
        "ali",
        1,
        SignType::Rsa,
        "cc667d7fbd7f3701c9f6903a6d0dbc4c1ed441407639d3ed2d7400c2d3cf1578",
    ),
    (
        "ali",
        2,
        SignType::Rsa2,
        "94058523d34c57f5e8893f625619995d87ff3df53bd47ba6bfd1967c87baa2df",
    ),
    (
        "ali",
        2,
        SignType::Rsa,
        "f4c0685bb7501cbe75a2ce68c40c13af59ea580c7dcc5570b459de24c8177f69",
    ),
    (
        "ali",
        3,
        SignType::Rsa2,
        "7f839edc648d41f7a6fea675611d9eef1dfe7ff31c60dc5196d7034d37089f0d",
    ),
    (
        "ali",
        3,
        SignType::Rsa,
        "10321c9df5712f59ca0c01ab7fb2a6c1bfcc0f9f07f1be1e2e0b39dfb6b7c826",
    ),
    (
        "rsa3072",
        0,
        SignType::Rsa2,
        "577e55fac939c7819c9c6b4355d0e4ae7b0a51e76f41788e00f603341110c35e",
    ),
    (
        "rsa3072",
        0,
        SignType::Rsa,
        "996e381a31ec05bbdc471e8d46dff65bc264405c82410c70a5173ce4988c0dd6",
    ),
    (
        "rsa3072",
        1,
        SignType::Rsa2,
        "772453f8405766086a3b4a4f4bffad9f30316d848bddc57049fa6f6b8d6fb62a",
    ),
    (
        "rsa3072",
        1,
        SignType::Rsa,
        "32532efbb6bc6af2079642e4befe358d68c825de0c5cffa338e690a4de89f7e7",
    ),
    (
        "rsa3072",
        2,
        SignType::Rsa2,
        "9b1d062dfcad1c35d59aaeec9c05d000e9ed5a89779d0db4f92463035046166f",
    ),
    (
        "rsa3072",
        2,
        SignType::Rsa,
        "76eebe6db40f3e82c794e2785f06b09aa362dcaa90163740e726207dd009b4a4",
    ),
    (
        "rsa3072",
        3,
        SignType::Rsa2,
        "e0e754bde4479defc52a1f4c716cd636c44609b4317d45b45a8ea8f875c6d109",
    ),
    (
        "rsa3072",
        3,
        SignType::Rsa,
        "ac8098bf8de493db36f22fc6b88a68772856896a125c1282ad716cdac82fa472",
    ),
    (
        "rsa4096",
        0,
        SignType::Rsa2,
        "3f9b948978c1e91f45d1303aeba34e561343621a540e7a556c1f9a2b306eac46",
    ),
    (
        "rsa4096",
        0,
        SignType::Rsa,
        "675c6c9ac348bebb86875e799b29f27e344e56b7ced845ee7e9e8fe2289e0d68",
    ),
    (
        "rsa4096",
        1,
        SignType::Rsa2,
        "7e1313fccb32e83242471102513e425522e636c2cfad59225991d7d9b0ad6709",
    ),
    (
        "rsa4096",
        1,
        SignType::Rsa,
        "c1b9ebc93fd982c40c204d8be201a78f4ee079593f6a8ae2dc34c0f7607507bf",
    ),
    (
        "rsa4096",
        2,
        SignType::Rsa2,
        "65817821fc8d0166c714baef64fa121caee409320ba1a86e07f31bab73eb0978",
    ),
    (
        "rsa4096",
        2,
        SignType::Rsa,
        "a7f718c7706cc4f49f43ad2a2d834d54e4d6a5e98ebb4669fc58efb23dba5c48",
    ),
    (
        "rsa4096",
        3,
        SignType::Rsa2,
        "4c9ee0e3d524ec565ae692dca5a27579faaa2faf04a4b377ddfba1fc1003c61d",
    ),
    (
        "rsa4096",
        3,
        SignType::Rsa,
        "c0c19d0bd7f710b3baebbe51a0864252c63982d081a86d167f56a6efdfa342c0",
    ),
    (
        "rsa1024",
        0,
        SignType::Rsa2,
        "125e5710c4207a048e739ace30aab15b3975e6ae73e5c1944d5c221d07ebabd0",
    ),
    (
        "rsa1024",
        0,
        SignType::Rsa,
        "0c9af0c6205ef44927a1fad681a2a67aae9cdbe47b24dd085262b7177819f16f",
    ),
    (
        "rsa1024",
        1,
        SignType::Rsa2,
        "dc6529427c323dfecf7a7f8149e4d71274cb589fd3fffca073f0a941545c89e6",
    ),
    (
        "rsa1024",
        1,
        SignType::Rsa,
        "314b40c5b67cd4577c78947c1d53847c25e26d06689dcbb71cef2db91dbf23b5",
    ),
    (
        "rsa1024",
        2,
        SignType::Rsa2,
        "0869dd029afccfe313ca9dc1588fdc992d88bd6ab324bfd04096bb1426dd10a5",
    ),
    (
        "rsa1024",
        2,
        SignType::Rsa,
        "5dca8cbeef0ed54f30748035fb190ad2404e8282fbae1f84b99e4aa70b158657",
    ),
    (
        "rsa1024",
        3,
        SignType::Rsa2,
        "17e951c8948da9666b730c5f42f1f70445d0239bb927d85414e8f1df2ef3f3e8",
    ),
    (
        "rsa1024",
        3,
        SignType::Rsa,
        "744da36dcc55e3ba5a346d6204ef77d4b8f87aed911a20f5437ed26176786b1a",
    ),
];

#[test]
fn the_selected_backend_follows_the_features() {
    let expected = if cfg!(feature = "aws-lc-rs") {
        Backend::AwsLcRs
    } else if cfg!(feature = "ring") {
        Backend::Ring
    } else {
        Backend::Rsa
    };
    assert_eq!(Backend::selected(), expected);
    assert!(Backend::selected().is_available());
    assert_eq!(Backend::AVAILABLE.first(), Some(&Backend::Rsa));
    assert_eq!(Backend::Ring.is_available(), cfg!(feature = "ring"));
    assert_eq!(Backend::AwsLcRs.is_available(), cfg!(feature = "aws-lc-rs"));
    assert_eq!(
        Backend::AVAILABLE.len(),
        1 + usize::from(cfg!(feature = "ring")) + usize::from(cfg!(feature = "aws-lc-rs"))
    );
}

#[test]
fn a_backend_that_is_not_compiled_in_is_an_error_not_a_fallback() {
    let key = app_private();
    for backend in [Backend::Ring, Backend::AwsLcRs] {
        let signed = crypto::sign_with(backend, &key, SignType::Rsa2, b"a=1");
        assert_eq!(signed.is_ok(), backend.is_available(), "{backend}");
        if let Err(error) = signed {
            assert!(error.to_string().contains(backend.name()), "{error}");
        }
        let reference = crypto::sign_with(Backend::Rsa, &key, SignType::Rsa2, b"a=1").unwrap();
        let verified = crypto::verify_with(
            backend,
            key.public_key(),
            SignType::Rsa2,
            b"a=1",
            &reference,
        );
        assert_eq!(verified.is_ok(), backend.is_available(), "{backend}");
    }
}

#[test]
fn fast_backends_sign_rsa2_with_2048_to_4096_bit_keys_and_leave_the_rest_to_rsa() {
    for (name, key) in keys() {
        for &backend in Backend::AVAILABLE {
            let rsa2 = signing_backend(backend, &key, SignType::Rsa2);
            let expected = if key.bits() >= 2048 {
                backend
            } else {
                Backend::Rsa
            };
            assert_eq!(rsa2, expected, "{name} ({} bits) on {backend}", key.bits());
            assert_eq!(
                signing_backend(backend, &key, SignType::Rsa),
                Backend::Rsa,
                "{name}: legacy RSA signing stays on rsa"
            );
        }
    }
}

#[test]
fn every_backend_signs_the_same_bytes_as_rsa_and_openssl() {
    let keys = keys();
    let messages = messages();
    for &(name, message, sign_type, expected) in OPENSSL_SIGNATURES {
        let key = &keys.iter().find(|(n, _)| *n == name).unwrap().1;
        let content = &messages[message];
        let reference = crypto::sign_with(Backend::Rsa, key, sign_type, content).unwrap();
        assert_eq!(
            sha256_hex(reference.as_bytes()),
            expected,
            "rsa differs from OpenSSL: {name}, message {message}, {sign_type}"
        );
        for &backend in Backend::AVAILABLE {
            let signature = crypto::sign_with(backend, key, sign_type, content).unwrap();
            assert_eq!(
                signature, reference,
                "{backend} differs from rsa: {name}, message {message}, {sign_type}"
            );
        }
        assert_eq!(
            crypto::sign(key, sign_type, content).unwrap(),
            reference,
            "selected backend {}",
            Backend::selected()
        );
    }
    assert_eq!(OPENSSL_SIGNATURES.len(), keys.len() * messages.len() * 2);
}

#[test]
fn every_backend_verifies_every_backends_signatures_and_refuses_tampering() {
    let messages = messages();
    for (name, key) in keys() {
        let public = key.public_key();
        for sign_type in [SignType::Rsa2, SignType::Rsa] {
            for content in &messages {
                for &signer in Backend::AVAILABLE {
                    let signature = crypto::sign_with(signer, &key, sign_type, content).unwrap();
                    let mut tampered_content = content.clone();
                    tampered_content.push(b'x');
                    let mut tampered_signature = signature.clone().into_bytes();
                    tampered_signature[10] = if tampered_signature[10] == b'A' {
                        b'B'
                    } else {
                        b'A'
                    };
                    let tampered_signature = String::from_utf8(tampered_signature).unwrap();
                    for &verifier in Backend::AVAILABLE {
                        let context = format!(
                            "{name}, {sign_type}, signed by {signer}, verified by {verifier}"
                        );
                        crypto::verify_with(verifier, public, sign_type, content, &signature)
                            .unwrap_or_else(|error| panic!("{context}: {error}"));
                        assert!(
                            crypto::verify_with(
                                verifier,
                                public,
                                sign_type,
                                &tampered_content,
                                &signature
                            )
                            .is_err(),
                            "{context}: tampered content accepted"
                        );
                        assert!(
                            crypto::verify_with(
                                verifier,
                                public,
                                sign_type,
                                content,
                                &tampered_signature
                            )
                            .is_err(),
                            "{context}: tampered signature accepted"
                        );
                        let other_type = match sign_type {
                            SignType::Rsa2 => SignType::Rsa,
                            SignType::Rsa => SignType::Rsa2,
                        };
                        assert!(
                            crypto::verify_with(verifier, public, other_type, content, &signature)
                                .is_err(),
                            "{context}: accepted as {other_type}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn other_keys_signatures_are_refused_by_every_backend() {
    let signature = crypto::sign(&app_private(), SignType::Rsa2, b"a=1").unwrap();
    for &backend in Backend::AVAILABLE {
        assert!(
            crypto::verify_with(backend, &ali_public(), SignType::Rsa2, b"a=1", &signature)
                .is_err(),
            "{backend}"
        );
        crypto::verify_with(backend, &app_public(), SignType::Rsa2, b"a=1", &signature).unwrap();
    }
}
