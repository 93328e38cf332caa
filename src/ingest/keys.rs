//! The keys a file should hold one thing under, checked as it loads: a person key whose
//! rows name two people (a household's or an account's column mapped as the key) and a
//! fact key holding two facts load the last row silently, so the load counts them and
//! warns like a mostly wrong column (`--strict` refuses).

use rusqlite::types::Value;

use crate::config::SourceConfig;
use crate::normalize::NormalizedPerson;
use crate::vocab::batch::ColumnCheck;
use crate::vocab::facts::FactSchema;
use crate::vocab::person::PersonFields;

/// Keys under which one file holds two different things, the last row standing for both:
/// a person key mapped from a column that is not a person's own (a household's or an
/// account's) names several people, a gift key used twice holds two gifts.
#[derive(Default)]
pub(super) struct KeyConflicts {
    /// The keys (hashed) seen holding two things.
    keys: std::collections::HashSet<u64>,
    examples: Vec<String>,
}

impl KeyConflicts {
    /// The key (hashed) on `line` holds another thing than on `first_line`.
    pub(super) fn saw(&mut self, key: u64, line: u64, first_line: u64) {
        self.keys.insert(key);
        if self.examples.len() < 3 {
            self.examples
                .push(format!("line {line} against line {first_line}"));
        }
    }

    /// The key column's check, for the batch's warnings: of `keys`, how many are not what
    /// the column should hold (`expected`).
    pub(super) fn check(self, column: &str, keys: usize, expected: &str) -> ColumnCheck {
        ColumnCheck {
            column: column.to_string(),
            expected: expected.into(),
            values: keys as u64,
            failures: self.keys.len() as u64,
            examples: self.examples,
        }
    }
}

/// A fact row: its key's hash, its content's (truncated: two facts under one key that
/// hash alike go unreported, one time in four billion), and its line.
pub(super) struct FactSeen {
    key: u64,
    content: u32,
    line: u32,
}

impl FactSeen {
    pub(super) fn of(record_id: i64, values: &[Value], key: usize, line: u64) -> FactSeen {
        let (key, content) = fact_hashes(record_id, values, key);
        FactSeen {
            key,
            content: content as u32,
            line: u32::try_from(line).unwrap_or(u32::MAX),
        }
    }
}

/// The fact keys among `facts` whose rows say two things (the first row of a key against
/// each later one that differs), and how many keys there are.
pub(super) fn fact_conflicts(mut facts: Vec<FactSeen>) -> (KeyConflicts, usize) {
    facts.sort_unstable_by_key(|f| (f.key, f.line));
    let mut conflicts = KeyConflicts::default();
    let mut keys = 0;
    for rows in facts.chunk_by(|a, b| a.key == b.key) {
        keys += 1;
        let first = &rows[0];
        for later in rows[1..].iter().filter(|f| f.content != first.content) {
            conflicts.saw(first.key, u64::from(later.line), u64::from(first.line));
        }
    }
    (conflicts, keys)
}

/// A row's fact as its key and the hash of what it says (whose it is, and every value).
fn fact_hashes(record_id: i64, values: &[Value], key: usize) -> (u64, u64) {
    use std::hash::{Hash, Hasher};
    fn value(h: &mut impl Hasher, v: &Value) {
        match v {
            Value::Null => 0u8.hash(h),
            Value::Integer(i) => (1u8, i).hash(h),
            Value::Real(r) => (2u8, r.to_bits()).hash(h),
            Value::Text(t) => (3u8, t).hash(h),
            Value::Blob(b) => (4u8, b).hash(h),
        }
    }
    let mut key_hash = crate::stable_hash::Fnv1a::default();
    if let Some(v) = values.get(key) {
        value(&mut key_hash, v);
    }
    let mut content = crate::stable_hash::Fnv1a::default();
    record_id.hash(&mut content);
    for v in values {
        value(&mut content, v);
    }
    (key_hash.finish(), content.finish())
}

/// The source's fact schema and the column its key field is read from.
fn fact_key_field(source: &SourceConfig) -> Option<(&'static FactSchema, &String)> {
    let facts = source.facts.as_ref()?;
    let schema = crate::vocab::facts::fact_schema(&facts.table)?;
    Some((schema, facts.columns.get(schema.key)?))
}

/// Where the fact's key is in a row's values (in the schema's field order).
pub(super) fn fact_key_index(source: &SourceConfig) -> Option<usize> {
    let (schema, _) = fact_key_field(source)?;
    schema.fields.iter().position(|f| f.name == schema.key)
}

pub(super) fn fact_key_column(source: &SourceConfig) -> Option<&str> {
    fact_key_field(source).map(|(_, column)| column.as_str())
}

/// Who a row names: the given name as canonical (Bob is Robert), the surname, the
/// generation and the birth date, so that a new address under a key is the same person
/// and another name or birth date is not.
pub(super) fn identity(person: &PersonFields, normalized: &NormalizedPerson) -> u64 {
    crate::stable_hash::stable_hash(&(
        &normalized.first_canon,
        &normalized.last,
        normalized.generation,
        &person.date_of_birth,
    )) as u64
}
