//! Scoring's SQL: every golden record's dated facts, model versions, score rows, runs,
//! the risk list, and triage.

use rayon::prelude::*;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::store::Db;
use crate::store::browse::golden_id;
use crate::store::deferred::DeferredIndexes;
use crate::store::read::{Records, for_each_row, joined, record_capacity};
use crate::vocab::consent::Channel;
use crate::vocab::history::{
    Day, EmailQuarter, Event, Gift, History, Method, Plan, Subscription, parse_day, parse_day_bytes,
};

/// A text column's bytes, borrowed from the row. Compared with ASCII constants or parsed
/// as dates, they need no UTF-8 check (a per-column cost at eleven million rows).
fn bytes_at<'r>(r: &'r rusqlite::Row, i: usize) -> rusqlite::Result<Option<&'r [u8]>> {
    Ok(match r.get_ref(i)? {
        rusqlite::types::ValueRef::Text(bytes) => Some(bytes),
        _ => None,
    })
}

fn day_at(r: &rusqlite::Row, i: usize) -> rusqlite::Result<Option<Day>> {
    Ok(bytes_at(r, i)?.and_then(parse_day_bytes))
}

/// Which history each source record's facts go to: indexed by record id, the position of
/// its golden record among the live ones (`NONE`: in none). Facts are then read table by
/// table in storage order, without a join per row, into per-history lists.
struct Slots {
    of: Vec<u32>,
    /// The records loaded: all, or (for a few golden records) their members.
    members: Option<Vec<i64>>,
}

impl Slots {
    const NONE: u32 = u32::MAX;

    /// Route each membership row (record, golden record) to its golden record's position
    /// in `live` (sorted ids: every live one when `everyone`, else a few).
    fn of(membership: &[(i64, i64)], live: &[i64], everyone: bool) -> Slots {
        // Each golden id's position in `live`, looked up by id (ids are dense) for every
        // membership row instead of a binary search through a million ids.
        let highest = live
            .last()
            .map_or(0, |id| usize::try_from(*id).unwrap_or(0));
        let mut position_of = vec![Slots::NONE; highest + 1];
        for (position, id) in live.iter().enumerate() {
            if let Ok(id) = usize::try_from(*id) {
                position_of[id] = position as u32;
            }
        }
        // Indexed by record id, up to the highest one the membership names.
        let highest_record = membership
            .iter()
            .filter_map(|(record, _)| usize::try_from(*record).ok())
            .max();
        let mut slots = vec![Slots::NONE; highest_record.map_or(0, |r| r + 1)];
        let mut members = (!everyone).then(Vec::new);
        for &(record, golden) in membership {
            let position = usize::try_from(golden)
                .ok()
                .and_then(|g| position_of.get(g))
                .filter(|p| **p != Slots::NONE);
            if let (Ok(index), Some(&position)) = (usize::try_from(record), position) {
                slots[index] = position;
                if let Some(members) = &mut members {
                    members.push(record);
                }
            }
        }
        Slots { of: slots, members }
    }

    /// `query` (ending in a WHERE clause) restricted to the loaded records.
    fn restrict(&self, query: &str) -> String {
        match &self.members {
            None => Records::All.restrict(query),
            Some(members) => Records::Only(members).restrict(query),
        }
    }

    fn of_record(&self, record: i64) -> Option<usize> {
        let slot = *self.of.get(usize::try_from(record).ok()?)?;
        (slot != Slots::NONE).then_some(slot as usize)
    }
}

/// Gifts and sustaining plans, per history.
type GiftsAndPlans = Vec<(Vec<Gift>, Vec<Plan>)>;

/// Gifts and sustaining plans, per history, and the newest gift's day among the rows read
/// (every gift in the store when every record is loaded: the data's as-of date, without a
/// second pass over the table).
fn load_gifts(
    conn: &Connection,
    slots: &Slots,
    n: usize,
    ids: (i64, i64),
) -> Result<(GiftsAndPlans, Option<Day>)> {
    let mut out: GiftsAndPlans = vec![Default::default(); n];
    let mut newest: Option<Day> = None;
    for_each_row(
        conn,
        &slots.restrict(
            "SELECT source_record_id, gift_date, amount_cents, status, payment_method,
                    recurring_id, recurring_start, recurring_end, card_expires
             FROM donation WHERE id >= ?1 AND id < ?2",
        ),
        [ids.0, ids.1],
        |r| {
            let day = day_at(r, 1)?;
            newest = newest.max(day);
            let (Some(day), Some(slot)) = (day, slots.of_record(r.get(0)?)) else {
                return Ok(());
            };
            let (gifts, plans) = &mut out[slot];
            let status = bytes_at(r, 3)?;
            let method = match bytes_at(r, 4)? {
                Some(b"card") => Method::Card,
                Some(b"eft" | b"ach" | b"bank") => Method::Eft,
                _ => Method::Other,
            };
            // A plan's key is kept as text: checked once per sustainer charge, a dozen bytes.
            let plan = match bytes_at(r, 5)?.and_then(|key| std::str::from_utf8(key).ok()) {
                // A person has a plan or two: a linear search beats hashing an owned key.
                Some(key) => Some(match plans.iter().position(|p| p.key == key) {
                    Some(index) => index,
                    None => {
                        plans.push(Plan {
                            key: key.to_string(),
                            start: day_at(r, 6)?.unwrap_or(day),
                            end: day_at(r, 7)?,
                        });
                        plans.len() - 1
                    }
                }),
                None => None,
            };
            gifts.push(Gift {
                day,
                cents: r.get(2)?,
                succeeded: status == Some(b"succeeded"),
                failed: status == Some(b"failed"),
                plan,
                method,
                card_expires: day_at(r, 8)?,
            });
            Ok(())
        },
    )?;
    Ok((out, newest))
}

