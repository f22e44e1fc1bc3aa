//! Validity options (有效期): a course sold for 30, 90, 180 days or permanently, each at its price,
//! and the access a purchase grants.

use crate::{DomainError, Money};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashSet;

/// The label of the permanent option.
pub const PERMANENT_TEXT: &str = "永久有效";

/// The longest validity option, in days (a hundred years).
pub const MAX_EXPIRE_DAYS: u32 = 36_500;

/// How long a purchase gives access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    /// A number of days, from 1 to [`MAX_EXPIRE_DAYS`].
    Days(u32),
    /// For ever.
    Permanent,
}

impl Period {
    /// Reads `expire_days` as clients send it: 0 is permanent, and −1 is accepted as its alias.
    pub fn from_expire_days(days: i64) -> Result<Self, DomainError> {
        match days {
            0 | -1 => Ok(Period::Permanent),
            1.. => u32::try_from(days)
                .ok()
                .filter(|days| *days <= MAX_EXPIRE_DAYS)
                .map(Period::Days)
                .ok_or_else(Self::out_of_range),
            _ => Err(Self::out_of_range()),
        }
    }

    fn out_of_range() -> DomainError {
        DomainError::invalid(
            "expire_days",
            format!("must be 0 (permanent) or a number of days from 1 to {MAX_EXPIRE_DAYS}"),
        )
    }

    /// The stored `expire_days`: the number of days, 0 for permanent.
    pub fn expire_days(self) -> u32 {
        match self {
            Period::Days(days) => days,
            Period::Permanent => 0,
        }
    }
}

/// When a grant of access ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessEnd {
    /// Access ends at this instant (exclusive).
    Until(DateTime<Utc>),
    /// Access never ends.
    Permanent,
}

impl AccessEnd {
    /// Whether access has ended at `now`.
    pub fn is_expired(self, now: DateTime<Utc>) -> bool {
        match self {
            AccessEnd::Until(end) => now >= end,
            AccessEnd::Permanent => false,
        }
    }

    /// The stored `out_at`: the end, or `None` for permanent.
    pub fn out_at(self) -> Option<DateTime<Utc>> {
        match self {
            AccessEnd::Until(end) => Some(end),
            AccessEnd::Permanent => None,
        }
    }
}

/// The access after buying `period` at `now`, given the buyer's `existing` access to the
/// course, if any. A permanent purchase or grant stays permanent; an unexpired grant is
/// extended from its current end; otherwise the period starts at `now`.
pub fn access_after_purchase(
    existing: Option<AccessEnd>,
    period: Period,
    now: DateTime<Utc>,
) -> Result<AccessEnd, DomainError> {
    let Period::Days(days) = period else {
        return Ok(AccessEnd::Permanent);
    };
    let start = match existing {
        Some(AccessEnd::Permanent) => return Ok(AccessEnd::Permanent),
        Some(AccessEnd::Until(end)) if end > now => end,
        _ => now,
    };
    start
        .checked_add_signed(Duration::days(i64::from(days)))
        .map(AccessEnd::Until)
        .ok_or_else(|| DomainError::invalid("expire_days", "the access would end out of range"))
}

/// Whether a buyer whose access to the course is `existing` may buy it at `now`. A permanent
/// grant is never bought again. An unexpired grant may be extended (or made permanent) only
/// when `allow_extension`, the product's choice (Luffy's default is to allow it). An expired
/// grant, or none, may always be bought.
pub fn check_purchase(
    existing: Option<AccessEnd>,
    allow_extension: bool,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    match existing {
        Some(AccessEnd::Permanent) => Err(DomainError::invalid("course_id", "您已永久拥有该课程")),
        Some(end) if !allow_extension && !end.is_expired(now) => Err(DomainError::invalid(
            "course_id",
            "您已购买过该课程，且尚未过期",
        )),
        _ => Ok(()),
    }
}

/// One validity option of a course (a `course_expire` row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidityOption {
    /// The option's id (positive; 0 means the permanent option).
    pub id: i64,
    /// Its length in days.
    pub days: u32,
    /// Its label (`expire_text`), such as 1个月有效.
    pub label: String,
    /// Its list price.
    pub price: Money,
}

/// How the buyer names the option: by its id (0 = permanent) or by its days (0 or −1 = permanent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OptionChoice {
    /// By option id.
    Id(i64),
    /// By `expire_days`.
    Days(i64),
}

/// A resolved option: what a line is priced from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChosenOption {
    /// The option's id, `None` for permanent.
    pub option_id: Option<i64>,
    /// How long it gives access.
    pub period: Period,
    /// Its label.
    pub label: String,
    /// Its list price (Bᵢ).
    pub list_price: Money,
}

