//! Discount rules: the formula staff type for a promotion (`sale`), parsed into a typed rule.
//!
//! Accepted forms, as the lineage documents them: empty or `0` (free, 限时免费), `*0.82` (a rate,
//! 八二折), `-20` (a reduction of ¥20), and one or more lines `满100-10` / `100-10` (tiered 满减:
//! the largest reduction whose threshold the price meets). Amounts are yuan with at most two
//! decimal places.

use super::{half_up, yuan_text};
use crate::{DomainError, Money};
use std::fmt;
use std::str::FromStr;

/// The field every formula error names.
const SALE: &str = "sale";

/// The denominator of every [`Rate`]: rates are exact to four decimal places.
pub const RATE_SCALE: u32 = 10_000;

/// A price multiplier in (0, 1], exact to four decimal places (`0.82` is 8200 / 10000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rate {
    per_ten_thousand: u32,
}

impl Rate {
    /// The rate `n / 10000`; refused outside (0, 1].
    pub fn from_per_ten_thousand(n: u32) -> Result<Self, DomainError> {
        if n == 0 || n > RATE_SCALE {
            return Err(DomainError::invalid(
                SALE,
                "a rate must be greater than 0 and at most 1",
            ));
        }
        Ok(Self {
            per_ten_thousand: n,
        })
    }

    /// The numerator over [`RATE_SCALE`].
    pub fn per_ten_thousand(self) -> u32 {
        self.per_ten_thousand
    }

    /// `price × rate`, rounded half up to a whole fen; never above `price`.
    pub fn apply(self, price: Money) -> Money {
        let product = i128::from(price.fen()) * i128::from(self.per_ten_thousand);
        Money::clamped(half_up(product, i128::from(RATE_SCALE)))
    }
}

impl FromStr for Rate {
    type Err = DomainError;

    /// Parses decimal text such as `0.82`, `0.8`, `1` or `0.8250` (at most four places).
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let text = input.trim();
        let refuse = || {
            DomainError::invalid(
                SALE,
                format!("{text:?} is not a rate: expected a decimal such as 0.82"),
            )
        };
        let (int, frac) = text.split_once('.').unwrap_or((text, ""));
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if int.is_empty()
            || int.len() > 2
            || !digits(int)
            || !digits(frac)
            || (text.contains('.') && frac.is_empty())
        {
            return Err(refuse());
        }
        if frac.len() > 4 {
            return Err(DomainError::invalid(
                SALE,
                format!("{text:?}: a rate has at most four decimal places"),
            ));
        }
        let int: u32 = int.parse().map_err(|_| refuse())?;
        let frac_value: u32 = if frac.is_empty() {
            0
        } else {
            let padded = format!("{frac:0<4}");
            padded.parse().map_err(|_| refuse())?
        };
        Self::from_per_ten_thousand(int * RATE_SCALE + frac_value)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let int = self.per_ten_thousand / RATE_SCALE;
        let frac = self.per_ten_thousand % RATE_SCALE;
        if frac == 0 {
            write!(f, "{int}")
        } else {
            let digits = format!("{frac:04}");
            write!(f, "{int}.{}", digits.trim_end_matches('0'))
        }
    }
}

/// One step of a tiered reduction (满减): at or above `threshold`, take `minus` off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tier {
    /// The list price from which this step applies.
    pub threshold: Money,
    /// The reduction.
    pub minus: Money,
}

/// What a discount rule does to a price.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RuleKind {
    /// 限时免费: the price becomes 0.
    Free,
    /// 限时折扣: the price times a rate, rounded half up.
    Rate(Rate),
    /// 限时减免: the price less a fixed amount, never below 0.
    Minus(Money),
    /// 满减: the price less the largest reduction whose threshold it meets. The tiers are
    /// non-empty, with thresholds and reductions both strictly increasing.
    Tiers(Vec<Tier>),
}

impl RuleKind {
    /// The price after the rule, or `None` when a tiered rule has no tier the price meets.
    pub fn apply(&self, price: Money) -> Option<Money> {
        let less = |minus: Money| price.checked_sub(minus).unwrap_or(Money::ZERO);
        match self {
            RuleKind::Free => Some(Money::ZERO),
            RuleKind::Rate(rate) => Some(rate.apply(price)),
            RuleKind::Minus(minus) => Some(less(*minus)),
            RuleKind::Tiers(tiers) => tiers
                .iter()
                .filter(|tier| price >= tier.threshold)
                .map(|tier| tier.minus)
                .max()
                .map(less),
        }
    }