/// One history's gifts read in two parts (by row id): the second's after the first's. A plan
/// both parts saw keeps the first part's (its first row in table order, as one pass would
/// have kept), and the second part's gifts point at it.
fn append_gifts(first: &mut (Vec<Gift>, Vec<Plan>), second: (Vec<Gift>, Vec<Plan>)) {
    let (gifts, plans) = first;
    let (later_gifts, later_plans) = second;
    let moved: Vec<usize> = later_plans
        .into_iter()
        .map(|plan| match plans.iter().position(|p| p.key == plan.key) {
            Some(index) => index,
            None => {
                plans.push(plan);
                plans.len() - 1
            }
        })
        .collect();
    gifts.extend(later_gifts.into_iter().map(|mut gift| {
        gift.plan = gift.plan.map(|index| moved[index]);
        gift
    }));
}

/// Two halves of a table's row ids, `[first, middle)` and `[middle, end)`, for two readers.
/// `min` and `max` are asked in subqueries of their own: SQLite reads either from the end
/// of the table's B-tree only when it is a query's one aggregate, and scans the whole table
/// for the pair (0.6 s for the email table at a million people).
fn halves(conn: &Connection, table: &str) -> Result<((i64, i64), (i64, i64))> {
    let (first, end): (i64, i64) = conn.query_row(
        &format!(
            "SELECT coalesce((SELECT min(id) FROM {table}), 0),
                    coalesce((SELECT max(id) FROM {table}), 0) + 1"
        ),
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let middle = first + (end - first) / 2;
    Ok(((first, middle), (middle, end)))
}

/// Subscriptions and events, per history.
type SubscriptionsAndEvents = (Vec<Vec<Subscription>>, Vec<Vec<Event>>);

fn load_subscriptions_and_events(
    conn: &Connection,
    slots: &Slots,
    n: usize,
) -> Result<SubscriptionsAndEvents> {
    let mut subscriptions: Vec<Vec<Subscription>> = vec![Vec::new(); n];
    let mut events: Vec<Vec<Event>> = vec![Vec::new(); n];
    for_each_row(
        conn,
        &slots.restrict(
            "SELECT source_record_id, start_date, end_date, coalesce(auto_renew, 0)
             FROM subscription WHERE true",
        ),
        [],
        |r| {
            if let (Some(start), Some(slot)) = (day_at(r, 1)?, slots.of_record(r.get(0)?)) {
                subscriptions[slot].push(Subscription {
                    start,
                    end: day_at(r, 2)?,
                    auto_renew: r.get::<_, i64>(3)? != 0,
                });
            }
            Ok(())
        },
    )?;
    for_each_row(
        conn,
        &slots.restrict(
            "SELECT source_record_id, event_date, status = 'checked_in' FROM event_ticket WHERE true",
        ),
        [],
        |r| {
            if let (Some(day), Some(slot)) = (day_at(r, 1)?, slots.of_record(r.get(0)?)) {
                events[slot].push(Event {
                    day,
                    attended: r.get(2)?,
                });
            }
            Ok(())
        },
    )?;
    Ok((subscriptions, events))
}

/// Email quarters whose row ids are in `ids`, per history (the largest fact table, read
/// in halves).
fn load_email(
    conn: &Connection,
    slots: &Slots,
    n: usize,
    ids: (i64, i64),
) -> Result<Vec<Vec<EmailQuarter>>> {
    let mut out: Vec<Vec<EmailQuarter>> = vec![Vec::new(); n];
    for_each_row(
        conn,
        &slots.restrict(
            "SELECT source_record_id, period_start, sent - bounced, opened, clicked, unsubscribed,
                    last_open_date
             FROM email_event WHERE id >= ?1 AND id < ?2",
        ),
        [ids.0, ids.1],
        |r| {
            if let (Some(start), Some(slot)) = (day_at(r, 1)?, slots.of_record(r.get(0)?)) {
                out[slot].push(EmailQuarter {
                    start,
                    delivered: r.get(2)?,
                    opened: r.get(3)?,
                    clicked: r.get(4)?,
                    unsubscribed: r.get::<_, i64>(5)? != 0,
                    last_open: day_at(r, 6)?,
                });
            }
            Ok(())
        },
    )?;
    Ok(out)
}

/// Every live golden record's facts, merged across its source records, in id order, and
/// the newest gift's day in the store (the data's as-of date, `as_of_day`, seen while the
/// gifts are read). A store on disk is read on four connections at once (each half of the
/// gifts, each half of the email, then the rest): reading eleven million fact rows is most
/// of a scoring run at a million people.
pub fn load_histories(db: &Db) -> Result<(Vec<History>, Option<Day>)> {
    // The live ids and the membership are read at once, on two connections.
    let (live, membership) = if db.on_disk() {
        std::thread::scope(|scope| {
            let path = db.path();
            let membership =
                scope.spawn(move || membership_rows(&Db::open_read_only(path)?.conn, None));
            (live_ids(&db.conn), joined(membership))
        })
    } else {
        (live_ids(&db.conn), membership_rows(&db.conn, None))
    };
    load(db, live?, &membership?, true)
}

/// Every live golden record's id, in order. Without an ORDER BY, SQLite reads them from
/// the live records' name index rather than the wide table (0.08 s against 0.27 s at a
/// million); they are sorted here.
fn live_ids(conn: &Connection) -> Result<Vec<i64>> {
    let mut ids = conn.prepare("SELECT id FROM constituent WHERE retired_at IS NULL")?;
    let mut live: Vec<i64> = ids
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    live.par_sort_unstable();
    Ok(live)
}

/// (record, golden record) membership rows: all of them, or those of `golden` only.
fn membership_rows(conn: &Connection, golden: Option<&[i64]>) -> Result<Vec<(i64, i64)>> {
    let query = "SELECT source_record_id, constituent_id FROM constituent_member";
    let query = match golden {
        None => query.to_string(),
        Some(ids) => {
            let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
            format!("{query} WHERE constituent_id IN ({})", ids.join(","))
        }
    };
    let mut rows = Vec::with_capacity(if golden.is_none() {
        record_capacity(conn)?
    } else {
        0
    });
    for_each_row(conn, &query, [], |r| {
        rows.push((r.get(0)?, r.get(1)?));
        Ok(())
    })?;
    Ok(rows)
}

/// One live golden record's facts (`--explain`), read through the per-record indexes.
pub fn load_history(db: &Db, constituent: i64) -> Result<Option<History>> {
    let live: bool = db.conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM constituent WHERE id = ?1 AND retired_at IS NULL)",
        [constituent],
        |r| r.get(0),
    )?;
    if !live {
        return Ok(None);
    }
    let membership = membership_rows(&db.conn, Some(&[constituent]))?;
    Ok(load(db, vec![constituent], &membership, false)?.0.pop())
}

