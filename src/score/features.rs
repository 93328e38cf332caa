//! Features of one golden record as of a cutoff date, from facts dated on or before it
//! only. Every feature has a name and a sentence for a person ("3 failed payments in the
//! last 90 days"), which is how reasons are worded.

use super::history::{Day, EmailQuarter, History, Method, QUARTER_DAYS};

/// "Never" for day counts: ten years.
const NEVER: f64 = 3650.0;

pub struct Feature {
    pub name: &'static str,
    /// How a value reads to a caller.
    pub describe: fn(f64) -> String,
}

/// "1 gift", "3 gifts": a count with its noun.
fn counted(v: f64, one: &str, many: &str) -> String {
    if v == 1.0 {
        format!("1 {one}")
    } else {
        format!("{v:.0} {many}")
    }
}

fn dollars(v: f64) -> String {
    format!("${:.0}", v)
}

fn days_since(what: &'static str) -> impl Fn(f64) -> String {
    move |v| {
        if v >= NEVER {
            format!("no {what} on record")
        } else {
            format!("{v:.0} days since the last {what}")
        }
    }
}

macro_rules! f {
    ($name:expr, $describe:expr) => {
        Feature {
            name: $name,
            describe: $describe,
        }
    };
}

pub const FEATURES: &[Feature] = &[
    f!("days_since_last_gift", |v| days_since("gift")(v)),
    f!("gifts_12m", |v| format!(
        "{} in the last 12 months",
        counted(v, "gift", "gifts")
    )),
    f!("giving_12m", |v| format!(
        "{} given in the last 12 months",
        dollars(v)
    )),
    f!("giving_lifetime", |v| format!(
        "{} given in all",
        dollars(v)
    )),
    f!("gifts_lifetime", |v| format!(
        "{} in all",
        counted(v, "gift", "gifts")
    )),
    f!("largest_gift", |v| format!("largest gift {}", dollars(v))),
    f!("one_time_gifts_12m", |v| format!(
        "{} in the last 12 months",
        counted(v, "one-time gift", "one-time gifts")
    )),
    f!("years_giving", |v| format!(
        "{v:.1} years since the first gift"
    )),
    f!("is_sustainer", |v| if v > 0.0 {
        "an active sustainer".into()
    } else {
        "not a sustainer".into()
    }),
    f!("sustainer_tenure_days", |v| format!(
        "sustaining for {:.0} months",
        v / 30.4
    )),
    f!("monthly_amount", |v| format!("gives {}/month", dollars(v))),
    f!("monthly_amount_change", |v| {
        if v > 0.0 {
            format!("raised the monthly gift by {}", dollars(v))
        } else if v < 0.0 {
            format!("lowered the monthly gift by {}", dollars(-v))
        } else {
            "never changed the monthly amount".into()
        }
    }),
    f!("failed_payments_90d", |v| format!(
        "{} in the last 90 days",
        counted(v, "failed payment", "failed payments")
    )),
    f!("failed_payments_365d", |v| format!(
        "{} in the last year",
        counted(v, "failed payment", "failed payments")
    )),
    f!("failed_in_a_row", |v| {
        if v > 0.0 {
            if v == 1.0 {
                "the last monthly charge failed".into()
            } else {
                format!("the last {v:.0} monthly charges failed")
            }
        } else {
            "the last monthly charge went through".into()
        }
    }),
    f!("pays_by_card", |v| if v > 0.0 {
        "pays by card (cards fail and expire)".into()
    } else {
        "pays by bank transfer".into()
    }),
    f!("card_expires_in_days", |v| {
        if v >= NEVER {
            "no card on file".into()
        } else if v < 0.0 {
            format!("card expired {:.0} days ago", -v)
        } else {
            format!("card expires in {v:.0} days")
        }
    }),
    f!("days_since_last_charge", |v| days_since(
        "successful monthly charge"
    )(v)),
    f!("emails_delivered_12m", |v| format!(
        "{} delivered in the last year",
        counted(v, "email", "emails")
    )),
    f!("email_open_rate_12m", |v| format!(
        "opens {:.0}% of emails",
        v * 100.0
    )),
    f!("email_click_rate_12m", |v| format!(
        "clicks {:.1}% of emails",
        v * 100.0
    )),
    f!("email_open_rate_last_quarter", |v| format!(
        "opened {:.0}% of emails last quarter",
        v * 100.0
    )),
    f!("email_open_rate_change", |v| {
        if v < 0.0 {
            format!(
                "opening {:.0} points fewer emails than half a year earlier",
                -v * 100.0
            )
        } else {
            format!(
                "opening {:.0} points more emails than half a year earlier",
                v * 100.0
            )
        }
    }),
    f!("unsubscribed", |v| if v > 0.0 {
        "unsubscribed from email".into()
    } else {
        "still subscribed to email".into()
    }),
    f!("days_since_last_open", |v| {
        if v >= NEVER {
            "never opened an email".into()
        } else {
            format!("no email opened in {v:.0} days")
        }
    }),
    f!("events_12m", |v| format!(
        "{} attended in the last year",
        counted(v, "event", "events")
    )),
    f!("events_lifetime", |v| format!(
        "{} attended in all",
        counted(v, "event", "events")
    )),
    f!("newspaper_subscriber", |v| if v > 0.0 {
        "subscribes to the newspaper".into()
    } else {
        "no newspaper subscription".into()
    }),
    f!("newspaper_auto_renew", |v| if v > 0.0 {
        "newspaper renews automatically".into()
    } else {
        "newspaper does not auto-renew".into()
    }),
    f!("systems", |v| format!("known in {v:.0} of 4 systems")),
];

