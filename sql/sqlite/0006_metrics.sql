-- Metric values as computed on the local store, each with the definition version it used,
-- so a trend never mixes definitions silently.
CREATE TABLE metric_value (
    id              INTEGER PRIMARY KEY,
    metric          TEXT NOT NULL,
    version         INTEGER NOT NULL,
    as_of           TEXT NOT NULL,
    dimension       TEXT,                -- NULL for the headline value
    dimension_value TEXT,
    value           REAL,
    computed_at     TEXT NOT NULL,
    actor           TEXT NOT NULL
);
CREATE INDEX metric_value_metric ON metric_value(metric, id);
