//! Pricing: validity options, time-limited promotions and coupons, priced exactly in integer fen.
//!
//! The order of application is validity option → promotion → coupon → credit. Every computed
//! price is the exact rational result rounded half up to a whole fen; a discount is the
//! difference between two prices. Nothing here reads a clock: every function takes `now`.
//!
//! Rules worth knowing:
//! - A promotion is live on `[start_at, end_at)`. Among the live ones whose rule applies, the
//!   lowest price wins; ties go to the higher priority, the lower activity id, the lower rule
//!   id, then the earlier position, so the choice is total.
//! - A tiered (满减) rule whose lowest threshold the price does not meet does not apply at
//!   all: the price is unchanged either way, but the line shows no badge and counts as not
//!   promoted, so a coupon that does not stack with promotions can still be used on it.
//! - Tiers must have strictly increasing thresholds *and* reductions, each reduction at most
//!   its threshold: a tier that could never be chosen is a typo and is refused.
//! - A rate lies in (0, 1]; `*1` leaves the price unchanged, which lets staff neutralise a
//!   promotion without deleting it.
//! - A coupon whose eligible lines cost nothing is refused rather than spent for nothing.
//! - A coupon's discount is spread over its eligible lines by largest remainder (weights the
//!   promotional prices); credit points by capped largest remainder (weights the prices after
//!   the coupon). Ties go to the larger weight, then the earlier line.

mod allocate;
mod coupon;
mod display;
mod promotion;
mod quote;
mod rule;
mod snapshot;
mod validity;

pub use allocate::{largest_remainder, largest_remainder_capped};
pub use coupon::{
    ClaimRefusal, CouponChoice, CouponEvaluation, CouponKind, CouponLine, CouponScope,
    CouponStatus, CouponTemplate, CouponUnusable, CouponValidity, UserCoupon, coupon_choices,
    evaluate_coupon,
};
pub use display::{CoursePricing, DiscountJson, ExpireListItem, course_pricing, percent_off, zhe};
pub use promotion::{AppliedPromotion, Promotion, best_promotion};
pub use quote::{
    AppliedCoupon, CouponOffer, CourseOffer, CreditRequest, LineRequest, Quote, QuoteLine,
    QuoteRequest, quote,
};
pub use rule::{DiscountRule, RATE_SCALE, Rate, RuleKind, Tier};
pub use snapshot::{OrderLineSnapshot, OrderSnapshot};
pub use validity::{
    AccessEnd, ChosenOption, MAX_EXPIRE_DAYS, OptionChoice, PERMANENT_TEXT, Period, ValidityOption,
    ValidityOptions, access_after_purchase, check_purchase,
};

use crate::Money;

/// `a / b` rounded half up, for `a ≥ 0` and `b > 0`: ⌊(2a + b) / (2b)⌋.
pub(crate) fn half_up(a: i128, b: i128) -> i128 {
    (2 * a + b).div_euclid(2 * b)
}

/// An amount as staff write it in a formula: yuan without trailing zeros (`20`, `19.9`, `0.05`).
pub(crate) fn yuan_text(amount: Money) -> String {
    let fen = amount.fen();
    match fen % 100 {
        0 => format!("{}", fen / 100),
        cents if cents % 10 == 0 => format!("{}.{}", fen / 100, cents / 10),
        cents => format!("{}.{:02}", fen / 100, cents),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_up_rounds_the_half_away_from_zero() {
        assert_eq!(half_up(169_915, 10), 16_992);
        assert_eq!(half_up(169_914, 10), 16_991);
        assert_eq!(half_up(5, 10), 1);
        assert_eq!(half_up(4, 10), 0);
        assert_eq!(half_up(0, 7), 0);
        assert_eq!(half_up(14, 7), 2);
    }

    #[test]
    fn yuan_text_drops_trailing_zeros() {
        for (fen, text) in [
            (2000, "20"),
            (1990, "19.9"),
            (1995, "19.95"),
            (5, "0.05"),
            (0, "0"),
        ] {
            assert_eq!(yuan_text(Money::clamped(fen)), text);
        }
    }
}
