//! Ingest batches, quarantine, source records and fact rows.

use std::path::Path;

use crate::vocab::consent::RecordConsent;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::config::SourceConfig;
use crate::error::Result;
use crate::store::deferred::{DeferredIndexes, table_is_empty};
use crate::vocab::facts::{FactSchema, fact_schema};

use crate::normalize::NormalizedPerson;
use crate::vocab::batch::BatchReport;
use crate::vocab::person::PersonFields;

/// Whether `source` has a batch of this very file read with this very mapping.
pub fn batch_exists(conn: &Connection, source: &str, sha256: &str, mapping: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM ingest_batch WHERE source = ?1 AND sha256 = ?2 AND mapping_hash = ?3",
            params![source, sha256, mapping],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Whether an earlier batch of `source` may have had this very file: one of the same size
/// (or of unknown size).
/// Whether `source` has loaded any record.
pub fn source_has_records(conn: &Connection, source: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM source_record WHERE source = ?1)",
        [source],
        |r| r.get(0),
    )?)
}

pub fn batch_of_size_exists(conn: &Connection, source: &str, bytes: u64) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM ingest_batch WHERE source = ?1 AND (bytes = ?2 OR bytes IS NULL) LIMIT 1",
            params![source, bytes as i64],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Writes one batch inside the caller's transaction. Holds its prepared statements: a
/// million-row file must not pay a statement-cache lookup per row.
pub struct BatchWriter<'a> {
    tx: &'a Transaction<'a>,
    batch_id: i64,
    source: String,
    system: String,
    file: String,
    fact: Option<rusqlite::Statement<'a>>,
    deferred: Vec<DeferredIndexes>,
    find_person: rusqlite::Statement<'a>,
    /// The consent upsert, when the source maps consent (held: one per person and channel).
    consent: Option<rusqlite::Statement<'a>>,
    /// No record of this source was in the store when the batch began: a key not yet
    /// written in this batch is new without asking the store.
    source_is_new: bool,
    stamp: String,
}

