//! The local SQLite store: opening with the right pragmas, the file mode, migrations.
//! All SQL against the store lives under this module.

pub mod audit;
pub mod browse;
pub mod consent;
pub mod contact;
pub(crate) mod deferred;
pub mod export;
pub mod household;
mod migrate;
pub mod quality;
pub mod read;
pub mod resolve;
pub mod score;
pub mod search_index;
pub mod source;
pub mod status;
pub mod summary;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rusqlite::Connection;

use crate::error::{Error, Result};

/// One connection to the store. `Connection` is `Send` but not `Sync`: open one per thread.
pub struct Db {
    pub conn: Connection,
    path: PathBuf,
}

impl Db {
    /// Open (creating if needed) the store at `path` and bring its schema up to date.
    /// A new file is created readable and writable by its owner only: it holds personal data.
    pub fn open(path: &Path) -> Result<Db> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        create_private_file(path)?;
        let conn = Connection::open(path)?;
        configure(&conn)?;
        migrate::apply(&conn)?;
        Ok(Db {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// The schema versions an existing store at `path` would be upgraded from and to when
    /// opened (`None` for a new or current store), so a caller can say so before a long
    /// migration starts.
    pub fn pending_upgrade(path: &Path) -> Result<Option<(i64, i64)>> {
        if !path.exists() {
            return Ok(None);
        }
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let latest = migrate::latest_version();
        Ok((version > 0 && version < latest).then_some((version, latest)))
    }

    /// Open an existing store for reading only (`cpm --read-only`): nothing can be written,
    /// not even a migration.
    pub fn open_read_only(path: &Path) -> Result<Db> {
        use rusqlite::OpenFlags;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        register_functions(&conn)?;
        let db = Db {
            conn,
            path: path.to_path_buf(),
        };
        let version = db.schema_version()?;
        if version != migrate::latest_version() {
            return Err(Error::Invalid(format!(
                "the store has schema version {version} and this cpm needs {}; open it once without --read-only to upgrade it",
                migrate::latest_version()
            )));
        }
        Ok(db)
    }

    /// An in-memory store with the full schema, for tests and benchmarks.
    pub fn open_in_memory() -> Result<Db> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch("PRAGMA foreign_keys = ON;")?;
        register_functions(&conn)?;
        migrate::apply(&conn)?;
        Ok(Db {
            conn,
            path: PathBuf::from(":memory:"),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the store is a file (which a second connection can open), not in memory.
    pub fn on_disk(&self) -> bool {
        self.path != Path::new(":memory:")
    }

    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }
}

const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// The page cache, in KiB (SQLite's negative form).
const CACHE_SIZE: i64 = -65536;

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // 16 KiB pages (a new store only; an existing one keeps its size): a million-person
    // load writes gigabytes, and larger pages mean fewer B-tree pages and WAL frames.
    conn.execute_batch(&format!(
        "PRAGMA page_size = 16384;
         PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = {CACHE_SIZE};"
    ))?;
    register_functions(conn)
}

/// Run `work` with the settings for loading millions of rows through this connection, and
/// put the everyday ones back after it, whether it succeeded or not:
/// - no foreign-key checks: the loader takes every fact's source-record id from the row it
///   has just written, so the check adds nothing, and it forces a statement journal (a copy
///   of every page each insert touches) that cost a third of the ingest time;
/// - a larger page cache, and index builds sorted through temporary files with a
///   two-thread sorter: with temporary storage in memory SQLite always sorts in one list
///   on one thread; through files it can sort in runs and merge them (~25 % faster at a
///   million rows; how large builds get more than one run is `deferred::sorting_in_runs`).
///   The files are private to the owner and unlinked as they are opened;
/// - no checkpoint inside the commit: a `Checkpointer` copies committed batches into the
///   database file on its own connection while the next file loads.
pub fn bulk_load<T>(db: &mut Db, work: impl FnOnce(&mut Db) -> Result<T>) -> Result<T> {
    begin_bulk_load(&db.conn)?;
    let done = work(db);
    end_bulk_load(&db.conn)?;
    done
}

fn begin_bulk_load(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF;
         PRAGMA cache_size = -524288;
         PRAGMA temp_store = FILE;
         PRAGMA threads = 2;
         PRAGMA wal_autocheckpoint = 0;",
    )?;
    Ok(())
}

fn end_bulk_load(conn: &Connection) -> Result<()> {
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = ON;
         PRAGMA cache_size = {CACHE_SIZE};
         PRAGMA temp_store = MEMORY;
         PRAGMA threads = 0;
         PRAGMA wal_autocheckpoint = 1000;"
    ))?;
    Ok(())
}

