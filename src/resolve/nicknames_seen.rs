//! The nickname forms a file shows its people using.
//!
//! The vendored table relates thousands of given names (Mary and Maria, Jean and Jane,
//! Linda and Lynn), more than any one file's people use: in one file Maria is written Mary,
//! in another Mary and Maria are mother and daughter. Which, each file shows itself: where
//! two records share a personal mailbox, or a surname and a birth date, they are one
//! person's, and the two given names they carry are forms that person uses. A pair of
//! given names the table relates but no such pair in the file carries is compared at a
//! level of its own, "nickname this file never shows", whose weight EM learns like any
//! other (a small file with few such links learns that it says as much as a nickname).

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::compare::{Rec, first_token};
use super::normalize::{GivenNameId, clipped_form, given_name_id, is_joint_mailbox};
use crate::normalize::nickname_compatible_by_id;

/// Records sharing a key beyond this many (a placeholder email, a default birth date) say
/// nothing about anyone's names.
const MAX_GROUP: usize = 50;

/// Which of the table's nickname pairs a file shows one person using.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(from = "Stored", into = "Stored")]
pub enum NicknamesSeen {
    /// Every pair the table relates (a model fitted before files were read this way, or
    /// the untrained model).
    #[default]
    All,
    /// Only these, by the two names' ids (the smaller first).
    Only(HashSet<(GivenNameId, GivenNameId)>),
}

/// How the set is kept with a stored model: the names themselves, so that a table read in
/// another order by another build reads them back the same.
#[derive(Serialize, Deserialize)]
struct Stored(Option<Vec<(String, String)>>);

impl From<Stored> for NicknamesSeen {
    fn from(Stored(pairs): Stored) -> Self {
        match pairs {
            None => NicknamesSeen::All,
            Some(pairs) => NicknamesSeen::Only(
                pairs
                    .iter()
                    .map(|(x, y)| ordered(given_name_id(x), given_name_id(y)))
                    .collect(),
            ),
        }
    }
}

impl From<NicknamesSeen> for Stored {
    fn from(seen: NicknamesSeen) -> Self {
        Stored(match seen {
            NicknamesSeen::All => None,
            NicknamesSeen::Only(ids) => {
                let mut pairs: Vec<(String, String)> = ids
                    .iter()
                    .map(|&(x, y)| {
                        let (x, y) = (spelling(x), spelling(y));
                        if x <= y { (x, y) } else { (y, x) }
                    })
                    .collect();
                pairs.sort();
                Some(pairs)
            }
        })
    }
}

fn spelling(id: GivenNameId) -> String {
    crate::normalize::given_name_spelling(id).to_string()
}

fn ordered(a: GivenNameId, b: GivenNameId) -> (GivenNameId, GivenNameId) {
    (a.min(b), a.max(b))
}

/// Whether `a` and `b` are two given names the table alone calls one (not the same, not a
/// name clipped from the other, which any file writes): the pairs a file is asked about.
pub fn by_the_table_alone(x: &str, y: &str, a: GivenNameId, b: GivenNameId) -> bool {
    a != b && nickname_compatible_by_id(a, b) && !clipped_form(x, y)
}

impl NicknamesSeen {
    /// The nickname pairs `records` show: the given names of records that share a personal
    /// mailbox, or a surname and a birth date.
    pub fn of(records: &[Rec]) -> NicknamesSeen {
        let mut groups: HashMap<(&str, &str), Vec<&Rec>> = HashMap::new();
        for r in records.iter().filter(|r| r.first().is_some()) {
            if let Some(email) = r.email().filter(|e| !is_joint_mailbox(e)) {
                groups.entry((email, "")).or_default().push(r);
            }
            if let (Some(dob), Some(last)) = (r.dob(), r.last()) {
                groups.entry((dob, last)).or_default().push(r);
            }
        }
        let mut seen = HashSet::new();
        for group in groups.values().filter(|g| g.len() > 1 && g.len() <= MAX_GROUP) {
            for (i, a) in group.iter().enumerate() {
                for b in &group[i + 1..] {
                    let (Some(x), Some(y)) = (a.first(), b.first()) else {
                        continue;
                    };
                    let (x, y) = (first_token(x), first_token(y));
                    let (ia, ib) = (a.first_id(), b.first_id());
                    if by_the_table_alone(x, y, ia, ib) {
                        seen.insert(ordered(ia, ib));
                    }
                }
            }
        }
        NicknamesSeen::Only(seen)
    }

    /// Whether the file shows one person using the two names (ids) as one.
    pub fn shows(&self, a: GivenNameId, b: GivenNameId) -> bool {
        match self {
            NicknamesSeen::All => true,
            NicknamesSeen::Only(seen) => seen.contains(&ordered(a, b)),
        }
    }

    /// How many pairs the file shows (`None`: every pair the table relates counts).
    pub fn count(&self) -> Option<usize> {
        match self {
            NicknamesSeen::All => None,
            NicknamesSeen::Only(seen) => Some(seen.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: i64, first: &str, last: &str, email: &str, dob: &str) -> Rec {
        let canonical = crate::normalize::canonical_first(first);
        let values = [first, &canonical, last, email, "", "", "", "", "", dob];
        Rec::new(id, "a".into(), values.map(|v| Some(v).filter(|v| !v.is_empty())))
    }

    fn shows(seen: &NicknamesSeen, x: &str, y: &str) -> bool {
        seen.shows(given_name_id(x), given_name_id(y))
    }

    #[test]
    fn a_shared_mailbox_or_surname_and_birth_date_shows_a_nickname_in_use() {
        let records = [
            rec(1, "james", "ford", "jford@x.com", ""),
            rec(2, "jim", "ford", "jford@x.com", ""),
            rec(3, "margaret", "hale", "", "1950-02-03"),
            rec(4, "peggy", "hale", "", "1950-02-03"),
            // Mary and Maria on two mailboxes, born on two days: never shown as one.
            rec(5, "mary", "hammons", "mary7@x.com", "1961-01-01"),
            rec(6, "maria", "hammons", "maria4@y.com", "1990-05-05"),
            // A household's joint mailbox shows nothing.
            rec(7, "jean", "benner", "thebenners@x.com", ""),
            rec(8, "jane", "benner", "thebenners@x.com", ""),
        ];
        let seen = NicknamesSeen::of(&records);
        assert!(shows(&seen, "james", "jim") && shows(&seen, "jim", "james"));
        assert!(shows(&seen, "margaret", "peggy"));
        assert!(!shows(&seen, "mary", "maria"));
        assert!(!shows(&seen, "jean", "jane"));
        assert_eq!(seen.count(), Some(2));
        assert!(shows(&NicknamesSeen::All, "mary", "maria"));
    }

    #[test]
    fn the_set_is_stored_by_name_and_read_back() {
        let seen = NicknamesSeen::of(&[
            rec(1, "robert", "adams", "radams@x.com", ""),
            rec(2, "bob", "adams", "radams@x.com", ""),
        ]);
        let stored = serde_json::to_string(&seen).unwrap();
        assert_eq!(stored, r#"[["bob","robert"]]"#);
        assert_eq!(serde_json::from_str::<NicknamesSeen>(&stored).unwrap(), seen);
        let all = serde_json::to_string(&NicknamesSeen::All).unwrap();
        assert_eq!(serde_json::from_str::<NicknamesSeen>(&all).unwrap(), NicknamesSeen::All);
    }
}
