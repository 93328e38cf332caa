//! Identity resolution: normalise -> block -> compare -> score -> cluster -> survivorship.
//!
//! The compute core ([`score_pairs`], [`cluster::cluster`], [`survivorship::golden`]) works
//! on in-memory records; [`run`] loads from the store, computes, and writes everything in
//! one transaction, re-reading steward decisions inside it so none made during a run is lost.

pub mod block;
pub mod cluster;
pub mod compare;
pub mod estimate;
pub mod evaluate;
pub mod household;
pub mod merge_check;
pub mod model;
pub mod nicknames_seen;
pub use crate::normalize;
pub mod review;
pub(crate) use crate::stable_hash::{Fnv1a, hash_parts, stable_hash};
pub mod settings;
pub mod survivorship;

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::store::Db;
use crate::store::deferred::{DeferredIndexes, table_is_empty};
use crate::store::read::{Records, joined};
use crate::store::resolve::{self as sql, CandidateRow, WriteStats};
use crate::store::search_index::{DeferredSearch, PrebuiltSearch};
use crate::store::summary::{self, FactsByRecord, Summary};
use crate::vocab::record::Value;
use compare::Rec;
use compare::system_id;
use model::MatchModel;
use nicknames_seen::NicknamesSeen;
use settings::ResolutionConfig;
use survivorship::RawFields;

/// The tables a resolution run writes golden records into.
const GOLDEN_TABLES: [&str; 4] = [
    "constituent",
    "constituent_member",
    "constituent_summary",
    "audit_event",
];

/// A compared pair in a band (auto or review), kept small: a large run holds millions.
/// Its contributions are worked out from the comparison when it is stored.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub a: u32,
    pub b: u32,
    pub score: f64,
    pub rule: &'static str,
    pub comparison: compare::Comparison,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Band {
    Auto,
    Review,
    NoMatch,
}

impl Band {
    pub fn of(score: f64, config: &ResolutionConfig) -> Band {
        let t = &config.thresholds;
        Band::between(score, t.auto_match, t.review)
    }

    /// The band of `score` under these thresholds.
    pub fn between(score: f64, auto_match: f64, review: f64) -> Band {
        if score >= auto_match {
            Band::Auto
        } else if score >= review {
            Band::Review
        } else {
            Band::NoMatch
        }
    }
}

/// Two records, by index into the run's records.
pub type Pair = (u32, u32);

/// A scored pair in a band, by index: (a, b, score).
pub type Match = (u32, u32, f64);

/// What comparing the blocked pairs leaves: the pairs in a band, and the conflicts.
#[derive(Debug, Default)]
pub struct Scoring {
    pub candidates: Vec<Candidate>,
    /// Household conflicts: cannot-links for this run's clustering only. Nobody reviews
    /// them and they are not stored (a steward's re-clustering recomputes the guard for
    /// its neighbourhood); at a million people there are ten million of them, so they are
    /// kept as bare pairs.
    pub conflicts: Vec<Pair>,
    /// Every compared pair by band, with the number of one person its scores expect.
    pub expected: estimate::PairsByBand,
}

/// Compare every blocked pair, learn the match model from what they show (and from the
/// stewards' decisions in `labels`; not from the `names_only` pairs, see `learn`), then
/// score them: keep the pairs in a band, and the conflicts (two people this run must keep
/// apart).
pub fn score_pairs(
    records: &[Rec],
    mut pairs: Vec<Pair>,
    names_only: &[Pair],
    labels: &sql::Links,
    config: &ResolutionConfig,
    stored: Option<MatchModel>,
) -> (MatchModel, Scoring) {
    let (model, sample) = match stored {
        Some(model) => (model, None),
        None => {
            let (mut model, sample) = learn(records, &pairs, names_only, labels);
            model.fit.blocking = Some(config.blocking.clone());
            (model, Some(sample))
        }
    };
    let comparer = compare::Comparer::new(&model, config, records.len());
    let mut is_conflict = vec![false; pairs.len()];
    let chunks: Vec<(Vec<Candidate>, estimate::PairsByBand)> = pairs
        .par_chunks(PAIR_CHUNK)
        .zip(is_conflict.par_chunks_mut(PAIR_CHUNK))
        .enumerate()
        .map(|(chunk, (pairs, conflicts))| {
            // The fit's vectors of this chunk's sampled pairs, in pair order.
            let mut fitted = sample.as_ref().map(|s| (s, s.by_chunk[chunk].iter()));
            let mut candidates = Vec::new();
            let mut expected = estimate::PairsByBand::default();
            let each = pair_records(records, pairs).zip(pairs.iter().zip(conflicts));
            for ((ra, rb), (&(a, b), conflict)) in each {
                let known = fitted.as_mut().and_then(|(s, vectors)| {
                    s.includes(ra, rb)
                        .then(|| vectors.next().copied())
                        .flatten()
                });
                // The levels alone: a candidate's similarities are computed below, for
                // the few pairs that become candidates.
                let vector = known.unwrap_or_else(|| comparer.levels(ra, rb));
                let (score, rule) = comparer.score(ra, rb, &vector);
                expected.add(Band::of(score, config), score);
                if score < config.thresholds.review {
                    *conflict = comparer.is_conflict(&vector, score);
                    continue;
                }
                candidates.push(Candidate {
                    a,
                    b,
                    score,
                    rule,
                    comparison: comparer.comparison(ra, rb),
                });
            }
            (candidates, expected)
        })
        .collect();
    let (candidates, expected) = chunks.into_iter().fold(
        (Vec::new(), estimate::PairsByBand::default()),
        |(mut all, expected), (candidates, more)| {
            all.extend(candidates);
            (all, expected.merge(more))
        },
    );
    let mut flags = is_conflict.into_iter();
    pairs.retain(|_| flags.next().unwrap_or(false));
    (
        model,
        Scoring {
            candidates,
            conflicts: pairs,
            expected,
        },
    )
}

/// Each pair's two records, asking for those of the pairs a few steps ahead as it goes.
fn pair_records<'r>(
    records: &'r [Rec],
    pairs: &'r [Pair],
) -> impl Iterator<Item = (&'r Rec, &'r Rec)> + 'r {
    pairs.iter().enumerate().map(move |(i, &(a, b))| {
        prefetch_ahead(records, pairs, i);
        (&records[a as usize], &records[b as usize])
    })
}

