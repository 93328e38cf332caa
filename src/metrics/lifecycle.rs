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

use super::MetricValue;
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
    /// The share retained as of a year before (the year-on-year comparison FEP reports).
    pub a_year_before: Option<f64>,
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
            a_year_before: None,
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

/// Compute every segment's cohort and rate on the local store as of `as_of`, and its rate
/// a year before, and keep them in the history as `cpm metrics value` does: all of them
/// or, cancelled between two queries, none. They are read in one snapshot and dated when it was taken, so a change
/// committed while they were computed shows as a change since (`changed_since`).
pub fn compute(
    conn: &Connection,
    file: &MetricsFile,
    as_of: NaiveDate,
    actor: &str,
    progress: &dyn Progress,
) -> Result<Vec<Segment>> {
    let metrics = segment_metrics(file);
    let a_year_before = a_year_before(as_of);
    let total = 4 * metrics.len() as u64;
    let read_at = crate::store::resolve::now();
    let snapshot = conn.unchecked_transaction()?;
    let mut done = 0;
    let mut query = |name: &str, as_of: NaiveDate| -> Result<MetricValue> {
        progress.update(STAGE, done, total);
        done += 1;
        if progress.is_cancelled() {
            return Err(Error::Cancelled);
        }
        super::compute(&snapshot, file, name, as_of, None)
    };
    let mut values = Vec::new();
    let mut segments = Vec::with_capacity(metrics.len());
    for def in metrics {
        let mut segment = Segment::new(def);
        let (rate, cohort) = segment_values(def, &mut |name| query(name, as_of), &mut values)?;
        segment.rate = rate;
        segment.cohort = cohort;
        segment.as_of = Some(as_of.to_string());
        segment.computed_at = Some(read_at.clone());
        segment.a_year_before =
            segment_values(def, &mut |name| query(name, a_year_before), &mut values)?.0;
        segments.push(segment);
    }
    snapshot.commit()?;
    progress.update(STAGE, total, total);
    if progress.is_cancelled() {
        return Err(Error::Cancelled);
    }
    super::keep(conn, &values.iter().collect::<Vec<_>>(), actor, &read_at)?;
    Ok(segments)
}

/// The date a year before `as_of`, where the year-on-year comparison is computed.
pub fn a_year_before(as_of: NaiveDate) -> NaiveDate {
    as_of
        .checked_sub_months(chrono::Months::new(12))
        .unwrap_or(as_of)
}

/// One segment's rate and cohort, each value computed pushed to `values` (to be kept).
fn segment_values(
    def: &MetricDef,
    query: &mut dyn FnMut(&str) -> Result<MetricValue>,
    values: &mut Vec<MetricValue>,
) -> Result<(Option<f64>, Option<f64>)> {
    let (rate, cohort) = match (def.numerator.as_deref(), def.denominator.as_deref()) {
        // A ratio's SQL is its numerator over its denominator: the two give it without
        // reading the gifts a third time (3-17 s a query on a million records).
        (Some(retained), Some(cohort)) if def.sql.is_empty() => {
            let (retained, cohort) = (query(retained)?, query(cohort)?);
            let rate = ratio(def, &retained, &cohort);
            let size = cohort.value;
            values.extend([retained, cohort]);
            (rate, size)
        }
        // Its own SQL (a dialect's hand-written statement), beside its cohort.
        (_, cohort) => {
            let mut size = None;
            if let Some(cohort) = cohort {
                let cohort = query(cohort)?;
                size = cohort.value;
                values.push(cohort);
            }
            (query(&def.name)?, size)
        }
    };
    let value = rate.value;
    values.push(rate);
    Ok((value, cohort))
}

/// The ratio `def` as its SQL computes it: numerator ÷ denominator, none when the
/// denominator is none or zero.
fn ratio(def: &MetricDef, numerator: &MetricValue, denominator: &MetricValue) -> MetricValue {
    let value = match (numerator.value, denominator.value) {
        (Some(n), Some(d)) if d != 0.0 => Some(n / d),
        _ => None,
    };
    MetricValue {
        metric: def.name.clone(),
        version: def.version(),
        as_of: numerator.as_of.clone(),
        value,
        breakdown: Vec::new(),
        dimension: None,
    }
}

const STAGE: &str = "retention by lifecycle";

/// Each segment as last computed under its current definition (`rate` and `as_of` empty
/// where it never was).
pub fn kept(conn: &Connection, file: &MetricsFile) -> Result<Vec<Segment>> {
    let mut segments = Vec::new();
    for def in segment_metrics(file) {
        let mut segment = Segment::new(def);
        if let Some((as_of, rate, computed_at)) = last_value(conn, def, None)? {
            let cohort = def.denominator.as_deref().and_then(|d| file.get(d));
            if let Some(cohort) = cohort {
                segment.cohort = last_value(conn, cohort, Some(&as_of))?.and_then(|v| v.1);
            }
            let year_before = NaiveDate::parse_from_str(&as_of, "%Y-%m-%d")
                .map(|d| a_year_before(d).to_string())
                .ok();
            if let Some(year_before) = year_before {
                segment.a_year_before =
                    last_value(conn, def, Some(&year_before))?.and_then(|v| v.1);
            }
            segment.rate = rate;
            segment.as_of = Some(as_of);
            segment.computed_at = Some(computed_at);
        }
        segments.push(segment);
    }
    Ok(segments)
}

/// Whether the segments are missing for data as of `data_as_of`: one was never computed
/// under its definition, or was as of another date.
pub fn is_missing(segments: &[Segment], data_as_of: NaiveDate) -> bool {
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

/// The newest headline value of `def` under its current version, as of `as_of` if given,
/// else as of the latest date it was computed for (a value computed for an earlier date
/// since, a year before say, is not the segment's current one): (as_of, value, computed_at).
fn last_value(
    conn: &Connection,
    def: &MetricDef,
    as_of: Option<&str>,
) -> Result<Option<(String, Option<f64>, String)>> {
    Ok(conn
        .query_row(
            "SELECT as_of, value, computed_at FROM metric_value
             WHERE metric = ?1 AND version = ?2 AND dimension IS NULL
               AND (?3 IS NULL OR as_of = ?3)
             ORDER BY as_of DESC, id DESC LIMIT 1",
            params![def.name, def.version(), as_of],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}