/// A course's validity options and its permanent price, checked and sorted by length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidityOptions {
    permanent_price: Money,
    options: Vec<ValidityOption>,
}

impl ValidityOptions {
    /// The options of a course whose permanent price is `permanent_price` (0 = not sold
    /// permanently). Refused: an id that is not positive or repeats, days outside
    /// 1..=[`MAX_EXPIRE_DAYS`] or repeated.
    pub fn new(
        permanent_price: Money,
        mut options: Vec<ValidityOption>,
    ) -> Result<Self, DomainError> {
        let mut ids = HashSet::new();
        let mut days = HashSet::new();
        for option in &options {
            if option.id <= 0 || !ids.insert(option.id) {
                return Err(DomainError::invalid(
                    "expire_id",
                    format!("option id {} must be positive and unique", option.id),
                ));
            }
            if !(1..=MAX_EXPIRE_DAYS).contains(&option.days) || !days.insert(option.days) {
                return Err(DomainError::invalid(
                    "expire_days",
                    format!(
                        "{} days: must be from 1 to {MAX_EXPIRE_DAYS} and unique per course",
                        option.days
                    ),
                ));
            }
        }
        options.sort_by_key(|option| option.days);
        Ok(Self {
            permanent_price,
            options,
        })
    }

    /// The permanent price (`Course.price`).
    pub fn permanent_price(&self) -> Money {
        self.permanent_price
    }

    /// Whether the course is sold permanently: only when its price is above 0.
    pub fn permanent_offered(&self) -> bool {
        !self.permanent_price.is_zero()
    }

    fn permanent(&self) -> ChosenOption {
        ChosenOption {
            option_id: None,
            period: Period::Permanent,
            label: PERMANENT_TEXT.to_owned(),
            list_price: self.permanent_price,
        }
    }

    fn option(option: &ValidityOption) -> ChosenOption {
        ChosenOption {
            option_id: Some(option.id),
            period: Period::Days(option.days),
            label: option.label.clone(),
            list_price: option.price,
        }
    }

    /// Every option a buyer may choose: by ascending days, then permanent when offered.
    pub fn list(&self) -> Vec<ChosenOption> {
        let mut list: Vec<ChosenOption> = self.options.iter().map(Self::option).collect();
        if self.permanent_offered() {
            list.push(self.permanent());
        }
        list
    }

