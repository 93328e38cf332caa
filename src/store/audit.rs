//! Reading the audit trail.

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::error::Result;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AuditEvent {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub constituent_id: Option<i64>,
    pub record_a: Option<i64>,
    pub record_b: Option<i64>,
    pub score: Option<f64>,
    pub reason: Option<String>,
    pub details: Option<String>,
}

fn read(r: &rusqlite::Row) -> rusqlite::Result<AuditEvent> {
    Ok(AuditEvent {
        id: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        constituent_id: r.get(4)?,
        record_a: r.get(5)?,
        record_b: r.get(6)?,
        score: r.get(7)?,
        reason: r.get(8)?,
        details: r.get(9)?,
    })
}

const COLUMNS: &str =
    "id, at, actor, action, constituent_id, record_a, record_b, score, reason, details";

/// The latest events, newest first.
pub fn recent(conn: &Connection, limit: usize) -> Result<Vec<AuditEvent>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM audit_event ORDER BY id DESC LIMIT ?1"
    ))?;
    Ok(stmt
        .query_map([limit as i64], read)?
        .collect::<rusqlite::Result<_>>()?)
}

/// The events about golden record ?1 or its source records, newest first, ?2 of them: three
/// indexed lookups rather than one OR, which SQLite answers with a full scan.
fn history_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM audit_event WHERE id IN (
             SELECT id FROM audit_event WHERE constituent_id = ?1
             UNION SELECT ae.id FROM constituent_member cm JOIN audit_event ae ON ae.record_a = cm.source_record_id
                 WHERE cm.constituent_id = ?1
             UNION SELECT ae.id FROM constituent_member cm JOIN audit_event ae ON ae.record_b = cm.source_record_id
                 WHERE cm.constituent_id = ?1)
         ORDER BY id DESC LIMIT ?2"
    )
}

/// Events about a golden record or any of its source records, newest first.
pub fn for_constituent(
    conn: &Connection,
    constituent: i64,
    limit: usize,
) -> Result<Vec<AuditEvent>> {
    let mut stmt = conn.prepare_cached(&history_sql())?;
    Ok(stmt
        .query_map(params![constituent, limit as i64], read)?
        .collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Db;

    #[test]
    fn a_golden_records_history_is_read_through_the_partial_by_record_indexes() {
        let db = Db::open_in_memory().unwrap();
        let mut plan = db
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {}", history_sql()))
            .unwrap();
        let steps: Vec<String> = plan
            .query_map(params![1, 10], |r| r.get(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let plan = steps.join("\n");
        for index in [
            "audit_event_constituent",
            "audit_event_records",
            "audit_event_record_b",
        ] {
            assert!(plan.contains(&format!("INDEX {index} ")), "{plan}");
        }
        assert!(!plan.contains("SCAN ae"), "{plan}");
    }
}
