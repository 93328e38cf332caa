//! Households as stored: each golden record's home (read for grouping), the stewards'
//! "same household" links, the membership a rebuild writes, and a household as shown.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, ToSql, params};
use serde::Serialize;

use crate::error::Result;
use crate::store::browse::golden_id;

/// A golden record's home and the ties that make people at one home a household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Home {
    pub constituent_id: i64,
    /// Normalised street address, unit and ZIP: one home.
    pub address: String,
    pub unit: String,
    pub zip: String,
    pub last: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// The household id as people write it.
pub fn household_id(id: i64) -> String {
    format!("H-{id:06}")
}

const HOMES: &str = "SELECT c.id, a.n_address, coalesce(a.n_unit, ''), coalesce(a.n_zip, ''),
        l.n_last, p.n_phone, e.n_email
    FROM constituent c
    JOIN source_record a ON a.id = c.address1_src
    LEFT JOIN source_record l ON l.id = c.last_name_src
    LEFT JOIN source_record p ON p.id = c.phone_src
    LEFT JOIN source_record e ON e.id = c.email_src
    WHERE c.merged_into IS NULL AND a.n_address IS NOT NULL AND a.n_address <> ''";

fn home(r: &rusqlite::Row) -> rusqlite::Result<Home> {
    let text = |i: usize| -> rusqlite::Result<Option<String>> {
        Ok(r.get::<_, Option<String>>(i)?.filter(|v| !v.is_empty()))
    };
    Ok(Home {
        constituent_id: r.get(0)?,
        address: r.get(1)?,
        unit: r.get(2)?,
        zip: r.get(3)?,
        last: text(4)?,
        phone: text(5)?,
        email: text(6)?,
    })
}

/// Every golden record's home (those with an address).
pub fn homes(conn: &Connection) -> Result<Vec<Home>> {
    Ok(conn
        .prepare(HOMES)?
        .query_map([], home)?
        .collect::<rusqlite::Result<_>>()?)
}

/// The homes of `constituents` and of everyone who lives at one of them.
pub fn homes_near(conn: &Connection, constituents: &[i64]) -> Result<Vec<Home>> {
    let mut at = Vec::new();
    for &id in constituents {
        let found = conn
            .prepare_cached(&format!("{HOMES} AND c.id = ?1"))?
            .query_row([id], home)
            .optional()?;
        at.extend(found);
    }
    let mut out: Vec<Home> = Vec::new();
    let mut statement = conn.prepare_cached(&format!(
        "{HOMES} AND a.n_address = ?1 AND coalesce(a.n_unit, '') = ?2 AND coalesce(a.n_zip, '') = ?3"
    ))?;
    for h in at {
        if out
            .iter()
            .any(|o| (&o.address, &o.unit, &o.zip) == (&h.address, &h.unit, &h.zip))
        {
            continue;
        }
        let rows = statement.query_map(params![h.address, h.unit, h.zip], home)?;
        for row in rows {
            out.push(row?);
        }
    }
    Ok(out)
}

/// The golden records a steward said share a household, as pairs.
pub fn links(conn: &Connection) -> Result<Vec<(i64, i64)>> {
    Ok(conn
        .prepare_cached(
            "SELECT ma.constituent_id, mb.constituent_id FROM household_link hl
             JOIN constituent_member ma ON ma.source_record_id = hl.record_a
             JOIN constituent_member mb ON mb.source_record_id = hl.record_b
             WHERE hl.revoked_at IS NULL",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Record a steward's "same household, different people" on two source records.
pub fn link(conn: &Connection, record_a: i64, record_b: i64, actor: &str, at: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO household_link (record_a, record_b, actor, at) VALUES (?1, ?2, ?3, ?4)",
        params![record_a, record_b, actor, at],
    )?;
    Ok(())
}

/// Each of `constituents`' household now (all when `None`).
pub fn membership(conn: &Connection, constituents: Option<&[i64]>) -> Result<HashMap<i64, i64>> {
    let mut out = HashMap::new();
    match constituents {
        None => {
            let mut statement =
                conn.prepare("SELECT constituent_id, household_id FROM household_member")?;
            for row in statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))? {
                let (c, h) = row?;
                out.insert(c, h);
            }
        }
        Some(ids) => {
            let mut statement = conn.prepare_cached(
                "SELECT household_id FROM household_member WHERE constituent_id = ?1",
            )?;
            for &id in ids {
                if let Some(h) = statement.query_row([id], |r| r.get(0)).optional()? {
                    out.insert(id, h);
                }
            }
        }
    }
    Ok(out)
}

/// A household to write: its members and the home they share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHousehold {
    pub members: Vec<i64>,
    pub address: String,
    pub zip: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HouseholdStats {
    pub households: u64,
    /// Households of two or more golden records.
    pub shared: u64,
    pub created: u64,
    pub retired: u64,
}

