//! Coupons: templates staff define, the instances buyers hold, and whether one can be used.

use super::{MAX_EXPIRE_DAYS, Rate, yuan_text};
use crate::{DomainError, Money};
use chrono::{DateTime, Duration, Utc};
use std::fmt;
use std::str::FromStr;

/// What a coupon takes off the eligible subtotal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CouponKind {
    /// 减免: a fixed amount, at most the eligible subtotal.
    Minus(Money),
    /// 折扣: the subtotal becomes subtotal × rate, rounded half up; the discount is the rest.
    Rate(Rate),
}

impl CouponKind {
    /// The discount (C) on an eligible subtotal Sₑ: min(m, Sₑ), or Sₑ − half-up(Sₑ × rate).
    pub fn discount(self, eligible: Money) -> Money {
        match self {
            CouponKind::Minus(minus) => minus.min(eligible),
            CouponKind::Rate(rate) => eligible
                .checked_sub(rate.apply(eligible))
                .unwrap_or(Money::ZERO),
        }
    }
}

impl FromStr for CouponKind {
    type Err = DomainError;

    /// Parses the lineage's coupon `sale`: `-10` (¥10 off) or `*0.82` (八二折, below 1).
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let text = input.trim();
        if let Some(rate) = text.strip_prefix('*') {
            let rate: Rate = rate.parse()?;
            if rate.per_ten_thousand() == super::RATE_SCALE {
                return Err(DomainError::invalid(
                    "sale",
                    "a coupon rate must be below 1, or the coupon takes nothing off",
                ));
            }
            return Ok(CouponKind::Rate(rate));
        }
        if let Some(minus) = text.strip_prefix('-') {
            let value: Money = minus.trim().parse().map_err(|_| {
                DomainError::invalid("sale", format!("{minus:?} is not an amount of yuan"))
            })?;
            if value.is_zero() {
                return Err(DomainError::invalid(
                    "sale",
                    "a reduction must be greater than 0",
                ));
            }
            return Ok(CouponKind::Minus(value));
        }
        Err(DomainError::invalid(
            "sale",
            format!("{text:?} is not a coupon value: expected -amount or *rate"),
        ))
    }
}

impl fmt::Display for CouponKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CouponKind::Minus(minus) => write!(f, "-{}", yuan_text(*minus)),
            CouponKind::Rate(rate) => write!(f, "*{rate}"),
        }
    }
}

/// Which courses a coupon covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CouponScope {
    /// Every course (通用).
    All,
    /// The courses of these categories (指定分类).
    Categories(Vec<i64>),
    /// These courses (指定课程).
    Courses(Vec<i64>),
}

impl CouponScope {
    /// Whether the course `course_id` in `category_id` is covered.
    pub fn covers(&self, course_id: i64, category_id: Option<i64>) -> bool {
        match self {
            CouponScope::All => true,
            CouponScope::Categories(ids) => category_id.is_some_and(|c| ids.contains(&c)),
            CouponScope::Courses(ids) => ids.contains(&course_id),
        }
    }
}

/// When an instance of a coupon may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CouponValidity {
    /// The same window for every instance: `start_at ≤ now < end_at`.
    Window {
        /// The first instant of use.
        start_at: DateTime<Utc>,
        /// The first instant it is no longer usable.
        end_at: DateTime<Utc>,
    },
    /// A number of days from the claim.
    DaysFromClaim(u32),
}

/// Why a buyer may not claim a coupon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum ClaimRefusal {
    /// The claim window has not opened.
    #[error("优惠券尚未开始领取")]
    NotOpen,
    /// The claim window has closed, or the coupon's own window has ended.
    #[error("优惠券领取已结束")]
    Closed,
    /// Every coupon has been issued.
    #[error("优惠券已领完")]
    SoldOut,
    /// The buyer holds as many as one buyer may.
    #[error("已达到领取上限")]
    LimitReached,
}

