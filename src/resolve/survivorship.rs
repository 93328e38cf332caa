//! Survivorship: which source record's value each golden field takes, by a rule per field
//! from config. Every golden field remembers the record it came from.

use std::collections::HashMap;

use super::settings::ResolutionConfig;
pub use crate::vocab::golden::{Golden, Picked, RawFields};

fn get<'a>(r: &'a RawFields, field: &str) -> Option<&'a str> {
    let p = &r.person;
    let v = match field {
        "first_name" => &p.first_name,
        "last_name" => &p.last_name,
        "email" => &p.email,
        "phone" => &p.phone,
        "address" => &p.address1,
        "zip" => &p.zip,
        "date_of_birth" => &p.date_of_birth,
        _ => return None,
    };
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The member whose value survives for `field`.
fn pick<'a>(
    members: &[&'a RawFields],
    field: &str,
    rule: &str,
    priority: &[String],
) -> Option<&'a RawFields> {
    let with: Vec<&RawFields> = members
        .iter()
        .copied()
        .filter(|r| get(r, field).is_some())
        .collect();
    match rule {
        "most_frequent" => {
            let mut counts: HashMap<String, usize> = HashMap::new();
            for r in &with {
                *counts.entry(get(r, field)?.to_lowercase()).or_default() += 1;
            }
            let top = counts.values().copied().max()?;
            let top_count =
                |r: &&RawFields| get(r, field).map(|v| counts[&v.to_lowercase()]) == Some(top);
            most_recent(with.iter().copied().filter(top_count))
        }
        "source_priority" => with.iter().copied().min_by_key(|r| {
            (
                priority
                    .iter()
                    .position(|s| s.as_str() == &*r.source)
                    .unwrap_or(usize::MAX),
                r.id,
            )
        }),
        "longest" => with.iter().copied().max_by(|a, b| {
            let (x, y) = (get(a, field).map(str::len), get(b, field).map(str::len));
            x.cmp(&y).then(b.id.cmp(&a.id))
        }),
        _ => most_recent(with),
    }
}

/// The record seen last (the lower id where two were seen on one day).
fn most_recent<'a>(records: impl IntoIterator<Item = &'a RawFields>) -> Option<&'a RawFields> {
    (records.into_iter()).max_by(|a, b| a.last_seen.cmp(&b.last_seen).then(b.id.cmp(&a.id)))
}

/// Whether a name's letters are all of one case (SMITH, smith): as a form or a till wrote
/// it, not as its person does.
fn written_in_one_case(name: &str) -> bool {
    let letters = || name.chars().filter(|c| c.is_alphabetic());
    !(letters().any(char::is_uppercase) && letters().any(char::is_lowercase))
}

