//! Contact history: each time the organisation reached a person (a triage call, a segment
//! exported to a campaign), who did it, when, on which channel and with what outcome.

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::error::Result;
use crate::vocab::consent::Channel;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactEvent {
    pub at: String,
    pub actor: String,
    pub channel: String,
    pub kind: String,
    pub outcome: Option<String>,
    pub detail: Option<String>,
}

/// Record one contact.
pub fn record(
    conn: &Connection,
    constituent_id: i64,
    channel: Channel,
    kind: &str,
    outcome: Option<&str>,
    detail: Option<&str>,
    actor: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO contact_event (constituent_id, at, actor, channel, kind, outcome, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        constituent_id,
        super::resolve::now(),
        actor,
        channel.name(),
        kind,
        outcome,
        detail
    ])?;
    Ok(())
}

/// Everyone exported to the campaign `segment` on `channel`, in one transaction with an
/// audit entry.
pub fn record_export(
    conn: &mut Connection,
    constituents: &[i64],
    channel: Channel,
    segment: &str,
    actor: &str,
) -> Result<()> {
    let tx = conn.transaction()?;
    for &id in constituents {
        record(
            &tx,
            id,
            channel,
            "campaign export",
            None,
            Some(segment),
            actor,
        )?;
    }
    super::resolve::audit(
        &tx,
        actor,
        "segment_export",
        None,
        (None, None),
        None,
        &format!("exported segment {segment}"),
        &serde_json::json!({ "segment": segment, "channel": channel.name(), "people": constituents.len() })
            .to_string(),
    )?;
    tx.commit()?;
    Ok(())
}

/// A golden record's contacts, newest first.
pub fn history(conn: &Connection, constituent_id: i64, limit: usize) -> Result<Vec<ContactEvent>> {
    Ok(conn
        .prepare_cached(
            "SELECT at, actor, channel, kind, outcome, detail FROM contact_event
             WHERE constituent_id = ?1 ORDER BY at DESC, id DESC LIMIT ?2",
        )?
        .query_map(params![constituent_id, limit as i64], |r| {
            Ok(ContactEvent {
                at: r.get(0)?,
                actor: r.get(1)?,
                channel: r.get(2)?,
                kind: r.get(3)?,
                outcome: r.get(4)?,
                detail: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}
