//! The quote: every line of an order priced to the fen, from list price to cash.
//!
//! validity option → promotion (Rᵢ) → coupon share (cᵢ, largest remainder over the eligible
//! lines, weights Rᵢ) → credit points (kᵢ, capped largest remainder, weights Pᵢ = Rᵢ − cᵢ) →
//! cash Aᵢ = Rᵢ − cᵢ − kᵢ·f.

use super::{
    AppliedPromotion, CouponKind, CouponLine, CouponTemplate, OptionChoice, Period, Promotion,
    UserCoupon, ValidityOptions, best_promotion, evaluate_coupon, largest_remainder,
    largest_remainder_capped,
};
use crate::order::MAX_CART_COURSES;
use crate::{DomainError, Money};
use chrono::{DateTime, Utc};
use std::collections::HashSet;

/// A course as pricing needs it: its options, its promotions and its credit cap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseOffer {
    /// The course id.
    pub course_id: i64,
    /// Its name.
    pub name: String,
    /// Its category, for coupon scopes.
    pub category_id: Option<i64>,
    /// Its validity options and permanent price.
    pub validity: ValidityOptions,
    /// Every promotion linked to it, live or not; liveness is judged at `now`.
    pub promotions: Vec<Promotion>,
    /// The most credit points one purchase of it may spend (`None` = no per-course cap).
    pub credit_cap_points: Option<i64>,
}

impl CourseOffer {
    /// The promotional price of `list` at `now` and the promotion giving it, if any.
    pub fn promotional_price(
        &self,
        list: Money,
        now: DateTime<Utc>,
    ) -> (Money, Option<AppliedPromotion>) {
        match best_promotion(&self.promotions, list, now) {
            Some(applied) => (applied.price, Some(applied)),
            None => (list, None),
        }
    }
}

/// One line the buyer asks for: a course and the option chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRequest<'a> {
    /// The course.
    pub course: &'a CourseOffer,
    /// The validity option chosen.
    pub choice: OptionChoice,
}

/// The one coupon an order may use: the buyer's instance and its template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CouponOffer<'a> {
    /// The template.
    pub template: &'a CouponTemplate,
    /// The buyer's instance.
    pub coupon: &'a UserCoupon,
}

/// Credit points the buyer wants to spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreditRequest {
    /// Points to spend (0 = none; the quote still reports the maximum).
    pub points: i64,
    /// The buyer's balance.
    pub balance: i64,
    /// The value of one point in fen (f).
    pub fen_per_point: i64,
}

/// Everything a quote is computed from, with one `now` for every line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteRequest<'a> {
    /// The buyer.
    pub buyer_id: i64,
    /// The lines, in the order they are shown.
    pub lines: Vec<LineRequest<'a>>,
    /// At most one coupon.
    pub coupon: Option<CouponOffer<'a>>,
    /// Credits to spend, if any.
    pub credit: Option<CreditRequest>,
    /// The instant of pricing.
    pub now: DateTime<Utc>,
}

/// One priced line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteLine {
    /// The course id.
    pub course_id: i64,
    /// The course name.
    pub course_name: String,
    /// The option's id, `None` for permanent.
    pub option_id: Option<i64>,
    /// The access bought.
    pub period: Period,
    /// The option's label (`expire_text`).
    pub expire_text: String,
    /// The option's list price (Bᵢ, `price`).
    pub list_price: Money,
    /// The price after the promotion (Rᵢ, `real_price`).
    pub real_price: Money,
    /// The promotion that gave `real_price`, if any.
    pub promotion: Option<AppliedPromotion>,
    /// This line's share of the coupon discount (cᵢ).
    pub coupon_share: Money,
    /// Credit points spent on this line (kᵢ).
    pub credit_points: i64,
    /// Their value in fen (kᵢ·f).
    pub credit_fen: Money,
    /// The cash paid for this line (Aᵢ, `pay_price`).
    pub pay_price: Money,
}

/// The coupon a quote used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedCoupon {
    /// The buyer's instance.
    pub user_coupon_id: i64,
    /// The template.
    pub coupon_id: i64,
    /// The template's name.
    pub name: String,
    /// What it takes off.
    pub kind: CouponKind,
    /// Its condition.
    pub condition: Money,
    /// When the instance stops being usable.
    pub valid_until: DateTime<Utc>,
}