/// A coupon as staff define it (the template).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponTemplate {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// What it takes off.
    pub kind: CouponKind,
    /// The least eligible subtotal it needs (0 = none); equal is enough.
    pub condition: Money,
    /// The courses it covers.
    pub scope: CouponScope,
    /// Whether it also applies to lines a promotion already priced.
    pub stackable_with_promotion: bool,
    /// When its instances may be used.
    pub validity: CouponValidity,
    /// When buyers may start claiming it (`None` = at once).
    pub claim_from: Option<DateTime<Utc>>,
    /// When claiming stops (`None` = never; an absolute window also stops it at its end).
    pub claim_until: Option<DateTime<Utc>>,
    /// How many may be issued in all (`None` = unlimited).
    pub total: Option<u32>,
    /// How many one buyer may hold (`None` = unlimited).
    pub per_user_limit: Option<u32>,
}

impl CouponTemplate {
    /// Checks what staff entered, naming the field at fault.
    pub fn validate(&self) -> Result<(), DomainError> {
        if self.name.trim().is_empty() {
            return Err(DomainError::invalid("name", "This field is required."));
        }
        match self.validity {
            CouponValidity::Window { start_at, end_at } if end_at <= start_at => {
                return Err(DomainError::invalid("end_at", "must be after start_at"));
            }
            CouponValidity::DaysFromClaim(days) if !(1..=MAX_EXPIRE_DAYS).contains(&days) => {
                return Err(DomainError::invalid(
                    "valid_days",
                    format!("must be from 1 to {MAX_EXPIRE_DAYS}"),
                ));
            }
            _ => {}
        }
        if let (Some(from), Some(until)) = (self.claim_from, self.claim_until)
            && until <= from
        {
            return Err(DomainError::invalid(
                "claim_until",
                "must be after claim_from",
            ));
        }
        if self.per_user_limit == Some(0) {
            return Err(DomainError::invalid("per_user_limit", "must be at least 1"));
        }
        Ok(())
    }

    /// The usable window `[valid_from, valid_until)` of an instance claimed at `claimed_at`.
    pub fn window_for_claim(
        &self,
        claimed_at: DateTime<Utc>,
    ) -> Result<(DateTime<Utc>, DateTime<Utc>), DomainError> {
        match self.validity {
            CouponValidity::Window { start_at, end_at } => Ok((start_at, end_at)),
            CouponValidity::DaysFromClaim(days) => claimed_at
                .checked_add_signed(Duration::days(i64::from(days)))
                .map(|until| (claimed_at, until))
                .ok_or_else(|| DomainError::invalid("valid_days", "ends out of range")),
        }
    }

    /// A fresh, unused instance for `user_id`, claimed at `now`, with its usable window.
    pub fn issue(
        &self,
        id: i64,
        user_id: i64,
        now: DateTime<Utc>,
    ) -> Result<UserCoupon, DomainError> {
        let (valid_from, valid_until) = self.window_for_claim(now)?;
        Ok(UserCoupon {
            id,
            coupon_id: self.id,
            user_id,
            claimed_at: now,
            valid_from,
            valid_until,
            status: CouponStatus::Unused,
            order_id: None,
        })
    }

    /// Whether a buyer holding `held_by_buyer` instances may claim one more at `now`, when
    /// `issued` have been issued in all. The limits are data; the store enforces them
    /// atomically.
    pub fn check_claim(
        &self,
        now: DateTime<Utc>,
        issued: u32,
        held_by_buyer: u32,
    ) -> Result<(), ClaimRefusal> {
        if self.claim_from.is_some_and(|from| now < from) {
            return Err(ClaimRefusal::NotOpen);
        }
        let window_over =
            matches!(self.validity, CouponValidity::Window { end_at, .. } if now >= end_at);
        if window_over || self.claim_until.is_some_and(|until| now >= until) {
            return Err(ClaimRefusal::Closed);
        }
        if self.total.is_some_and(|total| issued >= total) {
            return Err(ClaimRefusal::SoldOut);
        }
        if self
            .per_user_limit
            .is_some_and(|limit| held_by_buyer >= limit)
        {
            return Err(ClaimRefusal::LimitReached);
        }
        Ok(())
    }
}

