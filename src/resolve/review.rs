//! Steward decisions: the review queue, approve, reject, skip, undo and unmerge. Each
//! decision is one transaction: the constraint, the audit event and the re-clustered
//! neighbourhood are committed together, attributed to the actor, and honoured by every
//! later run.

use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::compare::{Contribution, decode_contributions};
use super::settings::ResolutionConfig;
use crate::error::{Error, Result};
use crate::store::Db;
use crate::store::browse::Count;
use crate::store::read::Records;
use crate::store::resolve::{self as sql, now};
use crate::store::summary;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum QueueOrder {
    /// Active sustainers first, then lifetime giving at stake, then score.
    Stake,
    Score,
}

pub use crate::store::browse::{RecordView, record_view};

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct QueueItem {
    pub candidate_id: i64,
    pub score: f64,
    pub stake_cents: i64,
    pub sustainer: bool,
    pub contributions: Vec<Contribution>,
    pub a: RecordView,
    pub b: RecordView,
    /// What approving would leave the merged golden record: per channel the most
    /// restrictive answer of both sides' records.
    pub consent_if_merged: Vec<crate::store::consent::GoldenConsent>,
    /// A merge the run made, drawn at random to be checked (`merge_check::draw`): approving
    /// keeps it, rejecting splits it, and either measures the run's merges.
    pub check: bool,
}

/// No standing decision on the pair `mc`, either way round.
macro_rules! undecided {
    () => {
        "NOT EXISTS (SELECT 1 FROM link_constraint lc WHERE lc.revoked_at IS NULL
        AND ((lc.record_a = mc.record_a AND lc.record_b = mc.record_b) OR (lc.record_a = mc.record_b AND lc.record_b = mc.record_a)))"
    };
}

/// A review-band pair `mc` still to decide: undecided, its records in two golden records.
const PENDING: &str = concat!(
    "mc.band = 'review' AND ",
    undecided!(),
    " AND coalesce((SELECT constituent_id FROM constituent_member WHERE source_record_id = mc.record_a), -1)
     != coalesce((SELECT constituent_id FROM constituent_member WHERE source_record_id = mc.record_b), -2)"
);

/// A merge the run made (`mc`, its records in one golden record) that nobody has decided
/// on: drawn to be checked (`CHECKS`), it is pending.
pub(crate) const MERGED_UNDECIDED: &str = concat!(
    undecided!(),
    " AND (SELECT constituent_id FROM constituent_member WHERE source_record_id = mc.record_a)
        = (SELECT constituent_id FROM constituent_member WHERE source_record_id = mc.record_b)"
);

/// The merges drawn to be checked, each with its candidate pair `mc`.
const CHECKS: &str = "merge_check ck
    JOIN match_candidate mc ON mc.record_a = ck.record_a AND mc.record_b = ck.record_b";

/// The pairs to decide: the review band's, and the merges drawn to be checked.
pub fn pending_count(conn: &Connection) -> Result<i64> {
    let review: i64 = conn.query_row(
        &format!("SELECT count(*) FROM match_candidate mc WHERE {PENDING}"),
        [],
        |r| r.get(0),
    )?;
    Ok(review + checks_pending(conn, None)?)
}

/// The pending count, counting no further than `cap` (the queue can hold many thousands)
/// in the review band.
pub fn pending_count_capped(conn: &Connection, cap: i64) -> Result<Count> {
    let n: i64 = conn.query_row(
        &format!(
            "SELECT count(*) FROM (SELECT 1 FROM match_candidate mc WHERE {PENDING} LIMIT ?1)"
        ),
        [cap + 1],
        |r| r.get(0),
    )?;
    let checks = checks_pending(conn, None)?;
    Ok(Count::capped(n + checks, cap + checks))
}

/// How many merges drawn to be checked wait in the queue.
pub fn checks_waiting(conn: &Connection) -> Result<i64> {
    checks_pending(conn, None)
}

/// How many merges drawn to be checked wait for a decision (only those with a record
/// holding `pattern`'s words, when given: `store::word_patterns`).
fn checks_pending(conn: &Connection, pattern: Option<&str>) -> Result<i64> {
    Ok(conn.query_row(
        &format!(
            "SELECT count(*) FROM {CHECKS} WHERE {MERGED_UNDECIDED} AND {}",
            matching()
        ),
        params![Option::<i64>::None, Option::<i64>::None, pattern],
        |r| r.get(0),
    )?)
}

