//! Churn risk and upgrade propensity, point in time. `run` loads every golden record's
//! facts, trains (or reloads) one booster per target, and scores everyone as of the data's
//! as-of date, writing all scores in one transaction.
//!
//! Time: a model is trained at `train_cutoff = as_of - 2 × horizon` (labels observed in
//! the horizon after it) and evaluated out of time at `test_cutoff = as_of - horizon`,
//! beside a logistic-regression baseline trained on the same rows; the evaluated model is
//! the one that scores, so every score's model has an honest report.

pub mod evaluate;
pub mod features;
pub use crate::vocab::history;
pub mod labels;
pub use crate::vocab::reasons::{
    EMAIL_FEATURES, NEW_SUSTAINER_FEATURE, PAYMENT_FEATURES, Reason, retention_ask,
};
pub mod model;
pub mod settings;
pub mod trees;

use std::collections::BTreeMap;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::store::Db;
use crate::store::score::{self as sql, ModelRow, ScoreRow};
use evaluate::Evaluation;
use features::FEATURES;
use history::{Day, History, date_of};
use labels::{Target, Window};
use model::{Booster, Classifier, Logistic, Rows};
use settings::{ScoringConfig, Tier};

#[derive(Debug, Clone)]
pub struct ScoreOptions {
    /// Train new models even when saved ones exist.
    pub retrain: bool,
    /// Golden records scored per batch handed to the writer (`BATCH`; tests use small ones).
    pub batch: usize,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        ScoreOptions {
            retrain: false,
            batch: BATCH,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ModelReport {
    pub target: String,
    pub model_version: i64,
    pub trained_now: bool,
    pub train_cutoff: String,
    pub test_cutoff: String,
    /// Rows in the training snapshots (the held-out people's among them).
    pub train_rows: i64,
    /// Trees the booster adds up (fewer than `booster.iterations` when it stopped early).
    #[serde(default)]
    pub trees: usize,
    /// Building the rows and fitting the booster and the baseline (0 when reloaded).
    pub millis_train: u64,
    /// Of which fitting the booster (0 when reloaded).
    #[serde(default)]
    pub millis_fit: u64,
    pub model: Evaluation,
    pub baseline: Evaluation,
    /// Which of the two scores this target: `model` (the booster) or `baseline` (the
    /// logistic regression, when it ranked the held-out cutoff better).
    #[serde(default = "booster_in_use")]
    pub in_use: String,
}

fn booster_in_use() -> String {
    "model".into()
}

/// The model a target scores with: the booster, unless its logistic baseline ranked the
/// held-out cutoff better (champion and challenger, decided at every training).
pub enum Champion {
    Booster(Box<Booster>),
    Baseline(Logistic),
}

impl Champion {
    fn classifier(&self) -> &dyn Classifier {
        match self {
            Champion::Booster(b) => b.as_ref(),
            Champion::Baseline(l) => l,
        }
    }

    /// `model` or `baseline`, as reports and screens name it.
    pub fn in_use(&self) -> &'static str {
        match self {
            Champion::Booster(_) => "model",
            Champion::Baseline(_) => "baseline",
        }
    }

    /// The kind stored with the model version.
    fn kind(&self) -> &'static str {
        match self {
            Champion::Booster(_) => "booster",
            Champion::Baseline(_) => "baseline",
        }
    }

    fn to_json(&self) -> Result<String> {
        match self {
            Champion::Booster(b) => b.to_json(),
            Champion::Baseline(l) => Ok(serde_json::to_string(l)?),
        }
    }
}

/// The baseline wins only by ranking the held-out people strictly better.
fn baseline_wins(model: &Evaluation, baseline: &Evaluation) -> bool {
    matches!((baseline.roc_auc, model.roc_auc), (Some(b), Some(m)) if b > m)
}

#[derive(Debug, Clone, Serialize)]
pub struct ScoreReport {
    pub as_of: String,
    pub golden_records: usize,
    pub sustainers_scored: usize,
    pub tiers: BTreeMap<String, usize>,
    pub upgrade_paths: BTreeMap<String, usize>,
    /// Sustainers whose best upgrade path waits for their churn risk to fall.
    pub upgrade_asks_held: usize,
    pub models: Vec<ModelReport>,
    /// Targets with no model this run, and why.
    pub skipped: Vec<String>,
    pub millis_load: u64,
    pub millis_train: u64,
    pub millis_score: u64,
    pub millis_write: u64,
}

