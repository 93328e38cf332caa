//! SQL for identity resolution: loading records, writing candidates and golden records
//! with stable ids, constraints, the audit trail and the 360-degree summaries.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;
use rusqlite::types::Null;
use rusqlite::{Connection, OptionalExtension, ToSql, params};

use crate::config::PERSON_FIELDS;
use crate::error::Result;
use crate::store::deferred::DeferredIndexes;
use crate::store::search_index::SearchUpdate;
use crate::store::summary::Summary;
use crate::vocab::golden::{Golden, RawFields};
use crate::vocab::person::PersonFields;
use crate::vocab::record::{self, Rec};

pub fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Today's date (UTC) in the audit trail's format: `at >= today()` is "today".
pub fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

const RECORD_COLUMNS: &str = "sr.id, sr.source, sr.n_first, sr.n_first_canon, sr.n_last, sr.n_email, sr.n_phone,
    sr.n_address, sr.n_unit, sr.n_city, sr.n_zip, coalesce(sr.date_of_birth, sr.n_dob_as_written),
    sr.first_name, sr.last_name, sr.email, sr.phone, sr.address1, sr.address2, sr.city, sr.state, sr.zip,
    sr.system, sr.n_generation, sr.date_of_birth, sr.n_gender";

/// Source and system names, one shared copy of each (a million records name a handful).
#[derive(Default)]
struct Names(Vec<Arc<str>>);

impl Names {
    fn get(&mut self, r: &rusqlite::Row, column: usize) -> rusqlite::Result<Arc<str>> {
        let name = r.get_ref(column)?.as_str()?;
        if let Some(known) = self.0.iter().find(|n| &***n == name) {
            return Ok(known.clone());
        }
        let new: Arc<str> = name.into();
        self.0.push(new.clone());
        Ok(new)
    }
}

fn read_record(r: &rusqlite::Row, names: &mut Names) -> rusqlite::Result<(Rec, RawFields)> {
    // The normalised values in `Value` order, read in place (columns 2 to 11).
    let mut values = [None; record::VALUES];
    for (column, value) in (2..).zip(values.iter_mut()) {
        *value = r.get_ref(column)?.as_str_or_null()?;
    }
    let mut rec = Rec::new(r.get(0)?, names.get(r, 1)?, values);
    rec.generation = r.get(22)?;
    rec.female = r.get_ref(24)?.as_str_or_null()?.map(|g| g == "f");
    let raw = RawFields {
        id: rec.id,
        source: rec.source.clone(),
        system: names.get(r, 21)?,
        person: PersonFields {
            first_name: r.get(12)?,
            last_name: r.get(13)?,
            email: r.get(14)?,
            phone: r.get(15)?,
            address1: r.get(16)?,
            address2: r.get(17)?,
            city: r.get(18)?,
            state: r.get(19)?,
            zip: r.get(20)?,
            // The stored date, not the one matching reads: a date as written is no date.
            date_of_birth: r.get(23)?,
            // Not a golden column: survivorship never reads it.
            gender: None,
        },
        // From the record's facts (`summary::RecordFacts::last_gift_any`), read later.
        last_seen: None,
    };
    Ok((rec, raw))
}

/// Every source record, in id order.
pub fn load_records(conn: &Connection) -> Result<(Vec<Rec>, Vec<RawFields>)> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {RECORD_COLUMNS} FROM source_record sr ORDER BY sr.id"
    ))?;
    let expected = crate::store::read::record_capacity(conn)?;
    let mut names = Names::default();
    let rows = stmt.query_map([], |r| read_record(r, &mut names))?;
    let mut recs = Vec::with_capacity(expected);
    let mut raws = Vec::with_capacity(expected);
    for row in rows {
        let (rec, raw) = row?;
        recs.push(rec);
        raws.push(raw);
    }
    Ok((recs, raws))
}

/// The given source records (for re-clustering one neighbourhood), in id order.
pub fn load_records_by_id(conn: &Connection, ids: &[i64]) -> Result<(Vec<Rec>, Vec<RawFields>)> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {RECORD_COLUMNS} FROM source_record sr WHERE sr.id = ?1"
    ))?;
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut recs = Vec::new();
    let mut raws = Vec::new();
    let mut names = Names::default();
    for id in sorted {
        if let Some((rec, raw)) = stmt
            .query_row([id], |r| read_record(r, &mut names))
            .optional()?
        {
            recs.push(rec);
            raws.push(raw);
        }
    }
    Ok((recs, raws))
}

