//! Five years of behaviour before the as-of date, driven by each person's hidden
//! engagement and capacity, with noise. Nothing is dated after the as-of date.
//!
//! The signal a model can find: sustainers who drift away stop opening email months
//! before they cancel; card payers fail more often than bank (EFT) payers; engaged people
//! give again, attend events and raise their monthly amount. The noise: some drifters
//! never cancel, some cancel with no warning, and failed payments are partly random.

use chrono::{Datelike, Days, Months, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::ceiling::ChurnOracle;
use super::people::{Person, normal};

pub const MONTHS: u32 = 60;

#[derive(Debug, Clone)]
pub struct Recurring {
    pub id: String,
    pub start: NaiveDate,
    pub status: &'static str,
    pub end: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct Gift {
    pub date: NaiveDate,
    pub cents: i64,
    pub recurring: Option<usize>,
    pub status: &'static str,
    pub method: &'static str,
    pub campaign: &'static str,
    /// The last day of the charged card's expiry month (card sustainer charges only).
    pub card_expires: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct Subscription {
    pub plan: &'static str,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub auto_renew: bool,
    pub status: &'static str,
    pub price_cents: i64,
}

#[derive(Debug, Clone)]
pub struct Ticket {
    pub event: &'static str,
    pub date: NaiveDate,
    pub price_cents: i64,
    pub status: &'static str,
}

#[derive(Debug, Clone)]
pub struct EmailPeriod {
    pub start: NaiveDate,
    pub sent: u32,
    pub bounced: u32,
    pub opened: u32,
    pub clicked: u32,
    pub unsubscribed: bool,
    pub last_open: Option<NaiveDate>,
}

#[derive(Debug, Default)]
pub struct Behaviour {
    pub recurring: Vec<Recurring>,
    pub gifts: Vec<Gift>,
    pub subscriptions: Vec<Subscription>,
    pub tickets: Vec<Ticket>,
    pub email: Vec<EmailPeriod>,
}

/// Which systems a person appears in.
#[derive(Debug, Clone, Copy, Default)]
pub struct Systems {
    pub donor: bool,
    pub subscriber: bool,
    pub attendee: bool,
    pub emailed: bool,
}

/// The day `m` months after `window_start` (month `m` of the window; also a monthly gift's
/// `m`-th charge from its start).
pub fn month_start(window_start: NaiveDate, m: u32) -> NaiveDate {
    window_start
        .checked_add_months(Months::new(m))
        .unwrap_or(window_start)
}

/// The last day of the month `months` after `from`'s month: when a card issued then expires.
fn card_expiry(from: NaiveDate, months: u32) -> NaiveDate {
    let first = from.with_day(1).unwrap_or(from);
    first
        .checked_add_months(Months::new(months + 1))
        .and_then(|next| next.pred_opt())
        .unwrap_or(from)
}

fn clamp_day(d: NaiveDate, as_of: NaiveDate) -> NaiveDate {
    d.min(as_of)
}

fn day_in_month(rng: &mut ChaCha8Rng, start: NaiveDate) -> NaiveDate {
    start
        .checked_add_days(Days::new(rng.random_range(0..28)))
        .unwrap_or(start)
}

/// Month by month, whether the person is drifting away (true) or engaged.
fn drift_timeline(rng: &mut ChaCha8Rng, p: &Person) -> Vec<bool> {
    let mut drifting = rng.random_bool(initial_drift_chance(p.engagement));
    (0..MONTHS)
        .map(|_| {
            drifting = next_drift(rng, drifting, p.engagement);
            drifting
        })
        .collect()
}

/// The chance of drifting in the month before the window opens.
pub fn initial_drift_chance(engagement: f64) -> f64 {
    0.1 * (1.0 - engagement)
}

/// The monthly chance of starting to drift: the less engaged drift more.
pub fn drift_start_chance(engagement: f64) -> f64 {
    0.022 * (1.2 - engagement)
}

/// The monthly chance that a drifting person comes back.
pub const DRIFT_END_CHANCE: f64 = 0.04;

/// Next month's drift.
pub fn next_drift(rng: &mut ChaCha8Rng, drifting: bool, engagement: f64) -> bool {
    if drifting {
        !rng.random_bool(DRIFT_END_CHANCE)
    } else {
        rng.random_bool(drift_start_chance(engagement))
    }
}

pub fn choose_systems(rng: &mut ChaCha8Rng, p: &Person) -> Systems {
    let e = p.engagement;
    let mut s = Systems {
        donor: rng.random_bool((0.22 + 0.4 * e).min(0.95)),
        subscriber: rng.random_bool(0.2 + 0.1 * e),
        attendee: rng.random_bool(0.06 + 0.22 * e),
        emailed: false,
    };
    s.emailed = rng.random_bool(if s.donor { 0.8 } else { 0.35 + 0.3 * e });
    if !(s.donor || s.subscriber || s.attendee || s.emailed) {
        s.emailed = true;
    }
    s
}

const SUSTAINER_LEVELS: &[i64] = &[5, 8, 10, 12, 15, 20, 25, 30, 40, 50, 75, 100];
const ONE_TIME_LEVELS: &[i64] = &[25, 35, 40, 50, 60, 75, 100, 120, 150, 200, 250, 365, 500];
const CAMPAIGNS: &[&str] = &[
    "spring_drive",
    "fall_drive",
    "year_end",
    "giving_tuesday",
    "web",
    "mail",
];

fn level_for(levels: &[i64], target: f64) -> usize {
    levels
        .iter()
        .position(|l| *l as f64 >= target)
        .unwrap_or(levels.len() - 1)
}

pub fn simulate(
    rng: &mut ChaCha8Rng,
    p: &Person,
    systems: Systems,
    as_of: NaiveDate,
    key: &str,
    oracle: Option<&mut ChurnOracle>,
) -> Behaviour {
    let window_start = as_of
        .checked_sub_months(Months::new(MONTHS))
        .unwrap_or(as_of);
    let drift = drift_timeline(rng, p);
    let mut b = Behaviour::default();
    if systems.donor {
        simulate_giving(rng, p, &drift, window_start, as_of, key, &mut b, oracle);
    }
    if systems.subscriber {
        simulate_subscriptions(rng, p, window_start, as_of, &mut b);
    }
    if systems.attendee {
        simulate_events(rng, p, window_start, as_of, &mut b);
    }
    if systems.emailed {
        simulate_email(rng, p, &drift, window_start, as_of, &mut b);
    }
    b
}

#[allow(clippy::too_many_arguments)]
fn simulate_giving(
    rng: &mut ChaCha8Rng,
    p: &Person,
    drift: &[bool],
    window_start: NaiveDate,
    as_of: NaiveDate,
    key: &str,
    b: &mut Behaviour,
    mut oracle: Option<&mut ChurnOracle>,
) {
    let e = p.engagement;
    let first_month = if rng.random_bool(0.35) {
        0
    } else {
        rng.random_range(0..MONTHS)
    };
    let starts_as_sustainer = rng.random_bool(0.32);
    let converts_at = (!starts_as_sustainer && rng.random_bool(0.08 + 0.2 * e))
        .then(|| rng.random_range(first_month..MONTHS));
    let sustainer_from = if starts_as_sustainer {
        Some(first_month)
    } else {
        converts_at
    };

    // One-time giving: a yearly decision to give again, then 1+ gifts that year.
    let one_time_until = sustainer_from.unwrap_or(MONTHS);
    let mut year_month = first_month;
    let mut first = true;
    while year_month < one_time_until {
        let gives = first || rng.random_bool((0.2 + 0.6 * e).min(0.9));
        if gives {
            let gifts = 1 + usize::from(rng.random_bool(0.25)) + usize::from(rng.random_bool(0.08));
            for g in 0..gifts {
                let m =
                    (year_month + if g == 0 { 0 } else { rng.random_range(0..12) }).min(MONTHS - 1);
                if m >= one_time_until {
                    continue;
                }
                let major = p.capacity > MAJOR_CAPACITY && rng.random_bool(0.25 * e);
                let dollars = if major {
                    (((p.capacity * rng.random_range(0.8..2.5)) / 250.0).round() * 250.0)
                        .max(1000.0)
                } else {
                    let target = p.capacity * rng.random_range(0.25..0.9);
                    ONE_TIME_LEVELS[level_for(ONE_TIME_LEVELS, target)] as f64
                };
                b.gifts.push(Gift {
                    date: clamp_day(day_in_month(rng, month_start(window_start, m)), as_of),
                    cents: (dollars * 100.0) as i64,
                    recurring: None,
                    status: if rng.random_bool(0.01) {
                        "refunded"
                    } else {
                        "succeeded"
                    },
                    method: if rng.random_bool(0.6) {
                        "card"
                    } else {
                        "check"
                    },
                    campaign: CAMPAIGNS[rng.random_range(0..CAMPAIGNS.len())],
                    card_expires: None,
                });
            }
        }
        first = false;
        year_month += 12;
    }

    // Sustaining: a monthly charge until a voluntary cancel or three failed charges in a row.
    if let Some(start_month) = sustainer_from {
        let eft = rng.random_bool(0.25);
        let mut level = level_for(
            SUSTAINER_LEVELS,
            p.capacity / 12.0 * rng.random_range(0.5..1.3),
        );
        let start = day_in_month(rng, month_start(window_start, start_month)).min(as_of);
        let index = b.recurring.len();
        b.recurring.push(Recurring {
            id: format!("{key}-R{}", index + 1),
            start,
            status: "active",
            end: None,
        });
        let mut sustaining = Sustaining::new(rng, eft, e, start);
        for m in start_month..MONTHS {
            let charge_date = month_start(start, m - start_month);
            if charge_date > as_of {
                break;
            }
            if m > start_month && (m - start_month) % 12 == 0 && rng.random_bool(0.06 + 0.14 * e) {
                level = (level + 1).min(SUSTAINER_LEVELS.len() - 1);
            }
            // Sustainers with capacity sometimes add a major gift, once a year at most.
            if (m - start_month) % 12 == 6
                && p.capacity > MAJOR_CAPACITY
                && rng.random_bool(0.15 * e)
            {
                let dollars = ((p.capacity * rng.random_range(0.8..2.5)) / 250.0).round() * 250.0;
                b.gifts.push(Gift {
                    date: clamp_day(day_in_month(rng, month_start(window_start, m)), as_of),
                    cents: (dollars.max(1000.0) * 100.0) as i64,
                    recurring: None,
                    status: "succeeded",
                    method: "check",
                    campaign: "major_gifts",
                    card_expires: None,
                });
            }
            let failed = sustaining.charge(rng, charge_date);
            b.gifts.push(Gift {
                date: charge_date,
                cents: SUSTAINER_LEVELS[level] * 100,
                recurring: Some(index),
                status: if failed { "failed" } else { "succeeded" },
                method: if eft { "eft" } else { "card" },
                campaign: "sustainer",
                card_expires: sustaining.card_expires,
            });
            if sustaining.lapsed() {
                b.recurring[index].status = "lapsed";
                b.recurring[index].end = Some(charge_date);
                break;
            }
            if let Some(oracle) = oracle.as_deref_mut() {
                oracle.observe(
                    &sustaining,
                    charge_date,
                    (m - start_month, m),
                    drift[m as usize],
                );
            }
            if let Some(cancel) =
                sustaining.cancels(rng, drift[m as usize], m - start_month, charge_date)
            {
                if cancel <= as_of {
                    b.recurring[index].status = "cancelled";
                    b.recurring[index].end = Some(cancel);
                }
                break;
            }
        }
    }
    b.gifts.sort_by_key(|g| g.date);
}

/// A sustainer's hidden state from one monthly charge to the next: their card, its
/// failures, how long they have drifted. The generator steps it month by month, and the
/// churn ceiling (`ceiling.rs`) steps copies of it past a cutoff with the same rules.
#[derive(Debug, Clone)]
pub struct Sustaining {
    pub start: NaiveDate,
    eft: bool,
    engagement: f64,
    /// The monthly chance of a card breaking out of the blue (lost, replaced).
    card_trouble: f64,
    card_expires: Option<NaiveDate>,
    card_broken: bool,
    consecutive_failures: u32,
    months_drifting: u32,
}

impl Sustaining {
    pub(super) fn new(
        rng: &mut ChaCha8Rng,
        eft: bool,
        engagement: f64,
        start: NaiveDate,
    ) -> Sustaining {
        let card_trouble = 0.004 + 0.006 * normal(rng).abs();
        Sustaining {
            start,
            eft,
            engagement,
            card_trouble,
            card_expires: (!eft).then(|| card_expiry(start, rng.random_range(1..=48))),
            card_broken: false,
            consecutive_failures: 0,
            months_drifting: 0,
        }
    }

    /// This month's charge on `charge_date`: whether it fails. Card failures come in
    /// streaks until the donor updates the card: mostly when a card expires (the
    /// processor's account updater renews some; engaged donors update the rest ahead of
    /// time more often than not), sometimes out of the blue (a lost or replaced card). Bank
    /// transfers rarely fail.
    pub fn charge(&mut self, rng: &mut ChaCha8Rng, charge_date: NaiveDate) -> bool {
        let e = self.engagement;
        let failed = if self.eft {
            rng.random_bool(0.004)
        } else {
            let expired = self.card_expires.is_some_and(|x| charge_date > x);
            if self.card_broken {
                // Most donors whose card payment fails never update it (failed-payment
                // recovery is low); an engaged donor more often, and sooner.
                self.card_broken = !rng.random_bool(0.05 + 0.2 * e);
                if !self.card_broken {
                    self.card_expires = Some(card_expiry(charge_date, rng.random_range(36..=48)));
                }
            } else if expired {
                if rng.random_bool(0.2 + 0.3 * e) {
                    self.card_expires = Some(card_expiry(charge_date, rng.random_range(36..=48)));
                } else {
                    self.card_broken = true;
                }
            } else {
                self.card_broken = rng.random_bool(self.card_trouble);
            }
            self.card_broken || rng.random_bool(0.004)
        };
        self.consecutive_failures = if failed {
            self.consecutive_failures + 1
        } else {
            0
        };
        failed
    }

    /// Three failures in a row lapse the gift.
    pub fn lapsed(&self) -> bool {
        self.consecutive_failures >= 3
    }

    /// After a charge `months_in` months into the gift, whether the donor cancels, and the
    /// day the cancel takes effect. Voluntary cancels: a base rate, more for the less
    /// engaged; far more in the first months (new sustainers leave like first-year donors
    /// do) and once a person has drifted away for a quarter (their email opens stop
    /// first). Bank-transfer sustainers stay longest (DOMAIN.md: ~90 % a year against
    /// ~60 % overall).
    pub fn cancels(
        &mut self,
        rng: &mut ChaCha8Rng,
        drifting: bool,
        months_in: u32,
        charge_date: NaiveDate,
    ) -> Option<NaiveDate> {
        self.months_drifting = if drifting {
            self.months_drifting + 1
        } else {
            0
        };
        let hazard = self.cancel_chance(self.months_drifting, months_in);
        rng.random_bool(hazard).then(|| {
            charge_date
                .checked_add_days(Days::new(rng.random_range(1..28)))
                .unwrap_or(charge_date)
        })
    }

    /// The chance of a voluntary cancel `months_in` months into the gift, after
    /// `months_drifting` months in a row of drift (this one included).
    pub fn cancel_chance(&self, months_drifting: u32, months_in: u32) -> f64 {
        let new_sustainer = 0.03 * (-f64::from(months_in) / 4.0).exp();
        let drifted = match months_drifting {
            0 => 0.0,
            1 | 2 => 0.01,
            _ => 0.06,
        };
        let method = if self.eft { 0.5 } else { 1.0 };
        ((0.003 + 0.006 * (1.0 - self.engagement) + new_sustainer + drifted) * method).min(0.9)
    }

    /// The state as if the person had drifted the `months` before this one (0: not).
    pub fn assume_drifted_for(&mut self, months: u32) {
        self.months_drifting = months;
    }

    pub fn engagement(&self) -> f64 {
        self.engagement
    }
}

/// Above this capacity (dollars a year) a person may give a major gift.
const MAJOR_CAPACITY: f64 = 600.0;

const PLANS: &[(&str, i64, f64)] = &[
    ("digital", 999, 0.6),
    ("print_digital", 2499, 0.3),
    ("sunday", 1200, 0.1),
];

fn simulate_subscriptions(
    rng: &mut ChaCha8Rng,
    p: &Person,
    window_start: NaiveDate,
    as_of: NaiveDate,
    b: &mut Behaviour,
) {
    let mut month = rng.random_range(0..MONTHS);
    for _ in 0..2 {
        let x: f64 = rng.random();
        let (plan, price, _) = if x < 0.6 {
            PLANS[0]
        } else if x < 0.9 {
            PLANS[1]
        } else {
            PLANS[2]
        };
        let start = day_in_month(rng, month_start(window_start, month)).min(as_of);
        let auto_renew = rng.random_bool(0.8);
        let mut end = None;
        let mut status = "active";
        for m in month..MONTHS {
            let hazard = 0.012 + 0.02 * (1.0 - p.engagement);
            let term_over = !auto_renew && m >= month + 12;
            if term_over || rng.random_bool(hazard) {
                let d = month_start(window_start, m)
                    .checked_add_days(Days::new(rng.random_range(0..28)));
                let d = d.unwrap_or(as_of).min(as_of);
                end = Some(d.max(start));
                status = if term_over { "expired" } else { "cancelled" };
                month = m;
                break;
            }
        }
        b.subscriptions.push(Subscription {
            plan,
            start,
            end,
            auto_renew,
            status,
            price_cents: price,
        });
        if end.is_none() || !rng.random_bool(0.15) {
            break;
        }
        month += rng.random_range(1..12);
        if month >= MONTHS {
            break;
        }
    }
}

const EVENTS: &[&str] = &[
    "Member Night at the Studio",
    "Live Taping: Wait Wait",
    "Sound Opinions Live",
    "Sun-Times Book Club",
    "Election Night Watch Party",
    "Summer Block Party",
    "Jazz on the Lake",
    "Newsroom Open House",
    "Storytelling Slam",
    "Chicago Ideas Forum",
];

fn simulate_events(
    rng: &mut ChaCha8Rng,
    p: &Person,
    window_start: NaiveDate,
    as_of: NaiveDate,
    b: &mut Behaviour,
) {
    let count = 1 + (rng.random::<f64>() * (1.0 + 6.0 * p.engagement)) as usize;
    for _ in 0..count {
        let event_index = rng.random_range(0..EVENTS.len());
        let m = rng.random_range(0..MONTHS);
        // Each event runs on the same day of its month for everyone.
        let date = month_start(window_start, m)
            .checked_add_days(Days::new((event_index as u64 * 3) % 28))
            .unwrap_or(as_of)
            .min(as_of);
        let status = match rng.random::<f64>() {
            x if x < 0.05 => "cancelled",
            x if x < 0.05 + 0.25 * (1.0 - p.engagement) => "no_show",
            _ => "checked_in",
        };
        let price = [0, 1500, 2500, 4000, 7500][rng.random_range(0..5)];
        b.tickets.push(Ticket {
            event: EVENTS[event_index],
            date,
            price_cents: price,
            status,
        });
    }
    b.tickets.sort_by_key(|t| t.date);
}

/// Email comes in quarters over the last two years: this is the first quarter's month.
pub const EMAIL_FIRST_MONTH: u32 = MONTHS - 24;

/// The chance an email is opened in a quarter of which `drifting_months` (0-3) are drift.
pub fn open_chance(engagement: f64, drifting_months: u32) -> f64 {
    let base_open = (0.08 + 0.55 * engagement).min(0.9);
    (base_open * (1.0 - 0.25 * f64::from(drifting_months))).clamp(0.0, 1.0)
}

/// The chance of unsubscribing in a quarter of which `drifting_months` (0-3) are drift.
pub fn unsubscribe_chance(drifting_months: u32) -> f64 {
    0.01 + 0.04 * f64::from(drifting_months) / 3.0
}

/// Email activity per quarter over the last two years (8 quarters).
fn simulate_email(
    rng: &mut ChaCha8Rng,
    p: &Person,
    drift: &[bool],
    window_start: NaiveDate,
    as_of: NaiveDate,
    b: &mut Behaviour,
) {
    let bad_address = rng.random_bool(0.01);
    for q in 0..8u32 {
        let m0 = EMAIL_FIRST_MONTH + q * 3;
        let start = month_start(window_start, m0);
        if start > as_of {
            break;
        }
        let sent = 12 + rng.random_range(0..3);
        if bad_address {
            b.email.push(EmailPeriod {
                start,
                sent,
                bounced: sent,
                opened: 0,
                clicked: 0,
                unsubscribed: false,
                last_open: None,
            });
            continue;
        }
        let drifting = (m0..m0 + 3)
            .filter(|m| drift.get(*m as usize).copied().unwrap_or(false))
            .count();
        let open_p = open_chance(p.engagement, drifting as u32);
        let opened = (0..sent).filter(|_| rng.random_bool(open_p)).count() as u32;
        let clicked = (0..opened)
            .filter(|_| rng.random_bool(0.12 + 0.1 * p.engagement))
            .count() as u32;
        let quarter_end = start
            .checked_add_months(Months::new(3))
            .unwrap_or(start)
            .min(as_of);
        let span = (quarter_end - start).num_days().max(1) as u64;
        let last_open = (opened > 0).then(|| {
            let back = rng.random_range(0..span.min(30 + 60 / u64::from(opened)));
            (quarter_end - Days::new(back)).max(start).min(as_of)
        });
        let unsubscribed = rng.random_bool(unsubscribe_chance(drifting as u32));
        b.email.push(EmailPeriod {
            start,
            sent,
            bounced: 0,
            opened,
            clicked,
            unsubscribed,
            last_open,
        });
        if unsubscribed {
            break;
        }
    }
}
