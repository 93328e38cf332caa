//! Data quality: declared checks (`checks`) compiled to SQL (`sqlgen`) and run inside the
//! store, each judged against its thresholds and severity, compared with the previous run
//! (new / recurring / resolved) and with its own history (`anomaly`), and kept.

pub mod anomaly;
pub mod checks;
pub mod sqlgen;

use std::time::Instant;

use rusqlite::types::Value;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::store::quality::{self as sql, ResultRow, RunRow};
use crate::store::{Db, PERSONAL_COLUMNS};
use checks::{Check, QualityConfig, Severity};
use sqlgen::Compiled;

pub use crate::store::quality::REDACTED;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    /// The check could not run (its SQL failed).
    Error,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct QualityReport {
    pub run_id: i64,
    /// pass, or the worst severity among checks that did not pass.
    pub status: String,
    pub results: Vec<ResultRow>,
    pub millis: u64,
}

impl QualityReport {
    /// A critical check failed: a pipeline should stop.
    pub fn blocks(&self) -> bool {
        self.status == Severity::Critical.name()
    }
}

/// What one check found.
struct Outcome {
    failing: u64,
    total: u64,
    measured: f64,
    status: Status,
    threshold: String,
    samples: Vec<sql::Sample>,
}

fn judge_rows(check: &Check, failing: u64, total: u64) -> Status {
    if check.fail_above.exceeded(failing, total) {
        Status::Fail
    } else if check.warn_above.exceeded(failing, total) {
        Status::Warn
    } else {
        Status::Pass
    }
}

/// What every check of one run shares: the as-of date, and table sizes counted once.
struct RunContext {
    as_of: Value,
    totals: std::sync::Mutex<std::collections::HashMap<String, u64>>,
    metrics: Option<std::sync::Arc<crate::metrics::def::MetricsFile>>,
}

impl RunContext {
    fn total(&self, conn: &rusqlite::Connection, sql_text: &str) -> Result<u64> {
        if let Some(n) = self
            .totals
            .lock()
            .ok()
            .and_then(|t| t.get(sql_text).copied())
        {
            return Ok(n);
        }
        let n = sql::count(conn, sql_text, &[])?;
        if let Ok(mut totals) = self.totals.lock() {
            totals.insert(sql_text.to_string(), n);
        }
        Ok(n)
    }
}

fn run_check(
    conn: &rusqlite::Connection,
    check: &Check,
    samples: usize,
    context: &RunContext,
) -> Result<Outcome> {
    match sqlgen::with_as_of(sqlgen::compile(check), &context.as_of) {
        Compiled::Metric => metric_check(conn, check, context),
        Compiled::Rows {
            failing,
            total,
            params,
        } => {
            let (failing_rows, samples) =
                sql::count_and_sample(conn, &check.table, &failing, &params, samples)?;
            let total_rows = context.total(conn, &total)?;
            let status = judge_rows(check, failing_rows, total_rows);
            Ok(Outcome {
                failing: failing_rows,
                total: total_rows,
                measured: failing_rows as f64,
                status,
                threshold: format!(
                    "warn above {}, fail above {}",
                    check.warn_above.describe(),
                    check.fail_above.describe()
                ),
                samples,
            })
        }
        Compiled::Measure {
            sql: query,
            params,
            min,
            max,
            unit,
        } => {
            let value = sql::measure(conn, &query, &params)?;
            let inside = value.is_some_and(|v| {
                min.is_none_or(|m| v >= m - 1e-9) && max.is_none_or(|m| v <= m + 1e-9)
            });
            let bounds = match (min, max) {
                (Some(a), Some(b)) if a == b => format!("exactly {a} {unit}"),
                (Some(a), Some(b)) => format!("{a}–{b} {unit}"),
                (Some(a), None) => format!("at least {a} {unit}"),
                (None, Some(b)) => format!("at most {b} {unit}"),
                (None, None) => "any".into(),
            };
            Ok(Outcome {
                failing: u64::from(!inside),
                total: 1,
                measured: value.unwrap_or(f64::NAN),
                status: if inside { Status::Pass } else { Status::Fail },
                threshold: bounds,
                samples: Vec::new(),
            })
        }
    }
}

