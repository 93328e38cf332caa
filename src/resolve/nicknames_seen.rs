//! The nickname forms a file shows its people using, and the ones it shows that the
//! table lacks.
//!
//! The vendored table relates thousands of given names (Mary and Maria, Jean and Jane,
//! Linda and Lynn), more than any one file's people use: in one file Maria is written Mary,
//! in another Mary and Maria are mother and daughter. Which, each file shows itself: where
//! two records share a personal mailbox, or a surname and a birth date, they are one
//! person's, and the two given names they carry are forms that person uses. A pair of
//! given names the table relates but no such pair in the file carries, both names linked
//! often enough that their other forms would show, is compared at a level of its own,
//! "nickname this file never shows", whose weight EM learns like any other's. (Generated
//! 20k: the auto band's table-only nickname pairs held 15 of 39 false pairs and 5 true;
//! a file's own attested pairs 1,517 true and 8 false.)
//!
//! The other way round, two given names the table does not relate (Bert and Robert, Chas
//! and Charles) that share more personal mailboxes than couples sharing one would put them
//! on (a Poisson tail below 1e-4, each name's share of the mailboxes with two names times
//! the other's) are one person's in this file, and compared as a nickname: on one mailbox
//! they would otherwise be a household's two people.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::compare::{Rec, first_token};
use super::normalize::{
    GivenNameId, UNKNOWN_GIVEN_NAME, clipped_form_by_id, distinct_given_names_by_id, given_name_id,
    is_households_mailbox, one_edit_apart,
};
use crate::normalize::nickname_compatible_by_id;
use crate::stable_hash::hash_parts;

/// Records sharing a key beyond this many (a placeholder email, a default birth date) say
/// nothing about anyone's names.
const MAX_GROUP: usize = 50;

/// A name's absence from the pairs a file shows tells only where the file shows that
/// name on this many linked records (a record sharing a mailbox, or a surname and birth
/// date, with another): a name seldom linked would seldom show its other forms either.
/// (With no such floor, generated files of 5,000-7,000 people and a CRM with an email
/// platform of 3,000 lost 0.1-0.4 points of recall; from 3 to 6 it made no difference.)
const TELLING: usize = 3;

/// Which of the table's nickname pairs a file shows one person using, and which pairs
/// the table lacks it shows as one person's.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(from = "Stored", into = "Stored")]
pub enum NicknamesSeen {
    /// Every pair the table relates (a model fitted before files were read this way, or
    /// the untrained model).
    #[default]
    All,
    /// Only these, by the two names' ids (the smaller first), among the names the file
    /// shows often enough on linked records to tell.
    Only {
        seen: HashSet<(GivenNameId, GivenNameId)>,
        telling: HashSet<GivenNameId>,
        /// Pairs of given names the table does not relate that the file shows as one
        /// person's, by `pair_key`.
        one_name: HashMap<u64, (String, String)>,
    },
}

/// How the set is kept with a stored model: the names themselves, so that a table read in
/// another order by another build reads them back the same.
#[derive(Serialize, Deserialize)]
struct Stored(Option<Names>);

#[derive(Serialize, Deserialize)]
struct Names {
    seen: Vec<(String, String)>,
    telling: Vec<String>,
    #[serde(default)]
    one_name: Vec<(String, String)>,
}

impl From<Stored> for NicknamesSeen {
    fn from(Stored(stored): Stored) -> Self {
        match stored {
            None => NicknamesSeen::All,
            Some(Names {
                seen,
                telling,
                one_name,
            }) => NicknamesSeen::Only {
                seen: seen
                    .iter()
                    .map(|(x, y)| ordered(given_name_id(x), given_name_id(y)))
                    .collect(),
                telling: telling.iter().map(|x| given_name_id(x)).collect(),
                one_name: one_name
                    .into_iter()
                    .map(|(x, y)| (pair_key(&x, &y), (x, y)))
                    .collect(),
            },
        }
    }
}

impl From<NicknamesSeen> for Stored {
    fn from(seen: NicknamesSeen) -> Self {
        Stored(match seen {
            NicknamesSeen::All => None,
            NicknamesSeen::Only {
                seen,
                telling,
                one_name,
            } => {
                let mut pairs: Vec<(String, String)> = seen
                    .iter()
                    .map(|&(x, y)| {
                        let (x, y) = (spelling(x), spelling(y));
                        if x <= y { (x, y) } else { (y, x) }
                    })
                    .collect();
                pairs.sort();
                let mut telling: Vec<String> = telling.iter().map(|&x| spelling(x)).collect();
                telling.sort();
                let mut one_name: Vec<(String, String)> = one_name.into_values().collect();
                one_name.sort();
                Some(Names {
                    seen: pairs,
                    telling,
                    one_name,
                })
            }
        })
    }
}

