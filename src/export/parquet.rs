//! One table as one Parquet file: the columns' types as the warehouse DDL declares them
//! (BIGINT as INT64, DOUBLE, text as UTF-8), every column nullable, snappy-compressed, a
//! row group per batch read from the store.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

use crate::error::{Error, Result};
use crate::store::export::{ColumnData, ColumnKind, TextColumn};

pub struct TableWriter {
    /// Made at the first batch, which decides each column's encoding.
    writer: Option<SerializedFileWriter<File>>,
    schema: Arc<parquet::schema::types::Type>,
    names: Vec<String>,
    path: std::path::PathBuf,
}

fn parquet_error(path: &Path, e: parquet::errors::ParquetError) -> Error {
    Error::Invalid(format!("{}: writing Parquet: {e}", path.display()))
}

impl TableWriter {
    pub fn create(path: &Path, columns: &[(String, ColumnKind)]) -> Result<TableWriter> {
        let fields: Vec<String> = columns
            .iter()
            .map(|(name, kind)| match kind {
                ColumnKind::Integer => format!("OPTIONAL INT64 {name};"),
                ColumnKind::Real => format!("OPTIONAL DOUBLE {name};"),
                ColumnKind::Text => format!("OPTIONAL BYTE_ARRAY {name} (UTF8);"),
                ColumnKind::Date => format!("OPTIONAL INT32 {name} (DATE);"),
            })
            .collect();
        let schema = parse_message_type(&format!("message schema {{ {} }}", fields.join(" ")))
            .map_err(|e| parquet_error(path, e))?;
        Ok(TableWriter {
            writer: None,
            schema: Arc::new(schema),
            names: columns.iter().map(|(name, _)| name.clone()).collect(),
            path: path.to_path_buf(),
        })
    }

    /// The file, made with each column's encoding chosen from `first` (the first batch):
    /// a dictionary where values repeat (a status, a source, a person's id down a fact
    /// table), plain where they hardly do (keys, emails, amounts), which a dictionary only
    /// slows down before the writer gives it up.
    fn open(&mut self, first: &[ColumnData]) -> Result<&mut SerializedFileWriter<File>> {
        if self.writer.is_none() {
            let mut properties = WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .set_created_by(format!("cpm {}", env!("CARGO_PKG_VERSION")));
            for (name, data) in self.names.iter().zip(first) {
                let path = parquet::schema::types::ColumnPath::from(name.as_str());
                properties = properties.set_column_dictionary_enabled(path, repeats(data));
            }
            let file = crate::store::create_private(&self.path)?;
            let writer =
                SerializedFileWriter::new(file, self.schema.clone(), Arc::new(properties.build()))
                    .map_err(|e| parquet_error(&self.path, e))?;
            self.writer = Some(writer);
        }
        let path = self.path.clone();
        self.writer
            .as_mut()
            .ok_or_else(|| Error::Invalid(format!("{}: no Parquet writer", path.display())))
    }

    /// Write one batch of rows as a row group.
    pub fn write(&mut self, batch: &[ColumnData]) -> Result<()> {
        let path = self.path.clone();
        let fail = |e| parquet_error(&path, e);
        let mut group = self.open(batch)?.next_row_group().map_err(fail)?;
        for data in batch {
            let Some(mut column) = group.next_column().map_err(fail)? else {
                break;
            };
            match data {
                ColumnData::Integer(values) => {
                    let (present, levels) = split(values, |v| *v);
                    column
                        .typed::<Int64Type>()
                        .write_batch(&present, Some(&levels), None)
                        .map_err(fail)?;
                }
                ColumnData::Real(values) => {
                    let (present, levels) = split(values, |v| *v);
                    column
                        .typed::<DoubleType>()
                        .write_batch(&present, Some(&levels), None)
                        .map_err(fail)?;
                }
                ColumnData::Date(values) => {
                    let (present, levels) = split(values, |v| *v);
                    column
                        .typed::<Int32Type>()
                        .write_batch(&present, Some(&levels), None)
                        .map_err(fail)?;
                }
                ColumnData::Text(values) => {
                    let (present, levels) = byte_arrays(values);
                    column
                        .typed::<ByteArrayType>()
                        .write_batch(&present, Some(&levels), None)
                        .map_err(fail)?;
                }
            }
            column.close().map_err(fail)?;
        }
        group.close().map_err(fail)?;
        Ok(())
    }

    pub fn finish(mut self) -> Result<()> {
        let path = self.path.clone();
        // An empty table is a file with its schema and no rows.
        self.open(&[])?
            .finish()
            .map_err(|e| parquet_error(&path, e))?;
        Ok(())
    }
}

/// Whether a column's values repeat enough for a dictionary: at most half of them distinct.
fn repeats(data: &ColumnData) -> bool {
    use std::collections::HashSet;
    let (distinct, present) = match data {
        ColumnData::Integer(v) => (v.iter().flatten().collect::<HashSet<_>>().len(), v.len()),
        ColumnData::Date(v) => (v.iter().flatten().collect::<HashSet<_>>().len(), v.len()),
        ColumnData::Real(v) => {
            let bits: HashSet<u64> = v.iter().flatten().map(|f| f.to_bits()).collect();
            (bits.len(), v.len())
        }
        ColumnData::Text(v) => {
            let values: HashSet<&[u8]> = (0..v.len()).filter_map(|i| v.bytes(i)).collect();
            (values.len(), v.len())
        }
    };
    distinct * 2 <= present
}

/// A text column's present values, each a slice of one shared copy of its buffer (no
/// allocation per value), and each row's definition level (1 present, 0 null).
fn byte_arrays(column: &TextColumn) -> (Vec<ByteArray>, Vec<i16>) {
    let shared = bytes::Bytes::copy_from_slice(column.buffer());
    let mut present = Vec::with_capacity(column.len());
    let levels = column
        .spans()
        .map(|span| match span {
            Some(span) => {
                present.push(ByteArray::from(shared.slice(span)));
                1
            }
            None => 0,
        })
        .collect();
    (present, levels)
}

/// The present values and each row's definition level (1 present, 0 null).
fn split<T, V>(values: &[Option<T>], convert: impl Fn(&T) -> V) -> (Vec<V>, Vec<i16>) {
    let mut present = Vec::with_capacity(values.len());
    let levels = values
        .iter()
        .map(|v| match v {
            Some(v) => {
                present.push(convert(v));
                1
            }
            None => 0,
        })
        .collect();
    (present, levels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dictionary_only_where_values_repeat() {
        let ids = ColumnData::Integer((0..100).map(Some).collect());
        let people = ColumnData::Integer((0..100).map(|i| Some(i % 10)).collect());
        let mut statuses = TextColumn::default();
        for i in 0..100 {
            statuses.push(Some(if i % 3 == 0 {
                &b"failed"[..]
            } else {
                b"succeeded"
            }));
        }
        assert!(!repeats(&ids), "a key");
        assert!(repeats(&people), "a person's id down a fact table");
        assert!(repeats(&ColumnData::Text(statuses)));
    }
}