/// The label parameters `config` sets.
pub fn window(config: &ScoringConfig) -> Window {
    Window {
        horizon: config.horizon_days,
        grace: config.grace_days,
        major_cents: config.major_gift_dollars * 100,
    }
}

fn iso(d: Day) -> String {
    date_of(d).map_or_else(|| d.to_string(), |d| d.to_string())
}

/// Feature rows, their labels and whose they are (golden record ids).
pub struct Examples {
    pub rows: Rows,
    pub labels: Vec<f64>,
    pub people: Vec<i64>,
}

impl Examples {
    fn new() -> Examples {
        Examples {
            rows: Rows::new(FEATURES.len()),
            labels: Vec::new(),
            people: Vec::new(),
        }
    }

    fn extend(&mut self, more: Examples) {
        self.rows.values.extend(more.rows.values);
        self.labels.extend(more.labels);
        self.people.extend(more.people);
    }

    fn push(&mut self, row: &[f64], label: f64, person: i64) {
        self.rows.push(row);
        self.labels.push(label);
        self.people.push(person);
    }

    /// The rows of people kept for fitting, and those of people held out (every
    /// `HELD_OUT_EVERY`th golden id: the same people in every snapshot, so nobody's rows
    /// are on both sides).
    fn split_held_out(&self) -> (Examples, Examples) {
        let (mut fit, mut held_out) = (Examples::new(), Examples::new());
        for (i, (&label, &person)) in self.labels.iter().zip(&self.people).enumerate() {
            let part = if person % HELD_OUT_EVERY == 0 {
                &mut held_out
            } else {
                &mut fit
            };
            part.push(self.rows.row(i), label, person);
        }
        (fit, held_out)
    }

    fn positives(&self) -> usize {
        self.labels.iter().filter(|y| **y > 0.5).count()
    }
}

/// Golden records whose id is a multiple of this are held out of fitting when the booster
/// stops early: a fifth of the training people.
const HELD_OUT_EVERY: i64 = 5;

/// The examples of `target`'s population at `cutoff`.
pub fn dataset(
    histories: &[History],
    target: Target,
    cutoff: Day,
    config: &ScoringConfig,
) -> Examples {
    let w = window(config);
    let picked: Vec<(Vec<f64>, f64, i64)> = histories
        .par_iter()
        .filter(|h| labels::in_population(target, h, cutoff, w))
        .map(|h| {
            (
                features::compute(h, cutoff, w.grace),
                f64::from(u8::from(labels::label(target, h, cutoff, w))),
                h.constituent_id,
            )
        })
        .collect();
    let mut examples = Examples::new();
    for (row, label, person) in picked {
        examples.push(&row, label, person);
    }
    examples
}

/// smartcore's LBFGS takes ~10 s per 100k rows here, so the baseline learns from every
/// positive and an even sample of negatives up to this many rows (its intercept corrected
/// for the sampling), which estimates 30 coefficients well.
pub const BASELINE_ROWS: usize = 30_000;

