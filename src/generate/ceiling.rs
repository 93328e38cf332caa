//! The churn ceiling: how well *any* model could rank the generator's sustainers by churn
//! risk. At the scoring's test cutoff, each active sustainer's churn probability is
//! estimated from their hidden state (engagement, card, drift; what no source file shows)
//! by running the generator's own monthly rules forward from it many times; those
//! probabilities are then scored against what the generator went on to do. No model of
//! the observable facts can beat this ROC-AUC except by chance, so it is the yardstick for
//! the churn model and its logistic baseline (`cpm bench ceiling`).
//!
//! The oracle knows what was true at the cutoff, not what was drawn after it: a cancel
//! decided at the last charge before the cutoff but effective after it is drawn again
//! (runs that would have cancelled by the cutoff are discarded, since the person was
//! active then), and drift goes on by its own rules rather than the drawn timeline.

use chrono::{Months, NaiveDate};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use super::behaviour::{Behaviour, Sustaining, next_drift};
use super::{GenerateOptions, HOUSEHOLDS_PER_CHUNK, generate_chunk, household_sizes, mix};
use crate::error::{Error, Result};
use crate::score::evaluate::{Evaluation, evaluate};
use crate::score::history::{self, Gift, History, Method, Plan};
use crate::score::labels::{self, Target, Window};

/// Watches one chunk's people as they are simulated: at the last charge on or before the
/// cutoff, it estimates the churn probability from the state then; once the person is
/// simulated, it keeps (outcome, probability) for the sustainers active at the cutoff.
pub struct ChurnOracle {
    /// `None` in the first pass, which only finds the data's newest gift.
    cutoff: Option<NaiveDate>,
    window: Window,
    samples: u32,
    rng: ChaCha8Rng,
    pending: Option<f64>,
    newest_gift: Option<NaiveDate>,
    labels: Vec<f64>,
    probabilities: Vec<f64>,
}

impl ChurnOracle {
    fn new(cutoff: Option<NaiveDate>, window: Window, samples: u32, seed: u64) -> ChurnOracle {
        ChurnOracle {
            cutoff,
            window,
            samples,
            rng: ChaCha8Rng::seed_from_u64(seed),
            pending: None,
            newest_gift: None,
            labels: Vec::new(),
            probabilities: Vec::new(),
        }
    }

    /// Called after a charge `months_in` months into a gift and before the donor's cancel
    /// decision that month; `drifting` is the person's drift that month.
    pub fn observe(
        &mut self,
        state: &Sustaining,
        charge_date: NaiveDate,
        months_in: u32,
        drifting: bool,
    ) {
        let Some(cutoff) = self.cutoff else { return };
        let next_charge = nth_charge(state.start, months_in + 1);
        if charge_date <= cutoff && next_charge > cutoff {
            self.pending = Some(self.churn_probability(state, charge_date, months_in, drifting));
        }
    }

    /// The share of forward runs from `state` in which the person churns by the label's
    /// definition (cancels, lapses or has 3+ failed charges in the horizon).
    fn churn_probability(
        &mut self,
        state: &Sustaining,
        charge_date: NaiveDate,
        months_in: u32,
        drifting: bool,
    ) -> f64 {
        let Some(cutoff) = self.cutoff else {
            return 0.0;
        };
        let end = cutoff + chrono::Days::new(self.window.horizon.max(0) as u64);
        let (mut kept, mut churned) = (0u32, 0u32);
        // Runs that cancel by the cutoff contradict what is known; a sustainer that likely
        // to have left could loop long, so the attempts are capped.
        for _ in 0..self.samples * 20 {
            if kept == self.samples {
                break;
            }
            let mut s = state.clone();
            let churns = match s.cancels(&mut self.rng, drifting, months_in, charge_date) {
                Some(day) if day <= cutoff => continue,
                Some(day) => day <= end,
                None => self.churns_after(s, months_in, drifting, end),
            };
            kept += 1;
            churned += u32::from(churns);
        }
        if kept == 0 {
            return 1.0;
        }
        f64::from(churned) / f64::from(kept)
    }

    /// One forward run of the charges after the cutoff, up to `end`.
    fn churns_after(
        &mut self,
        mut s: Sustaining,
        months_in: u32,
        drifting: bool,
        end: NaiveDate,
    ) -> bool {
        let mut drifting = drifting;
        let mut failures = 0;
        for month in months_in + 1.. {
            let date = nth_charge(s.start, month);
            if date > end {
                break;
            }
            drifting = next_drift(&mut self.rng, drifting, s.engagement());
            failures += u32::from(s.charge(&mut self.rng, date));
            if s.lapsed() {
                return true;
            }
            if let Some(day) = s.cancels(&mut self.rng, drifting, month, date) {
                return day <= end;
            }
        }
        failures >= 3
    }

    /// Called once a person is simulated: their outcome, if they were an active sustainer
    /// at the cutoff, beside the probability estimated for them.
    pub fn finish_person(&mut self, b: &Behaviour) {
        let pending = self.pending.take();
        let newest = b.gifts.iter().map(|g| g.date).max();
        self.newest_gift = self.newest_gift.max(newest);
        let (Some(cutoff), Some(probability)) = (self.cutoff, pending) else {
            return;
        };
        let h = donation_history(b);
        let at = history::day(cutoff);
        if labels::in_population(Target::Churn, &h, at, self.window) {
            let churned = labels::label(Target::Churn, &h, at, self.window);
            self.labels.push(if churned { 1.0 } else { 0.0 });
            self.probabilities.push(probability);
        }
    }
}

