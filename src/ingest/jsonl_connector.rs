//! The JSON-lines connector: one JSON object per line (as CRMs and event platforms export
//! them). Each object's values for the mapped keys (or paths into nested objects,
//! "address.street") become a record that the shared [`RowMapper`] checks exactly as it
//! checks a CSV row.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::row::{ColumnCheck, RowMapper, bad_file, header_key};
use super::{Connector, RowOutcome};
use crate::config::SourceConfig;
use crate::error::{Error, Result};

pub struct JsonLinesConnector {
    source: SourceConfig,
    path: PathBuf,
    lines: BufReader<File>,
    /// The mapped keys, in the order of the mapper's header.
    keys: Vec<String>,
    mapper: RowMapper,
    line: u64,
    bytes_read: u64,
    file_size: u64,
    hasher: Sha256,
    buffer: Vec<u8>,
    record: csv::ByteRecord,
}

impl JsonLinesConnector {
    pub fn open(source: &SourceConfig, path: &Path) -> Result<JsonLinesConnector> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let file_size = file.metadata().map_err(|e| Error::io(path, e))?.len();
        if file_size == 0 {
            return Err(bad_file(
                path,
                "the file is empty: expected one JSON object per line",
            ));
        }
        // The header is the set of keys the mapping reads: a key absent from a line is an
        // empty value, as an empty CSV cell is.
        let keys: Vec<String> = source.mapped_columns();
        let mapper = RowMapper::new(source, path, &keys)?;
        Ok(JsonLinesConnector {
            source: source.clone(),
            path: path.to_path_buf(),
            lines: BufReader::with_capacity(1 << 20, file),
            keys: keys.iter().map(|k| header_key(k)).collect(),
            mapper,
            line: 0,
            bytes_read: 0,
            file_size,
            hasher: Sha256::new(),
            buffer: Vec::new(),
            record: csv::ByteRecord::new(),
        })
    }

    /// The record for one line, or why it cannot be one.
    fn fill_record(&mut self) -> std::result::Result<(), String> {
        let text = std::str::from_utf8(&self.buffer)
            .map_err(|_| "the line is not valid UTF-8".to_string())?;
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| format!("not a JSON object: {}", e.classify_name()))?;
        let serde_json::Value::Object(object) = value else {
            return Err("not a JSON object".into());
        };
        let by_key: std::collections::HashMap<String, &serde_json::Value> =
            object.iter().map(|(k, v)| (header_key(k), v)).collect();
        self.record.clear();
        for key in &self.keys {
            match value_at(&by_key, key) {
                None | Some(serde_json::Value::Null) => self.record.push_field(b""),
                Some(serde_json::Value::String(s)) => self.record.push_field(s.as_bytes()),
                Some(serde_json::Value::Bool(b)) => {
                    self.record.push_field(if *b { b"true" } else { b"false" })
                }
                Some(serde_json::Value::Number(n)) => {
                    self.record.push_field(n.to_string().as_bytes())
                }
                Some(_) => {
                    return Err(format!(
                        "key '{key}' holds a list or an object, not a value"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The value a mapped key names: a key of the object as written, or else a path through
/// nested objects and lists, as APIs export them ("address.street", "emails.0" for a list's
/// first). A key or path the line does not have is `None`, an empty value.
fn value_at<'v>(
    by_key: &std::collections::HashMap<String, &'v serde_json::Value>,
    key: &str,
) -> Option<&'v serde_json::Value> {
    if let Some(value) = by_key.get(key) {
        return Some(value);
    }
    let mut path = key.split('.');
    let mut value = *by_key.get(path.next()?)?;
    for step in path {
        value = match value {
            serde_json::Value::Object(inner) => {
                inner.iter().find(|(k, _)| header_key(k) == step)?.1
            }
            serde_json::Value::Array(items) => items.get(step.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(value)
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "unreadable",
            serde_json::error::Category::Syntax => "malformed JSON",
            serde_json::error::Category::Data => "unexpected value",
            serde_json::error::Category::Eof => "the object ends early",
        }
    }
}

impl Connector for JsonLinesConnector {
    fn source(&self) -> &SourceConfig {
        &self.source
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn next_row(&mut self) -> Option<RowOutcome> {
        loop {
            self.buffer.clear();
            let n = match self.lines.read_until(b'\n', &mut self.buffer) {
                Ok(0) => return None,
                Ok(n) => n,
                Err(e) => {
                    self.line += 1;
                    return Some(RowOutcome::Quarantine {
                        line: self.line,
                        reason: format!("unreadable line: {}", e.kind()),
                        raw: String::new(),
                    });
                }
            };
            self.hasher.update(&self.buffer);
            self.bytes_read += n as u64;
            self.line += 1;
            while self.buffer.last().is_some_and(|b| b.is_ascii_whitespace()) {
                self.buffer.pop();
            }
            if self.buffer.is_empty() {
                continue; // blank lines separate nothing
            }
            return Some(match self.fill_record() {
                Ok(()) => self.mapper.map(&self.record, self.line),
                Err(reason) => RowOutcome::Quarantine {
                    line: self.line,
                    reason,
                    raw: String::from_utf8_lossy(&self.buffer).into_owned(),
                },
            });
        }
    }

    fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    fn bytes_total(&self) -> u64 {
        self.file_size
    }

    fn sha256_hex(&self) -> String {
        // Drain what is left unread (nothing, once next_row returned None).
        let mut hasher = self.hasher.clone();
        hasher.update(self.lines.buffer());
        let mut rest = Vec::new();
        if let Ok(mut file) = self.lines.get_ref().try_clone() {
            let _ = file.read_to_end(&mut rest);
        }
        hasher.update(&rest);
        super::hex(&hasher.finalize())
    }

    fn column_checks(&self) -> Vec<ColumnCheck> {
        self.mapper.column_checks()
    }
}