impl<'a> BatchWriter<'a> {
    /// Start a batch; its SHA-256 is recorded by `finish` (it may be computed while the
    /// file is read).
    pub fn begin(tx: &'a Transaction<'a>, source: &SourceConfig, path: &Path) -> Result<Self> {
        let stamp = now();
        tx.execute(
            "INSERT INTO ingest_batch (source, file, sha256, started_at, finished_at, rows_read, rows_loaded,
                 rows_quarantined, records_new, records_updated, millis)
             VALUES (?1, ?2, '', ?3, ?3, 0, 0, 0, 0, 0, 0)",
            params![source.name, path.display().to_string(), stamp],
        )?;
        let batch_id = tx.last_insert_rowid();
        let mut deferred = Vec::new();
        // A first load into an empty store: the source records' name index too (the
        // unique key is looked up by the loader, so it stays).
        if table_is_empty(tx, "source_record")? {
            deferred.push(DeferredIndexes::drop(
                tx,
                "source_record",
                "source_key",
                "CREATE INDEX",
            )?);
        }
        let fact = match source.facts.as_ref().and_then(|m| fact_schema(&m.table)) {
            Some(schema) if table_is_empty(tx, schema.table)? => {
                // Indexes go first, so the insert is prepared against the bare table.
                deferred.push(DeferredIndexes::drop(
                    tx,
                    schema.table,
                    key_column(schema),
                    "CREATE",
                )?);
                Some(tx.prepare(&fact_insert_sql(schema))?)
            }
            Some(schema) => Some(tx.prepare(&fact_upsert_sql(schema))?),
            None => None,
        };
        let source_is_new = !source_has_records(tx, &source.name)?;
        Ok(BatchWriter {
            source_is_new,
            find_person: tx
                .prepare("SELECT id FROM source_record WHERE source = ?1 AND source_key = ?2")?,
            consent: None,
            tx,
            batch_id,
            source: source.name.clone(),
            system: source.system.clone(),
            file: path.display().to_string(),
            fact,
            deferred,
            stamp,
        })
    }

    /// The record `source` holds under `key`, if any.
    pub fn record_of(&mut self, source: &str, key: &str) -> Result<Option<i64>> {
        Ok(self
            .find_person
            .query_row(params![source, key], |r| r.get(0))
            .optional()?)
    }

    pub fn quarantine(&mut self, line: u64, reason: &str, raw: &str) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO quarantine (batch_id, source, file, line, reason, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![self.batch_id, self.source, self.file, line as i64, reason, raw])?;
        Ok(())
    }

    /// An optional field stored empty: where, why, and what was found (redacted by the
    /// connector for personal fields).
    pub fn field_issue(
        &mut self,
        line: u64,
        issue: &crate::vocab::batch::FieldIssue,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO ingest_issue (batch_id, source, line, column_name, reason, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![self.batch_id, self.source, line as i64, issue.column, issue.reason, issue.value])?;
        Ok(())
    }

    /// Insert or update the source record for `key`; returns its id and whether it is new.
    /// `written` is its id when this batch has already written it.
    pub fn upsert_person(
        &mut self,
        key: &str,
        written: Option<i64>,
        p: &PersonFields,
        n: &NormalizedPerson,
    ) -> Result<(i64, bool)> {
        let existing: Option<i64> = match written {
            Some(id) => Some(id),
            None if self.source_is_new => None,
            None => self
                .find_person
                .query_row(params![self.source, key], |r| r.get(0))
                .optional()?,
        };
        let values = params![
            self.batch_id,
            p.first_name,
            p.last_name,
            p.email,
            p.phone,
            p.address1,
            p.address2,
            p.city,
            p.state,
            p.zip,
            p.date_of_birth,
            n.first,
            n.first_canon,
            n.last,
            n.email,
            n.phone,
            n.address,
            n.unit,
            n.city,
            n.zip,
            self.stamp,
            self.source,
            key,
            self.system,
            n.generation,
            n.dob_as_written,
            p.gender,
            n.gender,
        ];
        match existing {
            Some(id) => {
                self.tx
                    .prepare_cached(
                        "UPDATE source_record SET batch_id = ?1, first_name = ?2, last_name = ?3, email = ?4,
                            phone = ?5, address1 = ?6, address2 = ?7, city = ?8, state = ?9, zip = ?10,
                            date_of_birth = ?11, n_first = ?12, n_first_canon = ?13, n_last = ?14,
                            n_email = ?15, n_phone = ?16, n_address = ?17, n_unit = ?18, n_city = ?19,
                            n_zip = ?20, updated_at = ?21, system = ?24, n_generation = ?25,
                            n_dob_as_written = ?26, gender = ?27, n_gender = ?28
                         WHERE source = ?22 AND source_key = ?23",
                    )?
                    .execute(values)?;
                Ok((id, false))
            }
            None => {
                self.tx
                    .prepare_cached(
                        "INSERT INTO source_record (batch_id, first_name, last_name, email, phone, address1,
                            address2, city, state, zip, date_of_birth, n_first, n_first_canon, n_last,
                            n_email, n_phone, n_address, n_unit, n_city, n_zip, updated_at, source,
                            source_key, system, n_generation, n_dob_as_written, gender, n_gender)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                            ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)",
                    )?
                    .execute(values)?;
                Ok((self.tx.last_insert_rowid(), true))
            }
        }
    }

    /// Insert a fact row, or update it when the source already sent one with its key.
    pub fn upsert_fact(
        &mut self,
        source_record_id: i64,
        values: &[rusqlite::types::Value],
    ) -> Result<()> {
        let Some(statement) = self.fact.as_mut() else {
            return Ok(());
        };
        // Bound one by one: building a parameter list per row costs an allocation, and
        // this runs millions of times.
        statement.raw_bind_parameter(1, source_record_id)?;
        statement.raw_bind_parameter(2, &self.source)?;
        for (i, value) in values.iter().enumerate() {
            statement.raw_bind_parameter(i + 3, value)?;
        }
        statement.raw_execute()?;
        Ok(())
    }

    /// After the last row: build the indexes a first load deferred.
    /// One channel's consent for a record: a later batch replaces what an earlier one said;
    /// within this batch an opt-out on any row stands.
    pub fn consent(&mut self, source_record_id: i64, consent: &RecordConsent) -> Result<()> {
        if self.consent.is_none() {
            self.consent = Some(self.tx.prepare(
                "INSERT INTO record_consent (source_record_id, channel, opted_out, code, recorded_on, batch_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (source_record_id, channel) DO UPDATE SET
                     opted_out = excluded.opted_out, code = excluded.code,
                     recorded_on = excluded.recorded_on, batch_id = excluded.batch_id
                 WHERE record_consent.batch_id <> excluded.batch_id
                    OR excluded.opted_out > record_consent.opted_out",
            )?);
        }
        let Some(statement) = self.consent.as_mut() else {
            return Ok(());
        };
        statement.execute(params![
            source_record_id,
            consent.channel.name(),
            consent.opted_out,
            consent.code,
            consent.recorded_on,
            self.batch_id
        ])?;
        Ok(())
    }

    pub fn rows_done(&mut self) -> Result<()> {
        self.fact = None;
        for deferred in std::mem::take(&mut self.deferred) {
            deferred.rebuild(self.tx)?;
        }
        Ok(())
    }

    pub fn finish(
        self,
        report: &BatchReport,
        sha256: &str,
        bytes: u64,
        mapping_hash: &str,
    ) -> Result<i64> {
        let warnings = serde_json::to_string(&report.warnings)?;
        self.tx.execute(
            "UPDATE ingest_batch SET finished_at = ?2, rows_read = ?3, rows_loaded = ?4, rows_quarantined = ?5,
                records_new = ?6, records_updated = ?7, millis = ?8, sha256 = ?9, bytes = ?10,
                mapping_hash = ?11, fields_blanked = ?12, warnings = ?13 WHERE id = ?1",
            params![
                self.batch_id,
                now(),
                report.rows_read as i64,
                report.rows_loaded as i64,
                report.rows_quarantined as i64,
                report.records_new as i64,
                report.records_updated as i64,
                report.millis as i64,
                sha256,
                bytes as i64,
                mapping_hash,
                report.fields_blanked as i64,
                warnings
            ],
        )?;
        Ok(self.batch_id)
    }
}

