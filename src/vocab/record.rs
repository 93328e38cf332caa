//! A source record as matching sees it: its normalised fields and how common its names
//! are in the file.

use std::sync::Arc;

use crate::normalize::{
    GivenNameId, NormalizedPerson, UNKNOWN_GIVEN_NAME, given_name_id, surname_frequency,
};

/// A source record as matching sees it: normalised fields only.
#[derive(Debug, Clone, Default)]
pub struct Rec {
    pub id: i64,
    /// Shared by every record of the source (interned at load).
    pub source: Arc<str>,
    /// The normalised fields ingest stored.
    pub n: NormalizedPerson,
    pub dob: Option<String>,
    /// How many records in the file share this first name (its first word) and this
    /// surname (0 = unknown): for weighing an exact name by how common it is.
    pub first_name_count: u32,
    pub last_name_count: u32,
    /// The first name's id in the name tables, looked up once at load (`None`: not yet).
    pub first_name_id: Option<GivenNameId>,
    /// The surname's census frequency, looked up once at load (`None`: not yet; `Some(None)`:
    /// in no census list).
    pub last_name_frequency: Option<Option<f64>>,
}

/// How many records of the file share a record's first name and surname: all that
/// scoring needs of a record once its pair has been compared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NameCounts {
    pub first: u32,
    pub last: u32,
}

impl Rec {
    pub fn name_counts(&self) -> NameCounts {
        NameCounts {
            first: self.first_name_count,
            last: self.last_name_count,
        }
    }

    /// Look up the name tables once (the first name's id, the surname's frequency), so
    /// comparing never hashes the names again.
    pub fn with_name_lookups(mut self) -> Rec {
        self.first_name_id = self
            .n
            .first
            .as_deref()
            .map(|f| given_name_id(first_token(f)));
        self.last_name_frequency = Some(self.n.last.as_deref().and_then(surname_frequency));
        self
    }

    pub fn first_id(&self) -> GivenNameId {
        match (self.first_name_id, &self.n.first) {
            (Some(id), _) => id,
            (None, Some(f)) => given_name_id(first_token(f)),
            (None, None) => UNKNOWN_GIVEN_NAME,
        }
    }

    /// The surname's census frequency (percent of people), if a census list has it.
    pub fn surname_frequency(&self) -> Option<f64> {
        match (self.last_name_frequency, &self.n.last) {
            (Some(frequency), _) => frequency,
            (None, Some(last)) => surname_frequency(last),
            (None, None) => None,
        }
    }
}

/// The first word of a normalised name.
pub fn first_token(name: &str) -> &str {
    name.split(' ').next().unwrap_or(name)
}
