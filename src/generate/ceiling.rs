//! The churn ceiling: how well *any* model could rank the generator's sustainers by churn
//! risk. At the scoring's test cutoff, each active sustainer's churn probability is
//! estimated from their hidden state (engagement, card, drift; what no source file shows)
//! by running the generator's own monthly rules forward from it many times; those
//! probabilities are then scored against what the generator went on to do. No model of
//! the observable facts can beat this ROC-AUC except by chance, so it is the yardstick for
//! the churn model and its logistic baseline (`cpm bench ceiling`).
//!
//! A second estimate knows the same except the drift, which it infers from the email file
//! as a model would have to (`drift_posterior`): a tighter bound on what a model of the
//! source files can reach, and still above it, since it knows the engagement exactly.
//!
//! The oracle knows what was true at the cutoff, not what was drawn after it: a cancel
//! decided at the last charge before the cutoff but effective after it is drawn again
//! (runs that would have cancelled by the cutoff are discarded, since the person was
//! active then), and drift goes on by its own rules rather than the drawn timeline.

use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use super::behaviour::{
    Behaviour, DRIFT_END_CHANCE, EMAIL_FIRST_MONTH, EmailPeriod, Sustaining, drift_start_chance,
    initial_drift_chance, month_start, next_drift, open_chance, unsubscribe_chance,
};
use super::{GenerateOptions, HOUSEHOLDS_PER_CHUNK, generate_chunk, household_sizes, mix};
use crate::error::{Error, Result};
use crate::score::evaluate::{Evaluation, evaluate};
use crate::score::history::{self, Gift, History, Method, Plan, QUARTER_DAYS};
use crate::score::labels::{self, Target, Window};

/// Watches one chunk's people as they are simulated: at the last charge on or before the
/// cutoff it keeps the sustainer's state; once the person is simulated (their email
/// too), it estimates their churn probability from it twice and keeps both beside the
/// outcome, for the sustainers active at the cutoff.
pub struct ChurnOracle {
    /// `None` in the first pass, which only finds the data's newest gift.
    cutoff: Option<NaiveDate>,
    window: Window,
    samples: u32,
    rng: ChaCha8Rng,
    pending: Option<Snapshot>,
    newest_gift: Option<NaiveDate>,
    labels: Vec<f64>,
    /// The whole hidden state known.
    knowing_drift: Vec<f64>,
    /// Drift known only through the email the source file shows.
    drift_from_email: Vec<f64>,
}

/// A sustainer at the last charge on or before the cutoff, before that month's cancel
/// decision.
struct Snapshot {
    state: Sustaining,
    charge_date: NaiveDate,
    /// Months into the gift, and the month of the generator's window.
    months_in: u32,
    month: u32,
    drifting: bool,
}

/// What a forward run knows of the person's drift at the cutoff.
enum Drift<'a> {
    Known,
    /// The chances of having drifted 0, 1, 2, or 3+ months in a row by the cutoff.
    Posterior(&'a [f64; 4]),
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
            knowing_drift: Vec::new(),
            drift_from_email: Vec::new(),
        }
    }

    /// Called after the charge `months_in` months into a gift, in the window's `month`,
    /// before the donor's cancel decision that month; `drifting` is that month's drift.
    pub fn observe(
        &mut self,
        state: &Sustaining,
        charge_date: NaiveDate,
        (months_in, month): (u32, u32),
        drifting: bool,
    ) {
        let Some(cutoff) = self.cutoff else { return };
        let next_charge = month_start(state.start, months_in + 1);
        if charge_date <= cutoff && next_charge > cutoff {
            self.pending = Some(Snapshot {
                state: state.clone(),
                charge_date,
                months_in,
                month,
                drifting,
            });
        }
    }

    /// Called once a person is simulated: their outcome, if they were an active sustainer
    /// at the cutoff, beside the probabilities estimated for them.
    pub fn finish_person(&mut self, b: &Behaviour) {
        let pending = self.pending.take();
        let newest = b.gifts.iter().map(|g| g.date).max();
        self.newest_gift = self.newest_gift.max(newest);
        let (Some(cutoff), Some(snapshot)) = (self.cutoff, pending) else {
            return;
        };
        let h = donation_history(b);
        let at = history::day(cutoff);
        if !labels::in_population(Target::Churn, &h, at, self.window) {
            return;
        }
        let churned = labels::label(Target::Churn, &h, at, self.window);
        self.labels.push(if churned { 1.0 } else { 0.0 });
        let known = self.churn_probability(&snapshot, cutoff, Drift::Known);
        self.knowing_drift.push(known);
        let posterior = drift_posterior(&snapshot, &b.email, at);
        let from_email = self.churn_probability(&snapshot, cutoff, Drift::Posterior(&posterior));
        self.drift_from_email.push(from_email);
    }

    /// The share of forward runs from the snapshot in which the person churns by the
    /// label's definition (cancels, lapses or has 3+ failed charges in the horizon).
    fn churn_probability(&mut self, at: &Snapshot, cutoff: NaiveDate, drift: Drift) -> f64 {
        let end = cutoff + chrono::Days::new(self.window.horizon.max(0) as u64);
        let (mut kept, mut churned) = (0u32, 0u32);
        // Runs that cancel by the cutoff contradict what is known; a sustainer that likely
        // to have left could loop long, so the attempts are capped.
        for _ in 0..self.samples * 20 {
            if kept == self.samples {
                break;
            }
            let mut s = at.state.clone();
            let drifting = match drift {
                Drift::Known => at.drifting,
                Drift::Posterior(chances) => {
                    let run = self.draw(chances);
                    s.assume_drifted_for(run.saturating_sub(1));
                    run > 0
                }
            };
            let churns = match s.cancels(&mut self.rng, drifting, at.months_in, at.charge_date) {
                Some(day) if day <= cutoff => continue,
                Some(day) => day <= end,
                None => self.churns_after(s, at.months_in, drifting, end),
            };
            kept += 1;
            churned += u32::from(churns);
        }
        if kept == 0 {
            return 1.0;
        }
        f64::from(churned) / f64::from(kept)
    }

    /// An index drawn with the given chances (which sum to 1).
    fn draw(&mut self, chances: &[f64; 4]) -> u32 {
        let mut x: f64 = self.rng.random();
        for (i, c) in chances.iter().enumerate() {
            if x < *c {
                return i as u32;
            }
            x -= c;
        }
        3
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
            let date = month_start(s.start, month);
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
}

