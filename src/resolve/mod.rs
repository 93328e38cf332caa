//! Identity resolution: normalise -> block -> compare -> score -> cluster -> survivorship.
//!
//! The compute core ([`score_pairs`], [`cluster::cluster`], [`survivorship::golden`]) works
//! on in-memory records; [`run`] loads from the store, computes, and writes everything in
//! one transaction, re-reading steward decisions inside it so none made during a run is lost.

pub mod block;
pub mod cluster;
pub mod compare;
pub mod evaluate;
pub mod normalize;
pub mod review;
pub mod settings;
pub mod sketch;
pub mod survivorship;

use std::collections::HashMap;
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
use compare::{Rec, Scored};
use settings::ResolutionConfig;
use sketch::OnNames;
use survivorship::RawFields;

/// The tables a resolution run writes golden records into.
const GOLDEN_TABLES: [&str; 4] = [
    "constituent",
    "constituent_member",
    "constituent_summary",
    "audit_event",
];

/// A compared pair in a band (auto or review).
#[derive(Debug, Clone)]
pub struct Candidate {
    pub a: u32,
    pub b: u32,
    pub scored: Scored,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Band {
    Auto,
    Review,
    NoMatch,
}

impl Band {
    pub fn of(score: f64, config: &ResolutionConfig) -> Band {
        if score >= config.thresholds.auto_match {
            Band::Auto
        } else if score >= config.thresholds.review {
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
}

/// Compare every blocked pair in parallel; keep those in a band and the conflicts. The
/// conflicts are most of the pairs, so they are kept in the pairs' own vector (filtered in
/// place) rather than gathered into a second one.
pub fn score_pairs(records: &[Rec], mut pairs: Vec<Pair>, config: &ResolutionConfig) -> Scoring {
    let sketches: Vec<sketch::Sketch> = records.par_iter().map(sketch::Sketch::of).collect();
    let comparer = compare::Comparer::new(config);
    let mut is_conflict = vec![false; pairs.len()];
    let candidates: Vec<Candidate> = pairs
        .par_iter()
        .zip(is_conflict.par_iter_mut())
        .with_min_len(4096)
        .filter_map(|(&(a, b), conflict)| {
            let (ra, rb) = (&records[a as usize], &records[b as usize]);
            let (sa, sb) = (&sketches[a as usize], &sketches[b as usize]);
            let two_people = sketch::clearly_two_people(sa, sb, ra, rb);
            debug_assert_eq!(two_people, compare::clearly_two_people(ra, rb));
            if two_people {
                *conflict = true;
                return None;
            }
            if let Some(outcome) = sketch::on_names(sa, sb, ra, rb, config) {
                debug_assert!(outcome.is_what_compare_found(&comparer.compare(ra, rb), config));
                *conflict = outcome == OnNames::Conflict;
                return None;
            }
            let scored = comparer.compare(ra, rb);
            if scored.conflict {
                *conflict = true;
                return None;
            }
            (scored.score >= config.thresholds.review).then_some(Candidate { a, b, scored })
        })
        .collect();
    let mut flags = is_conflict.into_iter();
    pairs.retain(|_| flags.next().unwrap_or(false));
    Scoring {
        candidates,
        conflicts: pairs,
    }
}

/// A merge on names alone is only as good as its uniqueness: when either record has more
/// than one automatic match in the other's system (two Robert Reeves in one ZIP, and the
/// email platform knows one of them), the names-only matches among them go to review.
pub fn flag_ambiguous_namesakes(
    records: &[Rec],
    candidates: &mut [Candidate],
    config: &ResolutionConfig,
) {
    let auto = config.thresholds.auto_match;
    // (record, the other record's system) once per automatic match, sorted: the runs
    // count each record's matches in each system.
    let mut partners: Vec<(u32, &str)> = candidates
        .par_iter()
        .filter(|c| c.scored.score >= auto)
        .flat_map_iter(|c| {
            [
                (c.a, &*records[c.b as usize].source),
                (c.b, &*records[c.a as usize].source),
            ]
        })
        .collect();
    partners.par_sort_unstable();
    let many = |x: u32, other: u32| {
        let key = (x, &*records[other as usize].source);
        let first = partners.partition_point(|p| *p < key);
        partners.get(first + 1) == Some(&key)
    };
    let ceiling = auto - 0.01;
    candidates
        .par_iter_mut()
        .filter(|c| c.scored.rule == "names_only" && c.scored.score >= auto)
        .filter(|c| many(c.a, c.b) || many(c.b, c.a))
        .for_each(|c| {
            let scored = &mut c.scored;
            compare::apply_rule(
                &mut scored.contributions,
                &mut scored.score,
                "ambiguous_namesake",
                0.0,
                ceiling,
            );
        });
}

/// Household conflicts among `records`, by index: every pair compared. For a steward's
/// neighbourhood (a few golden records), not for a whole run.
pub fn conflicts_among(records: &[Rec], config: &ResolutionConfig) -> Vec<(u32, u32)> {
    let comparer = compare::Comparer::new(config);
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

/// A cluster of source records and what it becomes: a golden record and its summary.
#[derive(Debug, Clone, Hash)]
pub struct GoldenRecord {
    pub members: Vec<i64>,
    pub golden: survivorship::Golden,
    pub summary: Summary,
}

impl GoldenRecord {
    /// A hash of everything written for this golden record: a re-run that computes the
    /// same one leaves the stored row alone. (FNV-1a: stable across builds, unlike the
    /// standard library's hasher, so an upgrade does not rewrite every record.)
    pub fn content_hash(&self) -> i64 {
        stable_hash(self)
    }
}

/// `value` hashed with FNV-1a, as SQLite stores it (a signed 64-bit integer).
pub(crate) fn stable_hash<T: Hash + ?Sized>(value: &T) -> i64 {
    let mut h = Fnv1a::default();
    value.hash(&mut h);
    h.finish() as i64
}

/// FNV-1a: a small, stable hash (the same on every build and platform of one endianness).
pub(crate) struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

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
    pub capped_blocks: Vec<block::CappedBlock>,
    pub write: WriteStats,
    pub millis_load: u64,
    pub millis_block: u64,
    pub millis_compare: u64,
    pub millis_cluster: u64,
    pub millis_write: u64,
}

/// Resolve every source record in the store into golden records.
pub fn run(
    db: &mut Db,
    config: &ResolutionConfig,
    actor: &str,
    progress: &dyn Progress,
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
        resolve_and_write(db, config, actor, progress, facts)
    })
}

/// `run`, with the records' facts read by `facts` when they are needed.
fn resolve_and_write(
    db: &mut Db,
    config: &ResolutionConfig,
    actor: &str,
    progress: &dyn Progress,
    facts: impl FnOnce(&Db) -> Result<FactsByRecord>,
) -> Result<RunSummary> {
    let mut summary = RunSummary::default();
    let t = Instant::now();
    progress.update("resolve: load", 0, 5);
    let (mut records, mut raws) = sql::load_records(&db.conn)?;
    count_name_frequencies(&mut records);
    summary.records = records.len() as u64;
    summary.millis_load = t.elapsed().as_millis() as u64;

    let t = Instant::now();
    progress.update("resolve: block", 1, 5);
    let blocks = block::block(
        &records,
        &config.blocking.keys,
        config.blocking.max_block_size,
    );
    summary.candidate_pairs = blocks.pairs.len() as u64;
    summary.capped_blocks = blocks.capped;
    summary.millis_block = t.elapsed().as_millis() as u64;
    check(progress)?;

    let t = Instant::now();
    progress.update("resolve: compare", 2, 5);
    let Scoring {
        mut candidates,
        conflicts,
    } = score_pairs(&records, blocks.pairs, config);
    flag_ambiguous_namesakes(&records, &mut candidates, config);
    summary.conflict_pairs = conflicts.len() as u64;
    summary.millis_compare = t.elapsed().as_millis() as u64;
    check(progress)?;

    progress.update("resolve: write", 3, 5);
    let t = Instant::now();
    let facts = facts(db)?;
    summary::note_last_seen(&mut raws, &facts);
    let matches: Vec<Match> = candidates
        .iter()
        .map(|c| (c.a, c.b, c.scored.score))
        .collect();
    // Consumed here: the scored pairs live on only as stored rows and clustering edges.
    let rows = candidate_rows(&records, candidates, &facts, config)?;
    // From here on only the records' ids are needed: their normalised fields go.
    let ids: Vec<i64> = records.iter().map(|r| r.id).collect();
    drop(records);
    summary.auto_pairs = rows.iter().filter(|r| r.band == "auto").count() as u64;
    summary.review_pairs = rows.len() as u64 - summary.auto_pairs;

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
            &mut summary,
        )
    })?;
    summary.millis_write = t.elapsed().as_millis() as u64 - summary.millis_cluster;
    crate::drop_elsewhere((rows, matches, conflicts, ids));
    progress.update("resolve: done", 5, 5);
    Ok(summary)
}

