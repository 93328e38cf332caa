//! Evaluation against a ground-truth file (source, source_key, entity id[, household id]):
//! pairwise precision, recall and F1, cluster figures, the review load, household merges.
//! Works for any source `config/sources.yaml` maps, not only the generator's.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rayon::prelude::*;
use rusqlite::Connection;
use serde::Serialize;

use super::estimate::PairsByBand;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct Evaluation {
    pub records_in_truth: u64,
    pub records_matched_to_store: u64,
    pub true_pairs: u64,
    pub predicted_pairs: u64,
    pub true_positive_pairs: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub entities: u64,
    pub constituents: u64,
    /// Entities whose records form exactly one golden record holding nothing else.
    pub entities_exactly_resolved: u64,
    /// Golden records that hold more than one true entity.
    pub overmerged_constituents: u64,
    /// Golden records holding two different people of one household.
    pub household_merges: u64,
    pub review_pairs: u64,
    pub review_pairs_true: u64,
    pub review_share_of_records: f64,
    /// Recall were a steward to approve every pair in the review queue.
    pub recall_after_review: f64,
    /// Whether the truth file says who shares a household (else household merges are n/a).
    pub has_households: bool,
    /// Blocking recall and the compared pairs' own scores (see `compared_pairs`).
    pub compared: Option<ComparedPairs>,
    /// The truth's sources of which the store holds no record, and their rows: left out
    /// (`sources_in_the_store`), as a run over some of a file's systems is evaluated.
    pub sources_left_out: SourcesLeftOut,
}

/// Sources and how many truth rows each has.
pub type SourcesLeftOut = Vec<(String, u64)>;

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// How many truth rows each entity has.
fn records_per_entity(truth: &[TruthRow]) -> HashMap<&str, u64> {
    let mut by_entity: HashMap<&str, u64> = HashMap::new();
    for t in truth {
        *by_entity.entry(&t.entity).or_default() += 1;
    }
    by_entity
}

pub struct TruthRow {
    pub source: String,
    pub key: String,
    pub entity: String,
    pub household: Option<String>,
}

pub fn read_truth(path: &Path) -> Result<Vec<TruthRow>> {
    let bad = |message: String| Error::BadFile {
        file: path.to_path_buf(),
        message,
    };
    let mut reader = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
    let headers = reader.headers().map_err(|e| bad(e.to_string()))?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(s), Some(k), Some(e)) = (
        col("source"),
        col("source_key"),
        col("person_id").or(col("entity_id")),
    ) else {
        return Err(bad(
            "expected columns source, source_key and person_id (or entity_id)".into(),
        ));
    };
    let h = col("household_id");
    let mut out = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let row = row.map_err(|e| bad(format!("line {}: {e}", i + 2)))?;
        out.push(TruthRow {
            source: row.get(s).unwrap_or("").to_string(),
            key: row.get(k).unwrap_or("").to_string(),
            entity: row.get(e).unwrap_or("").to_string(),
            household: h.and_then(|h| row.get(h)).map(str::to_string),
        });
    }
    Ok(out)
}

/// The truth rows of the sources the store holds records of, and the others' sources and
/// row counts. A source the store never loaded (a run over the CRM alone, evaluated with the
/// whole file's truth) would count all its pairs as missed; one it loaded counts every row,
/// found or not (a record quarantined at ingest is a pair missed).
pub fn sources_in_the_store(
    conn: &Connection,
    truth: Vec<TruthRow>,
) -> Result<(Vec<TruthRow>, SourcesLeftOut)> {
    let mut stmt = conn.prepare("SELECT DISTINCT source FROM source_record")?;
    let loaded: HashSet<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let (kept, left): (Vec<TruthRow>, Vec<TruthRow>) =
        truth.into_iter().partition(|t| loaded.contains(&t.source));
    let mut left_out: std::collections::BTreeMap<String, u64> = Default::default();
    for t in left {
        *left_out.entry(t.source).or_default() += 1;
    }
    Ok((kept, left_out.into_iter().collect()))
}

