//! What an order keeps of its quote, so that a placed order is never priced again.

use super::{Quote, QuoteLine};
use crate::Money;
use serde::Serialize;

/// What each order line keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderLineSnapshot {
    /// The course id.
    pub course_id: i64,
    /// The course name at the time of the order.
    pub course_name: String,
    /// The days bought, 0 for permanent.
    pub expire_days: u32,
    /// The option's label.
    pub expire_text: String,
    /// The option's list price (Bᵢ).
    pub price: Money,
    /// The price after the promotion (Rᵢ).
    pub real_price: Money,
    /// The promotion's badge, "" when none.
    pub discount_name: String,
    /// The promotion's activity.
    pub activity_id: Option<i64>,
    /// The promotion's rule.
    pub rule_id: Option<i64>,
    /// The rule's formula text, "" when none.
    pub sale_text: String,
    /// The line's share of the coupon, in fen (cᵢ).
    pub coupon_fen: i64,
    /// Credit points spent on the line (kᵢ).
    pub credit_points: i64,
    /// Their value in fen.
    pub credit_fen: i64,
    /// The cash paid for the line (Aᵢ).
    pub pay_price: Money,
    /// Cash refunded so far, in fen (0 when placed).
    pub refunded_fen: i64,
    /// Points refunded so far (0 when placed).
    pub refunded_points: i64,
}

/// What the order keeps; the flow adds the pay type, status and expiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderSnapshot {
    /// Σ list prices (L).
    pub total_price: Money,
    /// Σ promotional prices (S).
    pub subtotal_price: Money,
    /// The coupon discount (C).
    pub coupon_price: Money,
    /// The buyer's coupon used, if any.
    pub user_coupon_id: Option<i64>,
    /// The coupon's name.
    pub coupon_name: Option<String>,
    /// The coupon's kind: `minus` or `rate`.
    pub coupon_kind: Option<&'static str>,
    /// The coupon's value as formula text (`-50`, `*0.9`).
    pub coupon_value: Option<String>,
    /// The coupon's condition.
    pub coupon_condition: Option<Money>,
    /// Credit points spent.
    pub credit: i64,
    /// Their value (`credit_price`).
    pub credit_price: Money,
    /// The value of one point in fen when the order was placed.
    pub credit_fen_per_point: i64,
    /// The cash to pay (A), what Alipay is asked for.
    pub real_price: Money,
    /// The lines.
    pub lines: Vec<OrderLineSnapshot>,
}

impl From<&QuoteLine> for OrderLineSnapshot {
    fn from(line: &QuoteLine) -> Self {
        let promotion = line.promotion.as_ref();
        Self {
            course_id: line.course_id,
            course_name: line.course_name.clone(),
            expire_days: line.period.expire_days(),
            expire_text: line.expire_text.clone(),
            price: line.list_price,
            real_price: line.real_price,
            discount_name: promotion.map(|p| p.type_name.clone()).unwrap_or_default(),
            activity_id: promotion.map(|p| p.activity_id),
            rule_id: promotion.map(|p| p.rule_id),
            sale_text: promotion.map(|p| p.sale_text.clone()).unwrap_or_default(),
            coupon_fen: line.coupon_share.fen(),
            credit_points: line.credit_points,
            credit_fen: line.credit_fen.fen(),
            pay_price: line.pay_price,
            refunded_fen: 0,
            refunded_points: 0,
        }
    }
}

impl From<&Quote> for OrderSnapshot {
    fn from(quote: &Quote) -> Self {
        let coupon = quote.coupon.as_ref();
        Self {
            total_price: quote.list_total,
            subtotal_price: quote.subtotal,
            coupon_price: quote.coupon_discount,
            user_coupon_id: coupon.map(|c| c.user_coupon_id),
            coupon_name: coupon.map(|c| c.name.clone()),
            coupon_kind: coupon.map(|c| match c.kind {
                super::CouponKind::Minus(_) => "minus",
                super::CouponKind::Rate(_) => "rate",
            }),
            coupon_value: coupon.map(|c| c.kind.to_string()),
            coupon_condition: coupon.map(|c| c.condition),
            credit: quote.credit_points,
            credit_price: quote.credit_fen,
            credit_fen_per_point: quote.fen_per_point,
            real_price: quote.payable,
            lines: quote.lines.iter().map(OrderLineSnapshot::from).collect(),
        }
    }
}

impl Quote {
    /// The snapshot an order stores when it is placed from this quote.
    pub fn snapshot(&self) -> OrderSnapshot {
        OrderSnapshot::from(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::CouponOffer;
    use crate::pricing::coupon::tests::{held, template};
    use crate::pricing::quote;
    use crate::pricing::quote::tests::{courses, credit, request};

    #[test]
    fn the_worked_example_is_kept_line_by_line() {
        let (a, b) = courses();
        let t = template("-50", 30_000);
        let c = held(&t, 7, 1);
        let offer = CouponOffer {
            template: &t,
            coupon: &c,
        };
        let snapshot = quote(&request(&a, &b, Some(offer), credit(1_000, 2_000)))
            .unwrap()
            .snapshot();
        let json = serde_json::to_value(&snapshot).unwrap();
        assert_eq!(
            json["lines"][0],
            serde_json::json!({
                "course_id": 1,
                "course_name": "Python",
                "expire_days": 180,
                "expire_text": "6个月有效",
                "price": "299.00",
                "real_price": "239.20",
                "discount_name": "限时折扣",
                "activity_id": 1,
                "rule_id": 1,
                "sale_text": "*0.8",
                "coupon_fen": 2_888,
                "credit_points": 578,
                "credit_fen": 5_780,
                "pay_price": "152.52",
                "refunded_fen": 0,
                "refunded_points": 0,
            })
        );
        assert_eq!(snapshot.lines[1].expire_days, 0);
        assert_eq!(snapshot.lines[1].expire_text, "永久有效");
        assert_eq!(snapshot.lines[1].sale_text, "满100-10\n满150-25");
        assert_eq!(snapshot.total_price.fen(), 49_890);
        assert_eq!(snapshot.subtotal_price.fen(), 41_410);
        assert_eq!(snapshot.coupon_price.fen(), 5_000);
        assert_eq!(snapshot.user_coupon_id, Some(100));
        assert_eq!(snapshot.coupon_kind, Some("minus"));
        assert_eq!(snapshot.coupon_value.as_deref(), Some("-50"));
        assert_eq!(snapshot.coupon_condition.map(Money::fen), Some(30_000));
        assert_eq!(
            (snapshot.credit, snapshot.credit_price.fen()),
            (1_000, 10_000)
        );
        assert_eq!(snapshot.credit_fen_per_point, 10);
        assert_eq!(snapshot.real_price.to_string(), "264.10");
    }

    #[test]
    fn a_line_without_promotion_or_coupon_keeps_empty_badges() {
        let (mut a, b) = courses();
        a.promotions.clear();
        let snapshot = quote(&request(&a, &b, None, None)).unwrap().snapshot();
        let line = &snapshot.lines[0];
        assert_eq!(
            (
                line.discount_name.as_str(),
                line.activity_id,
                line.sale_text.as_str()
            ),
            ("", None, "")
        );
        assert_eq!((line.coupon_fen, line.pay_price.fen()), (0, 29_900));
        assert_eq!(snapshot.user_coupon_id, None);
        assert_eq!(snapshot.coupon_kind, None);
        assert_eq!(snapshot.real_price.fen(), 29_900 + 17_490);
    }
}