/// Ask for the records of the pairs a few steps ahead of pair `i`: first the second
/// record itself, then (once that has arrived) its values. Pairs are sorted by their first
/// record, so it is mostly in cache already; the second is anywhere among a million.
#[inline(always)]
fn prefetch_ahead(records: &[Rec], pairs: &[Pair], i: usize) {
    if let Some(&(_, b)) = pairs.get(i + 2 * PREFETCH_DISTANCE) {
        records[b as usize].prefetch();
    }
    if let Some(&(_, b)) = pairs.get(i + PREFETCH_DISTANCE) {
        records[b as usize].prefetch_values();
    }
}

/// How many pairs ahead the prefetch asks for: a comparison takes about a microsecond, a
/// load from memory a tenth of one.
const PREFETCH_DISTANCE: usize = 4;

/// Pairs are compared a chunk at a time; the fit keeps each chunk's sampled vectors apart,
/// so that scoring finds them again without a search.
const PAIR_CHUNK: usize = 65_536;

/// The compared pairs EM was fitted on, with their comparison vectors: scoring reads them
/// rather than comparing those pairs a second time (at a million records, two million of
/// the twelve million comparisons a first run makes).
pub struct FitSample {
    /// Every `step`-th pair by a hash of its records' ids (1: every pair).
    step: u64,
    /// Per chunk of `PAIR_CHUNK` pairs: the sampled pairs' vectors, in pair order.
    by_chunk: Vec<Vec<model::Vector>>,
}

impl FitSample {
    /// Whether the pair of these records is in the sample (see `in_fit_sample`).
    fn includes(&self, a: &Rec, b: &Rec) -> bool {
        in_fit_sample(self.step, a, b)
    }
}

/// Whether the pair of these records is among every `step`-th pair. Chosen by the records'
/// ids, so a re-run with a few more records fits on nearly the same pairs.
fn in_fit_sample(step: u64, a: &Rec, b: &Rec) -> bool {
    step == 1 || (stable_hash(&(a.id, b.id)) as u64).is_multiple_of(step)
}

/// EM is fitted on at most this many compared pairs, evenly spread over them: a few
/// million estimate a few dozen probabilities as well as all of a large run's pairs would,
/// without holding every pair's vector.
const FIT_PAIRS: usize = 2_000_000;

/// How many random pairs measure `u` before EM (or every pair of a small file).
const RANDOM_PAIRS: u64 = 200_000;

/// Fit the match model on this run's compared pairs (an even sample of them when there
/// are more than `FIT_PAIRS`); the sample's vectors come back for scoring. The pairs only
/// a key of names alone compared (`names_only`, sorted) are in the sample, for scoring,
/// but EM does not count them: chosen for sharing names, most are namesakes, and a fit
/// over them can find "same names" where it should find "one person".
pub fn learn(
    records: &[Rec],
    pairs: &[Pair],
    names_only: &[Pair],
    labels: &sql::Links,
) -> (MatchModel, FitSample) {
    let seen = NicknamesSeen::of(records);
    let step = pairs.len().div_ceil(FIT_PAIRS).max(1) as u64;
    let (by_chunk, chunk_counts): (Vec<Vec<model::Vector>>, Vec<model::VectorCounts>) = pairs
        .par_chunks(PAIR_CHUNK)
        .map(|chunk| {
            let mut counts = model::VectorCounts::default();
            let sampled: Vec<Pair> = pair_records(records, chunk)
                .zip(chunk)
                .filter(|((ra, rb), _)| in_fit_sample(step, ra, rb))
                .map(|(_, &pair)| pair)
                .collect();
            let vectors = pair_records(records, &sampled)
                .zip(&sampled)
                .map(|((ra, rb), pair)| {
                    let v = compare::levels_in(&seen, ra, rb);
                    if names_only.binary_search(pair).is_err() {
                        match ra.source == rb.source {
                            true => counts.add_within(system_id(&ra.source), v),
                            false => counts.add(v),
                        }
                    }
                    v
                })
                .collect();
            (vectors, counts)
        })
        .unzip();
    let sample = FitSample { step, by_chunk };
    let mut counts = chunk_counts
        .into_iter()
        .fold(model::VectorCounts::default(), model::VectorCounts::merge);
    // Decisions on records of this run: each a labelled example.
    let index = |id: &i64| records.binary_search_by_key(id, |r| r.id).ok();
    for (pairs, into) in [
        (&labels.0, &mut counts.matches),
        (&labels.1, &mut counts.non_matches),
    ] {
        for (a, b) in pairs {
            if let (Some(a), Some(b)) = (index(a), index(b)) {
                let v = compare::levels_in(&seen, &records[a], &records[b]);
                *into.entry(v).or_default() += 1;
            }
        }
    }
    for (a, b) in &labels.0 {
        if let (Some(a), Some(b)) = (index(a), index(b))
            && records[a].source == records[b].source
        {
            let system = system_id(&records[a].source);
            *counts.matches_within_system.entry(system).or_default() += 1;
        }
    }
    let random = random_vectors(records, &seen, RANDOM_PAIRS);
    let fit = model::FitReport {
        records: records.len() as u64,
        compared_pairs: pairs.len() as u64,
        names_only_pairs: names_only.len() as u64,
        random_pairs: random.len() as u64,
        ..model::FitReport::default()
    };
    let mut learned = MatchModel::fit(&counts, model::random_u(&random), fit);
    let [first, last, birth, city] = exact_agreement_by_chance(records);
    learned.u_exact_random = [first, last];
    learned.u_exact_birth_random = birth;
    learned.u_exact_city_random = city;
    learned.nicknames_seen = seen;
    learned.learn_systems(&counts, &records_by_system(records));
    (learned, sample)
}

/// How many records each system (source) holds, by name.
fn records_by_system(records: &[Rec]) -> Vec<(String, u64)> {
    let mut by_system: HashMap<&str, u64> = HashMap::new();
    for r in records {
        *by_system.entry(&*r.source).or_default() += 1;
    }
    let mut systems: Vec<(String, u64)> = (by_system.into_iter())
        .map(|(system, n)| (system.to_string(), n))
        .collect();
    systems.sort();
    systems
}