/// The state of a buyer's coupon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CouponStatus {
    /// Free to use.
    Unused,
    /// Held by an unpaid order.
    Reserved,
    /// Consumed by a paid order.
    Used,
    /// Withdrawn by staff.
    Revoked,
}

/// A coupon a buyer holds (an instance of a template).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserCoupon {
    /// Its id (`user_coupon_id`).
    pub id: i64,
    /// The template's id.
    pub coupon_id: i64,
    /// The buyer who holds it.
    pub user_id: i64,
    /// When it was claimed.
    pub claimed_at: DateTime<Utc>,
    /// The first instant of use.
    pub valid_from: DateTime<Utc>,
    /// The first instant it is no longer usable.
    pub valid_until: DateTime<Utc>,
    /// Its state.
    pub status: CouponStatus,
    /// The order holding or having used it.
    pub order_id: Option<i64>,
}

/// Why a coupon cannot be used on an order, as the order page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum CouponUnusable {
    /// Not this buyer's coupon, or not an instance of the given template.
    #[error("优惠券不存在")]
    NotFound,
    /// Already consumed by a paid order.
    #[error("优惠券已使用")]
    Used,
    /// Held by another unpaid order.
    #[error("优惠券已被其他订单占用")]
    Reserved,
    /// Withdrawn by staff.
    #[error("优惠券已作废")]
    Revoked,
    /// Its window has not started.
    #[error("优惠券尚未生效")]
    NotYetValid,
    /// Its window has ended.
    #[error("优惠券已过期")]
    Expired,
    /// No line of the order is in its scope.
    #[error("优惠券不适用于所选课程")]
    OutOfScope,
    /// The lines in its scope are all promoted, and it does not stack with a promotion.
    #[error("活动优惠课程不可使用优惠券")]
    PromotedLines,
    /// The eligible subtotal is below its condition.
    #[error("未满{}元，不满足优惠券使用条件", yuan_text(*.condition))]
    BelowCondition {
        /// The least eligible subtotal it needs.
        condition: Money,
        /// The eligible subtotal of the order.
        eligible: Money,
    },
    /// The eligible lines cost nothing, so it would be spent for nothing.
    #[error("订单没有可优惠的金额")]
    NothingToDiscount,
}

/// One priced line, as a coupon sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CouponLine {
    /// The course id.
    pub course_id: i64,
    /// The course's category.
    pub category_id: Option<i64>,
    /// Its price after any promotion (Rᵢ).
    pub real_price: Money,
    /// Whether a promotion priced it.
    pub promoted: bool,
}

/// What a usable coupon does to an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponEvaluation {
    /// The positions of the eligible lines (E), ascending.
    pub eligible: Vec<usize>,
    /// Their subtotal (Sₑ).
    pub eligible_subtotal: Money,
    /// The order-level discount (C), at most Sₑ.
    pub discount: Money,
}

