//! A source record as matching sees it: its normalised fields and how common its names
//! are in the file.

use std::sync::Arc;

use crate::normalize::{GivenNameId, UNKNOWN_GIVEN_NAME, given_name_id, surname_frequency};

/// The normalised values a record is compared on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    First,
    /// The first name's canonical form (a nickname's full name), for blocking.
    FirstCanon,
    Last,
    Email,
    Phone,
    Address,
    Unit,
    City,
    Zip,
    /// The date of birth, ISO (YYYY-MM-DD).
    Dob,
}

impl Value {
    /// Every value, in the order a record keeps them (and `Rec::new` takes them).
    pub const ALL: [Value; VALUES] = [
        Value::First,
        Value::FirstCanon,
        Value::Last,
        Value::Email,
        Value::Phone,
        Value::Address,
        Value::Unit,
        Value::City,
        Value::Zip,
        Value::Dob,
    ];
}

/// How many values a record keeps.
pub const VALUES: usize = 10;

/// The length of a whole date of birth, "YYYY-MM-DD" (a part is "YYYY" or "YYYY-MM").
pub const WHOLE_DATE_LEN: usize = 10;

/// Matching reads at most this much of one value (a name or a street is far shorter; a
/// value this long is a file's mistake and is kept whole in the store).
const VALUE_MAX: usize = 4096;

// Every value's end fits a `u16`.
const _: () = assert!(VALUES * VALUE_MAX <= u16::MAX as usize);

/// A record's compared values in one allocation, one after another. Comparing reads two
/// records picked from a million at random: one allocation per record is one cache miss
/// where a `String` per value was one per value read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Values {
    text: Box<str>,
    /// Where each value ends in `text` (`Value` order); an empty value is an absent one.
    ends: [u16; VALUES],
}

impl Values {
    fn new(values: [Option<&str>; VALUES]) -> Values {
        let values = values.map(|v| v.map(clipped));
        let mut text = String::with_capacity(values.iter().flatten().map(|v| v.len()).sum());
        let mut ends = [0u16; VALUES];
        for (end, value) in ends.iter_mut().zip(values) {
            text.push_str(value.unwrap_or(""));
            *end = text.len() as u16; // at most VALUES * VALUE_MAX
        }
        Values {
            text: text.into_boxed_str(),
            ends,
        }
    }

    fn get(&self, value: Value) -> Option<&str> {
        let i = value as usize;
        let start = i.checked_sub(1).map_or(0, |before| self.ends[before]);
        let text = self.text.get(start as usize..self.ends[i] as usize)?;
        (!text.is_empty()).then_some(text)
    }

    fn all(&self) -> [Option<&str>; VALUES] {
        Value::ALL.map(|v| self.get(v))
    }
}

/// `value`, cut to `VALUE_MAX` bytes on a character boundary.
fn clipped(value: &str) -> &str {
    let mut end = value.len().min(VALUE_MAX);
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    &value[..end]
}

/// How many records of the file share a record's first name, surname and birth date: all
/// that scoring needs of a record once its pair has been compared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ValueCounts {
    pub first: u32,
    pub last: u32,
    pub birth: u32,
    pub city: u32,
    /// The record's system (`system_id` of its source): a pair of one system weighs by
    /// how often that system holds a person twice.
    pub system: u32,
}

/// A source's name as a number that is the same on every build and run.
pub fn system_id(source: &str) -> u32 {
    crate::stable_hash::hash_parts(&[source]) as u32
}