pub fn index_of(name: &str) -> Option<usize> {
    FEATURES.iter().position(|f| f.name == name)
}

pub fn names() -> Vec<&'static str> {
    FEATURES.iter().map(|f| f.name).collect()
}

/// The features of `h` as of `cutoff`. Only facts dated on or before the cutoff are read
/// (an email quarter only once it has ended); a test proves it.
pub fn compute(h: &History, cutoff: Day, grace: Day) -> Vec<f64> {
    // Gifts and email quarters are sorted (`History::finish`): what is known by the cutoff
    // is a prefix of each, taken as a slice (a million histories: no vectors to collect).
    debug_assert!(h.gifts.is_sorted_by_key(|g| g.day) && h.email.is_sorted_by_key(|q| q.start));
    let gifts = &h.gifts[..h.gifts.partition_point(|g| g.day <= cutoff)];
    let within = |days: Day| move |d: Day| d > cutoff - days && d <= cutoff;
    let last_year = within(365);
    let succeeded = || gifts.iter().filter(|g| g.succeeded);
    let dollars = |cents: i64| cents as f64 / 100.0;

    let last_gift = succeeded().next_back().map(|g| g.day);
    let first_gift = succeeded().next().map(|g| g.day);
    let gifts_12m = succeeded().filter(|g| last_year(g.day)).count() as f64;
    let giving_12m: i64 = succeeded()
        .filter(|g| last_year(g.day))
        .map(|g| g.cents)
        .sum();
    let giving_lifetime: i64 = succeeded().map(|g| g.cents).sum();
    let largest = succeeded().map(|g| g.cents).max().unwrap_or(0);
    let one_time_12m = succeeded()
        .filter(|g| g.plan.is_none() && last_year(g.day))
        .count() as f64;

    let active = h.is_active_sustainer(cutoff, grace);
    let open_plan = h
        .open_plans(cutoff)
        .map(|(i, p)| (i, p.start))
        .min_by_key(|(_, s)| *s);
    let (first_charge, last_charge_of_plan) = match open_plan {
        Some((i, _)) => (
            succeeded().find(|g| g.plan == Some(i)),
            succeeded().rev().find(|g| g.plan == Some(i)),
        ),
        None => (None, None),
    };
    let monthly = last_charge_of_plan.map_or(0, |g| g.cents);
    let monthly_change = match (first_charge, last_charge_of_plan) {
        (Some(first), Some(last)) => last.cents - first.cents,
        _ => 0,
    };
    let failed = |days: Day| {
        gifts
            .iter()
            .filter(|g| g.failed && g.plan.is_some() && within(days)(g.day))
            .count() as f64
    };
    let last_plan_charge = gifts.iter().rev().find(|g| g.plan.is_some());
    let card = last_plan_charge.is_some_and(|g| g.method == Method::Card);
    let card_expires = last_plan_charge.and_then(|g| g.card_expires);
    let last_charge = h.last_charge(cutoff).map(|g| g.day);
    let failed_in_a_row = gifts
        .iter()
        .rev()
        .filter(|g| g.plan.is_some())
        .take_while(|g| g.failed)
        .count() as f64;

    // Email: whole quarters that ended by the cutoff.
    let quarters = &h.email[..h
        .email
        .partition_point(|q| q.start + QUARTER_DAYS <= cutoff)];
    let rate = |from: Day, to: Day, part: fn(&EmailQuarter) -> i64| {
        let (delivered, hits) = quarters
            .iter()
            .filter(|q| {
                q.start + QUARTER_DAYS > cutoff - from && q.start + QUARTER_DAYS <= cutoff - to
            })
            .fold((0i64, 0i64), |(delivered, hits), q| {
                (delivered + q.delivered, hits + part(q))
            });
        (
            delivered,
            if delivered > 0 {
                hits as f64 / delivered as f64
            } else {
                0.0
            },
        )
    };
    let (delivered_12m, open_rate) = rate(365, 0, |q| q.opened);
    let (_, click_rate) = rate(365, 0, |q| q.clicked);
    let (_, open_recent) = rate(182, 0, |q| q.opened);
    let (_, open_last_quarter) = rate(QUARTER_DAYS + 1, 0, |q| q.opened);
    let (_, open_before) = rate(365, 182, |q| q.opened);
    let unsubscribed = quarters.iter().any(|q| q.unsubscribed);
    let last_open = quarters
        .iter()
        .filter_map(|q| q.last_open)
        .filter(|d| *d <= cutoff)
        .max();

    let attended = || h.events.iter().filter(|e| e.day <= cutoff && e.attended);
    let subscribed = || {
        h.subscriptions
            .iter()
            .filter(|s| s.start <= cutoff && s.end.is_none_or(|e| e > cutoff))
    };
    let systems = h
        .first_seen
        .iter()
        .filter(|d| d.is_some_and(|d| d <= cutoff))
        .count();

    let since = |d: Option<Day>| d.map_or(NEVER, |d| ((cutoff - d) as f64).min(NEVER));
    vec![
        since(last_gift),
        gifts_12m,
        dollars(giving_12m),
        dollars(giving_lifetime),
        succeeded().count() as f64,
        dollars(largest),
        one_time_12m,
        first_gift.map_or(0.0, |d| (cutoff - d) as f64 / 365.25),
        f64::from(u8::from(active)),
        open_plan.map_or(0.0, |(_, start)| (cutoff - start) as f64),
        dollars(monthly),
        dollars(monthly_change),
        failed(90),
        failed(365),
        failed_in_a_row,
        f64::from(u8::from(card)),
        card_expires.map_or(NEVER, |x| ((x - cutoff) as f64).clamp(-NEVER, NEVER - 1.0)),
        since(last_charge),
        delivered_12m as f64,
        open_rate,
        click_rate,
        open_last_quarter,
        open_recent - open_before,
        f64::from(u8::from(unsubscribed)),
        since(last_open),
        attended().filter(|e| last_year(e.day)).count() as f64,
        attended().count() as f64,
        f64::from(u8::from(subscribed().next().is_some())),
        f64::from(u8::from(subscribed().any(|s| s.auto_renew))),
        systems as f64,
    ]
}