/// Train `target`'s booster at the train cutoff and evaluate it and the baseline at the
/// test cutoff.
fn train(
    histories: &[History],
    target: Target,
    as_of: Day,
    config: &ScoringConfig,
    actor: &str,
) -> Result<(ModelRow, Champion, ModelReport)> {
    let started = Instant::now();
    let test_cutoff = as_of - config.horizon_days;
    let train_cutoff = test_cutoff - config.horizon_days;
    // Several training snapshots a month apart: more outcomes to learn from. Every
    // snapshot's label window ends by the test cutoff, so nothing the test scores is seen.
    let mut train = Examples::new();
    for months_back in 0..config.training_snapshots {
        train.extend(dataset(
            histories,
            target,
            train_cutoff - 30 * months_back,
            config,
        ));
    }
    let test = dataset(histories, target, test_cutoff, config);
    let (positives, test_positives) = (train.positives(), test.positives());
    let min = config.min_outcomes;
    if positives.min(test_positives) < min || positives + min > train.labels.len() {
        return Err(Error::NotEnoughData(format!(
            "'{}' has {} outcomes in {} training rows and {} in {} test rows; at least {min} of each are needed",
            target.name(),
            positives,
            train.labels.len(),
            test_positives,
            test.labels.len()
        )));
    }
    let train_rows = train.labels.len() as i64;
    // With early stopping, the booster and the baseline both learn from the people kept
    // for fitting; the held-out ones only tell the booster when to stop.
    let (fit, held_out) = if config.booster.early_stopping_rounds.is_some() {
        train.split_held_out()
    } else {
        (train, Examples::new())
    };
    let fit_started = Instant::now();
    let booster = Booster::fit(
        &fit.rows,
        &fit.labels,
        &config.booster,
        Some((&held_out.rows, &held_out.labels)),
    )?;
    let millis_fit = fit_started.elapsed().as_millis() as u64;
    let baseline = Logistic::fit_sampled(&fit.rows, &fit.labels, BASELINE_ROWS)?;
    let model_eval = evaluate::evaluate(&test.labels, &booster.predict(&test.rows));
    let baseline_eval = evaluate::evaluate(&test.labels, &baseline.predict(&test.rows));
    let trees = booster.trees();
    let champion = if baseline_wins(&model_eval, &baseline_eval) {
        Champion::Baseline(baseline)
    } else {
        Champion::Booster(Box::new(booster))
    };
    let row = ModelRow {
        id: 0,
        target: target.name().into(),
        kind: champion.kind().into(),
        created_at: crate::store::resolve::now(),
        actor: actor.into(),
        train_cutoff: iso(train_cutoff),
        test_cutoff: iso(test_cutoff),
        train_rows,
        features: serde_json::to_string(&features::names())?,
        params: serde_json::to_string(&config.booster)?,
        evaluation: serde_json::to_string(
            &serde_json::json!({ "model": model_eval, "baseline": baseline_eval }),
        )?,
        model: champion.to_json()?,
    };
    let report = ModelReport {
        target: target.name().into(),
        model_version: 0,
        trained_now: true,
        train_cutoff: row.train_cutoff.clone(),
        test_cutoff: row.test_cutoff.clone(),
        train_rows: row.train_rows,
        trees,
        millis_train: started.elapsed().as_millis() as u64,
        millis_fit,
        model: model_eval,
        baseline: baseline_eval,
        in_use: champion.in_use().into(),
    };
    Ok((row, champion, report))
}

#[derive(Deserialize)]
struct StoredEvaluation {
    model: Evaluation,
    baseline: Evaluation,
}

/// A saved model, if its features are the ones this build computes.
fn reload(row: &ModelRow) -> Result<Option<(Champion, ModelReport)>> {
    let names: Vec<String> = serde_json::from_str(&row.features)?;
    if names != features::names() {
        return Ok(None);
    }
    let evaluation: StoredEvaluation = serde_json::from_str(&row.evaluation)?;
    let champion = match row.kind.as_str() {
        "baseline" => Champion::Baseline(serde_json::from_str(&row.model)?),
        _ => Champion::Booster(Box::new(Booster::from_json(&row.model)?)),
    };
    let trees = match &champion {
        Champion::Booster(b) => b.trees(),
        Champion::Baseline(_) => 0,
    };
    let in_use = champion.in_use().to_string();
    Ok(Some((
        champion,
        ModelReport {
            target: row.target.clone(),
            model_version: row.id,
            trained_now: false,
            train_cutoff: row.train_cutoff.clone(),
            test_cutoff: row.test_cutoff.clone(),
            train_rows: row.train_rows,
            trees,
            millis_train: 0,
            millis_fit: 0,
            model: evaluation.model,
            baseline: evaluation.baseline,
            in_use,
        },
    )))
}

/// The top `n` reasons from one row of contributions, largest effect first.
pub fn reasons(values: &[f64], contributions: &[f64], n: usize) -> Vec<Reason> {
    let mut order: Vec<usize> = (0..contributions.len()).collect();
    order.sort_by(|a, b| contributions[*b].abs().total_cmp(&contributions[*a].abs()));
    order
        .into_iter()
        .filter(|&i| contributions[i].abs() > 1e-9)
        .take(n)
        .map(|i| Reason {
            feature: FEATURES[i].name.into(),
            text: (FEATURES[i].describe)(values[i]),
            contribution: contributions[i],
        })
        .collect()
}