/// The scored pairs as rows to store, each with what a wrong call on it risks.
fn candidate_rows<'c>(
    records: &[Rec],
    candidates: Vec<Candidate>,
    facts: &FactsByRecord,
    config: &ResolutionConfig,
) -> Result<Vec<CandidateRow<'c>>> {
    let stake = |i: u32| {
        let f = facts.get(records[i as usize].id);
        (
            f.map_or(0, |f| f.lifetime_cents),
            f.is_some_and(|f| f.active_recurring),
        )
    };
    candidates
        .into_par_iter()
        .map(|c| {
            let ((cents_a, sustainer_a), (cents_b, sustainer_b)) = (stake(c.a), stake(c.b));
            Ok(CandidateRow {
                a: records[c.a as usize].id,
                b: records[c.b as usize].id,
                score: c.scored.score,
                band: match Band::of(c.scored.score, config) {
                    Band::Auto => "auto",
                    _ => "review",
                },
                rule: c.scored.rule,
                contributions: compare::encode_contributions(&c.scored.contributions)?,
                stake_cents: cents_a + cents_b,
                sustainer: sustainer_a || sustainer_b,
            })
        })
        .collect()
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
    rows: &[CandidateRow],
    facts: FactsByRecord,
    summary: &mut RunSummary,
) -> Result<()> {
    // A store on disk can take a second connection (an in-memory one cannot).
    let store = db.on_disk().then(|| db.path().to_path_buf());
    let tx = db
        .conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Decisions are read inside the write transaction: one made while we computed counts.
    let constraints = sql::load_constraints(&tx)?;
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
        let stored = sql::replace_candidates(&tx, rows).and_then(|()| {
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
        })
        .to_string(),
    )?;
    check(progress)?;
    crate::store::commit_with_wal_writeback(tx)?;
    Ok(search)
}

