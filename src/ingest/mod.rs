//! Getting records in: connectors yield mapped rows or quarantine reasons; `ingest` writes
//! each file as one batch in one transaction. Rows read = rows loaded + rows quarantined.

pub mod csv_connector;
pub mod draft;
pub mod jsonl_connector;
mod keys;
pub use crate::vocab::facts as mapping;
pub mod parquet_connector;
pub mod row;

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rusqlite::types::Value;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::{Project, SourceConfig};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::resolve::normalize::NormalizedPerson;
use crate::store::Db;
use crate::store::source::BatchWriter;
pub use crate::vocab::batch::{BatchOutcome, BatchReport, ColumnWarning};
pub use crate::vocab::person::PersonFields;
use keys::{FactSeen, KeyConflicts, fact_conflicts, fact_key_column, fact_key_index, identity};

#[derive(Debug)]
pub struct MappedRow {
    pub line: u64,
    pub key: String,
    /// `None` when the row repeats the previous row's person exactly. Normalised by the
    /// reading thread, so the writing thread only writes.
    pub person: Option<(PersonFields, NormalizedPerson)>,
    /// A hash of the key and the raw person fields.
    pub person_hash: u64,
    /// Values in the order of the fact schema's fields.
    pub fact: Option<Vec<Value>>,
    /// What the row says of consent, per mapped channel with a value.
    pub consent: Vec<crate::vocab::consent::RecordConsent>,
    /// Optional fields stored empty because they did not parse.
    pub issues: Vec<row::FieldIssue>,
    /// The row as written, kept only where the writer may yet quarantine it (a row of a
    /// `person_from` source whose key the people lack).
    pub raw: Option<String>,
}

#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // rows are the common case; boxing them would cost an allocation each
pub enum RowOutcome {
    Row(MappedRow),
    Quarantine {
        line: u64,
        reason: String,
        raw: String,
    },
}

/// A source of person rows: CSV, JSON lines and Parquet ship; a database or API connector
/// implements the same methods and maps its rows through [`row::RowMapper`], so every
/// format gets the same checks.
pub trait Connector: Send {
    fn source(&self) -> &SourceConfig;
    fn path(&self) -> &Path;
    fn next_row(&mut self) -> Option<RowOutcome>;
    fn bytes_read(&self) -> u64;
    fn bytes_total(&self) -> u64;
    /// The SHA-256 of the file: the whole file's once `next_row` has returned `None`.
    fn sha256_hex(&self) -> String;
    /// How each parsed column fared so far.
    fn column_checks(&self) -> Vec<row::ColumnCheck>;
}

/// The connector for a source's file, by its configured (or guessed) format.
pub fn open_connector(source: &SourceConfig, path: &Path) -> Result<Box<dyn Connector>> {
    Ok(match source.file_format(path) {
        crate::config::FileFormat::Csv => {
            Box::new(csv_connector::CsvConnector::open(source, path)?)
        }
        crate::config::FileFormat::JsonLines => {
            Box::new(jsonl_connector::JsonLinesConnector::open(source, path)?)
        }
        crate::config::FileFormat::Parquet => {
            Box::new(parquet_connector::ParquetConnector::open(source, path)?)
        }
    })
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct IngestReport {
    pub batches: Vec<BatchReport>,
    /// Read through the mapping, nothing written (`cpm ingest --dry-run`).
    pub dry_run: bool,
}

impl IngestReport {
    pub fn rows_read(&self) -> u64 {
        self.batches.iter().map(|b| b.rows_read).sum()
    }
    pub fn rows_loaded(&self) -> u64 {
        self.batches.iter().map(|b| b.rows_loaded).sum()
    }
    pub fn rows_quarantined(&self) -> u64 {
        self.batches.iter().map(|b| b.rows_quarantined).sum()
    }
    pub fn fields_blanked(&self) -> u64 {
        self.batches.iter().map(|b| b.fields_blanked).sum()
    }
    pub fn warnings(&self) -> impl Iterator<Item = &ColumnWarning> {
        self.batches.iter().flat_map(|b| &b.warnings)
    }
}

#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Only these sources (all when empty).
    pub only: Vec<String>,
    /// Read files from this directory instead of the configured one (same file names).
    pub source_dir: Option<PathBuf>,
    /// Refuse (load nothing of) a file with a mostly wrong column instead of warning.
    pub strict: bool,
}