fn spelling(id: GivenNameId) -> String {
    crate::normalize::given_name_spelling(id).to_string()
}

/// Two given names' key, whichever comes first.
fn pair_key(x: &str, y: &str) -> u64 {
    if x <= y {
        hash_parts(&[x, y])
    } else {
        hash_parts(&[y, x])
    }
}

/// Pairs of given names on one personal mailbox (not a household's joint one), counted
/// over mailboxes: one person's two names recur on many (Bert and Robert on seven of the
/// generated 20k file's), a couple's on as many as their names' frequencies give.
#[derive(Default)]
struct MailboxNames {
    /// Mailboxes holding two or more given names.
    mailboxes: f64,
    /// Per given name, the mailboxes holding it beside another.
    with_name: HashMap<String, f64>,
    /// Per pair of given names the table does not relate, the mailboxes holding both.
    pairs: HashMap<(String, String), u32>,
}

/// How unlikely a pair's count must be under couples' chance pairing to call it one name.
const ONE_NAME_P: f64 = 1e-4;

impl MailboxNames {
    fn add(&mut self, group: &[&Rec]) {
        let mut names: Vec<(&str, GivenNameId)> = group
            .iter()
            .filter_map(|r| Some((first_token(r.first()?), r.first_id())))
            .collect();
        names.sort_unstable();
        names.dedup_by_key(|(name, _)| *name);
        if names.len() < 2 {
            return;
        }
        self.mailboxes += 1.0;
        for (i, &(x, ix)) in names.iter().enumerate() {
            *self.with_name.entry(x.to_string()).or_default() += 1.0;
            for &(y, iy) in &names[i + 1..] {
                // A slip of the keyboard (Mray, Mary) recurs on mailboxes too, and is
                // compared as one name whatever the file shows.
                let related = clipped_form_by_id(x, y, ix, iy) || nickname_compatible_by_id(ix, iy);
                let slip = one_edit_apart(x, y) && !distinct_given_names_by_id(x, y, ix, iy);
                if !related && !slip {
                    *self
                        .pairs
                        .entry((x.to_string(), y.to_string()))
                        .or_default() += 1;
                }
            }
        }
    }

    /// The pairs on at least two mailboxes and on more than chance pairing would put them
    /// (Poisson, expecting each name's share of mailboxes times the other's).
    fn far_beyond_chance(self) -> HashMap<u64, (String, String)> {
        self.pairs
            .into_iter()
            .filter(|((x, y), n)| {
                let share = |name: &str| self.with_name.get(name).copied().unwrap_or(0.0);
                let expected = share(x) * share(y) / self.mailboxes.max(1.0);
                *n >= 2 && poisson_at_least(expected, *n) < ONE_NAME_P
            })
            .map(|((x, y), _)| (pair_key(&x, &y), (x, y)))
            .collect()
    }
}

/// P(N >= n) for N ~ Poisson(mean).
fn poisson_at_least(mean: f64, n: u32) -> f64 {
    let mut term = (-mean).exp();
    let mut below = 0.0;
    for k in 0..n {
        below += term;
        term *= mean / f64::from(k + 1);
    }
    (1.0 - below).max(0.0)
}

/// Each named record under its personal mailbox (true) and its birth date and surname
/// (false), hashed and sorted, so that a group of records sharing one is a run of one key.
/// (Sorted in parallel: a million records take a few dozen milliseconds where a map of
/// groups took most of a second. A 64-bit collision would join two groups: odds of some
/// 1e-7 at two million keys.)
fn keyed_records(records: &[Rec]) -> Vec<(u64, bool, u32)> {
    let mut keyed: Vec<(u64, bool, u32)> = records
        .par_iter()
        .enumerate()
        .filter(|(_, r)| r.first().is_some())
        .flat_map_iter(|(i, r)| {
            let mailbox = r.email().filter(|e| !is_households_mailbox(e, [r.last()]));
            let born = r.birth_date().zip(r.last());
            [
                mailbox.map(|e| (hash_parts(&[e]), true)),
                born.map(|(dob, last)| (hash_parts(&[dob, last]), false)),
            ]
            .into_iter()
            .flatten()
            .map(move |(k, is_mailbox)| (k, is_mailbox, i as u32))
        })
        .collect();
    keyed.par_sort_unstable();
    keyed
}

