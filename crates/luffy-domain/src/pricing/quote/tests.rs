use super::*;
use crate::pricing::coupon::tests::{day, fen, held, template};
use crate::pricing::{CouponStatus, CouponUnusable, DiscountRule, ValidityOption};
use chrono::TimeZone;
use proptest::prelude::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 2, 10, 0, 0).unwrap()
}

fn promotion(activity_id: i64, type_name: &str, sale: &str, start: u32, end: u32) -> Promotion {
    Promotion {
        activity_id,
        activity_name: format!("activity {activity_id}"),
        rule_id: activity_id,
        type_name: type_name.into(),
        start_at: day(start),
        end_at: day(end),
        priority: 0,
        rule: DiscountRule::parse(sale, Money::ZERO).unwrap(),
    }
}

/// A: permanent 39900, 30 d 9900, 180 d 29900, live *0.8. B: permanent 19990, 满100-10 / 满150-25.
pub(crate) fn courses() -> (CourseOffer, CourseOffer) {
    let a = CourseOffer {
        course_id: 1,
        name: "Python".into(),
        category_id: Some(10),
        validity: ValidityOptions::new(
            fen(39_900),
            vec![
                ValidityOption {
                    id: 5,
                    days: 30,
                    label: "1个月有效".into(),
                    price: fen(9_900),
                },
                ValidityOption {
                    id: 7,
                    days: 180,
                    label: "6个月有效".into(),
                    price: fen(29_900),
                },
            ],
        )
        .unwrap(),
        promotions: vec![promotion(1, "限时折扣", "*0.8", 1, 10)],
        credit_cap_points: None,
    };
    let b = CourseOffer {
        course_id: 2,
        name: "Go".into(),
        category_id: Some(20),
        validity: ValidityOptions::new(fen(19_990), vec![]).unwrap(),
        promotions: vec![promotion(2, "满减", "满100-10\n满150-25", 1, 12)],
        credit_cap_points: None,
    };
    (a, b)
}

pub(crate) fn request<'a>(
    a: &'a CourseOffer,
    b: &'a CourseOffer,
    coupon: Option<CouponOffer<'a>>,
    credit: Option<CreditRequest>,
) -> QuoteRequest<'a> {
    QuoteRequest {
        buyer_id: 7,
        lines: vec![
            LineRequest {
                course: a,
                choice: OptionChoice::Days(180),
            },
            LineRequest {
                course: b,
                choice: OptionChoice::Days(0),
            },
        ],
        coupon,
        credit,
        now: now(),
    }
}

pub(crate) fn credit(points: i64, balance: i64) -> Option<CreditRequest> {
    Some(CreditRequest {
        points,
        balance,
        fen_per_point: 10,
    })
}

fn column(quote: &Quote, f: impl Fn(&QuoteLine) -> i64) -> Vec<i64> {
    quote.lines.iter().map(f).collect()
}

