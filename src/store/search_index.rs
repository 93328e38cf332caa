//! The golden records' full-text search index: which entries a write leaves to write, the
//! mark that lets a later write finish them when a run stops before they land, and a first
//! resolution's index built beside the run.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{Error, Result};
use crate::store::Db;
use crate::store::resolve::GoldenRecord;
use crate::vocab::golden::Picked;

/// Golden records whose search entries a write leaves to be written: kept ones rewritten
/// (their entries are replaced) and new ones.
#[derive(Debug, Default)]
pub struct SearchUpdate {
    pub replaced: Vec<i64>,
    pub created: Vec<i64>,
}

/// The mark of a write whose search entries are still to come (its value: that write's
/// token).
const SEARCH_PENDING: &str = "search_index_pending";

/// A write's search entries, left for a transaction of their own after it commits: the
/// write is then copied out of the WAL while they are built. The write's transaction holds
/// a mark with this token; if the entries never land, whoever writes search entries next
/// finds the mark and rebuilds the whole index.
#[derive(Debug)]
pub struct DeferredSearch {
    token: i64,
    /// An earlier write's entries never landed either: rebuild everything.
    rebuild: bool,
    update: SearchUpdate,
}

impl DeferredSearch {
    /// Set the mark, inside the write's transaction.
    pub fn mark(conn: &Connection, update: SearchUpdate) -> Result<DeferredSearch> {
        let rebuild = search_mark(conn)?.is_some();
        let token: i64 = conn.query_row(
            "INSERT OR REPLACE INTO resolution_state (name, value) VALUES (?1, random()) RETURNING value",
            [SEARCH_PENDING],
            |r| r.get(0),
        )?;
        Ok(DeferredSearch {
            token,
            rebuild,
            update,
        })
    }

    /// Write the entries, in a later transaction. If the mark is no longer this write's,
    /// another writer has rebuilt the index since (or will): nothing is left to do.
    pub fn write(self, conn: &Connection) -> Result<()> {
        if search_mark(conn)? != Some(self.token) {
            return Ok(());
        }
        write_search_entries(conn, &self.update, self.rebuild)?;
        clear_search_pending(conn)
    }
}

/// The token of the write whose search entries are still to come, if one's are.
fn search_mark(conn: &Connection) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT value FROM resolution_state WHERE name = ?1",
            [SEARCH_PENDING],
            |r| r.get(0),
        )
        .optional()?)
}

fn clear_search_pending(conn: &Connection) -> Result<()> {
    conn.execute(
        "DELETE FROM resolution_state WHERE name = ?1",
        [SEARCH_PENDING],
    )?;
    Ok(())
}

/// Write the search entries of `update` in the caller's transaction. If a deferred write's
/// entries are still pending, the whole index is rebuilt instead (theirs and these).
pub fn index_for_search(conn: &Connection, update: &SearchUpdate) -> Result<()> {
    if search_mark(conn)?.is_some() {
        write_search_entries(conn, update, true)?;
        return clear_search_pending(conn);
    }
    write_search_entries(conn, update, false)
}

/// Search index rows (`insert_entries`) for `update`'s golden records, or (`rebuild`) for
/// every live one. The index is contentless: a replaced record's row is deleted by id
/// first.
fn write_search_entries(conn: &Connection, update: &SearchUpdate, rebuild: bool) -> Result<()> {
    let (replaced, created) = (&update.replaced, &update.created);
    let insert = |from: &str| insert_entries("main", from);
    if rebuild {
        conn.execute_batch("INSERT INTO constituent_fts (constituent_fts) VALUES ('delete-all')")?;
        conn.execute(&insert("constituent c WHERE c.retired_at IS NULL"), [])?;
        return Ok(());
    }
    if replaced.is_empty() && created.is_empty() {
        return Ok(());
    }
    let mut forget = conn.prepare_cached("DELETE FROM constituent_fts WHERE rowid = ?1")?;
    for id in replaced {
        forget.execute([id])?;
    }
    // A first resolution creates one run of new ids: they are read as a range.
    let (first, last) = (created.first().copied(), created.last().copied());
    if let (true, Some(first), Some(last)) = (replaced.is_empty(), first, last)
        && last - first + 1 == created.len() as i64
    {
        conn.execute(
            &insert("constituent c WHERE c.id BETWEEN ?1 AND ?2"),
            [first, last],
        )?;
        return Ok(());
    }
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS changed (id INTEGER PRIMARY KEY); DELETE FROM temp.changed;",
    )?;
    let mut note = conn.prepare_cached("INSERT INTO temp.changed (id) VALUES (?1)")?;
    for id in replaced.iter().chain(created) {
        note.execute([id])?;
    }
    conn.execute(
        &insert("constituent c JOIN temp.changed t ON t.id = c.id"),
        [],
    )?;
    Ok(())
}