/// The merges drawn to be checked that wait for a decision, in the order drawn (?1 rows
/// from ?2, those holding ?3 as `queue_sql`): they lead the queue.
fn checks_sql() -> String {
    format!(
        "SELECT mc.id, mc.score, mc.stake_cents, mc.sustainer, mc.contributions, mc.record_a, mc.record_b
         FROM {CHECKS} WHERE {MERGED_UNDECIDED} AND {} ORDER BY ck.id LIMIT ?1 OFFSET ?2",
        matching()
    )
}

/// A page of the pending queue, in `order` (?1 rows from ?2), only pairs with a record
/// whose name, email or source key holds every word of ?3 when it is given.
fn queue_sql(order: QueueOrder) -> String {
    let matching = matching();
    let order_by = match order {
        QueueOrder::Stake => "mc.sustainer DESC, mc.stake_cents DESC, mc.score DESC, mc.id",
        QueueOrder::Score => "mc.score DESC, mc.id",
    };
    format!(
        "SELECT mc.id, mc.score, mc.stake_cents, mc.sustainer, mc.contributions, mc.record_a, mc.record_b
         FROM match_candidate mc WHERE {PENDING} AND {matching} ORDER BY {order_by} LIMIT ?1 OFFSET ?2"
    )
}

/// A pair one of whose records holds every word of ?3 (`store::word_patterns`; or ?3 is
/// NULL) in its names, email or source key.
fn matching() -> String {
    let record = "coalesce(sr.first_name, '') || ' ' || coalesce(sr.last_name, '') || ' '
                  || coalesce(sr.email, '') || ' ' || sr.source_key";
    format!(
        "(?3 IS NULL OR EXISTS (SELECT 1 FROM source_record sr
             WHERE sr.id IN (mc.record_a, mc.record_b) AND {}))",
        crate::store::holds_every_word(record, "?3")
    )
}

/// How many pending pairs hold `text` (see [`queue_matching`]), counted up to `cap`.
pub fn matching_count_capped(conn: &Connection, text: &str, cap: i64) -> Result<Count> {
    let matching = matching();
    let pattern = crate::store::word_patterns(text);
    let n: i64 = conn.query_row(
        &format!(
            "SELECT count(*) FROM (SELECT 1 FROM match_candidate mc WHERE {PENDING} AND {matching} LIMIT ?1)"
        ),
        params![cap + 1, Option::<i64>::None, pattern],
        |r| r.get(0),
    )?;
    let checks = checks_pending(conn, Some(&pattern))?;
    Ok(Count::capped(n + checks, cap + checks))
}

/// A page of the pending queue.
pub fn queue(
    conn: &Connection,
    order: QueueOrder,
    limit: usize,
    offset: usize,
) -> Result<Vec<QueueItem>> {
    queue_matching(conn, order, None, limit, offset)
}

/// Keep `candidate_ids` as the pairs `actor` has marked (replacing those kept before): by
/// their records, so a mark outlives a run that numbers the pairs anew.
pub fn keep_marks(db: &mut Db, actor: &str, candidate_ids: &[i64]) -> Result<()> {
    let ids = serde_json::to_string(candidate_ids)?;
    let tx = db.conn.transaction()?;
    tx.execute("DELETE FROM review_mark WHERE actor = ?1", [actor])?;
    tx.execute(
        "INSERT OR IGNORE INTO review_mark (actor, record_a, record_b, marked_at)
         SELECT ?1, c.record_a, c.record_b, ?2
         FROM match_candidate c JOIN json_each(?3) j ON c.id = j.value",
        params![actor, now(), ids],
    )?;
    tx.commit()?;
    Ok(())
}