fn nth_charge(start: NaiveDate, months: u32) -> NaiveDate {
    start
        .checked_add_months(Months::new(months))
        .unwrap_or(start)
}

/// The person's gifts and plans as the scoring reads them from the store, so that the
/// population and the label are the scoring's own definitions.
fn donation_history(b: &Behaviour) -> History {
    let mut h = History {
        plans: b
            .recurring
            .iter()
            .map(|r| Plan {
                key: r.id.clone(),
                start: history::day(r.start),
                end: r.end.map(history::day),
            })
            .collect(),
        gifts: b
            .gifts
            .iter()
            .map(|g| Gift {
                day: history::day(g.date),
                cents: g.cents,
                succeeded: g.status == "succeeded",
                failed: g.status == "failed",
                plan: g.recurring,
                method: match g.method {
                    "card" => Method::Card,
                    "eft" => Method::Eft,
                    _ => Method::Other,
                },
                card_expires: g.card_expires.map(history::day),
            })
            .collect(),
        ..History::default()
    };
    h.finish();
    h
}

#[derive(Debug, Clone, Serialize)]
pub struct CeilingReport {
    pub people: u64,
    /// The scoring's test cutoff: the newest gift's date less the horizon.
    pub cutoff: NaiveDate,
    /// Forward runs per sustainer.
    pub samples: u32,
    pub evaluation: Evaluation,
}

/// The churn ceiling for `options`' people (the files `generate` would write for them),
/// at the test cutoff the scoring would choose, with `samples` forward runs per sustainer.
pub fn churn_ceiling(
    options: &GenerateOptions,
    window: Window,
    samples: u32,
) -> Result<CeilingReport> {
    if options.people == 0 || samples == 0 {
        return Err(Error::Usage(
            "the churn ceiling needs at least one person and one sample".into(),
        ));
    }
    let first = watch(options, None, window, samples);
    let newest = first
        .iter()
        .filter_map(|o| o.newest_gift)
        .max()
        .ok_or_else(|| Error::Usage("the generated people gave no gifts".into()))?;
    let cutoff = newest - chrono::Days::new(window.horizon.max(0) as u64);
    let oracles = watch(options, Some(cutoff), window, samples);
    let (labels, probabilities): (Vec<f64>, Vec<f64>) = oracles
        .into_iter()
        .flat_map(|o| o.labels.into_iter().zip(o.probabilities))
        .unzip();
    Ok(CeilingReport {
        people: options.people,
        cutoff,
        samples,
        evaluation: evaluate(&labels, &probabilities),
    })
}

/// Every chunk of households simulated as `generate` does (its text discarded), each
/// watched by an oracle of its own with its own random stream.
fn watch(
    options: &GenerateOptions,
    cutoff: Option<NaiveDate>,
    window: Window,
    samples: u32,
) -> Vec<ChurnOracle> {
    let sizes = household_sizes(options.seed, options.people);
    let starts: Vec<usize> = (0..sizes.len()).step_by(HOUSEHOLDS_PER_CHUNK).collect();
    starts
        .par_iter()
        .map(|start| {
            let seed = mix(options.seed ^ mix(*start as u64) ^ 0x0C1E);
            let mut oracle = ChurnOracle::new(cutoff, window, samples, seed);
            generate_chunk(options, &sizes, *start, Some(&mut oracle));
            oracle
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::default_as_of;
    use super::*;

    const WINDOW: Window = Window {
        horizon: 90,
        grace: 45,
        major_cents: 100_000,
    };

    fn options(people: u64) -> GenerateOptions {
        GenerateOptions {
            seed: 11,
            people,
            as_of: default_as_of(),
            out: std::path::PathBuf::new(),
        }
    }

    #[test]
    fn watching_changes_nothing_the_generator_writes() {
        let options = options(2000);
        let sizes = household_sizes(options.seed, options.people);
        let cutoff = NaiveDate::from_ymd_opt(2026, 3, 29);
        let mut oracle = ChurnOracle::new(cutoff, WINDOW, 50, 3);
        let watched = generate_chunk(&options, &sizes, 0, Some(&mut oracle));
        let plain = generate_chunk(&options, &sizes, 0, None);
        assert_eq!(watched.files, plain.files);
        assert!(
            oracle.labels.len() > 50,
            "the oracle saw {} active sustainers",
            oracle.labels.len()
        );
    }

    /// The oracle's probabilities are the generator's own: on average they match what
    /// happened, and they rank far better than chance.
    #[test]
    fn the_oracle_is_calibrated_and_ranks() {
        let report = churn_ceiling(&options(12_000), WINDOW, 300).unwrap();
        let e = &report.evaluation;
        assert_eq!(report.cutoff, NaiveDate::from_ymd_opt(2026, 3, 29).unwrap());
        assert!(e.rows > 600, "{} active sustainers", e.rows);
        let mean = e
            .calibration
            .iter()
            .map(|d| d.mean_predicted * d.rows as f64)
            .sum::<f64>()
            / e.rows as f64;
        // The observed rate's standard error here is about 0.009.
        assert!(
            (mean - e.base_rate).abs() < 0.025,
            "predicted {mean:.3} on average, observed {:.3}",
            e.base_rate
        );
        assert!(e.roc_auc.unwrap() > 0.75, "ROC-AUC {:?}", e.roc_auc);
    }

    #[test]
    fn no_people_or_no_samples_is_refused() {
        assert!(churn_ceiling(&options(0), WINDOW, 10).is_err());
        assert!(churn_ceiling(&options(10), WINDOW, 0).is_err());
    }
}
