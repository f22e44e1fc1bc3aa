//! The pricing fields of a course as the pages read them (list, detail, search).

use super::{CourseOffer, best_promotion};
use crate::Money;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// One entry of `expire_list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpireListItem {
    /// The option's days, 0 for permanent (listed last).
    pub expire_time: u32,
    /// Its label, 永久有效 for permanent.
    pub expire_text: String,
    /// Its list price.
    pub price: Money,
    /// Its promotional price (equal to `price` without a promotion).
    pub real_price: Money,
}

/// The 2022 page's `discount` object; each key is absent when it does not apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct DiscountJson {
    /// The badge.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Whole seconds until the promotion ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expire: Option<i64>,
    /// The promotional price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Money>,
}

/// A course's pricing fields: a superset for both generations of the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoursePricing {
    /// The headline list price: the permanent price (the shortest option's when not sold
    /// permanently).
    pub price: Money,
    /// The headline promotional price, equal to `price` when none.
    pub real_price: Money,
    /// The badge, "" when none.
    pub discount_name: String,
    /// The same badge, under the name another client reads.
    pub discount_type: String,
    /// Whole seconds until the promotion ends, 0 when none.
    pub active_time: i64,
    /// Every option, by ascending days, permanent last.
    pub expire_list: Vec<ExpireListItem>,
    /// The badge, seconds and price, each absent when not applicable.
    pub discount: DiscountJson,
    /// The most credit points one purchase may spend, when capped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit: Option<i64>,
}

/// The pricing fields of `course` at `now`. The headline (`price`, `real_price`, the badge,
/// `active_time` and `discount`) is the permanent option. A course not sold permanently
/// (permanent price 0) is headlined by its shortest option instead, so that a paid course is
/// never shown at ¥0 next to a promotional price of another option.
pub fn course_pricing(course: &CourseOffer, now: DateTime<Utc>) -> CoursePricing {
    let options = course.validity.list();
    let expire_list: Vec<ExpireListItem> = options
        .iter()
        .map(|option| ExpireListItem {
            expire_time: option.period.expire_days(),
            expire_text: option.label.clone(),
            price: option.list_price,
            real_price: course.promotional_price(option.list_price, now).0,
        })
        .collect();
    let price = options
        .last()
        .filter(|_| course.validity.permanent_offered())
        .or(options.first())
        .map_or(course.validity.permanent_price(), |option| {
            option.list_price
        });
    let applied = best_promotion(&course.promotions, price, now);
    let badge = applied
        .as_ref()
        .map(|a| a.type_name.clone())
        .unwrap_or_default();
    let real_price = applied.as_ref().map_or(price, |a| a.price);
    CoursePricing {
        price,
        real_price,
        discount_name: badge.clone(),
        discount_type: badge,
        active_time: applied.as_ref().map_or(0, |a| a.seconds_left),
        expire_list,
        discount: DiscountJson {
            kind: applied.as_ref().map(|a| a.type_name.clone()),
            expire: applied.as_ref().map(|a| a.seconds_left),
            price: applied.as_ref().map(|a| a.price),
        },
        credit: course.credit_cap_points,
    }
}

/// The "NN% off" figure: ⌊(list − real) × 100 / list⌋, rounded down so it never overstates.
pub fn percent_off(list: Money, real: Money) -> i64 {
    if list.is_zero() || real >= list {
        return 0;
    }
    (list.fen() - real.fen()) * 100 / list.fen()
}

