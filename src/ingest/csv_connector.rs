//! The CSV connector: reads one configured file, maps its columns to canonical person
//! fields and one fact, and yields each row or the reason it must be quarantined.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use rusqlite::types::Value;
use sha2::{Digest, Sha256};

use super::mapping::{FactSchema, fact_schema, parse_value};
use super::{Connector, MappedRow, PersonFields, RowOutcome};
use crate::config::SourceConfig;
use crate::error::{Error, Result};

pub struct CsvConnector {
    source: SourceConfig,
    path: PathBuf,
    reader: csv::Reader<BufReader<HashingReader>>,
    header_len: usize,
    header: Vec<String>,
    key_col: usize,
    /// Canonical person field and the column(s) it is read from.
    person_cols: Vec<(&'static str, Vec<usize>)>,
    fact: Option<(&'static FactSchema, Vec<Option<usize>>)>,
    record: csv::ByteRecord,
    file_size: u64,
    previous_person_hash: Option<u64>,
}

impl CsvConnector {
    /// Open the file and check its header against the mapping. A file that is empty, not
    /// text, or lacks a mapped column is refused here, before anything is written.
    pub fn open(source: &SourceConfig, path: &Path) -> Result<CsvConnector> {
        let file_size = std::fs::metadata(path)
            .map_err(|e| Error::io(path, e))?
            .len();
        check_looks_like_text(path)?;
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(BufReader::with_capacity(
                1 << 20,
                HashingReader {
                    file,
                    hasher: Sha256::new(),
                },
            ));
        let raw_header = reader
            .byte_headers()
            .map_err(|e| bad_file(path, &e.to_string()))?
            .clone();
        if raw_header.is_empty() || (raw_header.len() == 1 && raw_header[0].is_empty()) {
            return Err(bad_file(
                path,
                "the file is empty: expected a header row naming the columns",
            ));
        }
        let header: Vec<String> = raw_header
            .iter()
            .enumerate()
            .map(|(i, field)| {
                let field = if i == 0 {
                    field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field)
                } else {
                    field
                };
                String::from_utf8_lossy(field).trim().to_string()
            })
            .collect();
        let find = |column: &str, mapping_key: &str| -> Result<usize> {
            header.iter().position(|h| h == column).ok_or_else(|| {
                bad_file(
                    path,
                    &format!(
                        "missing required column '{column}' (sources.yaml: source '{}' maps {mapping_key} to it). \
                         The header has: {}. Fix the mapping in config/sources.yaml or the file's header.",
                        source.name,
                        header.join(", ")
                    ),
                )
            })
        };
        let key_col = find(&source.person_key, "person_key")?;
        let mut person_cols = Vec::new();
        for field in crate::config::PERSON_FIELDS {
            if let Some(columns) = source.person.get(*field) {
                let found = columns
                    .names()
                    .into_iter()
                    .map(|column| find(column, &format!("person.{field}")))
                    .collect::<Result<Vec<usize>>>()?;
                person_cols.push((*field, found));
            }
        }
        let fact = match &source.facts {
            None => None,
            Some(mapping) => {
                let schema = fact_schema(&mapping.table).ok_or_else(|| {
                    bad_file(path, &format!("unknown fact table '{}'", mapping.table))
                })?;
                let mut cols = Vec::new();
                for field in schema.fields {
                    cols.push(match mapping.columns.get(field.name) {
                        Some(column) => {
                            Some(find(column, &format!("facts.columns.{}", field.name))?)
                        }
                        None => None,
                    });
                }
                Some((schema, cols))
            }
        };
        Ok(CsvConnector {
            source: source.clone(),
            path: path.to_path_buf(),
            header_len: header.len(),
            header,
            reader,
            key_col,
            person_cols,
            fact,
            record: csv::ByteRecord::new(),
            file_size,
            previous_person_hash: None,
        })
    }

    fn map_record(&self, line: u64) -> std::result::Result<MappedRow, String> {
        let record = &self.record;
        if record.len() != self.header_len {
            return Err(format!(
                "ragged row: {} fields where the header has {}",
                record.len(),
                self.header_len
            ));
        }
        let text = |i: usize| self.field_text(record, i);
        let key = text(self.key_col)?;
        if key.is_empty() {
            return Err(format!(
                "empty person key (column '{}')",
                self.header[self.key_col]
            ));
        }
        // Exports repeat a person's fields on each of their fact rows: when the key and
        // person bytes equal the previous good row's, skip re-decoding them.
        let person_hash = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            record[self.key_col].hash(&mut h);
            for col in self.person_cols.iter().flat_map(|(_, cols)| cols) {
                record[*col].hash(&mut h);
            }
            h.finish()
        };
        let person = if self.previous_person_hash == Some(person_hash) {
            None
        } else {
            let person = self.map_person(record)?;
            let normalized = person.normalize();
            Some((person, normalized))
        };
        let fact = match &self.fact {
            None => None,
            Some((schema, cols)) => {
                let mut values = Vec::with_capacity(cols.len());
                for (field, col) in schema.fields.iter().zip(cols) {
                    let raw = match col {
                        Some(c) => text(*c)?,
                        None => "",
                    };
                    if raw.is_empty() {
                        if let Some(default) = field.default {
                            values.push(Value::Text(default.to_string()));
                            continue;
                        }
                        if field.required {
                            return Err(format!(
                                "column '{}' ({}) is empty but required",
                                col.map(|c| self.header[c].as_str()).unwrap_or(field.name),
                                field.name
                            ));
                        }
                        values.push(Value::Null);
                    } else {
                        values.push(
                            parse_value(field.kind, raw, &self.source.date_formats).map_err(
                                |why| {
                                    format!(
                                        "column '{}': {why}",
                                        col.map(|c| self.header[c].as_str()).unwrap_or(field.name)
                                    )
                                },
                            )?,
                        );
                    }
                }
                Some(values)
            }
        };
        Ok(MappedRow {
            line,
            key: key.to_string(),
            person,
            person_hash,
            fact,
        })
    }