#[cfg(test)]
mod tests {
    use super::super::history::build::*;
    use super::super::history::*;
    use super::*;

    fn value(features: &[f64], name: &str) -> f64 {
        features[index_of(name).expect(name)]
    }

    fn rich_history() -> History {
        let mut h = sustainer(
            "2023-01-15",
            "2026-06-15",
            2000,
            &["2025-12-15", "2026-04-15"],
        );
        for g in h.gifts.iter_mut() {
            g.card_expires = Some(d("2026-04-30"));
        }
        h.gifts.push(Gift {
            day: d("2024-11-30"),
            cents: 150_000,
            succeeded: true,
            failed: false,
            plan: None,
            method: Method::Other,
            card_expires: None,
        });
        h.subscriptions.push(Subscription {
            start: d("2022-03-01"),
            end: Some(d("2026-03-31")),
            auto_renew: true,
        });
        for (i, start) in [
            "2025-01-01",
            "2025-04-01",
            "2025-07-01",
            "2025-10-01",
            "2026-01-01",
            "2026-04-01",
        ]
        .iter()
        .enumerate()
        {
            h.email.push(EmailQuarter {
                start: d(start),
                delivered: 12,
                opened: 6 - i as i64,
                clicked: 1,
                unsubscribed: false,
                last_open: Some(d(start) + 40),
            });
        }
        h.events.push(Event {
            day: d("2025-09-20"),
            attended: true,
        });
        h.finish();
        h
    }

