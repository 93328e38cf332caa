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
-- the record that says so (the latest opt-out when several do), and whether its records
-- disagree. Computed from membership, so it follows every merge, unmerge and re-run by
-- itself. Portable SQL: the warehouse schema defines the same view over its layers.
CREATE VIEW constituent_consent AS
SELECT constituent_id, channel, opted_out, source, source_key, code, recorded_on, conflicting
FROM (
    SELECT cm.constituent_id AS constituent_id, rc.channel AS channel, rc.opted_out AS opted_out,
           sr.source AS source, sr.source_key AS source_key, rc.code AS code,
           rc.recorded_on AS recorded_on,
           ROW_NUMBER() OVER (PARTITION BY cm.constituent_id, rc.channel
                              ORDER BY rc.opted_out DESC, rc.recorded_on DESC, rc.source_record_id) AS rank_in_channel,
           CASE WHEN MIN(rc.opted_out) OVER (PARTITION BY cm.constituent_id, rc.channel)
                   <> MAX(rc.opted_out) OVER (PARTITION BY cm.constituent_id, rc.channel)
                THEN 1 ELSE 0 END AS conflicting
    FROM constituent_member cm
    JOIN record_consent rc ON rc.source_record_id = cm.source_record_id
    JOIN source_record sr ON sr.id = rc.source_record_id
) ranked
WHERE rank_in_channel = 1;
