-- Consent per channel as each source record gives it. A later batch of the source replaces
-- a record's row; within one batch the most restrictive row wins (any opt-out).
CREATE TABLE record_consent (
    source_record_id INTEGER NOT NULL REFERENCES source_record(id),
    channel          TEXT NOT NULL CHECK (channel IN ('email', 'phone', 'mail')),
    opted_out        INTEGER NOT NULL CHECK (opted_out IN (0, 1)),
    code             TEXT NOT NULL,
    recorded_on      TEXT,
    batch_id         INTEGER NOT NULL REFERENCES ingest_batch(id),
    PRIMARY KEY (source_record_id, channel)
) WITHOUT ROWID;

-- A golden record's consent per channel: the most restrictive of its source records, with
-- the record that says so (SQLite takes the bare columns from the row holding the max).
-- Computed from membership, so it follows every merge, unmerge and re-run by itself.
CREATE VIEW constituent_consent AS
SELECT cm.constituent_id AS constituent_id,
       rc.channel AS channel,
       max(rc.opted_out) AS opted_out,
       sr.source AS source,
       sr.source_key AS source_key,
       rc.code AS code,
       rc.recorded_on AS recorded_on,
       count(DISTINCT rc.opted_out) > 1 AS conflicting
FROM constituent_member cm
JOIN record_consent rc ON rc.source_record_id = cm.source_record_id
JOIN source_record sr ON sr.id = rc.source_record_id
GROUP BY cm.constituent_id, rc.channel;