/// Comparison vectors of random pairs (a fixed seed: the same file gives the same model).
fn random_vectors(records: &[Rec], seen: &NicknamesSeen, sample: u64) -> Vec<model::Vector> {
    let n = records.len();
    if n < 2 {
        return Vec::new();
    }
    let all_pairs = (n as u64) * (n as u64 - 1) / 2;
    if all_pairs <= sample {
        return (0..n)
            .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
            .map(|(a, b)| compare::levels_in(seen, &records[a], &records[b]))
            .collect();
    }
    // Each record's partners are chosen by its id, not by its position or a random stream:
    // the next run, with a few records more, samples nearly the same pairs and so learns
    // nearly the same model (golden records stay as they were).
    let partners = (sample as usize).div_ceil(n);
    // A file of more records than the sample has pairs gives its one partner to a share of
    // them, chosen by id as well (a million records took a million pairs).
    let share = sample as f64 / n as f64;
    let chosen =
        |id: i64| share >= 1.0 || (stable_hash(&id) as u64 as f64) < share * u64::MAX as f64;
    let ids: Vec<i64> = records.iter().map(|r| r.id).collect();
    records
        .par_iter()
        .enumerate()
        .filter(|(_, r)| chosen(r.id))
        .flat_map_iter(|(a, r)| {
            let ids = &ids;
            (0..partners as u64).filter_map(move |k| {
                let b = ids.partition_point(|id| *id < random_id(ids, (r.id, k)));
                (a != b).then(|| compare::levels_in(seen, r, &records[b]))
            })
        })
        .collect()
}

/// An id between the first and last of `ids` (sorted), drawn by hashing `seed`. Drawn
/// within a power-of-two span so that more records change few draws; a draw past the last
/// id is drawn again, never folded onto one record (which once made a third of the random
/// pairs share one record, and `u` that record's names).
fn random_id(ids: &[i64], seed: (i64, u64)) -> i64 {
    let (first, last) = (ids[0], ids[ids.len() - 1]);
    let range = (last - first) as u64 + 1;
    let span = range.next_power_of_two();
    // Each attempt lands past the last id less than half the time: 64 all past it would
    // take odds of 2^-64, and then the draw folds into the range.
    let offset = (0u64..64)
        .map(|attempt| stable_hash(&(seed, attempt)) as u64 % span)
        .find(|offset| *offset < range)
        .unwrap_or_else(|| stable_hash(&seed) as u64 % range);
    first + offset as i64
}

/// The chance that two random records share a first name, a surname, a birth date and a
/// city: the sum over values of each value's share squared.
fn exact_agreement_by_chance(records: &[Rec]) -> [f64; 4] {
    let share = |count: fn(&Rec) -> u32| {
        let known: Vec<f64> = records
            .iter()
            .map(count)
            .filter(|c| *c > 0)
            .map(f64::from)
            .collect();
        let n = records.len().max(1) as f64;
        // Summed over records, c/n^2 per record of a name seen c times is c^2/n^2 per name.
        known.iter().sum::<f64>() / (n * n)
    };
    [
        share(|r| r.first_name_count),
        share(|r| r.last_name_count),
        share(|r| r.birth_date_count),
        share(|r| r.city_count),
    ]
}

/// Household conflicts among `records`, by index: every pair compared. For a steward's
/// neighbourhood (a few golden records), not for a whole run.
pub fn conflicts_among(
    records: &[Rec],
    model: &MatchModel,
    config: &ResolutionConfig,
) -> Vec<(u32, u32)> {
    let comparer = compare::Comparer::new(model, config, records.len());
    let mut out = Vec::new();
    for a in 0..records.len() {
        for b in a + 1..records.len() {
            if comparer.compare(&records[a], &records[b]).conflict {
                out.push((a as u32, b as u32));
            }
        }
    }
    out
}

pub use crate::store::resolve::GoldenRecord;

/// Cluster records (by index) and build their golden records and summaries from the
/// members' facts. The facts are consumed: every summary is made first and the facts
/// dropped before the golden records are, so the two are never held together (at a
/// million records each is some 400 MiB).
pub fn build_groups(
    ids: &[i64],
    raws: &[RawFields],
    matches: &[Match],
    conflicts: &[Pair],
    constraints: &sql::Links,
    facts: FactsByRecord,
    config: &ResolutionConfig,
) -> Vec<GoldenRecord> {
    // Records come in id order (as the store loads them).
    debug_assert!(ids.windows(2).all(|w| w[0] < w[1]));
    let index = |id: &i64| ids.binary_search(id).ok().map(|i| i as u32);
    let pair = |(a, b): &(i64, i64)| Some((index(a)?, index(b)?));
    let must: Vec<(u32, u32)> = constraints.0.iter().filter_map(pair).collect();
    let mut cannot: Vec<(u32, u32)> = constraints.1.iter().filter_map(pair).collect();
    // Household conflicts are cannot-links for this run: a chain of strong links must not
    // join two people whose own comparison says they differ.
    cannot.extend_from_slice(conflicts);
    let mut edges: Vec<(u32, u32, f64)> = matches
        .iter()
        .filter(|m| m.2 >= config.thresholds.auto_match)
        .copied()
        .collect();
    let groups = cluster::cluster(ids.len(), &must, &cannot, &mut edges);
    let members_of =
        |g: &[u32]| -> Vec<&RawFields> { g.iter().map(|i| &raws[*i as usize]).collect() };
    let summaries: Vec<Summary> = groups
        .par_iter()
        .map(|g| Summary::of(&members_of(g), &facts))
        .collect();
    drop(facts);
    groups
        .par_iter()
        .zip(summaries)
        .map(|(g, summary)| GoldenRecord {
            members: g.iter().map(|i| ids[*i as usize]).collect(),
            golden: survivorship::golden(&members_of(g), config),
            summary,
        })
        .collect()
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct RunSummary {
    pub records: u64,
    pub candidate_pairs: u64,
    pub auto_pairs: u64,
    pub review_pairs: u64,
    pub conflict_pairs: u64,
    /// The compared pairs by band, with how many of them the model expects to be one
    /// person (see `estimate`).
    pub expected: estimate::PairsByBand,
    /// The stewards' standing decisions against the scores they were made at.
    pub decided: Vec<estimate::DecidedBand>,
    /// What the match model was fitted on (the model itself is stored with the run).
    pub model: model::FitReport,
    /// The stored model still fitted the data and scored this run (see
    /// `MatchModel::still_fits`); otherwise the run learned a new one.
    pub model_reused: bool,
    pub capped_blocks: Vec<block::CappedBlock>,
    /// The emails and phones more records hold than a block may, compared as missing (see
    /// `forget_shared_contacts`): their kind and how many records hold each.
    pub shared_contacts: Vec<block::CappedBlock>,
    pub write: WriteStats,
    /// The households rebuilt from the golden records.
    pub households: crate::store::household::HouseholdStats,
    pub millis_load: u64,
    pub millis_block: u64,
    pub millis_compare: u64,
    pub millis_cluster: u64,
    pub millis_write: u64,
}

/// How a run goes about its model.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Fit the match model anew even if the stored one still fits the data.
    pub relearn: bool,
}

