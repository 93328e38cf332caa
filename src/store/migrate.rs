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
];

pub fn latest_version() -> i64 {
    MIGRATIONS.last().map(|(v, _)| *v).unwrap_or(0)
}

pub fn apply(conn: &Connection) -> Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > latest_version() {
        return Err(Error::Invalid(format!(
            "the store has schema version {current}, newer than this cpm understands ({}); upgrade cpm",
            latest_version()
        )));
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!("PRAGMA user_version = {version}"))?;
        tx.commit()?;
    }
    Ok(())
}
