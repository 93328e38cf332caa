//! Reading the store's tables whole, column-typed, for the warehouse export.

use rusqlite::Connection;
use rusqlite::types::ValueRef;

use crate::error::Result;

/// A column's warehouse type, from its declared SQLite type (as the DDL maps it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Integer,
    Real,
    Text,
    /// A calendar date the store keeps as `YYYY-MM-DD` text.
    Date,
}

/// Columns outside the fact tables that hold calendar dates.
const DATE_COLUMNS: &[&str] = &[
    "date_of_birth",
    "first_gift_date",
    "last_gift_date",
    "as_of",
    "recorded_on",
];

/// Whether `table.column` holds calendar dates (kept as text in the store, DATE in the
/// warehouse): a fact field declared a date, or one of the summary's dates.
pub fn is_date(table: &str, column: &str) -> bool {
    DATE_COLUMNS.contains(&column)
        || crate::vocab::facts::fact_schema(table).is_some_and(|schema| {
            schema
                .fields
                .iter()
                .any(|f| f.column == column && f.kind == crate::vocab::facts::FieldType::Date)
        })
}

impl ColumnKind {
    pub fn of(table: &str, column: &str, declared: &str) -> ColumnKind {
        if is_date(table, column) {
            return ColumnKind::Date;
        }
        let t = declared.to_uppercase();
        if t.contains("INT") {
            ColumnKind::Integer
        } else if t.contains("REAL") {
            ColumnKind::Real
        } else {
            ColumnKind::Text
        }
    }
}

/// A batch's text values in one buffer (valid UTF-8), each row a span of it: one
/// allocation per column and batch rather than one per value, and handed to the Parquet
/// writer as slices of one shared buffer.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TextColumn {
    data: Vec<u8>,
    cells: Vec<Option<(u32, u32)>>,
}

impl TextColumn {
    fn with_capacity(rows: usize) -> TextColumn {
        TextColumn {
            data: Vec::with_capacity(rows * 16),
            cells: Vec::with_capacity(rows),
        }
    }

    /// Append a value (its bytes as UTF-8, invalid sequences replaced) or a NULL.
    pub fn push(&mut self, value: Option<&[u8]>) {
        let Some(bytes) = value else {
            self.cells.push(None);
            return;
        };
        let start = self.data.len();
        match std::str::from_utf8(bytes) {
            Ok(text) => self.data.extend_from_slice(text.as_bytes()),
            Err(_) => self
                .data
                .extend_from_slice(String::from_utf8_lossy(bytes).as_bytes()),
        }
        self.cells
            .push(Some((start as u32, self.data.len() as u32)));
    }

    /// Row `i`'s bytes, or `None` for NULL.
    pub fn bytes(&self, i: usize) -> Option<&[u8]> {
        self.cells[i].map(|(start, end)| &self.data[start as usize..end as usize])
    }

    /// Row `i`'s text, or `None` for NULL.
    pub fn get(&self, i: usize) -> Option<&str> {
        self.bytes(i).and_then(|b| std::str::from_utf8(b).ok())
    }

    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Every value replaced by `f` of it (NULLs stay NULL).
    pub fn map(&self, f: impl Fn(&str) -> String) -> TextColumn {
        let mut out = TextColumn::with_capacity(self.len());
        for i in 0..self.len() {
            out.push(self.get(i).map(&f).as_deref().map(str::as_bytes));
        }
        out
    }

    /// The buffer all values are spans of.
    pub fn buffer(&self) -> &[u8] {
        &self.data
    }

    /// Each row's span of [`buffer`](Self::buffer), or `None` for NULL.
    pub fn spans(&self) -> impl Iterator<Item = Option<std::ops::Range<usize>>> + '_ {
        self.cells
            .iter()
            .map(|cell| cell.map(|(start, end)| start as usize..end as usize))
    }
}

/// A batch of rows, one vector per column.
#[derive(Debug)]
pub enum ColumnData {
    Integer(Vec<Option<i64>>),
    Real(Vec<Option<f64>>),
    Text(TextColumn),
    /// Days since 1970-01-01.
    Date(Vec<Option<i32>>),
}

impl ColumnData {
    fn new(kind: ColumnKind, capacity: usize) -> ColumnData {
        match kind {
            ColumnKind::Integer => ColumnData::Integer(Vec::with_capacity(capacity)),
            ColumnKind::Real => ColumnData::Real(Vec::with_capacity(capacity)),
            ColumnKind::Text => ColumnData::Text(TextColumn::with_capacity(capacity)),
            ColumnKind::Date => ColumnData::Date(Vec::with_capacity(capacity)),
        }
    }

