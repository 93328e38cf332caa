//! Indexes set aside while a table is filled from empty.

use rusqlite::Connection;

use crate::error::Result;

pub(crate) fn table_is_empty(tx: &Connection, table: &str) -> Result<bool> {
    let any: bool = tx.query_row(&format!("SELECT EXISTS (SELECT 1 FROM {table})"), [], |r| {
        r.get(0)
    })?;
    Ok(!any)
}

/// A table's indexes while a first load fills it (a fact table's, the source records'
/// name index, the golden records' on a first resolution): dropped before the rows go in
/// and built once afterwards. Random keys would otherwise make every insert a random
/// B-tree walk, and at millions of rows the index outgrows the page cache. All of this
/// happens inside the caller's transaction, so a killed load leaves the indexes as they were.
pub(crate) struct DeferredIndexes {
    table: &'static str,
    key_column: &'static str,
    /// `CREATE INDEX` statements as the schema holds them, unique ones first.
    create: Vec<String>,
}

impl DeferredIndexes {
    /// Drop `table`'s indexes whose definition starts with `kind` (`CREATE UNIQUE INDEX`
    /// or `CREATE INDEX`); `key_column` is the source key that unique ones cover.
    pub(crate) fn drop(
        tx: &Connection,
        table: &'static str,
        key_column: &'static str,
        kind: &str,
    ) -> Result<Self> {
        let indexes: Vec<(String, String)> = tx
            .prepare(
                "SELECT name, sql FROM sqlite_master
                 WHERE type = 'index' AND tbl_name = ?1 AND sql LIKE ?2 || '%'
                 ORDER BY sql LIKE 'CREATE UNIQUE%' DESC, name",
            )?
            .query_map([table, kind], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (name, _) in &indexes {
            tx.execute_batch(&format!("DROP INDEX \"{name}\""))?;
        }
        Ok(DeferredIndexes {
            table,
            key_column,
            create: indexes.into_iter().map(|(_, sql)| sql).collect(),
        })
    }

    pub(crate) fn rebuild(self, tx: &Connection) -> Result<()> {
        for sql in &self.create {
            match tx.execute_batch(sql) {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    // The file repeats a key: keep its last row, as the upsert of a
                    // later load would, then build the index.
                    tx.execute(
                        &format!(
                            "DELETE FROM {t} WHERE id NOT IN (SELECT max(id) FROM {t} GROUP BY source, {k})",
                            t = self.table,
                            k = self.key_column
                        ),
                        [],
                    )?;
                    tx.execute_batch(sql)?;
                }
                other => other?,
            }
        }
        Ok(())
    }
}
