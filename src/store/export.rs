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

/// A batch of rows, one vector per column.
#[derive(Debug)]
pub enum ColumnData {
    Integer(Vec<Option<i64>>),
    Real(Vec<Option<f64>>),
    Text(Vec<Option<String>>),
    /// Days since 1970-01-01.
    Date(Vec<Option<i32>>),
}

impl ColumnData {
    fn new(kind: ColumnKind, capacity: usize) -> ColumnData {
        match kind {
            ColumnKind::Integer => ColumnData::Integer(Vec::with_capacity(capacity)),
            ColumnKind::Real => ColumnData::Real(Vec::with_capacity(capacity)),
            ColumnKind::Text => ColumnData::Text(Vec::with_capacity(capacity)),
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
            ColumnData::Text(v) => v.push(match value {
                ValueRef::Integer(i) => Some(i.to_string()),
                ValueRef::Real(f) => Some(f.to_string()),
                ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => Some(String::from_utf8_lossy(b).into_owned()),
                ValueRef::Null => None,
            }),
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

/// `YYYY-MM-DD` (or a timestamp starting with one) as days since 1970-01-01.
fn days_since_epoch(text: &str) -> Option<i32> {
    let day = chrono::NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()?;
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
    i32::try_from((day - epoch).num_days()).ok()
}

impl ColumnData {
    /// Mix row `i`'s value into `hasher` (the same value hashes the same on every build).
    pub fn hash_cell(&self, i: usize, hasher: &mut impl std::hash::Hasher) {
        use std::hash::Hash;
        match self {
            ColumnData::Integer(v) => v[i].hash(hasher),
            ColumnData::Real(v) => v[i].map(f64::to_bits).hash(hasher),
            ColumnData::Text(v) => v[i].hash(hasher),
            ColumnData::Date(v) => v[i].hash(hasher),
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
            ColumnData::Text(v) => ColumnData::Text(rows.iter().map(|&i| v[i].clone()).collect()),
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