#[test]
fn the_worked_example_to_the_fen() {
    let (a, b) = courses();
    let t = template("-50", 30_000);
    let c = held(&t, 7, 1);
    let offer = CouponOffer {
        template: &t,
        coupon: &c,
    };
    let q = quote(&request(&a, &b, Some(offer), credit(1_000, 2_000))).unwrap();
    assert_eq!(column(&q, |l| l.list_price.fen()), vec![29_900, 19_990]);
    assert_eq!(column(&q, |l| l.real_price.fen()), vec![23_920, 17_490]);
    assert_eq!(column(&q, |l| l.coupon_share.fen()), vec![2_888, 2_112]);
    assert_eq!(column(&q, |l| l.credit_points), vec![578, 422]);
    assert_eq!(column(&q, |l| l.credit_fen.fen()), vec![5_780, 4_220]);
    assert_eq!(column(&q, |l| l.pay_price.fen()), vec![15_252, 11_158]);
    assert_eq!(q.list_total, fen(49_890));
    assert_eq!(q.subtotal, fen(41_410));
    assert_eq!(q.coupon_discount, fen(5_000));
    assert_eq!((q.credit_points, q.credit_fen), (1_000, fen(10_000)));
    assert_eq!(q.max_credit_points, 2_000);
    assert_eq!(q.payable, fen(26_410));
    assert_eq!(q.payable.to_string(), "264.10");
    assert!(!q.is_free());
    assert_eq!(q.check_client_total(fen(26_410)), Ok(()));
    assert!(matches!(
        q.check_client_total(fen(26_411)),
        Err(DomainError::Invalid {
            field: "total_amount",
            ..
        })
    ));
    // The line keeps what priced it.
    let first = &q.lines[0];
    assert_eq!(
        (first.option_id, first.period, first.expire_text.as_str()),
        (Some(7), Period::Days(180), "6个月有效")
    );
    let promo = first.promotion.as_ref().unwrap();
    assert_eq!(
        (promo.type_name.as_str(), promo.sale_text.as_str()),
        ("限时折扣", "*0.8")
    );
    assert_eq!(q.lines[1].promotion.as_ref().unwrap().type_name, "满减");
    assert_eq!(q.lines[1].period, Period::Permanent);
    // The first promotion to end is A's, on 10 March.
    assert_eq!(q.valid_until, Some(day(10)));
    let used = q.coupon.as_ref().unwrap();
    assert_eq!((used.user_coupon_id, used.coupon_id), (100, 1));
    // The same request gives the same quote.
    assert_eq!(
        quote(&request(&a, &b, Some(offer), credit(1_000, 2_000))).unwrap(),
        q
    );
}

#[test]
fn with_500_points_the_payable_matches_the_lineage() {
    let (a, b) = courses();
    let t = template("-50", 30_000);
    let c = held(&t, 7, 1);
    let offer = CouponOffer {
        template: &t,
        coupon: &c,
    };
    let q = quote(&request(&a, &b, Some(offer), credit(500, 500))).unwrap();
    assert_eq!(q.payable, fen(31_410));
}

#[test]
fn a_rate_coupon_spreads_without_leftover() {
    let (a, b) = courses();
    let t = template("*0.9", 0);
    let c = held(&t, 7, 1);
    let offer = CouponOffer {
        template: &t,
        coupon: &c,
    };
    let q = quote(&request(&a, &b, Some(offer), None)).unwrap();
    assert_eq!(q.coupon_discount, fen(4_141));
    assert_eq!(column(&q, |l| l.coupon_share.fen()), vec![2_392, 1_749]);
    assert_eq!(q.payable, fen(37_269));
    assert_eq!((q.fen_per_point, q.max_credit_points), (0, 0));
}

#[test]
fn without_coupon_or_promotion_lines_pay_their_list_price() {
    let (mut a, b) = courses();
    a.promotions.clear();
    let q = quote(&request(&a, &b, None, None)).unwrap();
    assert_eq!(column(&q, |l| l.real_price.fen()), vec![29_900, 17_490]);
    assert_eq!(q.lines[0].promotion, None);
    assert_eq!(q.payable, fen(47_390));
    assert_eq!(q.coupon, None);
    assert_eq!(q.valid_until, Some(day(12)));
}

#[test]
fn a_free_promotion_gives_a_zero_payable() {
    let (mut a, mut b) = courses();
    a.promotions = vec![promotion(3, "限时免费", "", 1, 10)];
    b.promotions = vec![promotion(4, "限时免费", "0", 1, 10)];
    let q = quote(&request(&a, &b, None, credit(0, 100))).unwrap();
    assert_eq!(q.payable, Money::ZERO);
    assert!(q.is_free());
    assert_eq!(q.max_credit_points, 0);
    assert_eq!(column(&q, |l| l.pay_price.fen()), vec![0, 0]);
    assert_eq!(q.list_total, fen(49_890));
}