/// Resolve every source record in the store into golden records.
pub fn run(
    db: &mut Db,
    config: &ResolutionConfig,
    actor: &str,
    progress: &dyn Progress,
) -> Result<RunSummary> {
    run_with(db, config, actor, progress, RunOptions::default())
}

/// `run`, with options.
pub fn run_with(
    db: &mut Db,
    config: &ResolutionConfig,
    actor: &str,
    progress: &dyn Progress,
    options: RunOptions,
) -> Result<RunSummary> {
    std::thread::scope(|scope| {
        // Every record's facts are needed only when the run writes: a store on disk has
        // them read on a second connection from the start, beside loading, blocking and
        // comparing. (An in-memory store has only the one connection: read them then.)
        let facts_reader = db.on_disk().then(|| {
            let path = db.path().to_path_buf();
            scope.spawn(move || read_facts(&Db::open_read_only(&path)?))
        });
        let facts = |db: &Db| match facts_reader {
            Some(reader) => joined(reader),
            None => read_facts(db),
        };
        resolve_and_write(db, config, actor, progress, options, facts)
    })
}

/// `run`, with the records' facts read by `facts` when they are needed.
fn resolve_and_write(
    db: &mut Db,
    config: &ResolutionConfig,
    actor: &str,
    progress: &dyn Progress,
    options: RunOptions,
    facts: impl FnOnce(&Db) -> Result<FactsByRecord>,
) -> Result<RunSummary> {
    let mut summary = RunSummary::default();
    let t = Instant::now();
    progress.update("resolve: load", 0, 5);
    let (mut records, mut raws) = sql::load_records(&db.conn)?;
    count_value_frequencies(&mut records);
    summary.shared_contacts = forget_shared_contacts(&mut records, config.blocking.max_block_size);
    summary.records = records.len() as u64;
    summary.millis_load = t.elapsed().as_millis() as u64;

    let t = Instant::now();
    progress.update("resolve: block", 1, 5);
    let blocks = block::block(&records, &config.blocking.keys, &config.blocking);
    summary.candidate_pairs = blocks.pairs.len() as u64;
    summary.capped_blocks = blocks.capped;
    summary.millis_block = t.elapsed().as_millis() as u64;
    check(progress)?;

    let t = Instant::now();
    progress.update("resolve: compare", 2, 5);
    let labels = sql::load_constraints(&db.conn)?;
    let decisions = (labels.0.len() + labels.1.len()) as u64;
    summary.decided = estimate::decisions_against_scores(&db.conn)?;
    let stored = match options.relearn {
        true => None,
        false => MatchModel::latest(&db.conn)?
            .filter(|m| m.still_fits(records.len(), decisions, &config.blocking)),
    };
    summary.model_reused = stored.is_some();
    let (
        mut model,
        Scoring {
            candidates,
            conflicts,
            expected,
        },
    ) = score_pairs(
        &records,
        blocks.pairs,
        &blocks.names_only,
        &labels,
        config,
        stored,
    );
    model.fit.decisions = decisions;
    summary.model = model.fit.clone();
    summary.conflict_pairs = conflicts.len() as u64;
    summary.expected = expected;
    summary.millis_compare = t.elapsed().as_millis() as u64;
    check(progress)?;

    progress.update("resolve: write", 3, 5);
    let t = Instant::now();
    // From here on only the records' ids and value counts are needed: their normalised
    // fields go before the facts arrive (at a million records, hundreds of megabytes).
    let ids: Vec<i64> = records.iter().map(|r| r.id).collect();
    let counts: Vec<compare::ValueCounts> = records.iter().map(Rec::value_counts).collect();
    let record_count = records.len();
    crate::drop_elsewhere(records);
    let facts = facts(db)?;
    summary::note_last_seen(&mut raws, &facts);
    let matches: Vec<Match> = candidates.iter().map(|c| (c.a, c.b, c.score)).collect();
    let comparer = compare::Comparer::new(&model, config, record_count);
    let rows = CandidateRows::new(candidates, (&ids, &counts), &facts, &comparer, config);
    summary.auto_pairs = rows
        .candidates
        .iter()
        .filter(|c| Band::of(c.score, config) == Band::Auto)
        .count() as u64;
    summary.review_pairs = rows.candidates.len() as u64 - summary.auto_pairs;

    crate::store::bulk_load(db, |db| {
        write_run(
            db,
            config,
            actor,
            progress,
            &ids,
            raws,
            (&matches, &conflicts),
            &rows,
            facts,
            &model,
            &mut summary,
        )
    })?;
    summary.millis_write = t.elapsed().as_millis() as u64 - summary.millis_cluster;
    crate::drop_elsewhere((rows.candidates, matches, conflicts, ids, counts));
    progress.update("resolve: done", 5, 5);
    Ok(summary)
}

/// The scored pairs to store, each with what a wrong call on it risks. Their rows (with
/// the explanation as JSON) are made in chunks as they are written.
struct CandidateRows<'r> {
    candidates: Vec<Candidate>,
    /// Per candidate: both records' lifetime giving, and whether a sustainer is involved.
    stakes: Vec<(i64, bool)>,
    ids: &'r [i64],
    counts: &'r [compare::ValueCounts],
    comparer: &'r compare::Comparer<'r>,
    config: &'r ResolutionConfig,
}

/// Candidates made into rows at a time.
const ROW_CHUNK: usize = 65_536;