/// Write `groups` as households over the `previous` membership of the same golden records
/// (and only those): each keeps the old id it shares the most members with; a golden
/// record in `previous` and no group leaves its household; emptied households go.
pub fn write(
    conn: &Connection,
    groups: &[NewHousehold],
    previous: &HashMap<i64, i64>,
    at: &str,
) -> Result<HouseholdStats> {
    let members: Vec<&[i64]> = groups.iter().map(|g| g.members.as_slice()).collect();
    let kept = super::resolve::keep_ids(&members, previous);
    let mut next: i64 =
        conn.query_row("SELECT coalesce(max(id), 0) + 1 FROM household", [], |r| {
            r.get(0)
        })?;
    let mut stats = HouseholdStats::default();
    let mut placed: HashMap<i64, i64> = HashMap::with_capacity(previous.len());
    let (mut households, mut moved) = (Vec::with_capacity(groups.len()), Vec::new());
    for (group, kept) in groups.iter().zip(kept) {
        let id = kept.unwrap_or_else(|| {
            stats.created += 1;
            next += 1;
            next - 1
        });
        stats.households += 1;
        stats.shared += u64::from(group.members.len() > 1);
        households.push((id, group, group.members.len() as i64));
        for &member in &group.members {
            placed.insert(member, id);
            if previous.get(&member) != Some(&id) {
                moved.push([member, id]);
            }
        }
    }
    // Households before their members (whose rows refer to them).
    let rows: Vec<[&dyn ToSql; 5]> = households
        .iter()
        .map(|(id, group, count)| [id as &dyn ToSql, &group.address, &group.zip, count, &at])
        .collect();
    insert_rows(
        conn,
        "INSERT INTO household (id, address, zip, member_count, updated_at)",
        "ON CONFLICT (id) DO UPDATE SET address = excluded.address, zip = excluded.zip,
             member_count = excluded.member_count, updated_at = excluded.updated_at
         WHERE (household.address, household.zip, household.member_count)
            IS NOT (excluded.address, excluded.zip, excluded.member_count)",
        &rows,
    )?;
    let rows: Vec<[&dyn ToSql; 2]> = moved
        .iter()
        .map(|[member, id]| [member as &dyn ToSql, id])
        .collect();
    insert_rows(
        conn,
        "INSERT OR REPLACE INTO household_member (constituent_id, household_id)",
        "",
        &rows,
    )?;
    let mut leave =
        conn.prepare_cached("DELETE FROM household_member WHERE constituent_id = ?1")?;
    for member in previous.keys().filter(|m| !placed.contains_key(m)) {
        leave.execute([member])?;
    }
    stats.retired = conn.execute(
        "DELETE FROM household WHERE NOT EXISTS
             (SELECT 1 FROM household_member hm WHERE hm.household_id = household.id)",
        [],
    )? as u64;
    Ok(stats)
}

/// `INSERT … VALUES (…), (…) …` for `rows`, `ROWS_PER_STATEMENT` at a time: a first
/// resolution writes a household and a membership per home (330,000 of each at a million
/// records), and one statement per row was most of that time.
fn insert_rows<const K: usize>(
    conn: &Connection,
    head: &str,
    tail: &str,
    rows: &[[&dyn ToSql; K]],
) -> Result<()> {
    const ROWS_PER_STATEMENT: usize = 128;
    let row = format!("({})", vec!["?"; K].join(", "));
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let values = vec![row.as_str(); chunk.len()].join(", ");
        let mut statement = conn.prepare_cached(&format!("{head} VALUES {values} {tail}"))?;
        let params: Vec<&dyn ToSql> = chunk.iter().flatten().copied().collect();
        statement.execute(params.as_slice())?;
    }
    Ok(())
}

/// How many households there are (nothing created or retired: nothing was rebuilt).
pub fn stats(conn: &Connection) -> Result<HouseholdStats> {
    let (households, shared): (i64, Option<i64>) = conn.query_row(
        "SELECT count(*), sum(member_count > 1) FROM household",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(HouseholdStats {
        households: households as u64,
        shared: shared.unwrap_or(0) as u64,
        created: 0,
        retired: 0,
    })
}

/// A household as the 360° view shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HouseholdView {
    pub id: String,
    pub address: String,
    pub zip: String,
    /// (golden id, name, lifetime giving in cents), by golden id.
    pub members: Vec<(String, String, i64)>,
    pub lifetime_cents: i64,
}

/// The household `constituent_id` lives in, if any.
pub fn household_of(conn: &Connection, constituent_id: i64) -> Result<Option<HouseholdView>> {
    let found: Option<(i64, String, String)> = conn
        .prepare_cached(
            "SELECT h.id, h.address, h.zip FROM household_member hm JOIN household h ON h.id = hm.household_id
             WHERE hm.constituent_id = ?1",
        )?
        .query_row([constituent_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((id, address, zip)) = found else {
        return Ok(None);
    };
    let members: Vec<(String, String, i64)> = conn
        .prepare_cached(
            "SELECT c.id, trim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')),
                    coalesce(s.lifetime_cents, 0)
             FROM household_member hm JOIN constituent c ON c.id = hm.constituent_id
             LEFT JOIN constituent_summary s ON s.constituent_id = c.id
             WHERE hm.household_id = ?1 ORDER BY c.id",
        )?
        .query_map([id], |r| Ok((golden_id(r.get(0)?), r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(HouseholdView {
        id: household_id(id),
        address,
        zip,
        lifetime_cents: members.iter().map(|m| m.2).sum(),
        members,
    }))
}