/// A metric's value within bounds and within a change from the previous run.
fn metric_check(
    conn: &rusqlite::Connection,
    check: &Check,
    context: &RunContext,
) -> Result<Outcome> {
    let checks::Kind::Metric {
        metric,
        min,
        max,
        max_change_percent,
    } = &check.kind
    else {
        return Err(Error::Invalid("not a metric check".into()));
    };
    let file = context.metrics.as_ref().ok_or_else(|| {
        Error::Invalid(
            "metric checks need the metric definitions (load the config with its project)".into(),
        )
    })?;
    let as_of = crate::metrics::data_as_of(conn)?;
    let sql = crate::metrics::render::render(
        file,
        metric,
        crate::metrics::render::Dialect::Sqlite,
        as_of,
        None,
    )?;
    let value: Option<f64> = conn.query_row(&sql, [], |r| r.get(0))?;
    let previous = sql::history(conn, &check.name, 1)?.last().copied();
    let mut problems = Vec::new();
    let v = value.unwrap_or(f64::NAN);
    // A missing value (NaN) is outside every bound.
    if min.is_some_and(|m| v.is_nan() || v < m) {
        problems.push(format!("below {}", min.unwrap_or_default()));
    }
    if max.is_some_and(|m| v.is_nan() || v > m) {
        problems.push(format!("above {}", max.unwrap_or_default()));
    }
    if let (Some(limit), Some(before)) = (max_change_percent, previous)
        && before != 0.0
        && ((v - before) / before).abs() * 100.0 > *limit
    {
        problems.push(format!("moved more than {limit}% from {before}"));
    }
    Ok(Outcome {
        failing: u64::from(!problems.is_empty()),
        total: 1,
        measured: v,
        status: if problems.is_empty() {
            Status::Pass
        } else {
            Status::Fail
        },
        threshold: if problems.is_empty() {
            format!("{metric} within its bounds")
        } else {
            format!("{metric} {}", problems.join(", "))
        },
        samples: Vec::new(),
    })
}

/// Samples as JSON with personal fields redacted.
fn redact(samples: &[sql::Sample]) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = samples
        .iter()
        .map(|row| {
            let map: serde_json::Map<String, serde_json::Value> = row
                .iter()
                .map(|(column, value)| {
                    let shown = if PERSONAL_COLUMNS.contains(&column.as_str()) {
                        serde_json::Value::String(REDACTED.into())
                    } else {
                        match value {
                            Value::Null => serde_json::Value::Null,
                            Value::Integer(i) => (*i).into(),
                            Value::Real(f) => serde_json::json!(f),
                            Value::Text(t) => t.clone().into(),
                            Value::Blob(b) => format!("<{} bytes>", b.len()).into(),
                        }
                    };
                    (column.clone(), shown)
                })
                .collect();
            serde_json::Value::Object(map)
        })
        .collect();
    serde_json::Value::Array(rows)
}

/// new: fails or warns now and passed (or did not exist) before; recurring: both;
/// resolved: passes now after not passing.
fn change(previous: Option<&str>, now: Status) -> Option<&'static str> {
    let failing_now = now != Status::Pass;
    let failing_before = previous.is_some_and(|s| s != "pass");
    match (failing_before, failing_now) {
        (false, true) => Some("new"),
        (true, true) => Some("recurring"),
        (true, false) => Some("resolved"),
        (false, false) => None,
    }
}

/// The run's status: "pass", or the worst severity among checks that did not pass (a
/// check that only warns counts at most as a warning).
fn rollup(results: &[(Severity, Status)]) -> String {
    results
        .iter()
        .filter_map(|(severity, status)| match status {
            Status::Pass => None,
            Status::Warn => Some((*severity).min(Severity::Warning)),
            Status::Fail | Status::Error => Some(*severity),
        })
        .max()
        .map_or("pass".to_string(), |s| s.name().to_string())
}

/// Connections that run checks at once: the machine's cores, at most 4.
fn workers() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4)
}