    #[test]
    fn features_count_only_what_happened_by_the_cutoff() {
        let h = rich_history();
        let f = compute(&h, d("2026-03-01"), 45);
        assert_eq!(f.len(), FEATURES.len());
        assert_eq!(value(&f, "is_sustainer"), 1.0);
        assert_eq!(value(&f, "monthly_amount"), 20.0);
        assert_eq!(value(&f, "failed_payments_90d"), 1.0, "2025-12-15 only");
        assert_eq!(value(&f, "largest_gift"), 1500.0);
        assert_eq!(value(&f, "newspaper_subscriber"), 1.0);
        assert_eq!(value(&f, "systems"), 4.0);
        assert_eq!(value(&f, "days_since_last_gift"), 14.0, "2026-02-15 charge");
        // Quarters ending by 2026-03-01: the four 2025 ones (2026-01-01 ends 2026-04-02).
        assert_eq!(value(&f, "emails_delivered_12m"), 48.0);
        assert_eq!(value(&f, "card_expires_in_days"), 60.0, "2026-04-30");
    }

    #[test]
    fn changing_only_facts_after_the_cutoff_leaves_every_feature_unchanged() {
        let cutoff = d("2026-03-01");
        let before = compute(&rich_history(), cutoff, 45);
        let mut h = rich_history();
        // Everything after the cutoff changes: charges fail, the plan ends, a big gift,
        // the subscription ends, a quarter that straddles the cutoff loses its opens,
        // new events and email quarters appear.
        for g in h.gifts.iter_mut().filter(|g| g.day > cutoff) {
            g.failed = true;
            g.succeeded = false;
            g.cents *= 3;
            g.card_expires = Some(cutoff + 900); // the card was replaced later
        }
        h.plans[0].end = Some(cutoff + 10);
        h.gifts.push(Gift {
            day: cutoff + 1,
            cents: 500_000,
            succeeded: true,
            failed: false,
            plan: None,
            method: Method::Card,
            card_expires: None,
        });
        h.subscriptions[0].end = Some(cutoff + 5);
        for q in h
            .email
            .iter_mut()
            .filter(|q| q.start + QUARTER_DAYS > cutoff)
        {
            q.opened = 0;
            q.unsubscribed = true;
            q.last_open = Some(cutoff - 1);
        }
        h.events.push(Event {
            day: cutoff + 3,
            attended: true,
        });
        h.finish();
        assert_eq!(compute(&h, cutoff, 45), before);
        assert_ne!(
            compute(&h, cutoff + 120, 45),
            compute(&rich_history(), cutoff + 120, 45)
        );
    }

    #[test]
    fn every_feature_reads_as_a_sentence() {
        for f in FEATURES {
            assert!(!(f.describe)(0.0).is_empty(), "{}", f.name);
            assert!(!(f.describe)(3650.0).is_empty(), "{}", f.name);
        }
        let words = |name: &str, v: f64| (FEATURES[index_of(name).unwrap()].describe)(v);
        assert_eq!(
            words("failed_payments_90d", 3.0),
            "3 failed payments in the last 90 days"
        );
        assert_eq!(
            words("failed_payments_90d", 1.0),
            "1 failed payment in the last 90 days"
        );
        assert_eq!(
            words("failed_in_a_row", 1.0),
            "the last monthly charge failed"
        );
        assert_eq!(
            words("failed_in_a_row", 2.0),
            "the last 2 monthly charges failed"
        );
        assert_eq!(words("gifts_12m", 1.0), "1 gift in the last 12 months");
        assert_eq!(
            words("days_since_last_open", 120.0),
            "no email opened in 120 days"
        );
    }
}
