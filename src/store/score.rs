//! Scoring's SQL: every golden record's dated facts, model versions, score rows, runs,
//! the risk list, and triage.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::score::history::{
    Day, EmailQuarter, Event, Gift, History, Method, Plan, Subscription, parse_day,
};

/// Run `sql` and hand each row to `take`.
fn for_each_row(
    conn: &Connection,
    sql: &str,
    mut take: impl FnMut(&rusqlite::Row) -> rusqlite::Result<()>,
) -> Result<()> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        take(r)?;
    }
    Ok(())
}

/// A text column, borrowed from the row.
fn text_at<'r>(r: &'r rusqlite::Row, i: usize) -> rusqlite::Result<Option<&'r str>> {
    Ok(match r.get_ref(i)? {
        rusqlite::types::ValueRef::Text(bytes) => std::str::from_utf8(bytes).ok(),
        _ => None,
    })
}

fn day_at(r: &rusqlite::Row, i: usize) -> rusqlite::Result<Option<Day>> {
    Ok(r.get::<_, Option<String>>(i)?
        .as_deref()
        .and_then(parse_day))
}

/// Every live golden record's facts, merged across its source records.
pub fn load_histories(conn: &Connection) -> Result<Vec<History>> {
    let mut by_id: HashMap<i64, History> = HashMap::new();
    for_each_row(
        conn,
        "SELECT cm.constituent_id, d.gift_date, d.amount_cents, d.status, d.payment_method,
                d.recurring_id, d.recurring_start, d.recurring_end, d.card_expires
         FROM donation d JOIN constituent_member cm ON cm.source_record_id = d.source_record_id",
        |r| {
            let Some(day) = day_at(r, 1)? else {
                return Ok(());
            };
            let status = text_at(r, 3)?;
            let method = match text_at(r, 4)? {
                Some("card") => Method::Card,
                Some("eft" | "ach" | "bank") => Method::Eft,
                _ => Method::Other,
            };
            let h = by_id.entry(r.get(0)?).or_default();
            let plan = match text_at(r, 5)? {
                // A person has a plan or two: a linear search beats hashing an owned key.
                Some(key) => Some(match h.plans.iter().position(|p| p.key == key) {
                    Some(index) => index,
                    None => {
                        h.plans.push(Plan {
                            key: key.to_string(),
                            start: day_at(r, 6)?.unwrap_or(day),
                            end: day_at(r, 7)?,
                        });
                        h.plans.len() - 1
                    }
                }),
                None => None,
            };
            h.gifts.push(Gift {
                day,
                cents: r.get(2)?,
                succeeded: status == Some("succeeded"),
                failed: status == Some("failed"),
                plan,
                method,
                card_expires: day_at(r, 8)?,
            });
            Ok(())
        },
    )?;
    for_each_row(
        conn,
        "SELECT cm.constituent_id, s.start_date, s.end_date, coalesce(s.auto_renew, 0)
         FROM subscription s JOIN constituent_member cm ON cm.source_record_id = s.source_record_id",
        |r| {
            if let Some(start) = day_at(r, 1)? {
                let subscription = Subscription {
                    start,
                    end: day_at(r, 2)?,
                    auto_renew: r.get::<_, i64>(3)? != 0,
                };
                by_id.entry(r.get(0)?).or_default().subscriptions.push(subscription);
            }
            Ok(())
        },
    )?;
    for_each_row(
        conn,
        "SELECT cm.constituent_id, e.event_date, e.status
         FROM event_ticket e JOIN constituent_member cm ON cm.source_record_id = e.source_record_id",
        |r| {
            if let Some(day) = day_at(r, 1)? {
                let attended = r.get::<_, String>(2)? == "checked_in";
                by_id.entry(r.get(0)?).or_default().events.push(Event { day, attended });
            }
            Ok(())
        },
    )?;
    for_each_row(
        conn,
        "SELECT cm.constituent_id, e.period_start, e.sent - e.bounced, e.opened, e.clicked,
                e.unsubscribed, e.last_open_date
         FROM email_event e JOIN constituent_member cm ON cm.source_record_id = e.source_record_id",
        |r| {
            if let Some(start) = day_at(r, 1)? {
                let quarter = EmailQuarter {
                    start,
                    delivered: r.get(2)?,
                    opened: r.get(3)?,
                    clicked: r.get(4)?,
                    unsubscribed: r.get::<_, i64>(5)? != 0,
                    last_open: day_at(r, 6)?,
                };
                by_id.entry(r.get(0)?).or_default().email.push(quarter);
            }
            Ok(())
        },
    )?;
    // Golden records with no facts at all still get a (empty) history.
    let mut ids = conn.prepare("SELECT id FROM constituent WHERE retired_at IS NULL")?;
    let live: Vec<i64> = ids
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut histories: Vec<History> = live
        .into_iter()
        .map(|id| {
            let mut h = by_id.remove(&id).unwrap_or_default();
            h.constituent_id = id;
            h.finish();
            h
        })
        .collect();
    histories.sort_by_key(|h| h.constituent_id);
    Ok(histories)
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
    pub upgrade_models: String,
}