/// How common each record's surname is in this file, and how many namesakes its ZIP is
/// expected to hold by chance (for the names-only rule in `compare`).
pub fn count_name_frequencies(records: &mut [Rec]) {
    type Counts<'r> = HashMap<&'r str, u32, std::hash::BuildHasherDefault<Fnv1a>>;
    // One pass over the records per field, the three on rayon's threads.
    let tally = |field: fn(&Rec) -> &Option<String>| {
        let mut counts = Counts::default();
        for value in records.iter().filter_map(|r| field(r).as_deref()) {
            *counts.entry(value).or_default() += 1;
        }
        counts
    };
    let (firsts, (lasts, zips)) = rayon::join(
        || tally(|r| &r.n.first_canon),
        || rayon::join(|| tally(|r| &r.n.last), || tally(|r| &r.n.zip)),
    );
    let total = records.len().max(1) as f64;
    let count = |map: &Counts, value: &Option<String>| {
        value
            .as_deref()
            .and_then(|v| map.get(v))
            .copied()
            .unwrap_or(0)
    };
    let frequencies: Vec<(u32, f64, f64)> = records
        .par_iter()
        .map(|r| {
            let last = count(&lasts, &r.n.last);
            let first = count(&firsts, &r.n.first_canon);
            // Without a ZIP, the whole file is the place a namesake could be.
            let place = match count(&zips, &r.n.zip) {
                0 => total,
                n => f64::from(n),
            };
            let share = (f64::from(first) / total) * (f64::from(last) / total);
            (last, share * place, share * total)
        })
        .collect();
    let families = count_family_first_names(records);
    for ((r, (last, in_zip, in_file)), family) in records.iter_mut().zip(frequencies).zip(families)
    {
        r.last_name_count = last;
        r.name_coincidence = in_zip;
        r.name_coincidence_in_file = in_file;
        r.family_first_names = family;
    }
}

