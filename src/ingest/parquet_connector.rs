//! The Parquet connector: a warehouse or data-lake export, read row by row. Each row's
//! values for the mapped columns become a record that the shared [`RowMapper`] checks
//! exactly as it checks a CSV row; typed values are written as text the mapping's parsers
//! read (a date as `YYYY-MM-DD`, a number as its digits).

use std::fs::File;
use std::path::{Path, PathBuf};

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::reader::RowIter;
use parquet::record::{Field, Row};

use super::row::{ColumnCheck, RowMapper, bad_file, header_key};
use super::{Connector, RowOutcome};
use crate::config::SourceConfig;
use crate::error::{Error, Result};

pub struct ParquetConnector {
    source: SourceConfig,
    path: PathBuf,
    rows: RowIter<'static>,
    keys: Vec<String>,
    mapper: RowMapper,
    line: u64,
    total_rows: u64,
    file_size: u64,
    sha256: String,
    record: csv::ByteRecord,
}

impl ParquetConnector {
    pub fn open(source: &SourceConfig, path: &Path) -> Result<ParquetConnector> {
        let file_size = std::fs::metadata(path)
            .map_err(|e| Error::io(path, e))?
            .len();
        let (reader, columns, total_rows) = open_file(path)?;
        // The header is the file's own top-level columns, matched like a CSV header.
        let mapper = RowMapper::new(source, path, &columns)?;
        Ok(ParquetConnector {
            source: source.clone(),
            path: path.to_path_buf(),
            rows: RowIter::from_file_into(Box::new(reader)),
            keys: columns.iter().map(|c| header_key(c)).collect(),
            mapper,
            line: 0,
            total_rows,
            file_size,
            sha256: super::sha256_file(path)?,
            record: csv::ByteRecord::new(),
        })
    }

    /// The record for one row, in the file's column order, or why it cannot be one.
    fn fill_record(&mut self, row: &Row) -> std::result::Result<(), String> {
        self.record.clear();
        let mut values: Vec<(String, &Field)> = row
            .get_column_iter()
            .map(|(name, field)| (header_key(name), field))
            .collect();
        for key in &self.keys {
            let at = values.iter().position(|(name, _)| name == key);
            let text = match at.map(|i| values.swap_remove(i).1) {
                None => String::new(),
                Some(field) => field_text(field).ok_or_else(|| {
                    format!("column '{key}' holds a list, a map or a group, not a value")
                })?,
            };
            self.record.push_field(text.as_bytes());
        }
        Ok(())
    }
}

/// A Parquet file's reader, its top-level columns and its number of rows.
pub(super) fn open_file(path: &Path) -> Result<(SerializedFileReader<File>, Vec<String>, u64)> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let reader = SerializedFileReader::new(file).map_err(|e| {
        bad_file(
            path,
            &format!("not a Parquet file this reader can open: {e}"),
        )
    })?;
    let rows = reader.metadata().file_metadata().num_rows().max(0) as u64;
    let columns: Vec<String> = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .root_schema()
        .get_fields()
        .iter()
        .map(|f| f.name().to_string())
        .collect();
    Ok((reader, columns, rows))
}

/// A Parquet value as the text a CSV export would hold.
pub(super) fn field_text(field: &Field) -> Option<String> {
    let day = |days: i64| {
        chrono::DateTime::from_timestamp(days * 86_400, 0).map(|d| d.format("%Y-%m-%d").to_string())
    };
    Some(match field {
        Field::Null => String::new(),
        Field::Str(s) => s.clone(),
        Field::Bool(b) => b.to_string(),
        Field::Date(days) => day(i64::from(*days))?,
        Field::TimestampMillis(ms) => day(ms.div_euclid(86_400_000))?,
        Field::TimestampMicros(us) => day(us.div_euclid(86_400_000_000))?,
        Field::Bytes(bytes) => String::from_utf8_lossy(bytes.data()).into_owned(),
        Field::Group(_) | Field::ListInternal(_) | Field::MapInternal(_) => return None,
        // Numbers (and decimals, with their scale) as Parquet prints them.
        other => other.to_string(),
    })
}

impl Connector for ParquetConnector {
    fn source(&self) -> &SourceConfig {
        &self.source
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn next_row(&mut self) -> Option<RowOutcome> {
        let row = self.rows.next()?;
        self.line += 1;
        let line = self.line;
        Some(match row {
            Err(e) => RowOutcome::Quarantine {
                line,
                reason: format!("unreadable row: {e}"),
                raw: String::new(),
            },
            Ok(row) => match self.fill_record(&row) {
                Ok(()) => self.mapper.map(&self.record, line),
                Err(reason) => RowOutcome::Quarantine {
                    line,
                    reason,
                    raw: row.to_string(),
                },
            },
        })
    }

    fn bytes_read(&self) -> u64 {
        match self.total_rows {
            0 => self.file_size,
            total => self.file_size * self.line.min(total) / total,
        }
    }

    fn bytes_total(&self) -> u64 {
        self.file_size
    }

    fn sha256_hex(&self) -> String {
        self.sha256.clone()
    }

    fn column_checks(&self) -> Vec<ColumnCheck> {
        self.mapper.column_checks()
    }
}