/// The pending pairs `actor` marked and left marked (`keep_marks`), by their candidate ids
/// now; a marked pair decided since, or no longer pending, is not one.
pub fn kept_marks(conn: &Connection, actor: &str) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT mc.id FROM review_mark m
         JOIN match_candidate mc ON mc.record_a = m.record_a AND mc.record_b = m.record_b
         WHERE m.actor = ?1 AND ({PENDING} OR (
             EXISTS (SELECT 1 FROM merge_check ck WHERE ck.record_a = mc.record_a AND ck.record_b = mc.record_b)
             AND {MERGED_UNDECIDED}))
         ORDER BY mc.id"
    ))?;
    let ids = stmt.query_map([actor], |r| r.get(0))?;
    Ok(ids.collect::<rusqlite::Result<Vec<i64>>>()?)
}

/// A page of the pending pairs of which a record's name, email or source key holds `text`
/// (any case; every pending pair when `None`).
pub fn queue_matching(
    conn: &Connection,
    order: QueueOrder,
    text: Option<&str>,
    limit: usize,
    offset: usize,
) -> Result<Vec<QueueItem>> {
    let pattern = text.map(crate::store::word_patterns);
    // The merges to check first, then the review band's pairs.
    let checks = checks_pending(conn, pattern.as_deref())? as usize;
    let mut items = queue_rows(conn, &checks_sql(), limit, offset, pattern.as_deref())?;
    for item in &mut items {
        item.check = true;
    }
    let review = queue_rows(
        conn,
        &queue_sql(order),
        limit - items.len(),
        offset.saturating_sub(checks),
        pattern.as_deref(),
    )?;
    items.extend(review);
    Ok(items)
}

/// The queue's rows that `sql` selects (?1 rows from ?2, holding ?3).
fn queue_rows(
    conn: &Connection,
    sql: &str,
    limit: usize,
    offset: usize,
    pattern: Option<&str>,
) -> Result<Vec<QueueItem>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached(sql)?;
    let rows: Vec<(i64, f64, i64, bool, String, i64, i64)> = stmt
        .query_map(params![limit as i64, offset as i64, pattern], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    rows.into_iter()
        .map(|(id, score, stake, sustainer, contributions, a, b)| {
            Ok(QueueItem {
                candidate_id: id,
                score,
                stake_cents: stake,
                sustainer,
                contributions: decode_contributions(&contributions)?,
                a: record_view(conn, a)?,
                b: record_view(conn, b)?,
                consent_if_merged: crate::store::consent::merged_consent(conn, a, b)?,
                check: false,
            })
        })
        .collect()
}

/// One source record of a pair's people, as the steward weighs it.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct RecordLine {
    pub source: String,
    pub source_key: String,
    pub name: String,
    pub lifetime_cents: i64,
    pub last_gift: Option<String>,
    /// The latest gift, event or email opened.
    pub last_activity: Option<String>,
    /// This record is one of the pair's two.
    pub in_pair: bool,
}

/// One side of a pair: the golden record its record belongs to, with all its records.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct PairSide {
    pub golden_id: Option<i64>,
    pub records: Vec<RecordLine>,
}

/// The whole picture around a pair: both people with every record (one side when the two
/// records are one golden record already: a merge drawn to be checked), and the other
/// pending pairs that touch them (decide them together when they are one person).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct PairContext {
    pub candidate_id: i64,
    pub sides: Vec<PairSide>,
    /// (candidate id, score) of the other pending pairs touching these records.
    pub related: Vec<(i64, f64)>,
}

