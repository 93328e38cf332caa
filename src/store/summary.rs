//! The 360-degree summary of a golden record, built from its members' facts.
//!
//! Each source record's facts are first reduced to a `RecordFacts` (sums, counts, the
//! earliest and latest dates, the latest recurring charge), which combine across members
//! without looking at the facts again. A resolution run reads every fact table once, in
//! storage order, instead of joining facts to memberships per golden record: at a million
//! people that is seconds rather than the better part of a minute.

use std::collections::HashMap;

use rayon::prelude::*;
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;
use crate::store::read::{Records, for_each_row, record_capacity};
use crate::vocab::golden::RawFields;

/// One source record's facts, reduced to what a summary adds up.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RecordFacts {
    pub lifetime_cents: i64,
    pub trailing_12m_cents: i64,
    pub gift_count: i64,
    pub first_gift: Option<String>,
    pub last_gift: Option<String>,
    /// The latest donation of any status: the record's last activity, for survivorship.
    pub last_gift_any: Option<String>,
    /// The latest recurring charge: (date, donation id) orders it; then status and amount.
    pub latest_recurring: Option<LatestCharge>,
    /// Any of the record's donations belongs to a recurring gift that is active.
    pub active_recurring: bool,
    pub subscription_active: bool,
    pub subscription_status: Option<String>,
    pub events_attended: i64,
    pub email_opens_12m: i64,
    pub email_sent_12m: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LatestCharge {
    pub date: String,
    pub id: i64,
    pub status: Option<String>,
    pub amount_cents: i64,
}

impl RecordFacts {
    /// Fold another record's facts into these (every part is a sum, a min, a max or an
    /// arg-max, so the order of members does not matter).
    fn absorb(&mut self, o: &RecordFacts) {
        self.lifetime_cents += o.lifetime_cents;
        self.trailing_12m_cents += o.trailing_12m_cents;
        self.gift_count += o.gift_count;
        keep_least(&mut self.first_gift, o.first_gift.as_deref());
        keep_greatest(&mut self.last_gift, o.last_gift.as_deref());
        keep_greatest(&mut self.last_gift_any, o.last_gift_any.as_deref());
        if let Some(c) = &o.latest_recurring
            && self.is_newer_charge(&c.date, c.id)
        {
            self.latest_recurring = Some(c.clone());
        }
        self.active_recurring |= o.active_recurring;
        self.subscription_active |= o.subscription_active;
        keep_greatest(
            &mut self.subscription_status,
            o.subscription_status.as_deref(),
        );
        self.events_attended += o.events_attended;
        self.email_opens_12m += o.email_opens_12m;
        self.email_sent_12m += o.email_sent_12m;
    }

    /// Whether a recurring charge (by date, then donation id) is later than the latest
    /// one noted.
    fn is_newer_charge(&self, date: &str, id: i64) -> bool {
        self.latest_recurring
            .as_ref()
            .is_none_or(|l| (date, id) > (l.date.as_str(), l.id))
    }
}

/// Each source record's facts, found by record id: in a table indexed by id for the ids it
/// was sized for (every record's, when all are read: ids are dense, and a million-entry
/// hash map cost twice the memory and a hash per fact row), in a map for any other id (a
/// few records read, or one added while the facts were being read).
#[derive(Debug, Default)]
pub struct FactsByRecord {
    by_id: Vec<Option<RecordFacts>>,
    others: HashMap<i64, RecordFacts>,
}

impl FactsByRecord {
    /// Room for the records with ids below `ids` in the table.
    fn with_table_for(ids: usize) -> FactsByRecord {
        FactsByRecord {
            by_id: vec![None; ids],
            others: HashMap::new(),
        }
    }

    fn slot(&self, record: i64) -> Option<usize> {
        usize::try_from(record)
            .ok()
            .filter(|index| *index < self.by_id.len())
    }

    pub fn get(&self, record: i64) -> Option<&RecordFacts> {
        match self.slot(record) {
            Some(index) => self.by_id[index].as_ref(),
            None => self.others.get(&record),
        }
    }

    /// The facts of `record`, empty if none are noted yet.
    fn entry(&mut self, record: i64) -> &mut RecordFacts {
        match self.slot(record) {
            Some(index) => self.by_id[index].get_or_insert_with(RecordFacts::default),
            None => self.others.entry(record).or_default(),
        }
    }
}