/// Ingest every configured source. A bad file stops the run with an error naming it; the
/// batches committed before it stay (each file is its own transaction).
pub fn ingest(
    db: &mut Db,
    project: &Project,
    options: &IngestOptions,
    progress: &dyn Progress,
) -> Result<IngestReport> {
    let (_, sources) = crate::config::load_sources(project)?;
    let mut planned = plan(project, &sources, options)?;
    // Largest files first: each batch's checkpoint then runs while the smaller files after
    // it load, and the last one leaves little to wait for. Reports keep the config order.
    // A file of facts whose people another source holds loads after every source of people.
    planned.sort_by_key(|(_, source, path)| {
        (
            source.person_from.is_some(),
            std::cmp::Reverse(std::fs::metadata(path).map_or(0, |m| m.len())),
        )
    });
    let checkpointer = crate::store::Checkpointer::start(db);
    let mut loaded = Vec::with_capacity(planned.len());
    for (index, source, path) in planned {
        loaded.push((
            index,
            ingest_file(db, source, &path, options.strict, progress)?,
        ));
        checkpointer.batch_committed();
    }
    checkpointer.finish();
    loaded.sort_by_key(|(index, _)| *index);
    Ok(IngestReport {
        batches: loaded.into_iter().map(|(_, batch)| batch).collect(),
        dry_run: false,
    })
}

/// The configured sources to read (every one, or `options.only`) with their files, in the
/// configuration's order; every file must be there.
fn plan<'s>(
    project: &Project,
    sources: &'s crate::config::SourcesFile,
    options: &IngestOptions,
) -> Result<Vec<(usize, &'s SourceConfig, PathBuf)>> {
    let planned: Vec<(usize, &SourceConfig, PathBuf)> = sources
        .sources
        .iter()
        .enumerate()
        .filter(|(_, s)| options.only.is_empty() || options.only.contains(&s.name))
        .map(|(i, s)| (i, s, source_path(project, s, options.source_dir.as_deref())))
        .collect();
    if !options.only.is_empty() && planned.is_empty() {
        return Err(Error::Usage(format!(
            "no configured source is named {}; see config/sources.yaml",
            options.only.join(", ")
        )));
    }
    refuse_missing_files(&planned)?;
    Ok(planned)
}

/// Every configured file read through its mapping as `ingest` reads it, and nothing
/// written (`cpm ingest --dry-run`): the rows that would load and those that would be
/// quarantined, and why; the fields that would be stored empty; the columns that would
/// warn. What needs the store is checked at the load: a `person_from` source's keys
/// against its people, a key naming two people.
pub fn check(
    project: &Project,
    options: &IngestOptions,
    progress: &dyn Progress,
) -> Result<IngestReport> {
    let (_, sources) = crate::config::load_sources(project)?;
    let batches = plan(project, &sources, options)?
        .into_iter()
        .map(|(_, source, path)| check_file(source, &path, progress))
        .collect::<Result<Vec<_>>>()?;
    Ok(IngestReport {
        batches,
        dry_run: true,
    })
}

fn check_file(source: &SourceConfig, path: &Path, progress: &dyn Progress) -> Result<BatchReport> {
    let started = Instant::now();
    let mut report = BatchReport::empty(&source.name, path);
    let mut connector = open_connector(source, path)?;
    // Reason -> (rows, first line).
    let mut reasons: HashMap<String, (u64, u64)> = HashMap::new();
    let stage = format!("check {}", source.name);
    while let Some(outcome) = connector.next_row() {
        report.rows_read += 1;
        match outcome {
            RowOutcome::Quarantine { line, reason, .. } => {
                report.rows_quarantined += 1;
                reasons.entry(reason).or_insert((0, line)).0 += 1;
            }
            RowOutcome::Row(row) => {
                report.rows_loaded += 1;
                report.fields_blanked += row.issues.len() as u64;
            }
        }
        if report.rows_read.is_multiple_of(1 << 16) {
            progress.update(&stage, connector.bytes_read(), connector.bytes_total());
            if progress.is_cancelled() {
                return Err(Error::Cancelled);
            }
        }
    }
    report.warnings = warnings_of(source, connector.column_checks());
    report.outcome = match report.warnings.is_empty() {
        true => BatchOutcome::Loaded,
        false => BatchOutcome::LoadedWithWarnings,
    };
    let mut reasons: Vec<crate::vocab::batch::ReasonCount> = reasons
        .into_iter()
        .map(
            |(reason, (rows, first_line))| crate::vocab::batch::ReasonCount {
                reason,
                rows,
                first_line,
            },
        )
        .collect();
    reasons.sort_by_key(|r| (std::cmp::Reverse(r.rows), r.first_line));
    report.quarantine_reasons = reasons;
    report.millis = started.elapsed().as_millis() as u64;
    Ok(report)
}