    /// The option chosen by `choice`; refused, naming the field, when it does not exist or is
    /// the permanent option of a course not sold permanently.
    pub fn choose(&self, choice: OptionChoice) -> Result<ChosenOption, DomainError> {
        let (field, found) = match choice {
            OptionChoice::Id(0) => ("expire_id", None),
            OptionChoice::Id(id) => (
                "expire_id",
                Some(self.options.iter().find(|option| option.id == id)),
            ),
            OptionChoice::Days(days) => match Period::from_expire_days(days)? {
                Period::Permanent => ("expire_days", None),
                Period::Days(days) => (
                    "expire_days",
                    Some(self.options.iter().find(|option| option.days == days)),
                ),
            },
        };
        match found {
            None if self.permanent_offered() => Ok(self.permanent()),
            None => Err(DomainError::invalid(
                field,
                "this course is not sold permanently",
            )),
            Some(Some(option)) => Ok(Self::option(option)),
            Some(None) => Err(DomainError::invalid(
                field,
                "no such validity option for this course",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn fen(n: i64) -> Money {
        Money::from_fen(n).unwrap()
    }

    fn options(permanent: i64) -> ValidityOptions {
        ValidityOptions::new(
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
        .unwrap()
    }

    #[test]
    fn lists_by_days_then_permanent() {
        let list = options(39_900).list();
        let shown: Vec<(u32, i64)> = list
            .iter()
            .map(|o| (o.period.expire_days(), o.list_price.fen()))
            .collect();
        assert_eq!(shown, vec![(30, 9_900), (180, 29_900), (0, 39_900)]);
        assert_eq!(list[2].label, PERMANENT_TEXT);
        assert_eq!(options(0).list().len(), 2);
    }

    #[test]
    fn chooses_by_id_or_days_with_the_permanent_alias() {
        let opts = options(39_900);
        assert_eq!(
            opts.choose(OptionChoice::Id(7)).unwrap().list_price,
            fen(29_900)
        );
        assert_eq!(
            opts.choose(OptionChoice::Days(30)).unwrap().option_id,
            Some(5)
        );
        for choice in [
            OptionChoice::Id(0),
            OptionChoice::Days(0),
            OptionChoice::Days(-1),
        ] {
            let chosen = opts.choose(choice).unwrap();
            assert_eq!(
                (chosen.option_id, chosen.period, chosen.list_price),
                (None, Period::Permanent, fen(39_900))
            );
        }
        let field = |result: Result<ChosenOption, DomainError>| match result {
            Err(DomainError::Invalid { field, .. }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert_eq!(field(opts.choose(OptionChoice::Id(6))), "expire_id");
        assert_eq!(field(opts.choose(OptionChoice::Days(90))), "expire_days");
        assert_eq!(field(opts.choose(OptionChoice::Days(-2))), "expire_days");
        assert_eq!(
            field(options(0).choose(OptionChoice::Days(0))),
            "expire_days"
        );
        assert_eq!(field(options(0).choose(OptionChoice::Id(0))), "expire_id");
    }

    #[test]
    fn refuses_bad_option_rows() {
        let row = |id, days| ValidityOption {
            id,
            days,
            label: String::new(),
            price: fen(100),
        };
        let refused = |rows: Vec<ValidityOption>| match ValidityOptions::new(fen(1), rows) {
            Err(DomainError::Invalid { field, .. }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert_eq!(refused(vec![row(0, 30)]), "expire_id");
        assert_eq!(refused(vec![row(1, 30), row(1, 90)]), "expire_id");
        assert_eq!(refused(vec![row(1, 30), row(2, 30)]), "expire_days");
        assert_eq!(refused(vec![row(1, 0)]), "expire_days");
        assert_eq!(refused(vec![row(1, MAX_EXPIRE_DAYS + 1)]), "expire_days");
    }

    #[test]
    fn access_ends_after_the_period_and_extends_from_an_unexpired_end() {
        let paid = Utc.with_ymd_and_hms(2024, 3, 1, 10, 0, 0).unwrap();
        let end = access_after_purchase(None, Period::Days(180), paid).unwrap();
        assert_eq!(
            end,
            AccessEnd::Until(Utc.with_ymd_and_hms(2024, 8, 28, 10, 0, 0).unwrap())
        );
        let june = Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap();
        assert_eq!(
            access_after_purchase(Some(end), Period::Days(30), june).unwrap(),
            AccessEnd::Until(Utc.with_ymd_and_hms(2024, 9, 27, 10, 0, 0).unwrap())
        );
        // Expired (or ending exactly now): a fresh period from now.
        let september = Utc.with_ymd_and_hms(2024, 9, 1, 0, 0, 0).unwrap();
        assert_eq!(
            access_after_purchase(Some(end), Period::Days(30), september).unwrap(),
            AccessEnd::Until(Utc.with_ymd_and_hms(2024, 10, 1, 0, 0, 0).unwrap())
        );
        let AccessEnd::Until(end_at) = end else {
            panic!("not permanent")
        };
        assert_eq!(
            access_after_purchase(Some(end), Period::Days(1), end_at).unwrap(),
            AccessEnd::Until(end_at + Duration::days(1))
        );
        assert!(end.is_expired(end_at));
        assert!(!end.is_expired(june));
        assert_eq!(end.out_at(), Some(end_at));
        // Permanent wins either way.
        assert_eq!(
            access_after_purchase(Some(end), Period::Permanent, june).unwrap(),
            AccessEnd::Permanent
        );
        assert_eq!(
            access_after_purchase(Some(AccessEnd::Permanent), Period::Days(30), june).unwrap(),
            AccessEnd::Permanent
        );
        assert_eq!(AccessEnd::Permanent.out_at(), None);
        assert!(!AccessEnd::Permanent.is_expired(june));
    }

    #[test]
    fn who_may_buy_again() {
        let now = Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap();
        let live = AccessEnd::Until(now + Duration::days(3));
        let ended = AccessEnd::Until(now);
        assert_eq!(check_purchase(None, false, now), Ok(()));
        assert_eq!(check_purchase(Some(ended), false, now), Ok(()));
        assert_eq!(check_purchase(Some(live), true, now), Ok(()));
        for (existing, allow) in [(live, false), (AccessEnd::Permanent, true)] {
            assert!(matches!(
                check_purchase(Some(existing), allow, now),
                Err(DomainError::Invalid {
                    field: "course_id",
                    ..
                })
            ));
        }
    }

    #[test]
    fn expire_days_round_trips() {
        assert_eq!(Period::from_expire_days(0).unwrap().expire_days(), 0);
        assert_eq!(Period::from_expire_days(-1).unwrap(), Period::Permanent);
        assert_eq!(Period::from_expire_days(90).unwrap().expire_days(), 90);
        assert!(Period::from_expire_days(i64::from(MAX_EXPIRE_DAYS) + 1).is_err());
        assert!(Period::from_expire_days(i64::MAX).is_err());
        assert!(Period::from_expire_days(-2).is_err());
        assert_eq!(
            Period::from_expire_days(i64::from(MAX_EXPIRE_DAYS)).unwrap(),
            Period::Days(MAX_EXPIRE_DAYS)
        );
    }
}
