-- Field-level validation: a bad optional field is stored empty and recorded here (the row
-- is kept); a batch remembers the mapping it was loaded with, so a changed mapping
-- re-ingests an unchanged file.

CREATE TABLE ingest_issue (
    id       INTEGER PRIMARY KEY,
    batch_id INTEGER NOT NULL REFERENCES ingest_batch(id),
    source   TEXT NOT NULL,
    line     INTEGER NOT NULL,
    column_name TEXT NOT NULL,
    reason   TEXT NOT NULL,
    -- The value as found, or only its shape (digits as 9, letters as a) for personal fields.
    value    TEXT NOT NULL
);
CREATE INDEX ingest_issue_batch ON ingest_issue(batch_id);

ALTER TABLE ingest_batch ADD COLUMN mapping_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE ingest_batch ADD COLUMN fields_blanked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ingest_batch ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';
