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
use crate::store::export::{ColumnData, ColumnKind};

pub struct TableWriter {
    writer: SerializedFileWriter<File>,
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
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_created_by(format!("cpm {}", env!("CARGO_PKG_VERSION")))
            .build();
        let file = crate::store::create_private(path)?;
        let writer = SerializedFileWriter::new(file, Arc::new(schema), Arc::new(properties))
            .map_err(|e| parquet_error(path, e))?;
        Ok(TableWriter {
            writer,
            path: path.to_path_buf(),
        })
    }

    /// Write one batch of rows as a row group.
    pub fn write(&mut self, batch: &[ColumnData]) -> Result<()> {
        let path = self.path.clone();
        let fail = |e| parquet_error(&path, e);
        let mut group = self.writer.next_row_group().map_err(fail)?;
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
                    let (present, levels) = split(values, |v| ByteArray::from(v.as_str()));
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

    pub fn finish(self) -> Result<()> {
        let path = self.path.clone();
        self.writer.close().map_err(|e| parquet_error(&path, e))?;
        Ok(())
    }
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