/// The chances that the sustainer has drifted 0, 1, 2, or 3+ months in a row at the
/// snapshot's month, given what a model could see: the email quarters that ended by the
/// cutoff (opens and unsubscribes depend on the quarter's drift months) and that they
/// did not cancel before (drifters cancel more). Everything else (engagement, the
/// card) is taken as known, so this is still an upper bound for a model.
///
/// A forward filter over months of the generator's drift chain, the state being the
/// run length (capped at 3; a run counts from the gift's start, as the cancel rule
/// does) and the drift months so far in the current email quarter.
fn drift_posterior(at: &Snapshot, email: &[EmailPeriod], cutoff: history::Day) -> [f64; 4] {
    let s = &at.state;
    let e = s.engagement();
    let start_month = at.month - at.months_in;
    let starts = drift_start_chance(e);
    // p[run][k]: k = drift months so far in the current email quarter.
    let mut p = [[0.0f64; 4]; 4];
    p[0][0] = 1.0 - initial_drift_chance(e);
    p[1][0] = initial_drift_chance(e);
    for month in 0..=at.month {
        let quarter_month = month.checked_sub(EMAIL_FIRST_MONTH).map(|m| m % 3);
        let mut next = [[0.0f64; 4]; 4];
        for (run, row) in p.iter().enumerate() {
            for (k, w) in row.iter().enumerate() {
                let k = if quarter_month == Some(0) { 0 } else { k };
                let (off, on) = if run == 0 {
                    (1.0 - starts, starts)
                } else {
                    (DRIFT_END_CHANCE, 1.0 - DRIFT_END_CHANCE)
                };
                // Not drifting this month: run 0, k unchanged; drifting: one more of each.
                next[0][k] += w * off;
                next[(run + 1).min(3)][(k + 1).min(3)] += w * on;
            }
        }
        if month == start_month {
            let longer: [f64; 4] = std::array::from_fn(|k| next[2][k] + next[3][k]);
            next[1].iter_mut().zip(longer).for_each(|(w, x)| *w += x);
            next[2] = [0.0; 4];
            next[3] = [0.0; 4];
        }
        if month >= start_month && month < at.month {
            for (run, row) in next.iter_mut().enumerate() {
                let stays = 1.0 - s.cancel_chance(run as u32, month - start_month);
                row.iter_mut().for_each(|w| *w *= stays);
            }
        }
        if quarter_month == Some(2) {
            let quarter = ((month - EMAIL_FIRST_MONTH) / 3) as usize;
            if let Some(q) = email
                .get(quarter)
                .filter(|q| history::day(q.start) + QUARTER_DAYS <= cutoff && q.bounced < q.sent)
            {
                for row in next.iter_mut() {
                    for (k, w) in row.iter_mut().enumerate() {
                        *w *= email_likelihood(q, e, k as u32);
                    }
                }
            }
        }
        let total: f64 = next.iter().flatten().sum();
        if total > 0.0 {
            next.iter_mut().flatten().for_each(|w| *w /= total);
        }
        p = next;
    }
    let mut runs = [0.0; 4];
    for (run, row) in p.iter().enumerate() {
        runs[run] = row.iter().sum();
    }
    runs
}