/// Keep the larger of `kept` and `seen` (texts: ISO dates, statuses) in `kept`, reusing its
/// buffer; an absent one is ignored.
fn keep_greatest(kept: &mut Option<String>, seen: Option<&str>) {
    keep_if(kept, seen, std::cmp::Ordering::Greater);
}

/// Keep the smaller of `kept` and `seen` in `kept`, as `keep_greatest` the larger.
fn keep_least(kept: &mut Option<String>, seen: Option<&str>) {
    keep_if(kept, seen, std::cmp::Ordering::Less);
}

/// Replace `kept` with `seen` when `seen` compares to it as `wanted` (or nothing is kept).
fn keep_if(kept: &mut Option<String>, seen: Option<&str>, wanted: std::cmp::Ordering) {
    let Some(seen) = seen else { return };
    match kept {
        Some(k) if seen.cmp(k.as_str()) == wanted => {
            k.clear();
            k.push_str(seen);
        }
        Some(_) => {}
        None => *kept = Some(seen.to_string()),
    }
}

/// A golden record's row in `constituent_summary`.
#[derive(Debug, Clone, PartialEq, Hash, Default, serde::Serialize)]
pub struct Summary {
    pub systems: String,
    pub system_count: i64,
    pub lifetime_cents: i64,
    pub trailing_12m_cents: i64,
    pub gift_count: i64,
    pub first_gift_date: Option<String>,
    pub last_gift_date: Option<String>,
    pub sustainer_status: Option<String>,
    pub sustainer_monthly_cents: Option<i64>,
    pub subscription_status: Option<String>,
    pub events_attended: i64,
    pub email_opens_12m: i64,
    pub email_sent_12m: i64,
}

impl Summary {
    /// The summary of a golden record with these members.
    pub fn of(members: &[&RawFields], facts: &FactsByRecord) -> Summary {
        let mut all = RecordFacts::default();
        for m in members {
            if let Some(f) = facts.get(m.id) {
                all.absorb(f);
            }
        }
        let mut systems: Vec<&str> = members.iter().map(|m| &*m.system).collect();
        systems.sort_unstable();
        systems.dedup();
        let (sustainer_status, sustainer_monthly_cents) = match all.latest_recurring {
            Some(c) => (c.status, Some(c.amount_cents)),
            None => (None, None),
        };
        Summary {
            system_count: systems.len() as i64,
            systems: systems.join(","),
            lifetime_cents: all.lifetime_cents,
            trailing_12m_cents: all.trailing_12m_cents,
            gift_count: all.gift_count,
            first_gift_date: all.first_gift,
            last_gift_date: all.last_gift,
            sustainer_status,
            sustainer_monthly_cents,
            subscription_status: if all.subscription_active {
                Some("active".into())
            } else {
                all.subscription_status
            },
            events_attended: all.events_attended,
            email_opens_12m: all.email_opens_12m,
            email_sent_12m: all.email_sent_12m,
        }
    }

    /// The stored summary of a golden record, if it has one.
    pub fn read(conn: &Connection, constituent: i64) -> Result<Option<Summary>> {
        let mut stmt = conn.prepare_cached(
            "SELECT systems, system_count, lifetime_cents, trailing_12m_cents, gift_count,
                    first_gift_date, last_gift_date, sustainer_status, sustainer_monthly_cents,
                    subscription_status, events_attended, email_opens_12m, email_sent_12m
             FROM constituent_summary WHERE constituent_id = ?1",
        )?;
        Ok(stmt
            .query_row([constituent], |r| {
                Ok(Summary {
                    systems: r.get(0)?,
                    system_count: r.get(1)?,
                    lifetime_cents: r.get(2)?,
                    trailing_12m_cents: r.get(3)?,
                    gift_count: r.get(4)?,
                    first_gift_date: r.get(5)?,
                    last_gift_date: r.get(6)?,
                    sustainer_status: r.get(7)?,
                    sustainer_monthly_cents: r.get(8)?,
                    subscription_status: r.get(9)?,
                    events_attended: r.get(10)?,
                    email_opens_12m: r.get(11)?,
                    email_sent_12m: r.get(12)?,
                })
            })
            .optional()?)
    }

    /// The statement `write` runs, prepared once by the caller for a run's many summaries.
    pub const INSERT: &'static str = "INSERT OR REPLACE INTO constituent_summary VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";

