//! A person's fields as a source gives them, and the forms matching compares.

use crate::normalize::NormalizedPerson;

/// The canonical person fields a row may carry. Raw values, trimmed, empty = absent.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub struct PersonFields {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address1: Option<String>,
    pub address2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub date_of_birth: Option<String>,
    /// A gender or a title column ("F", "Male", "Mrs."): compared by matching, kept on the
    /// source record, not a golden column.
    pub gender: Option<String>,
}

/// A mappable field that is not a golden column: one column holding the whole name,
/// split into `first_name` and `last_name` as it is read.
pub const FULL_NAME: &str = "full_name";

/// A mappable field that is not a golden column: a gender, or a title that says one.
pub const GENDER: &str = "gender";

impl PersonFields {
    pub fn set(&mut self, field: &str, value: &str) {
        if field == FULL_NAME {
            let (given, surname) = crate::normalize::split_full_name(value);
            self.first_name = given;
            self.last_name = surname;
            return;
        }
        let slot = match field {
            "first_name" => &mut self.first_name,
            "last_name" => &mut self.last_name,
            "email" => &mut self.email,
            "phone" => &mut self.phone,
            "address1" => &mut self.address1,
            "address2" => &mut self.address2,
            "city" => &mut self.city,
            "state" => &mut self.state,
            "zip" => &mut self.zip,
            "date_of_birth" => &mut self.date_of_birth,
            GENDER => &mut self.gender,
            _ => return,
        };
        *slot = Some(value.to_string());
    }

    /// The forms identity resolution compares, computed once at ingest; a phone written
    /// without a country code is read as one of `phone_country`'s (see `phone_in`), and a
    /// street line holding the whole address ("123 Main St, Springfield, IL 62701") is read
    /// in its parts (see `one_line_address`).
    pub fn normalize(&self, phones: crate::normalize::PhonePlan) -> NormalizedPerson {
        use crate::normalize as n;
        let name = n::person_name(self.first_name.as_deref(), self.last_name.as_deref());
        let first = name.given;
        // A street line that carries its city, state and ZIP gives them where no column does.
        let line = self.address1.as_deref().unwrap_or("");
        let one_line = n::one_line_address(line);
        let (address, unit) = n::address(
            one_line.as_ref().map_or(line, |o| o.street.as_str()),
            self.address2.as_deref().unwrap_or(""),
        );
        let (line_city, line_zip) = match &one_line {
            Some(o) => (Some(o.city.as_str()), Some(o.zip)),
            None => (None, None),
        };
        NormalizedPerson {
            first_canon: first.as_deref().map(n::canonical_first),
            first,
            last: name.surname,
            email: self.email.as_deref().and_then(n::email),
            phone: self.phone.as_deref().and_then(|p| phones.read(p)),
            address,
            unit,
            city: (self.city.as_deref().and_then(n::city)).or_else(|| line_city.and_then(n::city)),
            zip: (self.zip.as_deref().and_then(n::zip)).or_else(|| line_zip.and_then(n::zip)),
            generation: name.generation,
            dob_as_written: None,
            // A gender column where the source has one, else what a title says ("Mrs.").
            gender: self.gender.as_deref().and_then(n::gender).or(name.sex),
        }
    }
}
