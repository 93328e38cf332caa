//! Evaluation against a ground-truth file (source, source_key, entity id[, household id]):
//! pairwise precision, recall and F1, cluster figures, the review load, household merges.
//! Works for any source `config/sources.yaml` maps, not only the generator's.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::Connection;
use serde::Serialize;

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
    /// True pairs that share at least one blocking key (were compared at all), of all true
    /// pairs among records in the store.
    pub blocking_recall: Option<f64>,
    pub true_pairs_never_compared: Option<u64>,
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
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
    let mut by_entity: HashMap<&str, u64> = HashMap::new();
    for t in truth {
        *by_entity.entry(&t.entity).or_default() += 1;
    }
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

/// How many true pairs among the store's records share no blocking key (and so were never
/// compared), and the share that do: the most recall the matcher can reach.
pub fn blocking_recall(
    conn: &Connection,
    truth: &[TruthRow],
    config: &super::settings::ResolutionConfig,
) -> Result<(f64, u64)> {
    let (records, _) = crate::store::resolve::load_records(conn)?;
    let blocks = super::block::block(&records, &config.blocking.keys, &config.blocking);
    // (source, source key) -> the record's position in `records`.
    let position: HashMap<i64, u32> = records
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id, i as u32))
        .collect();
    let mut keys = conn.prepare("SELECT id, source, source_key FROM source_record")?;
    let mut index: HashMap<(String, String), u32> = HashMap::new();
    for row in keys.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?)))? {
        let (id, source, key): (i64, String, String) = row?;
        if let Some(i) = position.get(&id) {
            index.insert((source, key), *i);
        }
    }
    let mut members: HashMap<&str, Vec<u32>> = HashMap::new();
    for t in truth {
        if let Some(i) = index.get(&(t.source.clone(), t.key.clone())) {
            members.entry(&t.entity).or_default().push(*i);
        }
    }
    let compared: std::collections::HashSet<(u32, u32)> = blocks.pairs.into_iter().collect();
    let (mut total, mut missed) = (0u64, 0u64);
    for ids in members.values() {
        for (x, &a) in ids.iter().enumerate() {
            for &b in &ids[x + 1..] {
                total += 1;
                if !compared.contains(&(a.min(b), a.max(b))) {
                    missed += 1;
                }
            }
        }
    }
    let recall = if total > 0 {
        (total - missed) as f64 / total as f64
    } else {
        1.0
    };
    Ok((recall, missed))
}