/// Evaluate the store's golden records (and review queue) against `truth`. Every truth
/// row counts, found in the store or not: a record lost at ingest is a pair missed.
pub fn evaluate(conn: &Connection, truth: &[TruthRow]) -> Result<Evaluation> {
    let mut find = conn.prepare(
        "SELECT sr.id, cm.constituent_id FROM source_record sr JOIN constituent_member cm ON cm.source_record_id = sr.id
         WHERE sr.source = ?1 AND sr.source_key = ?2",
    )?;
    let mut ev = Evaluation {
        records_in_truth: truth.len() as u64,
        ..Default::default()
    };
    // record id -> (entity, household, constituent)
    let mut rows: HashMap<i64, (&str, Option<&str>, i64)> = HashMap::new();
    for t in truth {
        if let Ok((id, c)) = find.query_row([&t.source, &t.key], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        }) {
            rows.insert(id, (&t.entity, t.household.as_deref(), c));
        }
    }
    ev.records_matched_to_store = rows.len() as u64;
    ev.has_households = truth
        .iter()
        .any(|t| t.household.as_deref().is_some_and(|h| !h.is_empty()));
    let by_entity = records_per_entity(truth);
    let mut by_constituent: HashMap<i64, Vec<(&str, Option<&str>)>> = HashMap::new();
    let mut by_both: HashMap<(&str, i64), u64> = HashMap::new();
    for (entity, household, c) in rows.values() {
        by_constituent
            .entry(*c)
            .or_default()
            .push((entity, *household));
        *by_both.entry((entity, *c)).or_default() += 1;
    }
    ev.true_pairs = by_entity.values().map(|n| pairs(*n)).sum();
    ev.predicted_pairs = by_constituent.values().map(|v| pairs(v.len() as u64)).sum();
    ev.true_positive_pairs = by_both.values().map(|n| pairs(*n)).sum();
    ev.precision = if ev.predicted_pairs > 0 {
        ev.true_positive_pairs as f64 / ev.predicted_pairs as f64
    } else {
        1.0
    };
    ev.recall = if ev.true_pairs > 0 {
        ev.true_positive_pairs as f64 / ev.true_pairs as f64
    } else {
        1.0
    };
    ev.f1 = if ev.precision + ev.recall > 0.0 {
        2.0 * ev.precision * ev.recall / (ev.precision + ev.recall)
    } else {
        0.0
    };
    ev.entities = by_entity.len() as u64;
    ev.constituents = by_constituent.len() as u64;
    for members in by_constituent.values() {
        let mut entities: Vec<&str> = members.iter().map(|m| m.0).collect();
        entities.sort_unstable();
        entities.dedup();
        if entities.len() > 1 {
            ev.overmerged_constituents += 1;
            let mut households: Vec<&str> = members.iter().filter_map(|m| m.1).collect();
            let distinct_people = entities.len();
            households.sort_unstable();
            households.dedup();
            if households.len() < distinct_people && !households.is_empty() {
                ev.household_merges += 1;
            }
        } else if by_entity.get(entities[0]).copied() == Some(members.len() as u64) {
            ev.entities_exactly_resolved += 1;
        }
    }
    let mut review =
        conn.prepare("SELECT record_a, record_b FROM match_candidate WHERE band = 'review'")?;
    let mut approved = Vec::new();
    for pair in review.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))? {
        let (a, b) = pair?;
        ev.review_pairs += 1;
        if let (Some(x), Some(y)) = (rows.get(&a), rows.get(&b)) {
            approved.push((x.2, y.2));
            if x.0 == y.0 {
                ev.review_pairs_true += 1;
            }
        }
    }
    ev.recall_after_review = recall_if_merged(&rows, &approved, ev.true_pairs);
    ev.review_share_of_records = if ev.records_matched_to_store > 0 {
        ev.review_pairs as f64 / ev.records_matched_to_store as f64
    } else {
        0.0
    };
    Ok(ev)
}

/// Recall if every pair of golden records in `merged` became one golden record.
fn recall_if_merged(
    rows: &HashMap<i64, (&str, Option<&str>, i64)>,
    merged: &[(i64, i64)],
    true_pairs: u64,
) -> f64 {
    let mut parent: HashMap<i64, i64> = HashMap::new();
    fn root(parent: &mut HashMap<i64, i64>, x: i64) -> i64 {
        let mut r = x;
        while let Some(&p) = parent.get(&r) {
            if p == r {
                break;
            }
            r = p;
        }
        parent.insert(x, r);
        r
    }
    for &(a, b) in merged {
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        if ra != rb {
            parent.insert(ra, rb);
        }
    }
    let mut by_both: HashMap<(&str, i64), u64> = HashMap::new();
    for (entity, _, c) in rows.values() {
        let c = root(&mut parent, *c);
        *by_both.entry((entity, c)).or_default() += 1;
    }
    let correct: u64 = by_both.values().map(|n| pairs(*n)).sum();
    if true_pairs > 0 {
        correct as f64 / true_pairs as f64
    } else {
        1.0
    }
}

