-- The audit trail's by-record indexes hold only the entries that name a record (a
-- steward's decision on a pair, an unmerge). A resolution run's membership changes name
-- a golden record only: a first run at a million records writes 274,000 of them, and
-- building two indexes of NULL keys for them cost 0.3 s. Lookups by record
-- (`record_a = ?`, a join on it) imply the key is not NULL, so SQLite still uses them.
DROP INDEX IF EXISTS audit_event_records;
DROP INDEX IF EXISTS audit_event_record_b;
CREATE INDEX audit_event_records ON audit_event(record_a, record_b) WHERE record_a IS NOT NULL;
CREATE INDEX audit_event_record_b ON audit_event(record_b) WHERE record_b IS NOT NULL;