/// A name written in one case, cased as names are: each part capitalised, after a space, a
/// hyphen, an apostrophe or a full stop (O'Brien, Smith-Jones, St. John), Mc as in McDonald,
/// and a generation's numeral in capitals (III). Names written in both cases are never
/// passed here: DeShawn, van Dyke and MacKenzie stay as their people write them.
pub fn name_case(name: &str) -> String {
    let mut cased = String::with_capacity(name.len());
    let mut starts_a_part = true;
    for c in name.chars() {
        if c.is_alphabetic() {
            match starts_a_part {
                true => cased.extend(c.to_uppercase()),
                false => cased.extend(c.to_lowercase()),
            }
            starts_a_part = false;
        } else {
            cased.push(c);
            starts_a_part = matches!(c, ' ' | '-' | '\'' | '’' | '.');
        }
    }
    cased
        .split(' ')
        .map(|word| match word {
            "Ii" | "Iii" | "Iv" => word.to_uppercase(),
            _ => match word.strip_prefix("Mc") {
                Some(rest) if rest.chars().count() >= 2 => format!("Mc{}", name_case(rest)),
                _ => word.to_string(),
            },
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A golden name as its person writes it. The survivorship rule chose `picked`'s value;
/// where that is written in one case, another member's copy of the same name written in
/// both is taken (the most recent), else the value cased as names are (`name_case`).
fn well_written(members: &[&RawFields], field: &str, picked: &RawFields) -> Picked {
    let value = get(picked, field)?;
    if !written_in_one_case(value) {
        return Some((value.to_string(), picked.id));
    }
    let same = value.to_lowercase();
    let written_well = |r: &&RawFields| {
        get(r, field).is_some_and(|v| !written_in_one_case(v) && v.to_lowercase() == same)
    };
    Some(
        match most_recent(members.iter().copied().filter(written_well)) {
            Some(r) => (get(r, field)?.to_string(), r.id),
            None => (name_case(value), picked.id),
        },
    )
}

pub fn golden(members: &[&RawFields], config: &ResolutionConfig) -> Golden {
    let rule = |field: &str| {
        config
            .survivorship
            .fields
            .get(field)
            .map(String::as_str)
            .unwrap_or("most_recent")
    };
    let priority = &config.survivorship.source_priority;
    let take = |field: &str| -> Picked {
        let r = pick(members, field, rule(field), priority)?;
        Some((get(r, field)?.to_string(), r.id))
    };
    let name = |field: &str| -> Picked {
        well_written(members, field, pick(members, field, rule(field), priority)?)
    };
    let address_from = pick(members, "address", rule("address"), priority);
    let part = |v: Option<&Option<String>>| -> Picked {
        let r = address_from?;
        let s = v?.as_deref()?.trim();
        (!s.is_empty()).then(|| (s.to_string(), r.id))
    };
    Golden {
        first_name: name("first_name"),
        last_name: name("last_name"),
        // An address in capitals (a till's, a form's) is the same mailbox in small letters.
        email: take("email").map(|(email, from)| match written_in_one_case(&email) {
            true => (email.to_lowercase(), from),
            false => (email, from),
        }),
        phone: take("phone"),
        address1: part(address_from.map(|r| &r.person.address1)),
        address2: part(address_from.map(|r| &r.person.address2)),
        city: part(address_from.map(|r| &r.person.city)),
        state: part(address_from.map(|r| &r.person.state)),
        zip: take("zip"),
        date_of_birth: take("date_of_birth"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::person::PersonFields;

    fn raw(id: i64, source: &str, first: &str, email: &str, seen: &str) -> RawFields {
        RawFields {
            id,
            source: source.into(),
            person: PersonFields {
                first_name: Some(first.into()),
                email: (!email.is_empty()).then(|| email.into()),
                ..PersonFields::default()
            },
            last_seen: Some(seen.into()),
            ..RawFields::default()
        }
    }

    #[test]
    fn a_name_written_in_one_case_is_cased_as_names_are() {
        for (written, cased) in [
            ("PATRICK", "Patrick"),
            ("magee", "Magee"),
            ("O'BRIEN", "O'Brien"),
            ("smith-jones", "Smith-Jones"),
            ("MCDONALD", "McDonald"),
            ("mc", "Mc"),
            ("MARY ANN", "Mary Ann"),
            ("ST. JOHN", "St. John"),
            ("HOWELL III", "Howell III"),
            ("ÉLODIE", "Élodie"),
        ] {
            assert!(written_in_one_case(written), "{written}");
            assert_eq!(name_case(written), cased, "{written}");
        }
        for both in ["DeShawn", "van Dyke", "MacKenzie", "McDonald"] {
            assert!(!written_in_one_case(both), "{both}");
        }
    }

    #[test]
    fn a_golden_name_is_the_copy_written_in_both_cases_or_cased_as_names_are() {
        let config = super::super::settings::ResolutionConfig::shipped();
        let caps = raw(1, "wbez_donations", "MARY", "", "2026-01-01");
        let lower = raw(2, "email_engagement", "mary", "", "2025-06-01");
        let written = raw(3, "event_tickets", "Mary", "", "2024-01-01");
        let g = golden(&[&caps, &lower, &written], &config);
        assert_eq!(
            g.first_name,
            Some(("Mary".into(), 3)),
            "the copy as she writes it"
        );
        let g = golden(&[&caps, &lower], &config);
        assert_eq!(
            g.first_name,
            Some(("Mary".into(), 1)),
            "cased; from the rule's record"
        );
        let shouted = raw(
            5,
            "event_tickets",
            "Mary",
            "MARY.SMITH@GMAIL.COM",
            "2024-01-01",
        );
        let g = golden(&[&shouted], &config);
        assert_eq!(g.email, Some(("mary.smith@gmail.com".into(), 5)));
        let other = raw(4, "event_tickets", "Marie", "", "2020-01-01");
        let g = golden(&[&caps, &other], &config);
        assert_eq!(
            g.first_name,
            Some(("Mary".into(), 1)),
            "another name's good casing is not borrowed"
        );
    }

    #[test]
    fn each_rule_picks_and_remembers_its_record() {
        let config = super::super::settings::ResolutionConfig::shipped();
        let a = raw(1, "email_engagement", "Bob", "old@x.com", "2024-01-01");
        let b = raw(2, "wbez_donations", "Robert", "new@x.com", "2026-01-01");
        let c = raw(3, "event_tickets", "Robert", "", "2025-01-01");
        let g = golden(&[&a, &b, &c], &config);
        assert_eq!(
            g.first_name,
            Some(("Robert".into(), 2)),
            "most frequent, ties to most recent"
        );
        assert_eq!(
            g.email,
            Some(("new@x.com".into(), 2)),
            "most recent with a value"
        );
        let rules = ["source_priority", "longest"];
        let priority = vec!["event_tickets".to_string()];
        assert_eq!(
            pick(&[&a, &b, &c], "first_name", rules[0], &priority).map(|r| r.id),
            Some(3)
        );
        assert_eq!(
            pick(&[&a, &b, &c], "first_name", rules[1], &priority).map(|r| r.id),
            Some(2)
        );
    }
}