/// What the compared pairs show against the truth, each by its own score (before
/// clustering joins pairs into golden records): how many true pairs blocking never compares,
/// whether the scores are calibrated, what other auto-merge thresholds would give, and what
/// tells the auto band's false pairs apart from true ones.
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct ComparedPairs {
    /// True pairs among the store's records, and those that share no blocking key.
    pub true_pairs: u64,
    pub true_pairs_never_compared: u64,
    /// Each configured blocking key alone, in the configured order.
    pub keys: Vec<KeyYield>,
    /// `None` before any run has stored a match model.
    pub scores: Option<PairScores>,
}

/// What one blocking key compares by itself, and what no other key would: a key whose true
/// pairs the others all compare adds only cost.
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct KeyYield {
    pub key: String,
    /// Pairs the key compares (within its block caps), and the true pairs among them.
    pub pairs: u64,
    pub true_pairs: u64,
    /// True pairs no other configured key compares.
    pub only_this_key: u64,
}

impl ComparedPairs {
    /// The share of true pairs that blocking compares: the most recall the matcher can reach.
    pub fn blocking_recall(&self) -> f64 {
        share(
            self.true_pairs - self.true_pairs_never_compared,
            self.true_pairs,
        )
    }
}

#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct PairScores {
    /// From the highest band down. A calibrated score's mean in a band is the share of
    /// true matches there.
    pub bands: Vec<ScoreBand>,
    /// The configured auto threshold first, then stricter ones.
    pub thresholds: Vec<AtThreshold>,
    /// The compared pairs by band: the one-person pairs the scores expect (what a run
    /// prints with no truth file, see `estimate`) and those the truth file counts.
    pub expected: PairsByBand,
    pub measured: PairsByBand,
    /// False pairs at or above the configured auto threshold, by what disagrees in them.
    pub false_auto: FalseAutoPairs,
    /// True pairs scored below the review threshold, by their comparison, commonest first
    /// (`MISSED_PATTERNS` of them): where the scorer's misses are, and whether the fields
    /// could have told them (pairs compared alike are mostly one person) or cannot.
    pub missed: Vec<MissedComparison>,
    /// True pairs blocking never compared, by their comparison, commonest first: what a
    /// blocking key would have to hold to compare them.
    pub never_compared: Vec<MissedComparison>,
}

/// One comparison (a level per field) that true pairs missed have.
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct MissedComparison {
    /// Each field's level in words, fields neither record holds left out ("first exact,
    /// last exact, email different, zip exact; other sources").
    pub comparison: String,
    /// True pairs with it that were missed.
    pub missed: u64,
    /// Compared pairs with it (any score, one person or two), and the share of them that
    /// are one person: the most any scorer of these fields could make of it.
    pub compared_alike: u64,
    pub one_person_share: f64,
}

/// How many comparisons each list of misses shows.
const MISSED_PATTERNS: usize = 8;

#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct ScoreBand {
    /// Scores from `low` (inclusive) to `high` (exclusive; the top band includes 1).
    pub low: f64,
    pub high: f64,
    pub pairs: u64,
    pub true_pairs: u64,
    pub mean_score: f64,
}

#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct AtThreshold {
    pub threshold: f64,
    /// Compared pairs scoring at or above the threshold.
    pub pairs: u64,
    /// Of the pairs scoring at or above the threshold, the true share.
    pub precision: f64,
    /// Of all true pairs in the truth file (compared or not, in the store or not), the
    /// share scoring at or above it.
    pub recall: f64,
}

/// The auto band's false pairs by the fields whose comparison level is "different".
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct FalseAutoPairs {
    /// Nothing disagrees: the two records hold the same values or nothing to compare.
    pub no_field_differs: u64,
    /// Only the email differs (one person often has two).
    pub only_email_differs: u64,
    pub another_field_differs: u64,
}