    /// Append one value, coerced to the column's type (SQLite lets a column hold any).
    fn push(&mut self, value: ValueRef) {
        match self {
            ColumnData::Integer(v) => v.push(match value {
                ValueRef::Integer(i) => Some(i),
                ValueRef::Real(f) => Some(f as i64),
                ValueRef::Text(t) => std::str::from_utf8(t).ok().and_then(|s| s.parse().ok()),
                _ => None,
            }),
            ColumnData::Real(v) => v.push(match value {
                ValueRef::Integer(i) => Some(i as f64),
                ValueRef::Real(f) => Some(f),
                ValueRef::Text(t) => std::str::from_utf8(t).ok().and_then(|s| s.parse().ok()),
                _ => None,
            }),
            ColumnData::Date(v) => v.push(match value {
                ValueRef::Text(t) => std::str::from_utf8(t).ok().and_then(days_since_epoch),
                _ => None,
            }),
            ColumnData::Text(v) => match value {
                ValueRef::Integer(i) => v.push(Some(i.to_string().as_bytes())),
                ValueRef::Real(f) => v.push(Some(f.to_string().as_bytes())),
                ValueRef::Text(t) | ValueRef::Blob(t) => v.push(Some(t)),
                ValueRef::Null => v.push(None),
            },
        }
    }

    pub fn len(&self) -> usize {
        match self {
            ColumnData::Integer(v) => v.len(),
            ColumnData::Real(v) => v.len(),
            ColumnData::Text(v) => v.len(),
            ColumnData::Date(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `YYYY-MM-DD` (or a timestamp starting with one) as days since 1970-01-01. Read by hand:
/// a million-row table has millions of dates, and a format string parses each slowly.
fn days_since_epoch(text: &str) -> Option<i32> {
    let b = text.as_bytes().get(..10)?;
    let number = |digits: &[u8]| -> Option<u32> {
        digits.iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let day = chrono::NaiveDate::from_ymd_opt(
        i32::try_from(number(&b[..4])?).ok()?,
        number(&b[5..7])?,
        number(&b[8..10])?,
    )?;
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
    i32::try_from((day - epoch).num_days()).ok()
}

/// A row's fingerprint for change detection: the same on every build and platform, and
/// cheap on integers and text (eight bytes at a time). Not for security.
#[derive(Debug, Default, Clone, Copy)]
pub struct RowHash(u64);

impl RowHash {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0 ^ word)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(29);
    }

    fn optional(&mut self, word: Option<u64>) {
        match word {
            Some(w) => {
                self.mix(1);
                self.mix(w);
            }
            None => self.mix(0),
        }
    }

    fn bytes(&mut self, bytes: Option<&[u8]>) {
        let Some(bytes) = bytes else {
            return self.mix(0);
        };
        self.mix(2 | (bytes.len() as u64) << 8);
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
    }

    /// The fingerprint, its bits well mixed (the final step of MurmurHash3).
    pub fn finish(&self) -> u64 {
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        x ^ (x >> 33)
    }
}

impl ColumnData {
    /// Mix each row's value into that row's fingerprint (a column at a time: one match
    /// per column, not per cell).
    pub fn hash_into(&self, rows: &mut [RowHash]) {
        match self {
            ColumnData::Integer(v) => {
                for (h, x) in rows.iter_mut().zip(v) {
                    h.optional(x.map(|x| x as u64));
                }
            }
            ColumnData::Real(v) => {
                for (h, x) in rows.iter_mut().zip(v) {
                    h.optional(x.map(f64::to_bits));
                }
            }
            ColumnData::Text(v) => {
                for (i, h) in rows.iter_mut().enumerate() {
                    h.bytes(v.bytes(i));
                }
            }
            ColumnData::Date(v) => {
                for (h, x) in rows.iter_mut().zip(v) {
                    h.optional(x.map(|x| x as u64));
                }
            }
        }
    }

    /// Row `i` as an integer, for a key column.
    pub fn integer(&self, i: usize) -> Option<i64> {
        match self {
            ColumnData::Integer(v) => v[i],
            _ => None,
        }
    }

    /// Only the rows at `rows`, in that order.
    pub fn select(&self, rows: &[usize]) -> ColumnData {
        match self {
            ColumnData::Integer(v) => ColumnData::Integer(rows.iter().map(|&i| v[i]).collect()),
            ColumnData::Real(v) => ColumnData::Real(rows.iter().map(|&i| v[i]).collect()),
            ColumnData::Text(v) => {
                let mut picked = TextColumn::with_capacity(rows.len());
                for &i in rows {
                    picked.push(v.bytes(i));
                }
                ColumnData::Text(picked)
            }
            ColumnData::Date(v) => ColumnData::Date(rows.iter().map(|&i| v[i]).collect()),
        }
    }
}

/// The first column of `table`'s primary key: what an incremental export keys rows by (a
/// key with more columns sends all the rows sharing its first one together).
pub fn key_column(conn: &Connection, table: &str) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            "SELECT name FROM pragma_table_info(?1) WHERE pk = 1",
            [table],
            |r| r.get(0),
        )
        .optional()?)
}