/// Every check's outcome and duration, in the config's order. A store on disk is read by
/// several connections at once (WAL lets readers run side by side); an in-memory store by
/// its one connection.
fn run_all(
    db: &Db,
    config: &QualityConfig,
    context: &RunContext,
    progress: &dyn Progress,
) -> Result<Vec<(Outcome, i64)>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let one = |conn: &rusqlite::Connection, check: &Check| {
        let t = Instant::now();
        let outcome = run_check(conn, check, config.samples, context).unwrap_or_else(|e| Outcome {
            failing: 0,
            total: 0,
            measured: f64::NAN,
            status: Status::Error,
            threshold: format!("could not run: {e}"),
            samples: Vec::new(),
        });
        (outcome, t.elapsed().as_millis() as i64)
    };
    let n = config.checks.len();
    let on_disk = db.on_disk();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: std::sync::Mutex<Vec<Option<(Outcome, i64)>>> =
        std::sync::Mutex::new((0..n).map(|_| None).collect());
    let work = |conn: &rusqlite::Connection| {
        loop {
            let i = next.fetch_add(1, Ordering::SeqCst);
            if i >= n || progress.is_cancelled() {
                break;
            }
            let result = one(conn, &config.checks[i]);
            if let Ok(mut slots) = results.lock() {
                slots[i] = Some(result);
            }
            let finished = done.fetch_add(1, Ordering::SeqCst) + 1;
            progress.update("quality: checks", finished as u64, n as u64);
        }
    };
    if on_disk && workers() > 1 {
        std::thread::scope(|scope| -> Result<()> {
            let mut handles = Vec::new();
            for _ in 0..workers() {
                let conn = Db::open_read_only(db.path())?.conn;
                handles.push(scope.spawn(move || work(&conn)));
            }
            for h in handles {
                let _ = h.join();
            }
            Ok(())
        })?;
    } else {
        work(&db.conn);
    }
    if progress.is_cancelled() {
        return Err(Error::Cancelled);
    }
    let slots = results
        .into_inner()
        .map_err(|_| Error::Invalid("a quality worker stopped unexpectedly".into()))?;
    slots
        .into_iter()
        .map(|slot| slot.ok_or_else(|| Error::Invalid("a check did not run".into())))
        .collect()
}

/// Run every check, keep the run and each result, and report.
pub fn run(
    db: &mut Db,
    config: &QualityConfig,
    config_source: (&std::path::Path, &str),
    actor: &str,
    progress: &dyn Progress,
) -> Result<QualityReport> {
    let started = Instant::now();
    let (path, text) = config_source;
    config.validate_against(path, text, &|table| sql::columns_of(&db.conn, table))?;
    let previous = sql::previous_statuses(&db.conn)?;
    let context = RunContext {
        as_of: db
            .conn
            .query_row(&format!("SELECT {}", sqlgen::AS_OF), [], |r| r.get(0))?,
        totals: Default::default(),
        metrics: config.metrics.clone(),
    };
    let outcomes = run_all(db, config, &context, progress)?;
    let mut rows = Vec::with_capacity(config.checks.len());
    let mut judged = Vec::with_capacity(config.checks.len());
    for (check, (outcome, millis)) in config.checks.iter().zip(outcomes) {
        let history = sql::history(&db.conn, &check.name, 60)?;
        let band = anomaly::band(
            &history,
            config.anomaly.min_history,
            config.anomaly.sensitivity,
        );
        let anomaly = band
            .filter(|b| outcome.measured.is_finite() && !b.contains(outcome.measured))
            .map(|b| serde_json::to_string(&b))
            .transpose()?;
        judged.push((check.severity, outcome.status));
        rows.push(ResultRow {
            check_name: check.name.clone(),
            table_name: check.table.clone(),
            check_type: check.kind.name().into(),
            severity: check.severity.name().into(),
            status: outcome.status.name().into(),
            failing: outcome.failing as i64,
            total: outcome.total as i64,
            measured: if outcome.measured.is_finite() {
                outcome.measured
            } else {
                0.0
            },
            threshold: outcome.threshold,
            change: change(
                previous.get(&check.name).map(String::as_str),
                outcome.status,
            )
            .map(str::to_string),
            anomaly,
            samples: redact(&outcome.samples).to_string(),
            millis,
        });
    }
    let status = rollup(&judged);
    let run = RunRow {
        id: 0,
        at: crate::store::resolve::now(),
        actor: actor.into(),
        status: status.clone(),
        checks: rows.len() as i64,
        failed: judged
            .iter()
            .filter(|(_, s)| matches!(s, Status::Fail | Status::Error))
            .count() as i64,
        warned: judged.iter().filter(|(_, s)| *s == Status::Warn).count() as i64,
        millis: started.elapsed().as_millis() as i64,
    };
    let tx = db.conn.transaction()?;
    let run_id = sql::save_run(&tx, &run, &rows)?;
    tx.commit()?;
    let results = sql::results_of(&db.conn, run_id)?;
    Ok(QualityReport {
        run_id,
        status,
        results,
        millis: started.elapsed().as_millis() as u64,
    })
}

