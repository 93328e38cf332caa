//! `cpm export`: the store's tables (every table of the warehouse schemas, by layer) as
//! Parquet files, one folder per table, for the warehouse to load; the statements that load
//! them on each platform; a manifest of what was written.
//!
//! Each table is written in a staging folder beside the destination and renamed into place
//! when complete: a failed or cancelled export leaves every table as it was.

pub mod parquet;

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::metrics::render::Dialect;
use crate::metrics::schemas::{LAYERS, STORE_ONLY};
use crate::progress::Progress;
use crate::store::Db;
use crate::store::export::{ColumnData, ColumnKind, columns, read_batches};

/// Rows per row group (and per batch read from the store).
const BATCH: usize = 65_536;

#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// Replace personal fields (names, emails, phones, addresses, birth dates) with a keyed
    /// hash: the same person hashes alike across exports, and the text cannot be read back.
    pub pseudonymise: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TableExport {
    pub layer: String,
    pub table: String,
    pub rows: u64,
    /// The table's folder, relative to the destination.
    pub folder: String,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    pub to: PathBuf,
    pub exported_at: String,
    pub pseudonymised: bool,
    pub tables: Vec<TableExport>,
    pub millis: u64,
}

impl ExportReport {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

/// Export every table of the warehouse schemas from the store at `db_path` into `to`.
pub fn export(
    db_path: &Path,
    to: &Path,
    options: &ExportOptions,
    progress: &dyn Progress,
) -> Result<ExportReport> {
    let started = Instant::now();
    std::fs::create_dir_all(to).map_err(|e| Error::io(to, e))?;
    let staging = to.join(format!(".cpm-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    let key = options
        .pseudonymise
        .then(|| pseudonym_key(db_path))
        .transpose()?;
    let tables: Vec<(&str, &str)> = LAYERS
        .iter()
        .flat_map(|(layer, tables)| tables.iter().map(move |t| (*layer, *t)))
        .collect();
    let done = std::sync::atomic::AtomicU64::new(0);
    let total = tables.len() as u64;
    let written = tables
        .par_iter()
        .map(|(layer, table)| {
            if progress.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let db = Db::open_read_only(db_path)?;
            let out = export_table(&db, &staging, layer, table, key.as_deref())?;
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress.update("export", n, total);
            Ok(out)
        })
        .collect::<Result<Vec<_>>>();
    let written = match written {
        Ok(written) => written,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    // Every table is complete: move each into place, with the key hashes the next
    // incremental export compares with; earlier change sets are superseded.
    let _ = std::fs::remove_dir_all(to.join("changes"));
    let state_dir = staging.join(".cpm-state");
    if state_dir.exists() {
        let into = to.join(".cpm-state");
        let _ = std::fs::remove_dir_all(&into);
        std::fs::rename(&state_dir, &into).map_err(|e| Error::io(&into, e))?;
    }
    for t in &written {
        let from = staging.join(&t.folder);
        let into = to.join(&t.folder);
        if let Some(parent) = into.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        if into.exists() {
            std::fs::remove_dir_all(&into).map_err(|e| Error::io(&into, e))?;
        }
        std::fs::rename(&from, &into).map_err(|e| Error::io(&into, e))?;
    }
    let _ = std::fs::remove_dir_all(&staging);
    let report = ExportReport {
        to: to.to_path_buf(),
        exported_at: crate::store::resolve::now(),
        pseudonymised: options.pseudonymise,
        tables: written,
        millis: started.elapsed().as_millis() as u64,
    };
    let manifest = to.join("manifest.json");
    let text = serde_json::to_string_pretty(&report).map_err(|e| Error::Invalid(e.to_string()))?;
    std::fs::write(&manifest, text).map_err(|e| Error::io(&manifest, e))?;
    Ok(report)
}

fn export_table(
    db: &Db,
    staging: &Path,
    layer: &str,
    table: &str,
    key: Option<&[u8]>,
) -> Result<TableExport> {
    let columns = columns(&db.conn, table, STORE_ONLY)?;
    let folder = format!("{layer}/{table}");
    let dir = staging.join(&folder);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let mut writer = parquet::TableWriter::create(&dir.join("part-00000.parquet"), &columns)?;
    let personal = personal_columns(&columns);
    // Each key's rows hashed on the way, for the next incremental export to compare with.
    let key_at = match crate::store::export::key_column(&db.conn, table)? {
        Some(name) => columns.iter().position(|(c, _)| *c == name),
        None => None,
    };
    let mut state: KeyHashes = Vec::with_capacity(if key_at.is_some() {
        crate::store::export::row_estimate(&db.conn, table)?
    } else {
        0
    });
    let rows = read_batches(&db.conn, table, &columns, BATCH, |mut batch| {
        if let Some(k) = key_at {
            add_key_hashes(&batch, k, &mut state);
        }
        if let Some(key) = key {
            pseudonymise(&mut batch, &personal, key);
        }
        writer.write(&batch)
    })?;
    writer.finish()?;
    if key_at.is_some() {
        settle(&mut state);
        write_state(&state_path(staging, layer, table), &state)?;
    }
    Ok(TableExport {
        layer: layer.to_string(),
        table: table.to_string(),
        rows,
        folder,
        columns: columns.into_iter().map(|(c, _)| c).collect(),
    })
}

/// Which of `columns` hold personal text (names, emails, phones, addresses, birth dates).
fn personal_columns(columns: &[(String, ColumnKind)]) -> Vec<bool> {
    columns
        .iter()
        .map(|(c, kind)| {
            *kind == ColumnKind::Text && crate::store::PERSONAL_COLUMNS.contains(&c.as_str())
        })
        .collect()
}

/// Replace every value of the `personal` columns of `batch` by its pseudonym.
fn pseudonymise(batch: &mut [ColumnData], personal: &[bool], key: &[u8]) {
    for (data, personal) in batch.iter_mut().zip(personal) {
        if let (ColumnData::Text(values), true) = (data, personal) {
            *values = values.map(|value| pseudonym(key, value));
        }
    }
}

/// A personal value replaced by the first 16 bytes of HMAC-like SHA-256(key, value), hex.
fn pseudonym(key: &[u8], value: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(key);
    hasher.update(value.as_bytes());
    hasher.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The store's pseudonym key, beside it (owner-only), made on first use: kept secret from
/// whoever reads the export, and the same for every export of the store.
fn pseudonym_key(db_path: &Path) -> Result<Vec<u8>> {
    let path = PathBuf::from(format!("{}.pseudonym-key", db_path.display()));
    if let Ok(key) = std::fs::read(&path)
        && key.len() >= 32
    {
        return Ok(key);
    }
    // The thread RNG is seeded from the operating system's randomness.
    let key: Vec<u8> = rand::random::<[u8; 32]>().to_vec();
    let mut file = crate::store::create_private(&path)?;
    use std::io::Write;
    file.write_all(&key).map_err(|e| Error::io(&path, e))?;
    Ok(key)
}

/// The statements that load an export at `to` into `dialect`'s warehouse: its schemas,
/// each table from its Parquet folder, then the views the metrics read.
pub fn load_sql(report_tables: &[TableExport], to: &Path, dialect: Dialect, views: &str) -> String {
    let root = to.display().to_string();
    let mut out = format!("-- Load the cpm export at {root} ({}).\n", dialect.name());
    for layer in ["raw", "staging", "golden", "analytics"] {
        out.push_str(&format!("CREATE SCHEMA IF NOT EXISTS {layer};\n"));
    }
    if dialect == Dialect::Snowflake {
        out.push_str(
            "CREATE STAGE IF NOT EXISTS golden.cpm_export FILE_FORMAT = (TYPE = PARQUET);\n\
             -- Upload first, from the machine holding the export:\n",
        );
        for t in report_tables {
            out.push_str(&format!(
                "--   PUT file://{root}/{}/*.parquet @golden.cpm_export/{};\n",
                t.folder, t.folder
            ));
        }
    }
    for t in report_tables {
        let name = format!("{}.{}", t.layer, t.table);
        let folder = format!("{root}/{}", t.folder);
        out.push_str(&match dialect {
            Dialect::Databricks => format!(
                "DROP TABLE IF EXISTS {name};\nCREATE TABLE {name} USING PARQUET LOCATION '{folder}';\n"
            ),
            Dialect::Snowflake => format!(
                "CREATE TABLE IF NOT EXISTS {name} USING TEMPLATE (SELECT ARRAY_AGG(OBJECT_CONSTRUCT(*)) FROM TABLE(INFER_SCHEMA(LOCATION => '@golden.cpm_export/{}', FILE_FORMAT => 'PARQUET')));\n\
                 COPY INTO {name} FROM @golden.cpm_export/{} FILE_FORMAT = (TYPE = PARQUET) MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE;\n",
                t.folder, t.folder
            ),
            _ => format!(
                "CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_parquet('{folder}/*.parquet');\n"
            ),
        });
    }
    out.push('\n');
    out.push_str(views);
    out
}

/// Each key's hash of its rows, in key order, as of the last export (what an incremental
/// export compares). Tables are read in key order, so this is built by appending.
type KeyHashes = Vec<(i64, u64)>;

fn state_path(to: &Path, layer: &str, table: &str) -> PathBuf {
    // `.v2`: rows fingerprinted by `RowHash` (an export kept by an older build holds other
    // fingerprints; without this file its next change set simply holds every row).
    to.join(".cpm-state")
        .join(format!("{layer}.{table}.v2.keys"))
}

fn read_state(path: &Path) -> Option<KeyHashes> {
    let bytes = std::fs::read(path).ok()?;
    Some(
        bytes
            .chunks_exact(16)
            .map(|c| {
                let key = i64::from_le_bytes(c[..8].try_into().unwrap_or_default());
                let hash = u64::from_le_bytes(c[8..].try_into().unwrap_or_default());
                (key, hash)
            })
            .collect(),
    )
}

/// Keys in order, each once (rows of one key added up), whatever order they came in.
fn settle(state: &mut KeyHashes) {
    if !state.is_sorted_by_key(|(k, _)| *k) {
        state.sort_unstable_by_key(|(k, _)| *k);
    }
    state.dedup_by(|later, kept| {
        let same = later.0 == kept.0;
        if same {
            kept.1 = kept.1.wrapping_add(later.1);
        }
        same
    });
}

fn write_state(path: &Path, state: &KeyHashes) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let mut bytes = Vec::with_capacity(state.len() * 16);
    for (key, hash) in state {
        bytes.extend_from_slice(&key.to_le_bytes());
        bytes.extend_from_slice(&hash.to_le_bytes());
    }
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}

/// Add a batch's rows to each key's hash (the rows sharing a key add up).
fn add_key_hashes(batch: &[ColumnData], key: usize, state: &mut KeyHashes) {
    let mut rows = vec![crate::store::export::RowHash::default(); batch[key].len()];
    for data in batch {
        data.hash_into(&mut rows);
    }
    for (i, row) in rows.iter().enumerate() {
        let Some(k) = batch[key].integer(i) else {
            continue;
        };
        let hash = row.finish();
        // The rows of one key come together: add this one to the key's sum.
        match state.last_mut() {
            Some((last, sum)) if *last == k => *sum = sum.wrapping_add(hash),
            _ => state.push((k, hash)),
        }
    }
}

/// Keys new or changed in `now`, and keys of `before` that are gone (both in key order).
fn compare_states(
    before: &KeyHashes,
    now: &KeyHashes,
) -> (std::collections::HashSet<i64>, Vec<i64>) {
    let (mut changed, mut gone) = (std::collections::HashSet::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    loop {
        match (before.get(i), now.get(j)) {
            (Some(b), Some(n)) if b.0 == n.0 => {
                if b.1 != n.1 {
                    changed.insert(n.0);
                }
                i += 1;
                j += 1;
            }
            (Some(b), Some(n)) if b.0 < n.0 => {
                gone.push(b.0);
                i += 1;
            }
            (_, Some(n)) => {
                changed.insert(n.0);
                j += 1;
            }
            (Some(b), None) => {
                gone.push(b.0);
                i += 1;
            }
            (None, None) => break,
        }
    }
    (changed, gone)
}

/// Every key of `table` with a hash of its rows.
fn key_hashes(
    db: &Db,
    table: &str,
    columns: &[(String, ColumnKind)],
    key: usize,
) -> Result<KeyHashes> {
    let mut state = KeyHashes::new();
    read_batches(&db.conn, table, columns, BATCH, |batch| {
        add_key_hashes(&batch, key, &mut state);
        Ok(())
    })?;
    settle(&mut state);
    Ok(state)
}

/// What an incremental export changed in one table.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_compare_by_key_into_changed_and_gone() {
        let before = vec![(1, 10), (2, 20), (4, 40)];
        let now = vec![(1, 10), (2, 21), (3, 30)];
        let (changed, gone) = compare_states(&before, &now);
        let mut changed: Vec<i64> = changed.into_iter().collect();
        changed.sort_unstable();
        assert_eq!(changed, vec![2, 3]);
        assert_eq!(gone, vec![4]);
        let mut out_of_order = vec![(3, 1), (1, 2), (3, 4)];
        settle(&mut out_of_order);
        assert_eq!(out_of_order, vec![(1, 2), (3, 5)]);
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TableChanges {
    pub layer: String,
    pub table: String,
    pub key: String,
    /// Rows written (every row of a key that is new or changed).
    pub rows: u64,
    /// Keys gone since the last export.
    pub deleted: u64,
    pub folder: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangeReport {
    pub to: PathBuf,
    pub exported_at: String,
    /// This change set's folder under `to`: changes/NNNN.
    pub folder: String,
    pub tables: Vec<TableChanges>,
    pub millis: u64,
}

/// Export only what changed since the last export into `to`: for every table, the rows of
/// keys that are new or changed and the keys that are gone, as changes/NNNN/<layer>/<table>/
/// (`part-00000.parquet`, `deletes.parquet`). Needs a full export first.
pub fn export_changes(db_path: &Path, to: &Path, options: &ExportOptions) -> Result<ChangeReport> {
    let started = Instant::now();
    let db = Db::open_read_only(db_path)?;
    let key = options
        .pseudonymise
        .then(|| pseudonym_key(db_path))
        .transpose()?;
    let changes = to.join("changes");
    let seq = std::fs::read_dir(&changes).map_or(0, |d| d.count()) + 1;
    let folder = format!("changes/{seq:04}");
    let staging = to.join(format!(".cpm-changes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    let mut tables = Vec::new();
    let mut states = Vec::new();
    for (layer, names) in LAYERS {
        for table in *names {
            let columns = columns(&db.conn, table, STORE_ONLY)?;
            let Some(key_name) = crate::store::export::key_column(&db.conn, table)? else {
                continue;
            };
            let Some(k) = columns.iter().position(|(c, _)| *c == key_name) else {
                continue;
            };
            let path = state_path(to, layer, table);
            let Some(before) = read_state(&path) else {
                return Err(Error::Invalid(format!(
                    "{}: no earlier export to compare with: run `cpm export --to {}` first",
                    to.display(),
                    to.display()
                )));
            };
            let now = key_hashes(&db, table, &columns, k)?;
            let (changed, gone) = compare_states(&before, &now);
            states.push((path, now));
            if changed.is_empty() && gone.is_empty() {
                continue;
            }
            let dir = staging.join(layer).join(table);
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            let personal = personal_columns(&columns);
            let mut writer =
                parquet::TableWriter::create(&dir.join("part-00000.parquet"), &columns)?;
            let mut rows = 0u64;
            read_batches(&db.conn, table, &columns, BATCH, |batch| {
                let picked: Vec<usize> = (0..batch[k].len())
                    .filter(|&i| {
                        batch[k]
                            .integer(i)
                            .is_some_and(|key| changed.contains(&key))
                    })
                    .collect();
                if picked.is_empty() {
                    return Ok(());
                }
                rows += picked.len() as u64;
                let mut selected: Vec<ColumnData> =
                    batch.iter().map(|d| d.select(&picked)).collect();
                if let Some(secret) = key.as_deref() {
                    pseudonymise(&mut selected, &personal, secret);
                }
                writer.write(&selected)
            })?;
            writer.finish()?;
            let key_columns = vec![(key_name.clone(), ColumnKind::Integer)];
            let mut deletes =
                parquet::TableWriter::create(&dir.join("deletes.parquet"), &key_columns)?;
            deletes.write(&[ColumnData::Integer(gone.iter().map(|k| Some(*k)).collect())])?;
            deletes.finish()?;
            tables.push(TableChanges {
                layer: layer.to_string(),
                table: table.to_string(),
                key: key_name,
                rows,
                deleted: gone.len() as u64,
                folder: format!("{folder}/{layer}/{table}"),
            });
        }
    }
    // Complete: the change set moves into place, and the state moves on with it.
    let into = to.join(&folder);
    std::fs::create_dir_all(&changes).map_err(|e| Error::io(&changes, e))?;
    if staging.exists() {
        std::fs::rename(&staging, &into).map_err(|e| Error::io(&into, e))?;
    } else {
        std::fs::create_dir_all(&into).map_err(|e| Error::io(&into, e))?;
    }
    for (path, state) in &states {
        write_state(path, state)?;
    }
    let report = ChangeReport {
        to: to.to_path_buf(),
        exported_at: crate::store::resolve::now(),
        folder,
        tables,
        millis: started.elapsed().as_millis() as u64,
    };
    let manifest = into.join("manifest.json");
    let text = serde_json::to_string_pretty(&report).map_err(|e| Error::Invalid(e.to_string()))?;
    std::fs::write(&manifest, text).map_err(|e| Error::io(&manifest, e))?;
    Ok(report)
}

/// The statements that apply a change set to tables loaded from earlier exports: per
/// table, the keys gone and the keys changed are deleted, then the changed rows inserted
/// (a merge by key; Databricks and Snowflake as their `MERGE`-capable tables take it).
pub fn change_sql(report: &ChangeReport, dialect: Dialect) -> String {
    let root = report.to.display().to_string();
    let mut out = format!("-- Apply {} ({}).\n", report.folder, dialect.name());
    for t in &report.tables {
        let name = format!("{}.{}", t.layer, t.table);
        let dir = format!("{root}/{}", t.folder);
        let k = &t.key;
        out.push_str(&match dialect {
            Dialect::Databricks => format!(
                "DELETE FROM {name} WHERE {k} IN (SELECT {k} FROM parquet.`{dir}/deletes.parquet`);\n\
                 MERGE INTO {name} t USING (SELECT DISTINCT {k} FROM parquet.`{dir}/part-00000.parquet`) c ON t.{k} = c.{k} WHEN MATCHED THEN DELETE;\n\
                 INSERT INTO {name} SELECT * FROM parquet.`{dir}/part-00000.parquet`;\n"
            ),
            Dialect::Snowflake => format!(
                "CREATE OR REPLACE TEMPORARY TABLE cpm_changes LIKE {name};\n\
                 COPY INTO cpm_changes FROM @golden.cpm_export/{0}/part-00000.parquet FILE_FORMAT = (TYPE = PARQUET) MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE;\n\
                 CREATE OR REPLACE TEMPORARY TABLE cpm_gone ({k} BIGINT);\n\
                 COPY INTO cpm_gone FROM @golden.cpm_export/{0}/deletes.parquet FILE_FORMAT = (TYPE = PARQUET) MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE;\n\
                 DELETE FROM {name} USING (SELECT {k} FROM cpm_gone UNION SELECT {k} FROM cpm_changes) c WHERE {name}.{k} = c.{k};\n\
                 INSERT INTO {name} SELECT * FROM cpm_changes;\n",
                t.folder
            ),
            _ => format!(
                "DELETE FROM {name} WHERE {k} IN (SELECT {k} FROM read_parquet('{dir}/deletes.parquet'));\n\
                 DELETE FROM {name} WHERE {k} IN (SELECT {k} FROM read_parquet('{dir}/part-00000.parquet'));\n\
                 INSERT INTO {name} SELECT * FROM read_parquet('{dir}/part-00000.parquet');\n"
            ),
        });
    }
    out
}