fn share(part: u64, whole: u64) -> f64 {
    if whole > 0 {
        part as f64 / whole as f64
    } else {
        1.0
    }
}

/// Block the store's records as a run does, find the true pairs among them, and score
/// every compared pair with the stored match model (the last run's). A pair with a record
/// the truth does not name is left out of the figures.
pub fn compared_pairs(
    conn: &Connection,
    truth: &[TruthRow],
    config: &super::settings::ResolutionConfig,
) -> Result<ComparedPairs> {
    let (mut records, _) = crate::store::resolve::load_records(conn)?;
    super::count_value_frequencies(&mut records);
    super::forget_shared_contacts(&mut records, config.blocking.max_block_size);
    let blocks = super::block::block(&records, &config.blocking.keys, &config.blocking);
    let entity_of = entities_by_position(conn, truth, &records)?;
    let mut per_entity: HashMap<u32, u64> = HashMap::new();
    for e in entity_of.iter().flatten() {
        *per_entity.entry(*e).or_default() += 1;
    }
    let true_pairs: u64 = per_entity.values().map(|n| pairs(*n)).sum();
    let same = |(a, b): (u32, u32)| match (entity_of[a as usize], entity_of[b as usize]) {
        (Some(x), Some(y)) => Some(x == y),
        _ => None,
    };
    let compared_true: HashSet<(u32, u32)> =
        true_pairs_among(&blocks.pairs, &same).into_iter().collect();
    let scores = match super::model::MatchModel::latest(conn)? {
        Some(model) => {
            let comparer = super::compare::Comparer::new(&model, config, records.len());
            let cuts = Cuts::new(config);
            let tally = blocks
                .pairs
                .par_iter()
                .fold(
                    || Tally::new(&cuts),
                    |mut tally, &(a, b)| {
                        if let Some(is_true) = same((a, b)) {
                            let (ra, rb) = (&records[a as usize], &records[b as usize]);
                            let vector = comparer.levels(ra, rb);
                            let (score, _) = comparer.score(ra, rb, &vector);
                            tally.add(&cuts, score, is_true, &vector);
                        }
                        tally
                    },
                )
                .reduce(|| Tally::new(&cuts), Tally::merge);
            let never_compared = uncompared_true_pairs(&entity_of, &compared_true)
                .map(|(a, b)| comparer.levels(&records[a as usize], &records[b as usize]))
                .fold(HashMap::new(), |mut counts, vector| {
                    *counts.entry(vector).or_insert(0) += 1;
                    counts
                });
            // Recall counts every true pair of the truth file, records lost at ingest too.
            let truth_pairs = records_per_entity(truth).values().map(|n| pairs(*n)).sum();
            Some(tally.figures(&cuts, truth_pairs, never_compared))
        }
        None => None,
    };
    Ok(ComparedPairs {
        true_pairs,
        true_pairs_never_compared: true_pairs - compared_true.len() as u64,
        keys: key_yields(&records, config, &same),
        scores,
    })
}

/// Each blocking key blocked alone (with the caps it has in a run): its pairs, its true
/// pairs, and the true pairs it alone compares.
fn key_yields(
    records: &[super::Rec],
    config: &super::settings::ResolutionConfig,
    same: &(dyn Fn((u32, u32)) -> Option<bool> + Sync),
) -> Vec<KeyYield> {
    let keys = &config.blocking.keys;
    // Per true pair: how many keys compare it, and the last of them.
    let mut holders: HashMap<(u32, u32), (u32, usize)> = HashMap::new();
    let mut yields: Vec<KeyYield> = keys
        .iter()
        .enumerate()
        .map(|(k, key)| {
            let pairs =
                super::block::block(records, std::slice::from_ref(key), &config.blocking).pairs;
            let found = true_pairs_among(&pairs, same);
            for pair in &found {
                let holder = holders.entry(*pair).or_insert((0, k));
                *holder = (holder.0 + 1, k);
            }
            KeyYield {
                key: key.clone(),
                pairs: pairs.len() as u64,
                true_pairs: found.len() as u64,
                only_this_key: 0,
            }
        })
        .collect();
    for (count, key) in holders.into_values() {
        if count == 1 {
            yields[key].only_this_key += 1;
        }
    }
    yields
}