/// Who holds one email or phone: how many records, under how many surnames.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContactHolders {
    pub records: usize,
    pub surnames: usize,
}

/// Who holds each of these records' emails and phones in the whole store, by (kind,
/// value): a neighbourhood re-clustered forgets the contacts a whole run would (see
/// `resolve::forget_shared_contacts`).
pub fn contact_holders(
    conn: &Connection,
    recs: &[Rec],
) -> Result<HashMap<(String, String), ContactHolders>> {
    let mut by_email = conn.prepare_cached(
        "SELECT count(*), count(DISTINCT n_last) FROM source_record WHERE n_email = ?1",
    )?;
    // The phone index is on the local seven digits.
    let mut by_phone = conn.prepare_cached(
        "SELECT count(*), count(DISTINCT n_last) FROM source_record
         WHERE n_phone IS NOT NULL AND substr(n_phone, -7) = substr(?1, -7) AND n_phone = ?1",
    )?;
    let mut holders = HashMap::new();
    for r in recs {
        for (kind, value, stmt) in [
            ("email", r.email(), &mut by_email),
            ("phone", r.phone(), &mut by_phone),
        ] {
            if let Some(value) = value
                && let Entry::Vacant(entry) = holders.entry((kind.to_string(), value.to_string()))
            {
                let (records, surnames): (i64, i64) =
                    stmt.query_row([value], |row| Ok((row.get(0)?, row.get(1)?)))?;
                entry.insert(ContactHolders {
                    records: records as usize,
                    surnames: surnames as usize,
                });
            }
        }
    }
    Ok(holders)
}

/// Active (not revoked) steward constraints: (must_links, cannot_links) as record id pairs.
/// A cluster of source records and what it becomes: a golden record and its summary.
#[derive(Debug, Clone, Hash)]
pub struct GoldenRecord {
    pub members: Vec<i64>,
    pub golden: Golden,
    pub summary: Summary,
}

impl GoldenRecord {
    /// A hash of everything written for this golden record: a re-run that computes the
    /// same one leaves the stored row alone. (FNV-1a: stable across builds, unlike the
    /// standard library's hasher, so an upgrade does not rewrite every record.)
    pub fn content_hash(&self) -> i64 {
        crate::stable_hash::stable_hash(self)
    }
}

/// Keep the model a run learned (as its JSON); the newest is the one in use.
pub fn save_model(conn: &Connection, model_json: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO match_model (created_at, model) VALUES (?1, ?2)",
        rusqlite::params![now(), model_json],
    )?;
    Ok(())
}

/// The newest learned model's JSON, if a run has learned one.
pub fn latest_model_json(conn: &Connection) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            "SELECT model FROM match_model ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?)
}

pub type Links = (Vec<(i64, i64)>, Vec<(i64, i64)>);

pub fn load_constraints(conn: &Connection) -> Result<Links> {
    let mut stmt = conn.prepare(
        "SELECT record_a, record_b, kind FROM link_constraint WHERE revoked_at IS NULL ORDER BY id",
    )?;
    let mut must = Vec::new();
    let mut cannot = Vec::new();
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (a, b, kind) = row?;
        if kind == "must_link" {
            must.push((a, b))
        } else {
            cannot.push((a, b))
        }
    }
    Ok((must, cannot))
}

/// A scored pair ready to store, with what a wrong call on it risks.
pub struct CandidateRow<'a> {
    pub a: i64,
    pub b: i64,
    pub score: f64,
    pub band: &'a str,
    pub rule: &'a str,
    pub contributions: String,
    /// Lifetime giving of both records.
    pub stake_cents: i64,
    /// An active sustainer is involved.
    pub sustainer: bool,
}

