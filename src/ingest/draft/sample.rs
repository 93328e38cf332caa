//! The first rows of a file in any format the connectors read, as text columns: what a
//! drafted mapping is inferred from. CSV's delimiter and encoding are sniffed here, since
//! the draft is what will name them.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use crate::config::FileFormat;
use crate::error::{Error, Result};

use super::super::row::bad_file;

/// A file's header and up to `limit` rows, every value as text.
#[derive(Debug, Default)]
pub struct Sample {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// The file has more rows than were read.
    pub truncated: bool,
    /// CSV only: the delimiter, where it is not a comma (`;`, `tab`, `|`).
    pub delimiter: Option<&'static str>,
    /// CSV only: the encoding, where the text is not UTF-8.
    pub encoding: Option<&'static str>,
    /// JSON lines: a header is a path into nested objects ("address.city").
    pub nested: bool,
}

impl Sample {
    /// The values of column `index`, empty ones left out.
    pub fn values(&self, index: usize) -> impl Iterator<Item = &str> {
        self.rows
            .iter()
            .filter_map(move |row| row.get(index))
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }
}

pub fn read(path: &Path, format: FileFormat, limit: usize) -> Result<Sample> {
    match format {
        FileFormat::Csv => read_csv(path, limit),
        FileFormat::JsonLines => read_json_lines(path, limit),
        FileFormat::Parquet => read_parquet(path, limit),
    }
}

fn read_csv(path: &Path, limit: usize) -> Result<Sample> {
    // An empty, workbook or other binary file is refused as ingest refuses it, with the fix.
    let unmapped = crate::config::SourceConfig::named("draft", path.to_path_buf());
    super::super::csv_connector::check_looks_like_text(path, &unmapped)?;
    let mut head = vec![0u8; 64 * 1024];
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let n = file.read(&mut head).map_err(|e| Error::io(path, e))?;
    head.truncate(n);
    let encoding = sniff_encoding(&head);
    let decoded = match encoding {
        Some(label) => encoding_rs::Encoding::for_label(label.as_bytes())
            .map(|e| e.decode(&head).0.into_owned())
            .unwrap_or_default(),
        None => String::from_utf8_lossy(&head).into_owned(),
    };
    let delimiter = sniff_delimiter(&decoded);
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let text: Box<dyn Read> =
        match encoding.and_then(|l| encoding_rs::Encoding::for_label(l.as_bytes())) {
            Some(encoding) => Box::new(
                encoding_rs_io::DecodeReaderBytesBuilder::new()
                    .encoding(Some(encoding))
                    .bom_sniffing(true)
                    .build(file),
            ),
            None => Box::new(file),
        };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(BufReader::new(text));
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| bad_file(path, &format!("the header row cannot be read: {e}")))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    let mut sample = Sample {
        header,
        delimiter: match delimiter {
            b';' => Some(";"),
            b'\t' => Some("tab"),
            b'|' => Some("|"),
            _ => None,
        },
        encoding,
        ..Sample::default()
    };
    // A row that cannot be read is left out: the draft needs the shape, not every row.
    for record in reader.records() {
        if sample.rows.len() == limit {
            sample.truncated = true;
            break;
        }
        if let Ok(record) = record {
            sample
                .rows
                .push(record.iter().map(str::to_string).collect());
        }
    }
    Ok(sample)
}

/// `None` for UTF-8 (a character cut at the end of the bytes read is still UTF-8); a
/// byte-order mark's UTF-16; Windows-1252 for anything else, as spreadsheets save it.
fn sniff_encoding(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"\xFF\xFE") {
        return Some("utf-16le");
    }
    if head.starts_with(b"\xFE\xFF") {
        return Some("utf-16be");
    }
    match std::str::from_utf8(head) {
        Ok(_) => None,
        Err(e) if e.error_len().is_none() => None,
        Err(_) => Some("windows-1252"),
    }
}

/// The delimiter that splits the first lines into the same number of fields (more than
/// one), the most fields winning; a comma when none does.
fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    // The last line read may be cut short.
    let whole = if lines.len() > 2 {
        &lines[..lines.len() - 1]
    } else {
        &lines[..]
    };
    let fields = |line: &str, delimiter: u8| {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(line.as_bytes());
        reader
            .records()
            .next()
            .and_then(|r| r.ok())
            .map_or(0, |r| r.len())
    };
    [b',', b';', b'\t', b'|']
        .into_iter()
        .filter_map(|delimiter| {
            // Most lines, not all: a quoted value may hold a line break.
            let counts: Vec<usize> = whole.iter().map(|l| fields(l, delimiter)).collect();
            let first = *counts.first()?;
            let alike = counts.iter().filter(|&&c| c == first).count();
            (first > 1 && alike * 5 >= counts.len() * 4).then_some((first, delimiter))
        })
        .max_by_key(|&(count, delimiter)| (count, delimiter == b','))
        .map_or(b',', |(_, delimiter)| delimiter)
}