/// The histories of `live` (sorted ids), whose records `membership` names: of `everyone`,
/// or of a few golden records; and the newest gift's day among the gift rows read.
fn load(
    db: &Db,
    live: Vec<i64>,
    membership: &[(i64, i64)],
    everyone: bool,
) -> Result<(Vec<History>, Option<Day>)> {
    let n = live.len();
    let slots = Slots::of(membership, &live, everyone);
    let (early_gift_ids, late_gift_ids) = halves(&db.conn, "donation")?;
    let (early_email_ids, late_email_ids) = halves(&db.conn, "email_event")?;
    let path = db.path();
    let slots = &slots;
    // Four readers (each half of the two big tables) keep both cores busy to the end.
    let ((early_gifts, late_gifts), (early_email, late_email), subscriptions_and_events) =
        if everyone && db.on_disk() {
            std::thread::scope(|scope| {
                let reader = || Db::open_read_only(path);
                let early_gifts =
                    scope.spawn(move || load_gifts(&reader()?.conn, slots, n, early_gift_ids));
                let late_gifts =
                    scope.spawn(move || load_gifts(&reader()?.conn, slots, n, late_gift_ids));
                let early_email =
                    scope.spawn(move || load_email(&reader()?.conn, slots, n, early_email_ids));
                let late_email = load_email(&db.conn, slots, n, late_email_ids);
                let other = load_subscriptions_and_events(&db.conn, slots, n);
                (
                    (joined(early_gifts), joined(late_gifts)),
                    (joined(early_email), late_email),
                    other,
                )
            })
        } else {
            (
                (
                    load_gifts(&db.conn, slots, n, early_gift_ids),
                    load_gifts(&db.conn, slots, n, late_gift_ids),
                ),
                (
                    load_email(&db.conn, slots, n, early_email_ids),
                    load_email(&db.conn, slots, n, late_email_ids),
                ),
                load_subscriptions_and_events(&db.conn, slots, n),
            )
        };
    let (subscriptions, events) = subscriptions_and_events?;
    let ((gifts, newest_early), (later_gifts, newest_late)) = (early_gifts?, late_gifts?);
    let newest_gift = newest_early.max(newest_late);
    // Each history is put together from its six parts and finished on rayon's threads: a
    // million of them take half a second on one.
    let histories: Vec<History> = live
        .into_par_iter()
        .zip(gifts.into_par_iter().zip(later_gifts))
        .zip(early_email?.into_par_iter().zip(late_email?))
        .zip(subscriptions.into_par_iter().zip(events))
        .map(
            |(
                ((constituent_id, (mut gifts, later)), (mut email, late)),
                (subscriptions, events),
            )| {
                append_gifts(&mut gifts, later);
                let (gifts, plans) = gifts;
                email.extend(late);
                let mut history = History {
                    constituent_id,
                    gifts,
                    plans,
                    subscriptions,
                    email,
                    events,
                    ..History::default()
                };
                history.finish();
                history
            },
        )
        .collect();
    Ok((histories, newest_gift))
}

/// A saved model and what it was trained and tested on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ModelRow {
    pub id: i64,
    pub target: String,
    pub kind: String,
    pub created_at: String,
    pub actor: String,
    pub train_cutoff: String,
    pub test_cutoff: String,
    pub train_rows: i64,
    pub features: String,
    pub params: String,
    pub evaluation: String,
    pub model: String,
}

