-- Data-quality runs and every check's result in each, passes too: the history that
-- new / recurring / resolved and the anomaly bands are computed from.

CREATE TABLE quality_run (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    status    TEXT NOT NULL,            -- pass | info | warning | critical
    checks    INTEGER NOT NULL,
    failed    INTEGER NOT NULL,
    warned    INTEGER NOT NULL,
    millis    INTEGER NOT NULL
);

CREATE TABLE quality_result (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES quality_run(id),
    check_name TEXT NOT NULL,
    table_name TEXT NOT NULL,
    check_type TEXT NOT NULL,
    severity   TEXT NOT NULL,
    status     TEXT NOT NULL,           -- pass | warn | fail | error
    failing    INTEGER NOT NULL,        -- failing rows (1 for a failed measure)
    total      INTEGER NOT NULL,        -- rows checked
    measured   REAL NOT NULL,           -- failing rows, or the measure itself
    threshold  TEXT NOT NULL,           -- what it was judged against, in words
    change     TEXT,                    -- new | recurring | resolved (against the previous run)
    anomaly    TEXT,                    -- JSON {median, low, high, history} when outside its band
    samples    TEXT NOT NULL,           -- JSON, personal fields redacted
    millis     INTEGER NOT NULL
);
CREATE INDEX quality_result_run ON quality_result(run_id);
CREATE INDEX quality_result_check ON quality_result(check_name, run_id);

-- The duplicate-suspicion check groups source records by normalised name, ZIP and email;
-- covering, so it never reads the wide table rows.
CREATE INDEX source_record_name ON source_record(n_last, n_first_canon, n_zip, n_email);