/// The column checks that fail on more than the source's share of values, as warnings.
fn warnings_of(source: &SourceConfig, checks: Vec<row::ColumnCheck>) -> Vec<ColumnWarning> {
    checks
        .into_iter()
        .filter(|c| c.failures > 0 && c.failure_share() > source.warn_failure_share)
        .map(|check| ColumnWarning {
            source: source.name.clone(),
            check,
        })
        .collect()
}

/// Every configured file is there before any is loaded: a run that stops at the third
/// file leaves the store a mix of new and old sources.
fn refuse_missing_files(planned: &[(usize, &SourceConfig, PathBuf)]) -> Result<()> {
    let missing: Vec<String> = planned
        .iter()
        .filter(|(_, _, path)| !path.exists())
        .map(|(_, source, path)| format!("{} ({})", path.display(), source.name))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::Invalid(format!(
        "no file at {}: nothing was loaded. Point each source's `file:` in config/sources.yaml \
         at its export (or give --dir), map your own files with `cpm config draft FILE... --add`, \
         or write the demo sources with `cpm generate`",
        missing.join(", ")
    )))
}

fn source_path(project: &Project, source: &SourceConfig, dir: Option<&Path>) -> PathBuf {
    match (dir, source.file.file_name()) {
        (Some(dir), Some(name)) => dir.join(name),
        _ => project.resolve(&source.file),
    }
}

/// Ingest one file as one batch, in one transaction: a killed process leaves no partial
/// batch. An unchanged file (same SHA-256 and same mapping as a loaded batch of this
/// source) does nothing; a changed mapping loads the file again. `strict`: a mostly wrong
/// column refuses the file instead of loading it with a warning.
pub fn ingest_file(
    db: &mut Db,
    source: &SourceConfig,
    path: &Path,
    strict: bool,
    progress: &dyn Progress,
) -> Result<BatchReport> {
    let started = Instant::now();
    let bytes = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .len();
    let mapping = source.mapping_hash();
    let mut report = BatchReport::empty(&source.name, path);
    // Only a file with the size of an earlier batch can be unchanged: hash that one first.
    // Any other is new or changed, and is hashed as it is read.
    let known_sha = if crate::store::source::batch_of_size_exists(&db.conn, &source.name, bytes)? {
        let sha = sha256_file(path)?;
        if crate::store::source::batch_exists(&db.conn, &source.name, &sha, &mapping)? {
            report.millis = started.elapsed().as_millis() as u64;
            return Ok(report);
        }
        Some(sha)
    } else {
        None
    };
    if let Some(people) = &source.person_from
        && !crate::store::source::source_has_records(&db.conn, people)?
    {
        return Err(Error::BadFile {
            file: path.to_path_buf(),
            message: format!(
                "{} reads its people from {people}, which has no records yet: load {people} first (`cpm ingest --source {people}`)",
                source.name
            ),
        });
    }
    let connector = open_connector(source, path)?;
    let file = FileFacts {
        path,
        bytes,
        sha: known_sha,
        mapping,
        strict,
    };
    crate::store::bulk_load(db, |db| {
        load_batch(db, source, &file, connector, report, started, progress)
    })
}

/// Rows parsed per message from the reading thread to the writing one.
const CHUNK_ROWS: usize = 2048;

/// The file a batch loads: its size, its SHA-256 when it was computed up front, the hash
/// of the mapping it is read with, and whether a warning refuses it.
struct FileFacts<'p> {
    path: &'p Path,
    bytes: u64,
    sha: Option<String>,
    mapping: String,
    strict: bool,
}

