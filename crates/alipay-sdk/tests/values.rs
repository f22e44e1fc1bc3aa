//! Amount, OutTradeNo, TradeStatus, JSON escaping, URL encoding and time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use alipay_sdk::clock::{Clock, FixedClock, FnClock, china_timestamp};
use alipay_sdk::encode::{FormParams, quote_plus};
use alipay_sdk::json::to_python_json;
use alipay_sdk::{Amount, Error, OutTradeNo, TradeStatus};

#[test]
fn amount_parses_exact_two_place_decimals() {
    for (text, fen) in [
        ("12.3", 1230),
        ("12.30", 1230),
        ("12", 1200),
        ("0.01", 1),
        ("0", 0),
        ("100000000.00", 10_000_000_000),
    ] {
        assert_eq!(text.parse::<Amount>().unwrap().fen(), fen, "{text}");
    }
    assert_eq!(Amount::from_fen(1230).to_string(), "12.30");
    assert_eq!(Amount::from_fen(5).to_string(), "0.05");
    assert_eq!(
        "12.3".parse::<Amount>().unwrap(),
        "12.30".parse::<Amount>().unwrap()
    );
}

#[test]
fn amount_rejects_garbage_negatives_and_extra_decimals() {
    for text in [
        "12.345",
        "-1",
        "+1",
        "1e3",
        " 1",
        "1 ",
        "",
        ".5",
        "1.",
        "1.2.3",
        "abc",
        "１２",
        "99999999999999999999",
    ] {
        assert!(
            matches!(text.parse::<Amount>(), Err(Error::InvalidAmount { .. })),
            "{text:?} accepted"
        );
    }
}

#[test]
fn payment_range_is_checked() {
    assert!(Amount::parse_payment("0.00").is_err());
    assert!(Amount::parse_payment("100000000.01").is_err());
    assert_eq!(
        Amount::parse_payment("100000000.00").unwrap(),
        Amount::MAX_PAYMENT
    );
    assert_eq!(Amount::parse_payment("0.01").unwrap(), Amount::MIN_PAYMENT);
}

#[test]
fn amount_serialises_as_string() {
    assert_eq!(
        serde_json::to_string(&Amount::from_fen(1230)).unwrap(),
        r#""12.30""#
    );
    assert_eq!(
        serde_json::from_str::<Amount>(r#""0.1""#).unwrap(),
        Amount::from_fen(10)
    );
    assert!(
        serde_json::from_str::<Amount>("12.3").is_err(),
        "numbers (floats) are refused"
    );
}

#[test]
fn out_trade_no_accepts_only_alipays_alphabet() {
    assert_eq!(OutTradeNo::new("abc_123").unwrap().as_str(), "abc_123");
    assert!(OutTradeNo::new("a".repeat(64)).is_ok());
    for bad in ["", "a-b", "订单", "a b", "a/b"] {
        assert!(
            matches!(OutTradeNo::new(bad), Err(Error::InvalidOutTradeNo { .. })),
            "{bad:?}"
        );
    }
    assert!(OutTradeNo::new("a".repeat(65)).is_err());
    assert!(serde_json::from_str::<OutTradeNo>(r#""bad-no""#).is_err());
}

#[test]
fn trade_status_paid_and_transitions() {
    assert!(TradeStatus::TradeSuccess.is_paid());
    assert!(TradeStatus::TradeFinished.is_paid());
    assert!(!TradeStatus::WaitBuyerPay.is_paid());
    assert!(!TradeStatus::TradeClosed.is_paid());
    assert!(TradeStatus::WaitBuyerPay.can_become(TradeStatus::TradeSuccess));
    assert!(!TradeStatus::TradeClosed.can_become(TradeStatus::TradeSuccess));
    assert_eq!(
        "TRADE_FINISHED".parse::<TradeStatus>().unwrap(),
        TradeStatus::TradeFinished
    );
    assert!("PAID".parse::<TradeStatus>().is_err());
}

#[test]
fn json_matches_python_ensure_ascii() {
    let value = serde_json::json!({"s": "路飞 😀\u{7f}\u{1f}\"\\/\n\t<>&é"});
    // python: json.dumps({"s": "路飞 😀\x7f\x1f\"\\/\n\t<>&é"}, separators=(',', ':'))
    assert_eq!(
        to_python_json(&value).unwrap(),
        r#"{"s":"\u8def\u98de \ud83d\ude00\u007f\u001f\"\\/\n\t<>&\u00e9"}"#
    );
}

#[test]
fn quote_plus_matches_python() {
    // python: urllib.parse.quote_plus("a b*~/:é+")
    assert_eq!(quote_plus("a b*~/:é+_.-"), "a+b%2A~%2F%3A%C3%A9%2B_.-");
}

#[test]
fn form_decoding_is_exactly_once_and_strict() {
    let params = FormParams::parse(b"a=%2541&b=x+y&c=&d").unwrap();
    assert_eq!(params.get("a"), Some("%41"), "decoded once, not twice");
    assert_eq!(params.get("b"), Some("x y"));
    assert_eq!(params.get("c"), Some(""));
    assert_eq!(params.get("d"), Some(""));
    assert!(FormParams::parse(b"a=%zz").is_err());
    assert!(
        FormParams::parse(b"a=%e4").is_err(),
        "invalid UTF-8 is an error"
    );
    assert!(matches!(
        FormParams::parse(b"a=1&a=1"),
        Err(Error::DuplicateParameter(_))
    ));
}

#[test]
fn gbk_forms_are_decoded_with_their_charset() {
    // "路飞" in GBK is C2 B7 B7 C9.
    let params = FormParams::parse(b"charset=GBK&subject=%C2%B7%B7%C9").unwrap();
    assert_eq!(params.get("subject"), Some("路飞"));
}

#[test]
fn timestamps_are_china_time_from_the_clock() {
    let clock = FixedClock::china(2024, 1, 1, 0, 0, 0).unwrap();
    assert_eq!(china_timestamp(clock.now()), "2024-01-01 00:00:00");
    assert_eq!(clock.now().to_rfc3339(), "2023-12-31T16:00:00+00:00");
    let leap = FixedClock::china(2024, 2, 29, 23, 59, 59).unwrap();
    assert_eq!(china_timestamp(leap.now()), "2024-02-29 23:59:59");
    assert!(FixedClock::china(2023, 2, 29, 0, 0, 0).is_none());
    let closure = FnClock(|| {
        chrono::DateTime::parse_from_rfc3339("2024-12-31T16:30:00Z")
            .unwrap()
            .to_utc()
    });
    assert_eq!(china_timestamp(closure.now()), "2025-01-01 00:30:00");
}