/// A priced order: its lines and totals, every amount exact to the fen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// The lines, in the order requested.
    pub lines: Vec<QuoteLine>,
    /// Σ list prices (L, `total_price`).
    pub list_total: Money,
    /// Σ promotional prices (S, `subtotal_price`).
    pub subtotal: Money,
    /// The coupon used, if any.
    pub coupon: Option<AppliedCoupon>,
    /// The coupon discount (C, `coupon_price`) = Σ coupon shares.
    pub coupon_discount: Money,
    /// Points spent = Σ line points.
    pub credit_points: i64,
    /// Their value in fen (`credit_price`).
    pub credit_fen: Money,
    /// The value of one point in fen (0 when no credit was asked about).
    pub fen_per_point: i64,
    /// The most points this order could take (`max_credit`).
    pub max_credit_points: i64,
    /// The cash to pay (A, `real_price`) = Σ line cash; may be 0.
    pub payable: Money,
    /// When this quote may change by itself: the earliest start or end of a promotion of
    /// these courses after `now`, or the end of the coupon (`quote_valid_until`).
    pub valid_until: Option<DateTime<Utc>>,
}

impl Quote {
    /// Whether nothing is to be paid: the order completes without Alipay.
    pub fn is_free(&self) -> bool {
        self.payable.is_zero()
    }

    /// Compares the client's `total_amount` with the payable; the client's figure is only a guard.
    pub fn check_client_total(&self, given: Money) -> Result<(), DomainError> {
        if given != self.payable {
            return Err(DomainError::invalid("total_amount", "价格有误"));
        }
        Ok(())
    }
}

fn too_large() -> DomainError {
    DomainError::invalid("courses", "订单金额过大")
}

fn sum(mut amounts: impl Iterator<Item = Money>) -> Result<Money, DomainError> {
    amounts.try_fold(Money::ZERO, |total, amount| {
        total.checked_add(amount).ok_or_else(too_large)
    })
}

fn fen_of(amount: i64) -> Result<Money, DomainError> {
    Money::from_fen(amount).map_err(|_| too_large())
}

/// Prices an order. Refused, naming the field: no line, more than [`MAX_CART_COURSES`], a
/// course twice, an unknown option, an unusable coupon (`user_coupon_id`, with the reason),
/// bad or excessive credit points (`credit`, 积分使用有误), or a total past one trade.
pub fn quote(request: &QuoteRequest<'_>) -> Result<Quote, DomainError> {
    let now = request.now;
    if request.lines.is_empty() {
        return Err(DomainError::invalid("courses", "购物车是空的"));
    }
    if request.lines.len() > MAX_CART_COURSES {
        return Err(DomainError::invalid(
            "courses",
            format!("一次最多购买 {MAX_CART_COURSES} 门课程"),
        ));
    }
    let mut seen = HashSet::new();
    let mut lines = Vec::with_capacity(request.lines.len());
    for line in &request.lines {
        let course = line.course;
        if !seen.insert(course.course_id) {
            return Err(DomainError::invalid(
                "courses",
                format!("课程 {} 重复", course.course_id),
            ));
        }
        let option = course.validity.choose(line.choice)?;
        let (real_price, promotion) = course.promotional_price(option.list_price, now);
        lines.push(QuoteLine {
            course_id: course.course_id,
            course_name: course.name.clone(),
            option_id: option.option_id,
            period: option.period,
            expire_text: option.label,
            list_price: option.list_price,
            real_price,
            promotion,
            coupon_share: Money::ZERO,
            credit_points: 0,
            credit_fen: Money::ZERO,
            pay_price: real_price,
        });
    }
    let list_total = sum(lines.iter().map(|line| line.list_price))?;
    let subtotal = sum(lines.iter().map(|line| line.real_price))?;

    let coupon = match &request.coupon {
        None => None,
        Some(offer) => Some(apply_coupon(request, offer, &mut lines)?),
    };
    let coupon_discount = sum(lines.iter().map(|line| line.coupon_share))?;

    let (fen_per_point, max_credit_points) = match &request.credit {
        None => (0, 0),
        Some(credit) => (
            credit.fen_per_point,
            apply_credit(request, credit, &mut lines)?,
        ),
    };
    let credit_points = lines.iter().map(|line| line.credit_points).sum();
    let credit_fen = sum(lines.iter().map(|line| line.credit_fen))?;
    let payable = sum(lines.iter().map(|line| line.pay_price))?;

    let valid_until = request
        .lines
        .iter()
        .flat_map(|line| &line.course.promotions)
        .flat_map(|promotion| [promotion.start_at, promotion.end_at])
        .chain(coupon.as_ref().map(|coupon| coupon.valid_until))
        .filter(|instant| *instant > now)
        .min();

    Ok(Quote {
        lines,
        list_total,
        subtotal,
        coupon,
        coupon_discount,
        credit_points,
        credit_fen,
        fen_per_point,
        max_credit_points,
        payable,
        valid_until,
    })
}

