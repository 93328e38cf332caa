//! Donor retention by lifecycle segment. Overall retention misleads when acquisition
//! changes (a year of many new donors, who come back least, lowers it with nothing else
//! different), so DOMAIN.md asks the console to show retention by segment at all times.
//!
//! The segments are the ratio metrics tagged `lifecycle` in the definitions file, in its
//! order, each with its cohort (the ratio's denominator). They are computed as any metric
//! is and kept in the value history; the console reads the last computation back (a few
//! rows) instead of running the queries, which take minutes on a million records, each
//! time the tab opens.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::def::{MetricDef, MetricType, MetricsFile};
use crate::error::{Error, Result};
use crate::progress::Progress;

/// The tag that puts a ratio metric in the lifecycle view.
pub const TAG: &str = "lifecycle";

/// One segment's retention as last computed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment {
    pub metric: String,
    /// The metric's short name (its display name when it has none).
    pub label: String,
    /// The share retained: `None` before it is computed, or when the cohort is empty.
    pub rate: Option<f64>,
    /// How many the segment holds (the ratio's denominator).
    pub cohort: Option<f64>,
    /// The data date the kept values were computed as of, and when.
    pub as_of: Option<String>,
    pub computed_at: Option<String>,
}

impl Segment {
    fn new(def: &MetricDef) -> Segment {
        Segment {
            metric: def.name.clone(),
            label: def
                .short_name
                .clone()
                .unwrap_or_else(|| def.display_name.clone()),
            rate: None,
            cohort: None,
            as_of: None,
            computed_at: None,
        }
    }
}

/// The lifecycle segments' rate metrics, in the file's order.
pub fn segment_metrics(file: &MetricsFile) -> Vec<&MetricDef> {
    file.metrics
        .iter()
        .filter(|m| m.kind == MetricType::Ratio && m.tags.iter().any(|t| t == TAG))
        .collect()
}

/// The segments as last computed, for a reader that does not compute them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Kept {
    pub segments: Vec<Segment>,
    /// People behind them changed since (`changed_since`).
    pub changed: bool,
}

impl Kept {
    pub fn read(conn: &Connection, file: &MetricsFile) -> Result<Kept> {
        let segments = kept(conn, file)?;
        let changed = changed_since(conn, &segments)?;
        Ok(Kept { segments, changed })
    }
}

/// Compute every segment's cohort and rate on the local store as of `as_of` and keep them
/// in the history as `cpm metrics value` does: all of them or, cancelled between two
/// queries, none. They are read in one snapshot and dated when it was taken, so a change
/// committed while they were computed shows as a change since (`changed_since`).
pub fn compute(
    conn: &Connection,
    file: &MetricsFile,
    as_of: NaiveDate,
    actor: &str,
    progress: &dyn Progress,
) -> Result<Vec<Segment>> {
    let metrics = segment_metrics(file);
    let names: Vec<(&str, Option<&str>)> = metrics
        .iter()
        .map(|m| (m.name.as_str(), m.denominator.as_deref()))
        .collect();
    let total = 2 * names.len() as u64;
    let read_at = crate::store::resolve::now();
    let snapshot = conn.unchecked_transaction()?;
    let mut values = Vec::with_capacity(names.len());
    for (i, (rate, cohort)) in names.iter().enumerate() {
        let mut pair = Vec::with_capacity(2);
        for (j, name) in cohort.iter().chain(std::iter::once(rate)).enumerate() {
            progress.update(STAGE, 2 * i as u64 + j as u64, total);
            if progress.is_cancelled() {
                return Err(Error::Cancelled);
            }
            pair.push(super::compute(&snapshot, file, name, as_of, None)?);
        }
        values.push(pair);
    }
    snapshot.commit()?;
    progress.update(STAGE, total, total);
    if progress.is_cancelled() {
        return Err(Error::Cancelled);
    }
    let all: Vec<&super::MetricValue> = values.iter().flatten().collect();
    super::keep(conn, &all, actor, &read_at)?;
    Ok(metrics
        .into_iter()
        .zip(values)
        .map(|(def, pair)| {
            let mut segment = Segment::new(def);
            let (rate, cohort) = match pair.as_slice() {
                [cohort, rate] => (rate, Some(cohort)),
                [rate] => (rate, None),
                _ => return segment,
            };
            segment.rate = rate.value;
            segment.cohort = cohort.and_then(|c| c.value);
            segment.as_of = Some(rate.as_of.clone());
            segment.computed_at = Some(read_at.clone());
            segment
        })
        .collect())
}

const STAGE: &str = "retention by lifecycle";

/// Each segment as last computed under its current definition (`rate` and `as_of` empty
/// where it never was).
pub fn kept(conn: &Connection, file: &MetricsFile) -> Result<Vec<Segment>> {
    let mut segments = Vec::new();
    for def in segment_metrics(file) {
        let mut segment = Segment::new(def);
        if let Some((as_of, rate, computed_at)) = last_value(conn, def)? {
            segment.rate = rate;
            segment.as_of = Some(as_of);
            segment.computed_at = Some(computed_at);
            let cohort = def.denominator.as_deref().and_then(|d| file.get(d));
            if let Some(cohort) = cohort {
                segment.cohort = last_value(conn, cohort)?
                    .filter(|(at, _, _)| segment.as_of.as_ref() == Some(at))
                    .and_then(|(_, v, _)| v);
            }
        }
        segments.push(segment);
    }
    Ok(segments)
}

/// Whether the segments need computing for data as of `data_as_of`: one was never
/// computed under its definition, or was as of another date.
pub fn is_stale(segments: &[Segment], data_as_of: NaiveDate) -> bool {
    let date = data_as_of.to_string();
    segments
        .iter()
        .any(|s| s.as_of.as_deref() != Some(date.as_str()))
}

/// Whether the people behind the kept values changed after the oldest was computed: a
/// source loaded, a resolution run, or a steward's decision that merges or splits golden
/// records. The console says so beside them; recomputing is a key away (minutes on a
/// million records, so not after every decision).
pub fn changed_since(conn: &Connection, segments: &[Segment]) -> Result<bool> {
    let Some(oldest) = segments
        .iter()
        .filter_map(|s| s.computed_at.as_deref())
        .min()
    else {
        return Ok(false);
    };
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM ingest_batch WHERE finished_at > ?1)
             OR EXISTS (SELECT 1 FROM audit_event WHERE at > ?1 AND action IN
                 ('resolution_run', 'approve', 'reject', 'household', 'unmerge', 'undo'))",
        [oldest],
        |r| r.get(0),
    )?)
}

/// The newest headline value of `def` under its current version: (as_of, value, computed_at).
fn last_value(conn: &Connection, def: &MetricDef) -> Result<Option<(String, Option<f64>, String)>> {
    Ok(conn
        .query_row(
            "SELECT as_of, value, computed_at FROM metric_value
             WHERE metric = ?1 AND version = ?2 AND dimension IS NULL
             ORDER BY id DESC LIMIT 1",
            params![def.name, def.version()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}