    fn field_text<'r>(
        &self,
        record: &'r csv::ByteRecord,
        i: usize,
    ) -> std::result::Result<&'r str, String> {
        std::str::from_utf8(&record[i])
            .map(str::trim)
            .map_err(|_| format!("column '{}' is not valid UTF-8", self.header[i]))
    }

    fn map_person(&self, record: &csv::ByteRecord) -> std::result::Result<PersonFields, String> {
        let mut person = PersonFields::default();
        for (field, cols) in &self.person_cols {
            let mut value = String::new();
            for col in cols {
                let part = self.field_text(record, *col)?;
                if !part.is_empty() {
                    if !value.is_empty() {
                        value.push(' ');
                    }
                    value.push_str(part);
                }
            }
            if !value.is_empty() {
                person.set(field, &value);
            }
        }
        if let Some(dob) = person.date_of_birth.take() {
            person.date_of_birth = Some(
                crate::resolve::normalize::date(&dob, &self.source.date_formats).ok_or_else(
                    || {
                        format!(
                            "column '{}': '{dob}' is not a date in the configured formats",
                            self.header[self.person_col("date_of_birth")]
                        )
                    },
                )?,
            );
        }
        Ok(person)
    }

    fn person_col(&self, field: &str) -> usize {
        self.person_cols
            .iter()
            .find(|(f, _)| *f == field)
            .and_then(|(_, cols)| cols.first().copied())
            .unwrap_or(0)
    }

    fn raw_text(&self) -> String {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        let _ = writer.write_byte_record(&self.record);
        let bytes = writer.into_inner().unwrap_or_default();
        String::from_utf8_lossy(&bytes).trim_end().to_string()
    }
}

impl Connector for CsvConnector {
    fn source(&self) -> &SourceConfig {
        &self.source
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn next_row(&mut self) -> Option<RowOutcome> {
        let read = self.reader.read_byte_record(&mut self.record);
        let line = self.record.position().map(|p| p.line()).unwrap_or(0);
        match read {
            Ok(false) => None,
            Ok(true) => Some(match self.map_record(line) {
                Ok(row) => {
                    self.previous_person_hash = Some(row.person_hash);
                    RowOutcome::Row(row)
                }
                Err(reason) => RowOutcome::Quarantine {
                    line,
                    reason,
                    raw: self.raw_text(),
                },
            }),
            // A malformed row (e.g. an unterminated quote at the end of the file): quarantine
            // what can be said about it; the csv reader resynchronises on the next record.
            Err(e) => Some(RowOutcome::Quarantine {
                line: e.position().map(|p| p.line()).unwrap_or(line),
                reason: format!("unreadable row: {e}"),
                raw: String::new(),
            }),
        }
    }

    fn bytes_read(&self) -> u64 {
        self.reader.position().byte()
    }

    fn bytes_total(&self) -> u64 {
        self.file_size
    }
}

/// The file as the CSV reader reads it, hashed on the way: the SHA-256 of a file read to
/// its end costs no second pass.
struct HashingReader {
    file: File,
    hasher: Sha256,
}

impl Read for HashingReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

impl CsvConnector {
    /// The SHA-256 of everything read so far: the whole file once `next_row` has returned
    /// `None`.
    pub fn sha256_hex(&self) -> String {
        super::hex(&self.reader.get_ref().get_ref().hasher.clone().finalize())
    }
}

fn bad_file(path: &Path, message: &str) -> Error {
    Error::BadFile {
        file: path.to_path_buf(),
        message: message.to_string(),
    }
}

/// Refuse binary files (images, spreadsheets, compressed exports) with a useful message
/// instead of quarantining every "row" of them.
fn check_looks_like_text(path: &Path) -> Result<()> {
    let mut head = vec![0u8; 8192];
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let n = file.read(&mut head).map_err(|e| Error::io(path, e))?;
    let head = &head[..n];
    if n == 0 {
        return Err(bad_file(
            path,
            "the file is empty: expected a header row naming the columns",
        ));
    }
    if head.starts_with(b"PK\x03\x04") {
        return Err(bad_file(
            path,
            "this is a ZIP archive (perhaps an .xlsx workbook), not CSV: export it as CSV (UTF-8)",
        ));
    }
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        return Err(bad_file(
            path,
            "the file is UTF-16 encoded: save it as CSV (UTF-8)",
        ));
    }
    if head.contains(&0) {
        return Err(bad_file(
            path,
            "the file is not CSV text (it contains binary data): export it as CSV (UTF-8)",
        ));
    }
    Ok(())
}