impl<'r> CandidateRows<'r> {
    fn new(
        candidates: Vec<Candidate>,
        (ids, counts): (&'r [i64], &'r [compare::ValueCounts]),
        facts: &FactsByRecord,
        comparer: &'r compare::Comparer<'r>,
        config: &'r ResolutionConfig,
    ) -> CandidateRows<'r> {
        let stake = |i: u32| {
            let f = facts.get(ids[i as usize]);
            (
                f.map_or(0, |f| f.lifetime_cents),
                f.is_some_and(|f| f.active_recurring),
            )
        };
        let stakes = candidates
            .par_iter()
            .map(|c| {
                let ((cents_a, sustainer_a), (cents_b, sustainer_b)) = (stake(c.a), stake(c.b));
                (cents_a + cents_b, sustainer_a || sustainer_b)
            })
            .collect();
        CandidateRows {
            candidates,
            stakes,
            ids,
            counts,
            comparer,
            config,
        }
    }

    /// A hash of everything the rows are made from: the same as the last run's means the
    /// stored rows are this run's already.
    fn digest(&self) -> i64 {
        let model = serde_json::to_string(self.comparer.model).unwrap_or_default();
        let mut h = Fnv1a::default();
        model.hash(&mut h);
        for (c, stake) in self.candidates.iter().zip(&self.stakes) {
            (
                self.ids[c.a as usize],
                self.ids[c.b as usize],
                c.score.to_bits(),
                c.rule,
            )
                .hash(&mut h);
            (
                c.comparison.vector,
                c.comparison.similarity.map(f32::to_bits),
                stake,
            )
                .hash(&mut h);
        }
        h.finish() as i64
    }

    fn rows(&self) -> impl Iterator<Item = Result<Vec<CandidateRow<'static>>>> + '_ {
        self.candidates
            .chunks(ROW_CHUNK)
            .zip(self.stakes.chunks(ROW_CHUNK))
            .map(|(candidates, stakes)| {
                candidates
                    .par_iter()
                    .zip(stakes)
                    .map(|(c, &(stake_cents, sustainer))| self.row(c, stake_cents, sustainer))
                    .collect()
            })
    }

    fn row(
        &self,
        c: &Candidate,
        stake_cents: i64,
        sustainer: bool,
    ) -> Result<CandidateRow<'static>> {
        let (a, b) = (c.a as usize, c.b as usize);
        let contributions = self.comparer.contributions(
            self.counts[a],
            self.counts[b],
            &c.comparison,
            c.score,
            c.rule,
        );
        Ok(CandidateRow {
            a: self.ids[a],
            b: self.ids[b],
            score: c.score,
            band: match Band::of(c.score, self.config) {
                Band::Auto => "auto",
                _ => "review",
            },
            rule: c.rule,
            contributions: compare::encode_contributions(&contributions)?,
            stake_cents,
            sustainer,
        })
    }
}

/// Every record's facts, reduced, as of the data's as-of date.
fn read_facts(db: &Db) -> Result<FactsByRecord> {
    let as_of = sql::data_as_of(&db.conn)?;
    summary::record_facts(&db.conn, &as_of, Records::All)
}

/// Cluster and write a run in one transaction, with the store's bulk-load settings: the
/// ids written come from records read in this run or rows created in this transaction,
/// so per-row foreign-key checks (and the statement journals they force) add nothing.
#[allow(clippy::too_many_arguments)]
fn write_run(
    db: &mut Db,
    config: &ResolutionConfig,
    actor: &str,
    progress: &dyn Progress,
    ids: &[i64],
    raws: Vec<RawFields>,
    (matches, conflicts): (&[Match], &[Pair]),
    rows: &CandidateRows,
    facts: FactsByRecord,
    model: &MatchModel,
    summary: &mut RunSummary,
) -> Result<()> {
    // A store on disk can take a second connection (an in-memory one cannot).
    let store = db.on_disk().then(|| db.path().to_path_buf());
    let tx = db
        .conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Decisions are read inside the write transaction: one made while we computed counts.
    let constraints = sql::load_constraints(&tx)?;
    if !summary.model_reused {
        model.save(&tx)?;
    }
    // Clustering is computation only: it runs on its own thread (and rayon's) while this
    // one, the connection's, stores the candidates and reads the current membership.
    let (groups, stored) = std::thread::scope(|scope| {
        let clustering = scope.spawn(|| {
            let t = Instant::now();
            let groups = build_groups(ids, &raws, matches, conflicts, &constraints, facts, config);
            // The golden records hold what was needed of the raw fields.
            drop(raws);
            (groups, t.elapsed())
        });
        let stored = sql::replace_candidates(&tx, rows.digest(), rows.rows()).and_then(|()| {
            Ok((
                sql::membership(&tx, None)?,
                table_is_empty(&tx, "constituent")?,
            ))
        });
        let (groups, took) = clustering
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        summary.millis_cluster = took.as_millis() as u64;
        (groups, stored)
    });
    let (previous, first_resolution) = stored?;
    // A first resolution's search index is built beside its main transaction
    // (`PrebuiltSearch`); a later run's few entries are written after it.
    let (search, prebuilt) = std::thread::scope(|scope| {
        let prebuilding = store
            .as_deref()
            .filter(|_| first_resolution)
            .map(|store| scope.spawn(|| PrebuiltSearch::build(store, &groups)));
        let committed = commit_golden_records(
            tx,
            &groups,
            &previous,
            first_resolution,
            actor,
            progress,
            summary,
        );
        (committed, prebuilding.map(joined))
    });
    crate::drop_elsewhere(groups);
    let search = search?;
    // The search entries are written in a transaction of their own while the committed run
    // is copied from the WAL into the store on a second connection, instead of both in turn.
    let checkpointer = crate::store::Checkpointer::start(db);
    checkpointer.batch_committed();
    // A prebuilt index that failed to build is no loss: the same entries are written here.
    match prebuilt.and_then(Result::ok).filter(|p| p.holds(&search)) {
        Some(prebuilt) => prebuilt.install(search)?,
        None => {
            let tx = db
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            search.write(&tx)?;
            tx.commit()?;
        }
    }
    checkpointer.finish();
    Ok(())
}

/// Write the run's golden records, their members, summaries and audit entries, and commit,
/// leaving their search entries for later (the mark returned). `previous` is every
/// record's golden record before the run; a first resolution has none.
fn commit_golden_records(
    tx: rusqlite::Transaction,
    groups: &[GoldenRecord],
    previous: &HashMap<i64, i64>,
    first_resolution: bool,
    actor: &str,
    progress: &dyn Progress,
    summary: &mut RunSummary,
) -> Result<DeferredSearch> {
    // A first resolution fills the golden-record tables from empty: their indexes are
    // built once afterwards instead of walked per row.
    let mut deferred = Vec::new();
    if first_resolution {
        for table in GOLDEN_TABLES {
            deferred.push(DeferredIndexes::drop(&tx, table, "", "CREATE INDEX")?);
        }
    }
    let (written, search) =
        sql::write_constituents(&tx, groups, previous, actor, false, "auto_merge")?;
    summary.write = written;
    let search = DeferredSearch::mark(&tx, search)?;
    for indexes in deferred {
        indexes.rebuild(&tx)?;
    }
    // Households follow golden records: a run that changed none of them (a re-run over
    // the same data) leaves them as they are; stewards' decisions rebuild their own.
    let w = &summary.write;
    let untouched = w.created == 0 && w.retired == 0 && w.unchanged == w.constituents;
    let standing = crate::store::household::stats(&tx)?;
    summary.households = if untouched && !first_resolution && standing.households > 0 {
        standing
    } else {
        household::rebuild_all(&tx, &crate::store::resolve::now())?
    };
    sql::audit(
        &tx,
        actor,
        "resolution_run",
        None,
        (None, None),
        None,
        "resolution run",
        &serde_json::json!({
            "records": summary.records, "auto_pairs": summary.auto_pairs, "review_pairs": summary.review_pairs,
            "constituents": summary.write.constituents, "created": summary.write.created, "retired": summary.write.retired,
            "expected": summary.expected,
        })
        .to_string(),
    )?;
    check(progress)?;
    crate::store::commit_with_wal_writeback(tx)?;
    Ok(search)
}

