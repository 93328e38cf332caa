-- A hash of everything a resolution run writes for a golden record (fields, members,
-- summary): a re-run that computes the same leaves the row, its members, summary and
-- search entry alone. NULL (older rows, retired ones) means "write it".
ALTER TABLE constituent ADD COLUMN content_hash INTEGER;

-- Content hashes of live golden records read by index alone (retired ones hold NULL).
CREATE INDEX constituent_content_hash ON constituent(content_hash) WHERE content_hash IS NOT NULL;

-- What the last resolution run wrote, so a re-run that computes the same can skip it.
CREATE TABLE resolution_state (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

-- Covered by constituent_summary_by_lifetime (lifetime_cents, constituent_id), which SQLite
-- reads in either direction; one index fewer to maintain per summary written.
DROP INDEX IF EXISTS constituent_summary_lifetime;
