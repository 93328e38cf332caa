//! Blocking: only records that share a key are compared. Several keys, so a true pair
//! that differs in one field still meets on another. Oversized blocks (a shared office
//! phone, a placeholder email) are skipped and reported, never silently dropped.

use rayon::prelude::*;
use serde::Serialize;

use super::compare::{Rec, email_name_chars, first_token, spelled_from_names};
use super::normalize::{house_number, soundex};
use super::settings::Blocking;
use crate::stable_hash::hash_parts;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CappedBlock {
    pub key: String,
    pub size: usize,
}

#[derive(Debug, Default)]
pub struct Blocks {
    /// Candidate pairs as indices into the record slice, a < b, deduplicated.
    pub pairs: Vec<(u32, u32)>,
    /// The pairs among them that only a key of names alone (`NAMES_ONLY_KEYS`) brought
    /// together, sorted: scored like every pair, not learned from (see `learn`).
    pub names_only: Vec<(u32, u32)>,
    pub capped: Vec<CappedBlock>,
}

/// Keys made of names alone. Their blocks hold mostly namesakes, pairs that agree on
/// both names because they were chosen for it; a two-class fit over them can take
/// "same names" for "one person" (RLdata10000 with `first_last` added: every pair below
/// review). So the model is learned from the pairs other keys compare and scores these.
pub const NAMES_ONLY_KEYS: [&str; 3] = ["first_last", "phonetic_names", "last_first_initial"];