/// Whether `coupon` (an instance of `template`) can be used by `buyer_id` on `lines` at `now`,
/// and what it takes off; otherwise the reason. The checks run in this order: ownership,
/// status, window, scope, stacking, condition, something to discount. The lines' total is
/// expected within one trade ([`crate::money::MAX_FEN`]), as [`super::quote`] ensures.
pub fn evaluate_coupon(
    template: &CouponTemplate,
    coupon: &UserCoupon,
    buyer_id: i64,
    lines: &[CouponLine],
    now: DateTime<Utc>,
) -> Result<CouponEvaluation, CouponUnusable> {
    if coupon.user_id != buyer_id || coupon.coupon_id != template.id {
        return Err(CouponUnusable::NotFound);
    }
    match coupon.status {
        CouponStatus::Unused => {}
        CouponStatus::Reserved => return Err(CouponUnusable::Reserved),
        CouponStatus::Used => return Err(CouponUnusable::Used),
        CouponStatus::Revoked => return Err(CouponUnusable::Revoked),
    }
    if now < coupon.valid_from {
        return Err(CouponUnusable::NotYetValid);
    }
    if now >= coupon.valid_until {
        return Err(CouponUnusable::Expired);
    }
    let in_scope: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, line)| template.scope.covers(line.course_id, line.category_id))
        .map(|(i, _)| i)
        .collect();
    if in_scope.is_empty() {
        return Err(CouponUnusable::OutOfScope);
    }
    let eligible: Vec<usize> = in_scope
        .into_iter()
        .filter(|i| template.stackable_with_promotion || !lines[*i].promoted)
        .collect();
    if eligible.is_empty() {
        return Err(CouponUnusable::PromotedLines);
    }
    let subtotal: i128 = eligible
        .iter()
        .map(|i| i128::from(lines[*i].real_price.fen()))
        .sum();
    let eligible_subtotal = Money::clamped(subtotal);
    if subtotal < i128::from(template.condition.fen()) {
        return Err(CouponUnusable::BelowCondition {
            condition: template.condition,
            eligible: eligible_subtotal,
        });
    }
    if subtotal == 0 {
        return Err(CouponUnusable::NothingToDiscount);
    }
    Ok(CouponEvaluation {
        eligible,
        eligible_subtotal,
        discount: template.kind.discount(eligible_subtotal),
    })
}

/// One of the buyer's coupons on the order page: usable with its discount, or the reason not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponChoice {
    /// The instance's id.
    pub user_coupon_id: i64,
    /// What it would take off, or why it cannot be used.
    pub outcome: Result<Money, CouponUnusable>,
}

