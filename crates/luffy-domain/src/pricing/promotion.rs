//! Time-limited promotions (activities): when they are live, and which one prices a course.

use super::DiscountRule;
use crate::{DomainError, Money};
use chrono::{DateTime, Utc};
use std::cmp::Reverse;

/// One promotion of a course: an activity's window, the rule it applies, and its badge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    /// The activity's id.
    pub activity_id: i64,
    /// The activity's name.
    pub activity_name: String,
    /// The discount rule's id.
    pub rule_id: i64,
    /// The badge the pages show (`discount_type` / `discount_name`): 限时折扣, 满减, ….
    pub type_name: String,
    /// The first instant the promotion is live.
    pub start_at: DateTime<Utc>,
    /// The first instant it is no longer live.
    pub end_at: DateTime<Utc>,
    /// Breaks a tie between promotions giving the same price: higher wins.
    pub priority: i32,
    /// The rule it applies to a list price.
    pub rule: DiscountRule,
}

impl Promotion {
    /// Checks what staff entered: a window that ends after it starts, and a badge.
    pub fn validate(&self) -> Result<(), DomainError> {
        if self.end_at <= self.start_at {
            return Err(DomainError::invalid("end_at", "must be after start_at"));
        }
        if self.type_name.trim().is_empty() {
            return Err(DomainError::invalid("type_name", "This field is required."));
        }
        Ok(())
    }

    /// Whether the promotion is live at `now`: `start_at ≤ now < end_at`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.start_at <= now && now < self.end_at
    }

    /// Whole seconds until the promotion ends (`active_time`), 0 when it is not live.
    pub fn seconds_left(&self, now: DateTime<Utc>) -> i64 {
        if !self.is_live(now) {
            return 0;
        }
        (self.end_at - now).num_seconds()
    }

    /// The promotional price of `list` at `now`, or `None` when the promotion is not live or
    /// its rule does not apply to that price.
    pub fn price(&self, list: Money, now: DateTime<Utc>) -> Option<Money> {
        if !self.is_live(now) {
            return None;
        }
        self.rule.price(list)
    }
}

/// The promotion that priced a line, as the order line records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedPromotion {
    /// The activity's id.
    pub activity_id: i64,
    /// The activity's name.
    pub activity_name: String,
    /// The discount rule's id.
    pub rule_id: i64,
    /// The badge (`discount_name`).
    pub type_name: String,
    /// The rule's formula text (`sale_text`).
    pub sale_text: String,
    /// When the promotion ends.
    pub end_at: DateTime<Utc>,
    /// Whole seconds left at the time of pricing (`active_time`).
    pub seconds_left: i64,
    /// The promotional price.
    pub price: Money,
}

