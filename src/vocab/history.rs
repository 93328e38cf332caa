//! One golden record's dated facts, merged from all of its source records: what features
//! and labels are computed from. Dates are days (`Day`), so a cutoff is one comparison.

use chrono::{Datelike, NaiveDate};

/// Days since 0001-01-01 (chrono's "days from CE").
pub type Day = i32;

pub fn day(date: NaiveDate) -> Day {
    date.num_days_from_ce()
}

/// `YYYY-MM-DD` (anything after the date is ignored) as a `Day`. Hand-rolled: scoring
/// parses tens of millions of dates, and a format-string parser is several times slower.
pub fn parse_day(text: &str) -> Option<Day> {
    parse_day_bytes(text.as_bytes())
}

/// [`parse_day`] on the bytes of a text column, which need no UTF-8 check first: a date is
/// ASCII digits and dashes, and anything else is not a date.
pub fn parse_day_bytes(b: &[u8]) -> Option<Day> {
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| {
        b[range].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    day_of_civil(number(0..4)? as i32, number(5..7)?, number(8..10)?)
}

/// The `Day` of a calendar date, `None` if there is no such date (chrono's
/// `NaiveDate::from_ymd_opt(..)?.num_days_from_ce()`, which a test holds it to, without
/// building a date: the arithmetic is H. Hinnant's `days_from_civil`), for the four-digit
/// years a `YYYY` field can hold.
fn day_of_civil(year: i32, month: u32, day: u32) -> Option<Day> {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(0..=9999).contains(&year) || day == 0 || day > month_days {
        return None;
    }
    // Years counted from March, so that the leap day ends a year.
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * m + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year as i32;
    // Days from 0000-03-01 to 0001-01-01 are 306; chrono counts 0001-01-01 as day 1.
    Some(era * 146_097 + day_of_era - 306 + 1)
}

pub fn date_of(d: Day) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(d)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Card,
    Eft,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gift {
    pub day: Day,
    pub cents: i64,
    pub succeeded: bool,
    pub failed: bool,
    /// Index into `History::plans` for a sustainer charge.
    pub plan: Option<usize>,
    pub method: Method,
    /// The charged card's expiry, when the source records it.
    pub card_expires: Option<Day>,
}

/// A recurring (sustaining) gift: when it began and, once it ended, when.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub key: String,
    pub start: Day,
    pub end: Option<Day>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Subscription {
    pub start: Day,
    pub end: Option<Day>,
    pub auto_renew: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EmailQuarter {
    pub start: Day,
    pub delivered: i64,
    pub opened: i64,
    pub clicked: i64,
    pub unsubscribed: bool,
    pub last_open: Option<Day>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    pub day: Day,
    pub attended: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    pub constituent_id: i64,
    /// Sorted by day.
    pub gifts: Vec<Gift>,
    pub plans: Vec<Plan>,
    pub subscriptions: Vec<Subscription>,
    pub email: Vec<EmailQuarter>,
    pub events: Vec<Event>,
    /// The first day each of the four systems shows this person (donations, newspaper,
    /// events, email), from their facts.
    pub first_seen: [Option<Day>; 4],
}

/// A quarter of email activity is known only once the quarter is over.
pub const QUARTER_DAYS: Day = 91;

impl History {
    /// Sort and index what was loaded in any order.
    pub fn finish(&mut self) {
        self.gifts.sort_by_key(|g| g.day);
        self.email.sort_by_key(|q| q.start);
        self.events.sort_by_key(|e| e.day);
        let first = |days: &mut dyn Iterator<Item = Day>| days.min();
        self.first_seen = [
            first(&mut self.gifts.iter().map(|g| g.day)),
            first(&mut self.subscriptions.iter().map(|s| s.start)),
            first(&mut self.events.iter().map(|e| e.day)),
            first(&mut self.email.iter().map(|q| q.start + QUARTER_DAYS)),
        ];
    }

    /// Plans open at `at`: started on or before it and not ended by it.
    pub fn open_plans(&self, at: Day) -> impl Iterator<Item = (usize, &Plan)> {
        self.plans
            .iter()
            .enumerate()
            .filter(move |(_, p)| p.start <= at && p.end.is_none_or(|end| end > at))
    }

    /// The latest successful sustainer charge on or before `at`.
    pub fn last_charge(&self, at: Day) -> Option<&Gift> {
        self.gifts
            .iter()
            .rev()
            .filter(|g| g.day <= at)
            .find(|g| g.plan.is_some() && g.succeeded)
    }

    /// A sustainer is active at `at` while a plan is open and a charge succeeded within
    /// `grace` days before it.
    pub fn is_active_sustainer(&self, at: Day, grace: Day) -> bool {
        self.open_plans(at).next().is_some()
            && self.last_charge(at).is_some_and(|g| at - g.day <= grace)
    }
}

#[cfg(test)]
pub mod build {
    //! Hand-built histories for tests.
    use super::*;

    pub fn d(text: &str) -> Day {
        parse_day(text).expect("a test date")
    }

    /// A sustainer from `start` charged `cents` monthly through `last` (inclusive), with
    /// the charges in `failed` (by date) failing.
    pub fn sustainer(start: &str, last: &str, cents: i64, failed: &[&str]) -> History {
        let mut h = History {
            constituent_id: 1,
            plans: vec![Plan {
                key: "R1".into(),
                start: d(start),
                end: None,
            }],
            ..History::default()
        };
        let mut date = date_of(d(start)).expect("date");
        let last = date_of(d(last)).expect("date");
        while date <= last {
            let is_failed = failed.iter().any(|f| d(f) == day(date));
            h.gifts.push(Gift {
                day: day(date),
                cents,
                succeeded: !is_failed,
                failed: is_failed,
                plan: Some(0),
                method: Method::Card,
                card_expires: None,
            });
            date = date
                .checked_add_months(chrono::Months::new(1))
                .expect("date");
        }
        h.finish();
        h
    }
}

#[cfg(test)]
mod tests {
    use super::build::*;
    use super::*;

    #[test]
    fn dates_parse_strictly() {
        assert_eq!(
            date_of(parse_day("2026-06-30").unwrap())
                .unwrap()
                .to_string(),
            "2026-06-30"
        );
        assert_eq!(parse_day("2026-06-30T10:00:00Z"), parse_day("2026-06-30"));
        for bad in ["2026-02-30", "2026/06/30", "26-06-30", "", "2026-0a-01"] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
    }

    #[test]
    fn civil_days_are_chronos_for_every_date_and_none_for_impossible_ones() {
        for year in (0..=40).chain(1580..=2450).chain(9990..=9999) {
            for month in 0..=13 {
                for day in 0..=32 {
                    let expected =
                        NaiveDate::from_ymd_opt(year, month, day).map(|d| d.num_days_from_ce());
                    assert_eq!(
                        day_of_civil(year, month, day),
                        expected,
                        "{year}-{month}-{day}"
                    );
                }
            }
        }
        assert_eq!(day_of_civil(-1, 1, 1), None);
        assert_eq!(day_of_civil(10_000, 1, 1), None);
        assert_eq!(parse_day_bytes(b"2024-02-29"), parse_day("2024-02-29"));
        assert_eq!(parse_day_bytes(b"2023-02-29"), None);
        assert_eq!(parse_day_bytes(b"2023-\xff2-01"), None);
    }

    #[test]
    fn a_sustainer_is_active_only_within_the_grace_window_of_a_successful_charge() {
        let h = sustainer("2025-01-10", "2025-06-10", 1500, &["2025-06-10"]);
        assert!(h.is_active_sustainer(d("2025-06-01"), 45));
        // Last success 2025-05-10; 45 days later is 2025-06-24.
        assert!(h.is_active_sustainer(d("2025-06-24"), 45));
        assert!(!h.is_active_sustainer(d("2025-06-25"), 45));
        assert!(
            !h.is_active_sustainer(d("2025-01-09"), 45),
            "before the plan began"
        );
    }
}