/// Reading, parsing, normalising and hashing run on one thread, writing on another, so the
/// two cores overlap text work with SQLite's B-tree work. The channel is bounded: memory
/// stays a few chunks, whatever the file size.
fn load_batch(
    db: &mut Db,
    source: &SourceConfig,
    file: &FileFacts,
    mut connector: Box<dyn Connector>,
    mut report: BatchReport,
    started: Instant,
    progress: &dyn Progress,
) -> Result<BatchReport> {
    let bytes_total = connector.bytes_total();
    let tx = db
        .conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let path = file.path;
    let mut writer = BatchWriter::begin(&tx, source, path)?;
    let (sha, checks) = std::thread::scope(|scope| -> Result<_> {
        let (send, receive) = std::sync::mpsc::sync_channel::<(Vec<RowOutcome>, u64)>(4);
        // Written chunks go back to be freed where they were allocated: glibc frees
        // across threads slowly enough to undo the overlap.
        let (give_back, written) = std::sync::mpsc::channel::<Vec<RowOutcome>>();
        let reading = scope.spawn(move || {
            loop {
                while let Ok(chunk) = written.try_recv() {
                    drop(chunk);
                }
                let mut chunk = Vec::with_capacity(CHUNK_ROWS);
                while chunk.len() < CHUNK_ROWS {
                    match connector.next_row() {
                        Some(outcome) => chunk.push(outcome),
                        None => break,
                    }
                }
                let done = chunk.len() < CHUNK_ROWS;
                // A send fails only when the writer stopped (an error or a cancel).
                if send.send((chunk, connector.bytes_read())).is_err() || done {
                    return connector;
                }
            }
        });
        let stage = format!("ingest {}", source.name);
        let mut last_report = Instant::now();
        let mut seen = SeenPeople {
            fact_key: fact_key_index(source),
            people_from: source.person_from.clone(),
            ..SeenPeople::default()
        };
        for (chunk, bytes_read) in receive {
            for outcome in &chunk {
                write_row(&mut writer, &mut seen, &mut report, outcome, path)?;
            }
            let _ = give_back.send(chunk);
            if progress.is_cancelled() {
                return Err(Error::Cancelled); // the transaction rolls back on drop
            }
            if last_report.elapsed().as_millis() >= 100 {
                last_report = Instant::now();
                progress.update(&stage, bytes_read, bytes_total);
            }
        }
        progress.update(&stage, bytes_total, bytes_total);
        let connector = reading.join().map_err(|_| {
            Error::Invalid(format!("{}: the reading thread failed", path.display()))
        })?;
        let sha = file.sha.clone().unwrap_or_else(|| connector.sha256_hex());
        let mut checks = connector.column_checks();
        let keys = seen.by_key.len();
        checks.push(seen.two_people.check(
            &source.person_key,
            keys,
            "one person's key (its rows name two people: the last row's fields were kept)",
        ));
        if let Some(column) = fact_key_column(source) {
            let (conflicts, keys) = fact_conflicts(std::mem::take(&mut seen.facts));
            checks.push(conflicts.check(
                column,
                keys,
                "one fact's key (its rows say two things: the last row's were kept)",
            ));
        }
        Ok((sha, checks))
    })?;
    report.warnings = warnings_of(source, checks);
    if file.strict && !report.warnings.is_empty() {
        // Dropping the transaction loads nothing.
        let list: Vec<String> = report.warnings.iter().map(ToString::to_string).collect();
        return Err(Error::BadFile {
            file: path.to_path_buf(),
            message: format!(
                "refused under --strict: {}. Fix the file, or its mapping and date_formats in config/sources.yaml",
                list.join("; ")
            ),
        });
    }
    writer.rows_done()?;
    report.millis = started.elapsed().as_millis() as u64;
    let batch_id = writer.finish(&report, &sha, file.bytes, &file.mapping)?;
    tx.commit()?;
    report.batch_id = Some(batch_id);
    report.outcome = if report.warnings.is_empty() {
        BatchOutcome::Loaded
    } else {
        BatchOutcome::LoadedWithWarnings
    };
    Ok(report)
}