#[test]
fn a_coupon_that_reaches_the_whole_subtotal_gives_a_zero_payable() {
    let (a, b) = courses();
    let t = template("-500", 0);
    let c = held(&t, 7, 1);
    let offer = CouponOffer {
        template: &t,
        coupon: &c,
    };
    let q = quote(&request(&a, &b, Some(offer), None)).unwrap();
    assert_eq!(q.coupon_discount, fen(41_410));
    assert_eq!(column(&q, |l| l.coupon_share.fen()), vec![23_920, 17_490]);
    assert!(q.is_free());
}

#[test]
fn a_coupon_with_no_eligible_line_is_refused_with_its_reason() {
    let (a, b) = courses();
    let mut t = template("-50", 0);
    t.stackable_with_promotion = false;
    let c = held(&t, 7, 1);
    let offer = CouponOffer {
        template: &t,
        coupon: &c,
    };
    let err = quote(&request(&a, &b, Some(offer), None)).unwrap_err();
    assert_eq!(
        err,
        DomainError::CouponUnusable {
            field: "user_coupon_id",
            reason: CouponUnusable::PromotedLines,
        }
    );
    assert_eq!(
        err.to_string(),
        "user_coupon_id: 活动优惠课程不可使用优惠券"
    );
    let mut reserved = held(&t, 7, 1);
    reserved.status = CouponStatus::Reserved;
    t.stackable_with_promotion = true;
    let offer = CouponOffer {
        template: &t,
        coupon: &reserved,
    };
    assert!(matches!(
        quote(&request(&a, &b, Some(offer), None)),
        Err(DomainError::CouponUnusable {
            reason: CouponUnusable::Reserved,
            ..
        })
    ));
}

#[test]
fn a_non_stacking_coupon_goes_only_to_unpromoted_lines() {
    let (mut a, b) = courses();
    a.promotions.clear();
    let mut t = template("-50", 0);
    t.stackable_with_promotion = false;
    let c = held(&t, 7, 1);
    let offer = CouponOffer {
        template: &t,
        coupon: &c,
    };
    let q = quote(&request(&a, &b, Some(offer), None)).unwrap();
    assert_eq!(column(&q, |l| l.coupon_share.fen()), vec![5_000, 0]);
    assert_eq!(column(&q, |l| l.pay_price.fen()), vec![24_900, 17_490]);
}

#[test]
fn a_condition_equal_to_the_subtotal_is_met() {
    let (a, b) = courses();
    let t = template("-50", 41_410);
    let c = held(&t, 7, 1);
    let offer = CouponOffer {
        template: &t,
        coupon: &c,
    };
    assert_eq!(
        quote(&request(&a, &b, Some(offer), None)).unwrap().payable,
        fen(36_410)
    );
    let t = template("-50", 41_411);
    let c = held(&t, 7, 1);
    let offer = CouponOffer {
        template: &t,
        coupon: &c,
    };
    assert!(matches!(
        quote(&request(&a, &b, Some(offer), None)),
        Err(DomainError::CouponUnusable {
            reason: CouponUnusable::BelowCondition { .. },
            ..
        })
    ));
}

#[test]
fn points_up_to_the_caps_and_the_balance_are_allowed() {
    let (a, b) = courses();
    let t = template("-50", 30_000);
    let c = held(&t, 7, 1);
    let offer = CouponOffer {
        template: &t,
        coupon: &c,
    };
    // Σ capᵢ = 2103 + 1537 = 3640.
    let q = quote(&request(&a, &b, Some(offer), credit(3_640, 5_000))).unwrap();
    assert_eq!(q.max_credit_points, 3_640);
    assert_eq!(column(&q, |l| l.credit_points), vec![2_103, 1_537]);
    assert_eq!(column(&q, |l| l.pay_price.fen()), vec![2, 8]);
    assert_eq!(q.payable, fen(10));
    let refused =
        |points, balance| match quote(&request(&a, &b, Some(offer), credit(points, balance))) {
            Err(DomainError::Invalid { field, message }) => (field, message),
            other => panic!("expected a refusal, got {other:?}"),
        };
    assert_eq!(refused(3_641, 5_000), ("credit", "积分使用有误".to_owned()));
    // The whole balance, exactly.
    let q = quote(&request(&a, &b, Some(offer), credit(1_000, 1_000))).unwrap();
    assert_eq!(q.credit_points, 1_000);
    assert_eq!(refused(1_001, 1_000).0, "credit");
    assert_eq!(refused(-1, 1_000).0, "credit");
    let mut zero_value = request(&a, &b, None, credit(1, 1));
    zero_value.credit = Some(CreditRequest {
        points: 1,
        balance: 1,
        fen_per_point: 0,
    });
    assert!(matches!(
        quote(&zero_value),
        Err(DomainError::Invalid {
            field: "credit",
            ..
        })
    ));
}