/// Monthly amounts a station asks for.
const LADDER: [i64; 10] = [5, 10, 15, 20, 25, 30, 40, 50, 75, 100];

fn ladder_ask(monthly: f64) -> Option<i64> {
    LADDER.iter().find(|l| **l as f64 > monthly + 0.5).copied()
}

/// What taking `path` would add in a year, in dollars: the basis for choosing a person's
/// best path (probability × value).
pub fn yearly_value(path: Target, values: &[f64]) -> f64 {
    let v = |name: &str| features::index_of(name).map_or(0.0, |i| values[i]);
    match path {
        Target::BecomeSustainer => {
            let ask = ladder_ask((v("giving_12m") / 12.0).max(10.0) - 1.0).unwrap_or(100);
            12.0 * ask as f64 - v("giving_12m")
        }
        Target::RaiseMonthly => {
            let now = v("monthly_amount");
            ladder_ask(now).map_or(0.0, |next| 12.0 * (next as f64 - now))
        }
        Target::MajorGift => v("largest_gift").max(1000.0),
        Target::Churn => 0.0,
    }
}

/// The recommended action for `path`, with the amount derived from the person's giving.
pub fn action(path: Target, values: &[f64]) -> String {
    let v = |name: &str| features::index_of(name).map_or(0.0, |i| values[i]);
    match path {
        Target::BecomeSustainer => {
            let ask = ladder_ask((v("giving_12m") / 12.0).max(10.0) - 1.0).unwrap_or(100);
            format!("invite to become a sustainer at ${ask}/month")
        }
        Target::RaiseMonthly => {
            let now = v("monthly_amount");
            match ladder_ask(now) {
                Some(next) => format!("ask to raise ${now:.0} to ${next}/month"),
                None => format!("thank for ${now:.0}/month; ask about a major gift"),
            }
        }
        Target::MajorGift => format!(
            "refer to a major-gifts officer (largest gift ${:.0}, ${:.0} in 12 months)",
            v("largest_gift"),
            v("giving_12m")
        ),
        Target::Churn => "call to thank and ask how we are doing".into(),
    }
}

/// The next step for a sustainer whose upgrade ask waits (`hold_upgrade_asks_from`): no
/// upgrade path, so no upgrade segment or campaign selects them, and the ask that would
/// have been made, for when the risk has fallen.
fn held_ask(path: Target, tier: Tier, values: &[f64]) -> String {
    format!(
        "no upgrade ask at {} churn risk; later: {}",
        tier.name(),
        action(path, values)
    )
}

