//! Consent as the store holds it: each source record's answers (`record_consent`) and a
//! golden record's conclusion (the `constituent_consent` view: the most restrictive).

use rusqlite::{Connection, Row};

use crate::error::Result;
pub use crate::vocab::consent::{Channel, GoldenConsent};

fn golden_consent_row(r: &Row) -> rusqlite::Result<Option<GoldenConsent>> {
    let channel: String = r.get(0)?;
    let Some(channel) = Channel::parse(&channel) else {
        return Ok(None);
    };
    Ok(Some(GoldenConsent {
        channel,
        opted_out: r.get(1)?,
        source: r.get(2)?,
        source_key: r.get(3)?,
        code: r.get(4)?,
        recorded_on: r.get(5)?,
        conflicting: r.get(6)?,
    }))
}

const COLUMNS: &str = "channel, opted_out, source, source_key, code, recorded_on, conflicting";

/// A golden record's consent on each channel any of its records speaks to.
pub fn golden_consent(conn: &Connection, constituent_id: i64) -> Result<Vec<GoldenConsent>> {
    let mut rows = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM constituent_consent WHERE constituent_id = ?1 ORDER BY channel"
        ))?
        .query_map([constituent_id], golden_consent_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.sort_by_key(|c| c.as_ref().map(|c| c.channel));
    Ok(rows.into_iter().flatten().collect())
}

/// What the golden record holding `record_a` and the one holding `record_b` would conclude
/// merged: per channel, the most restrictive of both sides' records.
pub fn merged_consent(
    conn: &Connection,
    record_a: i64,
    record_b: i64,
) -> Result<Vec<GoldenConsent>> {
    let rows = conn
        .prepare_cached(
            "WITH sides AS (
                 SELECT coalesce((SELECT constituent_id FROM constituent_member WHERE source_record_id = ?1), -1) AS c
                 UNION SELECT coalesce((SELECT constituent_id FROM constituent_member WHERE source_record_id = ?2), -2)),
             records AS (
                 SELECT source_record_id AS id FROM constituent_member WHERE constituent_id IN (SELECT c FROM sides)
                 UNION SELECT ?1 UNION SELECT ?2)
             SELECT rc.channel, max(rc.opted_out), sr.source, sr.source_key, rc.code, rc.recorded_on,
                    count(DISTINCT rc.opted_out) > 1
             FROM records JOIN record_consent rc ON rc.source_record_id = records.id
             JOIN source_record sr ON sr.id = rc.source_record_id
             GROUP BY rc.channel ORDER BY rc.channel",
        )?
        .query_map([record_a, record_b], golden_consent_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows.into_iter().flatten().collect())
}