/// A record's key of one kind, hashed: blocks are runs of equal hashes. (A 64-bit
/// collision between two keys would only add pairs to compare, never lose one.)
fn key_of(kind: &str, r: &Rec) -> Option<u64> {
    let z = r.zip();
    Some(match kind {
        "email" => hash_parts(&[r.email()?]),
        "phone" => hash_parts(&[r.phone()?]),
        "last_soundex_zip" => hash_parts(&[&phonetic(r.last()?)?, z?]),
        "first_last" => hash_parts(&[r.first_canon()?, r.last()?]),
        "first_zip" => hash_parts(&[r.first_canon()?, z?]),
        // The same names and birth year anywhere in the file: a person who moved.
        "first_last_birth_year" => hash_parts(&[r.first_canon()?, r.last()?, r.dob()?.get(..4)?]),
        // The same, within the decade: a year mistyped, a date moved by months.
        "first_last_birth_decade" => hash_parts(&[r.first_canon()?, r.last()?, r.dob()?.get(..3)?]),
        // Both names and the birthday without its year: a year mistyped in any digit
        // ("1935" for 1995).
        "first_last_birthday" => {
            hash_parts(&[r.first_canon()?, r.last()?, r.birth_date()?.get(5..)?])
        }
        // Same first name and ZIP, surnames with one initial: a typo'd surname, not every
        // namesake of a first name in the ZIP.
        "first_zip_initial" => hash_parts(&[r.first_canon()?, z?, r.last()?.get(..1)?]),
        // The same surname and ZIP, given names with one initial (a nickname's canonical
        // one): a typo'd given name or a nickname, not every namesake of a surname there.
        "last_zip_initial" => hash_parts(&[r.last()?, z?, r.first_canon()?.get(..1)?]),
        "address_zip" => hash_parts(&[r.address()?, z?]),
        // The same date of birth in a ZIP: finds a person whose names and street were
        // both mistyped or changed (a married name and a building name). Small blocks:
        // a few people per birth date in a ZIP, a few dozen per birth date and initial.
        "birth_zip" => hash_parts(&[r.birth_date()?, z?]),
        // The date of birth alone: a record without names or a ZIP (a sign-up, a form
        // half filled) still meets its person's other records born that day.
        "birth" => hash_parts(&[r.birth_date()?]),
        // The canonical first name's initial (Bob is Robert's r) and the date of birth,
        // anywhere: a typo past the first letter, a new surname, street and ZIP.
        "initial_birth" => hash_parts(&[r.first_canon()?.get(..1)?, r.birth_date()?]),
        // Both names in alphabetical order: finds first and last entered the wrong way round.
        "names_zip" => {
            let (x, y) = sorted_names(r)?;
            hash_parts(&[x, y, z?])
        }
        // The same, with the birth year instead of the ZIP: swapped names and a new or
        // mistyped ZIP.
        "swapped_names" => {
            let (x, y) = sorted_names(r)?;
            hash_parts(&[x, y, r.dob()?.get(..4)?])
        }
        // Surname and date of birth anywhere: a replaced or misspelt first name and a move.
        "last_birth" => hash_parts(&[r.last()?, r.birth_date()?]),
        // How the first name sounds and the date of birth: a new surname (marriage) and a
        // typo in the first name.
        "first_soundex_birth" => {
            hash_parts(&[&phonetic(first_token(r.first()?))?, r.birth_date()?])
        }
        // Surname and first initial anywhere (large blocks; capped like every key).
        "last_first_initial" => hash_parts(&[r.last()?, r.first_canon()?.get(..1)?]),
        // The house number and ZIP: a street name mistyped or written another way.
        "house_number_zip" => hash_parts(&[house_number(r.address()?).0?, z?]),
        // The house number and city: a street mistyped and the ZIP too.
        "house_number_city" => hash_parts(&[house_number(r.address()?).0?, r.city()?]),
        // The street's name (the address without its house number) and the city: a
        // mistyped house number with a changed or mistyped ZIP.
        "street_city" => {
            let street = house_number(r.address()?).1;
            hash_parts(&[(!street.is_empty()).then_some(street)?, r.city()?])
        }
        // The date of birth in a ZIP's area (its first three digits): names and ZIP both
        // mistyped or changed.
        "birth_zip3" => hash_parts(&[r.birth_date()?, z?.get(..3)?]),
        // How both names sound, anywhere: typos in each.
        "phonetic_names" => {
            hash_parts(&[&phonetic(first_token(r.first()?))?, &phonetic(r.last()?)?])
        }
        // The same, in a ZIP's area (its first three digits).
        "phonetic_names_zip3" => hash_parts(&[
            &phonetic(first_token(r.first()?))?,
            &phonetic(r.last()?)?,
            z?.get(..3)?,
        ]),
        // The same, with the birth year.
        "phonetic_names_birth_year" => hash_parts(&[
            &phonetic(first_token(r.first()?))?,
            &phonetic(r.last()?)?,
            r.dob()?.get(..4)?,
        ]),
        // The same names in the same city: a move to another ZIP in town.
        "first_last_city" => hash_parts(&[r.first_canon()?, r.last()?, r.city()?]),
        // The same, the city's first three letters: a town mistyped past them.
        "first_last_city3" => hash_parts(&[r.first_canon()?, r.last()?, r.city()?.get(..3)?]),
        // One mailbox name at another domain, or the domain mistyped ("max.h43@oneill.com",
        // "maxh43@oneil.com"). A name spelled from the record's own names ("davidsmith")
        // is many people's, and a short one ("jo1") too: they key nothing.
        "email_name" => {
            let name: String = email_name_chars(r.email()?).collect();
            if name.chars().count() < EMAIL_NAME_KEY_MIN || spelled_from_names(name.as_bytes(), r) {
                return None;
            }
            hash_parts(&[&name])
        }
        _ => return None,
    })
}

/// The shortest mailbox name the `email_name` key reads ("jo", "info1" are many people's).
const EMAIL_NAME_KEY_MIN: usize = 6;

/// A name's Soundex code; none for a name without a Latin letter ("123"), which would
/// otherwise key one block of every such name.
fn phonetic(name: &str) -> Option<String> {
    Some(soundex(name)).filter(|code| !code.is_empty())
}

/// First name (its first word) and surname in alphabetical order.
fn sorted_names(r: &Rec) -> Option<(&str, &str)> {
    let first = first_token(r.first()?);
    let last = r.last()?;
    Some(if first <= last {
        (first, last)
    } else {
        (last, first)
    })
}

