//! A golden record's fields, each with the source record it survived from, and the source
//! records survivorship chooses among.

use std::sync::Arc;

use crate::vocab::person::PersonFields;

/// A source record as survivorship sees it: its raw (as-spelled) person fields.
#[derive(Debug, Clone, Default)]
pub struct RawFields {
    pub id: i64,
    pub source: Arc<str>,
    /// The system the source belongs to (donations, subscriptions, ...).
    pub system: Arc<str>,
    pub person: PersonFields,
    /// The record's latest activity (fact date), for "most recent".
    pub last_seen: Option<String>,
}

/// A golden field's value and the source record it came from.
pub type Picked = Option<(String, i64)>;

#[derive(Debug, Clone, Default, PartialEq, Hash)]
pub struct Golden {
    pub first_name: Picked,
    pub last_name: Picked,
    pub email: Picked,
    pub phone: Picked,
    /// address1, address2, city, state travel together from one record.
    pub address1: Picked,
    pub address2: Picked,
    pub city: Picked,
    pub state: Picked,
    pub zip: Picked,
    pub date_of_birth: Picked,
}

impl Golden {
    /// Every field, in the order of `config::PERSON_FIELDS` (the golden columns).
    pub fn fields(&self) -> [&Picked; 10] {
        [
            &self.first_name,
            &self.last_name,
            &self.email,
            &self.phone,
            &self.address1,
            &self.address2,
            &self.city,
            &self.state,
            &self.zip,
            &self.date_of_birth,
        ]
    }
}