    pub fn write(&self, insert: &mut rusqlite::Statement, constituent: i64) -> Result<()> {
        insert.execute(params![
            constituent,
            self.systems,
            self.system_count,
            self.lifetime_cents,
            self.trailing_12m_cents,
            self.gift_count,
            self.first_gift_date,
            self.last_gift_date,
            self.sustainer_status,
            self.sustainer_monthly_cents,
            self.subscription_status,
            self.events_attended,
            self.email_opens_12m,
            self.email_sent_12m,
        ])?;
        Ok(())
    }
}

/// Each record's last activity (its latest donation), which "most recent" survivorship
/// goes by.
pub fn note_last_seen(raws: &mut [RawFields], facts: &FactsByRecord) {
    raws.par_iter_mut().for_each(|raw| {
        raw.last_seen = facts.get(raw.id).and_then(|f| f.last_gift_any.clone());
    });
}

/// Every fact of these records, reduced per record. Gifts and email count as
/// "trailing 12 months" when dated after 12 months before `as_of` (SQLite's date
/// arithmetic, as the metrics use).
pub fn record_facts(conn: &Connection, as_of: &str, records: Records) -> Result<FactsByRecord> {
    let year_before: String =
        conn.query_row("SELECT date(?1, '-12 months')", [as_of], |r| r.get(0))?;
    let mut facts = match records {
        Records::All => FactsByRecord::with_table_for(record_capacity(conn)? + 1),
        Records::Only(_) => FactsByRecord::default(),
    };
    // Texts are borrowed from the row: a copy is made only when one is kept.
    for_each_row(
        conn,
        &records.restrict(
            "SELECT source_record_id, id, gift_date, amount_cents, gift_type = 'recurring', status = 'succeeded',
                recurring_status FROM donation WHERE true",
        ),
        [],
        |r| {
            let f = facts.entry(r.get(0)?);
            let date = r.get_ref(2)?.as_str()?;
            let amount: i64 = r.get(3)?;
            let status = r.get_ref(6)?.as_str_or_null()?;
            f.active_recurring |= status == Some("active");
            keep_greatest(&mut f.last_gift_any, Some(date));
            if r.get(4)? {
                let id: i64 = r.get(1)?;
                if f.is_newer_charge(date, id) {
                    f.latest_recurring = Some(LatestCharge {
                        date: date.to_string(),
                        id,
                        status: status.map(str::to_string),
                        amount_cents: amount,
                    });
                }
            }
            if r.get(5)? {
                f.lifetime_cents += amount;
                f.gift_count += 1;
                if date > year_before.as_str() {
                    f.trailing_12m_cents += amount;
                }
                keep_least(&mut f.first_gift, Some(date));
                keep_greatest(&mut f.last_gift, Some(date));
            }
            Ok(())
        },
    )?;
    for_each_row(
        conn,
        &records.restrict("SELECT source_record_id, status FROM subscription WHERE true"),
        [],
        |r| {
            let f = facts.entry(r.get(0)?);
            let status = r.get_ref(1)?.as_str_or_null()?;
            f.subscription_active |= status == Some("active");
            keep_greatest(&mut f.subscription_status, status);
            Ok(())
        },
    )?;
    for_each_row(
        conn,
        &records.restrict("SELECT source_record_id FROM event_ticket WHERE status = 'checked_in'"),
        [],
        |r| {
            facts.entry(r.get(0)?).events_attended += 1;
            Ok(())
        },
    )?;
    for_each_row(
        conn,
        &records.restrict(
            "SELECT source_record_id, opened, sent - bounced FROM email_event WHERE period_start > ?1",
        ),
        [&year_before],
        |r| {
            let f = facts.entry(r.get(0)?);
            f.email_opens_12m += r.get::<_, Option<i64>>(1)?.unwrap_or(0);
            f.email_sent_12m += r.get::<_, Option<i64>>(2)?.unwrap_or(0);
            Ok(())
        },
    )?;
    Ok(facts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Db;

    /// Two source records with gifts, a subscription, events and email.
    fn store() -> Db {
        let db = Db::open_in_memory().unwrap();
        db.conn
            .execute_batch(
                "INSERT INTO ingest_batch (id, source, file, sha256, started_at, finished_at, rows_read, rows_loaded,
                   rows_quarantined, records_new, records_updated, millis) VALUES (1, 's', 'f', 'x', 't', 't', 0, 0, 0, 0, 0, 0);
                 INSERT INTO source_record (id, batch_id, source, system, source_key, updated_at) VALUES
                   (1, 1, 'gifts', 'donations', 'a', 't'), (2, 1, 'paper', 'subscriptions', 'b', 't');
                 INSERT INTO donation (source_record_id, source, gift_key, gift_date, amount_cents, gift_type, status, recurring_status) VALUES
                   (1, 'gifts', 'g1', '2024-01-05', 5000, 'one_time', 'succeeded', NULL),
                   (1, 'gifts', 'g2', '2025-03-01', 1000, 'recurring', 'succeeded', 'active'),
                   (1, 'gifts', 'g3', '2025-04-01', 1000, 'recurring', 'failed', 'active'),
                   (2, 'paper', 'g4', '2025-04-01', 1500, 'recurring', 'succeeded', 'cancelled');
                 INSERT INTO subscription (source_record_id, source, subscription_key, plan, status, start_date) VALUES
                   (2, 'paper', 's1', 'digital', 'cancelled', '2023-01-01'),
                   (2, 'paper', 's2', 'digital', 'active', '2024-01-01');
                 INSERT INTO event_ticket (source_record_id, source, ticket_key, event_name, event_date, status) VALUES
                   (1, 'gifts', 't1', 'gala', '2024-05-01', 'checked_in'), (2, 'paper', 't2', 'gala', '2024-06-01', 'no_show');
                 INSERT INTO email_event (source_record_id, source, activity_key, period_start, sent, bounced, opened, clicked, unsubscribed) VALUES
                   (1, 'gifts', 'e1', '2024-01-01', 10, 0, 9, 1, 0), (1, 'gifts', 'e2', '2025-01-01', 12, 2, 4, 1, 0);",
            )
            .unwrap();
        db
    }

    fn raw(id: i64, system: &str) -> RawFields {
        RawFields {
            id,
            system: system.into(),
            ..RawFields::default()
        }
    }

    #[test]
    fn a_summary_adds_up_its_members_facts_as_of_a_date() {
        let db = store();
        let facts = record_facts(&db.conn, "2025-04-01", Records::All).unwrap();
        let (a, b) = (raw(1, "donations"), raw(2, "subscriptions"));
        let s = Summary::of(&[&a, &b], &facts);
        assert_eq!(s.systems, "donations,subscriptions");
        assert_eq!(s.system_count, 2);
        assert_eq!(
            s.lifetime_cents,
            5000 + 1000 + 1500,
            "failed charges do not count"
        );
        assert_eq!(
            s.trailing_12m_cents,
            1000 + 1500,
            "a 2024-01 gift is older than 12 months"
        );
        assert_eq!(s.gift_count, 3);
        assert_eq!(s.first_gift_date.as_deref(), Some("2024-01-05"));
        assert_eq!(s.last_gift_date.as_deref(), Some("2025-04-01"));
        // Two recurring charges on 2025-04-01: the later row (the other member's) wins.
        assert_eq!(s.sustainer_status.as_deref(), Some("cancelled"));
        assert_eq!(s.sustainer_monthly_cents, Some(1500));
        assert_eq!(s.subscription_status.as_deref(), Some("active"));
        assert_eq!(s.events_attended, 1, "a no-show is not attendance");
        assert_eq!((s.email_opens_12m, s.email_sent_12m), (4, 10));
        let active = |record| facts.get(record).unwrap().active_recurring;
        assert!(active(1) && !active(2));
        assert!(facts.get(3).is_none() && facts.get(-1).is_none());
    }

    #[test]
    fn reading_some_records_gives_the_same_facts_as_reading_all() {
        let db = store();
        let all = record_facts(&db.conn, "2025-04-01", Records::All).unwrap();
        let some = record_facts(&db.conn, "2025-04-01", Records::Only(&[2])).unwrap();
        assert_eq!(some.get(2).unwrap(), all.get(2).unwrap());
        assert!(some.get(1).is_none());
    }

    #[test]
    fn facts_of_ids_outside_the_table_are_kept_beside_it() {
        let mut facts = FactsByRecord::with_table_for(3);
        facts.entry(2).gift_count = 1;
        facts.entry(7).gift_count = 2;
        facts.entry(-4).gift_count = 3;
        let count = |record| facts.get(record).map(|f| f.gift_count);
        assert_eq!((count(2), count(7), count(-4)), (Some(1), Some(2), Some(3)));
        assert_eq!((count(1), count(3), count(8)), (None, None, None));
        assert_eq!(facts.others.len(), 2, "7 and -4");
    }
}