fn key_column(schema: &FactSchema) -> &'static str {
    schema
        .fields
        .iter()
        .find(|f| f.name == schema.key)
        .map(|f| f.column)
        .unwrap_or(schema.key)
}

fn fact_insert_sql(schema: &FactSchema) -> String {
    let columns: Vec<&str> = schema.fields.iter().map(|f| f.column).collect();
    let placeholders: Vec<String> = (1..=columns.len() + 2).map(|i| format!("?{i}")).collect();
    format!(
        "INSERT INTO {table} (source_record_id, source, {cols}) VALUES ({ph})",
        table = schema.table,
        cols = columns.join(", "),
        ph = placeholders.join(", "),
    )
}

fn fact_upsert_sql(schema: &FactSchema) -> String {
    let columns: Vec<&str> = schema.fields.iter().map(|f| f.column).collect();
    let key_column = key_column(schema);
    let updates: Vec<String> = std::iter::once("source_record_id".to_string())
        .chain(
            columns
                .iter()
                .filter(|c| **c != key_column)
                .map(|c| c.to_string()),
        )
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        "{insert} ON CONFLICT (source, {key_column}) DO UPDATE SET {updates}",
        insert = fact_insert_sql(schema),
        updates = updates.join(", "),
    )
}

/// Counts of what the store holds, for `cpm` status and the console's header.
#[derive(Debug, Clone, serde::Serialize, Default)]
pub struct StoreCounts {
    pub batches: i64,
    pub source_records: i64,
    pub quarantined: i64,
    pub donations: i64,
    pub subscriptions: i64,
    pub event_tickets: i64,
    pub email_events: i64,
}

