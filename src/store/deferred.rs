//! Indexes set aside while a table is filled from empty.

use rusqlite::{Connection, OptionalExtension};

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
        // Filled from empty, so the largest rowid is the row count, read without a scan.
        let rows: i64 = tx.query_row(
            &format!("SELECT coalesce(max(rowid), 0) FROM {}", self.table),
            [],
            |r| r.get(0),
        )?;
        for sql in &self.create {
            let in_runs = rows >= SORT_IN_RUNS_FROM_ROWS
                || (rows >= SORT_TEXT_IN_RUNS_FROM_ROWS && leads_with_text(tx, self.table, sql)?);
            if in_runs {
                sorting_in_runs(tx, || self.build(tx, sql))?;
            } else {
                self.build(tx, sql)?;
            }
        }
        Ok(())
    }

    fn build(&self, tx: &Connection, sql: &str) -> Result<()> {
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
        Ok(())
    }
}

/// Whether the first key of `create` (a `CREATE INDEX … ON table(column …)`) is a text
/// column of `table`.
fn leads_with_text(tx: &Connection, table: &str, create: &str) -> Result<bool> {
    let first_key = create
        .split_once('(')
        .and_then(|(_, keys)| keys.split([',', ')']).next())
        .and_then(|key| key.split_whitespace().next())
        .unwrap_or_default();
    let kind: Option<String> = tx
        .query_row(
            "SELECT upper(type) FROM pragma_table_xinfo(?1) WHERE name = ?2",
            [table, first_key],
            |r| r.get(0),
        )
        .optional()?;
    Ok(kind.is_some_and(|k| k.contains("TEXT")))
}

/// From these many rows an index build sorts its keys in runs (`sorting_in_runs`): text
/// keys, slow to compare, from half a million (the golden records' name index, 632 k rows,
/// 1.4 → 0.8 s); any keys from two million (a 4.5 M-row gift index 3.0–3.6 → 2.0–2.2 s).
/// Below, one list in memory is as fast or faster: a million scores' three numeric indexes
/// took 0.2 s longer in runs, a 274 k-row table's four indexes 0.1–0.2 s longer.
const SORT_TEXT_IN_RUNS_FROM_ROWS: i64 = 500_000;
const SORT_IN_RUNS_FROM_ROWS: i64 = 2_000_000;

/// Run `work` (index builds) with SQLite's sorter making small runs. The sorter fills a
/// run up to the page cache's size and hands it to a worker thread (`PRAGMA threads`)
/// only when another run follows: under the bulk load's 512 MiB cache an index of a
/// million keys is one list, sorted on this thread alone. With a 4 MiB cache the runs
/// are sorted by the worker while this thread reads on, then merged (figures above).
/// Spilling is off meanwhile, so the smaller cache keeps this transaction's dirty pages
/// instead of writing them out to the WAL one at a time.
fn sorting_in_runs<T>(tx: &Connection, work: impl FnOnce() -> Result<T>) -> Result<T> {
    let cache: i64 = tx.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
    // The spill threshold in pages, or 0 when spilling is off. Only the on/off switch is
    // turned: setting the threshold back as a number would pin it at today's cache size.
    let spilling: i64 = tx.query_row("PRAGMA cache_spill", [], |r| r.get(0))?;
    tx.execute_batch("PRAGMA cache_spill = OFF; PRAGMA cache_size = -4096;")?;
    let done = work();
    let restored = tx.execute_batch(&format!(
        "PRAGMA cache_size = {cache}; PRAGMA cache_spill = {};",
        if spilling == 0 { "OFF" } else { "ON" }
    ));
    let value = done?;
    restored?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(conn: &Connection) -> (i64, i64) {
        let get = |name| crate::store::pragma(conn, name);
        (get("cache_size"), get("cache_spill"))
    }

    #[test]
    fn sorting_in_runs_builds_the_index_and_restores_the_cache_settings() {
        let conn = Connection::open_in_memory().expect("open");
        conn.execute_batch(
            "PRAGMA cache_size = -65536; PRAGMA threads = 2;
             CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000)
             INSERT INTO t (k) SELECT hex(randomblob(12)) FROM n;",
        )
        .expect("fill");
        let before = settings(&conn);
        let inside = sorting_in_runs(&conn, || {
            conn.execute_batch("CREATE INDEX t_k ON t(k)")?;
            Ok(settings(&conn))
        })
        .expect("build");
        assert_eq!(
            inside,
            (-4096, 0),
            "a small cache, no spilling, while building"
        );
        assert_eq!(settings(&conn), before);
        // The spill threshold still follows the cache size, as it did before.
        let fresh = Connection::open_in_memory().expect("open");
        for c in [&conn, &fresh] {
            c.execute_batch("PRAGMA cache_size = -2048")
                .expect("smaller cache");
        }
        assert_eq!(
            settings(&conn).1,
            settings(&fresh).1,
            "spill at the new cache size"
        );
        // Every row is in the index, in key order.
        let (rows, ordered): (i64, bool) = conn
            .query_row(
                "SELECT count(*), min(ok) FROM (SELECT k >= lag(k, 1, '') OVER (ORDER BY k) AS ok FROM t INDEXED BY t_k)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("read");
        assert_eq!((rows, ordered), (50_000, true));
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("check");
        assert_eq!(check, "ok");
    }

    #[test]
    fn sorting_in_runs_restores_the_settings_when_the_work_fails() {
        let conn = Connection::open_in_memory().expect("open");
        conn.execute_batch("PRAGMA cache_size = -65536; PRAGMA cache_spill = OFF;")
            .expect("settings");
        let before = settings(&conn);
        let failed = sorting_in_runs(&conn, || -> Result<()> {
            conn.execute_batch("CREATE INDEX x ON missing(k)")?;
            Ok(())
        });
        assert!(failed.is_err());
        assert_eq!(settings(&conn), before);
        assert_eq!(before.1, 0, "spilling stays off as it was");
    }

    #[test]
    fn an_index_leads_with_text_when_its_first_key_is_a_text_column() {
        let conn = Connection::open_in_memory().expect("open");
        conn.execute_batch(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL, retired TEXT,
                 sort_name TEXT GENERATED ALWAYS AS (lower(name)) VIRTUAL)",
        )
        .expect("table");
        let leads = |sql: &str| leads_with_text(&conn, "t", sql).expect("look up");
        assert!(leads("CREATE INDEX a ON t(name, id)"));
        assert!(leads(
            "CREATE INDEX b ON t(sort_name, id) WHERE retired IS NULL"
        ));
        assert!(!leads(
            "CREATE INDEX c ON t(score DESC, id) WHERE name = 'x'"
        ));
        assert!(!leads("CREATE INDEX d ON t(id)"));
        assert!(!leads("CREATE INDEX e ON t(missing)"));
    }
}