fn read_json_lines(path: &Path, limit: usize) -> Result<Sample> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut sample = Sample {
        nested: true,
        ..Sample::default()
    };
    let mut objects = Vec::new();
    for line in BufReader::new(file).lines() {
        let line = line.map_err(|e| Error::io(path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        if objects.len() == limit {
            sample.truncated = true;
            break;
        }
        if let Ok(serde_json::Value::Object(object)) = serde_json::from_str(&line) {
            let mut flat = Vec::new();
            flatten("", &object, &mut flat);
            // Keys match whatever their case, as the connector matches them.
            for (key, _) in &flat {
                if !sample.header.iter().any(|h| same_key(h, key)) {
                    sample.header.push(key.clone());
                }
            }
            objects.push(flat);
        }
    }
    if objects.is_empty() {
        return Err(bad_file(path, "no line of the file is a JSON object"));
    }
    sample.rows = objects
        .into_iter()
        .map(|flat| {
            let mut row = vec![String::new(); sample.header.len()];
            for (key, value) in flat {
                if let Some(at) = sample.header.iter().position(|h| same_key(h, &key)) {
                    row[at] = value;
                }
            }
            row
        })
        .collect();
    Ok(sample)
}

fn same_key(a: &str, b: &str) -> bool {
    super::super::row::header_key(a) == super::super::row::header_key(b)
}

/// An object's values by path ("address.city" inside "address"), as the JSON-lines
/// connector reads them; of a list, its first item ("emails.0", a person's first email).
fn flatten(
    prefix: &str,
    object: &serde_json::Map<String, serde_json::Value>,
    out: &mut Vec<(String, String)>,
) {
    for (key, value) in object {
        flatten_value(&path_to(prefix, key), value, out);
    }
}

fn flatten_value(path: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(inner) => flatten(path, inner, out),
        serde_json::Value::Array(items) => match items.first() {
            Some(first) => flatten_value(&path_to(path, "0"), first, out),
            None => out.push((path_to(path, "0"), String::new())),
        },
        serde_json::Value::Null => out.push((path.to_string(), String::new())),
        serde_json::Value::String(s) => out.push((path.to_string(), s.clone())),
        other => out.push((path.to_string(), other.to_string())),
    }
}

fn path_to(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn read_parquet(path: &Path, limit: usize) -> Result<Sample> {
    use super::super::parquet_connector::{field_text, open_file};
    let (reader, header, total) = open_file(path)?;
    let mut rows = Vec::new();
    for row in parquet::record::reader::RowIter::from_file_into(Box::new(reader)).take(limit) {
        let Ok(row) = row else { continue };
        let mut values = vec![String::new(); header.len()];
        for (name, field) in row.get_column_iter() {
            if let Some(at) = header.iter().position(|h| h == name) {
                values[at] = field_text(field).unwrap_or_default();
            }
        }
        rows.push(values);
    }
    Ok(Sample {
        truncated: total > rows.len() as u64,
        header,
        rows,
        ..Sample::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delimiter_is_the_one_that_splits_every_line_alike() {
        assert_eq!(sniff_delimiter("a;b;c\n1;2;3\n4;5;6\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\n1\t2\n"), b'\t');
        assert_eq!(sniff_delimiter("a|b|c\n1|2|3\n"), b'|');
        // A comma inside a quoted value does not make a column.
        assert_eq!(sniff_delimiter("name;city\n\"Lee, Ann\";Chicago\n"), b';');
        assert_eq!(sniff_delimiter("name,city\n\"Lee; Ann\",Chicago\n"), b',');
        assert_eq!(sniff_delimiter("one column\nvalue\n"), b',');
    }

    #[test]
    fn text_that_is_not_utf8_is_read_as_windows_1252() {
        assert_eq!(sniff_encoding("Zoë,Müller".as_bytes()), None);
        assert_eq!(sniff_encoding(b"Zo\xEB,M\xFCller"), Some("windows-1252"));
        assert_eq!(sniff_encoding(b"\xFF\xFEn\0"), Some("utf-16le"));
        // Three bytes of a four-byte character cut off at the end of the bytes read.
        assert_eq!(sniff_encoding(b"ok \xF0\x9F\x98"), None);
    }
}