/// A source record as matching sees it: normalised fields only.
#[derive(Debug, Clone, Default)]
pub struct Rec {
    pub id: i64,
    /// Shared by every record of the source (interned at load).
    pub source: Arc<str>,
    /// The normalised values ingest stored.
    values: Values,
    /// The generation a name's suffix names (see `normalize::person_name`).
    pub generation: Option<u8>,
    /// The sex a gender or title column gives (`Some(true)`: female, `Some(false)`: male;
    /// `None`: not given or neither, see `normalize::gender`).
    pub female: Option<bool>,
    /// How many records in the file share this first name (its first word) and this
    /// surname (0 = unknown): for weighing an exact name by how common it is.
    pub first_name_count: u32,
    pub last_name_count: u32,
    /// How many records in the file share this birth date (0 = unknown): a date of many
    /// records (a placeholder, a year known alone as 1 January) says less.
    pub birth_date_count: u32,
    /// How many records in the file share this city (0 = unknown): a city shared where no
    /// ZIP is compared weighs by how common it is.
    pub city_count: u32,
    /// The first name's id in the name tables, looked up once at load (`None`: not yet).
    pub first_name_id: Option<GivenNameId>,
    /// The surname's census frequency, looked up once at load (`None`: not yet; `Some(None)`:
    /// in no census list).
    pub last_name_frequency: Option<Option<f64>>,
}

impl Rec {
    /// A record of `source` with these values (in `Value` order; absent or empty: none),
    /// its name tables looked up.
    pub fn new(id: i64, source: Arc<str>, values: [Option<&str>; VALUES]) -> Rec {
        let mut rec = Rec {
            id,
            source,
            values: Values::new(values),
            ..Rec::default()
        };
        rec.look_up_names();
        rec
    }

    /// The record with `value` set to `text` ("" = absent), its name lookups redone.
    pub fn with(mut self, value: Value, text: &str) -> Rec {
        self.set(value, Some(text));
        self
    }

    /// Set `value` (`None` or "" = absent) and redo the name lookups. Packs the values
    /// again: for building records, not for comparing them.
    pub fn set(&mut self, value: Value, text: Option<&str>) {
        let mut values = self.values.all();
        values[value as usize] = text;
        self.values = Values::new(values);
        self.look_up_names();
    }

    /// Ask the processor to fetch this record ahead of a comparison that will read it
    /// (see `crate::prefetch`). It spans two cache lines: its start, and a one-byte field,
    /// which the compiler places at its end.
    pub fn prefetch(&self) {
        crate::prefetch::prefetch(self);
        crate::prefetch::prefetch(&self.female);
    }

    /// The same for its values, once the record itself has arrived.
    pub fn prefetch_values(&self) {
        if let Some(start) = self.values.text.as_bytes().first() {
            crate::prefetch::prefetch(start);
        }
    }

    pub fn value(&self, value: Value) -> Option<&str> {
        self.values.get(value)
    }

    pub fn first(&self) -> Option<&str> {
        self.value(Value::First)
    }

    pub fn first_canon(&self) -> Option<&str> {
        self.value(Value::FirstCanon)
    }

    pub fn last(&self) -> Option<&str> {
        self.value(Value::Last)
    }

    pub fn email(&self) -> Option<&str> {
        self.value(Value::Email)
    }

    pub fn phone(&self) -> Option<&str> {
        self.value(Value::Phone)
    }

    pub fn address(&self) -> Option<&str> {
        self.value(Value::Address)
    }

    pub fn unit(&self) -> Option<&str> {
        self.value(Value::Unit)
    }

    pub fn city(&self) -> Option<&str> {
        self.value(Value::City)
    }

    pub fn zip(&self) -> Option<&str> {
        self.value(Value::Zip)
    }

    /// The date of birth as matching compares it: whole ("1985-03-02"), or the part a file
    /// gave ("1985", "1985-03").
    pub fn dob(&self) -> Option<&str> {
        self.value(Value::Dob)
    }

    /// The date of birth where it is whole: what says one person, as a part does not
    /// (a thousand records hold "1985").
    pub fn birth_date(&self) -> Option<&str> {
        self.dob().filter(|d| d.len() == WHOLE_DATE_LEN)
    }

    /// The record with its first name and surname the other way round (and no canonical
    /// first name, which was the surname's).
    pub fn with_names_swapped(&self) -> Rec {
        let mut values = self.values.all();
        values.swap(Value::First as usize, Value::Last as usize);
        values[Value::FirstCanon as usize] = None;
        let mut turned = Rec {
            values: Values::new(values),
            ..self.clone()
        };
        turned.look_up_names();
        turned
    }