/// Score every golden record as of the data's as-of date.
pub fn run(
    db: &mut Db,
    config: &ScoringConfig,
    actor: &str,
    options: &ScoreOptions,
    progress: &dyn Progress,
) -> Result<ScoreReport> {
    let t = Instant::now();
    progress.update("score: load", 0, 4);
    let (mut histories, newest_gift) = sql::load_histories(db)?;
    let as_of = newest_gift
        .ok_or_else(|| Error::Invalid("no gifts in the store: ingest sources first".into()))?;
    if histories.is_empty() {
        return Err(Error::Invalid(
            "no golden records: run `cpm resolve` first".into(),
        ));
    }
    let golden_records = histories.len();
    let millis_load = t.elapsed().as_millis() as u64;
    check(progress)?;

    let t = Instant::now();
    let mut models: Vec<(Target, Champion, ModelReport, Option<ModelRow>)> = Vec::new();
    let mut skipped = Vec::new();
    for (i, target) in Target::ALL.into_iter().enumerate() {
        progress.update(&format!("score: model {}", target.name()), i as u64, 4);
        let saved = if options.retrain {
            None
        } else {
            sql::latest_model(&db.conn, target.name())?
        };
        let loaded = match &saved {
            Some(row) => reload(row)?,
            None => None,
        };
        match loaded {
            Some((booster, report)) => models.push((target, booster, report, None)),
            None => match train(&histories, target, as_of, config, actor) {
                Ok((row, booster, report)) => models.push((target, booster, report, Some(row))),
                Err(Error::NotEnoughData(why)) => skipped.push(why),
                Err(e) => return Err(e),
            },
        }
        check(progress)?;
    }
    let millis_train = t.elapsed().as_millis() as u64;

    // Scoring and writing overlap: each batch of score rows goes to a writer thread as
    // soon as it is built, and the writer inserts it in the run's one transaction while
    // the next batch is scored.
    let t = Instant::now();
    let (boosters, saving): (Vec<_>, Vec<_>) = models
        .into_iter()
        .map(|(target, booster, report, row)| ((target, booster), (target, report, row)))
        .unzip();
    let scorer = Scorer {
        boosters: &boosters,
        config,
        as_of,
        window: window(config),
    };
    let millis_before = millis_load + millis_train;
    let (tally, reports, millis_score) = std::thread::scope(|scope| {
        let (batches, received) = mpsc::sync_channel::<Batch>(2);
        // Every id in the rows was read from the store or is written in this transaction,
        // so the bulk-load settings serve: no foreign-key checks (six parent lookups a row).
        let writer = scope.spawn(move || {
            crate::store::bulk_load(db, |db| write_run(db, saving, received, actor, as_of))
        });
        let scored = scorer.score_everyone(&histories, options.batch, &batches, progress);
        let millis_score = t.elapsed().as_millis() as u64;
        // A million histories' vectors are freed beside the writer's last inserts and commit.
        crate::drop_elsewhere(std::mem::take(&mut histories));
        progress.update("score: write", 3, 4);
        if let Ok(tally) = &scored {
            // A writer that stopped has its own error, reported below.
            let _ = batches.send(Batch::Done {
                tiers: serde_json::to_string(&tally.tiers)?,
                millis: (millis_before + millis_score) as i64,
            });
        }
        // Without `Done` the writer rolls back: a failed or cancelled run changes nothing.
        drop(batches);
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(Error::Invalid("writing the scores failed".into())));
        Ok::<_, Error>((scored?, written?, millis_score))
    })?;
    progress.update("score: done", 4, 4);
    Ok(ScoreReport {
        as_of: iso(as_of),
        golden_records,
        sustainers_scored: tally.tiers.values().sum(),
        tiers: tally.tiers,
        upgrade_paths: tally.paths,
        upgrade_asks_held: tally.held,
        models: reports,
        skipped,
        millis_load,
        millis_train,
        millis_score,
        millis_write: (t.elapsed().as_millis() as u64).saturating_sub(millis_score),
    })
}

/// What the scoring thread hands the writer.
enum Batch {
    Rows(Vec<ScoreRow>),
    /// Every row was sent: the run's tier counts (JSON) and its time so far.
    Done {
        tiers: String,
        millis: i64,
    },
}

/// Golden records scored per batch: large enough to keep both cores busy in each step,
/// small enough that a batch's features and rows stay a few megabytes.
const BATCH: usize = 65_536;

/// Counts over everyone scored.
struct Tally {
    tiers: BTreeMap<String, usize>,
    paths: BTreeMap<String, usize>,
    held: usize,
}

/// Scores people as of the data's as-of date with the run's models.
struct Scorer<'a> {
    boosters: &'a [(Target, Champion)],
    config: &'a ScoringConfig,
    as_of: Day,
    window: Window,
}

