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

/// What an export that recorded its people says of it.
pub const RECORDED_AS_CONTACTS: &str = "recorded as contacts";

/// A list of people written out to be contacted: how each is recorded in the contact
/// history, and how the export is named in the audit trail.
pub struct ContactExport<'a> {
    pub channel: Channel,
    /// The contact's kind: "campaign export", "call list".
    pub kind: &'a str,
    /// What the contact history names: the segment, or the call list's file.
    pub detail: &'a str,
    /// The audit trail's action: "segment_export", "call_list_export".
    pub action: &'a str,
}

/// Everyone on `export`, the list just written to `file`, recorded as contacted on its
/// channel by `actor`, in one transaction with an audit entry: a segment's "days since
/// contact" counts a call list as it counts a campaign. Where that fails (the store busy
/// past its timeout) the file is removed: no list leaves the store unrecorded.
pub fn record_export(
    conn: &Connection,
    constituents: &[i64],
    export: &ContactExport,
    actor: &str,
    file: &std::path::Path,
) -> Result<()> {
    let recorded = record_export_rows(conn, constituents, export, actor);
    if recorded.is_err() {
        let _ = std::fs::remove_file(file);
    }
    recorded
}

fn record_export_rows(
    conn: &Connection,
    constituents: &[i64],
    export: &ContactExport,
    actor: &str,
) -> Result<()> {
    let tx = conn.unchecked_transaction()?;
    for &id in constituents {
        record(
            &tx,
            id,
            export.channel,
            export.kind,
            None,
            Some(export.detail),
            actor,
        )?;
    }
    super::resolve::audit(
        &tx,
        actor,
        export.action,
        None,
        (None, None),
        None,
        &format!("{} {}", export.kind, export.detail),
        &serde_json::json!({
            "kind": export.kind,
            "detail": export.detail,
            "channel": export.channel.name(),
            "people": constituents.len(),
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Db;

    #[test]
    fn a_list_that_cannot_be_recorded_does_not_stay_on_disk() {
        let db = Db::open_in_memory().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("calls.csv");
        std::fs::write(&file, "constituent_id\nC-999999\n").unwrap();
        let export = ContactExport {
            channel: Channel::Phone,
            kind: "call list",
            detail: "calls.csv",
            action: "call_list_export",
        };
        // No such golden record: the contact cannot be recorded (a foreign key).
        assert!(record_export(&db.conn, &[999_999], &export, "bo", &file).is_err());
        assert!(!file.exists(), "the unrecorded list was removed");
        let recorded: i64 = db
            .conn
            .query_row("SELECT count(*) FROM contact_event", [], |r| r.get(0))
            .unwrap();
        let audited: i64 = db
            .conn
            .query_row(
                "SELECT count(*) FROM audit_event WHERE action = 'call_list_export'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!((recorded, audited), (0, 0), "nothing half recorded");
    }
}
