//! Metrics: each defined once in YAML (`def`), rendered to SQL for four platforms
//! (`render`), computed on the local store with the definition version recorded, and
//! documented in a generated data dictionary. `schemas` writes the warehouse DDL.

pub mod def;
pub mod lifecycle;
pub mod render;
pub mod schemas;

use chrono::NaiveDate;
use rusqlite::{Connection, params};
use serde::Serialize;

use crate::error::{Error, Result};
use def::{MetricDef, MetricsFile};
use render::Dialect;

/// The data's as-of date: the newest gift in the store.
pub fn data_as_of(conn: &Connection) -> Result<NaiveDate> {
    crate::store::resolve::newest_gift(conn)?
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d.get(..10)?, "%Y-%m-%d").ok())
        .ok_or_else(|| Error::Invalid("no gifts in the store: ingest sources first".into()))
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MetricValue {
    pub metric: String,
    pub version: u32,
    pub as_of: String,
    pub value: Option<f64>,
    /// (dimension value, metric value) when broken down.
    pub breakdown: Vec<(Option<String>, Option<f64>)>,
    pub dimension: Option<String>,
}

/// Compute `metric` on the local store as of `as_of`, optionally by a dimension, and keep
/// the value with the definition version it used.
pub fn value(
    conn: &Connection,
    file: &MetricsFile,
    metric: &str,
    as_of: NaiveDate,
    by: Option<&str>,
    actor: &str,
) -> Result<MetricValue> {
    let value = compute(conn, file, metric, as_of, by)?;
    keep(conn, &[&value], actor, &crate::store::resolve::now())?;
    Ok(value)
}

/// Compute `metric` on the local store as of `as_of`, optionally by a dimension, writing
/// nothing.
pub fn compute(
    conn: &Connection,
    file: &MetricsFile,
    metric: &str,
    as_of: NaiveDate,
    by: Option<&str>,
) -> Result<MetricValue> {
    let def = file.require(metric)?;
    let sql = render::render(file, metric, Dialect::Sqlite, as_of, None)?;
    let headline: Option<f64> = conn.query_row(&sql, [], |r| r.get(0))?;
    let breakdown = match by {
        Some(d) => {
            let sql = render::render(file, metric, Dialect::Sqlite, as_of, Some(d))?;
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map([], |r| {
                let dim: Option<rusqlite::types::Value> = r.get(0)?;
                let dim = dim.map(|v| match v {
                    rusqlite::types::Value::Text(t) => t,
                    rusqlite::types::Value::Integer(i) => i.to_string(),
                    rusqlite::types::Value::Real(f) => f.to_string(),
                    _ => String::new(),
                });
                Ok((dim, r.get::<_, Option<f64>>(1)?))
            })?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        }
        None => Vec::new(),
    };
    Ok(MetricValue {
        metric: metric.into(),
        version: def.version(),
        as_of: as_of.to_string(),
        value: headline,
        breakdown,
        dimension: by.map(str::to_string),
    })
}

/// Keep computed values in the history, in one transaction, attributed to `actor` and
/// dated `computed_at` (the moment the data was read).
pub fn keep(
    conn: &Connection,
    values: &[&MetricValue],
    actor: &str,
    computed_at: &str,
) -> Result<()> {
    let insert = "INSERT INTO metric_value (metric, version, as_of, dimension, dimension_value, value, computed_at, actor)
                  VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    let tx = conn.unchecked_transaction()?;
    {
        let mut insert = tx.prepare_cached(insert)?;
        for v in values {
            let rows = std::iter::once((None, None, v.value)).chain(
                v.breakdown
                    .iter()
                    .map(|(dim, x)| (v.dimension.as_deref(), dim.as_deref(), *x)),
            );
            for (dimension, dimension_value, value) in rows {
                insert.execute(params![
                    v.metric,
                    v.version,
                    v.as_of,
                    dimension,
                    dimension_value,
                    value,
                    computed_at,
                    actor
                ])?;
            }
        }
    }
    tx.commit()?;
    Ok(())
}

/// Earlier headline values of `metric` with the version each used, oldest first.
pub fn history(
    conn: &Connection,
    metric: &str,
    limit: usize,
) -> Result<Vec<(u32, String, Option<f64>)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT version, as_of, value FROM metric_value WHERE metric = ?1 AND dimension IS NULL ORDER BY id DESC LIMIT ?2",
    )?;
    let mut rows: Vec<(u32, String, Option<f64>)> = stmt
        .query_map(params![metric, limit as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    rows.reverse();
    Ok(rows)
}

/// The data dictionary as Markdown: every metric with owners, definition, version history
/// and its SQL on each platform (as of a fixed example date, so the file is stable).
pub fn dictionary(file: &MetricsFile) -> Result<String> {
    let example = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default();
    let mut out = String::from(
        "# Metrics data dictionary\n\nGenerated by `cpm metrics dictionary` from \
         `config/metrics_definitions.yaml`; a test fails when this copy is out of date. SQL is \
         shown as of 2026-06-30; the fiscal year starts in month ",
    );
    out.push_str(&format!("{}.\n\n", file.fiscal_year_start_month));
    let mut categories: Vec<&str> = file.metrics.iter().map(|m| m.category.as_str()).collect();
    categories.dedup();
    categories.sort();
    categories.dedup();
    for category in categories {
        out.push_str(&format!("## {category}\n\n"));
        for m in file.metrics.iter().filter(|m| m.category == category) {
            out.push_str(&entry(file, m, example)?);
        }
    }
    Ok(out)
}

fn entry(file: &MetricsFile, m: &MetricDef, example: NaiveDate) -> Result<String> {
    let mut out = format!(
        "### {} (`{}`)\n\n{}\n\n",
        m.display_name,
        m.name,
        m.definition.trim()
    );
    out.push_str(&format!(
        "- Type: {:?}{}\n- Owner: {} · Steward: {}\n",
        m.kind,
        m.unit.as_ref().map_or(String::new(), |u| format!(" ({u})")),
        m.owner,
        m.steward
    ));
    if !m.dimensions.is_empty() {
        out.push_str(&format!("- Dimensions: {}\n", m.dimensions.join(", ")));
    }
    if !m.tags.is_empty() {
        out.push_str(&format!("- Tags: {}\n", m.tags.join(", ")));
    }
    for v in &m.versions {
        out.push_str(&format!(
            "- Version {} ({}, {}): {}\n",
            v.version, v.date, v.author, v.change
        ));
    }
    out.push('\n');
    for dialect in Dialect::ALL {
        let sql = render::render(file, &m.name, dialect, example, None)
            .unwrap_or_else(|e| format!("-- not available: {e}"));
        out.push_str(&format!("{}:\n\n```sql\n{}\n```\n\n", dialect.name(), sql));
    }
    Ok(out)
}
