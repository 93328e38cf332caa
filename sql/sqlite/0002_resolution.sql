-- Identity resolution: candidates, steward decisions, golden records, the audit trail.

-- Pairs that scored at least the review threshold in the latest run.
CREATE TABLE match_candidate (
    id            INTEGER PRIMARY KEY,
    record_a      INTEGER NOT NULL REFERENCES source_record(id),
    record_b      INTEGER NOT NULL REFERENCES source_record(id),
    score         REAL NOT NULL,
    band          TEXT NOT NULL,             -- auto | review
    rule          TEXT NOT NULL,             -- deterministic rule name, or 'weighted'
    contributions TEXT NOT NULL,             -- JSON [{field, similarity, contribution}], sums to score
    stake_cents   INTEGER NOT NULL DEFAULT 0,-- lifetime giving of both records: what a wrong call risks
    sustainer     INTEGER NOT NULL DEFAULT 0,-- an active sustainer is involved
    UNIQUE (record_a, record_b)
);
CREATE INDEX match_candidate_band ON match_candidate(band, stake_cents DESC, score DESC);

-- Steward decisions that outlive re-runs. A revoked row (undo) stays for the record.
CREATE TABLE link_constraint (
    id         INTEGER PRIMARY KEY,
    record_a   INTEGER NOT NULL REFERENCES source_record(id),
    record_b   INTEGER NOT NULL REFERENCES source_record(id),
    kind       TEXT NOT NULL,                -- must_link | cannot_link
    decision   TEXT NOT NULL,                -- approve | reject | unmerge
    actor      TEXT NOT NULL,
    note       TEXT,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    revoked_by TEXT
);
CREATE INDEX link_constraint_pair ON link_constraint(record_a, record_b);

-- Golden records. Ids are stable across runs; a retired id says where it went.
CREATE TABLE constituent (
    id             INTEGER PRIMARY KEY,
    first_name     TEXT, first_name_src INTEGER,
    last_name      TEXT, last_name_src INTEGER,
    email          TEXT, email_src INTEGER,
    phone          TEXT, phone_src INTEGER,
    address1       TEXT, address1_src INTEGER,
    address2       TEXT, address2_src INTEGER,
    city           TEXT, city_src INTEGER,
    state          TEXT, state_src INTEGER,
    zip            TEXT, zip_src INTEGER,
    date_of_birth  TEXT, date_of_birth_src INTEGER,
    member_count   INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    retired_at     TEXT,
    merged_into    INTEGER
);
CREATE INDEX constituent_name ON constituent(last_name, first_name);

CREATE TABLE constituent_member (
    source_record_id INTEGER PRIMARY KEY REFERENCES source_record(id),
    constituent_id   INTEGER NOT NULL REFERENCES constituent(id)
);
CREATE INDEX constituent_member_constituent ON constituent_member(constituent_id);

-- The 360-degree aggregates, refreshed with every resolution write.
CREATE TABLE constituent_summary (
    constituent_id        INTEGER PRIMARY KEY REFERENCES constituent(id),
    systems               TEXT NOT NULL,
    system_count          INTEGER NOT NULL,
    lifetime_cents        INTEGER NOT NULL,
    trailing_12m_cents    INTEGER NOT NULL,
    gift_count            INTEGER NOT NULL,
    first_gift_date       TEXT,
    last_gift_date        TEXT,
    sustainer_status      TEXT,              -- active | cancelled | lapsed | NULL
    sustainer_monthly_cents INTEGER,
    subscription_status   TEXT,
    events_attended       INTEGER NOT NULL,
    email_opens_12m       INTEGER NOT NULL,
    email_sent_12m        INTEGER NOT NULL
);
CREATE INDEX constituent_summary_lifetime ON constituent_summary(lifetime_cents DESC);

-- Every merge, approval, rejection, undo and unmerge: who, when, which records, why.
CREATE TABLE audit_event (
    id             INTEGER PRIMARY KEY,
    at             TEXT NOT NULL,
    actor          TEXT NOT NULL,
    action         TEXT NOT NULL,
    constituent_id INTEGER,
    record_a       INTEGER,
    record_b       INTEGER,
    score          REAL,
    reason         TEXT,
    details        TEXT
);
CREATE INDEX audit_event_constituent ON audit_event(constituent_id, id);
CREATE INDEX audit_event_records ON audit_event(record_a, record_b);

-- Full-text search over golden records (name, email, phone, id).
CREATE VIRTUAL TABLE constituent_fts USING fts5(
    name, email, phone, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2'
);
