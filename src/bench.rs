//! What `cpm bench resolve` and `cpm bench score` measure with: a scratch copy of a store
//! (so the store given stays as it was and every round starts from the same bytes), the
//! issues' targets, and the peak resident memory a run reports. The runs themselves are
//! the real commands in child processes (the binary's `cli`): each starts with nothing
//! resident, and its wall time is the whole command, the close's copy of the WAL included.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::store::{self, Db};

/// Resolution's target: a million source records in 20 s, i.e. 20 µs a record.
pub const RESOLVE_SECONDS_PER_MILLION: f64 = 20.0;
/// A re-run's target: a million source records in 12 s.
pub const RERUN_SECONDS_PER_MILLION: f64 = 12.0;
/// Scoring's target: a million golden records in 5 s.
pub const SCORE_SECONDS_PER_MILLION: f64 = 5.0;

/// The seed `cpm bench` generates its people with (and the churn ceiling simulates).
pub const PIPELINE_SEED: u64 = 1;

/// The store at `path`, upgraded and with everything committed in its file (a copy of the
/// file alone then holds it all).
pub fn settled(path: &Path) -> Result<Db> {
    if !path.exists() {
        return Err(Error::Usage(format!("no store at {}", path.display())));
    }
    let db = Db::open(path)?;
    db.conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(db)
}

/// Refuse a store that a first resolution run cannot be timed on.
pub fn ensure_unresolved(db: &Db) -> Result<()> {
    let golden: i64 = db
        .conn
        .query_row("SELECT count(*) FROM constituent", [], |r| r.get(0))?;
    if golden > 0 {
        return Err(Error::Usage(format!(
            "{} is resolved already ({golden} golden records): a first run needs an ingested, \
             unresolved store, such as the bench.db that `cpm bench --people N --dir DIR` builds",
            db.path().display()
        )));
    }
    Ok(())
}

/// A copy of a store next to it, removed when dropped.
pub struct Scratch {
    path: PathBuf,
}

impl Scratch {
    pub fn copy_of(source: &Path) -> Result<Scratch> {
        let path = source.with_extension("bench-copy.db");
        store::remove_store_files(&path);
        // The copy keeps the source's owner-only mode: it holds the same personal data.
        std::fs::copy(source, &path).map_err(|e| Error::io(&path, e))?;
        // On disk before the clock starts: else the run's first fsync of the store waits
        // for the whole copy to be written back (seconds at a million records).
        std::fs::File::open(&path)
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::io(&path, e))?;
        Ok(Scratch { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        store::remove_store_files(&self.path);
    }
}

/// Write back everything the system holds unwritten before a timed run, so that the run
/// does not pay for what came before it: the scratch copy of a store (its file synced, the
/// directory and the copy it replaced not), the previous run's checkpoint. At a million
/// records a first run measured 21-31 s without this and 18.8-19.8 s with it, every round.
pub fn settle_disk() {
    #[cfg(target_os = "linux")]
    rustix::fs::sync();
}

/// The process's peak resident memory so far (MiB), from `/proc/self/status` (Linux).
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// The target for `count` records at `per_million` seconds a million, and whether `seconds`
/// meets it.
pub fn target(count: u64, per_million: f64, seconds: f64) -> (f64, bool) {
    let target = count as f64 / 1e6 * per_million;
    (target, seconds < target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_scale_with_the_records() {
        assert_eq!(target(1_000_000, 20.0, 21.8), (20.0, false));
        assert_eq!(target(100_000, 20.0, 1.9), (2.0, true));
        assert_eq!(target(1_000_000, 5.0, 4.9), (5.0, true));
    }

    #[test]
    fn a_scratch_copy_is_private_and_goes_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("s.db");
        let db = Db::open(&source).unwrap();
        ensure_unresolved(&db).unwrap();
        drop(db);
        let copy = Scratch::copy_of(&source).unwrap();
        let path = copy.path().to_path_buf();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        drop(copy);
        assert!(!path.exists());
    }
}