/// The pairs of `pairs` whose two records the truth makes one entity.
fn true_pairs_among(
    pairs: &[(u32, u32)],
    same: &(dyn Fn((u32, u32)) -> Option<bool> + Sync),
) -> Vec<(u32, u32)> {
    (pairs.par_iter())
        .filter(|p| same(**p) == Some(true))
        .copied()
        .collect()
}

/// An entity with more records than this is no person (a truth file's catch-all id): its
/// pairs count in the figures but are not listed one by one.
const MAX_ENTITY_RECORDS: usize = 1000;

/// Every pair of records of one entity (by position, the lower first) that blocking did
/// not compare.
fn uncompared_true_pairs<'a>(
    entity_of: &'a [Option<u32>],
    compared: &'a HashSet<(u32, u32)>,
) -> impl Iterator<Item = (u32, u32)> + 'a {
    let mut by_entity: HashMap<u32, Vec<u32>> = HashMap::new();
    for (position, entity) in entity_of.iter().enumerate() {
        if let Some(e) = entity {
            by_entity.entry(*e).or_default().push(position as u32);
        }
    }
    let people = by_entity.into_values();
    people
        .filter(|members| members.len() <= MAX_ENTITY_RECORDS)
        .flat_map(move |members| {
            let pairs: Vec<(u32, u32)> = (0..members.len())
                .flat_map(|i| (i + 1..members.len()).map(move |j| (i, j)))
                .map(|(i, j)| (members[i], members[j]))
                .filter(|pair| !compared.contains(pair))
                .collect();
            pairs
        })
}

/// Each record's true entity (interned), by its position in `records`.
fn entities_by_position(
    conn: &Connection,
    truth: &[TruthRow],
    records: &[super::Rec],
) -> Result<Vec<Option<u32>>> {
    let position: HashMap<i64, usize> =
        records.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let mut entity_ids: HashMap<&str, u32> = HashMap::new();
    let mut by_key: HashMap<(&str, &str), u32> = HashMap::new();
    for t in truth {
        let next = entity_ids.len() as u32;
        let id = *entity_ids.entry(&t.entity).or_insert(next);
        by_key.insert((&t.source, &t.key), id);
    }
    let mut entity_of = vec![None; records.len()];
    let mut keys = conn.prepare("SELECT id, source, source_key FROM source_record")?;
    for row in keys.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?)))? {
        let (id, source, key): (i64, String, String) = row?;
        if let (Some(&i), Some(&e)) = (position.get(&id), by_key.get(&(&*source, &*key))) {
            entity_of[i] = Some(e);
        }
    }
    Ok(entity_of)
}

/// Score bands' lower bounds besides 0 and the configured thresholds.
const BAND_BOUNDS: [f64; 4] = [0.5, 0.95, 0.99, 0.999];
/// Auto thresholds stricter than the configured one whose figures are shown.
pub(crate) const STRICTER_THRESHOLDS: [f64; 4] = [0.9, 0.95, 0.99, 0.999];

/// Where the figures cut the scores: the bands' lower bounds (ascending) and the auto
/// thresholds (the configured one first).
struct Cuts {
    bands: Vec<f64>,
    thresholds: Vec<f64>,
    review: f64,
    auto: f64,
}

impl Cuts {
    fn new(config: &super::settings::ResolutionConfig) -> Cuts {
        let (review, auto) = (config.thresholds.review, config.thresholds.auto_match);
        let mut bands = vec![0.0, review, auto];
        bands.extend(BAND_BOUNDS);
        bands.retain(|b| *b < 1.0);
        bands.sort_by(f64::total_cmp);
        bands.dedup();
        let thresholds = std::iter::once(auto)
            .chain(STRICTER_THRESHOLDS.into_iter().filter(|t| *t > auto))
            .collect();
        Cuts {
            bands,
            thresholds,
            review,
            auto,
        }
    }
}