impl Scorer<'_> {
    /// Score `histories` `batch_size` at a time, sending each batch's rows to `batches`.
    fn score_everyone(
        &self,
        histories: &[History],
        batch_size: usize,
        batches: &SyncSender<Batch>,
        progress: &dyn Progress,
    ) -> Result<Tally> {
        let mut tally = Tally {
            tiers: Tier::ALL.iter().map(|t| (t.name().into(), 0)).collect(),
            paths: BTreeMap::new(),
            held: 0,
        };
        let mut done = 0;
        for batch in histories.chunks(batch_size.max(1)) {
            progress.update("score: everyone", done as u64, histories.len() as u64);
            check(progress)?;
            let rows = self.score(batch)?;
            for row in &rows {
                if let Some(tier) = &row.churn_tier {
                    *tally.tiers.entry(tier.clone()).or_default() += 1;
                }
                match (&row.upgrade_path, &row.upgrade_action) {
                    (Some(path), _) => *tally.paths.entry(path.clone()).or_default() += 1,
                    (None, Some(_)) => tally.held += 1,
                    (None, None) => {}
                }
            }
            done += batch.len();
            if batches.send(Batch::Rows(rows)).is_err() {
                // The writer stopped: its error is the run's.
                break;
            }
        }
        Ok(tally)
    }

    /// One score row per history (model versions are filled in by the writer).
    fn score(&self, histories: &[History]) -> Result<Vec<ScoreRow>> {
        let (as_of, w) = (self.as_of, self.window);
        // Each history's features, and which models' populations it is in (bit `m` for
        // `self.boosters[m]`), in one parallel pass.
        let (values, populations): (Vec<Vec<f64>>, Vec<u64>) = histories
            .par_iter()
            .map(|h| {
                let populations = self
                    .boosters
                    .iter()
                    .enumerate()
                    .filter(|(_, (target, _))| labels::in_population(*target, h, as_of, w))
                    .fold(0u64, |bits, (m, _)| bits | 1 << m);
                (features::compute(h, as_of, w.grace), populations)
            })
            .unzip();
        let mut probabilities: BTreeMap<Target, Vec<Option<f64>>> = BTreeMap::new();
        // Each churn row's place among the churn model's per-feature contributions.
        let mut churn_row: Vec<Option<usize>> = vec![None; histories.len()];
        let mut contributions = Vec::new();
        let cols = FEATURES.len();
        for (m, (target, booster)) in self.boosters.iter().enumerate() {
            let members: Vec<usize> = (0..histories.len())
                .filter(|&i| populations[i] & (1 << m) != 0)
                .collect();
            let mut rows = Rows::new(cols);
            for &i in &members {
                rows.push(&values[i]);
            }
            let p = booster.classifier().predict(&rows);
            let mut column = vec![None; histories.len()];
            for (k, &i) in members.iter().enumerate() {
                column[i] = Some(p[k]);
            }
            if *target == Target::Churn {
                contributions = booster.classifier().contributions(&rows);
                for (k, &i) in members.iter().enumerate() {
                    churn_row[i] = Some(k);
                }
            }
            probabilities.insert(*target, column);
        }
        let p = |t: Target, i: usize| probabilities.get(&t).and_then(|c| c[i]);
        let (monthly, tenure) = (
            features::index_of("monthly_amount"),
            features::index_of("sustainer_tenure_days"),
        );
        (0..histories.len())
            .into_par_iter()
            .map(|i| {
                let values = &values[i];
                let churn = p(Target::Churn, i);
                let tier = churn.map(|p| self.config.tier(p));
                // The upgrade path worth the most: probability × what it would add in a year.
                let best = Target::UPGRADES
                    .into_iter()
                    .filter_map(|t| p(t, i).map(|p| (t, p * yearly_value(t, values))))
                    .filter(|(_, value)| *value > 0.0)
                    .max_by(|a, b| a.1.total_cmp(&b.1))
                    .map(|(t, _)| t);
                let (upgrade_path, upgrade_action) = match (best, tier) {
                    (Some(path), Some(tier)) if self.config.holds_upgrade_ask(tier) => {
                        (None, Some(held_ask(path, tier, values)))
                    }
                    (best, _) => (
                        best.map(|t| t.name().to_string()),
                        best.map(|t| action(t, values)),
                    ),
                };
                let reasons = churn_row[i].map(|k| {
                    let c = &contributions[k * cols..(k + 1) * cols];
                    reasons(values, c, self.config.reasons_per_person)
                });
                let v = |k: Option<usize>| k.map(|k| values[k]);
                Ok(ScoreRow {
                    constituent_id: histories[i].constituent_id,
                    churn_probability: churn,
                    churn_tier: tier.map(|t| t.name().to_string()),
                    churn_reasons: reasons.map(|r| serde_json::to_string(&r)).transpose()?,
                    churn_model: None,
                    monthly_cents: churn.and(v(monthly).map(|d| (d * 100.0).round() as i64)),
                    tenure_days: churn.and(v(tenure).map(|d| d as i64)),
                    become_sustainer_p: p(Target::BecomeSustainer, i),
                    raise_monthly_p: p(Target::RaiseMonthly, i),
                    major_gift_p: p(Target::MajorGift, i),
                    upgrade_path,
                    upgrade_action,
                    become_sustainer_model: None,
                    raise_monthly_model: None,
                    major_gift_model: None,
                })
            })
            .collect()
    }
}

