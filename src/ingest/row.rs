//! Mapping one row of any connector (CSV, JSON lines) to a person and a fact, with the
//! field-level validation every connector shares: a bad required field quarantines the
//! row; a bad optional field is stored empty and recorded, and the row is kept.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::types::Value;

use super::mapping::{FactSchema, FieldType, fact_schema, parse_value};
use super::{MappedRow, PersonFields, RowOutcome};
use crate::config::SourceConfig;
use crate::error::{Error, Result};
pub use crate::text::{inert, shape, shape_all};
pub use crate::vocab::batch::{ColumnCheck, FieldIssue};
use crate::vocab::consent::{Channel, ConsentColumn, RecordConsent};

/// The columns of a file a source's mapping reads, found in its header, and the checks
/// each row goes through.
pub struct RowMapper {
    source: SourceConfig,
    header: Vec<String>,
    key_col: usize,
    /// Canonical person field and the column(s) it is read from.
    person_cols: Vec<(&'static str, Vec<usize>)>,
    fact: Option<(&'static FactSchema, Vec<Option<usize>>)>,
    /// Per fact field (in the schema's order), the file's values recoded as cpm's, by the
    /// value trimmed and lower-cased.
    recode: Vec<HashMap<String, String>>,
    /// Every column the mapping reads (checked for size).
    mapped: Vec<usize>,
    dob_col: Option<usize>,
    /// The columns of `READ_FOR_MATCHING`'s fields, with each field's place in it.
    matching_cols: Vec<(usize, usize)>,
    /// Per mapped channel: how to read it and its column; and the consent date's column.
    consent_cols: Vec<(Channel, ConsentColumn, usize)>,
    consent_date_col: Option<usize>,
    previous_person_hash: Option<u64>,
    /// Per header column: values seen and failures, for the columns that are parsed.
    checks: Vec<Option<ColumnCheck>>,
    /// The day of the load: a two-digit birth year is in the century that puts it before.
    today: chrono::NaiveDate,
}

/// A header name as matched against the mapping: case, surrounding spaces and a
/// byte-order mark do not matter.
pub fn header_key(name: &str) -> String {
    name.trim_start_matches('\u{feff}').trim().to_lowercase()
}

impl RowMapper {
    /// Find the mapping's columns in `header`. A missing mapped column or a duplicated
    /// header name refuses the file; the message names columns, never a row's values.
    pub fn new(source: &SourceConfig, path: &Path, header: &[String]) -> Result<RowMapper> {
        let keys: Vec<String> = header.iter().map(|h| header_key(h)).collect();
        if keys.iter().all(String::is_empty) {
            return Err(bad_file(
                path,
                "the file is empty: expected a header row naming the columns",
            ));
        }
        for (i, key) in keys.iter().enumerate().filter(|(_, k)| !k.is_empty()) {
            if let Some(j) = keys[i + 1..].iter().position(|k| k == key) {
                return Err(bad_file(
                    path,
                    &format!(
                        "the header names column '{key}' twice (columns {} and {}): rename one so the mapping can tell them apart",
                        i + 1,
                        i + j + 2
                    ),
                ));
            }
        }
        let find = |column: &str, mapping_key: &str| -> Result<usize> {
            let wanted = header_key(column);
            keys.iter()
                .position(|k| *k == wanted)
                .ok_or_else(|| bad_file(path, &missing_column(source, &keys, column, mapping_key)))
        };
        let key_col = find(&source.person_key, "person_key")?;
        let mut person_cols = Vec::new();
        for field in crate::config::mappable_person_fields() {
            if let Some(columns) = source.person.get(field) {
                let found = columns
                    .names()
                    .into_iter()
                    .map(|column| find(column, &format!("person.{field}")))
                    .collect::<Result<Vec<usize>>>()?;
                person_cols.push((field, found));
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
        let recode: Vec<HashMap<String, String>> = match (&source.facts, &fact) {
            (Some(mapping), Some((schema, _))) => schema
                .fields
                .iter()
                .map(|field| {
                    let written = mapping.values.get(field.name).into_iter().flatten();
                    written
                        .map(|(from, to)| (from.trim().to_lowercase(), to.clone()))
                        .collect()
                })
                .collect(),
            _ => Vec::new(),
        };
        let mut consent_cols = Vec::new();
        let mut consent_date_col = None;
        if let Some(consent) = &source.consent {
            for (channel, column) in consent.channels() {
                let col = find(column.column(), &format!("consent.{}", channel.name()))?;
                consent_cols.push((channel, column.clone(), col));
            }
            if let Some(date) = &consent.date {
                consent_date_col = Some(find(date, "consent.date")?);
            }
        }
        let column_of = |field: &str| {
            person_cols
                .iter()
                .find(|(f, _)| *f == field)
                .and_then(|(_, cols)| cols.first().copied())
        };
        let dob_col = column_of("date_of_birth");
        let matching_cols: Vec<(usize, usize)> = READ_FOR_MATCHING
            .iter()
            .enumerate()
            .filter_map(|(i, read)| Some((column_of(read.field)?, i)))
            .collect();
        let mut checks: Vec<Option<ColumnCheck>> = vec![None; header.len()];
        let formats = source.date_formats.join(" or ");
        let mut watch = |col: usize, expected: String| {
            checks[col] = Some(ColumnCheck {
                column: header[col].trim().to_string(),
                expected,
                values: 0,
                failures: 0,
                examples: Vec::new(),
            });
        };
        if let Some(col) = dob_col {
            watch(col, format!("a date as {formats}"));
        }
        for &(col, i) in &matching_cols {
            watch(col, READ_FOR_MATCHING[i].expected.into());
        }
        for (_, column, col) in &consent_cols {
            if let ConsentColumn::Flag(_) = column {
                watch(*col, "yes or no".into());
            }
        }
        if let Some(col) = consent_date_col {
            watch(col, format!("a date as {formats}"));
        }
        if let Some((schema, cols)) = &fact {
            for (field, col) in schema.fields.iter().zip(cols) {
                if let Some(col) = col {
                    match field.kind {
                        FieldType::Text => {}
                        FieldType::Date => watch(*col, format!("a date as {formats}")),
                        FieldType::Money => watch(*col, "an amount".into()),
                        FieldType::Int => watch(*col, "a whole number".into()),
                        FieldType::Bool => watch(*col, "true or false".into()),
                    }
                }
            }
        }
        let mut mapped: Vec<usize> = std::iter::once(key_col)
            .chain(person_cols.iter().flat_map(|(_, c)| c.iter().copied()))
            .chain(fact.iter().flat_map(|(_, c)| c.iter().flatten().copied()))
            .chain(consent_cols.iter().map(|(_, _, col)| *col))
            .chain(consent_date_col)
            .collect();
        mapped.sort_unstable();
        mapped.dedup();
        Ok(RowMapper {
            today: chrono::Local::now().date_naive(),
            source: source.clone(),
            header: header.iter().map(|h| header_key(h)).collect(),
            key_col,
            person_cols,
            fact,
            mapped,
            dob_col,
            matching_cols,
            consent_cols,
            recode,
            consent_date_col,
            previous_person_hash: None,
            checks,
        })
    }

    /// Whether the row names the columns as the header does: exports joined end to end
    /// repeat it, and read as a person it would be one named "first_name last_name".
    fn is_header(&self, record: &csv::ByteRecord) -> bool {
        // Bytes compared as they are (ASCII case aside): no row's text is decoded for it.
        (record.iter().zip(&self.header))
            .all(|(field, name)| field.trim_ascii().eq_ignore_ascii_case(name.as_bytes()))
    }

    pub fn header_len(&self) -> usize {
        self.header.len()
    }

    /// The parsed columns' counts so far: the whole file's once it has been read.
    pub fn column_checks(&self) -> Vec<ColumnCheck> {
        self.checks.iter().flatten().cloned().collect()
    }

    /// Map one record (fields in header order) read at `line`.
    pub fn map(&mut self, record: &csv::ByteRecord, line: u64) -> RowOutcome {
        match self.map_record(record, line) {
            Ok(mut row) => {
                self.previous_person_hash = Some(row.person_hash);
                if self.source.person_from.is_some() {
                    row.raw = Some(raw_text(record));
                }
                RowOutcome::Row(row)
            }
            Err(reason) => RowOutcome::Quarantine {
                line,
                reason,
                raw: raw_text(record),
            },
        }
    }

    fn map_record(
        &mut self,
        record: &csv::ByteRecord,
        line: u64,
    ) -> std::result::Result<MappedRow, String> {
        if record.len() != self.header.len() {
            return Err(format!(
                "ragged row: {} fields where the header has {}",
                record.len(),
                self.header.len()
            ));
        }
        if record.as_slice().contains(&0) {
            return Err("the row contains a NUL byte (binary data)".into());
        }
        if self.is_header(record) {
            return Err("the header row again (files joined end to end?), not a person".into());
        }
        let limit = self.source.max_field_chars;
        for &col in &self.mapped {
            let bytes = &record[col];
            if bytes.len() > limit && String::from_utf8_lossy(bytes).chars().count() > limit {
                return Err(format!(
                    "column '{}' is longer than {limit} characters (max_field_chars in sources.yaml)",
                    self.header[col]
                ));
            }
        }
        let key = self.field_text(record, self.key_col)?;
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
        let mut issues = Vec::new();
        let person = if self.previous_person_hash == Some(person_hash) {
            None
        } else {
            let (person, dob_as_written) = self.map_person(record, &mut issues)?;
            let mut normalized = person.normalize(self.source.phone_plan());
            normalized.dob_as_written = dob_as_written;
            Some((person, normalized))
        };
        let fact = self.map_fact(record, &mut issues)?;
        let consent = self.map_consent(record, &mut issues)?;
        Ok(MappedRow {
            line,
            key: key.to_string(),
            person,
            person_hash,
            fact,
            consent,
            issues,
            raw: None,
        })
    }

    /// Each mapped channel's consent on this row; an empty value says nothing, a value
    /// that is not yes/no is recorded as a field issue and says nothing either.
    fn map_consent(
        &mut self,
        record: &csv::ByteRecord,
        issues: &mut Vec<FieldIssue>,
    ) -> std::result::Result<Vec<RecordConsent>, String> {
        if self.consent_cols.is_empty() {
            return Ok(Vec::new());
        }
        let recorded_on = match self.consent_date_col {
            None => None,
            Some(col) => {
                let raw = self.field_text(record, col)?;
                let parsed = (!raw.is_empty())
                    .then(|| crate::resolve::normalize::date(raw, &self.source.date_formats))
                    .flatten();
                if !raw.is_empty() {
                    count(&mut self.checks, col, parsed.is_none(), raw, false);
                }
                if !raw.is_empty() && parsed.is_none() {
                    issues.push(FieldIssue {
                        column: self.header[col].clone(),
                        reason: "not a date in the configured formats".into(),
                        value: inert(raw),
                    });
                }
                parsed
            }
        };
        let mut consent = Vec::new();
        for i in 0..self.consent_cols.len() {
            let (channel, column, col) = &self.consent_cols[i];
            let (channel, col) = (*channel, *col);
            let raw = self.field_text(record, col)?;
            if raw.is_empty() {
                continue;
            }
            let read = column.opted_out(raw);
            let flag = matches!(column, ConsentColumn::Flag(_));
            if flag {
                count(&mut self.checks, col, read.is_err(), raw, false);
            }
            match read {
                Ok(opted_out) => consent.push(RecordConsent {
                    channel,
                    opted_out,
                    code: raw.to_string(),
                    recorded_on: recorded_on.clone(),
                }),
                Err(why) => issues.push(FieldIssue {
                    column: self.header[col].clone(),
                    reason: why,
                    value: inert(raw),
                }),
            }
        }
        Ok(consent)
    }

    fn map_fact(
        &mut self,
        record: &csv::ByteRecord,
        issues: &mut Vec<FieldIssue>,
    ) -> std::result::Result<Option<Vec<Value>>, String> {
        // Taken out while the row is mapped, so counting can borrow the mapper mutably.
        let Some(fact) = self.fact.take() else {
            return Ok(None);
        };
        let mapped = self.map_fact_fields(&fact, record, issues);
        self.fact = Some(fact);
        mapped.map(Some)
    }

    fn map_fact_fields(
        &mut self,
        (schema, cols): &(&'static FactSchema, Vec<Option<usize>>),
        record: &csv::ByteRecord,
        issues: &mut Vec<FieldIssue>,
    ) -> std::result::Result<Vec<Value>, String> {
        let mut values = Vec::with_capacity(cols.len());
        for (i, (field, col)) in schema.fields.iter().zip(cols).enumerate() {
            let raw = match col {
                Some(c) => self.field_text(record, *c)?,
                None => "",
            };
            let raw = match self
                .recode
                .get(i)
                .filter(|r| !r.is_empty() && !raw.is_empty())
            {
                Some(recode) => recode
                    .get(&raw.trim().to_lowercase())
                    .map_or(raw, String::as_str),
                None => raw,
            };
            let column = || col.map_or(field.name, |c| self.header[c].as_str());
            if raw.is_empty() {
                if let Some(default) = field.default {
                    values.push(Value::Text(default.to_string()));
                    continue;
                }
                if field.required {
                    return Err(format!(
                        "column '{}' ({}) is empty but required",
                        column(),
                        field.name
                    ));
                }
                values.push(Value::Null);
                continue;
            }
            let parsed = parse_value(field.kind, raw, &self.source.date_formats);
            if let Some(c) = col {
                count(&mut self.checks, *c, parsed.is_err(), raw, false);
            }
            match parsed {
                Ok(value) => values.push(value),
                Err(why) if field.required => return Err(format!("column '{}': {why}", column())),
                Err(why) => {
                    issues.push(FieldIssue {
                        column: column().to_string(),
                        reason: why,
                        value: inert(raw),
                    });
                    values.push(Value::Null);
                }
            }
        }
        Ok(values)
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

    fn map_person(
        &mut self,
        record: &csv::ByteRecord,
        issues: &mut Vec<FieldIssue>,
    ) -> std::result::Result<(PersonFields, Option<String>), String> {
        let mut person = PersonFields::default();
        let mut dob_as_written = None;
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
        if let (Some(dob), Some(col)) = (person.date_of_birth.take(), self.dob_col) {
            let formats = &self.source.date_formats;
            let parsed = crate::normalize::birth_date(&dob, formats, self.today);
            // A year, or a year and month, is what the file has: compared as far as it goes.
            let partial = parsed
                .is_none()
                .then(|| crate::normalize::partial_date(&dob, formats))
                .flatten();
            let unread = parsed.is_none() && partial.is_none();
            count(&mut self.checks, col, unread, &dob, true);
            if unread {
                // A birth date helps matching; without it the person is still a person.
                issues.push(FieldIssue {
                    column: self.header[col].clone(),
                    reason: "not a date in the configured formats".into(),
                    value: shape(&dob),
                });
                dob_as_written = crate::normalize::date_as_written(&dob, formats);
            } else if partial.is_some() {
                dob_as_written = partial;
            }
            person.date_of_birth = parsed;
        }
        for &(col, i) in &self.matching_cols {
            let read = &READ_FOR_MATCHING[i];
            if let Some(value) = (read.value)(&person) {
                count(
                    &mut self.checks,
                    col,
                    !(read.readable)(value, &self.source),
                    value,
                    true,
                );
            }
        }
        Ok((person, dob_as_written))
    }
}

/// A contact field matching reads through its normaliser. A value it cannot read is kept
/// as written (shown, exported) but compares as missing, so its column is counted like a
/// date column: a file whose postcodes or phones matching cannot read says so.
struct ReadForMatching {
    field: &'static str,
    expected: &'static str,
    value: fn(&PersonFields) -> Option<&str>,
    readable: fn(&str, &SourceConfig) -> bool,
}

const READ_FOR_MATCHING: [ReadForMatching; 3] = [
    ReadForMatching {
        field: "zip",
        expected: "a postal code (a US ZIP, or letters and digits)",
        value: |p| p.zip.as_deref(),
        readable: |v, _| crate::normalize::zip(v).is_some(),
    },
    ReadForMatching {
        field: "phone",
        expected: "a phone number matching can compare (ten digits, or + and a country code)",
        value: |p| p.phone.as_deref(),
        readable: |v, source| source.phone_plan().read(v).is_some(),
    },
    ReadForMatching {
        field: "email",
        expected: "an email address",
        value: |p| p.email.as_deref(),
        readable: |v, _| crate::normalize::email(v).is_some(),
    },
];

/// Tally a parsed column's value; keep a few failing examples for the warning.
fn count(checks: &mut [Option<ColumnCheck>], col: usize, failed: bool, raw: &str, personal: bool) {
    if let Some(check) = checks[col].as_mut() {
        check.values += 1;
        if failed {
            check.failures += 1;
            if check.examples.len() < 3 {
                check
                    .examples
                    .push(if personal { shape(raw) } else { inert(raw) });
            }
        }
    }
}

fn missing_column(
    source: &SourceConfig,
    keys: &[String],
    column: &str,
    mapping_key: &str,
) -> String {
    let wanted = header_key(column);
    // A suggestion only when a header name is close: a headerless file's first row holds
    // a person's values, which an error message must not repeat.
    let close = keys
        .iter()
        .enumerate()
        .filter(|(_, k)| !k.is_empty())
        .map(|(i, k)| (i, strsim::jaro_winkler(k, &wanted)))
        .filter(|(_, s)| *s >= 0.88)
        .max_by(|x, y| x.1.total_cmp(&y.1));
    let hint = match close {
        Some((i, _)) => format!(" Did you mean '{}' (column {})?", keys[i], i + 1),
        None => String::new(),
    };
    format!(
        "missing required column '{column}' (sources.yaml: source '{}' maps {mapping_key} to it). \
         The header's first row has {} columns and none is named so.{hint} \
         Fix the mapping in config/sources.yaml or the file's header (a file without a header row needs one).",
        source.name,
        keys.len(),
    )
}

fn raw_text(record: &csv::ByteRecord) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let _ = writer.write_byte_record(record);
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes).trim_end().to_string()
}

pub(super) fn bad_file(path: &Path, message: &str) -> Error {
    Error::BadFile {
        file: path.to_path_buf(),
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_keeps_the_format_and_drops_the_person() {
        assert_eq!(shape("1984/07/03"), "9999/99/99");
        assert_eq!(shape("July 3rd"), "aaaa 9aa");
    }

    #[test]
    fn header_keys_ignore_case_spaces_and_a_bom() {
        assert_eq!(header_key("\u{feff} First_Name "), "first_name");
    }
}
