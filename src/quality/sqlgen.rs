//! Each check compiled to SQL that runs inside SQLite. Identifiers come from a validated
//! config and are quoted; values are bound as parameters, never spliced in.

use rusqlite::types::Value;

use super::checks::{Check, Kind, named_pattern};

/// A check as SQL. `failing` returns one row per failing record (its id first, then the
/// values worth showing); `total` counts the rows checked. Aggregate checks (row counts,
/// freshness, reconciliation) instead give one `measured` number and bounds.
#[derive(Debug, Clone, PartialEq)]
pub enum Compiled {
    Rows {
        failing: String,
        total: String,
        params: Vec<Value>,
    },
    Measure {
        sql: String,
        params: Vec<Value>,
        min: Option<f64>,
        max: Option<f64>,
        unit: &'static str,
    },
    /// A metric from the metrics engine; rendered at run time with the definitions.
    Metric,
}

pub fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

fn list(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| quote(c))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Give a compiled freshness check the run's as-of date.
pub fn with_as_of(compiled: Compiled, as_of: &Value) -> Compiled {
    match compiled {
        Compiled::Measure {
            sql,
            mut params,
            min,
            max,
            unit,
        } if sql.contains("julianday(?1)") => {
            params[0] = as_of.clone();
            Compiled::Measure {
                sql,
                params,
                min,
                max,
                unit,
            }
        }
        other => other,
    }
}

/// The newest date any fact table holds: the data's as-of date that freshness is measured
/// against (the store holds history, so "today" would make every demo store stale).
pub const AS_OF: &str = "(SELECT max(d) FROM (
    SELECT max(gift_date) AS d FROM donation UNION ALL SELECT max(start_date) FROM subscription
    UNION ALL SELECT max(event_date) FROM event_ticket UNION ALL SELECT max(period_start) FROM email_event))";

pub fn compile(check: &Check) -> Compiled {
    let t = quote(&check.table);
    let rows = |condition: String, shown: String, params: Vec<Value>| Compiled::Rows {
        failing: format!("SELECT rowid AS record_id{shown} FROM {t} WHERE {condition}"),
        total: format!("SELECT count(*) FROM {t}"),
        params,
    };
    match &check.kind {
        Kind::NotNull { columns } => {
            let condition = columns
                .iter()
                .map(|c| format!("{0} IS NULL OR trim({0}) = ''", quote(c)))
                .collect::<Vec<_>>()
                .join(" OR ");
            rows(condition, format!(", {}", list(columns)), vec![])
        }
        Kind::Unique { columns } => {
            let cols = list(columns);
            rows(
                format!("({cols}) IN (SELECT {cols} FROM {t} GROUP BY {cols} HAVING count(*) > 1)"),
                format!(", {cols}"),
                vec![],
            )
        }
        Kind::Format { column, pattern } => {
            let c = quote(column);
            rows(
                format!("{c} IS NOT NULL AND {c} <> '' AND NOT ({c} REGEXP ?1)"),
                format!(", {c}"),
                vec![Value::Text(named_pattern(pattern).to_string())],
            )
        }
        Kind::AllowedValues { column, values } => {
            let c = quote(column);
            let marks = (1..=values.len()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
            rows(
                format!("{c} IS NOT NULL AND {c} NOT IN ({marks})"),
                format!(", {c}"),
                values.iter().map(|v| Value::Text(v.clone())).collect(),
            )
        }
        Kind::Range { column, min, max } => {
            let c = quote(column);
            let mut parts = Vec::new();
            let mut params = Vec::new();
            if let Some(min) = min {
                params.push(Value::Real(*min));
                parts.push(format!("{c} < ?{}", params.len()));
            }
            if let Some(max) = max {
                params.push(Value::Real(*max));
                parts.push(format!("{c} > ?{}", params.len()));
            }
            rows(
                format!("{c} IS NOT NULL AND ({})", parts.join(" OR ")),
                format!(", {c}"),
                params,
            )
        }
        Kind::References { column, references } => {
            let c = quote(column);
            rows(
                format!(
                    "{c} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {} r WHERE r.{} = {t}.{c})",
                    quote(&references.table),
                    quote(&references.column)
                ),
                format!(", {c}"),
                vec![],
            )
        }
        Kind::Membership => rows(
            "NOT EXISTS (SELECT 1 FROM constituent_member cm WHERE cm.source_record_id = source_record.id)"
                .into(),
            ", source, source_key".into(),
            vec![],
        ),
        Kind::DuplicateSuspicion => Compiled::Rows {
            // Records whose normalised name and ZIP, or name and email, are shared with a
            // record of another golden record. Window functions keep it one sort per key
            // (a pairwise self-join is quadratic in the size of a common-name group); a
            // record a steward has kept apart (cannot-link) is not suspected again.
            failing: "SELECT id AS record_id FROM (
                    SELECT sr.id, sr.n_zip, sr.n_email,
                           min(cm.constituent_id) OVER by_zip AS zip_low,
                           max(cm.constituent_id) OVER by_zip AS zip_high,
                           min(cm.constituent_id) OVER by_email AS email_low,
                           max(cm.constituent_id) OVER by_email AS email_high
                    FROM source_record sr JOIN constituent_member cm ON cm.source_record_id = sr.id
                    WHERE sr.n_last <> ''
                    WINDOW by_zip AS (PARTITION BY sr.n_last, sr.n_first_canon, sr.n_zip),
                           by_email AS (PARTITION BY sr.n_last, sr.n_first_canon, sr.n_email))
                WHERE ((n_zip <> '' AND zip_low <> zip_high) OR (n_email <> '' AND email_low <> email_high))
                  AND NOT EXISTS (SELECT 1 FROM link_constraint lc WHERE lc.revoked_at IS NULL
                      AND lc.kind = 'cannot_link' AND (lc.record_a = id OR lc.record_b = id))"
                .into(),
            total: "SELECT count(*) FROM source_record".into(),
            params: vec![],
        },
        Kind::CustomSql { sql } => Compiled::Rows {
            failing: sql.trim().trim_end_matches(';').to_string(),
            total: format!("SELECT count(*) FROM {t}"),
            params: vec![],
        },
        Kind::Freshness {
            column,
            max_age_days,
        } => Compiled::Measure {
            // ?1 is the data's as-of date, computed once per run (`AS_OF`).
            sql: format!(
                "SELECT julianday(?1) - julianday((SELECT max({}) FROM {t}))",
                quote(column)
            ),
            params: vec![Value::Null],
            min: None,
            max: Some(*max_age_days as f64),
            unit: "days old",
        },
        Kind::RowCount { min, max } => Compiled::Measure {
            sql: format!("SELECT count(*) FROM {t}"),
            params: vec![],
            min: min.map(|m| m as f64),
            max: max.map(|m| m as f64),
            unit: "rows",
        },
        Kind::Metric { .. } => Compiled::Metric,
        Kind::Reconciliation => Compiled::Measure {
            // Succeeded giving in the source tables minus the golden records' lifetime totals.
            sql: "SELECT (SELECT coalesce(sum(d.amount_cents), 0) FROM donation d
                      JOIN constituent_member cm ON cm.source_record_id = d.source_record_id
                      WHERE d.status = 'succeeded')
                   - (SELECT coalesce(sum(lifetime_cents), 0) FROM constituent_summary)"
                .into(),
            params: vec![],
            min: Some(0.0),
            max: Some(0.0),
            unit: "cents apart",
        },
    }
}