/// Pair every two records that share a key. A block larger than `max_block_size` is
/// skipped, and each key adds at most `max_pairs_per_record` pairs per record: its blocks
/// are taken smallest first (the most selective) until that budget is spent, so no key's
/// cost grows faster than the file. Skipped blocks are reported.
pub fn block(records: &[Rec], keys: &[String], limits: &Blocking) -> Blocks {
    let mut capped = Vec::new();
    let (names, others): (Vec<&String>, Vec<&String>) = keys
        .iter()
        .partition(|k| NAMES_ONLY_KEYS.contains(&k.as_str()));
    let evidence = pairs_sharing(records, &others, limits, &mut capped);
    let by_name = pairs_sharing(records, &names, limits, &mut capped);
    let names_only: Vec<(u32, u32)> = by_name
        .iter()
        .filter(|p| evidence.binary_search(p).is_err())
        .copied()
        .collect();
    let mut pairs = evidence;
    pairs.extend_from_slice(&names_only);
    pairs.par_sort_unstable();
    Blocks {
        pairs,
        names_only,
        capped,
    }
}

/// The pairs of records that share one of `keys`, sorted and deduplicated (a pair sorts
/// as the 64-bit a << 32 | b would); blocks over the limits are added to `capped`.
fn pairs_sharing(
    records: &[Rec],
    keys: &[&String],
    limits: &Blocking,
    capped: &mut Vec<CappedBlock>,
) -> Vec<(u32, u32)> {
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let budget = limits
        .max_pairs_per_record
        .saturating_mul(records.len() as u64);
    for kind in keys {
        let mut keyed: Vec<(u64, u32)> = records
            .par_iter()
            .enumerate()
            .filter_map(|(i, r)| Some((key_of(kind, r)?, i as u32)))
            .collect();
        keyed.par_sort_unstable();
        let mut blocks: Vec<&[(u64, u32)]> = keyed.chunk_by(|x, y| x.0 == y.0).collect();
        blocks.sort_by_key(|b| b.len());
        let mut spent = 0u64;
        for block in blocks {
            let n = block.len() as u64;
            let cost = n * n.saturating_sub(1) / 2;
            if block.len() > limits.max_block_size || spent + cost > budget {
                // The key itself may be personal (an email); report its kind and size only.
                capped.push(CappedBlock {
                    key: kind.to_string(),
                    size: block.len(),
                });
                continue;
            }
            spent += cost;
            for (x, &(_, a)) in block.iter().enumerate() {
                for &(_, b) in &block[x + 1..] {
                    pairs.push((a, b));
                }
            }
        }
    }
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::record::Value;

    /// A block size cap and no pair budget to speak of.
    fn limits(max_block_size: usize) -> Blocking {
        Blocking {
            max_block_size,
            max_pairs_per_record: 1000,
            keys: Vec::new(),
        }
    }

    fn rec(last: &str, zip: &str, email: &str) -> Rec {
        Rec::default()
            .with(Value::Last, last)
            .with(Value::FirstCanon, "ann")
            .with(Value::Zip, zip)
            .with(Value::Email, email)
    }

    #[test]
    fn pairs_meet_on_any_key_once() {
        let records = vec![
            rec("smith", "60614", "a@x.com"),
            rec("smyth", "60614", "a@x.com"),
            rec("jones", "60201", ""),
        ];
        let b = block(
            &records,
            &["email".into(), "last_soundex_zip".into()],
            &limits(10),
        );
        assert_eq!(b.pairs, vec![(0, 1)]);
    }

    #[test]
    fn names_without_a_latin_letter_share_no_spelling_code() {
        // Two different surnames no Soundex can read: not one block of "no code".
        let records = vec![rec("4", "60614", ""), rec("77", "60614", "")];
        let b = block(&records, &["last_soundex_zip".into()], &limits(10));
        assert!(b.pairs.is_empty());
        let records = vec![rec("smith", "60614", ""), rec("smyth", "60614", "")];
        let b = block(&records, &["last_soundex_zip".into()], &limits(10));
        assert_eq!(b.pairs, vec![(0, 1)]);
    }

    #[test]
    fn pairs_only_a_key_of_names_brings_together_are_marked_names_only() {
        let records = vec![
            rec("smith", "60614", "a@x.com"),
            rec("smith", "60614", "a@x.com"),
            rec("smith", "60201", ""),
        ];
        let keys = ["email".into(), "first_last".into()];
        let b = block(&records, &keys, &limits(10));
        assert_eq!(b.pairs, vec![(0, 1), (0, 2), (1, 2)]);
        // (0, 1) share an email as well as the names.
        assert_eq!(b.names_only, vec![(0, 2), (1, 2)]);
        // Without a key of names alone, nothing is.
        let b = block(&records, &keys[..1], &limits(10));
        assert_eq!((b.pairs, b.names_only), (vec![(0, 1)], vec![]));
    }

    #[test]
    fn giant_blocks_are_capped_and_reported() {
        let records: Vec<Rec> = (0..5)
            .map(|_| rec("lee", "60614", "shared@x.com"))
            .collect();
        let b = block(&records, &["email".into()], &limits(3));
        assert!(b.pairs.is_empty());
        assert_eq!(
            b.capped,
            vec![CappedBlock {
                key: "email".into(),
                size: 5
            }]
        );
    }

    #[test]
    fn a_key_adds_its_smallest_blocks_first_up_to_its_pair_budget() {
        // Three blocks of 2, 3 and 4 records under one key: 1, 3 and 6 pairs.
        let mut records = Vec::new();
        for (surname, n) in [("ng", 2), ("lee", 3), ("kim", 4)] {
            records.extend((0..n).map(|_| rec(surname, "60614", "")));
        }
        let budget = |per_record: u64| Blocking {
            max_pairs_per_record: per_record,
            ..limits(60)
        };
        // One pair per record is 9 pairs: the blocks of 1 and 3 pairs fit, the block of 6
        // would overspend and is reported.
        let b = block(&records, &["last_soundex_zip".into()], &budget(1));
        assert_eq!(b.pairs.len(), 4);
        assert_eq!(
            b.capped,
            vec![CappedBlock {
                key: "last_soundex_zip".into(),
                size: 4
            }]
        );
        let b = block(&records, &["last_soundex_zip".into()], &budget(2));
        assert_eq!(b.pairs.len(), 10);
        assert!(b.capped.is_empty());
    }

    #[test]
    fn movers_meet_on_names_and_birth_year_and_namesakes_need_a_surname_initial() {
        let mut mover = rec("okafor", "60614", "");
        let mut moved = rec("okafor", "60201", "");
        mover.set(Value::Dob, Some("1971-02-03"));
        moved.set(Value::Dob, Some("1971-11-30"));
        let mut namesake = rec("okafor", "60201", "");
        namesake.set(Value::Dob, Some("1985-02-03"));
        let mut misdated = rec("okafor", "60611", "");
        misdated.set(Value::Dob, Some("1970-02-03"));
        let records = vec![mover, moved, namesake, misdated];
        let b = block(&records, &["first_last_birth_year".into()], &limits(10));
        assert_eq!(b.pairs, vec![(0, 1)]);
        // A birth year mistyped, or a date moved by months, within its decade.
        let b = block(&records, &["first_last_birth_decade".into()], &limits(10));
        assert_eq!(b.pairs, vec![(0, 1), (0, 3), (1, 3)]);
        // A year mistyped in its tens ("1935" for 1995) keeps the birthday; a namesake born
        // on that day of another year meets them too, for the model to tell apart.
        let mut mistyped = rec("okafor", "60611", "");
        mistyped.set(Value::Dob, Some("1931-02-03"));
        let records = vec![
            records[0].clone(),
            records[1].clone(),
            records[2].clone(),
            mistyped,
        ];
        let b = block(&records, &["first_last_birthday".into()], &limits(10));
        assert_eq!(b.pairs, vec![(0, 2), (0, 3), (2, 3)]);

        // Ann Smith and Ann Smyth in one ZIP meet; Ann Jones there does not.
        let records = vec![
            rec("smith", "60614", ""),
            rec("smyth", "60614", ""),
            rec("jones", "60614", ""),
        ];
        let b = block(&records, &["first_zip_initial".into()], &limits(10));
        assert_eq!(b.pairs, vec![(0, 1)]);

        // Ann Smith in Brunswick and in Brunswik (a town mistyped past its first three
        // letters) meet; Ann Smith in Bundaberg does not.
        let town = |city: &str| rec("smith", "", "").with(Value::City, city);
        let records = vec![town("brunswick"), town("brunswik"), town("bundaberg")];
        let b = block(&records, &["first_last_city3".into()], &limits(10));
        assert_eq!(b.pairs, vec![(0, 1)]);

        // Ann Smith and Anne or Annie Smith in one ZIP meet; Beth Smith there does not.
        let given = |first: &str| rec("smith", "60614", "").with(Value::FirstCanon, first);
        let records = vec![given("ann"), given("anne"), given("beth"), given("annie")];
        let b = block(&records, &["last_zip_initial".into()], &limits(10));
        assert_eq!(b.pairs, vec![(0, 1), (0, 3), (1, 3)]);
    }

    #[test]
    fn a_birth_date_finds_a_person_whose_names_or_zip_changed() {
        let born = |last: &str, zip: &str, first: &str, dob: &str| {
            rec(last, zip, "")
                .with(Value::FirstCanon, first)
                .with(Value::Dob, dob)
        };
        let records = vec![
            born("mccarthy", "4670", "lydia", "1975-12-20"),
            born("doosey", "4670", "lydia", "1975-12-20"), // a married name, same ZIP
            born("mccarthy", "4607", "lydia", "1975-12-20"), // a mistyped ZIP
            born("mccarthy", "4670", "lydia", "1975-12-21"), // a sister next door
            rec("mccarthy", "4670", ""),                   // no birth date: no key
            born("doosey", "4680", "lidia", "1975-12-20"), // moved, first name mistyped
            born("mccarthy", "4607", "mary", "1975-12-20"), // born the same day elsewhere
        ];
        let b = block(&records, &["birth_zip".into()], &limits(10));
        assert_eq!(b.pairs, vec![(0, 1), (2, 6)]);
        let b = block(&records, &["initial_birth".into()], &limits(10));
        assert_eq!(
            b.pairs,
            vec![(0, 1), (0, 2), (0, 5), (1, 2), (1, 5), (2, 5)]
        );
    }

    #[test]
    fn a_record_with_a_birth_date_and_nothing_else_to_block_on_meets_on_it() {
        // A form with no names and no ZIP beside the person's record, and another person
        // born a day later: the date alone brings the first two together.
        let form = Rec::default().with(Value::Dob, "1972-06-10");
        let record = rec("henderson", "4670", "").with(Value::Dob, "1972-06-10");
        let other = rec("henderson", "4670", "").with(Value::Dob, "1972-06-11");
        let records = vec![form, record, other];
        let b = block(&records, &["birth".into()], &limits(10));
        assert_eq!(b.pairs, vec![(0, 1)]);
        let without = [
            "last_birth",
            "birth_zip",
            "initial_birth",
            "first_soundex_birth",
        ];
        let b = block(&records, &without.map(String::from), &limits(10));
        assert!(b.pairs.is_empty(), "no other key has what the form holds");
    }

    #[test]
    fn a_mailbox_name_meets_across_domains_unless_it_is_only_the_names() {
        let person = |first: &str, last: &str, email: &str| {
            Rec::default()
                .with(Value::First, first)
                .with(Value::Last, last)
                .with(Value::Email, email)
        };
        let records = vec![
            // A handle at a mistyped domain, and at another provider with its dots left out.
            person("max", "henderson", "max.henderson43@oneill-white.com"),
            person("max", "", "maxhenderson43@oneili-whlte.com"),
            // Names and initials run together: every David Smith's.
            person("david", "smith", "davidsmith@long.net"),
            person("david", "smith", "david.smith@taylor.com"),
            person("d", "smith", "dsmith@x.org"),
            person("d", "smith", "d.smith@y.org"),
            // Too short to be one person's.
            person("", "", "jo1@a.com"),
            person("", "", "jo1@b.com"),
            // No names on either record: the handle is all there is.
            person("", "", "productnotice@gmail.com"),
            person("", "", "product.notice@yahoo.com"),
        ];
        let b = block(&records, &["email_name".into()], &limits(10));
        assert_eq!(b.pairs, vec![(0, 1), (8, 9)]);
    }
}