#[test]
fn a_course_cap_limits_its_points() {
    let (a, mut b) = courses();
    b.credit_cap_points = Some(100);
    let q = quote(&request(&a, &b, None, credit(2_000, 9_999))).unwrap();
    // Caps: A ⌊23920 / 10⌋ = 2392, B 100.
    assert_eq!(q.max_credit_points, 2_492);
    assert_eq!(column(&q, |l| l.credit_points), vec![1_900, 100]);
    assert_eq!(q.payable, fen(41_410 - 20_000));
}

#[test]
fn bad_carts_are_refused_naming_the_field() {
    let (a, b) = courses();
    let field = |request: &QuoteRequest<'_>| match quote(request) {
        Err(DomainError::Invalid { field, .. }) => field,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let mut empty = request(&a, &b, None, None);
    empty.lines.clear();
    assert_eq!(field(&empty), "courses");
    let mut twice = request(&a, &b, None, None);
    twice.lines[1].course = &a;
    assert_eq!(field(&twice), "courses");
    let mut unknown = request(&a, &b, None, None);
    unknown.lines[0].choice = OptionChoice::Days(90);
    assert_eq!(field(&unknown), "expire_days");
    unknown.lines[0].choice = OptionChoice::Id(99);
    assert_eq!(field(&unknown), "expire_id");

    let many: Vec<CourseOffer> = (0..=MAX_CART_COURSES as i64)
        .map(|id| CourseOffer {
            course_id: id,
            ..b.clone()
        })
        .collect();
    let mut too_many = request(&a, &b, None, None);
    too_many.lines = many
        .iter()
        .map(|course| LineRequest {
            course,
            choice: OptionChoice::Days(0),
        })
        .collect();
    assert_eq!(field(&too_many), "courses");
    too_many.lines.pop();
    assert_eq!(quote(&too_many).unwrap().lines.len(), MAX_CART_COURSES);
}

#[test]
fn the_promotion_prices_the_chosen_option_not_the_permanent_one() {
    let (a, b) = courses();
    let mut r = request(&a, &b, None, None);
    r.lines[0].choice = OptionChoice::Id(5);
    let q = quote(&r).unwrap();
    assert_eq!(
        (q.lines[0].list_price, q.lines[0].real_price),
        (fen(9_900), fen(7_920))
    );
    // After the promotion ends, the list price again.
    r.now = day(11);
    let q = quote(&r).unwrap();
    assert_eq!(q.lines[0].real_price, fen(9_900));
    assert_eq!(q.lines[0].promotion, None);
    assert_eq!(q.valid_until, Some(day(12)));
}

fn arb_sale() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        (1u32..=10_000).prop_map(|n| format!(
            "*{}",
            crate::pricing::Rate::from_per_ten_thousand(n).unwrap()
        )),
        (1i64..100_000)
            .prop_map(|m| format!("-{}", crate::pricing::yuan_text(Money::clamped(m.into())))),
        Just("满100-10\n满200-25".to_owned()),
    ]
}

