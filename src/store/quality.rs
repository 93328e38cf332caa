//! Data-quality SQL: the schema checks are validated against, running compiled checks,
//! and the run history.

use std::collections::HashMap;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// The columns of `table` (empty when there is no such table).
pub fn columns_of(conn: &Connection, table: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
    Ok(stmt
        .query_map([table], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

pub fn count(conn: &Connection, sql: &str, params: &[Value]) -> Result<u64> {
    let n: i64 = conn.query_row(sql, params_from_iter(params), |r| r.get(0))?;
    Ok(n.max(0) as u64)
}

pub fn measure(conn: &Connection, sql: &str, params: &[Value]) -> Result<Option<f64>> {
    Ok(conn.query_row(sql, params_from_iter(params), |r| r.get(0))?)
}

/// A sample row: (column name, value) pairs.
pub type Sample = Vec<(String, Value)>;

/// How many rows `sql` returns, and the first `limit` of them, in one pass.
pub fn count_and_sample(
    conn: &Connection,
    table: &str,
    sql: &str,
    params: &[Value],
    limit: usize,
) -> Result<(u64, Vec<Sample>)> {
    let mut stmt = conn.prepare(sql)?;
    let names: Vec<String> = stmt.column_names().map(str::to_string).collect();
    let mut rows = stmt.query(params_from_iter(params))?;
    let (mut count, mut samples) = (0u64, Vec::new());
    while let Some(r) = rows.next()? {
        count += 1;
        if samples.len() < limit {
            samples.push(
                (0..names.len())
                    .map(|i| Ok((names[i].clone(), r.get::<_, Value>(i)?)))
                    .collect::<rusqlite::Result<Sample>>()?,
            );
        }
    }
    drop(rows);
    drop(stmt);
    for sample in &mut samples {
        locate(conn, table, sample)?;
    }
    Ok((count, samples))
}

/// A sample that names a row of `table` (`record_id`: a source record, or a fact of one)
/// also names where a person finds it: its system and key, and the golden record holding it.
fn locate(conn: &Connection, table: &str, sample: &mut Sample) -> Result<()> {
    let row = sample
        .iter()
        .find_map(|(name, value)| match (name.as_str(), value) {
            ("record_id", Value::Integer(id)) => Some(*id),
            _ => None,
        });
    let Some(row) = row else {
        return Ok(());
    };
    let record = match table {
        "source_record" => Some(row),
        fact if crate::vocab::facts::FACT_TABLES.contains(&fact) => conn
            .prepare_cached(&format!(
                "SELECT source_record_id FROM {fact} WHERE id = ?1"
            ))?
            .query_row([row], |r| r.get(0))
            .optional()?,
        _ => None,
    };
    let Some(record) = record else {
        return Ok(());
    };
    let found: Option<(String, String, Option<i64>)> = conn
        .prepare_cached(
            "SELECT sr.source, sr.source_key, cm.constituent_id FROM source_record sr
             LEFT JOIN constituent_member cm ON cm.source_record_id = sr.id WHERE sr.id = ?1",
        )?
        .query_row([record], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    if let Some((source, key, golden)) = found {
        sample.push(("source".into(), Value::Text(source)));
        sample.push(("source_key".into(), Value::Text(key)));
        if let Some(golden) = golden {
            sample.push((
                "golden".into(),
                Value::Text(crate::store::browse::golden_id(golden)),
            ));
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ResultRow {
    pub check_name: String,
    pub table_name: String,
    pub check_type: String,
    pub severity: String,
    pub status: String,
    pub failing: i64,
    pub total: i64,
    pub measured: f64,
    pub threshold: String,
    pub change: Option<String>,
    pub anomaly: Option<String>,
    pub samples: String,
    pub millis: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub status: String,
    pub checks: i64,
    pub failed: i64,
    pub warned: i64,
    pub millis: i64,
}

pub fn save_run(conn: &Connection, run: &RunRow, results: &[ResultRow]) -> Result<i64> {
    conn.execute(
        "INSERT INTO quality_run (at, actor, status, checks, failed, warned, millis) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![run.at, run.actor, run.status, run.checks, run.failed, run.warned, run.millis],
    )?;
    let id = conn.last_insert_rowid();
    let mut insert = conn.prepare(
        "INSERT INTO quality_result (run_id, check_name, table_name, check_type, severity, status,
             failing, total, measured, threshold, change, anomaly, samples, millis)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    for r in results {
        insert.execute(params![
            id,
            r.check_name,
            r.table_name,
            r.check_type,
            r.severity,
            r.status,
            r.failing,
            r.total,
            r.measured,
            r.threshold,
            r.change,
            r.anomaly,
            r.samples,
            r.millis
        ])?;
    }
    Ok(id)
}

/// The latest run, if any.
pub fn latest_run(conn: &Connection) -> Result<Option<RunRow>> {
    Ok(conn
        .query_row(
            "SELECT id, at, actor, status, checks, failed, warned, millis FROM quality_run ORDER BY id DESC LIMIT 1",
            [],
            |r| {
                Ok(RunRow {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    actor: r.get(2)?,
                    status: r.get(3)?,
                    checks: r.get(4)?,
                    failed: r.get(5)?,
                    warned: r.get(6)?,
                    millis: r.get(7)?,
                })
            },
        )
        .optional()?)
}

/// The results of run `run`, worst first.
pub fn results_of(conn: &Connection, run: i64) -> Result<Vec<ResultRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT check_name, table_name, check_type, severity, status, failing, total, measured,
                threshold, change, anomaly, samples, millis
         FROM quality_result WHERE run_id = ?1
         ORDER BY CASE status WHEN 'error' THEN 0 WHEN 'fail' THEN 1 WHEN 'warn' THEN 2 ELSE 3 END,
                  CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, id",
    )?;
    Ok(stmt
        .query_map([run], |r| {
            Ok(ResultRow {
                check_name: r.get(0)?,
                table_name: r.get(1)?,
                check_type: r.get(2)?,
                severity: r.get(3)?,
                status: r.get(4)?,
                failing: r.get(5)?,
                total: r.get(6)?,
                measured: r.get(7)?,
                threshold: r.get(8)?,
                change: r.get(9)?,
                anomaly: r.get(10)?,
                samples: r.get(11)?,
                millis: r.get(12)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// Each check's status in the latest run before this one.
pub fn previous_statuses(conn: &Connection) -> Result<HashMap<String, String>> {
    let Some(run) = latest_run(conn)? else {
        return Ok(HashMap::new());
    };
    Ok(results_of(conn, run.id)?
        .into_iter()
        .map(|r| (r.check_name, r.status))
        .collect())
}

/// A check's measured values in earlier runs, oldest first, at most `limit`.
pub fn history(conn: &Connection, check: &str, limit: usize) -> Result<Vec<f64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT measured FROM quality_result WHERE check_name = ?1 AND status <> 'error' ORDER BY run_id DESC LIMIT ?2",
    )?;
    let mut values: Vec<f64> = stmt
        .query_map(params![check, limit as i64], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    values.reverse();
    Ok(values)
}

/// What a sample shows in place of a personal value.
pub const REDACTED: &str = "[redacted]";

/// A check's stored samples (run `run`) with their personal values read back from the rows
/// they name, for an admin who must act on them: values as they are now, not as they were
/// at the run. Recorded in the audit trail as seen by `actor`.
pub fn reveal_samples(
    conn: &Connection,
    run: i64,
    check: &str,
    actor: &str,
) -> Result<Vec<serde_json::Value>> {
    let (table, samples): (String, String) = conn.query_row(
        "SELECT table_name, samples FROM quality_result WHERE run_id = ?1 AND check_name = ?2",
        params![run, check],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut samples: Vec<serde_json::Value> = serde_json::from_str(&samples).unwrap_or_default();
    let plain_name = |t: &str| t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let mut shown = 0;
    for sample in &mut samples {
        let Some(fields) = sample.as_object_mut() else {
            continue;
        };
        let row = ["record_id", "id"]
            .iter()
            .find_map(|key| fields.get(*key).and_then(serde_json::Value::as_i64));
        let hidden: Vec<String> = fields
            .iter()
            .filter(|(column, value)| {
                value.as_str() == Some(REDACTED)
                    && super::PERSONAL_COLUMNS.contains(&column.as_str())
            })
            .map(|(column, _)| column.clone())
            .collect();
        let (Some(row), true) = (row, plain_name(&table)) else {
            continue;
        };
        for column in hidden {
            // The column is one of PERSONAL_COLUMNS and the table a plain name: both safe
            // to name in SQL. A table without the column leaves the value redacted.
            let value: Option<Option<String>> = conn
                .prepare_cached(&format!("SELECT {column} FROM {table} WHERE id = ?1"))
                .and_then(|mut stmt| stmt.query_row([row], |r| r.get(0)).optional())
                .unwrap_or(None);
            if let Some(value) = value {
                fields.insert(column, value.map_or(serde_json::Value::Null, Into::into));
                shown += 1;
            }
        }
    }
    super::resolve::audit(
        conn,
        actor,
        "reveal_quality_samples",
        None,
        (None, None),
        None,
        check,
        &format!(
            "{shown} personal values of {} samples, run #{run}",
            samples.len()
        ),
    )?;
    Ok(samples)
}