/// Save the new models, then replace every score with the rows `batches` brings, each
/// naming the model version behind each of its probabilities, in one transaction that
/// commits only when the last batch is marked `Done`.
fn write_run(
    db: &mut Db,
    models: Vec<(Target, ModelReport, Option<ModelRow>)>,
    batches: Receiver<Batch>,
    actor: &str,
    as_of: Day,
) -> Result<Vec<ModelReport>> {
    let tx = db.conn.transaction()?;
    let mut reports = Vec::new();
    let mut version_of: BTreeMap<Target, i64> = BTreeMap::new();
    for (target, mut report, new_row) in models {
        if let Some(row) = new_row {
            report.model_version = sql::save_model(&tx, &row)?;
        }
        version_of.insert(target, report.model_version);
        reports.push(report);
    }
    let version = |t: Target| version_of.get(&t).copied();
    let mut writer =
        sql::ScoreWriter::begin(&tx, actor, &crate::store::resolve::now(), &iso(as_of))?;
    for batch in batches {
        match batch {
            Batch::Rows(mut rows) => {
                for row in rows.iter_mut() {
                    row.churn_model = row.churn_probability.and(version(Target::Churn));
                    row.become_sustainer_model =
                        row.become_sustainer_p.and(version(Target::BecomeSustainer));
                    row.raise_monthly_model =
                        row.raise_monthly_p.and(version(Target::RaiseMonthly));
                    row.major_gift_model = row.major_gift_p.and(version(Target::MajorGift));
                }
                writer.write(&rows)?;
            }
            Batch::Done { tiers, millis } => {
                writer.finish(&tiers, millis)?;
                tx.commit()?;
                return Ok(reports);
            }
        }
    }
    // The scorer stopped before its last batch (an error or a cancel): roll back.
    Err(Error::Cancelled)
}

fn check(progress: &dyn Progress) -> Result<()> {
    if progress.is_cancelled() {
        Err(Error::Cancelled)
    } else {
        Ok(())
    }
}

/// One person's features, scores and reasons, for `cpm score --explain`.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub constituent_id: i64,
    pub as_of: String,
    pub features: Vec<(String, f64, String)>,
    pub scores: Option<ScoreRow>,
    pub reasons: Vec<Reason>,
}

