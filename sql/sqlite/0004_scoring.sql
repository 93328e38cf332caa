-- Scoring: model versions with their evaluation, one score row per golden record, the
-- runs, and membership staff's triage of the people the risk list shows.

CREATE TABLE model_version (
    id           INTEGER PRIMARY KEY,
    target       TEXT NOT NULL,             -- churn | become_sustainer | raise_monthly | major_gift
    kind         TEXT NOT NULL,             -- booster (forust-ml, log loss)
    created_at   TEXT NOT NULL,
    actor        TEXT NOT NULL,
    train_cutoff TEXT NOT NULL,             -- features as of this date, labels from the horizon after it
    test_cutoff  TEXT NOT NULL,             -- the later cutoff the evaluation ran on
    train_rows   INTEGER NOT NULL,
    features     TEXT NOT NULL,             -- JSON list of feature names, in column order
    params       TEXT NOT NULL,             -- JSON
    evaluation   TEXT NOT NULL,             -- JSON {model, baseline}
    model        TEXT NOT NULL              -- the serialised booster
);
CREATE INDEX model_version_target ON model_version(target, id);

CREATE TABLE score_run (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    as_of       TEXT NOT NULL,
    scored      INTEGER NOT NULL,
    tiers       TEXT NOT NULL,              -- JSON {tier: count}
    millis      INTEGER NOT NULL
);

CREATE TABLE constituent_score (
    constituent_id      INTEGER PRIMARY KEY REFERENCES constituent(id),
    run_id              INTEGER NOT NULL REFERENCES score_run(id),
    as_of               TEXT NOT NULL,
    churn_probability   REAL,               -- NULL: not an active sustainer
    churn_tier          TEXT,
    churn_reasons       TEXT,               -- JSON [{feature, text, contribution}]
    churn_model         INTEGER REFERENCES model_version(id),
    monthly_cents       INTEGER,
    tenure_days         INTEGER,
    become_sustainer_p  REAL,
    raise_monthly_p     REAL,
    major_gift_p        REAL,
    upgrade_path        TEXT,
    upgrade_action      TEXT,
    upgrade_models      TEXT                -- JSON {target: model id}
);
CREATE INDEX constituent_score_by_churn ON constituent_score(churn_probability, constituent_id)
    WHERE churn_probability IS NOT NULL;
CREATE INDEX constituent_score_by_monthly ON constituent_score(monthly_cents, constituent_id)
    WHERE churn_probability IS NOT NULL;
CREATE INDEX constituent_score_by_tenure ON constituent_score(tenure_days, constituent_id)
    WHERE churn_probability IS NOT NULL;

-- Triage of at-risk people: append-only, the latest row per person is their status.
CREATE TABLE triage (
    id             INTEGER PRIMARY KEY,
    constituent_id INTEGER NOT NULL REFERENCES constituent(id),
    status         TEXT NOT NULL,           -- new | contacted | retained | lost
    note           TEXT,
    actor          TEXT NOT NULL,
    at             TEXT NOT NULL
);
CREATE INDEX triage_constituent ON triage(constituent_id, id);
