//! What happened in the window after a cutoff: the outcomes the models learn. Each target
//! has a population (who is at risk of the outcome at the cutoff) and a label.

use serde::{Deserialize, Serialize};

use super::history::{Day, History};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Target {
    /// An active sustainer cancels, or 3+ payments fail.
    Churn,
    /// A donor who is not sustaining starts a monthly gift.
    BecomeSustainer,
    /// An active sustainer raises the monthly amount.
    RaiseMonthly,
    /// A donor gives a major gift at once.
    MajorGift,
}

impl Target {
    pub const ALL: [Target; 4] = [
        Target::Churn,
        Target::BecomeSustainer,
        Target::RaiseMonthly,
        Target::MajorGift,
    ];
    pub const UPGRADES: [Target; 3] = [
        Target::BecomeSustainer,
        Target::RaiseMonthly,
        Target::MajorGift,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Target::Churn => "churn",
            Target::BecomeSustainer => "become_sustainer",
            Target::RaiseMonthly => "raise_monthly",
            Target::MajorGift => "major_gift",
        }
    }
}

/// The parameters labels depend on.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub horizon: Day,
    pub grace: Day,
    pub major_cents: i64,
}

/// Whether `h` belongs to `target`'s population at `cutoff`.
pub fn in_population(target: Target, h: &History, cutoff: Day, w: Window) -> bool {
    let sustaining = h.is_active_sustainer(cutoff, w.grace);
    match target {
        Target::Churn | Target::RaiseMonthly => sustaining,
        Target::BecomeSustainer => {
            !sustaining
                && h.open_plans(cutoff).next().is_none()
                && h.gifts
                    .iter()
                    .any(|g| g.day <= cutoff && g.succeeded && g.plan.is_none())
        }
        // Anyone who has given: a major gift from someone who never gave is not a lead.
        Target::MajorGift => h.gifts.iter().any(|g| g.day <= cutoff && g.succeeded),
    }
}

/// The outcome in (cutoff, cutoff + horizon]. Only meaningful for the population.
pub fn label(target: Target, h: &History, cutoff: Day, w: Window) -> bool {
    let window = |d: Day| d > cutoff && d <= cutoff + w.horizon;
    match target {
        Target::Churn => {
            let ended = h.open_plans(cutoff).any(|(_, p)| p.end.is_some_and(window));
            let failed = h
                .gifts
                .iter()
                .filter(|g| g.plan.is_some() && g.failed && window(g.day))
                .count();
            ended || failed >= 3
        }
        Target::BecomeSustainer => h.plans.iter().any(|p| window(p.start)),
        Target::RaiseMonthly => {
            let before = h.last_charge(cutoff).map(|g| g.cents);
            before.is_some_and(|before| {
                h.gifts
                    .iter()
                    .any(|g| g.plan.is_some() && g.succeeded && window(g.day) && g.cents > before)
            })
        }
        Target::MajorGift => h
            .gifts
            .iter()
            .any(|g| g.plan.is_none() && g.succeeded && window(g.day) && g.cents >= w.major_cents),
    }
}

#[cfg(test)]
mod tests {
    use super::super::history::build::*;
    use super::super::history::*;
    use super::*;

    const W: Window = Window {
        horizon: 90,
        grace: 45,
        major_cents: 100_000,
    };

    #[test]
    fn exactly_three_failed_payments_in_the_window_is_churn_two_is_not() {
        let cutoff = d("2026-01-01");
        let three = sustainer(
            "2025-01-05",
            "2026-06-05",
            1000,
            &["2026-01-05", "2026-02-05", "2026-03-05"],
        );
        assert!(in_population(Target::Churn, &three, cutoff, W));
        assert!(label(Target::Churn, &three, cutoff, W));
        let two = sustainer(
            "2025-01-05",
            "2026-06-05",
            1000,
            &["2026-01-05", "2026-03-05"],
        );
        assert!(!label(Target::Churn, &two, cutoff, W));
        // The third failure on day 91 is outside the window.
        let late = sustainer(
            "2025-01-05",
            "2026-06-05",
            1000,
            &["2026-01-05", "2026-02-05", "2026-04-02"],
        );
        assert_eq!(d("2026-04-02") - cutoff, 91);
        assert!(!label(Target::Churn, &late, cutoff, W));
    }

    #[test]
    fn a_cancellation_on_day_90_is_churn_and_on_day_91_is_not() {
        let cutoff = d("2026-01-01");
        let mut h = sustainer("2025-01-05", "2025-12-05", 1000, &[]);
        h.plans[0].end = Some(cutoff + 90);
        assert!(label(Target::Churn, &h, cutoff, W));
        h.plans[0].end = Some(cutoff + 91);
        assert!(!label(Target::Churn, &h, cutoff, W));
        // Already cancelled at the cutoff: not in the population at all.
        h.plans[0].end = Some(cutoff - 1);
        assert!(!in_population(Target::Churn, &h, cutoff, W));
    }

    #[test]
    fn upgrades_are_a_new_plan_a_higher_charge_or_a_major_gift() {
        let cutoff = d("2026-01-01");
        let mut raise = sustainer("2025-01-05", "2026-03-05", 1000, &[]);
        assert!(!label(Target::RaiseMonthly, &raise, cutoff, W));
        raise.gifts.last_mut().unwrap().cents = 1500;
        assert!(label(Target::RaiseMonthly, &raise, cutoff, W));

        let mut donor = History::default();
        donor.gifts.push(Gift {
            day: d("2025-05-01"),
            cents: 5000,
            succeeded: true,
            failed: false,
            plan: None,
            method: Method::Card,
            card_expires: None,
        });
        donor.finish();
        assert!(in_population(Target::BecomeSustainer, &donor, cutoff, W));
        assert!(!label(Target::BecomeSustainer, &donor, cutoff, W));
        donor.plans.push(Plan {
            key: "R".into(),
            start: cutoff + 30,
            end: None,
        });
        assert!(label(Target::BecomeSustainer, &donor, cutoff, W));

        assert!(!label(Target::MajorGift, &donor, cutoff, W));
        donor.gifts.push(Gift {
            day: cutoff + 10,
            cents: 100_000,
            succeeded: true,
            failed: false,
            plan: None,
            method: Method::Other,
            card_expires: None,
        });
        assert!(label(Target::MajorGift, &donor, cutoff, W));
    }
}