/// Checks the coupon, spreads its discount over the eligible lines by largest remainder
/// (weights Rᵢ) and lowers their cash.
fn apply_coupon(
    request: &QuoteRequest<'_>,
    offer: &CouponOffer<'_>,
    lines: &mut [QuoteLine],
) -> Result<AppliedCoupon, DomainError> {
    let coupon_lines: Vec<CouponLine> = request
        .lines
        .iter()
        .zip(lines.iter())
        .map(|(requested, line)| CouponLine {
            course_id: line.course_id,
            category_id: requested.course.category_id,
            real_price: line.real_price,
            promoted: line.promotion.is_some(),
        })
        .collect();
    let evaluation = evaluate_coupon(
        offer.template,
        offer.coupon,
        request.buyer_id,
        &coupon_lines,
        request.now,
    )
    .map_err(|reason| DomainError::CouponUnusable {
        field: "user_coupon_id",
        reason,
    })?;
    let weights: Vec<i64> = evaluation
        .eligible
        .iter()
        .map(|i| lines[*i].real_price.fen())
        .collect();
    let shares = largest_remainder(evaluation.discount.fen(), &weights)?;
    for (i, share) in evaluation.eligible.iter().zip(shares) {
        let line = &mut lines[*i];
        line.coupon_share = fen_of(share)?;
        line.pay_price = line
            .real_price
            .checked_sub(line.coupon_share)
            .ok_or_else(too_large)?;
    }
    Ok(AppliedCoupon {
        user_coupon_id: offer.coupon.id,
        coupon_id: offer.template.id,
        name: offer.template.name.clone(),
        kind: offer.template.kind,
        condition: offer.template.condition,
        valid_until: offer.coupon.valid_until,
    })
}

/// Checks the points against the caps and the balance, spreads them over the lines by capped
/// largest remainder (weights Pᵢ, caps min(⌊Pᵢ / f⌋, the course cap)) and lowers the cash.
/// Returns the most points the order could take.
fn apply_credit(
    request: &QuoteRequest<'_>,
    credit: &CreditRequest,
    lines: &mut [QuoteLine],
) -> Result<i64, DomainError> {
    if credit.fen_per_point < 1 {
        return Err(DomainError::invalid(
            "credit",
            "a point must be worth at least 1 fen",
        ));
    }
    if credit.points < 0 || credit.balance < 0 {
        return Err(DomainError::invalid("credit", "积分使用有误"));
    }
    let weights: Vec<i64> = lines.iter().map(|line| line.pay_price.fen()).collect();
    let caps: Vec<i64> = request
        .lines
        .iter()
        .zip(&weights)
        .map(|(requested, weight)| {
            let by_price = weight / credit.fen_per_point;
            match requested.course.credit_cap_points {
                Some(cap) => by_price.min(cap.max(0)),
                None => by_price,
            }
        })
        .collect();
    let max_points = credit.balance.min(caps.iter().sum());
    if credit.points > max_points {
        return Err(DomainError::invalid("credit", "积分使用有误"));
    }
    let points = largest_remainder_capped(credit.points, &weights, &caps)?;
    for (line, k) in lines.iter_mut().zip(points) {
        let value = k
            .checked_mul(credit.fen_per_point)
            .ok_or_else(too_large)
            .and_then(fen_of)?;
        line.credit_points = k;
        line.credit_fen = value;
        line.pay_price = line.pay_price.checked_sub(value).ok_or_else(too_large)?;
    }
    Ok(max_points)
}

#[cfg(test)]
pub(crate) mod tests;