/// Profile `table` and write check YAML an admin can review and adopt: completeness,
/// allowed values for low-cardinality text, observed ranges, uniqueness.
pub fn suggest(db: &Db, table: &str) -> Result<String> {
    let columns = sql::columns_of(&db.conn, table)?;
    if columns.is_empty() {
        return Err(Error::Usage(format!("the store has no table '{table}'")));
    }
    let t = sqlgen::quote(table);
    let rows = sql::count(&db.conn, &format!("SELECT count(*) FROM {t}"), &[])?;
    let mut out =
        format!("# Suggested checks for {table} ({rows} rows profiled). Review before adopting.\n");
    for column in columns
        .iter()
        .filter(|c| !PERSONAL_COLUMNS.contains(&c.as_str()))
    {
        let c = sqlgen::quote(column);
        let nulls = sql::count(
            &db.conn,
            &format!("SELECT count(*) FROM {t} WHERE {c} IS NULL OR {c} = ''"),
            &[],
        )?;
        let distinct = sql::count(
            &db.conn,
            &format!("SELECT count(*) FROM (SELECT DISTINCT {c} FROM {t} LIMIT 10001)"),
            &[],
        )?;
        let numeric = sql::count(
            &db.conn,
            &format!("SELECT count(*) FROM {t} WHERE typeof({c}) IN ('integer', 'real')"),
            &[],
        )?;
        let entry = |kind: &str, body: String, severity: &str| {
            format!(
                "  - name: {table}.{column} {kind}\n    table: {table}\n    type: {kind}\n{body}    severity: {severity}\n"
            )
        };
        if nulls == 0 && rows > 0 {
            out.push_str(&entry(
                "not_null",
                format!("    columns: [{column}]\n"),
                "warning",
            ));
        }
        if distinct == rows && rows > 1 {
            out.push_str(&entry(
                "unique",
                format!("    columns: [{column}]\n"),
                "warning",
            ));
        }
        if numeric > 0 && numeric + nulls == rows {
            let (min, max): (Option<f64>, Option<f64>) =
                db.conn
                    .query_row(&format!("SELECT min({c}), max({c}) FROM {t}"), [], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })?;
            if let (Some(min), Some(max)) = (min, max) {
                out.push_str(&entry(
                    "range",
                    format!("    column: {column}\n    min: {min}\n    max: {max}\n"),
                    "warning",
                ));
            }
        } else if (1..=10).contains(&distinct) && rows > distinct * 5 {
            let mut stmt = db.conn.prepare(&format!(
                "SELECT DISTINCT {c} FROM {t} WHERE {c} IS NOT NULL ORDER BY 1"
            ))?;
            let values: Vec<String> = stmt
                .query_map([], |r| r.get::<_, Value>(0))?
                .filter_map(|v| match v {
                    Ok(Value::Text(t)) => Some(t),
                    _ => None,
                })
                .collect();
            if !values.is_empty() {
                out.push_str(&entry(
                    "allowed_values",
                    format!(
                        "    column: {column}\n    values: [{}]\n",
                        values.join(", ")
                    ),
                    "warning",
                ));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_status_is_the_worst_severity_that_did_not_pass() {
        use Severity::*;
        use Status::*;
        assert_eq!(rollup(&[(Critical, Pass), (Info, Pass)]), "pass");
        assert_eq!(rollup(&[(Info, Fail), (Warning, Pass)]), "info");
        assert_eq!(
            rollup(&[(Info, Fail), (Critical, Warn)]),
            "warning",
            "a critical check that only warns"
        );
        assert_eq!(rollup(&[(Warning, Fail), (Critical, Fail)]), "critical");
    }

    #[test]
    fn changes_against_the_previous_run() {
        assert_eq!(change(None, Status::Fail), Some("new"));
        assert_eq!(change(Some("pass"), Status::Warn), Some("new"));
        assert_eq!(change(Some("fail"), Status::Fail), Some("recurring"));
        assert_eq!(change(Some("warn"), Status::Pass), Some("resolved"));
        assert_eq!(change(Some("pass"), Status::Pass), None);
    }

    #[test]
    fn personal_fields_are_redacted_in_samples() {
        let samples = vec![vec![
            ("record_id".to_string(), Value::Integer(7)),
            (
                "email".to_string(),
                Value::Text("someone@example.org".into()),
            ),
            ("zip".to_string(), Value::Text("6061".into())),
        ]];
        let json = redact(&samples).to_string();
        assert!(
            json.contains("[redacted]") && !json.contains("someone"),
            "{json}"
        );
        assert!(json.contains("6061") && json.contains("7"));
    }
}