fn ordered(a: GivenNameId, b: GivenNameId) -> (GivenNameId, GivenNameId) {
    (a.min(b), a.max(b))
}

/// Whether `a` and `b` are two given names the table alone calls one (not the same, not a
/// name clipped from the other, which any file writes): the pairs a file is asked about.
pub fn by_the_table_alone(x: &str, y: &str, a: GivenNameId, b: GivenNameId) -> bool {
    a != b && nickname_compatible_by_id(a, b) && !clipped_form_by_id(x, y, a, b)
}

impl NicknamesSeen {
    /// The nickname pairs `records` show (the given names of records that share a personal
    /// mailbox, or a surname and a birth date), and the names they link often enough to tell.
    pub fn of(records: &[Rec]) -> NicknamesSeen {
        let keyed = keyed_records(records);
        let mut seen = HashSet::new();
        let mut linked: HashMap<GivenNameId, usize> = HashMap::new();
        let mut mailboxes = MailboxNames::default();
        for group in keyed.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)) {
            if group.len() < 2 || group.len() > MAX_GROUP {
                continue;
            }
            let is_mailbox = group[0].1;
            let group: Vec<&Rec> = group
                .iter()
                .map(|&(_, _, i)| &records[i as usize])
                .collect();
            for r in &group {
                *linked.entry(r.first_id()).or_default() += 1;
            }
            for (i, a) in group.iter().enumerate() {
                for b in &group[i + 1..] {
                    let (Some(x), Some(y)) = (a.first(), b.first()) else {
                        continue;
                    };
                    let (ia, ib) = (a.first_id(), b.first_id());
                    if by_the_table_alone(first_token(x), first_token(y), ia, ib) {
                        seen.insert(ordered(ia, ib));
                    }
                }
            }
            if is_mailbox {
                mailboxes.add(&group);
            }
        }
        let telling = linked
            .into_iter()
            .filter(|&(id, n)| n >= TELLING && id != UNKNOWN_GIVEN_NAME)
            .map(|(id, _)| id)
            .collect();
        NicknamesSeen::Only {
            seen,
            telling,
            one_name: mailboxes.far_beyond_chance(),
        }
    }

    /// Whether the file shows two given names the table does not relate (Bert and Robert,
    /// Chas and Charles) as one person's: both on more personal mailboxes than couples
    /// sharing one would put them.
    pub fn shows_as_one(&self, x: &str, y: &str) -> bool {
        match self {
            NicknamesSeen::All => false,
            NicknamesSeen::Only { one_name, .. } => {
                !one_name.is_empty() && one_name.contains_key(&pair_key(x, y))
            }
        }
    }

    /// Whether the file shows one person using the two names (ids) as one.
    pub fn shows(&self, a: GivenNameId, b: GivenNameId) -> bool {
        match self {
            NicknamesSeen::All => true,
            NicknamesSeen::Only { seen, telling, .. } => {
                seen.contains(&ordered(a, b)) || !telling.contains(&a) || !telling.contains(&b)
            }
        }
    }

    /// How many pairs the file shows (`None`: every pair the table relates counts).
    pub fn count(&self) -> Option<usize> {
        match self {
            NicknamesSeen::All => None,
            NicknamesSeen::Only { seen, .. } => Some(seen.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: i64, first: &str, last: &str, email: &str, dob: &str) -> Rec {
        let canonical = crate::normalize::canonical_first(first);
        let values = [first, &canonical, last, email, "", "", "", "", "", dob];
        Rec::new(
            id,
            "a".into(),
            values.map(|v| Some(v).filter(|v| !v.is_empty())),
        )
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
        // The two pairs above; not Mary and Maria, nor Jean and Jane.
        assert_eq!(seen.count(), Some(2));
        assert!(shows(&NicknamesSeen::All, "mary", "maria"));
    }

    /// Mary and Maria each linked three times (to themselves), never to each other.
    fn mary_and_maria(times: usize) -> Vec<Rec> {
        let mut records = Vec::new();
        for i in 0..times {
            let id = 10 * i as i64;
            records.push(rec(id, "mary", "hale", &format!("mary{i}@x.com"), ""));
            records.push(rec(id + 1, "mary", "hale", &format!("mary{i}@x.com"), ""));
            records.push(rec(id + 2, "maria", "cruz", &format!("maria{i}@y.com"), ""));
            records.push(rec(id + 3, "maria", "cruz", &format!("maria{i}@y.com"), ""));
        }
        records
    }

    #[test]
    fn only_names_the_file_links_often_enough_tell_by_their_absence() {
        // On two linked records each, Mary and Maria could be one name the file seldom shows.
        assert!(shows(
            &NicknamesSeen::of(&mary_and_maria(1)),
            "mary",
            "maria"
        ));
        // On four each, a file that used them as one would have shown it.
        assert!(!shows(
            &NicknamesSeen::of(&mary_and_maria(2)),
            "mary",
            "maria"
        ));
    }

    /// `pairs` of given names, each on its own personal mailbox, `times` over.
    fn on_mailboxes(pairs: &[(&str, &str)], times: usize) -> Vec<Rec> {
        let mut records = Vec::new();
        for i in 0..times {
            for (k, (x, y)) in pairs.iter().enumerate() {
                let email = format!("m{i}.{k}@x.com");
                records.push(rec(records.len() as i64, x, "lee", &email, ""));
                records.push(rec(records.len() as i64, y, "lee", &email, ""));
            }
        }
        records
    }

    /// Nine hundred couples on personal mailboxes, each of thirty husbands' names beside
    /// each of thirty wives' (Robert and Mary among them), John and Mary on four more; and
    /// Bert beside Robert on `bert_and_robert` mailboxes.
    fn couples_and_bert(bert_and_robert: usize) -> Vec<Rec> {
        let husbands: Vec<String> = (0..29).map(|i| format!("husband{i}")).collect();
        let wives: Vec<String> = (0..29).map(|i| format!("wife{i}")).collect();
        let husbands = husbands
            .iter()
            .map(String::as_str)
            .chain(["robert", "john"]);
        let couples: Vec<(&str, &str)> = husbands
            .flat_map(|h| {
                wives
                    .iter()
                    .map(String::as_str)
                    .chain(["mary"])
                    .map(move |w| (h, w))
            })
            .chain([("john", "mary"); 4])
            .collect();
        let mut records = on_mailboxes(&couples, 1);
        records.extend(on_mailboxes(&[("bert", "robert")], bert_and_robert));
        records
    }

    #[test]
    fn names_on_more_personal_mailboxes_than_couples_would_share_are_one_name() {
        let seen = NicknamesSeen::of(&couples_and_bert(4));
        assert!(seen.shows_as_one("robert", "bert") && seen.shows_as_one("bert", "robert"));
        assert!(
            !seen.shows_as_one("john", "mary"),
            "no likelier than their names make it"
        );
        assert!(!seen.shows_as_one("robert", "mary"));
        // Once is no pattern.
        assert!(!NicknamesSeen::of(&couples_and_bert(1)).shows_as_one("bert", "robert"));
        // A slip of the keyboard recurs too, but is compared as a typo already.
        let mut slips = couples_and_bert(0);
        slips.extend(on_mailboxes(&[("mary", "mray")], 4));
        assert!(!NicknamesSeen::of(&slips).shows_as_one("mary", "mray"));
    }

    #[test]
    fn poisson_tails() {
        assert!((poisson_at_least(2.0, 0) - 1.0).abs() < 1e-12);
        assert!((poisson_at_least(2.0, 1) - (1.0 - (-2.0f64).exp())).abs() < 1e-12);
        assert!(poisson_at_least(0.01, 2) < 1e-4);
        assert!(poisson_at_least(3.0, 4) > 0.3);
    }

    #[test]
    fn the_set_is_stored_by_name_and_read_back() {
        let mut records = couples_and_bert(4);
        records.push(rec(-1, "robert", "adams", "radams@x.com", ""));
        records.push(rec(-2, "bob", "adams", "radams@x.com", ""));
        let seen = NicknamesSeen::of(&records);
        let stored = serde_json::to_string(&seen).unwrap();
        assert_eq!(
            stored,
            r#"{"seen":[["bob","robert"]],"telling":["bert","john","mary","robert"],"one_name":[["bert","robert"]]}"#
        );
        assert_eq!(
            serde_json::from_str::<NicknamesSeen>(&stored).unwrap(),
            seen
        );
        let all = serde_json::to_string(&NicknamesSeen::All).unwrap();
        assert_eq!(
            serde_json::from_str::<NicknamesSeen>(&all).unwrap(),
            NicknamesSeen::All
        );
    }
}