fn arb_course() -> impl Strategy<Value = (i64, Option<String>, bool)> {
    (0i64..2_000_000, prop::option::of(arb_sale()), any::<bool>())
}

proptest! {
    #[test]
    fn every_quote_balances_to_the_fen(
        specs in prop::collection::vec(arb_course(), 1..8),
        coupon in prop::option::of((prop_oneof![
            (1i64..500_000).prop_map(|m| format!("-{}", crate::pricing::yuan_text(Money::clamped(m.into())))),
            (1u32..10_000).prop_map(|n| format!("*{}", crate::pricing::Rate::from_per_ten_thousand(n).unwrap())),
        ], any::<bool>())),
        points_pick in 0u32..=100,
    ) {
        let courses: Vec<CourseOffer> = specs
            .iter()
            .enumerate()
            .map(|(i, (price, sale, in_category))| CourseOffer {
                course_id: i as i64 + 1,
                name: format!("course {i}"),
                category_id: in_category.then_some(10),
                validity: ValidityOptions::new(Money::clamped((*price + 1).into()), vec![]).unwrap(),
                promotions: sale
                    .iter()
                    .map(|sale| promotion(i as i64 + 1, "限时折扣", sale, 1, 10))
                    .collect(),
                credit_cap_points: None,
            })
            .collect();
        let templates: Vec<CouponTemplate> = coupon
            .iter()
            .map(|(sale, stack)| {
                let mut t = template(sale, 0);
                t.stackable_with_promotion = *stack;
                t
            })
            .collect();
        let held: Vec<UserCoupon> = templates.iter().map(|t| held(t, 7, 1)).collect();
        let mut request = QuoteRequest {
            buyer_id: 7,
            lines: courses
                .iter()
                .map(|course| LineRequest { course, choice: OptionChoice::Days(0) })
                .collect(),
            coupon: templates
                .first()
                .zip(held.first())
                .map(|(template, coupon)| CouponOffer { template, coupon }),
            credit: Some(CreditRequest { points: 0, balance: i64::MAX / 4, fen_per_point: 10 }),
            now: now(),
        };
        let probe = match quote(&request) {
            Ok(q) => q,
            // Only a coupon with nothing eligible may refuse this cart.
            Err(DomainError::CouponUnusable { .. }) => {
                request.coupon = None;
                quote(&request).unwrap()
            }
            Err(other) => return Err(TestCaseError::fail(format!("{other}"))),
        };
        let points = probe.max_credit_points * i64::from(points_pick) / 100;
        request.credit = Some(CreditRequest { points, balance: i64::MAX / 4, fen_per_point: 10 });
        let q = quote(&request).unwrap();
        prop_assert_eq!(&quote(&request).unwrap(), &q);

        let stacks = templates.first().is_none_or(|t| t.stackable_with_promotion);
        for line in &q.lines {
            if line.promotion.is_some() && !stacks {
                prop_assert_eq!(line.coupon_share, Money::ZERO);
            }
        }
        let shares: i64 = q.lines.iter().map(|l| l.coupon_share.fen()).sum();
        prop_assert_eq!(shares, q.coupon_discount.fen());
        prop_assert!(q.coupon_discount <= q.subtotal);
        prop_assert_eq!(q.credit_points, points);
        let mut pay = 0;
        for line in &q.lines {
            prop_assert!(line.real_price <= line.list_price);
            prop_assert!(line.coupon_share <= line.real_price);
            prop_assert!(line.pay_price <= line.real_price);
            prop_assert_eq!(
                line.pay_price.fen(),
                line.real_price.fen() - line.coupon_share.fen() - line.credit_fen.fen()
            );
            prop_assert_eq!(line.credit_fen.fen(), line.credit_points * 10);
            pay += line.pay_price.fen();
        }
        prop_assert_eq!(pay, q.payable.fen());
        prop_assert_eq!(
            q.payable.fen(),
            q.subtotal.fen() - q.coupon_discount.fen() - q.credit_fen.fen()
        );
    }
}