/// About how many rows `table` holds, without counting them (its largest rowid).
pub fn row_estimate(conn: &Connection, table: &str) -> Result<usize> {
    let n: Option<i64> = conn
        .query_row(&format!("SELECT max(rowid) FROM \"{table}\""), [], |r| {
            r.get(0)
        })
        .unwrap_or(None);
    Ok(n.unwrap_or(0).clamp(0, 50_000_000) as usize)
}

/// A table's exported columns: (name, kind), store-only columns left out.
pub fn columns(
    conn: &Connection,
    table: &str,
    leave_out: &[&str],
) -> Result<Vec<(String, ColumnKind)>> {
    let mut statement = conn.prepare("SELECT name, type FROM pragma_table_info(?1)")?;
    let columns = statement
        .query_map([table], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(columns
        .into_iter()
        .filter(|(name, _)| !leave_out.contains(&name.as_str()))
        .map(|(name, declared)| {
            let kind = ColumnKind::of(table, &name, &declared);
            (name, kind)
        })
        .collect())
}

/// Every row of `table` (its `columns`), in batches of `batch` rows handed to `each`.
pub fn read_batches(
    conn: &Connection,
    table: &str,
    columns: &[(String, ColumnKind)],
    batch: usize,
    mut each: impl FnMut(Vec<ColumnData>) -> Result<()>,
) -> Result<u64> {
    let list: Vec<String> = columns.iter().map(|(c, _)| format!("\"{c}\"")).collect();
    let mut statement = conn.prepare(&format!("SELECT {} FROM \"{table}\"", list.join(", ")))?;
    let mut rows = statement.query([])?;
    let fresh = || -> Vec<ColumnData> {
        columns
            .iter()
            .map(|(_, kind)| ColumnData::new(*kind, batch))
            .collect()
    };
    let mut data = fresh();
    let mut total = 0u64;
    while let Some(row) = rows.next()? {
        for (i, column) in data.iter_mut().enumerate() {
            column.push(row.get_ref(i)?);
        }
        total += 1;
        if data[0].len() == batch {
            each(std::mem::replace(&mut data, fresh()))?;
        }
    }
    if total == 0 || !data[0].is_empty() {
        each(data)?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_by_hand_agree_with_chrono_and_refuse_what_is_not_a_date() {
        let chrono_days = |text: &str| {
            let day = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
            (day - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32
        };
        for text in ["1970-01-01", "2024-02-29", "1899-12-31", "2026-06-30"] {
            assert_eq!(days_since_epoch(text), Some(chrono_days(text)), "{text}");
        }
        assert_eq!(
            days_since_epoch("2024-02-29T10:00:00Z"),
            Some(chrono_days("2024-02-29"))
        );
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024/01/01",
            "24-01-01",
            "2024-0a-01",
            "",
        ] {
            assert_eq!(days_since_epoch(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_text_column_keeps_values_nulls_and_replaces_invalid_utf8() {
        let mut column = TextColumn::default();
        column.push(Some(b"Ana"));
        column.push(None);
        column.push(Some(b"caf\xe9"));
        column.push(Some(b""));
        assert_eq!(column.len(), 4);
        assert_eq!(column.get(0), Some("Ana"));
        assert_eq!(column.get(1), None);
        assert_eq!(column.get(2), Some("caf\u{fffd}"));
        assert_eq!(column.get(3), Some(""));
        let upper = column.map(|v| v.to_uppercase());
        assert_eq!(upper.get(0), Some("ANA"));
        assert_eq!(upper.get(1), None);
    }

    #[test]
    fn a_rows_fingerprint_is_fixed_across_builds_and_tells_rows_apart() {
        let fingerprint = |batch: &[ColumnData]| {
            let mut rows = vec![RowHash::default(); batch[0].len()];
            for column in batch {
                column.hash_into(&mut rows);
            }
            rows.iter().map(RowHash::finish).collect::<Vec<_>>()
        };
        let mut names = TextColumn::default();
        for name in [Some("Ana"), Some("Ana"), None, Some("Ana ")] {
            names.push(name.map(str::as_bytes));
        }
        let ids = ColumnData::Integer(vec![Some(1), Some(2), Some(1), Some(1)]);
        let hashes = fingerprint(&[ids, ColumnData::Text(names)]);
        // Written down once: a change here makes every kept export's next change set
        // hold every row.
        assert_eq!(hashes[0], 0xf56b_dc1c_6f90_10fa, "{:#x}", hashes[0]);
        let distinct: std::collections::HashSet<u64> = hashes.iter().copied().collect();
        assert_eq!(distinct.len(), 4, "id, NULL and a trailing space all count");
    }
}
