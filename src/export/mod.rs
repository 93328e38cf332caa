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
    // Every table is complete: move each into place.
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
    let personal: Vec<bool> = columns
        .iter()
        .map(|(c, kind)| {
            *kind == ColumnKind::Text && crate::store::PERSONAL_COLUMNS.contains(&c.as_str())
        })
        .collect();
    let rows = read_batches(&db.conn, table, &columns, BATCH, |mut batch| {
        if let Some(key) = key {
            for (data, personal) in batch.iter_mut().zip(&personal) {
                if let (ColumnData::Text(values), true) = (data, personal) {
                    for value in values.iter_mut().flatten() {
                        *value = pseudonym(key, value);
                    }
                }
            }
        }
        writer.write(&batch)
    })?;
    writer.finish()?;
    Ok(TableExport {
        layer: layer.to_string(),
        table: table.to_string(),
        rows,
        folder,
        columns: columns.into_iter().map(|(c, _)| c).collect(),
    })
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