pub fn save_model(conn: &Connection, m: &ModelRow) -> Result<i64> {
    conn.execute(
        "INSERT INTO model_version (target, kind, created_at, actor, train_cutoff, test_cutoff,
             train_rows, features, params, evaluation, model)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            m.target,
            m.kind,
            m.created_at,
            m.actor,
            m.train_cutoff,
            m.test_cutoff,
            m.train_rows,
            m.features,
            m.params,
            m.evaluation,
            m.model
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The newest model for `target`.
pub fn latest_model(conn: &Connection, target: &str) -> Result<Option<ModelRow>> {
    Ok(conn
        .query_row(
            "SELECT id, target, kind, created_at, actor, train_cutoff, test_cutoff, train_rows,
                    features, params, evaluation, model
             FROM model_version WHERE target = ?1 ORDER BY id DESC LIMIT 1",
            [target],
            |r| {
                Ok(ModelRow {
                    id: r.get(0)?,
                    target: r.get(1)?,
                    kind: r.get(2)?,
                    created_at: r.get(3)?,
                    actor: r.get(4)?,
                    train_cutoff: r.get(5)?,
                    test_cutoff: r.get(6)?,
                    train_rows: r.get(7)?,
                    features: r.get(8)?,
                    params: r.get(9)?,
                    evaluation: r.get(10)?,
                    model: r.get(11)?,
                })
            },
        )
        .optional()?)
}

/// One person's scores, as written.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ScoreRow {
    pub constituent_id: i64,
    pub churn_probability: Option<f64>,
    pub churn_tier: Option<String>,
    pub churn_reasons: Option<String>,
    pub churn_model: Option<i64>,
    pub monthly_cents: Option<i64>,
    pub tenure_days: Option<i64>,
    pub become_sustainer_p: Option<f64>,
    pub raise_monthly_p: Option<f64>,
    pub major_gift_p: Option<f64>,
    pub upgrade_path: Option<String>,
    pub upgrade_action: Option<String>,
    /// The model versions behind the three upgrade probabilities (`None`: no model).
    pub become_sustainer_model: Option<i64>,
    pub raise_monthly_model: Option<i64>,
    pub major_gift_model: Option<i64>,
}

impl ScoreRow {
    /// What raised and lowered the churn score, as stored with it (none where the person
    /// was not scored for churn).
    pub fn reasons(&self) -> Result<Vec<crate::vocab::reasons::Reason>> {
        Ok(self
            .churn_reasons
            .as_deref()
            .map(serde_json::from_str)
            .transpose()?
            .unwrap_or_default())
    }
}

/// Replaces every score with the rows handed to `write`, batch by batch, as one scoring
/// run, inside the caller's transaction: nothing is seen, and nothing lost, until it commits.
pub struct ScoreWriter<'c> {
    conn: &'c Connection,
    run: i64,
    as_of: String,
    insert: rusqlite::Statement<'c>,
    /// The risk list's indexes, built once over the new rows.
    deferred: DeferredIndexes,
    written: i64,
}

impl<'c> ScoreWriter<'c> {
    /// Start the run (its counts are filled in by `finish`) and clear the old scores.
    pub fn begin(conn: &'c Connection, actor: &str, at: &str, as_of: &str) -> Result<Self> {
        conn.execute(
            "INSERT INTO score_run (at, actor, as_of, scored, tiers, millis) VALUES (?1, ?2, ?3, 0, '{}', 0)",
            params![at, actor, as_of],
        )?;
        let run = conn.last_insert_rowid();
        conn.execute("DELETE FROM constituent_score", [])?;
        let deferred = DeferredIndexes::drop(conn, "constituent_score", "", "CREATE INDEX")?;
        let insert = conn.prepare(
            "INSERT INTO constituent_score (constituent_id, run_id, as_of, churn_probability, churn_tier,
                 churn_reasons, churn_model, monthly_cents, tenure_days, become_sustainer_p,
                 raise_monthly_p, major_gift_p, upgrade_path, upgrade_action, become_sustainer_model,
                 raise_monthly_model, major_gift_model)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        )?;
        Ok(ScoreWriter {
            conn,
            run,
            as_of: as_of.to_string(),
            insert,
            deferred,
            written: 0,
        })
    }

    pub fn write(&mut self, rows: &[ScoreRow]) -> Result<()> {
        for s in rows {
            self.insert.execute(params![
                s.constituent_id,
                self.run,
                self.as_of,
                s.churn_probability,
                s.churn_tier,
                s.churn_reasons,
                s.churn_model,
                s.monthly_cents,
                s.tenure_days,
                s.become_sustainer_p,
                s.raise_monthly_p,
                s.major_gift_p,
                s.upgrade_path,
                s.upgrade_action,
                s.become_sustainer_model,
                s.raise_monthly_model,
                s.major_gift_model
            ])?;
        }
        self.written += rows.len() as i64;
        Ok(())
    }

    /// Build the risk list's indexes and record the run's counts (`tiers` as JSON); the
    /// run's id. The caller commits.
    pub fn finish(self, tiers: &str, millis: i64) -> Result<i64> {
        let ScoreWriter {
            conn,
            run,
            insert,
            deferred,
            written,
            ..
        } = self;
        drop(insert);
        deferred.rebuild(conn)?;
        conn.execute(
            "UPDATE score_run SET scored = ?2, tiers = ?3, millis = ?4 WHERE id = ?1",
            params![run, written, tiers, millis],
        )?;
        Ok(run)
    }
}

/// The scores of one golden record, if it was scored.
/// The models behind a person's scores, as "churn: booster v3", for the 360° view.
pub fn models_behind(conn: &Connection, score: &ScoreRow) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for (target, id) in [
        ("churn", score.churn_model),
        ("become sustainer", score.become_sustainer_model),
        ("raise monthly", score.raise_monthly_model),
        ("major gift", score.major_gift_model),
    ] {
        let Some(id) = id else { continue };
        let kind: Option<String> = conn
            .prepare_cached("SELECT kind FROM model_version WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        if let Some(kind) = kind {
            out.push(format!("{target}: {kind} v{id}"));
        }
    }
    Ok(out)
}