    pub fn value_counts(&self) -> ValueCounts {
        ValueCounts {
            first: self.first_name_count,
            last: self.last_name_count,
            birth: self.birth_date_count,
            city: self.city_count,
            system: system_id(&self.source),
        }
    }

    /// Look up the name tables once (the first name's id, the surname's frequency), so
    /// comparing never hashes the names again.
    fn look_up_names(&mut self) {
        self.first_name_id = self.first().map(|f| given_name_id(first_token(f)));
        self.last_name_frequency = Some(self.last().and_then(surname_frequency));
    }

    pub fn first_id(&self) -> GivenNameId {
        match (self.first_name_id, self.first()) {
            (Some(id), _) => id,
            (None, Some(f)) => given_name_id(first_token(f)),
            (None, None) => UNKNOWN_GIVEN_NAME,
        }
    }

    /// The surname's census frequency (percent of people), if a census list has it.
    pub fn surname_frequency(&self) -> Option<f64> {
        match (self.last_name_frequency, self.last()) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_back_as_packed_and_an_empty_one_is_absent() {
        let r = Rec::new(
            7,
            "crm".into(),
            [
                Some("ann"),
                Some("anna"),
                Some("lee"),
                None,
                Some(""),
                Some("5 w elm st"),
                None,
                Some("chicago"),
                Some("60614"),
                Some("1970-01-02"),
            ],
        );
        assert_eq!(
            (r.first(), r.first_canon(), r.last()),
            (Some("ann"), Some("anna"), Some("lee"))
        );
        assert_eq!((r.email(), r.phone(), r.unit()), (None, None, None));
        assert_eq!(
            (r.address(), r.city(), r.zip()),
            (Some("5 w elm st"), Some("chicago"), Some("60614"))
        );
        assert_eq!(r.dob(), Some("1970-01-02"));
        assert_eq!(r.first_id(), crate::normalize::given_name_id("ann"));

        let changed = r
            .clone()
            .with(Value::Email, "ann@lee.org")
            .with(Value::First, "");
        assert_eq!(
            (changed.email(), changed.first()),
            (Some("ann@lee.org"), None)
        );
        assert_eq!(changed.first_id(), UNKNOWN_GIVEN_NAME);
        assert_eq!(
            (changed.last(), changed.dob()),
            (Some("lee"), Some("1970-01-02"))
        );
    }

    proptest::proptest! {
        #[test]
        fn any_values_read_back_as_given(values in proptest::collection::vec(
            proptest::option::of("\\PC{0,24}"), VALUES)) {
            let given: [Option<&str>; VALUES] =
                std::array::from_fn(|i| values[i].as_deref());
            let r = Rec::new(1, "crm".into(), given);
            let read = Value::ALL.map(|v| r.value(v));
            let expected = given.map(|v| v.filter(|v| !v.is_empty()));
            proptest::prop_assert_eq!(read, expected);
        }
    }

    #[test]
    fn a_value_longer_than_matching_reads_is_cut_on_a_character_boundary() {
        let long = "é".repeat(VALUE_MAX); // two bytes each
        let r = Rec::default()
            .with(Value::Address, &long)
            .with(Value::City, &long);
        let address = r.address().unwrap_or_default();
        assert_eq!(address.len(), VALUE_MAX);
        assert!(long.starts_with(address));
        assert_eq!(r.city(), Some(address));
    }

    #[test]
    fn swapped_names_turn_round_and_drop_the_canonical_first_name() {
        let r = Rec::default()
            .with(Value::First, "robinson")
            .with(Value::FirstCanon, "robinson")
            .with(Value::Last, "becky");
        let turned = r.with_names_swapped();
        assert_eq!(
            (turned.first(), turned.last(), turned.first_canon()),
            (Some("becky"), Some("robinson"), None)
        );
        assert_eq!(turned.first_id(), crate::normalize::given_name_id("becky"));
    }
}