/// Commit a large transaction while another thread pushes the WAL's new pages to disk.
/// The checkpoint that copies a commit into the database file first syncs the WAL: after
/// a bulk commit that is hundreds of megabytes written back at once while the run waits
/// (0.6 s at a million records). Syncing the WAL every few milliseconds while the commit
/// writes it starts that writeback early, as RocksDB's `wal_bytes_per_sync` does. Only the
/// WAL file is opened here: SQLite locks the database and shared-memory files, never the
/// WAL, so closing this second descriptor cannot drop its locks (POSIX locks belong to the
/// process and go with the close of any descriptor of the file).
pub fn commit_with_wal_writeback(tx: rusqlite::Transaction) -> Result<()> {
    let wal = tx
        .path()
        .filter(|path| !path.is_empty())
        .map(|path| PathBuf::from(format!("{path}-wal")));
    let committing = AtomicBool::new(true);
    std::thread::scope(|scope| {
        if let Some(wal) = &wal {
            scope.spawn(|| sync_while(&committing, wal));
        }
        let committed = tx.commit();
        committing.store(false, Ordering::Relaxed);
        committed
    })?;
    Ok(())
}

/// Sync `wal`'s data until `committing` turns false. A WAL that cannot be opened or
/// synced here is left to the checkpoint's own sync, as without this.
fn sync_while(committing: &AtomicBool, wal: &Path) {
    let Ok(file) = std::fs::File::open(wal) else {
        return;
    };
    while committing.load(Ordering::Relaxed) {
        if file.sync_data().is_err() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Checkpoints a WAL store in the background: after each committed batch, the batch's
/// pages are copied from the WAL into the database file on a second connection, while the
/// loader parses the next file. A checkpoint that fails loses nothing (the pages stay in
/// the WAL for the next one), so failures are not reported.
pub struct Checkpointer {
    wake: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    pub fn start(db: &Db) -> Checkpointer {
        let idle = Checkpointer {
            wake: None,
            thread: None,
        };
        if !db.on_disk() {
            return idle;
        }
        let Ok(conn) = Connection::open(db.path()) else {
            return idle;
        };
        if conn.busy_timeout(BUSY_TIMEOUT).is_err() {
            return idle;
        }
        let (wake, woken) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("checkpoint".into())
            .spawn(move || {
                for () in woken {
                    let _ = conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE)");
                }
            })
            .ok();
        Checkpointer {
            wake: Some(wake),
            thread,
        }
    }

    pub fn batch_committed(&self) {
        if let Some(wake) = &self.wake {
            let _ = wake.send(());
        }
    }

    /// Wait for the checkpoints asked for so far.
    pub fn finish(mut self) {
        self.wake = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Our SQL functions:
/// - `x REGEXP y`, which SQLite parses but does not implement; quality checks need it. The
///   compiled pattern is cached per statement by SQLite's auxiliary data.
/// - `phone_digits(phone)`: a phone as resolution compares it and search looks it up (ten
///   digits, or "+" and another country's code and number: `normalize::phone`), NULL if it
///   has none.
fn register_functions(conn: &Connection) -> Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "phone_digits",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            Ok(match ctx.get_raw(0) {
                rusqlite::types::ValueRef::Text(bytes) => std::str::from_utf8(bytes)
                    .ok()
                    .and_then(crate::normalize::phone),
                _ => None,
            })
        },
    )?;
    conn.create_scalar_function(
        "regexp",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let pattern: std::sync::Arc<regex::Regex> = ctx.get_or_create_aux(0, |vr| {
                regex::Regex::new(vr.as_str()?)
                    .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))
            })?;
            let text = ctx.get_raw(1);
            Ok(match text {
                rusqlite::types::ValueRef::Text(bytes) => std::str::from_utf8(bytes)
                    .map(|t| pattern.is_match(t))
                    .unwrap_or(false),
                _ => false,
            })
        },
    )?;
    Ok(())
}

/// Columns holding personal data: redacted in stored quality samples and masked in the
/// warehouse schemas.
pub const PERSONAL_COLUMNS: &[&str] = &[
    "first_name",
    "last_name",
    "email",
    "phone",
    "address1",
    "address2",
    "date_of_birth",
    "n_dob_as_written",
    "gender",
    "n_gender",
    "n_first",
    "n_first_canon",
    "n_last",
    "n_email",
    "n_phone",
    "n_address",
    "n_unit",
    "name",
    "address",
];

/// Delete a store file with its WAL and shared-memory files, if they exist.
pub fn remove_store_files(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// What a person typed, one `LIKE … ESCAPE '\'` pattern per word, as a JSON array for
/// [`holds_every_word`]: "lee ann" finds Ann Lee.
pub fn word_patterns(typed: &str) -> String {
    let patterns: Vec<String> = typed.split_whitespace().map(like_pattern).collect();
    serde_json::Value::from(patterns).to_string()
}

/// SQL that is true when the text `haystack` holds every pattern of the JSON array in
/// parameter `param` (see [`word_patterns`]), in any order and any case.
pub fn holds_every_word(haystack: &str, param: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM json_each({param}) word
                     WHERE ({haystack}) NOT LIKE word.value ESCAPE '\\')"
    )
}