/// What this batch has seen of its people and facts. Person fields by key (a person repeated on many fact rows is
/// normalised and written once, and again only if their fields change), and the previous
/// row's, which most rows repeat.
#[derive(Default)]
struct SeenPeople {
    by_key: HashMap<String, SeenKey>,
    /// The keys whose rows name two people (another name or birth date), with the first
    /// few's lines.
    two_people: KeyConflicts,
    /// Every fact row of this batch as its key's hash, a hash of what it says (the
    /// person's record and every value) and its line: sorted at the end to find a key
    /// that holds two facts (16 bytes a row, where a map of them took twice that).
    facts: Vec<FactSeen>,
    /// Where the fact's key field is in a row's values.
    fact_key: Option<usize>,
    /// (person hash, record id) of the previous good row.
    previous: Option<(u64, i64)>,
    /// The source whose records this file's keys name, where it is not this one.
    people_from: Option<String>,
    /// That source's record for each key looked up, or none.
    records_elsewhere: HashMap<String, Option<i64>>,
    /// Consent answers written in this batch (record, channel, opted out).
    consent: std::collections::HashSet<(i64, crate::vocab::consent::Channel, bool)>,
}

/// A person key as this batch has seen it: its record, the hash of its row's person
/// fields, who it names, and the line it was first seen on.
#[derive(Clone, Copy)]
struct SeenKey {
    id: i64,
    person_hash: u64,
    identity: u64,
    line: u64,
}

fn write_row(
    writer: &mut BatchWriter,
    seen: &mut SeenPeople,
    report: &mut BatchReport,
    outcome: &RowOutcome,
    path: &Path,
) -> Result<()> {
    report.rows_read += 1;
    let row = match outcome {
        RowOutcome::Quarantine { line, reason, raw } => {
            writer.quarantine(*line, reason, raw)?;
            report.rows_quarantined += 1;
            return Ok(());
        }
        RowOutcome::Row(row) => row,
    };
    let record_id = match (&seen.people_from, &row.person) {
        (Some(people), _) => {
            let found = match seen.records_elsewhere.get(&row.key) {
                Some(found) => *found,
                None => *seen
                    .records_elsewhere
                    .entry(row.key.clone())
                    .or_insert(writer.record_of(people, &row.key)?),
            };
            let Some(id) = found else {
                let reason = format!("no record of {people} has this key");
                writer.quarantine(row.line, &reason, row.raw.as_deref().unwrap_or(&row.key))?;
                report.rows_quarantined += 1;
                return Ok(());
            };
            id
        }
        // The connector saw the previous good row's person again: its id, no lookup.
        (None, None) => match seen.previous {
            Some((hash, id)) if hash == row.person_hash => id,
            _ => {
                return Err(Error::Invalid(format!(
                    "{}: line {}: internal error: repeated person without a previous row",
                    path.display(),
                    row.line
                )));
            }
        },
        (None, Some((person, normalized))) => {
            let known = seen.by_key.get(&row.key).copied();
            match known {
                Some(k) if k.person_hash == row.person_hash => k.id,
                _ => {
                    let identity = identity(person, normalized);
                    let (id, is_new) =
                        writer.upsert_person(&row.key, known.map(|k| k.id), person, normalized)?;
                    match (known, is_new) {
                        (Some(k), _) if k.identity != identity => {
                            let key = crate::stable_hash::stable_hash(&row.key) as u64;
                            seen.two_people.saw(key, row.line, k.line)
                        }
                        (Some(_), _) => {}
                        (None, true) => report.records_new += 1,
                        (None, false) => report.records_updated += 1,
                    }
                    let line = known.map_or(row.line, |k| k.line);
                    let seen_key = SeenKey {
                        id,
                        person_hash: row.person_hash,
                        identity,
                        line,
                    };
                    seen.by_key.insert(row.key.clone(), seen_key);
                    id
                }
            }
        }
    };
    seen.previous = Some((row.person_hash, record_id));
    for issue in &row.issues {
        writer.field_issue(row.line, issue)?;
        report.fields_blanked += 1;
    }
    if let Some(values) = &row.fact {
        if let Some(key) = seen.fact_key {
            seen.facts
                .push(FactSeen::of(record_id, values, key, row.line));
        }
        writer.upsert_fact(record_id, values)?;
    }
    for consent in &row.consent {
        // A person's rows mostly repeat their consent: write each answer once.
        if seen
            .consent
            .insert((record_id, consent.channel, consent.opted_out))
        {
            writer.consent(record_id, consent)?;
        }
    }
    report.rows_loaded += 1;
    Ok(())
}

pub fn sha256_file(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