/// Store this run's candidates in place of the last run's, as `rows` yields them in
/// chunks (made as they are written: a million candidates' explanations are never all in
/// memory at once). Only resolution writes them, so when `digest` (a hash of everything
/// the rows are made from) is the last run's, the table already holds them.
pub fn replace_candidates<'r>(
    conn: &Connection,
    digest: i64,
    rows: impl Iterator<Item = Result<Vec<CandidateRow<'r>>>>,
) -> Result<()> {
    let stored: Option<i64> = conn
        .query_row(
            "SELECT value FROM resolution_state WHERE name = 'candidates'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if stored == Some(digest) {
        return Ok(());
    }
    conn.execute("DELETE FROM match_candidate", [])?;
    // The queue's indexes are built once over the new rows.
    let deferred = DeferredIndexes::drop(conn, "match_candidate", "", "CREATE INDEX")?;
    let mut stmt = conn.prepare(
        "INSERT INTO match_candidate (record_a, record_b, score, band, rule, contributions, stake_cents, sustainer)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for chunk in rows {
        for r in chunk? {
            stmt.execute(params![
                r.a,
                r.b,
                r.score,
                r.band,
                r.rule,
                r.contributions,
                r.stake_cents,
                r.sustainer
            ])?;
        }
    }
    deferred.rebuild(conn)?;
    conn.execute(
        "INSERT OR REPLACE INTO resolution_state (name, value) VALUES ('candidates', ?1)",
        [digest],
    )?;
    Ok(())
}

/// Candidate edges among `ids` (for re-clustering a neighbourhood): (a, b, score, band).
pub fn candidates_among(conn: &Connection, ids: &[i64]) -> Result<Vec<(i64, i64, f64, String)>> {
    let set: HashSet<i64> = ids.iter().copied().collect();
    // Every pair among `ids` has its record_a in `ids`: looking up by record_a alone finds
    // each once, through the (record_a, record_b) index.
    let mut stmt = conn.prepare_cached(
        "SELECT record_a, record_b, score, band FROM match_candidate WHERE record_a = ?1",
    )?;
    let mut out = Vec::new();
    for id in ids {
        let rows = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        for row in rows {
            let (a, b, s, band): (i64, i64, f64, String) = row?;
            if set.contains(&b) {
                out.push((a, b, s, band));
            }
        }
    }
    Ok(out)
}

/// source_record_id -> constituent_id for the given records (all when `ids` is None).
pub fn membership(conn: &Connection, ids: Option<&[i64]>) -> Result<HashMap<i64, i64>> {
    let mut out = HashMap::new();
    match ids {
        None => {
            let mut stmt =
                conn.prepare("SELECT source_record_id, constituent_id FROM constituent_member")?;
            for row in stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))? {
                let (r, c) = row?;
                out.insert(r, c);
            }
        }
        Some(ids) => {
            let mut stmt = conn.prepare_cached(
                "SELECT constituent_id FROM constituent_member WHERE source_record_id = ?1",
            )?;
            for id in ids {
                if let Some(c) = stmt.query_row([id], |r| r.get(0)).optional()? {
                    out.insert(*id, c);
                }
            }
        }
    }
    Ok(out)
}

/// Members of the given constituents.
pub fn members_of(conn: &Connection, constituents: &[i64]) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT source_record_id FROM constituent_member WHERE constituent_id = ?1",
    )?;
    let mut out = Vec::new();
    for c in constituents {
        for row in stmt.query_map([c], |r| r.get(0))? {
            out.push(row?);
        }
    }
    Ok(out)
}

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct WriteStats {
    pub constituents: u64,
    pub created: u64,
    pub kept: u64,
    pub retired: u64,
    pub changed: u64,
    /// Kept golden records whose fields, members and summary were already as computed:
    /// not written at all.
    pub unchanged: u64,
}

/// The golden fields as SQL values: (value, source record) per column.
fn golden_values(g: &Golden) -> Vec<&dyn ToSql> {
    let mut out: Vec<&dyn ToSql> = Vec::with_capacity(2 * PERSON_FIELDS.len() + 4);
    for pick in g.fields() {
        match pick {
            Some((value, src)) => {
                out.push(value);
                out.push(src);
            }
            None => {
                out.push(&Null);
                out.push(&Null);
            }
        }
    }
    out
}

/// `INSERT` of a new golden record and `UPDATE` of a kept one (its id last), over every
/// golden column, the member count, the update time and the content hash.
fn golden_statements() -> (String, String) {
    // The golden columns are the person fields, each followed by its `_src` column.
    let columns: Vec<String> = PERSON_FIELDS
        .iter()
        .flat_map(|c| [c.to_string(), format!("{c}_src")])
        .chain(["member_count", "updated_at", "content_hash"].map(String::from))
        .collect();
    let n = columns.len();
    let insert = format!(
        "INSERT INTO constituent ({}, created_at) VALUES ({}, ?{})",
        columns.join(", "),
        (1..=n)
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", "),
        n - 1,
    );
    let update = format!(
        "UPDATE constituent SET {}, retired_at = NULL, merged_into = NULL WHERE id = ?{}",
        columns
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ?{}", i + 1))
            .collect::<Vec<_>>()
            .join(", "),
        n + 1,
    );
    (insert, update)
}