/// What a person typed, as a `LIKE … ESCAPE '\'` pattern that finds it anywhere in a
/// text: `%` and `_` stand for themselves. (SQLite's LIKE ignores the case of ASCII.)
pub fn like_pattern(typed: &str) -> String {
    let mut pattern = String::with_capacity(typed.len() + 2);
    pattern.push('%');
    for c in typed.trim().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// A new file (truncating an old one) readable and writable by its owner only, for
/// anything holding personal data.
pub fn create_private(path: &Path) -> Result<std::fs::File> {
    owner_only()
        .create(true)
        .truncate(true)
        .open(path)
        .map_err(|e| Error::io(path, e))
}

/// Options to open a file for writing that, if created, is readable and writable by its
/// owner only.
fn owner_only() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Create the database file with mode 0600 before SQLite opens it, so there is never a
/// moment when it exists with wider permissions. SQLite's -wal and -shm files copy the
/// main file's permissions.
fn create_private_file(path: &Path) -> Result<()> {
    if path.exists() {
        return Ok(());
    }
    match owner_only().create_new(true).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// A pragma's integer value, for tests of the store's settings.
#[cfg(test)]
pub(crate) fn pragma(conn: &Connection, name: &str) -> i64 {
    conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
        .expect("an integer pragma")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_older_store_says_which_upgrade_opening_it_will_run() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        assert_eq!(Db::pending_upgrade(&path).unwrap(), None, "no store yet");
        migrate::apply_up_to(&Connection::open(&path).unwrap(), 11).unwrap();
        let latest = migrate::latest_version();
        assert_eq!(Db::pending_upgrade(&path).unwrap(), Some((11, latest)));
        Db::open(&path).unwrap();
        assert_eq!(Db::pending_upgrade(&path).unwrap(), None, "upgraded");
    }

    #[test]
    fn typed_words_are_found_in_any_order_and_case_and_percent_is_a_percent() {
        let db = Db::open_in_memory().unwrap();
        let holds = |text: &str, typed: &str| -> bool {
            let sql = format!("SELECT {}", holds_every_word("?1", "?2"));
            db.conn
                .query_row(&sql, [text, &word_patterns(typed)], |r| r.get(0))
                .unwrap()
        };
        assert!(holds("Ann Lee ann@x.com C-000012", "lee ann"));
        assert!(holds("Ann Lee ann@x.com C-000012", "  LEE   c-0000 "));
        assert!(!holds("Ann Lee ann@x.com C-000012", "lee bo"));
        assert!(!holds("Ann Lee", "a%e"), "% stands for itself");
        assert!(holds("100% Ann", "0% ann"));
    }

    #[test]
    fn phone_digits_in_sql_are_resolutions_ten_digits() {
        let db = Db::open_in_memory().unwrap();
        let digits = |phone: &str| -> Option<String> {
            db.conn
                .query_row("SELECT phone_digits(?1)", [phone], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(digits("+1 (312) 555-0101").as_deref(), Some("3125550101"));
        assert_eq!(digits("708.935.9834").as_deref(), Some("7089359834"));
        assert_eq!(digits("555-0101"), None);
    }

    #[test]
    fn new_store_is_private_and_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/cpm.db");
        let db = Db::open(&path).unwrap();
        assert_eq!(db.schema_version().unwrap(), migrate::latest_version());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let journal: String = db
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(journal, "wal");
        let fk: i64 = db
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
    }

    #[test]
    fn reopening_does_not_reapply_migrations() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cpm.db");
        drop(Db::open(&path).unwrap());
        let db = Db::open(&path).unwrap();
        assert_eq!(db.schema_version().unwrap(), migrate::latest_version());
    }

    #[test]
    fn a_bulk_load_sorts_through_files_and_puts_the_everyday_settings_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(&dir.path().join("s.db")).unwrap();
        let during = bulk_load(&mut db, |db| {
            Ok(["temp_store", "threads", "foreign_keys"].map(|n| pragma(&db.conn, n)))
        })
        .unwrap();
        assert_eq!(
            during,
            [1, 2, 0],
            "temporary files, two sorter threads, no key checks"
        );
        let after =
            ["temp_store", "threads", "foreign_keys", "cache_size"].map(|n| pragma(&db.conn, n));
        assert_eq!(after, [2, 0, 1, CACHE_SIZE]);
        // Also when the work fails.
        let failed: Result<()> = bulk_load(&mut db, |_| Err(Error::Invalid("no".into())));
        assert!(failed.is_err());
        assert_eq!(pragma(&db.conn, "temp_store"), 2);
    }

    #[test]
    fn a_commit_with_wal_writeback_commits_on_a_file_and_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        for mut db in [Db::open(&path).unwrap(), Db::open_in_memory().unwrap()] {
            db.conn
                .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (0)")
                .unwrap();
            let tx = db.conn.transaction().unwrap();
            tx.execute_batch(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
                 INSERT INTO t SELECT randomblob(200) FROM n",
            )
            .unwrap();
            commit_with_wal_writeback(tx).unwrap();
            let rows: i64 = db
                .conn
                .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
                .unwrap();
            assert_eq!(rows, 20_001);
        }
        // What the file store committed, another connection reads.
        let other = Connection::open(&path).unwrap();
        let rows: i64 = other
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 20_001);
    }
}