pub fn explain(db: &Db, config: &ScoringConfig, constituent: i64) -> Result<Explanation> {
    let as_of =
        sql::as_of_day(&db.conn)?.ok_or_else(|| Error::Invalid("no gifts in the store".into()))?;
    let h = sql::load_history(db, constituent)?.ok_or_else(|| {
        Error::Invalid(format!(
            "no live golden record {}",
            crate::store::browse::golden_id(constituent)
        ))
    })?;
    let values = features::compute(&h, as_of, config.grace_days);
    let scores = sql::score_of(&db.conn, constituent)?;
    let reasons = match &scores {
        Some(s) => s.reasons()?,
        None => Vec::new(),
    };
    Ok(Explanation {
        constituent_id: constituent,
        as_of: iso(as_of),
        features: FEATURES
            .iter()
            .zip(&values)
            .map(|(f, v)| (f.name.to_string(), *v, (f.describe)(*v)))
            .collect(),
        scores,
        reasons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baseline_scores_only_when_it_ranks_strictly_better() {
        let with_auc = |auc: Option<f64>| Evaluation {
            roc_auc: auc,
            ..evaluate::evaluate(&[0.0, 1.0], &[0.2, 0.8])
        };
        assert!(baseline_wins(&with_auc(Some(0.60)), &with_auc(Some(0.70))));
        assert!(!baseline_wins(&with_auc(Some(0.70)), &with_auc(Some(0.70))));
        assert!(!baseline_wins(&with_auc(Some(0.75)), &with_auc(Some(0.70))));
        assert!(!baseline_wins(&with_auc(Some(0.75)), &with_auc(None)));
    }

    #[test]
    fn held_out_people_are_a_fifth_and_on_one_side_in_every_snapshot() {
        let mut examples = Examples::new();
        // Three snapshots of people 1..=100, each row labelled with its person.
        for _ in 0..3 {
            for person in 1..=100 {
                let row = vec![person as f64; FEATURES.len()];
                examples.push(&row, f64::from(u8::from(person % 7 == 0)), person);
            }
        }
        let (fit, held_out) = examples.split_held_out();
        assert_eq!(held_out.labels.len(), 3 * 20);
        assert_eq!(fit.labels.len() + held_out.labels.len(), 300);
        for part in [&fit, &held_out] {
            for (i, person) in part.people.iter().enumerate() {
                assert_eq!(part.rows.row(i)[0], *person as f64, "rows stay with labels");
                assert_eq!(part.labels[i], f64::from(u8::from(person % 7 == 0)));
            }
        }
        assert!(
            fit.people.iter().all(|p| !held_out.people.contains(p)),
            "nobody is on both sides"
        );
    }

    #[test]
    fn reasons_are_the_largest_contributions_with_their_sign_and_words() {
        let mut values = vec![0.0; FEATURES.len()];
        let mut contributions = vec![0.0; FEATURES.len()];
        let failed = features::index_of("failed_payments_90d").unwrap();
        let opens = features::index_of("days_since_last_open").unwrap();
        let tenure = features::index_of("sustainer_tenure_days").unwrap();
        values[failed] = 3.0;
        values[opens] = 140.0;
        values[tenure] = 900.0;
        contributions[failed] = 0.9;
        contributions[opens] = 0.4;
        contributions[tenure] = -0.6;
        let r = reasons(&values, &contributions, 3);
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].text, "3 failed payments in the last 90 days");
        assert_eq!(r[1].feature, "sustainer_tenure_days");
        assert!(
            r[1].contribution < 0.0,
            "a factor lowering the risk keeps its sign"
        );
        assert_eq!(r[2].text, "no email opened in 140 days");
        for reason in &r {
            let i = features::index_of(&reason.feature).unwrap();
            assert_eq!(reason.contribution.signum(), contributions[i].signum());
        }
    }

    #[test]
    fn a_retention_call_is_about_what_raises_the_risk_most() {
        let ask = |reasons: &[(&str, f64)]| {
            let reasons: Vec<Reason> = reasons
                .iter()
                .map(|(feature, contribution)| Reason {
                    feature: feature.to_string(),
                    text: String::new(),
                    contribution: *contribution,
                })
                .collect();
            retention_ask(&reasons)
        };
        let card = [("days_since_last_open", 0.3), ("card_expires_in_days", 0.9)];
        assert!(ask(&card).starts_with("update the card"));
        // A factor that lowers the risk decides nothing, however large.
        let quiet = [
            ("card_expires_in_days", -2.0),
            ("days_since_last_open", 0.2),
        ];
        assert!(ask(&quiet).starts_with("re-engage"));
        assert!(ask(&[("sustainer_tenure_days", 0.5)]).starts_with("welcome call"));
        assert!(ask(&[("systems", 0.5)]).starts_with("thank them;"));
        assert_eq!(ask(&[("failed_in_a_row", -0.1)]), ask(&[]));
        // Every feature the asks name is one the model has.
        for name in PAYMENT_FEATURES
            .iter()
            .chain(&EMAIL_FEATURES)
            .chain(&[NEW_SUSTAINER_FEATURE])
        {
            assert!(features::index_of(name).is_some(), "{name}");
        }
    }

    #[test]
    fn actions_name_an_amount_from_the_persons_giving() {
        let mut values = vec![0.0; FEATURES.len()];
        values[features::index_of("giving_12m").unwrap()] = 170.0;
        values[features::index_of("monthly_amount").unwrap()] = 10.0;
        values[features::index_of("largest_gift").unwrap()] = 2500.0;
        assert_eq!(
            action(Target::BecomeSustainer, &values),
            "invite to become a sustainer at $15/month"
        );
        assert_eq!(
            action(Target::RaiseMonthly, &values),
            "ask to raise $10 to $15/month"
        );
        assert!(action(Target::MajorGift, &values).contains("largest gift $2500"));
    }
}
