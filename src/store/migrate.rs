//! Numbered migrations from `sql/sqlite/`, embedded in the binary and applied in order.
//! The applied version is tracked with `PRAGMA user_version`.

use rusqlite::Connection;

use crate::error::{Error, Result};

/// Append-only: never edit a migration that has shipped, add a new one.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../sql/sqlite/0001_foundation.sql")),
    (2, include_str!("../../sql/sqlite/0002_resolution.sql")),
    (3, include_str!("../../sql/sqlite/0003_console.sql")),
    (4, include_str!("../../sql/sqlite/0004_scoring.sql")),
    (5, include_str!("../../sql/sqlite/0005_quality.sql")),
    (6, include_str!("../../sql/sqlite/0006_metrics.sql")),
    (7, include_str!("../../sql/sqlite/0007_bulk_load.sql")),
    (8, include_str!("../../sql/sqlite/0008_content_hash.sql")),
    (9, include_str!("../../sql/sqlite/0009_fewer_indexes.sql")),
    (10, include_str!("../../sql/sqlite/0010_score_models.sql")),
    (
        11,
        include_str!("../../sql/sqlite/0011_review_queue_indexes.sql"),
    ),
    (
        12,
        include_str!("../../sql/sqlite/0012_compact_contributions.sql"),
    ),
    (
        13,
        include_str!("../../sql/sqlite/0013_no_content_hash_index.sql"),
    ),
    (
        14,
        include_str!("../../sql/sqlite/0014_partial_audit_record_indexes.sql"),
    ),
    (15, include_str!("../../sql/sqlite/0015_field_issues.sql")),
    (16, include_str!("../../sql/sqlite/0016_match_model.sql")),
    (17, include_str!("../../sql/sqlite/0017_consent.sql")),
    (18, include_str!("../../sql/sqlite/0018_households.sql")),
    (
        19,
        include_str!("../../sql/sqlite/0019_engagement_segments.sql"),
    ),
    (20, include_str!("../../sql/sqlite/0020_record_search.sql")),
    (21, include_str!("../../sql/sqlite/0021_assignment.sql")),
    (
        22,
        include_str!("../../sql/sqlite/0022_name_generation.sql"),
    ),
    (23, include_str!("../../sql/sqlite/0023_dob_as_written.sql")),
    (24, include_str!("../../sql/sqlite/0024_gender.sql")),
    (25, include_str!("../../sql/sqlite/0025_review_marks.sql")),
    (26, include_str!("../../sql/sqlite/0026_merge_check.sql")),
];

pub fn latest_version() -> i64 {
    MIGRATIONS.last().map(|(v, _)| *v).unwrap_or(0)
}

pub fn apply(conn: &Connection) -> Result<()> {
    apply_up_to(conn, latest_version())
}

/// Apply the migrations up to `target` (tests start a store at an older version).
pub(super) fn apply_up_to(conn: &Connection, target: i64) -> Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > latest_version() {
        return Err(Error::Invalid(format!(
            "the store has schema version {current}, newer than this cpm understands ({}); upgrade cpm",
            latest_version()
        )));
    }
    for (version, sql) in MIGRATIONS
        .iter()
        .filter(|(v, _)| *v > current && *v <= target)
    {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!("PRAGMA user_version = {version}"))?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_file_is_applied_in_its_numbered_order() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sql/sqlite");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        assert_eq!(files.len(), MIGRATIONS.len(), "{files:?}");
        for (i, ((version, sql), file)) in MIGRATIONS.iter().zip(&files).enumerate() {
            assert_eq!(*version, i as i64 + 1);
            assert!(file.starts_with(&format!("{version:04}_")), "{file}");
            assert_eq!(
                *sql,
                std::fs::read_to_string(dir.join(file)).unwrap(),
                "{file}"
            );
        }
    }

    #[test]
    fn upgrade_model_versions_move_from_the_json_column_to_their_own() {
        let conn = Connection::open_in_memory().unwrap();
        apply_up_to(&conn, 9).unwrap();
        conn.execute_batch(
            "PRAGMA foreign_keys = OFF;
             INSERT INTO score_run (id, at, actor, as_of, scored, tiers, millis) VALUES (1, 'now', 'cpm', '2026-01-01', 2, '{}', 0);
             INSERT INTO constituent_score (constituent_id, run_id, as_of, upgrade_models)
                 VALUES (1, 1, '2026-01-01', '{\"become_sustainer\":2,\"major_gift\":4,\"raise_monthly\":0}'),
                        (2, 1, '2026-01-01', NULL);",
        )
        .unwrap();
        apply(&conn).unwrap();
        let models = |id: i64| -> (Option<i64>, Option<i64>, Option<i64>) {
            conn.query_row(
                "SELECT become_sustainer_model, raise_monthly_model, major_gift_model FROM constituent_score WHERE constituent_id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
        };
        assert_eq!(models(1), (Some(2), None, Some(4)), "0 meant no model");
        assert_eq!(models(2), (None, None, None));
        let columns: i64 = conn
            .query_row(
                "SELECT count(*) FROM pragma_table_info('constituent_score') WHERE name = 'upgrade_models'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(columns, 0);
    }

    #[test]
    fn candidate_contributions_become_triples_in_their_order() {
        let conn = Connection::open_in_memory().unwrap();
        apply_up_to(&conn, 11).unwrap();
        conn.execute_batch(
            r#"PRAGMA foreign_keys = OFF;
             INSERT INTO match_candidate (id, record_a, record_b, score, band, rule, contributions) VALUES
                 (1, 1, 2, 0.8, 'review', 'weighted',
                  '[{"field":"last_name","similarity":1.0,"contribution":0.5},{"field":"email","similarity":0.25,"contribution":0.3}]'),
                 (2, 3, 4, 0.0, 'review', 'weighted', '[]');"#,
        )
        .unwrap();
        apply(&conn).unwrap();
        let stored = |id: i64| -> String {
            conn.query_row(
                "SELECT contributions FROM match_candidate WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap()
        };
        // [field, similarity, contribution] triples, as `resolve::compare` reads them.
        let read: Vec<(String, f64, f64)> = serde_json::from_str(&stored(1)).unwrap();
        assert_eq!(
            read,
            [
                ("last_name".to_string(), 1.0, 0.5),
                ("email".to_string(), 0.25, 0.3)
            ]
        );
        assert_eq!(stored(2), "[]");
    }
}