/// Counts over the compared pairs, summed in parallel.
struct Tally {
    /// Per band of `Cuts::bands`: pairs, true pairs, sum of scores.
    bands: Vec<(u64, u64, f64)>,
    /// Per threshold of `Cuts::thresholds`: pairs at or above it, true pairs among them.
    at: Vec<(u64, u64)>,
    false_auto: FalseAutoPairs,
    /// By band: the pairs' scores summed, and the true pairs counted.
    expected: PairsByBand,
    measured: PairsByBand,
    /// Per comparison vector: compared pairs, true pairs, true pairs below the review
    /// threshold.
    by_vector: HashMap<super::model::Vector, (u64, u64, u64)>,
}

impl Tally {
    fn new(cuts: &Cuts) -> Tally {
        Tally {
            bands: vec![(0, 0, 0.0); cuts.bands.len()],
            at: vec![(0, 0); cuts.thresholds.len()],
            false_auto: FalseAutoPairs::default(),
            expected: PairsByBand::default(),
            measured: PairsByBand::default(),
            by_vector: HashMap::new(),
        }
    }

    fn add(&mut self, cuts: &Cuts, score: f64, is_true: bool, vector: &super::model::Vector) {
        let band = cuts.bands.iter().rposition(|b| score >= *b).unwrap_or(0);
        let b = &mut self.bands[band];
        *b = (b.0 + 1, b.1 + is_true as u64, b.2 + score);
        let in_band = super::Band::between(score, cuts.auto, cuts.review);
        self.expected.add(in_band, score);
        self.measured.add(in_band, is_true as u8 as f64);
        for (t, at) in cuts.thresholds.iter().zip(&mut self.at) {
            if score >= *t {
                *at = (at.0 + 1, at.1 + is_true as u64);
            }
        }
        let alike = self.by_vector.entry(*vector).or_default();
        *alike = (
            alike.0 + 1,
            alike.1 + is_true as u64,
            alike.2 + (is_true && score < cuts.review) as u64,
        );
        if !is_true && score >= cuts.auto {
            let f = &mut self.false_auto;
            match differing_fields(vector).as_slice() {
                [] => f.no_field_differs += 1,
                [super::model::field::EMAIL] => f.only_email_differs += 1,
                _ => f.another_field_differs += 1,
            }
        }
    }

    fn merge(mut self, other: Tally) -> Tally {
        for (x, y) in self.bands.iter_mut().zip(other.bands) {
            *x = (x.0 + y.0, x.1 + y.1, x.2 + y.2);
        }
        for (x, y) in self.at.iter_mut().zip(other.at) {
            *x = (x.0 + y.0, x.1 + y.1);
        }
        self.expected = self.expected.merge(other.expected);
        self.measured = self.measured.merge(other.measured);
        let (f, g) = (&mut self.false_auto, other.false_auto);
        f.no_field_differs += g.no_field_differs;
        f.only_email_differs += g.only_email_differs;
        f.another_field_differs += g.another_field_differs;
        for (vector, (pairs, true_pairs, missed)) in other.by_vector {
            let alike = self.by_vector.entry(vector).or_default();
            *alike = (alike.0 + pairs, alike.1 + true_pairs, alike.2 + missed);
        }
        self
    }

    /// The figures, with the true pairs blocking never compared counted by comparison.
    fn figures(
        self,
        cuts: &Cuts,
        true_pairs: u64,
        never_compared: HashMap<super::model::Vector, u64>,
    ) -> PairScores {
        let missed = self
            .by_vector
            .iter()
            .map(|(v, &(_, _, missed))| (*v, missed));
        let missed = self.commonest(missed);
        let never_compared = self.commonest(never_compared.into_iter());
        let mut bands: Vec<ScoreBand> = (cuts.bands.iter().enumerate())
            .zip(self.bands)
            .map(|((i, &low), (pairs, true_pairs, sum))| ScoreBand {
                low,
                high: cuts.bands.get(i + 1).copied().unwrap_or(1.0),
                pairs,
                true_pairs,
                mean_score: if pairs > 0 { sum / pairs as f64 } else { 0.0 },
            })
            .collect();
        bands.reverse();
        let thresholds = (cuts.thresholds.iter())
            .zip(self.at)
            .map(|(&threshold, (pairs, correct))| AtThreshold {
                threshold,
                pairs,
                precision: share(correct, pairs),
                recall: share(correct, true_pairs),
            })
            .collect();
        PairScores {
            bands,
            thresholds,
            expected: self.expected,
            measured: self.measured,
            false_auto: self.false_auto,
            missed,
            never_compared,
        }
    }

