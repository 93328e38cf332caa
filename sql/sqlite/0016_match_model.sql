-- The match model each resolution run learned (per field and level: m, u; the prior;
-- what it was fitted on), as JSON. The newest row is the model in use.
CREATE TABLE match_model (
    id         INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    model      TEXT NOT NULL
);