/// Stored content hashes of live golden records: all of them when many are asked for (one
/// scan of the table: retired rows hold NULL), else one lookup each.
fn content_hashes(conn: &Connection, ids: &[i64]) -> Result<HashMap<i64, i64>> {
    let mut out = HashMap::new();
    if ids.len() > 10_000 {
        let mut stmt = conn
            .prepare("SELECT id, content_hash FROM constituent WHERE content_hash IS NOT NULL")?;
        for row in stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))? {
            let (id, h) = row?;
            out.insert(id, h);
        }
    } else {
        let mut stmt = conn.prepare_cached(
            "SELECT content_hash FROM constituent WHERE id = ?1 AND retired_at IS NULL",
        )?;
        for id in ids {
            if let Some(Some(h)) = stmt.query_row([id], |r| r.get(0)).optional()? {
                out.insert(*id, h);
            }
        }
    }
    Ok(out)
}

/// Write clusters as golden records. `previous` is the old membership of every record in
/// `groups`; old constituents of those records that no group keeps are retired. Ids are
/// stable: each group keeps the old id it shares the most members with. A kept golden
/// record whose fields, members and summary hash as before is left untouched, so a re-run
/// over unchanged data writes almost nothing.
pub fn write_constituents(
    conn: &Connection,
    groups: &[GoldenRecord],
    previous: &HashMap<i64, i64>,
    actor: &str,
    revive: bool,
    change_action: &str,
) -> Result<(WriteStats, SearchUpdate)> {
    let stamp = now();
    let mut stats = WriteStats::default();
    let members: Vec<&[i64]> = groups.iter().map(|g| g.members.as_slice()).collect();
    let id_of = keep_ids(&members, previous);
    let mut taken: HashSet<i64> = id_of.iter().flatten().copied().collect();
    let old_members = OldMembers::of(previous);
    let kept_ids: Vec<i64> = taken.iter().copied().collect();
    let stored_hashes = content_hashes(conn, &kept_ids)?;
    let hashes: Vec<i64> = groups.par_iter().map(GoldenRecord::content_hash).collect();

    let (insert_sql, update_sql) = golden_statements();
    let mut insert_new = conn.prepare_cached(&insert_sql)?;
    let mut update = conn.prepare_cached(&update_sql)?;
    let mut set_member = conn.prepare_cached("INSERT OR REPLACE INTO constituent_member (source_record_id, constituent_id) VALUES (?1, ?2)")?;
    let mut audit = conn.prepare_cached(
        "INSERT INTO audit_event (at, actor, action, constituent_id, reason, details) VALUES (?1, ?2, ?6, ?3, ?4, ?5)",
    )?;
    let mut insert_summary = conn.prepare_cached(Summary::INSERT)?;
    let mut search = SearchUpdate::default();
    // (record, golden record) for every record whose golden record changes.
    let mut moved: Vec<(i64, i64)> = Vec::new();
    let mut final_ids: Vec<i64> = Vec::with_capacity(groups.len());
    for (g, group) in groups.iter().enumerate() {
        // A steward's undo or unmerge brings back the golden record these members had
        // before, with its id, rather than minting a new one.
        let revived = match id_of[g] {
            None if revive => revivable(conn, &group.members, &taken)?,
            _ => None,
        };
        let hash = hashes[g];
        let kept = id_of[g].or(revived);
        if let Some(id) = kept {
            taken.insert(id);
            stats.kept += 1;
            final_ids.push(id);
            // The same content, and every member already filed under this id (a check that
            // costs nothing and keeps a stale hash from hiding a membership change).
            let in_place = group.members.iter().all(|m| previous.get(m) == Some(&id));
            if in_place && stored_hashes.get(&id) == Some(&hash) {
                stats.unchanged += 1;
                continue;
            }
        }
        let member_count = group.members.len() as i64;
        let mut values = golden_values(&group.golden);
        values.extend([&member_count as &dyn ToSql, &stamp, &hash]);
        let id = match kept {
            Some(id) => {
                values.push(&id);
                update.execute(values.as_slice())?;
                search.replaced.push(id);
                id
            }
            None => {
                insert_new.execute(values.as_slice())?;
                stats.created += 1;
                let id = conn.last_insert_rowid();
                final_ids.push(id);
                search.created.push(id);
                id
            }
        };
        group.summary.write(&mut insert_summary, id)?;
        moved.extend(
            group
                .members
                .iter()
                .filter(|m| previous.get(m) != Some(&id))
                .map(|m| (*m, id)),
        );
        // Both sorted: the old members come sorted by record within their golden record.
        let before: Vec<i64> = old_members.of_golden(id).iter().map(|(_, r)| *r).collect();
        let after = sorted(&group.members);
        if before != *after {
            stats.changed += 1;
            if after.len() > 1 {
                let change = MembershipChange {
                    added: &not_in(&after, &before),
                    members: after.len(),
                    removed: &not_in(&before, &after),
                };
                audit.execute(params![
                    stamp,
                    actor,
                    id,
                    "membership changed",
                    serde_json::to_string(&change)?,
                    change_action
                ])?;
            }
        }
    }
    stats.constituents = groups.len() as u64;
    // In record order: appends to the membership table rather than random B-tree walks.
    moved.sort_unstable();
    for (member, id) in moved {
        set_member.execute([member, id])?;
    }
    drop((insert_new, update, set_member, audit, insert_summary));
    stats.retired = retire_unkept(conn, groups, &final_ids, &old_members, actor, &stamp)?;
    Ok((stats, search))
}