/// The contacts a placeholder can stand in, by the kind `forget_shared_contacts` reports
/// them as: the value itself first, then what else makes it one (a street address is one
/// home only with its unit and ZIP).
const CONTACTS: [(&str, &[Value]); 3] = [
    ("email", &[Value::Email]),
    ("phone", &[Value::Phone]),
    ("address", &[Value::Address, Value::Unit, Value::Zip]),
];

/// A record's contact of these values, hashed (`None`: it has none).
fn contact_key(r: &Rec, values: &[Value]) -> Option<u64> {
    r.value(values[0])?;
    let mut parts = [""; 3];
    for (part, value) in parts.iter_mut().zip(values) {
        *part = r.value(*value).unwrap_or_default();
    }
    Some(hash_parts(&parts[..values.len()]))
}

/// More surnames than one person's or one home's records show on one contact, typos
/// included (Splink's fake 20k, whose names are corrupted freely, shows at most 5 on one
/// person's email; a home, a married name and a child's other surname).
const MANY_SURNAMES: usize = 8;

/// Whether a contact so held is nobody's own: more records hold it than a block may
/// (`limit`), or records under more surnames than one person's or home's (`MANY_SURNAMES`).
fn nobodys(holders: sql::ContactHolders, limit: usize) -> bool {
    holders.records > limit || holders.surnames > MANY_SURNAMES
}

/// The contacts (email, phone, street address) that are nobody's own: a placeholder
/// ("noemail@…", 555-555-5555, the organisation's own address as a default) or a
/// switchboard, held by more records than a block may (`limit`, the blocking's
/// `max_block_size`) or under more surnames than one person's or home's. Matching treats
/// them as missing (in a small file, 58 sign-ups on one "noemail@" were most of the pairs
/// EM learned from); the records keep them (golden records, search and consent read the
/// stored values). Returns each such value's kind and how many records hold it, largest
/// first (not the value: it may be someone's).
pub fn forget_shared_contacts(records: &mut [Rec], limit: usize) -> Vec<block::CappedBlock> {
    // Each record's contacts, hashed (0: none), and every one of them sorted by value: the
    // values more records hold than one person's or home's (or a block) are runs of keys.
    let keys: Vec<[u64; CONTACTS.len()]> = records
        .par_iter()
        .map(|r| std::array::from_fn(|i| contact_key(r, CONTACTS[i].1).unwrap_or(0)))
        .collect();
    let mut held: Vec<(u64, usize)> = (keys.par_iter())
        .flat_map_iter(|k| {
            k.iter()
                .enumerate()
                .filter(|(_, k)| **k != 0)
                .map(|(i, k)| (*k, i))
        })
        .collect();
    held.par_sort_unstable();
    type ByKey<T> = HashMap<(u64, usize), T, std::hash::BuildHasherDefault<Fnv1a>>;
    let mut holders: ByKey<sql::ContactHolders> = held
        .chunk_by(|a, b| a == b)
        .filter(|run| run.len() > MANY_SURNAMES.min(limit))
        .map(|run| {
            let holders = sql::ContactHolders {
                records: run.len(),
                surnames: 0,
            };
            (run[0], holders)
        })
        .collect();
    drop(held);
    if holders.is_empty() {
        return Vec::new();
    }
    // Their surnames (few values: counted one record at a time).
    let mut surnames: ByKey<HashSet<&str>> = HashMap::default();
    for (r, k) in records.iter().zip(&keys) {
        for (i, key) in k.iter().enumerate() {
            if let Some(last) = r.last()
                && holders.contains_key(&(*key, i))
            {
                surnames.entry((*key, i)).or_default().insert(last);
            }
        }
    }
    for (k, names) in surnames {
        if let Some(h) = holders.get_mut(&k) {
            h.surnames = names.len();
        }
    }
    holders.retain(|_, h| nobodys(*h, limit));
    let mut shared: Vec<block::CappedBlock> = (holders.iter())
        .map(|((_, i), h)| block::CappedBlock {
            key: CONTACTS[*i].0.to_string(),
            size: h.records,
        })
        .collect();
    shared.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.key.cmp(&b.key)));
    for (r, k) in records.iter_mut().zip(&keys) {
        for (i, key) in k.iter().enumerate() {
            if *key != 0 && holders.contains_key(&(*key, i)) {
                r.set(CONTACTS[i].1[0], None);
            }
        }
    }
    shared
}

