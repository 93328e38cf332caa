//! Where the store stands in the pipeline, for `cpm status`: what each step last did, by
//! whom and when. The counts a step needs from another layer (the review queue's) are
//! added by the caller.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::error::Result;
use crate::store::quality::{self, RunRow};
use crate::store::source::{self, StoreCounts};

#[derive(Debug, Clone, Serialize)]
pub struct PipelineState {
    #[serde(flatten)]
    pub counts: StoreCounts,
    /// Golden records in use (retired ones, merged into another, not counted).
    pub golden_records: i64,
    pub households: i64,
    pub last_resolution: Option<Step>,
    pub last_scoring: Option<Step>,
    /// Sustainers scored in each churn tier.
    pub tiers: BTreeMap<String, i64>,
    pub last_quality: Option<RunRow>,
}

/// When a step last ran, and who ran it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Step {
    pub at: String,
    pub actor: String,
}

pub fn pipeline(conn: &Connection) -> Result<PipelineState> {
    let count = |sql: &str| -> Result<i64> { Ok(conn.query_row(sql, [], |r| r.get(0))?) };
    let step = |sql: &str| -> Result<Option<Step>> {
        Ok(conn
            .query_row(sql, [], |r| {
                Ok(Step {
                    at: r.get(0)?,
                    actor: r.get(1)?,
                })
            })
            .optional()?)
    };
    Ok(PipelineState {
        counts: source::counts(conn)?,
        golden_records: count("SELECT count(*) FROM constituent WHERE retired_at IS NULL")?,
        households: count("SELECT count(*) FROM household WHERE member_count > 0")?,
        last_resolution: step(
            "SELECT at, actor FROM audit_event WHERE action = 'resolution_run' ORDER BY id DESC LIMIT 1",
        )?,
        last_scoring: step("SELECT at, actor FROM score_run ORDER BY id DESC LIMIT 1")?,
        tiers: crate::store::score::tier_counts(conn)?
            .into_iter()
            .collect(),
        last_quality: quality::latest_run(conn)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Db;

    #[test]
    fn a_new_store_has_run_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("s.db")).unwrap();
        let state = pipeline(&db.conn).unwrap();
        assert_eq!(state.golden_records, 0);
        assert_eq!(state.last_resolution, None);
        assert_eq!(state.last_scoring, None);
        assert!(state.last_quality.is_none());
        assert!(state.tiers.is_empty());
    }
}