/// Every coupon of the buyer, judged against the same lines at the same `now`, in the order
/// given. The buyer picks at most one.
pub fn coupon_choices(
    coupons: &[(&CouponTemplate, &UserCoupon)],
    buyer_id: i64,
    lines: &[CouponLine],
    now: DateTime<Utc>,
) -> Vec<CouponChoice> {
    coupons
        .iter()
        .map(|(template, coupon)| CouponChoice {
            user_coupon_id: coupon.id,
            outcome: evaluate_coupon(template, coupon, buyer_id, lines, now)
                .map(|evaluation| evaluation.discount),
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;

    pub(crate) fn fen(n: i64) -> Money {
        Money::from_fen(n).unwrap()
    }

    pub(crate) fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, d, 0, 0, 0).unwrap()
    }

    pub(crate) fn template(sale: &str, condition: i64) -> CouponTemplate {
        CouponTemplate {
            id: 1,
            name: "满300减50".into(),
            kind: sale.parse().unwrap(),
            condition: fen(condition),
            scope: CouponScope::All,
            stackable_with_promotion: true,
            validity: CouponValidity::DaysFromClaim(30),
            claim_from: None,
            claim_until: None,
            total: None,
            per_user_limit: None,
        }
    }

    pub(crate) fn held(template: &CouponTemplate, user_id: i64, claimed: u32) -> UserCoupon {
        template.issue(100, user_id, day(claimed)).unwrap()
    }

    fn line(course_id: i64, real: i64, promoted: bool) -> CouponLine {
        CouponLine {
            course_id,
            category_id: Some(course_id * 10),
            real_price: fen(real),
            promoted,
        }
    }

    #[test]
    fn kinds_parse_format_and_discount_exactly() {
        let minus: CouponKind = "-50".parse().unwrap();
        assert_eq!(minus, CouponKind::Minus(fen(5_000)));
        assert_eq!(minus.discount(fen(41_410)), fen(5_000));
        assert_eq!(minus.discount(fen(3_000)), fen(3_000));
        let rate: CouponKind = "*0.9".parse().unwrap();
        assert_eq!(rate.discount(fen(41_410)), fen(4_141));
        // 19990 × 0.85 = 16991.5 → leaves 16992, so the discount is 2998.
        assert_eq!(
            "*0.85".parse::<CouponKind>().unwrap().discount(fen(19_990)),
            fen(2_998)
        );
        for text in ["-50", "-0.5", "*0.9", "*0.825"] {
            assert_eq!(text.parse::<CouponKind>().unwrap().to_string(), text);
        }
        for text in ["", "0", "-0", "*0", "*1", "*1.0", "*1.5", "50", "满100-10"] {
            assert!(
                matches!(
                    text.parse::<CouponKind>(),
                    Err(DomainError::Invalid { field: "sale", .. })
                ),
                "{text:?}"
            );
        }
    }

    #[test]
    fn every_reason_in_check_order() {
        let t = template("-50", 30_000);
        let c = held(&t, 7, 1);
        let lines = [line(1, 23_920, true), line(2, 17_490, false)];
        let check = |t: &CouponTemplate, c: &UserCoupon, lines: &[CouponLine], now| {
            evaluate_coupon(t, c, 7, lines, now)
        };
        let ok = check(&t, &c, &lines, day(2)).unwrap();
        assert_eq!(ok.eligible, vec![0, 1]);
        assert_eq!(ok.eligible_subtotal, fen(41_410));
        assert_eq!(ok.discount, fen(5_000));

        assert_eq!(
            evaluate_coupon(&t, &c, 8, &lines, day(2)),
            Err(CouponUnusable::NotFound)
        );
        let mut other = t.clone();
        other.id = 2;
        assert_eq!(
            check(&other, &c, &lines, day(2)),
            Err(CouponUnusable::NotFound)
        );
        for (status, reason) in [
            (CouponStatus::Reserved, CouponUnusable::Reserved),
            (CouponStatus::Used, CouponUnusable::Used),
            (CouponStatus::Revoked, CouponUnusable::Revoked),
        ] {
            let mut c = c.clone();
            c.status = status;
            assert_eq!(check(&t, &c, &lines, day(2)), Err(reason));
        }
        let late = held(&t, 7, 5);
        assert_eq!(
            check(&t, &late, &lines, day(4)),
            Err(CouponUnusable::NotYetValid)
        );
        assert!(check(&t, &late, &lines, day(5)).is_ok());
        // Valid for 30 days from 1 March: usable until 31 March exclusive.
        assert!(check(&t, &c, &lines, day(30)).is_ok());
        assert_eq!(check(&t, &c, &lines, day(31)), Err(CouponUnusable::Expired));

        let mut scoped = t.clone();
        scoped.scope = CouponScope::Courses(vec![9]);
        assert_eq!(
            check(&scoped, &c, &lines, day(2)),
            Err(CouponUnusable::OutOfScope)
        );
        scoped.scope = CouponScope::Categories(vec![10]);
        scoped.stackable_with_promotion = false;
        assert_eq!(
            check(&scoped, &c, &lines, day(2)),
            Err(CouponUnusable::PromotedLines)
        );

        let mut unstackable = t.clone();
        unstackable.stackable_with_promotion = false;
        let below = check(&unstackable, &c, &lines, day(2));
        assert_eq!(
            below,
            Err(CouponUnusable::BelowCondition {
                condition: fen(30_000),
                eligible: fen(17_490)
            })
        );
        assert_eq!(
            below.unwrap_err().to_string(),
            "未满300元，不满足优惠券使用条件"
        );
        unstackable.condition = fen(17_490);
        let equal = check(&unstackable, &c, &lines, day(2)).unwrap();
        assert_eq!((equal.eligible, equal.discount), (vec![1], fen(5_000)));

        let free_lines = [line(1, 0, false)];
        let mut no_condition = t.clone();
        no_condition.condition = Money::ZERO;
        assert_eq!(
            check(&no_condition, &c, &free_lines, day(2)),
            Err(CouponUnusable::NothingToDiscount)
        );
        assert_eq!(
            check(&no_condition, &c, &[], day(2)),
            Err(CouponUnusable::OutOfScope)
        );
    }

    #[test]
    fn scope_covers_by_course_or_category() {
        assert!(CouponScope::All.covers(1, None));
        assert!(CouponScope::Courses(vec![1, 2]).covers(2, None));
        assert!(!CouponScope::Courses(vec![1, 2]).covers(3, Some(1)));
        assert!(CouponScope::Categories(vec![5]).covers(3, Some(5)));
        assert!(!CouponScope::Categories(vec![5]).covers(3, None));
    }

    #[test]
    fn choices_list_each_coupon_with_its_outcome() {
        let t = template("-50", 30_000);
        let mut used = held(&t, 7, 1);
        used.id = 101;
        used.status = CouponStatus::Used;
        let fresh = held(&t, 7, 1);
        let lines = [line(1, 41_410, false)];
        let choices = coupon_choices(&[(&t, &fresh), (&t, &used)], 7, &lines, day(2));
        assert_eq!(
            choices,
            vec![
                CouponChoice {
                    user_coupon_id: 100,
                    outcome: Ok(fen(5_000))
                },
                CouponChoice {
                    user_coupon_id: 101,
                    outcome: Err(CouponUnusable::Used)
                },
            ]
        );
    }

    #[test]
    fn claim_limits_and_windows() {
        let mut t = template("-50", 0);
        t.total = Some(2);
        t.per_user_limit = Some(1);
        t.claim_from = Some(day(2));
        t.claim_until = Some(day(10));
        assert_eq!(t.validate(), Ok(()));
        assert_eq!(t.check_claim(day(1), 0, 0), Err(ClaimRefusal::NotOpen));
        assert_eq!(t.check_claim(day(2), 0, 0), Ok(()));
        assert_eq!(t.check_claim(day(2), 2, 0), Err(ClaimRefusal::SoldOut));
        assert_eq!(t.check_claim(day(2), 1, 1), Err(ClaimRefusal::LimitReached));
        assert_eq!(t.check_claim(day(10), 0, 0), Err(ClaimRefusal::Closed));
        t.claim_until = None;
        t.validity = CouponValidity::Window {
            start_at: day(3),
            end_at: day(6),
        };
        assert_eq!(t.check_claim(day(6), 0, 0), Err(ClaimRefusal::Closed));
        assert_eq!(t.window_for_claim(day(4)).unwrap(), (day(3), day(6)));
        t.validity = CouponValidity::DaysFromClaim(3);
        assert_eq!(t.window_for_claim(day(4)).unwrap(), (day(4), day(7)));
        let issued = t.issue(9, 7, day(4)).unwrap();
        assert_eq!(
            (
                issued.id,
                issued.coupon_id,
                issued.user_id,
                issued.claimed_at
            ),
            (9, 1, 7, day(4))
        );
        assert_eq!((issued.valid_from, issued.valid_until), (day(4), day(7)));
        assert_eq!(
            (issued.status, issued.order_id),
            (CouponStatus::Unused, None)
        );
    }

    #[test]
    fn validate_names_the_field() {
        let field = |t: &CouponTemplate| match t.validate() {
            Err(DomainError::Invalid { field, .. }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        };
        let mut t = template("-50", 0);
        t.validity = CouponValidity::Window {
            start_at: day(3),
            end_at: day(3),
        };
        assert_eq!(field(&t), "end_at");
        t.validity = CouponValidity::DaysFromClaim(0);
        assert_eq!(field(&t), "valid_days");
        t.validity = CouponValidity::DaysFromClaim(30);
        t.claim_from = Some(day(5));
        t.claim_until = Some(day(4));
        assert_eq!(field(&t), "claim_until");
        t.claim_until = None;
        t.per_user_limit = Some(0);
        assert_eq!(field(&t), "per_user_limit");
        t.per_user_limit = None;
        t.name = String::new();
        assert_eq!(field(&t), "name");
    }
}