/// The promotion giving the lowest price for `list` at `now`, among the live ones whose rule
/// applies. Ties go to the higher priority, then the lower activity id, then the lower rule
/// id, then the earlier position, so the choice is deterministic.
pub fn best_promotion(
    promotions: &[Promotion],
    list: Money,
    now: DateTime<Utc>,
) -> Option<AppliedPromotion> {
    promotions
        .iter()
        .enumerate()
        .filter_map(|(position, promotion)| {
            promotion
                .price(list, now)
                .map(|price| (position, promotion, price))
        })
        .min_by_key(|(position, promotion, price)| {
            (
                *price,
                Reverse(promotion.priority),
                promotion.activity_id,
                promotion.rule_id,
                *position,
            )
        })
        .map(|(_, promotion, price)| AppliedPromotion {
            activity_id: promotion.activity_id,
            activity_name: promotion.activity_name.clone(),
            rule_id: promotion.rule_id,
            type_name: promotion.type_name.clone(),
            sale_text: promotion.rule.to_formula(),
            end_at: promotion.end_at,
            seconds_left: promotion.seconds_left(now),
            price,
        })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    pub(crate) fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, 1, hour, 0, 0).unwrap()
    }

    pub(crate) fn promo(activity_id: i64, sale: &str, start: u32, end: u32) -> Promotion {
        Promotion {
            activity_id,
            activity_name: format!("activity {activity_id}"),
            rule_id: activity_id * 10,
            type_name: "限时折扣".into(),
            start_at: at(start),
            end_at: at(end),
            priority: 0,
            rule: DiscountRule::parse(sale, Money::ZERO).unwrap(),
        }
    }

    fn fen(n: i64) -> Money {
        Money::from_fen(n).unwrap()
    }

    #[test]
    fn live_is_half_open() {
        let p = promo(1, "*0.8", 10, 12);
        assert!(!p.is_live(at(9)));
        assert!(p.is_live(at(10)));
        assert!(p.is_live(at(11)));
        assert!(!p.is_live(at(12)));
        assert_eq!(p.price(fen(39_900), at(12)), None);
        assert_eq!(p.price(fen(39_900), at(10)), Some(fen(31_920)));
    }

    #[test]
    fn seconds_left_counts_whole_seconds_to_the_end() {
        let p = promo(1, "*0.8", 10, 12);
        assert_eq!(p.seconds_left(at(10)), 7_200);
        let later = at(11) + chrono::Duration::milliseconds(500);
        assert_eq!(p.seconds_left(later), 3_599);
        assert_eq!(p.seconds_left(at(12)), 0);
        assert_eq!(p.seconds_left(at(9)), 0);
    }

    #[test]
    fn validate_names_the_field() {
        let mut p = promo(1, "*0.8", 10, 10);
        assert!(matches!(
            p.validate(),
            Err(DomainError::Invalid {
                field: "end_at",
                ..
            })
        ));
        p.end_at = at(11);
        assert_eq!(p.validate(), Ok(()));
        p.type_name = " ".into();
        assert!(matches!(
            p.validate(),
            Err(DomainError::Invalid {
                field: "type_name",
                ..
            })
        ));
    }

    #[test]
    fn the_lowest_price_wins_and_ties_are_deterministic() {
        let list = fen(39_900);
        let promos = [
            promo(3, "-50", 0, 23),   // 34900
            promo(2, "*0.8", 0, 23),  // 31920
            promo(4, "*0.5", 20, 23), // not live at 10
            promo(1, "-79.8", 0, 23), // 31920, lower activity id
        ];
        let best = best_promotion(&promos, list, at(10)).unwrap();
        assert_eq!((best.activity_id, best.price), (1, fen(31_920)));
        assert_eq!(best.sale_text, "-79.8");
        assert_eq!(best.seconds_left, 13 * 3_600);

        let mut by_priority = promos.clone();
        by_priority[1].priority = 5;
        let best = best_promotion(&by_priority, list, at(10)).unwrap();
        assert_eq!(best.activity_id, 2);

        assert_eq!(best_promotion(&promos, list, at(23)), None);
        assert_eq!(best_promotion(&[], list, at(10)), None);
        // A tiered rule with no tier met does not count as applying.
        assert_eq!(
            best_promotion(&[promo(1, "满100-10", 0, 23)], fen(9_900), at(10)),
            None
        );
    }

    proptest! {
        #[test]
        fn best_is_the_minimum_over_live_applicable_rules(
            sales in prop::collection::vec(
                prop_oneof![
                    (1u32..=10_000).prop_map(|n| format!("*{}", super::super::Rate::from_per_ten_thousand(n).unwrap())),
                    (1i64..50_000).prop_map(|m| format!("-{}", super::super::yuan_text(Money::clamped(m.into())))),
                    Just(String::new()),
                    Just("满100-10\n满200-25".to_owned()),
                ],
                0..6,
            ),
            list in 0i64..100_000,
            hour in 0u32..24,
        ) {
            let promos: Vec<Promotion> = sales
                .iter()
                .enumerate()
                .map(|(i, sale)| promo(i as i64 + 1, sale, (i as u32 * 3) % 20, 20 + (i as u32 % 4)))
                .collect();
            let list = Money::clamped(list.into());
            let now = at(hour);
            let best = best_promotion(&promos, list, now);
            let prices: Vec<Money> = promos.iter().filter_map(|p| p.price(list, now)).collect();
            prop_assert_eq!(best.as_ref().map(|b| b.price), prices.iter().min().copied());
            if let Some(best) = &best {
                prop_assert!(best.price <= list);
            }
            let mut reversed = promos.clone();
            reversed.reverse();
            let again = best_promotion(&reversed, list, now);
            prop_assert_eq!(best.map(|b| b.activity_id), again.map(|b| b.activity_id));
        }
    }
}