pub fn score_of(conn: &Connection, constituent: i64) -> Result<Option<ScoreRow>> {
    Ok(conn
        .query_row(
            "SELECT constituent_id, churn_probability, churn_tier, churn_reasons, churn_model,
                    monthly_cents, tenure_days, become_sustainer_p, raise_monthly_p, major_gift_p,
                    upgrade_path, upgrade_action, become_sustainer_model, raise_monthly_model,
                    major_gift_model
             FROM constituent_score WHERE constituent_id = ?1",
            [constituent],
            read_score,
        )
        .optional()?)
}

fn read_score(r: &rusqlite::Row) -> rusqlite::Result<ScoreRow> {
    Ok(ScoreRow {
        constituent_id: r.get(0)?,
        churn_probability: r.get(1)?,
        churn_tier: r.get(2)?,
        churn_reasons: r.get(3)?,
        churn_model: r.get(4)?,
        monthly_cents: r.get(5)?,
        tenure_days: r.get(6)?,
        become_sustainer_p: r.get(7)?,
        raise_monthly_p: r.get(8)?,
        major_gift_p: r.get(9)?,
        upgrade_path: r.get(10)?,
        upgrade_action: r.get(11)?,
        become_sustainer_model: r.get(12)?,
        raise_monthly_model: r.get(13)?,
        major_gift_model: r.get(14)?,
    })
}

/// Sustainers per churn tier in the latest scores.
pub fn tier_counts(conn: &Connection) -> Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT churn_tier, count(*) FROM constituent_score WHERE churn_tier IS NOT NULL GROUP BY churn_tier",
    )?;
    Ok(stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?)
}

/// How the risk list is ordered (largest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum RiskSort {
    #[default]
    Probability,
    Monthly,
    Tenure,
}

impl RiskSort {
    pub const ALL: [RiskSort; 3] = [RiskSort::Probability, RiskSort::Monthly, RiskSort::Tenure];

    pub fn label(self) -> &'static str {
        match self {
            RiskSort::Probability => "churn probability",
            RiskSort::Monthly => "monthly amount",
            RiskSort::Tenure => "tenure",
        }
    }

    fn column(self) -> &'static str {
        match self {
            RiskSort::Probability => "s.churn_probability",
            RiskSort::Monthly => "s.monthly_cents",
            RiskSort::Tenure => "s.tenure_days",
        }
    }
}

/// One line of the at-risk list.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct RiskRow {
    pub constituent_id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The phone in E.164, for a dialler: from the form matching read, which knows the
    /// country of a number its file wrote without one.
    pub phone_e164: Option<String>,
    pub churn_probability: f64,
    pub churn_tier: String,
    pub reasons: Vec<String>,
    /// What a retention call is about, from the reason that raises the risk most; `None`
    /// for a person who may not be called (`vocab::reasons::call_about`), in every view and
    /// in `risk list --json`.
    pub retention_ask: Option<String>,
    pub monthly_cents: i64,
    pub tenure_days: i64,
    pub upgrade_path: Option<String>,
    pub upgrade_probability: Option<f64>,
    pub upgrade_action: Option<String>,
    pub triage: Option<String>,
    pub triage_note: Option<String>,
    /// The channels this person may not be contacted on (the most restrictive of their
    /// records).
    pub no_contact: Vec<Channel>,
    /// The model behind the churn score: "booster v3" or "baseline v5".
    pub model: Option<String>,
    /// When the organisation last reached this person (a call, a campaign), if ever.
    pub last_contact: Option<String>,
    /// What a call campaign's file needs beyond the list: the name in parts, the postal
    /// address, the card's expiry, the last gift, who triaged last and when.
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub card_expires: Option<String>,
    pub last_gift_date: Option<String>,
    pub triage_by: Option<String>,
    pub triage_at: Option<String>,
    /// Who owns the case, and when to follow up.
    pub assignee: Option<String>,
    pub follow_up: Option<String>,
}

/// Which of the at-risk list a person wants: one tier, one triage status, rows holding a
/// typed text. The default is everyone.
#[derive(Debug, Clone, Copy, Default)]
pub struct RiskFilter<'a> {
    pub tier: Option<&'a str>,
    /// The latest triage status (`new` for the untouched).
    pub status: Option<&'a str>,
    /// Part of the name, email or golden id (`C-000123`), in any case.
    pub text: Option<&'a str>,
}

/// The at-risk list in `sort` order (largest first), optionally one tier only, at most
/// `limit` rows starting after `offset` rows. The list is bounded by the tiers a person
/// filters to; the sort columns are indexed.
pub fn risk_list(
    conn: &Connection,
    sort: RiskSort,
    tier: Option<&str>,
    limit: usize,
    offset: usize,
) -> Result<Vec<RiskRow>> {
    let filter = RiskFilter {
        tier,
        ..RiskFilter::default()
    };
    risk_list_filtered(conn, sort, &filter, limit, offset)
}

