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
            // Same normalised name and (email or ZIP) in two different golden records.
            failing: "SELECT a.id AS record_id, a.source, a.source_key, b.id AS other_record
                FROM source_record a
                JOIN source_record b ON b.n_last = a.n_last AND b.n_first_canon = a.n_first_canon
                    AND b.id > a.id AND (b.n_email = a.n_email OR b.n_zip = a.n_zip)
                JOIN constituent_member ma ON ma.source_record_id = a.id
                JOIN constituent_member mb ON mb.source_record_id = b.id
                WHERE a.n_last IS NOT NULL AND a.n_last <> '' AND ma.constituent_id <> mb.constituent_id
                  AND NOT EXISTS (SELECT 1 FROM link_constraint lc WHERE lc.revoked_at IS NULL
                      AND lc.kind = 'cannot_link' AND lc.record_a IN (a.id, b.id) AND lc.record_b IN (a.id, b.id))"
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
            sql: format!(
                "SELECT julianday({AS_OF}) - julianday((SELECT max({}) FROM {t}))",
                quote(column)
            ),
            params: vec![],
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