/// Replace every score with `rows`, as run `run` (one transaction, by the caller).
pub fn write_scores(
    conn: &Connection,
    actor: &str,
    at: &str,
    as_of: &str,
    tiers: &str,
    millis: i64,
    rows: &[ScoreRow],
) -> Result<i64> {
    conn.execute(
        "INSERT INTO score_run (at, actor, as_of, scored, tiers, millis) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![at, actor, as_of, rows.len() as i64, tiers, millis],
    )?;
    let run = conn.last_insert_rowid();
    conn.execute("DELETE FROM constituent_score", [])?;
    let mut insert = conn.prepare(
        "INSERT INTO constituent_score (constituent_id, run_id, as_of, churn_probability, churn_tier,
             churn_reasons, churn_model, monthly_cents, tenure_days, become_sustainer_p,
             raise_monthly_p, major_gift_p, upgrade_path, upgrade_action, upgrade_models)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?;
    for s in rows {
        insert.execute(params![
            s.constituent_id,
            run,
            as_of,
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
            s.upgrade_models
        ])?;
    }
    Ok(run)
}

/// The scores of one golden record, if it was scored.
pub fn score_of(conn: &Connection, constituent: i64) -> Result<Option<ScoreRow>> {
    Ok(conn
        .query_row(
            "SELECT constituent_id, churn_probability, churn_tier, churn_reasons, churn_model,
                    monthly_cents, tenure_days, become_sustainer_p, raise_monthly_p, major_gift_p,
                    upgrade_path, upgrade_action, upgrade_models
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
        upgrade_models: r.get(12)?,
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
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RiskRow {
    pub constituent_id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub churn_probability: f64,
    pub churn_tier: String,
    pub reasons: Vec<String>,
    pub monthly_cents: i64,
    pub tenure_days: i64,
    pub upgrade_path: Option<String>,
    pub upgrade_probability: Option<f64>,
    pub upgrade_action: Option<String>,
    pub triage: Option<String>,
    pub triage_note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct StoredReason {
    text: String,
    contribution: f64,
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
    let sql = format!(
        "SELECT s.constituent_id, trim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')),
                c.email, c.phone, s.churn_probability, s.churn_tier, s.churn_reasons,
                coalesce(s.monthly_cents, 0), coalesce(s.tenure_days, 0), s.upgrade_path,
                CASE s.upgrade_path WHEN 'become_sustainer' THEN s.become_sustainer_p
                     WHEN 'raise_monthly' THEN s.raise_monthly_p WHEN 'major_gift' THEN s.major_gift_p END,
                s.upgrade_action,
                (SELECT status FROM triage t WHERE t.constituent_id = s.constituent_id ORDER BY t.id DESC LIMIT 1),
                (SELECT note FROM triage t WHERE t.constituent_id = s.constituent_id ORDER BY t.id DESC LIMIT 1)
         FROM constituent_score s JOIN constituent c ON c.id = s.constituent_id
         WHERE s.churn_probability IS NOT NULL AND (?1 IS NULL OR s.churn_tier = ?1)
         ORDER BY {col} DESC, s.constituent_id DESC LIMIT ?2 OFFSET ?3",
        col = sort.column()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![tier, limit as i64, offset as i64], |r| {
        let reasons: Option<String> = r.get(6)?;
        let reasons = reasons
            .and_then(|json| serde_json::from_str::<Vec<StoredReason>>(&json).ok())
            .unwrap_or_default()
            .into_iter()
            .filter(|reason| reason.contribution > 0.0)
            .map(|reason| reason.text)
            .collect();
        Ok(RiskRow {
            constituent_id: r.get(0)?,
            name: r.get(1)?,
            email: r.get(2)?,
            phone: r.get(3)?,
            churn_probability: r.get(4)?,
            churn_tier: r.get(5)?,
            reasons,
            monthly_cents: r.get(7)?,
            tenure_days: r.get(8)?,
            upgrade_path: r.get(9)?,
            upgrade_probability: r.get(10)?,
            upgrade_action: r.get(11)?,
            triage: r.get(12)?,
            triage_note: r.get(13)?,
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

/// The data's as-of date as a `Day`: the newest gift.
pub fn as_of_day(conn: &Connection) -> Result<Option<Day>> {
    Ok(super::resolve::newest_gift(conn)?
        .as_deref()
        .and_then(parse_day))
}

/// Write the whole risk list (`tier` or all) in `sort` order to a CSV file for a call
/// campaign, readable by its owner only: it holds names, emails and phones.
pub fn export_risk_csv(
    conn: &Connection,
    sort: RiskSort,
    tier: Option<&str>,
    path: &std::path::Path,
) -> Result<usize> {
    use crate::error::Error;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let file = super::create_private(path)?;
    let mut out = csv::Writer::from_writer(file);
    out.write_record([
        "constituent_id",
        "name",
        "email",
        "phone",
        "churn_tier",
        "churn_probability",
        "monthly_amount",
        "tenure_months",
        "reasons",
        "upgrade_action",
        "triage",
        "triage_note",
    ])?;
    let rows = risk_list(conn, sort, tier, usize::MAX >> 1, 0)?;
    for r in &rows {
        out.write_record([
            format!("C-{:06}", r.constituent_id),
            r.name.clone(),
            r.email.clone().unwrap_or_default(),
            r.phone.clone().unwrap_or_default(),
            r.churn_tier.clone(),
            format!("{:.4}", r.churn_probability),
            format!("{:.2}", r.monthly_cents as f64 / 100.0),
            format!("{:.0}", r.tenure_days as f64 / 30.4),
            r.reasons.join("; "),
            r.upgrade_action.clone().unwrap_or_default(),
            r.triage.clone().unwrap_or_else(|| "new".into()),
            r.triage_note.clone().unwrap_or_default(),
        ])?;
    }
    out.flush().map_err(|e| Error::io(path, e))?;
    Ok(rows.len())
}