/// The 折 figure as text (`8.2` for 八二折): ⌈real × 100 / list⌉ / 10, rounded up so it never
/// overstates the discount.
pub fn zhe(list: Money, real: Money) -> String {
    if list.is_zero() {
        return "10".to_owned();
    }
    let real = real.min(list);
    let hundredths = (real.fen() * 100 + list.fen() - 1) / list.fen();
    match hundredths % 10 {
        0 => format!("{}", hundredths / 10),
        tenth => format!("{}.{tenth}", hundredths / 10),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::coupon::tests::{day, fen};
    use crate::pricing::{DiscountRule, Promotion, ValidityOption, ValidityOptions};

    fn course(permanent: i64, promotions: Vec<Promotion>) -> CourseOffer {
        CourseOffer {
            course_id: 1,
            name: "Python".into(),
            category_id: None,
            validity: ValidityOptions::new(
                fen(permanent),
                vec![
                    ValidityOption {
                        id: 7,
                        days: 180,
                        label: "6个月有效".into(),
                        price: fen(29_900),
                    },
                    ValidityOption {
                        id: 5,
                        days: 30,
                        label: "1个月有效".into(),
                        price: fen(9_900),
                    },
                ],
            )
            .unwrap(),
            promotions,
            credit_cap_points: None,
        }
    }

    fn live(sale: &str) -> Promotion {
        Promotion {
            activity_id: 1,
            activity_name: "双十一".into(),
            rule_id: 1,
            type_name: "限时折扣".into(),
            start_at: day(1),
            end_at: day(3),
            priority: 0,
            rule: DiscountRule::parse(sale, Money::ZERO).unwrap(),
        }
    }

    #[test]
    fn the_validity_worked_example_as_json() {
        let pricing = course_pricing(&course(39_900, vec![live("*0.8")]), day(2));
        let json = serde_json::to_value(&pricing).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "price": "399.00",
                "real_price": "319.20",
                "discount_name": "限时折扣",
                "discount_type": "限时折扣",
                "active_time": 86_400,
                "expire_list": [
                    {"expire_time": 30, "expire_text": "1个月有效", "price": "99.00", "real_price": "79.20"},
                    {"expire_time": 180, "expire_text": "6个月有效", "price": "299.00", "real_price": "239.20"},
                    {"expire_time": 0, "expire_text": "永久有效", "price": "399.00", "real_price": "319.20"},
                ],
                "discount": {"type": "限时折扣", "expire": 86_400, "price": "319.20"},
            })
        );
    }

    #[test]
    fn without_a_live_promotion_the_keys_are_empty() {
        let pricing = course_pricing(&course(39_900, vec![live("*0.8")]), day(3));
        assert_eq!(pricing.real_price, fen(39_900));
        assert_eq!(pricing.discount_name, "");
        assert_eq!(pricing.active_time, 0);
        assert_eq!(
            serde_json::to_value(&pricing.discount).unwrap(),
            serde_json::json!({})
        );
        assert!(pricing.expire_list.iter().all(|o| o.price == o.real_price));
    }

    #[test]
    fn a_course_not_sold_permanently_is_headlined_by_its_shortest_option() {
        let mut offer = course(0, vec![live("-10")]);
        offer.credit_cap_points = Some(50);
        let pricing = course_pricing(&offer, day(2));
        assert_eq!(
            (pricing.price, pricing.real_price),
            (fen(9_900), fen(8_900))
        );
        assert_eq!(pricing.active_time, 86_400);
        assert_eq!(pricing.discount_name, "限时折扣");
        assert_eq!(pricing.discount.price, Some(fen(8_900)));
        assert_eq!(pricing.expire_list.len(), 2);
        assert_eq!(pricing.credit, Some(50));
    }

    #[test]
    fn display_figures_never_overstate() {
        assert_eq!(percent_off(fen(39_900), fen(31_920)), 20);
        assert_eq!(percent_off(fen(19_990), fen(16_992)), 14); // 14.997…
        assert_eq!(percent_off(fen(100), fen(100)), 0);
        assert_eq!(percent_off(Money::ZERO, Money::ZERO), 0);
        assert_eq!(percent_off(fen(100), Money::ZERO), 100);
        assert_eq!(zhe(fen(39_900), fen(31_920)), "8");
        // 10123 / 12345 = 0.82002…: ⌈82.002⌉ = 83, shown as 8.3折, never the larger 8.2折.
        assert_eq!(zhe(fen(12_345), fen(10_123)), "8.3");
        assert_eq!(zhe(fen(10_000), fen(8_200)), "8.2");
        assert_eq!(zhe(fen(10_000), Money::ZERO), "0");
        assert_eq!(zhe(fen(10_000), fen(10_000)), "10");
    }
}