/// A membership change's audit details. (The fields are in the order a JSON object's keys
/// were written in before: alphabetical.)
#[derive(serde::Serialize)]
struct MembershipChange<'a> {
    added: &'a [i64],
    members: usize,
    removed: &'a [i64],
}

/// `ids` in ascending order, borrowed when they already are (a run's groups list their
/// members in record order).
fn sorted(ids: &[i64]) -> std::borrow::Cow<'_, [i64]> {
    if ids.is_sorted() {
        std::borrow::Cow::Borrowed(ids)
    } else {
        let mut owned = ids.to_vec();
        owned.sort_unstable();
        std::borrow::Cow::Owned(owned)
    }
}

/// The ids of `these` (sorted) not in `those` (sorted).
fn not_in(these: &[i64], those: &[i64]) -> Vec<i64> {
    these
        .iter()
        .filter(|id| those.binary_search(id).is_err())
        .copied()
        .collect()
}

/// For each group of members, the old id it keeps: the one it shares the most members with
/// (ties to the lower id), each old id kept by one group at most. `previous` maps a member
/// to its old group's id. (Golden records keep their ids so; households too.)
pub(crate) fn keep_ids(groups: &[&[i64]], previous: &HashMap<i64, i64>) -> Vec<Option<i64>> {
    let mut options: Vec<(usize, usize, i64)> = Vec::new(); // (overlap, group, old id)
    let mut olds: Vec<i64> = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        olds.clear();
        olds.extend(group.iter().filter_map(|m| previous.get(m)));
        olds.sort_unstable();
        options.extend(
            olds.chunk_by(|x, y| x == y)
                .map(|run| (run.len(), g, run[0])),
        );
    }
    options.sort_unstable_by(|x, y| y.0.cmp(&x.0).then(x.2.cmp(&y.2)).then(x.1.cmp(&y.1)));
    let mut id_of: Vec<Option<i64>> = vec![None; groups.len()];
    let mut taken: HashSet<i64> = HashSet::new();
    for (_, g, old) in options {
        if id_of[g].is_none() && !taken.contains(&old) {
            id_of[g] = Some(old);
            taken.insert(old);
        }
    }
    id_of
}

/// The old membership, grouped by golden record: (golden record, record) sorted.
struct OldMembers(Vec<(i64, i64)>);

impl OldMembers {
    fn of(previous: &HashMap<i64, i64>) -> OldMembers {
        let mut pairs: Vec<(i64, i64)> = previous.iter().map(|(r, c)| (*c, *r)).collect();
        pairs.sort_unstable();
        OldMembers(pairs)
    }