/// Forget each record's contact that is nobody's own, as `holders` says who holds a
/// record's contact of a kind ("email", "phone", "address").
pub fn forget_contacts(
    records: &mut [Rec],
    limit: usize,
    holders: &dyn Fn(&'static str, &Rec) -> sql::ContactHolders,
) {
    for r in records.iter_mut() {
        let nobodys: [bool; CONTACTS.len()] = std::array::from_fn(|i| {
            let (kind, values) = CONTACTS[i];
            r.value(values[0]).is_some() && nobodys(holders(kind, r), limit)
        });
        for ((_, values), forget) in CONTACTS.iter().zip(nobodys) {
            if forget {
                r.set(values[0], None);
            }
        }
    }
}

/// How many records of the file share each record's first name (its first word), surname,
/// birth date and city: an exact agreement weighs by how common the value is.
pub fn count_value_frequencies(records: &mut [Rec]) {
    type Counts<'r> = HashMap<&'r str, u32, std::hash::BuildHasherDefault<Fnv1a>>;
    let tally = |field: fn(&Rec) -> Option<&str>| {
        let mut counts = Counts::default();
        for value in records.iter().filter_map(field) {
            *counts.entry(value).or_default() += 1;
        }
        counts
    };
    fn first(r: &Rec) -> Option<&str> {
        r.first().map(compare::first_token)
    }
    fn last(r: &Rec) -> Option<&str> {
        r.last()
    }
    fn birth(r: &Rec) -> Option<&str> {
        r.dob()
    }
    fn city(r: &Rec) -> Option<&str> {
        r.city()
    }
    let ((firsts, lasts), (births, cities)) = rayon::join(
        || rayon::join(|| tally(first), || tally(last)),
        || rayon::join(|| tally(birth), || tally(city)),
    );
    let counted: Vec<(u32, u32, u32, u32)> = records
        .par_iter()
        .map(|r| {
            let count = |map: &Counts, value: Option<&str>| {
                value.and_then(|v| map.get(v)).copied().unwrap_or(0)
            };
            (
                count(&firsts, first(r)),
                count(&lasts, last(r)),
                count(&births, birth(r)),
                count(&cities, city(r)),
            )
        })
        .collect();
    for (r, (first, last, birth, city)) in records.iter_mut().zip(counted) {
        r.first_name_count = first;
        r.last_name_count = last;
        r.birth_date_count = birth;
        r.city_count = city;
    }
}

fn check(progress: &dyn Progress) -> Result<()> {
    if progress.is_cancelled() {
        Err(Error::Cancelled)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::record::Value;

    #[test]
    fn pair_records_yields_each_pairs_records_in_order_to_the_last() {
        // More pairs than the prefetch looks ahead, so its look-ahead runs off the end.
        let records: Vec<Rec> = (0..5)
            .map(|id| {
                let mut r = Rec::default();
                r.id = id;
                r
            })
            .collect();
        let pairs: Vec<Pair> = (0..4u32)
            .flat_map(|a| (a + 1..5).map(move |b| (a, b)))
            .collect();
        assert!(pairs.len() > 2 * PREFETCH_DISTANCE);
        let ids: Vec<(i64, i64)> = pair_records(&records, &pairs)
            .map(|(a, b)| (a.id, b.id))
            .collect();
        let expected: Vec<(i64, i64)> = pairs.iter().map(|&(a, b)| (a as i64, b as i64)).collect();
        assert_eq!(ids, expected);
    }

    #[test]
    fn bands_are_inclusive_at_their_lower_threshold_and_follow_the_config() {
        let mut config = ResolutionConfig::shipped();
        let (auto, review) = (config.thresholds.auto_match, config.thresholds.review);
        assert_eq!((auto, review), (0.85, 0.70), "the issue's defaults");
        let below = |t: f64| t - 1e-9;
        for (score, band) in [
            (1.0, Band::Auto),
            (auto, Band::Auto),
            (below(auto), Band::Review),
            (review, Band::Review),
            (below(review), Band::NoMatch),
            (0.0, Band::NoMatch),
        ] {
            assert_eq!(Band::of(score, &config), band, "{score}");
        }
        config.thresholds.auto_match = 0.9;
        config.thresholds.review = 0.6;
        assert_eq!(Band::of(0.88, &config), Band::Review);
        assert_eq!(Band::of(0.65, &config), Band::Review);
        assert_eq!(Band::of(0.59, &config), Band::NoMatch);
    }

    #[test]
    fn random_partners_spread_evenly_over_the_ids_past_a_power_of_two() {
        // 1,100 ids: a span of 2,048, where a draw past the last id once fell on the first.
        let ids: Vec<i64> = (1..=1_100).collect();
        let mut drawn = vec![0u32; ids.len()];
        for record in 1..=1_100 {
            for k in 0..100 {
                let id = random_id(&ids, (record, k));
                assert!((1..=1_100).contains(&id));
                drawn[id as usize - 1] += 1;
            }
        }
        // 100 draws per id on average.
        let most = drawn.iter().max().copied().unwrap_or(0);
        let fewest = drawn.iter().min().copied().unwrap_or(0);
        assert!(
            most < 160 && fewest > 30,
            "from {fewest} to {most} draws per id"
        );
    }

    #[test]
    fn random_pairs_are_as_many_as_the_sample_asks_whatever_the_files_size() {
        let records: Vec<Rec> = (1..=5_000)
            .map(|id| Rec::new(id, "people".into(), Default::default()).with(Value::Last, "lee"))
            .collect();
        let seen = NicknamesSeen::of(&records);
        // Two partners each, then one each for a share of the records.
        let all = random_vectors(&records, &seen, 10_000).len();
        assert!(
            (9_990..=10_000).contains(&all),
            "{all}: a draw of itself is no pair"
        );
        let share = random_vectors(&records, &seen, 1_000).len();
        assert!(
            (850..1_150).contains(&share),
            "{share} pairs for a sample of 1,000"
        );
        // The same records give the same pairs.
        assert_eq!(random_vectors(&records, &seen, 1_000).len(), share);
    }

    /// A file like RLdata10000: people drawn from a few names, each born on a day of their
    /// own, a quarter of them twice.
    fn namesakes_and_their_duplicates() -> (Vec<Rec>, usize) {
        let firsts = [
            "anna", "karl", "maria", "peter", "ursula", "hans", "eva", "dieter",
        ];
        let lasts = [
            "muller", "schmidt", "weber", "wagner", "becker", "hoffmann", "koch",
        ];
        // 1,100 birthdays: strangers share one now and then, as in a town.
        let born = |p: usize| {
            let day = chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap()
                + chrono::Days::new((p * 37 % 1100) as u64);
            day.format("%Y-%m-%d").to_string()
        };
        let mut records = Vec::new();
        let mut true_pairs = 0;
        for p in 0..700 {
            let names = (
                firsts[p % firsts.len()],
                lasts[p / firsts.len() % lasts.len()],
            );
            let copies = if p % 4 == 0 { 2 } else { 1 };
            true_pairs += copies - 1;
            for _ in 0..copies {
                let id = records.len() as i64 + 1;
                records.push(
                    Rec::new(id, "people".into(), Default::default())
                        .with(Value::First, names.0)
                        .with(Value::FirstCanon, names.0)
                        .with(Value::Last, names.1)
                        .with(Value::Dob, &born(p)),
                );
            }
        }
        count_value_frequencies(&mut records);
        (records, true_pairs)
    }

    #[test]
    fn a_key_of_names_alone_adds_pairs_to_score_not_to_learn_from() {
        let (records, true_pairs) = namesakes_and_their_duplicates();
        let mut config = ResolutionConfig::shipped();
        config.blocking.keys = ["birth", "first_last"].map(String::from).to_vec();
        let blocks = block::block(&records, &config.blocking.keys, &config.blocking);
        // Namesakes born on other days meet on `first_last` alone.
        assert!(
            blocks.names_only.len() > 5 * true_pairs,
            "{}",
            blocks.names_only.len()
        );
        let no_labels = (Vec::new(), Vec::new());
        let (model, scoring) = score_pairs(
            &records,
            blocks.pairs.clone(),
            &blocks.names_only,
            &no_labels,
            &config,
            None,
        );
        // Every duplicate is found and no namesake is merged; EM counted only the pairs the
        // birth date brought (on RLdata10000 a fit over the namesakes too took "same names"
        // for one person and merged nobody: BENCHMARKS.md).
        let merged: Vec<(i64, i64)> = (scoring.candidates.iter())
            .filter(|c| c.score >= config.thresholds.auto_match)
            .map(|c| (records[c.a as usize].id, records[c.b as usize].id))
            .collect();
        assert_eq!(merged.len(), true_pairs, "{merged:?}");
        assert!(merged.iter().all(|(a, b)| b - a == 1), "{merged:?}");
        assert_eq!(model.fit.names_only_pairs, blocks.names_only.len() as u64);
        assert_eq!(
            model.fit.fitted_pairs,
            (blocks.pairs.len() - blocks.names_only.len()) as u64
        );
    }

    #[test]
    fn a_contact_more_records_hold_than_a_block_may_is_compared_as_missing() {
        let person = |id: i64, email: &str, phone: &str| {
            Rec::new(id, "s".into(), Default::default())
                .with(Value::First, "ann")
                .with(Value::Last, "lee")
                .with(Value::Email, email)
                .with(Value::Phone, phone)
        };
        // Six sign-ups with the form's placeholder, each with a phone of their own; one
        // woman's two records on her mailbox, one with the first sign-up's phone.
        let file = || {
            let mut records: Vec<Rec> = (0..6)
                .map(|i| person(i, "noemail@wbez.org", &format!("312555010{i}")))
                .collect();
            records.push(person(6, "ann.lee@x.org", "3125550100"));
            records.push(person(7, "ann.lee@x.org", "7735550199"));
            records
        };
        let mut records = file();
        let shared = forget_shared_contacts(&mut records, 5);
        assert_eq!(
            shared,
            [block::CappedBlock {
                key: "email".into(),
                size: 6
            }]
        );
        assert!(records[..6].iter().all(|r| r.email().is_none()));
        assert_eq!(records[6].email(), Some("ann.lee@x.org"));
        assert_eq!(records[0].phone(), Some("3125550100"), "two holders");
        // At the limit a value is still someone's.
        let mut records = file();
        assert!(forget_shared_contacts(&mut records, 6).is_empty());
        assert!(records.iter().all(|r| r.email().is_some()));
        // Two namesakes on the placeholder were one person by the email rule; compared as
        // missing, it is no rule's.
        let (model, config) = (MatchModel::untrained(), ResolutionConfig::shipped());
        let rule = |records: &[Rec]| {
            let comparer = compare::Comparer::new(&model, &config, records.len());
            let levels = comparer.levels(&records[0], &records[1]);
            comparer.score(&records[0], &records[1], &levels).1
        };
        assert_eq!(rule(&records), "email");
        forget_shared_contacts(&mut records, 5);
        assert_eq!(rule(&records), "model");
    }

    #[test]
    fn a_contact_held_under_more_surnames_than_a_home_has_is_nobodys() {
        let holder = |id: i64, last: &str, email: &str| {
            Rec::new(id, "s".into(), Default::default())
                .with(Value::First, "ann")
                .with(Value::Last, last)
                .with(Value::Email, email)
        };
        let surnames = [
            "lee", "ng", "okafor", "roe", "diaz", "kim", "shah", "moss", "hale",
        ];
        // Nine sign-ups under nine surnames on one placeholder, far fewer than a block holds;
        // one woman's ten records under her surname, its typos and her married name.
        let mut records: Vec<Rec> = (surnames.iter().enumerate())
            .map(|(i, last)| holder(i as i64, last, "none@none.com"))
            .collect();
        for (i, last) in [
            "lee", "lea", "leee", "lee", "cho", "lee", "cho", "le", "lee", "lee",
        ]
        .iter()
        .enumerate()
        {
            records.push(holder(20 + i as i64, last, "ann.lee@x.org"));
        }
        let shared = forget_shared_contacts(&mut records, 60);
        assert_eq!(
            shared,
            [block::CappedBlock {
                key: "email".into(),
                size: 9
            }]
        );
        assert!(records[..9].iter().all(|r| r.email().is_none()));
        assert!(
            records[9..]
                .iter()
                .all(|r| r.email() == Some("ann.lee@x.org"))
        );
        // A street address is a home with its unit and ZIP: the organisation's own as a
        // default is nobody's; one flat of a building under one family's name is theirs.
        let at = |id: i64, last: &str, address: &str, unit: &str| {
            Rec::new(id, "s".into(), Default::default())
                .with(Value::Last, last)
                .with(Value::Address, address)
                .with(Value::Unit, unit)
                .with(Value::Zip, "60611")
        };
        let mut records: Vec<Rec> = (surnames.iter().enumerate())
            .map(|(i, last)| at(i as i64, last, "848 e grand ave", ""))
            .collect();
        records
            .extend((0..9).map(|i| at(20 + i, surnames[i as usize % 2], "848 e grand ave", "2")));
        let shared = forget_shared_contacts(&mut records, 60);
        assert_eq!(
            shared,
            [block::CappedBlock {
                key: "address".into(),
                size: 9
            }]
        );
        assert!(records[..9].iter().all(|r| r.address().is_none()));
        assert!(
            records[9..]
                .iter()
                .all(|r| r.address() == Some("848 e grand ave"))
        );
    }

    #[test]
    fn names_birth_dates_and_cities_are_counted_names_by_first_word() {
        let person = |first: &str, last: &str, dob: &str| {
            Rec::default()
                .with(Value::First, first)
                .with(Value::Last, last)
                .with(Value::Dob, dob)
        };
        let mut records = [
            person("ann marie", "lee", "1862-01-01").with(Value::City, "arbroath"),
            person("ann", "lee", "1862-01-01"),
            person("bo", "lee", "1862-01-01").with(Value::City, "london"),
            person("bo", "okonkwo", "").with(Value::City, "london"),
        ];
        count_value_frequencies(&mut records);
        let counts: Vec<(u32, u32, u32, u32)> = records
            .iter()
            .map(|r| {
                let c = (r.first_name_count, r.last_name_count, r.birth_date_count);
                (c.0, c.1, c.2, r.city_count)
            })
            .collect();
        assert_eq!(
            counts,
            [(2, 3, 3, 1), (2, 3, 3, 0), (2, 3, 3, 2), (2, 1, 0, 2)]
        );
        // Two random records share a surname with chance (3/4)^2 + (1/4)^2, a birth date
        // (3/4)^2 (a record without one shares none).
        let chance = exact_agreement_by_chance(&records);
        assert!((chance[1] - 0.625).abs() < 1e-12, "{chance:?}");
        assert!((chance[2] - 0.5625).abs() < 1e-12, "{chance:?}");
    }
}