/// For each record, how many different first names the file holds at its address (street
/// and ZIP) with its surname; 0 for a record without an address or surname. Keys are
/// hashed and sorted rather than held in a map of strings: at a million records this is
/// two sorts of 16-byte pairs.
fn count_family_first_names(records: &[Rec]) -> Vec<u32> {
    let family_key = |r: &Rec| -> Option<u64> {
        let (address, zip, last) = (
            r.n.address.as_deref()?,
            r.n.zip.as_deref()?,
            r.n.last.as_deref()?,
        );
        Some(stable_hash(&(address, zip, last)) as u64)
    };
    let keys: Vec<Option<u64>> = records.par_iter().map(family_key).collect();
    let mut pairs: Vec<(u64, u64)> = records
        .par_iter()
        .zip(&keys)
        .filter_map(|(r, key)| {
            let first = r.n.first_canon.as_deref().or(r.n.first.as_deref())?;
            Some(((*key)?, stable_hash(first) as u64))
        })
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    // Distinct first names per family key, as a sorted list to search.
    let mut counts: Vec<(u64, u32)> = Vec::new();
    for (key, _) in pairs {
        match counts.last_mut() {
            Some((k, n)) if *k == key => *n += 1,
            _ => counts.push((key, 1)),
        }
    }
    keys.par_iter()
        .map(|key| {
            key.and_then(|k| counts.binary_search_by_key(&k, |(k, _)| *k).ok())
                .map_or(0, |i| counts[i].1)
        })
        .collect()
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

    fn record(id: i64, source: &str) -> Rec {
        Rec {
            id,
            source: source.into(),
            ..Rec::default()
        }
    }

    fn names_only(a: u32, b: u32, score: f64) -> Candidate {
        Candidate {
            a,
            b,
            scored: Scored {
                score,
                rule: "names_only",
                contributions: vec![compare::Contribution {
                    field: std::borrow::Cow::Borrowed("last_name"),
                    similarity: 1.0,
                    contribution: score,
                }],
                conflict: false,
            },
        }
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
    fn a_names_only_match_with_a_rival_in_the_same_system_goes_to_review() {
        let config = ResolutionConfig::shipped();
        // One donor record; the email platform knows two people of that name in its ZIP.
        let records = [
            record(1, "wbez"),
            record(2, "email"),
            record(3, "email"),
            record(4, "email"),
            record(5, "tickets"),
        ];
        let mut candidates = vec![names_only(0, 1, 0.99), names_only(0, 2, 0.98)];
        flag_ambiguous_namesakes(&records, &mut candidates, &config);
        for c in &candidates {
            assert_eq!(Band::of(c.scored.score, &config), Band::Review);
            let sum: f64 = c.scored.contributions.iter().map(|x| x.contribution).sum();
            assert!(
                (sum - c.scored.score).abs() < 1e-9,
                "contributions still add up"
            );
        }
        // A unique names-only match stays automatic.
        let mut unique = vec![names_only(0, 3, 0.99)];
        flag_ambiguous_namesakes(&records, &mut unique, &config);
        assert_eq!(Band::of(unique[0].scored.score, &config), Band::Auto);
        // One match in each of two systems is no rivalry either.
        let mut two_systems = vec![names_only(0, 3, 0.99), names_only(0, 4, 0.99)];
        flag_ambiguous_namesakes(&records, &mut two_systems, &config);
        for c in &two_systems {
            assert_eq!(Band::of(c.scored.score, &config), Band::Auto);
        }
    }

    #[test]
    fn family_first_names_count_distinct_given_names_at_an_address_with_a_surname() {
        let person = |first: &str, last: &str, address: Option<&str>| {
            let mut r = record(0, "wbez");
            r.n.first = Some(first.into());
            r.n.first_canon = Some(first.into());
            r.n.last = Some(last.into());
            r.n.address = address.map(str::to_string);
            r.n.zip = Some("60804".into());
            r
        };
        let home = Some("1830 n harlem ave");
        let records = [
            person("betty", "norman", home),
            person("edith", "norman", home),
            person("edith", "norman", home),
            person("robert", "welch", home), // another surname: another family
            person("edith", "norman", None),
        ];
        assert_eq!(count_family_first_names(&records), vec![2, 2, 2, 1, 0]);
    }
}
