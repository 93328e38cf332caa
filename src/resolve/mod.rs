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
pub mod survivorship;

use std::collections::HashMap;
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::store::Db;
use crate::store::resolve::{self as sql, CandidateRow, WriteStats};
use compare::{Rec, Scored};
use settings::ResolutionConfig;
use survivorship::RawFields;

/// A compared pair worth keeping: in a band, or a household conflict.
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

/// Compare every blocked pair in parallel; keep those in a band and the conflicts.
pub fn score_pairs(
    records: &[Rec],
    pairs: &[(u32, u32)],
    config: &ResolutionConfig,
) -> Vec<Candidate> {
    pairs
        .par_iter()
        .with_min_len(4096)
        .filter_map(|&(a, b)| {
            let mut scored = compare::compare(&records[a as usize], &records[b as usize], config);
            let keep = scored.conflict || scored.score >= config.thresholds.review;
            if keep && scored.score < config.thresholds.review {
                fold_conflict(&mut scored);
            }
            keep.then_some(Candidate { a, b, scored })
        })
        .collect()
}

/// A household conflict below the review band is kept only as a cannot-link for the run
/// and for the record; no person reviews it. Its contributions fold into the guard and one
/// "other fields" entry (still adding up to the score): at a million people there are
/// millions of them, and their full lists cost gigabytes of memory and writes.
fn fold_conflict(scored: &mut compare::Scored) {
    let guard = scored
        .contributions
        .iter()
        .find(|c| c.field == "household_guard")
        .cloned();
    let guard_part = guard.as_ref().map_or(0.0, |g| g.contribution);
    scored.contributions = guard
        .into_iter()
        .chain(std::iter::once(compare::Contribution {
            field: std::borrow::Cow::Borrowed("other_fields"),
            similarity: 0.0,
            contribution: scored.score - guard_part,
        }))
        .collect();
}

/// Cluster records (by index) and build their golden records.
pub fn build_groups(
    records: &[Rec],
    raws: &[RawFields],
    candidates: &[(u32, u32, f64, bool)],
    constraints: &sql::Links,
    config: &ResolutionConfig,
) -> Vec<(Vec<i64>, survivorship::Golden)> {
    let index: HashMap<i64, u32> = records
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id, i as u32))
        .collect();
    let pair = |(a, b): &(i64, i64)| Some((*index.get(a)?, *index.get(b)?));
    let must: Vec<(u32, u32)> = constraints.0.iter().filter_map(pair).collect();
    let mut cannot: Vec<(u32, u32)> = constraints.1.iter().filter_map(pair).collect();
    // Household conflicts are cannot-links for this run: a chain of strong links must not
    // join two people whose own comparison says they differ.
    cannot.extend(candidates.iter().filter(|c| c.3).map(|c| (c.0, c.1)));
    let mut edges: Vec<(u32, u32, f64)> = candidates
        .iter()
        .filter(|c| !c.3 && c.2 >= config.thresholds.auto_match)
        .map(|c| (c.0, c.1, c.2))
        .collect();
    let groups = cluster::cluster(records.len(), &must, &cannot, &mut edges);
    groups
        .par_iter()
        .map(|g| {
            let members: Vec<&RawFields> = g.iter().map(|i| &raws[*i as usize]).collect();
            (
                g.iter().map(|i| records[*i as usize].id).collect(),
                survivorship::golden(&members, config),
            )
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
    let mut summary = RunSummary::default();
    let t = Instant::now();
    progress.update("resolve: load", 0, 5);
    let (mut records, raws) = sql::load_records(&db.conn)?;
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
    let candidates = score_pairs(&records, &blocks.pairs, config);
    summary.millis_compare = t.elapsed().as_millis() as u64;
    check(progress)?;

    let mut rows = Vec::with_capacity(candidates.len());
    let mut edges = Vec::with_capacity(candidates.len());
    // Consumed here: the scored pairs live on only as stored rows and clustering edges.
    for c in candidates {
        let band = match (c.scored.conflict, Band::of(c.scored.score, config)) {
            (true, _) => "conflict",
            (false, Band::Auto) => "auto",
            _ => "review",
        };
        match band {
            "auto" => summary.auto_pairs += 1,
            "review" => summary.review_pairs += 1,
            _ => summary.conflict_pairs += 1,
        }
        rows.push(CandidateRow {
            a: records[c.a as usize].id,
            b: records[c.b as usize].id,
            score: c.scored.score,
            band,
            rule: c.scored.rule,
            contributions: serde_json::to_string(&c.scored.contributions)?,
        });
        edges.push((c.a, c.b, c.scored.score, c.scored.conflict));
    }

    progress.update("resolve: write", 3, 5);
    let t = Instant::now();
    let tx = db
        .conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Decisions are read inside the write transaction: one made while we computed counts.
    let constraints = sql::load_constraints(&tx)?;
    let t_cluster = Instant::now();
    let groups = build_groups(&records, &raws, &edges, &constraints, config);
    summary.millis_cluster = t_cluster.elapsed().as_millis() as u64;
    sql::replace_candidates(&tx, &rows)?;
    let previous = sql::membership(&tx, None)?;
    let as_of = sql::data_as_of(&tx)?;
    summary.write =
        sql::write_constituents(&tx, &groups, &previous, actor, &as_of, false, "auto_merge")?;
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
    tx.commit()?;
    summary.millis_write = t.elapsed().as_millis() as u64 - summary.millis_cluster;
    progress.update("resolve: done", 5, 5);
    Ok(summary)
}

/// How common each record's surname is in this file, and how many namesakes its ZIP is
/// expected to hold by chance (for the names-only rule in `compare`).
pub fn count_name_frequencies(records: &mut [Rec]) {
    let mut firsts: HashMap<&str, u32> = HashMap::new();
    let mut lasts: HashMap<&str, u32> = HashMap::new();
    let mut zips: HashMap<&str, u32> = HashMap::new();
    for r in records.iter() {
        for (map, value) in [
            (&mut firsts, &r.n.first_canon),
            (&mut lasts, &r.n.last),
            (&mut zips, &r.n.zip),
        ] {
            if let Some(v) = value {
                *map.entry(v.as_str()).or_default() += 1;
            }
        }
    }
    let total = records.len().max(1) as f64;
    let count = |map: &HashMap<&str, u32>, value: &Option<String>| {
        value
            .as_deref()
            .and_then(|v| map.get(v))
            .copied()
            .unwrap_or(0)
    };
    let frequencies: Vec<(u32, f64, f64)> = records
        .iter()
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
    for (r, (last, in_zip, in_file)) in records.iter_mut().zip(frequencies) {
        r.last_name_count = last;
        r.name_coincidence = in_zip;
        r.name_coincidence_in_file = in_file;
    }
}

fn check(progress: &dyn Progress) -> Result<()> {
    if progress.is_cancelled() {
        Err(Error::Cancelled)
    } else {
        Ok(())
    }
}