/// The context of pending pair `candidate_id`.
pub fn pair_context(conn: &Connection, candidate_id: i64) -> Result<PairContext> {
    let (a, b, _) = candidate_pair(conn, candidate_id)?;
    let mut sides = Vec::new();
    let mut everyone = Vec::new();
    for record in [a, b] {
        let golden: Option<i64> = conn
            .prepare_cached(
                "SELECT constituent_id FROM constituent_member WHERE source_record_id = ?1",
            )?
            .query_row([record], |r| r.get(0))
            .optional()?;
        // A merge drawn to be checked: both records are one golden record, shown once.
        if golden.is_some() && sides.iter().any(|s: &PairSide| s.golden_id == golden) {
            continue;
        }
        let members: Vec<i64> = match golden {
            Some(g) => sql::members_of(conn, &[g])?,
            None => vec![record],
        };
        let mut records = Vec::new();
        for &id in &members {
            let mut line = conn
                .prepare_cached(
                    "SELECT sr.source, sr.source_key,
                            trim(coalesce(sr.first_name, '') || ' ' || coalesce(sr.last_name, '')),
                            coalesce((SELECT sum(amount_cents) FROM donation d WHERE d.source_record_id = sr.id AND d.status = 'succeeded'), 0),
                            (SELECT max(gift_date) FROM donation d WHERE d.source_record_id = sr.id AND d.status = 'succeeded'),
                            max(coalesce((SELECT max(gift_date) FROM donation d WHERE d.source_record_id = sr.id), ''),
                                coalesce((SELECT max(event_date) FROM event_ticket e WHERE e.source_record_id = sr.id), ''),
                                coalesce((SELECT max(last_open_date) FROM email_event m WHERE m.source_record_id = sr.id), ''))
                     FROM source_record sr WHERE sr.id = ?1",
                )?
                .query_row([id], |r| {
                    Ok(RecordLine {
                        source: r.get(0)?,
                        source_key: r.get(1)?,
                        name: r.get(2)?,
                        lifetime_cents: r.get(3)?,
                        last_gift: r.get(4)?,
                        last_activity: r.get::<_, Option<String>>(5)?.filter(|d| !d.is_empty()),
                        in_pair: false,
                    })
                })?;
            line.in_pair = id == a || id == b;
            records.push(line);
        }
        everyone.extend(members);
        sides.push(PairSide {
            golden_id: golden,
            records,
        });
    }
    everyone.sort_unstable();
    everyone.dedup();
    let marks = vec!["?"; everyone.len()].join(", ");
    let sql = format!(
        "SELECT mc.id, mc.score FROM match_candidate mc
         WHERE {PENDING} AND mc.id <> {candidate_id}
           AND (mc.record_a IN ({marks}) OR mc.record_b IN ({marks}))
         ORDER BY mc.score DESC LIMIT 20"
    );
    let values: Vec<i64> = everyone.iter().chain(&everyone).copied().collect();
    let related = conn
        .prepare(&sql)?
        .query_map(rusqlite::params_from_iter(values), |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(PairContext {
        candidate_id,
        sides,
        related,
    })
}

fn candidate_pair(conn: &Connection, candidate_id: i64) -> Result<(i64, i64, f64)> {
    conn.query_row(
        "SELECT record_a, record_b, score FROM match_candidate WHERE id = ?1",
        [candidate_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .optional()?
    .ok_or_else(|| {
        Error::Invalid(format!(
            "no match candidate {candidate_id}; it may have been replaced by a newer run"
        ))
    })
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DecisionResult {
    pub action: String,
    pub audit_id: i64,
    /// The golden record(s) the affected records now belong to.
    pub constituents: Vec<i64>,
    /// For an undo, the decision it took back (`approve`, `reject`, `unmerge`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undid: Option<String>,
}

#[allow(clippy::too_many_arguments)] // one column each
fn add_constraint(
    conn: &Connection,
    a: i64,
    b: i64,
    kind: &str,
    decision: &str,
    actor: &str,
    note: Option<&str>,
    at: &str,
) -> Result<()> {
    conn.execute(
        "INSERT INTO link_constraint (record_a, record_b, kind, decision, actor, note, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![a, b, kind, decision, actor, note, at],
    )?;
    Ok(())
}

/// Approve a review pair: a must-link; the two golden records merge now.
pub fn approve(
    db: &mut Db,
    config: &ResolutionConfig,
    candidate_id: i64,
    actor: &str,
    note: Option<&str>,
) -> Result<DecisionResult> {
    decide(db, config, candidate_id, actor, note, "approve")
}

/// Reject a review pair: a cannot-link; they will never be merged.
pub fn reject(
    db: &mut Db,
    config: &ResolutionConfig,
    candidate_id: i64,
    actor: &str,
    note: Option<&str>,
) -> Result<DecisionResult> {
    decide(db, config, candidate_id, actor, note, "reject")
}

/// Same household, different people: a cannot-link (never merged) and a household link
/// (their golden records are one household).
pub fn same_household(
    db: &mut Db,
    config: &ResolutionConfig,
    candidate_id: i64,
    actor: &str,
    note: Option<&str>,
) -> Result<DecisionResult> {
    decide(db, config, candidate_id, actor, note, "household")
}

/// What a steward decides about a review pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
    /// Same household, different people: kept apart, their golden records one household.
    Household,
    Skip,
}

impl Decision {
    pub fn past(self) -> &'static str {
        match self {
            Decision::Approve => "Approved",
            Decision::Reject => "Rejected",
            Decision::Household => "Kept apart as one household:",
            Decision::Skip => "Skipped",
        }
    }
}

/// What `decide_each` did: the decisions saved, and the pairs that could not be decided.
#[derive(Debug)]
pub struct Decided {
    pub decision: Decision,
    pub done: Vec<DecisionResult>,
    pub not_decided: Vec<(i64, Error)>,
}

impl Decided {
    /// The error to report when a pair could not be decided: a lone pair's own error, or,
    /// for several, how many were decided and why each of the others was not.
    pub fn error(&mut self) -> Option<Error> {
        match (self.done.len(), self.not_decided.len()) {
            (_, 0) => None,
            (0, 1) => self.not_decided.pop().map(|(_, e)| e),
            (done, failed) => {
                let why: Vec<String> = self
                    .not_decided
                    .iter()
                    .map(|(candidate, e)| format!("#{candidate}: {e}"))
                    .collect();
                Some(Error::Invalid(format!(
                    "{} {done} of {} pairs; not decided: {}",
                    self.decision.past(),
                    done + failed,
                    why.join("; ")
                )))
            }
        }
    }
}

/// One decision on each of `candidates`, in order, each committed and audited on its own:
/// a pair that can no longer be decided (a newer run replaced it, another steward decided
/// it) is reported with its reason and does not stop the others.
pub fn decide_each(
    db: &mut Db,
    config: &ResolutionConfig,
    decision: Decision,
    candidates: &[i64],
    actor: &str,
    note: Option<&str>,
) -> Decided {
    let mut decided = Decided {
        decision,
        done: Vec::new(),
        not_decided: Vec::new(),
    };
    for &candidate in candidates {
        let result = match decision {
            Decision::Approve => approve(db, config, candidate, actor, note),
            Decision::Reject => reject(db, config, candidate, actor, note),
            Decision::Household => same_household(db, config, candidate, actor, note),
            Decision::Skip => skip(db, candidate, actor),
        };
        match result {
            Ok(done) => decided.done.push(done),
            Err(e) => decided.not_decided.push((candidate, e)),
        }
    }
    decided
}

/// Skip: recorded, the pair stays in the queue.
pub fn skip(db: &mut Db, candidate_id: i64, actor: &str) -> Result<DecisionResult> {
    let (a, b, score) = candidate_pair(&db.conn, candidate_id)?;
    let audit_id = sql::audit(
        &db.conn,
        actor,
        "skip",
        None,
        (Some(a), Some(b)),
        Some(score),
        "skipped in review",
        "{}",
    )?;
    Ok(DecisionResult {
        action: "skip".into(),
        audit_id,
        constituents: vec![],
        undid: None,
    })
}

fn decide(
    db: &mut Db,
    config: &ResolutionConfig,
    candidate_id: i64,
    actor: &str,
    note: Option<&str>,
    action: &str,
) -> Result<DecisionResult> {
    let tx = db
        .conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let (a, b, score) = candidate_pair(&tx, candidate_id)?;
    let at = now();
    let kind = if action == "approve" {
        "must_link"
    } else {
        "cannot_link"
    };
    add_constraint(&tx, a, b, kind, action, actor, note, &at)?;
    if action == "household" {
        crate::store::household::link(&tx, a, b, actor, &at)?;
    }
    let constituents = recluster_around(&tx, config, &[a, b], actor)?;
    let audit_id = sql::audit(
        &tx,
        actor,
        action,
        constituents.first().copied(),
        (Some(a), Some(b)),
        Some(score),
        note.unwrap_or(match action {
            "approve" => "approved in review",
            "household" => "same household, different people",
            _ => "rejected in review",
        }),
        &serde_json::json!({ "candidate": candidate_id, "constituents": constituents }).to_string(),
    )?;
    tx.commit()?;
    Ok(DecisionResult {
        action: action.into(),
        audit_id,
        constituents,
        undid: None,
    })
}

/// Take one source record out of its golden record: cannot-links to every other member,
/// and any must-link that held it there is revoked.
pub fn unmerge(
    db: &mut Db,
    config: &ResolutionConfig,
    record_id: i64,
    actor: &str,
    note: Option<&str>,
) -> Result<DecisionResult> {
    let tx = db
        .conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let membership = sql::membership(&tx, Some(&[record_id]))?;
    let Some(&constituent) = membership.get(&record_id) else {
        return Err(Error::Invalid(format!(
            "source record {record_id} belongs to no golden record; run `cpm resolve` first"
        )));
    };
    let members = sql::members_of(&tx, &[constituent])?;
    if members.len() < 2 {
        return Err(Error::Invalid(format!(
            "source record {record_id} is already alone in golden record {constituent}"
        )));
    }
    let at = now();
    tx.execute(
        "UPDATE link_constraint SET revoked_at = ?2, revoked_by = ?3
         WHERE revoked_at IS NULL AND kind = 'must_link' AND (record_a = ?1 OR record_b = ?1)",
        params![record_id, at, actor],
    )?;
    for m in members.iter().filter(|m| **m != record_id) {
        add_constraint(
            &tx,
            record_id,
            *m,
            "cannot_link",
            "unmerge",
            actor,
            note,
            &at,
        )?;
    }
    let constituents = recluster_around(&tx, config, &members, actor)?;
    let audit_id = sql::audit(
        &tx,
        actor,
        "unmerge",
        Some(constituent),
        (Some(record_id), None),
        None,
        note.unwrap_or("unmerged by a steward"),
        &serde_json::json!({ "from": constituent, "members_before": members, "constituents": constituents }).to_string(),
    )?;
    tx.commit()?;
    Ok(DecisionResult {
        action: "unmerge".into(),
        audit_id,
        constituents,
        undid: None,
    })
}

/// Undo the actor's latest approve, reject, household decision or unmerge: its constraints are revoked (never
/// deleted) and the records re-clustered as if it had not been made.
pub fn undo(db: &mut Db, config: &ResolutionConfig, actor: &str) -> Result<DecisionResult> {
    let tx = db
        .conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let last: Option<(String, i64, String)> = tx
        .query_row(
            "SELECT decision, record_a, created_at FROM link_constraint WHERE actor = ?1 AND revoked_at IS NULL ORDER BY id DESC LIMIT 1",
            [actor],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((decision, record_a, created_at)) = last else {
        return Err(Error::Invalid(format!("{actor} has no decision to undo")));
    };
    let mut stmt = tx.prepare(
        "SELECT id, record_a, record_b FROM link_constraint
         WHERE actor = ?1 AND revoked_at IS NULL AND decision = ?2 AND record_a = ?3 AND created_at = ?4",
    )?;
    let undone: Vec<(i64, i64, i64)> = stmt
        .query_map(params![actor, decision, record_a, created_at], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    drop(stmt);
    let at = now();
    let mut records: Vec<i64> = Vec::new();
    if decision == "unmerge" {
        // The unmerge revoked the approvals that held the record in; undoing it restores them.
        tx.execute(
            "UPDATE link_constraint SET revoked_at = NULL, revoked_by = NULL
             WHERE kind = 'must_link' AND revoked_at = ?1 AND revoked_by = ?2 AND (record_a = ?3 OR record_b = ?3)",
            params![created_at, actor, record_a],
        )?;
    }
    for (id, a, b) in &undone {
        tx.execute(
            "UPDATE link_constraint SET revoked_at = ?2, revoked_by = ?3 WHERE id = ?1",
            params![id, at, actor],
        )?;
        if decision == "household" {
            tx.execute(
                "UPDATE household_link SET revoked_at = ?3
                 WHERE record_a = ?1 AND record_b = ?2 AND revoked_at IS NULL",
                params![a, b, at],
            )?;
        }
        records.extend([*a, *b]);
    }
    let constituents = recluster_around(&tx, config, &records, actor)?;
    let audit_id = sql::audit(
        &tx,
        actor,
        "undo",
        constituents.first().copied(),
        (undone.first().map(|u| u.1), undone.first().map(|u| u.2)),
        None,
        &format!("undid {decision}"),
        &serde_json::json!({ "constraints": undone.iter().map(|u| u.0).collect::<Vec<_>>(), "constituents": constituents }).to_string(),
    )?;
    tx.commit()?;
    Ok(DecisionResult {
        action: format!("undo {decision}"),
        audit_id,
        constituents,
        undid: Some(decision),
    })
}

/// Re-cluster the neighbourhood of `records` (every member of their golden records) from
/// the stored candidates and the current constraints. Returns the resulting golden ids.
fn recluster_around(
    conn: &Connection,
    config: &ResolutionConfig,
    records: &[i64],
    actor: &str,
) -> Result<Vec<i64>> {
    let owners: HashSet<i64> = sql::membership(conn, Some(records))?
        .into_values()
        .collect();
    let mut owners: Vec<i64> = owners.into_iter().collect();
    owners.sort_unstable();
    let mut ids = sql::members_of(conn, &owners)?;
    ids.extend_from_slice(records);
    ids.sort_unstable();
    ids.dedup();
    let (mut recs, mut raws) = sql::load_records_by_id(conn, &ids)?;
    let holders = sql::contact_holders(conn, &recs)?;
    // An address is not counted here (the store has no index to count it by): the
    // neighbourhood compares a placeholder address as an address, which at worst keeps two
    // of its differently named holders apart.
    super::forget_contacts(&mut recs, config.blocking.max_block_size, &|kind, r| {
        let value = match kind {
            "email" => r.email(),
            "phone" => r.phone(),
            _ => None,
        };
        (value.and_then(|v| holders.get(&(kind.to_string(), v.to_string()))))
            .copied()
            .unwrap_or_default()
    });
    // Loaded in id order: a record's index is found by binary search.
    let record_ids: Vec<i64> = recs.iter().map(|r| r.id).collect();
    let index = |id: &i64| record_ids.binary_search(id).ok().map(|i| i as u32);
    let matches: Vec<(u32, u32, f64)> = sql::candidates_among(conn, &ids)?
        .into_iter()
        .filter_map(|(a, b, s, _)| Some((index(&a)?, index(&b)?, s)))
        .collect();
    // Household conflicts are not stored: recompute them for this neighbourhood.
    let model =
        super::model::MatchModel::latest(conn)?.unwrap_or_else(super::model::MatchModel::untrained);
    let conflicts = super::conflicts_among(&recs, &model, config);
    let constraints = sql::load_constraints(conn)?;
    let as_of = sql::data_as_of(conn)?;
    let facts = summary::record_facts(conn, &as_of, Records::Only(&ids))?;
    summary::note_last_seen(&mut raws, &facts);
    let groups = super::build_groups(
        &record_ids,
        &raws,
        &matches,
        &conflicts,
        &constraints,
        facts,
        config,
    );
    let previous = sql::membership(conn, Some(&ids))?;
    let (_, search) =
        sql::write_constituents(conn, &groups, &previous, actor, true, "membership_change")?;
    crate::store::search_index::index_for_search(conn, &search)?;
    // The households at these people's homes, before and after.
    let mut touched: Vec<i64> = owners;
    touched.extend(sql::membership(conn, Some(&ids))?.into_values());
    touched.sort_unstable();
    touched.dedup();
    super::household::rebuild_near(conn, &touched, &now())?;
    let wanted: HashSet<i64> = records.iter().copied().collect();
    let mut out: Vec<i64> = sql::membership(conn, Some(records))?
        .into_iter()
        .filter(|(r, _)| wanted.contains(r))
        .map(|(_, c)| c)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    out.sort_unstable();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Db;

    #[test]
    fn a_queue_page_is_read_from_its_index_in_order_without_a_sort() {
        let db = Db::open_in_memory().unwrap();
        for (order, index) in [
            (QueueOrder::Stake, "match_candidate_queue_by_stake"),
            (QueueOrder::Score, "match_candidate_queue_by_score"),
        ] {
            let mut plan = db
                .conn
                .prepare(&format!("EXPLAIN QUERY PLAN {}", queue_sql(order)))
                .unwrap();
            let steps: Vec<String> = plan
                .query_map(rusqlite::params![10, 0, Option::<String>::None], |r| {
                    r.get(3)
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let plan = steps.join("\n");
            assert!(plan.contains(&format!("USING INDEX {index}")), "{plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{plan}");
        }
    }
}
