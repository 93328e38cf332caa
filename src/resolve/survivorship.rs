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
    let recent = |rs: &[&'a RawFields]| -> Option<&'a RawFields> {
        rs.iter()
            .copied()
            .max_by(|a, b| a.last_seen.cmp(&b.last_seen).then(b.id.cmp(&a.id)))
    };
    match rule {
        "most_frequent" => {
            let mut counts: HashMap<String, usize> = HashMap::new();
            for r in &with {
                *counts.entry(get(r, field)?.to_lowercase()).or_default() += 1;
            }
            let top = counts.values().copied().max()?;
            let winners: Vec<&RawFields> = with
                .iter()
                .copied()
                .filter(|r| get(r, field).map(|v| counts[&v.to_lowercase()]) == Some(top))
                .collect();
            recent(&winners)
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
        _ => recent(&with),
    }
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
    let address_from = pick(members, "address", rule("address"), priority);
    let part = |v: Option<&Option<String>>| -> Picked {
        let r = address_from?;
        let s = v?.as_deref()?.trim();
        (!s.is_empty()).then(|| (s.to_string(), r.id))
    };
    Golden {
        first_name: take("first_name"),
        last_name: take("last_name"),
        email: take("email"),
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