    /// The formula text, in the canonical form the parser reads back to the same rule.
    pub fn to_formula(&self) -> String {
        self.to_string()
    }
}

/// A positive amount of yuan inside a formula; `what` names it in the error.
fn amount(text: &str, what: &str) -> Result<Money, DomainError> {
    let value: Money = text.trim().parse().map_err(|_| {
        DomainError::invalid(
            SALE,
            format!("{what} {text:?} is not an amount of yuan with at most two decimal places"),
        )
    })?;
    if value.is_zero() {
        return Err(DomainError::invalid(
            SALE,
            format!("{what} must be greater than 0"),
        ));
    }
    Ok(value)
}

/// Parses tier lines (`满100-10` or `100-10`, one per line, LF or CRLF).
fn parse_tiers(text: &str) -> Result<Vec<Tier>, DomainError> {
    let mut tiers: Vec<Tier> = Vec::new();
    for line in text.lines().map(str::trim).filter(|line| !line.is_empty()) {
        let body = line.strip_prefix('满').unwrap_or(line);
        let (threshold, minus) = body.split_once('-').ok_or_else(|| {
            DomainError::invalid(
                SALE,
                format!("{line:?} is not a tier: expected 满threshold-reduction, as 满100-10"),
            )
        })?;
        let tier = Tier {
            threshold: amount(threshold, "a tier threshold")?,
            minus: amount(minus, "a tier reduction")?,
        };
        if tier.minus > tier.threshold {
            return Err(DomainError::invalid(
                SALE,
                format!("{line:?}: the reduction exceeds its threshold"),
            ));
        }
        if let Some(last) = tiers.last() {
            if tier.threshold <= last.threshold {
                return Err(DomainError::invalid(
                    SALE,
                    format!("{line:?}: tier thresholds must be distinct and ascending"),
                ));
            }
            if tier.minus <= last.minus {
                return Err(DomainError::invalid(
                    SALE,
                    format!("{line:?}: a higher tier must give a larger reduction"),
                ));
            }
        }
        tiers.push(tier);
    }
    Ok(tiers)
}

impl FromStr for RuleKind {
    type Err = DomainError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let text = input.trim();
        if text.is_empty() || text == "0" {
            return Ok(RuleKind::Free);
        }
        if let Some(rate) = text.strip_prefix('*') {
            return Ok(RuleKind::Rate(rate.parse()?));
        }
        if let Some(minus) = text.strip_prefix('-') {
            return Ok(RuleKind::Minus(amount(minus, "a reduction")?));
        }
        if text.starts_with('满') || text.starts_with(|c: char| c.is_ascii_digit()) {
            return Ok(RuleKind::Tiers(parse_tiers(text)?));
        }
        Err(DomainError::invalid(
            SALE,
            format!(
                "{text:?} is not a formula: expected empty (free), *rate, -amount or lines of 满threshold-amount"
            ),
        ))
    }
}

impl fmt::Display for RuleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleKind::Free => Ok(()),
            RuleKind::Rate(rate) => write!(f, "*{rate}"),
            RuleKind::Minus(minus) => write!(f, "-{}", yuan_text(*minus)),
            RuleKind::Tiers(tiers) => {
                for (i, tier) in tiers.iter().enumerate() {
                    if i > 0 {
                        f.write_str("\n")?;
                    }
                    write!(
                        f,
                        "满{}-{}",
                        yuan_text(tier.threshold),
                        yuan_text(tier.minus)
                    )?;
                }
                Ok(())
            }
        }
    }
}

/// A discount rule: what it does, and the list price from which it applies (`condition`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DiscountRule {
    /// What the rule does to a price.
    pub kind: RuleKind,
    /// The rule applies only to a list price at or above this (0 = always).
    pub condition: Money,
}

impl DiscountRule {
    /// Parses the formula text `sale` with a threshold in fen.
    pub fn parse(sale: &str, condition: Money) -> Result<Self, DomainError> {
        Ok(Self {
            kind: sale.parse()?,
            condition,
        })
    }

    /// Parses a legacy row: the formula and its `condition` in whole yuan (blank or 0 = none).
    pub fn from_legacy(sale: &str, condition_yuan: Option<i64>) -> Result<Self, DomainError> {
        let yuan = condition_yuan.unwrap_or(0);
        let condition = yuan
            .checked_mul(100)
            .and_then(|fen| Money::from_fen(fen).ok())
            .ok_or_else(|| {
                DomainError::invalid("condition", "must be a non-negative amount of yuan")
            })?;
        Self::parse(sale, condition)
    }