/// How likely a quarter's opens and unsubscribe are with `k` of its months drifting (up
/// to a factor the same for every `k`).
fn email_likelihood(q: &EmailPeriod, engagement: f64, k: u32) -> f64 {
    let open = open_chance(engagement, k);
    let opens = open.powi(q.opened as i32) * (1.0 - open).powi((q.sent - q.opened) as i32);
    let unsubscribe = unsubscribe_chance(k);
    opens
        * if q.unsubscribed {
            unsubscribe
        } else {
            1.0 - unsubscribe
        }
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
    /// Probabilities from the whole hidden state: the ceiling for any model.
    pub knowing_drift: Evaluation,
    /// Drift inferred from the email file (the rest of the state known): nearer what a
    /// model of the source files could reach, and still above it.
    pub drift_from_email: Evaluation,
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
    let (mut labels, mut knowing, mut from_email) = (Vec::new(), Vec::new(), Vec::new());
    for o in watch(options, Some(cutoff), window, samples) {
        labels.extend(o.labels);
        knowing.extend(o.knowing_drift);
        from_email.extend(o.drift_from_email);
    }
    Ok(CeilingReport {
        people: options.people,
        cutoff,
        samples,
        knowing_drift: evaluate(&labels, &knowing),
        drift_from_email: evaluate(&labels, &from_email),
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
    use chrono::Months;

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
            oracle.labels.len() > 50 && oracle.drift_from_email.len() == oracle.labels.len(),
            "the oracle saw {} active sustainers",
            oracle.labels.len()
        );
    }

    /// The oracle's probabilities are the generator's own: on average they match what
    /// happened, and they rank far better than chance; drift inferred from email ranks
    /// worse than drift known.
    #[test]
    fn the_oracle_is_calibrated_and_ranks() {
        let report = churn_ceiling(&options(12_000), WINDOW, 300).unwrap();
        assert_eq!(report.cutoff, NaiveDate::from_ymd_opt(2026, 3, 29).unwrap());
        for e in [&report.knowing_drift, &report.drift_from_email] {
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
            assert!(e.roc_auc.unwrap() > 0.7, "ROC-AUC {:?}", e.roc_auc);
        }
        let auc = |e: &Evaluation| e.roc_auc.unwrap();
        assert!(
            auc(&report.knowing_drift) > auc(&report.drift_from_email) + 0.02,
            "{} against {}",
            auc(&report.knowing_drift),
            auc(&report.drift_from_email)
        );
    }

    fn quarter(start: NaiveDate, opened: u32) -> EmailPeriod {
        EmailPeriod {
            start,
            sent: 13,
            bounced: 0,
            opened,
            clicked: 0,
            unsubscribed: false,
            last_open: None,
        }
    }

    /// A sustainer ten months into the gift at the window's last month but three, with
    /// the eight email quarters the generator would write, `opens` each.
    fn posterior_for(opens: &[u32], known_until: NaiveDate) -> [f64; 4] {
        let window_start = default_as_of() - Months::new(super::super::behaviour::MONTHS);
        let month = super::super::behaviour::MONTHS - 3;
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let start = month_start(window_start, month - 10);
        let state = Sustaining::new(&mut rng, false, 0.7, start);
        let email: Vec<EmailPeriod> = opens
            .iter()
            .enumerate()
            .map(|(i, o)| {
                quarter(
                    month_start(window_start, EMAIL_FIRST_MONTH + 3 * i as u32),
                    *o,
                )
            })
            .collect();
        let at = Snapshot {
            state,
            charge_date: month_start(start, 10),
            months_in: 10,
            month,
            drifting: false,
        };
        let chances = drift_posterior(&at, &email, history::day(known_until));
        assert!(
            (chances.iter().sum::<f64>() - 1.0).abs() < 1e-9,
            "{chances:?}"
        );
        chances
    }

    #[test]
    fn drift_is_inferred_from_the_quarters_that_ended_by_the_cutoff() {
        let cutoff = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        // An engaged reader opens about 6 of 13; none in the last two known quarters
        // (the seventh and eighth are not over by the cutoff) is drift.
        let faded = posterior_for(&[6, 7, 6, 5, 0, 0, 2, 9], cutoff);
        let reading = posterior_for(&[6, 7, 6, 5, 6, 7, 0, 0], cutoff);
        assert!(faded[0] < 0.2, "{faded:?}");
        assert!(faded[3] > 0.6, "{faded:?}");
        assert!(reading[0] > 0.85, "{reading:?}");
        // With no quarter known, only the prior and the months survived are left.
        let blind = posterior_for(
            &[6, 7, 6, 5, 0, 0, 0, 0],
            NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
        );
        assert!(blind[0] > faded[0] && blind[0] < reading[0], "{blind:?}");
    }

    #[test]
    fn no_people_or_no_samples_is_refused() {
        assert!(churn_ceiling(&options(0), WINDOW, 10).is_err());
        assert!(churn_ceiling(&options(10), WINDOW, 0).is_err());
    }
}