    /// The `MISSED_PATTERNS` comparisons with the most missed true pairs (ties in vector
    /// order, so a report reads the same each time), beside what the compared pairs alike
    /// show.
    fn commonest(
        &self,
        missed: impl Iterator<Item = (super::model::Vector, u64)>,
    ) -> Vec<MissedComparison> {
        let mut missed: Vec<_> = missed.filter(|(_, n)| *n > 0).collect();
        missed.sort_unstable_by(|(v, n), (w, m)| m.cmp(n).then(v.cmp(w)));
        missed.truncate(MISSED_PATTERNS);
        (missed.into_iter())
            .map(|(vector, missed)| {
                let (alike, one_person, _) =
                    self.by_vector.get(&vector).copied().unwrap_or_default();
                MissedComparison {
                    comparison: comparison_in_words(&vector),
                    missed,
                    compared_alike: alike,
                    one_person_share: share(one_person, alike),
                }
            })
            .collect()
    }
}

/// A comparison vector as a steward reads it: "first exact, last typo, zip exact; other
/// sources" (fields neither record holds left out).
fn comparison_in_words(vector: &super::model::Vector) -> String {
    use super::model::{FIELD_COUNT, FIELDS, LEVELS, MISSING, field};
    let level = |f: usize| {
        (vector[f].checked_sub(1))
            .and_then(|i| LEVELS[f].get(i as usize))
            .copied()
            .unwrap_or("missing")
    };
    let fields: Vec<String> = (0..FIELD_COUNT)
        .filter(|&f| f != field::SOURCE && vector[f] != MISSING)
        .map(|f| {
            let name = FIELDS[f].trim_end_matches("_name").replace('_', " ");
            // The level's name without its gloss: "zip same area".
            let level = level(f).split(" (").next().unwrap_or_default();
            format!("{name} {level}")
        })
        .collect();
    format!("{}; {}", fields.join(", "), level(field::SOURCE))
}