    /// The (golden record, record) pairs of one old golden record.
    fn of_golden(&self, constituent: i64) -> &[(i64, i64)] {
        let start = self.0.partition_point(|p| p.0 < constituent);
        let end = self.0.partition_point(|p| p.0 <= constituent);
        &self.0[start..end]
    }

    /// Each old golden record with its (golden record, record) pairs.
    fn by_golden(&self) -> impl Iterator<Item = &[(i64, i64)]> {
        self.0.chunk_by(|x, y| x.0 == y.0)
    }
}

/// Retire old ids no group kept, pointing each at where most of its members went.
fn retire_unkept(
    conn: &Connection,
    groups: &[GoldenRecord],
    final_ids: &[i64],
    old_members: &OldMembers,
    actor: &str,
    stamp: &str,
) -> Result<u64> {
    let kept: HashSet<i64> = final_ids.iter().copied().collect();
    let unkept: Vec<&[(i64, i64)]> = old_members
        .by_golden()
        .filter(|members| !kept.contains(&members[0].0))
        .collect();
    if unkept.is_empty() {
        return Ok(0);
    }
    let new_home: HashMap<i64, i64> = groups
        .iter()
        .zip(final_ids)
        .flat_map(|(group, id)| group.members.iter().map(move |m| (*m, *id)))
        .collect();
    let mut retire = conn.prepare_cached(
        "UPDATE constituent SET retired_at = ?2, merged_into = ?3, member_count = 0, content_hash = NULL WHERE id = ?1",
    )?;
    let mut retire_audit = conn.prepare_cached(
        "INSERT INTO audit_event (at, actor, action, constituent_id, reason, details) VALUES (?1, ?2, 'retire', ?3, ?4, ?5)",
    )?;
    let mut forget_summary =
        conn.prepare_cached("DELETE FROM constituent_summary WHERE constituent_id = ?1")?;
    let mut forget_search = conn.prepare_cached("DELETE FROM constituent_fts WHERE rowid = ?1")?;
    for members in &unkept {
        let old = members[0].0;
        let mut homes: HashMap<i64, usize> = HashMap::new();
        for home in members.iter().filter_map(|(_, r)| new_home.get(r)) {
            *homes.entry(*home).or_default() += 1;
        }
        let target = homes
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(id, _)| id);
        retire.execute(params![old, stamp, target])?;
        retire_audit.execute(params![
            stamp,
            actor,
            old,
            "no longer a separate person",
            serde_json::json!({ "merged_into": target }).to_string()
        ])?;
        forget_summary.execute([old])?;
        forget_search.execute([old])?;
    }
    Ok(unkept.len() as u64)
}

/// A retired golden record whose fields came from these members (the one they formed
/// before a merge), if any.
fn revivable(conn: &Connection, members: &[i64], taken: &HashSet<i64>) -> Result<Option<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM constituent WHERE retired_at IS NOT NULL
           AND ?1 IN (first_name_src, last_name_src, email_src, phone_src, address1_src, zip_src)
         ORDER BY retired_at DESC, id DESC LIMIT 1",
    )?;
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for m in members {
        if let Some(id) = stmt.query_row([m], |r| r.get::<_, i64>(0)).optional()?
            && !taken.contains(&id)
        {
            *counts.entry(id).or_default() += 1;
        }
    }
    Ok(counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(id, _)| id))
}

/// The data's as-of date: the newest gift (`None` before any gift is loaded).
pub fn newest_gift(conn: &Connection) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT max(gift_date) FROM donation", [], |r| r.get(0))?)
}

/// The as-of date summaries are computed for: the newest gift, else today.
pub fn data_as_of(conn: &Connection) -> Result<String> {
    Ok(newest_gift(conn)?.unwrap_or_else(|| chrono::Utc::now().format("%Y-%m-%d").to_string()))
}

#[allow(clippy::too_many_arguments)] // one column each; a struct would only rename them
pub fn audit(
    conn: &Connection,
    actor: &str,
    action: &str,
    constituent: Option<i64>,
    pair: (Option<i64>, Option<i64>),
    score: Option<f64>,
    reason: &str,
    details: &str,
) -> Result<i64> {
    conn.execute(
        "INSERT INTO audit_event (at, actor, action, constituent_id, record_a, record_b, score, reason, details)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![now(), actor, action, constituent, pair.0, pair.1, score, reason, details],
    )?;
    Ok(conn.last_insert_rowid())
}