/// The `INSERT` of the search entries of the golden rows `from` reads (as `c`) into
/// `schema`'s index: name, email, and the phone as its ten digits (what `SearchQuery` looks
/// a typed phone up by, in any format).
fn insert_entries(schema: &str, from: &str) -> String {
    format!(
        "INSERT INTO {schema}.constituent_fts (rowid, name, email, phone)
           SELECT c.id, coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, ''),
                  coalesce(c.email, ''),
                  coalesce(phone_digits(c.phone), '')
           FROM {from}"
    )
}

/// The tables a full-text index keeps its entries in (the index is contentless: no
/// `_content` table).
const INDEX_TABLES: [&str; 4] = ["_data", "_idx", "_docsize", "_config"];

/// A first resolution's search entries, built on a connection of its own while the run's
/// golden records are written, then copied into the store's index in one step. Building
/// them is most of what is left of a first run after its main transaction, on one core
/// (2.9 s at 630,000 golden records); built beside it, on the core the writer leaves idle,
/// what remains is the copy of the finished index (half a second).
///
/// The entries are numbered 1, 2, ... in the order of the golden records: the ids a first
/// run's inserts receive in an empty table. `holds` checks that they did before anything
/// is copied.
pub struct PrebuiltSearch {
    /// The store, with the index being built attached as `prebuilt` (in memory).
    db: Db,
    count: usize,
}

impl PrebuiltSearch {
    /// Build the entries of `groups`, numbered from 1, on a new connection to `store`.
    pub fn build(store: &Path, groups: &[GoldenRecord]) -> Result<PrebuiltSearch> {
        let db = Db::open(store)?;
        let conn = &db.conn;
        // The index is created as the store's own was, in the attached schema.
        let definition: String = conn.query_row(
            "SELECT sql FROM main.sqlite_master WHERE type = 'table' AND name = 'constituent_fts'",
            [],
            |r| r.get(0),
        )?;
        let options = definition
            .strip_prefix("CREATE VIRTUAL TABLE constituent_fts ")
            .ok_or_else(|| Error::Invalid("unexpected search index definition".into()))?;
        conn.execute_batch(&format!(
            "ATTACH ':memory:' AS prebuilt;
             CREATE TABLE prebuilt.constituent (
                 id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT, email TEXT, phone TEXT);
             CREATE VIRTUAL TABLE prebuilt.constituent_fts {options};
             BEGIN;"
        ))?;
        {
            let mut add = conn.prepare(
                "INSERT INTO prebuilt.constituent (id, first_name, last_name, email, phone)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            fn value(picked: &Picked) -> Option<&str> {
                picked.as_ref().map(|(v, _)| v.as_str())
            }
            for (id, group) in (1..).zip(groups) {
                let g = &group.golden;
                add.execute(params![
                    id,
                    value(&g.first_name),
                    value(&g.last_name),
                    value(&g.email),
                    value(&g.phone)
                ])?;
            }
        }
        conn.execute_batch(&format!(
            "{}; DROP TABLE prebuilt.constituent; COMMIT;",
            insert_entries("prebuilt", "prebuilt.constituent c")
        ))?;
        Ok(PrebuiltSearch {
            db,
            count: groups.len(),
        })
    }

    /// Whether these are exactly the entries `deferred` leaves to write.
    pub fn holds(&self, deferred: &DeferredSearch) -> bool {
        let update = &deferred.update;
        !deferred.rebuild
            && update.replaced.is_empty()
            && update.created.len() == self.count
            && update.created.iter().zip(1..).all(|(id, n)| *id == n)
    }