pub fn counts(conn: &Connection) -> Result<StoreCounts> {
    let count = |table: &str| -> Result<i64> {
        Ok(conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
    };
    Ok(StoreCounts {
        batches: count("ingest_batch")?,
        source_records: count("source_record")?,
        quarantined: count("quarantine")?,
        donations: count("donation")?,
        subscriptions: count("subscription")?,
        event_tickets: count("event_ticket")?,
        email_events: count("email_event")?,
    })
}

/// Which quarantined rows to read.
#[derive(Debug, Default)]
pub struct QuarantineFilter<'a> {
    pub source: Option<&'a str>,
    /// Also rows of earlier batches (a later load of the source resolved them).
    pub include_resolved: bool,
    pub id: Option<i64>,
}

/// A quarantined row as a person works it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QuarantinedRow {
    pub id: i64,
    pub batch_id: i64,
    pub source: String,
    pub file: String,
    pub line: i64,
    pub reason: String,
    /// The row's text, or its shape (digits 9, letters a) when redacted.
    pub raw: String,
    /// "open": in the source's latest batch; "resolved": a later load of the source
    /// replaced the batch it came from.
    pub status: &'static str,
}

/// Quarantined rows, open ones first, then by source and line. `unredacted`: the raw text
/// as it was read (for an admin); otherwise its shape only.
pub fn quarantined(
    conn: &Connection,
    filter: &QuarantineFilter,
    unredacted: bool,
) -> Result<Vec<QuarantinedRow>> {
    let mut statement = conn.prepare(
        "SELECT q.id, q.batch_id, q.source, q.file, q.line, q.reason, q.raw,
                q.batch_id = (SELECT max(b.id) FROM ingest_batch b WHERE b.source = q.source) AS open
         FROM quarantine q
         WHERE (?1 IS NULL OR q.source = ?1) AND (?2 IS NULL OR q.id = ?2)
         ORDER BY open DESC, q.source, q.batch_id DESC, q.line",
    )?;
    let rows = statement.query_map(params![filter.source, filter.id], |r| {
        let raw: String = r.get(6)?;
        let open: bool = r.get(7)?;
        Ok(QuarantinedRow {
            id: r.get(0)?,
            batch_id: r.get(1)?,
            source: r.get(2)?,
            file: r.get(3)?,
            line: r.get(4)?,
            reason: r.get(5)?,
            raw: if unredacted {
                raw
            } else {
                crate::text::shape_all(&raw)
            },
            status: if open { "open" } else { "resolved" },
        })
    })?;
    let mut out = Vec::new();
    for row in rows {
        let row = row?;
        if row.status == "open" || filter.include_resolved || filter.id.is_some() {
            out.push(row);
        }
    }
    Ok(out)
}

/// Per source's latest batch: fields stored empty and the column warnings, for the
/// Quality pane and `cpm status`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FieldIssueCount {
    pub source: String,
    pub column: String,
    pub reason: String,
    pub count: i64,
}

pub fn field_issue_counts(conn: &Connection) -> Result<Vec<FieldIssueCount>> {
    let mut statement = conn.prepare(
        "SELECT i.source, i.column_name, i.reason, count(*)
         FROM ingest_issue i
         WHERE i.batch_id = (SELECT max(b.id) FROM ingest_batch b WHERE b.source = i.source)
         GROUP BY i.source, i.column_name, i.reason
         ORDER BY count(*) DESC",
    )?;
    let rows = statement.query_map([], |r| {
        Ok(FieldIssueCount {
            source: r.get(0)?,
            column: r.get(1)?,
            reason: r.get(2)?,
            count: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}