/// `risk_list`, only the rows `filter` keeps.
pub fn risk_list_filtered(
    conn: &Connection,
    sort: RiskSort,
    filter: &RiskFilter,
    limit: usize,
    offset: usize,
) -> Result<Vec<RiskRow>> {
    let sql = format!(
        "SELECT s.constituent_id, trim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')),
                c.email, c.phone, s.churn_probability, s.churn_tier, s.churn_reasons,
                coalesce(s.monthly_cents, 0), coalesce(s.tenure_days, 0), s.upgrade_path,
                CASE s.upgrade_path WHEN 'become_sustainer' THEN s.become_sustainer_p
                     WHEN 'raise_monthly' THEN s.raise_monthly_p WHEN 'major_gift' THEN s.major_gift_p END,
                s.upgrade_action,
                (SELECT status FROM triage t WHERE t.constituent_id = s.constituent_id ORDER BY t.id DESC LIMIT 1),
                (SELECT note FROM triage t WHERE t.constituent_id = s.constituent_id ORDER BY t.id DESC LIMIT 1),
                -- Any of the person's records opting out refuses the channel (as the
                -- constituent_consent view concludes, read here straight from the records).
                (SELECT group_concat(DISTINCT rc.channel) FROM constituent_member cm
                 JOIN record_consent rc ON rc.source_record_id = cm.source_record_id
                 WHERE cm.constituent_id = s.constituent_id AND rc.opted_out = 1),
                (SELECT mv.kind || ' v' || mv.id FROM model_version mv WHERE mv.id = s.churn_model),
                (SELECT max(ce.at) FROM contact_event ce WHERE ce.constituent_id = s.constituent_id),
                c.first_name, c.last_name,
                trim(coalesce(c.address1, '') || ' ' || coalesce(c.address2, '')), c.city, c.state, c.zip,
                (SELECT max(d.card_expires) FROM constituent_member cm JOIN donation d ON d.source_record_id = cm.source_record_id
                 WHERE cm.constituent_id = s.constituent_id AND d.card_expires IS NOT NULL),
                (SELECT cs.last_gift_date FROM constituent_summary cs WHERE cs.constituent_id = s.constituent_id),
                (SELECT actor FROM triage t WHERE t.constituent_id = s.constituent_id ORDER BY t.id DESC LIMIT 1),
                (SELECT at FROM triage t WHERE t.constituent_id = s.constituent_id ORDER BY t.id DESC LIMIT 1),
                (SELECT assignee FROM triage_assignment a WHERE a.constituent_id = s.constituent_id),
                (SELECT follow_up FROM triage_assignment a WHERE a.constituent_id = s.constituent_id),
                (SELECT sr.n_phone FROM source_record sr WHERE sr.id = c.phone_src)
         FROM constituent_score s JOIN constituent c ON c.id = s.constituent_id
         WHERE s.churn_probability IS NOT NULL AND (?1 IS NULL OR s.churn_tier = ?1)
           AND (?4 IS NULL OR coalesce((SELECT status FROM triage t WHERE t.constituent_id = s.constituent_id
                                        ORDER BY t.id DESC LIMIT 1), 'new') = ?4)
           AND (?5 IS NULL OR {matching})
         ORDER BY {col} DESC, s.constituent_id DESC LIMIT ?2 OFFSET ?3",
        col = sort.column(),
        matching = super::holds_every_word(
            "coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '') || ' '
             || coalesce(c.email, '') || ' ' || printf('C-%06d', c.id)",
            "?5"
        ),
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let text = filter.text.map(crate::store::word_patterns);
    let values = params![
        filter.tier,
        limit as i64,
        offset as i64,
        filter.status,
        text
    ];
    let rows = stmt.query_map(values, |r| {
        let reasons: Option<String> = r.get(6)?;
        let stored = reasons
            .and_then(|json| serde_json::from_str::<Vec<crate::vocab::reasons::Reason>>(&json).ok())
            .unwrap_or_default();
        let no_contact: Vec<Channel> = r
            .get::<_, Option<String>>(14)?
            .unwrap_or_default()
            .split(',')
            .filter_map(Channel::parse)
            .collect();
        let retention_ask =
            crate::vocab::reasons::call_about(&stored, &no_contact).map(str::to_string);
        let reasons = stored
            .into_iter()
            .filter(|reason| reason.contribution > 0.0)
            .map(|reason| reason.text)
            .collect();
        Ok(RiskRow {
            constituent_id: r.get(0)?,
            name: r.get(1)?,
            email: r.get(2)?,
            // A call list shows every phone in one form, whatever its source wrote.
            phone: r
                .get::<_, Option<String>>(3)?
                .map(|p| crate::normalize::display_phone(&p)),
            churn_probability: r.get(4)?,
            churn_tier: r.get(5)?,
            reasons,
            retention_ask,
            monthly_cents: r.get(7)?,
            tenure_days: r.get(8)?,
            upgrade_path: r.get(9)?,
            upgrade_probability: r.get(10)?,
            upgrade_action: r.get(11)?,
            triage: r.get(12)?,
            triage_note: r.get(13)?,
            no_contact,
            model: r.get(15)?,
            last_contact: r.get(16)?,
            first_name: r.get(17)?,
            last_name: r.get(18)?,
            address: r.get::<_, Option<String>>(19)?.filter(|a| !a.is_empty()),
            city: r.get(20)?,
            state: r.get(21)?,
            zip: r.get(22)?,
            card_expires: r.get(23)?,
            last_gift_date: r.get(24)?,
            triage_by: r.get(25)?,
            triage_at: r.get(26)?,
            assignee: r.get(27)?,
            follow_up: r.get(28)?,
            phone_e164: r
                .get::<_, Option<String>>(29)?
                .map(|p| crate::normalize::e164(&p)),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub const TRIAGE_STATUSES: [&str; 4] = ["new", "contacted", "retained", "lost"];

/// Record a triage status for a person (append-only), with an audit event.
pub fn set_triage(
    conn: &mut Connection,
    constituent: i64,
    status: &str,
    note: Option<&str>,
    actor: &str,
) -> Result<()> {
    if !TRIAGE_STATUSES.contains(&status) {
        return Err(crate::Error::Invalid(format!(
            "'{status}' is not a triage status (new, contacted, retained, lost)"
        )));
    }
    let at = super::resolve::now();
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO triage (constituent_id, status, note, actor, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![constituent, status, note, actor, at],
    )?;
    // Past "new", a triage status is the outcome of a call: part of the contact history.
    if status != "new" {
        super::contact::record(
            &tx,
            constituent,
            Channel::Phone,
            "triage call",
            Some(status),
            note,
            actor,
        )?;
    }
    super::resolve::audit(
        &tx,
        actor,
        "triage",
        Some(constituent),
        (None, None),
        None,
        note.unwrap_or(status),
        &serde_json::json!({ "status": status }).to_string(),
    )?;
    tx.commit()?;
    Ok(())
}

/// A case's follow-up date, if it has one.
pub fn follow_up_of(conn: &Connection, constituent: i64) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT follow_up FROM triage_assignment WHERE constituent_id = ?1",
            [constituent],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

/// Give a person's case to `assignee` with a follow-up date (either may be cleared), with
/// an audit event naming who did it.
pub fn assign(
    conn: &mut Connection,
    constituent: i64,
    assignee: Option<&str>,
    follow_up: Option<&str>,
    actor: &str,
) -> Result<()> {
    if let Some(day) = follow_up
        && chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_err()
    {
        return Err(crate::Error::Invalid(format!(
            "'{day}' is not a follow-up date (YYYY-MM-DD)"
        )));
    }
    let at = super::resolve::now();
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO triage_assignment (constituent_id, assignee, follow_up, actor, at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (constituent_id) DO UPDATE SET assignee = excluded.assignee,
             follow_up = excluded.follow_up, actor = excluded.actor, at = excluded.at",
        params![constituent, assignee, follow_up, actor, at],
    )?;
    super::resolve::audit(
        &tx,
        actor,
        "assign",
        Some(constituent),
        (None, None),
        None,
        &format!(
            "assigned to {}{}",
            assignee.unwrap_or("nobody"),
            follow_up
                .map(|d| format!(", follow up {d}"))
                .unwrap_or_default()
        ),
        &serde_json::json!({ "assignee": assignee, "follow_up": follow_up }).to_string(),
    )?;
    tx.commit()?;
    Ok(())
}

/// The data's as-of date as a `Day`: the newest gift.
pub fn as_of_day(conn: &Connection) -> Result<Option<Day>> {
    Ok(super::resolve::newest_gift(conn)?
        .as_deref()
        .and_then(parse_day))
}

/// What a call-list export wrote, and whom it left out because they may not be called.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CallListExport {
    pub rows: usize,
    /// (the source's code and system, people left out for it), most first.
    pub left_out: Vec<(String, usize)>,
    /// People left out because their triage is closed (retained or lost).
    pub closed: usize,
    /// Whether everyone on it was recorded as contacted (not on a store open read-only).
    pub recorded_as_contacts: bool,
}

impl CallListExport {
    pub fn left_out_total(&self) -> usize {
        self.left_out.iter().map(|(_, n)| n).sum()
    }

    /// What the contact history holds of it.
    pub fn recorded_note(&self) -> &'static str {
        if self.recorded_as_contacts {
            super::contact::RECORDED_AS_CONTACTS
        } else {
            "not recorded as contacts: the store is open read-only"
        }
    }

    /// "left out 12 who may not be called: 9 DNC (wbez_donations), 3 NO SOLICIT (...)".
    pub fn left_out_note(&self) -> Option<String> {
        if self.left_out.is_empty() {
            return (self.closed > 0).then(|| {
                format!(
                    "left out {} whose triage is closed (retained or lost)",
                    self.closed
                )
            });
        }
        let why: Vec<String> = self
            .left_out
            .iter()
            .map(|(reason, n)| format!("{n} {reason}"))
            .collect();
        let closed = match self.closed {
            0 => String::new(),
            n => format!("; and {n} whose triage is closed (retained or lost)"),
        };
        Some(format!(
            "left out {} who may not be called: {}{closed}",
            self.left_out_total(),
            why.join(", ")
        ))
    }
}

/// Write the whole risk list (`tier` or all) in `sort` order to a CSV file for a call
/// campaign, readable by its owner only: it holds names, emails and phones. Nobody who
/// may not be called is on it: the first line says how many were left out, and why.
/// Everyone on it is recorded as contacted (a call list) by `actor`.
pub fn export_risk_csv(
    conn: &Connection,
    sort: RiskSort,
    tier: Option<&str>,
    path: &std::path::Path,
    actor: &str,
) -> Result<CallListExport> {
    let filter = RiskFilter {
        tier,
        ..RiskFilter::default()
    };
    export_call_list(conn, sort, &filter, false, path, actor)
}

/// Triage statuses that close a case: the person is no longer called unless asked.
pub const CLOSED_STATUSES: [&str; 2] = ["retained", "lost"];

/// The call list: `export_risk_csv` of the rows `filter` keeps, and with `include_closed`
/// (or a filter on a closed status) also the people whose triage is closed (retained or
/// lost). Once the file is written, everyone on it is recorded as a phone contact of kind
/// "call list" by `actor` (what a segment's contact recency counts), with an audit entry.
pub fn export_call_list(
    conn: &Connection,
    sort: RiskSort,
    filter: &RiskFilter,
    include_closed: bool,
    path: &std::path::Path,
    actor: &str,
) -> Result<CallListExport> {
    use crate::error::Error;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let all = risk_list_filtered(conn, sort, filter, usize::MAX >> 1, 0)?;
    let include_closed = include_closed || filter.status.is_some();
    let mut reasons: std::collections::BTreeMap<String, usize> = Default::default();
    let mut rows = Vec::with_capacity(all.len());
    let mut closed = 0;
    for row in all {
        let is_closed = row
            .triage
            .as_deref()
            .is_some_and(|t| CLOSED_STATUSES.contains(&t));
        if is_closed && !include_closed {
            closed += 1;
            continue;
        }
        if !row.no_contact.contains(&Channel::Phone) {
            rows.push(row);
            continue;
        }
        let why = super::consent::golden_consent(conn, row.constituent_id)?
            .into_iter()
            .find(|c| c.channel == Channel::Phone && c.opted_out)
            .map_or_else(
                || "do not call".to_string(),
                |c| format!("{} ({})", c.code, c.source),
            );
        *reasons.entry(why).or_default() += 1;
    }
    let mut left_out: Vec<(String, usize)> = reasons.into_iter().collect();
    left_out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let summary = CallListExport {
        rows: rows.len(),
        left_out,
        closed,
        recorded_as_contacts: !conn.is_readonly(rusqlite::MAIN_DB)?,
    };
    let mut file = super::create_private(path)?;
    if let Some(note) = summary.left_out_note() {
        use std::io::Write;
        writeln!(file, "# {note}").map_err(|e| Error::io(path, e))?;
    }
    let mut out = csv::Writer::from_writer(file);
    out.write_record([
        "constituent_id",
        "name",
        "first_name",
        "last_name",
        "email",
        "phone",
        "phone_e164",
        "address",
        "city",
        "state",
        "zip",
        "churn_tier",
        "churn_probability",
        "monthly_amount",
        "tenure_months",
        "card_expires",
        "last_gift_date",
        "reasons",
        "retention_ask",
        "upgrade_action",
        "triage",
        "triage_by",
        "triage_at",
        "triage_note",
        "assignee",
        "follow_up",
        "last_contact",
        "no_contact",
    ])?;
    // Names, emails and notes came from files and people: a spreadsheet must show them,
    // not run them.
    let text = |value: &str| crate::text::spreadsheet_cell(value).into_owned();
    for r in &rows {
        let no_contact: Vec<&str> = r.no_contact.iter().map(|c| c.refusal()).collect();
        let field = |v: &Option<String>| text(v.as_deref().unwrap_or_default());
        // E.164 for a dialler.
        let e164 = r.phone_e164.clone().unwrap_or_default();
        out.write_record([
            golden_id(r.constituent_id),
            text(&r.name),
            field(&r.first_name),
            field(&r.last_name),
            field(&r.email),
            field(&r.phone),
            e164,
            field(&r.address),
            field(&r.city),
            field(&r.state),
            field(&r.zip),
            r.churn_tier.clone(),
            format!("{:.4}", r.churn_probability),
            format!("{:.2}", r.monthly_cents as f64 / 100.0),
            format!("{:.0}", r.tenure_days as f64 / 30.4),
            field(&r.card_expires),
            field(&r.last_gift_date),
            text(&r.reasons.join("; ")),
            field(&r.retention_ask),
            field(&r.upgrade_action),
            text(r.triage.as_deref().unwrap_or("new")),
            field(&r.triage_by),
            field(&r.triage_at),
            field(&r.triage_note),
            field(&r.assignee),
            field(&r.follow_up),
            field(&r.last_contact),
            no_contact.join("; "),
        ])?;
    }
    out.flush().map_err(|e| Error::io(path, e))?;
    let file_name = path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    let export = super::contact::ContactExport {
        channel: Channel::Phone,
        kind: "call list",
        detail: &file_name,
        action: "call_list_export",
    };
    if summary.recorded_as_contacts {
        let people: Vec<i64> = rows.iter().map(|r| r.constituent_id).collect();
        super::contact::record_export(conn, &people, &export, actor, path)?;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gift(day: Day, plan: Option<usize>) -> Gift {
        Gift {
            day,
            cents: 1500,
            succeeded: true,
            failed: false,
            plan,
            method: Method::Card,
            card_expires: None,
        }
    }

    fn plan(key: &str, start: Day) -> Plan {
        Plan {
            key: key.into(),
            start,
            end: None,
        }
    }

    #[test]
    fn gifts_read_in_two_parts_join_as_one_pass_would_have_read_them() {
        // First part: a monthly plan A, and a one-time gift.
        let mut first = (vec![gift(10, Some(0)), gift(12, None)], vec![plan("A", 10)]);
        // Second part: plan B first, then more of A (seen here from a later row).
        let second = (
            vec![gift(40, Some(0)), gift(41, Some(1))],
            vec![plan("B", 40), plan("A", 41)],
        );
        append_gifts(&mut first, second);
        let (gifts, plans) = first;
        assert_eq!(
            plans,
            vec![plan("A", 10), plan("B", 40)],
            "A keeps its first row"
        );
        let by_plan: Vec<(Day, Option<&str>)> = gifts
            .iter()
            .map(|g| (g.day, g.plan.map(|i| plans[i].key.as_str())))
            .collect();
        assert_eq!(
            by_plan,
            vec![
                (10, Some("A")),
                (12, None),
                (40, Some("B")),
                (41, Some("A"))
            ]
        );
    }

    #[test]
    fn halves_split_the_ids_a_table_holds_and_an_empty_table_into_empty_parts() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            .unwrap();
        assert_eq!(halves(&conn, "t").unwrap(), ((0, 0), (0, 1)));
        conn.execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 3 UNION ALL SELECT i + 1 FROM n WHERE i < 12)
             INSERT INTO t SELECT i FROM n",
        )
        .unwrap();
        assert_eq!(halves(&conn, "t").unwrap(), ((3, 8), (8, 13)));
    }
}