    /// Make the built index the store's, in place of `deferred`'s write (which it `holds`).
    /// The copy is made on this connection, not the writer's: a connection notices that
    /// another one changed the index, but would keep its own cached idea of the index's
    /// structure if it rewrote the index's tables itself.
    pub fn install(mut self, deferred: DeferredSearch) -> Result<()> {
        let tx = self
            .db
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        if search_mark(&tx)? == Some(deferred.token) {
            for table in INDEX_TABLES {
                tx.execute_batch(&format!(
                    "DELETE FROM main.constituent_fts{table};
                     INSERT INTO main.constituent_fts{table} SELECT * FROM prebuilt.constituent_fts{table};"
                ))?;
            }
            clear_search_pending(&tx)?;
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::summary::Summary;
    use crate::vocab::golden::Golden;

    fn mark(conn: &Connection) -> Option<i64> {
        search_mark(conn).unwrap()
    }

    #[test]
    fn a_deferred_search_write_leaves_a_newer_writers_mark_to_it() {
        let db = Db::open_in_memory().unwrap();
        let first = DeferredSearch::mark(&db.conn, SearchUpdate::default()).unwrap();
        assert!(!first.rebuild);
        assert_eq!(mark(&db.conn), Some(first.token));
        let second = DeferredSearch::mark(&db.conn, SearchUpdate::default()).unwrap();
        assert!(second.rebuild, "the first write's entries have not landed");
        first.write(&db.conn).unwrap();
        assert_eq!(
            mark(&db.conn),
            Some(second.token),
            "the second one's to clear"
        );
        second.write(&db.conn).unwrap();
        assert_eq!(mark(&db.conn), None);
    }

    fn person(first: &str, last: &str, email: &str, phone: &str) -> GoldenRecord {
        let picked = |v: &str| (!v.is_empty()).then(|| (v.to_string(), 1));
        GoldenRecord {
            members: vec![],
            golden: Golden {
                first_name: picked(first),
                last_name: picked(last),
                email: picked(email),
                phone: picked(phone),
                ..Golden::default()
            },
            summary: Summary::default(),
        }
    }

    fn people() -> Vec<GoldenRecord> {
        vec![
            person(
                "María",
                "López",
                "maria.lopez@example.org",
                "(312) 555-0101",
            ),
            person("Bob", "Smyth", "", "312.555.0199"),
            person("", "Okafor", "okafor@example.com", ""),
        ]
    }

    fn created(ids: impl IntoIterator<Item = i64>) -> SearchUpdate {
        SearchUpdate {
            replaced: vec![],
            created: ids.into_iter().collect(),
        }
    }

    fn found(conn: &Connection, query: &str) -> Vec<i64> {
        conn.prepare(
            "SELECT rowid FROM constituent_fts WHERE constituent_fts MATCH ?1 ORDER BY rowid",
        )
        .unwrap()
        .query_map([query], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }

    fn check_index(conn: &Connection) {
        conn.execute_batch(
            "INSERT INTO constituent_fts (constituent_fts, rank) VALUES ('integrity-check', 0)",
        )
        .unwrap();
    }

    #[test]
    fn a_prebuilt_index_becomes_the_stores_and_the_writers_connection_sees_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cpm.db");
        let db = Db::open(&path).unwrap();
        // The writer's connection has read the (empty) index before: it caches its structure.
        assert!(found(&db.conn, "lopez").is_empty());
        let deferred = DeferredSearch::mark(&db.conn, created(1..=3)).unwrap();
        let prebuilt = PrebuiltSearch::build(&path, &people()).unwrap();
        assert!(prebuilt.holds(&deferred));
        prebuilt.install(deferred).unwrap();

        assert_eq!(search_mark(&db.conn).unwrap(), None, "the mark is cleared");
        assert_eq!(
            found(&db.conn, "lopez"),
            [1],
            "accents folded as in the index"
        );
        assert_eq!(found(&db.conn, "\"bob\"* \"smy\"*"), [2]);
        assert_eq!(found(&db.conn, "phone : \"3125550199\""), [2], "ten digits");
        assert_eq!(found(&db.conn, "email : okafor"), [3]);
        check_index(&db.conn);
        // Later writes go on from it on the writer's own connection.
        db.conn
            .execute_batch(
                "DELETE FROM constituent_fts WHERE rowid = 2;
                 INSERT INTO constituent_fts (rowid, name, email, phone) VALUES (4, 'Ada Byron', '', '');",
            )
            .unwrap();
        assert!(found(&db.conn, "smyth").is_empty());
        assert_eq!(found(&db.conn, "byron"), [4]);
        check_index(&db.conn);
    }

    #[test]
    fn a_prebuilt_index_holds_only_a_write_of_exactly_its_new_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cpm.db");
        let db = Db::open(&path).unwrap();
        let prebuilt = PrebuiltSearch::build(&path, &people()).unwrap();
        let holds = |update: SearchUpdate| {
            let deferred = DeferredSearch::mark(&db.conn, update).unwrap();
            clear_search_pending(&db.conn).unwrap();
            prebuilt.holds(&deferred)
        };
        assert!(holds(created(1..=3)));
        assert!(!holds(created(2..=4)), "numbered from elsewhere");
        assert!(!holds(created(1..=2)), "fewer records");
        let mut update = created(1..=3);
        update.replaced.push(7);
        assert!(!holds(update), "a kept record's entry to replace");
        // An earlier write's entries never landed: the whole index is to be rebuilt.
        let _earlier = DeferredSearch::mark(&db.conn, created(1..=3)).unwrap();
        let deferred = DeferredSearch::mark(&db.conn, created(1..=3)).unwrap();
        assert!(!prebuilt.holds(&deferred));
    }

    #[test]
    fn a_prebuilt_index_is_not_installed_over_a_newer_writers_mark() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cpm.db");
        let db = Db::open(&path).unwrap();
        let deferred = DeferredSearch::mark(&db.conn, created(1..=3)).unwrap();
        let prebuilt = PrebuiltSearch::build(&path, &people()).unwrap();
        let newer = DeferredSearch::mark(&db.conn, created(1..=3)).unwrap();
        prebuilt.install(deferred).unwrap();
        assert!(
            found(&db.conn, "lopez").is_empty(),
            "left to the newer write"
        );
        assert_eq!(search_mark(&db.conn).unwrap(), Some(newer.token));
    }
}