    /// The promotional price of `list`, or `None` when the rule does not apply to it (below
    /// the condition, or no tier met). Never above `list`.
    pub fn price(&self, list: Money) -> Option<Money> {
        if list < self.condition {
            return None;
        }
        self.kind.apply(list)
    }

    /// The formula text (`sale_text`) of the rule.
    pub fn to_formula(&self) -> String {
        self.kind.to_formula()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fen(n: i64) -> Money {
        Money::from_fen(n).unwrap()
    }

    fn rule(sale: &str, condition_fen: i64) -> DiscountRule {
        DiscountRule::parse(sale, fen(condition_fen)).unwrap()
    }

    /// Every row of the worked examples: exact fen, half up.
    #[test]
    fn worked_examples_price_to_the_fen() {
        let tiers = "满100-10\r\n满200-25";
        for (list, sale, condition, expected) in [
            (39_900, "*0.8", 0, Some(31_920)),
            (19_990, "*0.85", 0, Some(16_992)),
            (12_345, "*0.82", 0, Some(10_123)),
            (39_900, "-20", 0, Some(37_900)),
            (1_500, "-20", 0, Some(0)),
            (39_900, tiers, 0, Some(37_400)),
            (15_000, tiers, 0, Some(14_000)),
            (9_900, tiers, 0, None),
            (9_900, "*0.5", 10_000, None),
            (39_900, "", 0, Some(0)),
            (39_900, "0", 0, Some(0)),
        ] {
            assert_eq!(
                rule(sale, condition).price(fen(list)),
                expected.map(fen),
                "{list} {sale:?} condition {condition}"
            );
        }
    }

    #[test]
    fn condition_and_tier_thresholds_are_inclusive() {
        assert_eq!(rule("*0.5", 10_000).price(fen(10_000)), Some(fen(5_000)));
        assert_eq!(rule("*0.5", 10_000).price(fen(9_999)), None);
        let tiers = rule("100-10\n200-25", 0);
        assert_eq!(tiers.price(fen(10_000)), Some(fen(9_000)));
        assert_eq!(tiers.price(fen(9_999)), None);
        assert_eq!(tiers.price(fen(20_000)), Some(fen(17_500)));
    }

    #[test]
    fn half_up_boundaries() {
        // 0.5 fen exactly rounds up; just below rounds down.
        assert_eq!(rule("*0.5", 0).price(fen(1)), Some(fen(1)));
        assert_eq!(rule("*0.5", 0).price(fen(3)), Some(fen(2)));
        assert_eq!(rule("*0.85", 0).price(fen(10)), Some(fen(9))); // 8.5
        assert_eq!(rule("*0.85", 0).price(fen(30)), Some(fen(26))); // 25.5
        assert_eq!(rule("*0.8499", 0).price(fen(10)), Some(fen(8))); // 8.499
        assert_eq!(rule("*0.0001", 0).price(fen(4_999)), Some(fen(0))); // 0.4999
        assert_eq!(rule("*0.0001", 0).price(fen(5_000)), Some(fen(1))); // 0.5
        assert_eq!(rule("*1", 0).price(fen(12_345)), Some(fen(12_345)));
    }

    #[test]
    fn parses_each_documented_form() {
        assert_eq!("".parse::<RuleKind>().unwrap(), RuleKind::Free);
        assert_eq!(" 0 ".parse::<RuleKind>().unwrap(), RuleKind::Free);
        assert_eq!(
            "*0.82".parse::<RuleKind>().unwrap(),
            RuleKind::Rate(Rate::from_per_ten_thousand(8_200).unwrap())
        );
        assert_eq!(
            "-19.9".parse::<RuleKind>().unwrap(),
            RuleKind::Minus(fen(1_990))
        );
        let expected = RuleKind::Tiers(vec![
            Tier {
                threshold: fen(10_000),
                minus: fen(1_000),
            },
            Tier {
                threshold: fen(20_000),
                minus: fen(2_500),
            },
        ]);
        for text in [
            "满100-10\n满200-25",
            "100-10\r\n200-25",
            "满100-10\r\n\r\n满200-25\r\n",
            " 100-10 \n 满200-25 ",
        ] {
            assert_eq!(text.parse::<RuleKind>().unwrap(), expected, "{text:?}");
        }
        assert_eq!(
            DiscountRule::from_legacy("*0.5", Some(100))
                .unwrap()
                .condition,
            fen(10_000)
        );
        assert_eq!(
            DiscountRule::from_legacy("*0.5", None).unwrap().condition,
            Money::ZERO
        );
    }

    #[test]
    fn refuses_malformed_formulas_naming_the_field() {
        for text in [
            "*0",
            "*0.0",
            "*1.01",
            "*2",
            "*-0.5",
            "*.8",
            "*0.",
            "*0.12345",
            "*abc",
            "*",
            "-0",
            "-",
            "-abc",
            "--5",
            "-1.001",
            "满100-0",
            "满0-10",
            "满100",
            "满100-150",
            "满200-25\n满100-10",
            "满100-10\n满100-20",
            "满100-20\n满200-10",
            "满100-10\n满200-10",
            "20",
            "abc",
            "x*0.8",
            "+5",
            "满a-b",
        ] {
            match text.parse::<RuleKind>() {
                Err(DomainError::Invalid { field, .. }) => assert_eq!(field, "sale", "{text:?}"),
                other => panic!("{text:?} should be refused, got {other:?}"),
            }
        }
        assert!(matches!(
            DiscountRule::from_legacy("", Some(-1)),
            Err(DomainError::Invalid {
                field: "condition",
                ..
            })
        ));
    }

    #[test]
    fn formats_canonically() {
        for (text, shown) in [
            ("", ""),
            ("0", ""),
            ("*0.80", "*0.8"),
            ("*0.8250", "*0.825"),
            ("*1.0", "*1"),
            ("-20.00", "-20"),
            ("-0.05", "-0.05"),
            ("100-10\r\n200-25.5", "满100-10\n满200-25.5"),
        ] {
            assert_eq!(text.parse::<RuleKind>().unwrap().to_formula(), shown);
        }
    }

    fn arb_kind() -> impl Strategy<Value = RuleKind> {
        let tiers =
            prop::collection::btree_map(1i64..1_000_000, 1i64..1_000_000, 1..5).prop_map(|steps| {
                // Thresholds ascend (a BTreeMap); reductions are made to ascend and to stay at
                // most their threshold.
                let mut tiers = Vec::new();
                let mut last = 0;
                for (threshold, minus) in steps {
                    let minus = (minus % threshold + 1).max(last + 1).min(threshold);
                    if minus > last {
                        tiers.push(Tier {
                            threshold: Money::clamped(i128::from(threshold)),
                            minus: Money::clamped(i128::from(minus)),
                        });
                        last = minus;
                    }
                }
                RuleKind::Tiers(tiers)
            });
        prop_oneof![
            Just(RuleKind::Free),
            (1u32..=RATE_SCALE)
                .prop_map(|n| RuleKind::Rate(Rate::from_per_ten_thousand(n).unwrap())),
            (1i64..10_000_000).prop_map(|m| RuleKind::Minus(Money::clamped(i128::from(m)))),
            tiers.prop_filter("some tier", |kind| {
                matches!(kind, RuleKind::Tiers(t) if !t.is_empty())
            }),
        ]
    }

    proptest! {
        #[test]
        fn format_then_parse_is_the_identity(kind in arb_kind()) {
            let text = kind.to_formula();
            let parsed: RuleKind = text.parse().unwrap();
            prop_assert_eq!(&parsed, &kind);
            prop_assert_eq!(parsed.to_formula(), text);
        }

        #[test]
        fn a_rule_never_raises_a_price_nor_goes_negative(
            kind in arb_kind(),
            list in 0i64..=crate::money::MAX_FEN,
        ) {
            let list = Money::clamped(i128::from(list));
            if let Some(price) = kind.apply(list) {
                prop_assert!(price <= list);
                prop_assert!(price.fen() >= 0);
            }
        }

        #[test]
        fn parsing_is_idempotent_on_any_text(text in "[满*\\-0-9.\\n ]{0,12}") {
            if let Ok(kind) = text.parse::<RuleKind>() {
                prop_assert_eq!(kind.to_formula().parse::<RuleKind>().unwrap(), kind);
            }
        }

        #[test]
        fn a_rate_is_the_half_up_of_the_exact_product(n in 1u32..=RATE_SCALE, list in 0i64..100_000_000) {
            let price = Rate::from_per_ten_thousand(n).unwrap().apply(Money::clamped(i128::from(list)));
            // |price·10000 − list·n| ≤ 5000, and exactly 5000 only when rounding up.
            let diff = i128::from(price.fen()) * 10_000 - i128::from(list) * i128::from(n);
            prop_assert!((-5_000 + 1..=5_000).contains(&diff));
        }
    }
}
