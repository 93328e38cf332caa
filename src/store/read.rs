//! Reading fact tables row by row: for every source record or a few, and on reader
//! threads. Shared by the resolution summaries and the scoring histories.

use rusqlite::{Connection, Params};

use crate::error::{Error, Result};

/// How many source records a full read may find, at most: their highest id (ids are dense),
/// so what holds them is sized once — a vector or map that grows doubles, holding old and
/// new copies for a moment.
pub fn record_capacity(conn: &Connection) -> Result<usize> {
    let highest: i64 =
        conn.query_row("SELECT coalesce(max(id), 0) FROM source_record", [], |r| {
            r.get(0)
        })?;
    Ok(usize::try_from(highest).unwrap_or(0))
}

/// Which source records' facts to read.
#[derive(Clone, Copy)]
pub enum Records<'a> {
    /// Every record: each fact table is read once, in storage order.
    All,
    /// These records only, through the tables' per-record indexes.
    Only(&'a [i64]),
}

impl Records<'_> {
    /// `query` (a SELECT on a fact table ending in a WHERE clause) limited to these records.
    pub fn restrict(&self, query: &str) -> String {
        match self {
            Records::All => query.to_string(),
            Records::Only(ids) => {
                let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
                format!("{query} AND source_record_id IN ({})", ids.join(","))
            }
        }
    }
}

/// Run `sql` with `params` and hand each row to `take`.
pub fn for_each_row(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    mut take: impl FnMut(&rusqlite::Row) -> rusqlite::Result<()>,
) -> Result<()> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query(params)?;
    while let Some(r) = rows.next()? {
        take(r)?;
    }
    Ok(())
}

/// The result of a reader thread (a panic in it becomes an error, not a crash).
pub fn joined<T>(reader: std::thread::ScopedJoinHandle<'_, Result<T>>) -> Result<T> {
    reader
        .join()
        .unwrap_or_else(|_| Err(Error::Invalid("reading the facts failed".into())))
}
