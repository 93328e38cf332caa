-- What the last resolution run wrote, so a re-run that computes the same can skip it.
CREATE TABLE resolution_state (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

-- Content hashes of live golden records read by index alone (retired ones hold NULL).
CREATE INDEX constituent_content_hash ON constituent(content_hash) WHERE content_hash IS NOT NULL;
