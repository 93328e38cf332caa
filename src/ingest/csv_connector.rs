//! The CSV connector: reads one configured file (any delimiter; UTF-8, or another
//! encoding converted on the way) and hands each record to the shared [`RowMapper`].

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use super::row::{ColumnCheck, RowMapper, bad_file};
use super::{Connector, RowOutcome};
use crate::config::SourceConfig;
use crate::error::{Error, Result};

pub struct CsvConnector {
    source: SourceConfig,
    path: PathBuf,
    reader: csv::Reader<BufReader<Box<dyn Read + Send>>>,
    mapper: RowMapper,
    record: csv::ByteRecord,
    file_size: u64,
    hasher: Arc<Mutex<Sha256>>,
}

impl CsvConnector {
    /// Open the file and check its header against the mapping. A file that is empty, not
    /// text, or lacks a mapped column is refused here, before anything is written.
    pub fn open(source: &SourceConfig, path: &Path) -> Result<CsvConnector> {
        let file_size = std::fs::metadata(path)
            .map_err(|e| Error::io(path, e))?
            .len();
        let head = check_looks_like_text(path, source)?;
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let hasher = Arc::new(Mutex::new(Sha256::new()));
        let hashing = HashingReader {
            file,
            hasher: Arc::clone(&hasher),
        };
        let text: Box<dyn Read + Send> = match decoding(source, &head) {
            None => Box::new(hashing),
            Some(encoding) => Box::new(
                encoding_rs_io::DecodeReaderBytesBuilder::new()
                    .encoding(Some(encoding))
                    .bom_sniffing(true)
                    .build(hashing),
            ),
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .delimiter(source.delimiter_byte())
            .from_reader(BufReader::with_capacity(1 << 20, text));
        let raw_header = reader
            .byte_headers()
            .map_err(|e| bad_file(path, &format!("the header row cannot be read: {e}")))?
            .clone();
        let header: Vec<String> = raw_header
            .iter()
            .map(|field| String::from_utf8_lossy(field).into_owned())
            .collect();
        let mapper = RowMapper::new(source, path, &header)?;
        Ok(CsvConnector {
            source: source.clone(),
            path: path.to_path_buf(),
            reader,
            mapper,
            record: csv::ByteRecord::new(),
            file_size,
            hasher,
        })
    }
}

/// The encoding to convert from, when the file is not plain UTF-8: a UTF-16 byte-order
/// mark, or the source's `encoding`.
fn decoding(source: &SourceConfig, head: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        return Some(encoding_rs::UTF_16LE); // the BOM decides which UTF-16
    }
    source
        .encoding
        .as_deref()
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
        .filter(|e| *e != encoding_rs::UTF_8)
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
            Ok(true) => Some(self.mapper.map(&self.record, line)),
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

    fn sha256_hex(&self) -> String {
        let hasher = self.hasher.lock().map(|h| h.clone()).unwrap_or_default();
        super::hex(&hasher.finalize())
    }

    fn column_checks(&self) -> Vec<ColumnCheck> {
        self.mapper.column_checks()
    }
}

/// The file's bytes as read, hashed on the way: the SHA-256 of a file read to its end
/// costs no second pass. (Shared with the connector, which may sit behind a decoder.)
struct HashingReader {
    file: File,
    hasher: Arc<Mutex<Sha256>>,
}

impl Read for HashingReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        if let Ok(mut hasher) = self.hasher.lock() {
            hasher.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// Refuse binary files (images, spreadsheets, compressed exports) with a useful message
/// instead of quarantining every "row" of them. A stray NUL byte is not a binary file:
/// its row is quarantined alone. Returns the first bytes of the file.
pub(super) fn check_looks_like_text(path: &Path, source: &SourceConfig) -> Result<Vec<u8>> {
    let mut head = vec![0u8; 8192];
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let n = file.read(&mut head).map_err(|e| Error::io(path, e))?;
    head.truncate(n);
    if n == 0 {
        return Err(bad_file(
            path,
            "the file is empty: expected a header row naming the columns",
        ));
    }
    if head.starts_with(b"PK\x03\x04") {
        return Err(bad_file(
            path,
            "this is a ZIP archive (perhaps an .xlsx workbook), not CSV: export it as CSV",
        ));
    }
    let utf16 = head.starts_with(b"\xFF\xFE")
        || head.starts_with(b"\xFE\xFF")
        || source
            .encoding
            .as_deref()
            .is_some_and(|e| e.to_ascii_lowercase().starts_with("utf-16"));
    // Text has almost no control bytes besides line ends and tabs; a binary file is full of
    // them. A stray NUL or two is a bad row, quarantined when it is read.
    let controls = head
        .iter()
        .filter(|b| (**b < 0x20 && !matches!(**b, b'\t' | b'\n' | b'\r' | 0x0c)) || **b == 0x7f)
        .count();
    if !utf16 && controls * 20 > n {
        return Err(bad_file(
            path,
            "the file is not CSV text (it is mostly binary data; if it is UTF-16 without a \
             byte-order mark, set `encoding: utf-16le` for the source): export it as CSV",
        ));
    }
    Ok(head)
}