/// The fields (not the source) whose level in `vector` is their "different" level.
fn differing_fields(vector: &super::model::Vector) -> Vec<usize> {
    use super::model::{FIELD_COUNT, disagrees, field};
    (0..FIELD_COUNT)
        .filter(|&f| f != field::SOURCE && disagrees(f, vector[f]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::model::{MISSING, Vector, different_level, field};
    use super::super::settings::ResolutionConfig;
    use super::*;

    /// Names and ZIP exact, nothing else to compare, from two systems.
    fn names_and_zip() -> Vector {
        let mut v = [MISSING; super::super::model::FIELD_COUNT];
        (
            v[field::FIRST],
            v[field::LAST],
            v[field::ZIP],
            v[field::SOURCE],
        ) = (1, 1, 1, 1);
        v
    }

    fn with(mut v: Vector, f: usize, level: u8) -> Vector {
        v[f] = level;
        v
    }

    #[test]
    fn pairs_fall_in_bands_by_score_and_the_false_auto_pairs_by_what_disagrees() {
        let config = ResolutionConfig::shipped(); // review 0.70, auto 0.85
        let cuts = Cuts::new(&config);
        assert_eq!(cuts.bands, [0.0, 0.5, 0.70, 0.85, 0.95, 0.99, 0.999]);
        assert_eq!(cuts.thresholds, [0.85, 0.9, 0.95, 0.99, 0.999]);
        let v = names_and_zip();
        let email_differs = with(v, field::EMAIL, different_level(field::EMAIL));
        let dob_differs = with(email_differs, field::DOB, different_level(field::DOB));
        let mut left = Tally::new(&cuts);
        left.add(&cuts, 0.85, false, &v); // the threshold is in the auto band
        left.add(&cuts, 0.96, false, &email_differs);
        left.add(&cuts, 0.999, true, &v);
        let mut right = Tally::new(&cuts);
        right.add(&cuts, 0.92, false, &dob_differs);
        right.add(&cuts, 0.8499, false, &dob_differs); // review band: not a false auto pair
        right.add(&cuts, 0.2, true, &v);
        let never_compared = HashMap::from([(email_differs, 2)]);
        let figures = left.merge(right).figures(&cuts, 4, never_compared);
        let by_low: Vec<(f64, u64, u64)> = figures
            .bands
            .iter()
            .map(|b| (b.low, b.pairs, b.true_pairs))
            .collect();
        assert_eq!(
            by_low,
            [
                (0.999, 1, 1),
                (0.99, 0, 0),
                (0.95, 1, 0),
                (0.85, 2, 0),
                (0.70, 1, 0),
                (0.5, 0, 0),
                (0.0, 1, 1),
            ]
        );
        assert!((figures.bands[3].mean_score - (0.85 + 0.92) / 2.0).abs() < 1e-12);
        assert_eq!(figures.bands[0].high, 1.0);
        let auto = &figures.thresholds[0];
        assert_eq!((auto.threshold, auto.pairs), (0.85, 4));
        assert_eq!((auto.precision, auto.recall), (0.25, 0.25));
        let strictest = figures.thresholds.last().unwrap();
        assert_eq!((strictest.pairs, strictest.precision), (1, 1.0));
        assert_eq!(
            figures.false_auto,
            FalseAutoPairs {
                no_field_differs: 1,
                only_email_differs: 1,
                another_field_differs: 1,
            }
        );
        // The true pair at 0.2 is the one missed; three compared pairs compare as it does,
        // two of them one person.
        assert_eq!(
            figures.missed,
            [MissedComparison {
                comparison: "first exact, last exact, zip exact; other sources".into(),
                missed: 1,
                compared_alike: 3,
                one_person_share: 2.0 / 3.0,
            }]
        );
        assert_eq!(
            figures.never_compared,
            [MissedComparison {
                comparison: "first exact, last exact, email different, zip exact; other sources"
                    .into(),
                missed: 2,
                compared_alike: 1,
                one_person_share: 0.0,
            }]
        );
    }

    #[test]
    fn each_key_alone_counts_its_pairs_its_true_pairs_and_those_no_other_key_finds() {
        use crate::vocab::record::{Rec, Value};
        let rec = |last: &str, email: &str| {
            (Rec::default().with(Value::Last, last))
                .with(Value::Zip, "60614")
                .with(Value::Email, email)
        };
        // 0 and 1 share an email and a surname, 2 and 3 a surname only, 4 and 0 an email
        // but are two people.
        let records = [
            rec("smith", "a@x.com"),
            rec("smith", "a@x.com"),
            rec("jones", "b@x.com"),
            rec("jones", "c@x.com"),
            rec("brown", "a@x.com"),
        ];
        let entity_of = [Some(1), Some(1), Some(2), Some(2), Some(3)];
        let same = |(a, b): (u32, u32)| Some(entity_of[a as usize] == entity_of[b as usize]);
        let mut config = ResolutionConfig::shipped();
        config.blocking.keys = vec!["email".into(), "last_soundex_zip".into()];
        let yields = key_yields(&records, &config, &same);
        let figures: Vec<(&str, u64, u64, u64)> = (yields.iter())
            .map(|k| (k.key.as_str(), k.pairs, k.true_pairs, k.only_this_key))
            .collect();
        assert_eq!(figures, [("email", 3, 1, 0), ("last_soundex_zip", 2, 2, 1)]);
    }

    #[test]
    fn the_uncompared_true_pairs_are_each_persons_pairs_blocking_left_out() {
        // Records 0-2 are one person, 3 another alone; 4.. a catch-all id, not listed.
        let mut entity_of = vec![Some(7), Some(7), None, Some(7), Some(8)];
        entity_of.extend(std::iter::repeat_n(Some(9), MAX_ENTITY_RECORDS + 1));
        let compared = HashSet::from([(0, 1)]);
        let mut pairs: Vec<(u32, u32)> = uncompared_true_pairs(&entity_of, &compared).collect();
        pairs.sort_unstable();
        assert_eq!(pairs, [(0, 3), (1, 3)]);
    }

    #[test]
    fn a_comparison_in_words_names_each_held_fields_level_without_its_gloss() {
        let mut v = [MISSING; super::super::model::FIELD_COUNT];
        (
            v[field::FIRST],
            v[field::DOB],
            v[field::ZIP],
            v[field::SOURCE],
        ) = (2, 2, 2, 2);
        assert_eq!(
            comparison_in_words(&v),
            "first nickname, date of birth one digit or day/month swapped, zip same area; one source"
        );
    }
}
