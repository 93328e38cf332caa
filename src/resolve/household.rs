//! Households from golden records: the people at one home (the same normalised address,
//! unit and ZIP), as a mailing list counts households. A home with more golden records than
//! a family usually has is a building without unit numbers or an institution: there only
//! people who share a surname (or one a typo away), a phone or a mailbox live together.
//! A steward's "same household" joins any two.

use std::collections::HashMap;

use crate::error::Result;
use crate::store::household::{self as stored, Home, HouseholdStats, NewHousehold};

use super::cluster::Clusters;

/// Group homes into households; `links` are golden-record pairs a steward joined.
pub fn group(mut homes: Vec<Home>, links: &[(i64, i64)]) -> Vec<NewHousehold> {
    fn at(h: &Home) -> (&str, &str, &str) {
        (&h.address, &h.unit, &h.zip)
    }
    // Constituent ids are unique: an unstable sort gives the one order.
    homes.sort_unstable_by(|a, b| (at(a), a.constituent_id).cmp(&(at(b), b.constituent_id)));
    let mut sets = Clusters::new(homes.len());
    let mut start = 0;
    while start < homes.len() {
        let here = at(&homes[start]);
        let end = start + homes[start..].iter().take_while(|h| at(h) == here).count();
        let family_sized = end - start <= FAMILY_SIZE;
        for i in start..end {
            for j in i + 1..end {
                if family_sized || share_a_tie(&homes[i], &homes[j]) {
                    sets.union(i as u32, j as u32);
                }
            }
        }
        start = end;
    }
    if !links.is_empty() {
        let index: HashMap<i64, usize> = homes
            .iter()
            .enumerate()
            .map(|(i, h)| (h.constituent_id, i))
            .collect();
        for (a, b) in links {
            if let (Some(&i), Some(&j)) = (index.get(a), index.get(b)) {
                sets.union(i as u32, j as u32);
            }
        }
    }
    let mut households: Vec<NewHousehold> = sets
        .groups()
        .into_iter()
        .map(|members| {
            let first = &homes[members[0] as usize];
            NewHousehold {
                members: members
                    .iter()
                    .map(|&i| homes[i as usize].constituent_id)
                    .collect(),
                address: match first.unit.as_str() {
                    "" => first.address.clone(),
                    unit => format!("{} #{unit}", first.address),
                },
                zip: first.zip.clone(),
            }
        })
        .collect();
    households.sort_by_key(|h| h.members[0]);
    households
}

/// The most golden records one home holds as a single household without a tie between
/// them (four in five US households have four people or fewer).
const FAMILY_SIZE: usize = 4;

/// At a crowded address, two people live together when they share a surname (or one a
/// typo away), a phone or a mailbox.
fn share_a_tie(a: &Home, b: &Home) -> bool {
    let same = |x: &Option<String>, y: &Option<String>| x.is_some() && x == y;
    let surnames = match (&a.last, &b.last) {
        (Some(x), Some(y)) => strsim::jaro_winkler(x, y) >= 0.92,
        _ => false,
    };
    surnames || same(&a.phone, &b.phone) || same(&a.email, &b.email)
}

/// Rebuild every household (inside the caller's transaction).
pub fn rebuild_all(conn: &rusqlite::Connection, at: &str) -> Result<HouseholdStats> {
    let groups = group(stored::homes(conn)?, &stored::links(conn)?);
    let previous = stored::membership(conn, None)?;
    stored::write(conn, &groups, &previous, at)
}

/// Rebuild the households at the homes of `constituents` (after a steward's decision).
pub fn rebuild_near(
    conn: &rusqlite::Connection,
    constituents: &[i64],
    at: &str,
) -> Result<HouseholdStats> {
    let homes = stored::homes_near(conn, constituents)?;
    let mut scope: Vec<i64> = homes.iter().map(|h| h.constituent_id).collect();
    scope.extend_from_slice(constituents);
    let previous = stored::membership(conn, Some(&scope))?;
    let groups = group(homes, &stored::links(conn)?);
    stored::write(conn, &groups, &previous, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home(id: i64, address: &str, last: &str, phone: Option<&str>) -> Home {
        Home {
            constituent_id: id,
            address: address.into(),
            unit: String::new(),
            zip: "60601".into(),
            last: Some(last.into()),
            phone: phone.map(Into::into),
            email: None,
        }
    }

    fn members(households: &[NewHousehold]) -> Vec<Vec<i64>> {
        households.iter().map(|h| h.members.clone()).collect()
    }

    #[test]
    fn the_people_at_one_home_are_one_household_whatever_their_names() {
        let homes = vec![
            home(1, "12 oak st", "lee", None),
            home(2, "12 oak st", "park", None),
            home(6, "14 oak st", "lee", None), // next door
        ];
        assert_eq!(members(&group(homes, &[])), vec![vec![1, 2], vec![6]]);
    }

    #[test]
    fn at_a_crowded_address_only_a_surname_phone_or_mailbox_joins_people() {
        let homes = vec![
            home(1, "12 oak st", "lee", None),
            home(2, "12 oak st", "leee", None), // a typo away
            home(3, "12 oak st", "park", Some("3125550100")),
            home(4, "12 oak st", "kim", Some("3125550100")),
            home(5, "12 oak st", "ng", None), // a neighbour in the building
        ];
        assert_eq!(
            members(&group(homes, &[])),
            vec![vec![1, 2], vec![3, 4], vec![5]]
        );
    }

    #[test]
    fn a_stewards_link_joins_two_households() {
        let mut homes: Vec<Home> = (1..=5)
            .map(|i| home(i, "12 oak st", &format!("n{i}x"), None))
            .collect();
        homes.push(home(9, "80 elm st", "ng", None));
        let grouped = members(&group(homes, &[(5, 9)]));
        assert!(grouped.contains(&vec![5, 9]), "{grouped:?}");
    }
}
