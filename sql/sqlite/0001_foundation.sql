-- Foundation: ingest batches, quarantine, source records and the fact tables.

CREATE TABLE ingest_batch (
    id               INTEGER PRIMARY KEY,
    source           TEXT NOT NULL,
    file             TEXT NOT NULL,
    sha256           TEXT NOT NULL,
    started_at       TEXT NOT NULL,
    finished_at      TEXT NOT NULL,
    rows_read        INTEGER NOT NULL,
    rows_loaded      INTEGER NOT NULL,
    rows_quarantined INTEGER NOT NULL,
    records_new      INTEGER NOT NULL,
    records_updated  INTEGER NOT NULL,
    millis           INTEGER NOT NULL
);
CREATE INDEX ingest_batch_source ON ingest_batch(source, sha256);

CREATE TABLE quarantine (
    id       INTEGER PRIMARY KEY,
    batch_id INTEGER NOT NULL REFERENCES ingest_batch(id),
    source   TEXT NOT NULL,
    file     TEXT NOT NULL,
    line     INTEGER NOT NULL,
    reason   TEXT NOT NULL,
    raw      TEXT NOT NULL
);
CREATE INDEX quarantine_batch ON quarantine(batch_id);

-- One row per person per source system. Raw fields as the source spelled them,
-- normalised fields (n_*) as identity resolution compares them.
CREATE TABLE source_record (
    id            INTEGER PRIMARY KEY,
    source        TEXT NOT NULL,
    system        TEXT NOT NULL,
    source_key    TEXT NOT NULL,
    batch_id      INTEGER NOT NULL REFERENCES ingest_batch(id),
    first_name    TEXT,
    last_name     TEXT,
    email         TEXT,
    phone         TEXT,
    address1      TEXT,
    address2      TEXT,
    city          TEXT,
    state         TEXT,
    zip           TEXT,
    date_of_birth TEXT,
    n_first       TEXT,
    n_first_canon TEXT,
    n_last        TEXT,
    n_email       TEXT,
    n_phone       TEXT,
    n_address     TEXT,
    n_unit        TEXT,
    n_city        TEXT,
    n_zip         TEXT,
    updated_at    TEXT NOT NULL,
    UNIQUE (source, source_key)
);

CREATE TABLE donation (
    id               INTEGER PRIMARY KEY,
    source_record_id INTEGER NOT NULL REFERENCES source_record(id),
    source           TEXT NOT NULL,
    gift_key         TEXT NOT NULL,
    gift_date        TEXT NOT NULL,
    amount_cents     INTEGER NOT NULL,
    gift_type        TEXT NOT NULL,          -- one_time | recurring
    status           TEXT NOT NULL,          -- succeeded | failed | refunded
    payment_method   TEXT,
    recurring_id     TEXT,
    recurring_start  TEXT,
    recurring_status TEXT,                   -- active | cancelled | lapsed (as of the export)
    recurring_end    TEXT,
    campaign         TEXT,
    UNIQUE (source, gift_key)
);
CREATE INDEX donation_person ON donation(source_record_id, gift_date);

CREATE TABLE subscription (
    id               INTEGER PRIMARY KEY,
    source_record_id INTEGER NOT NULL REFERENCES source_record(id),
    source           TEXT NOT NULL,
    subscription_key TEXT NOT NULL,
    plan             TEXT NOT NULL,
    start_date       TEXT NOT NULL,
    end_date         TEXT,
    auto_renew       INTEGER,
    status           TEXT NOT NULL,          -- active | cancelled | expired
    monthly_price_cents INTEGER,
    UNIQUE (source, subscription_key)
);
CREATE INDEX subscription_person ON subscription(source_record_id);

CREATE TABLE event_ticket (
    id               INTEGER PRIMARY KEY,
    source_record_id INTEGER NOT NULL REFERENCES source_record(id),
    source           TEXT NOT NULL,
    ticket_key       TEXT NOT NULL,
    event_name       TEXT NOT NULL,
    event_date       TEXT NOT NULL,
    price_cents      INTEGER,
    status           TEXT NOT NULL,          -- checked_in | no_show | cancelled
    UNIQUE (source, ticket_key)
);
CREATE INDEX event_ticket_person ON event_ticket(source_record_id);

-- Email platform activity, one row per contact per reporting period.
CREATE TABLE email_event (
    id               INTEGER PRIMARY KEY,
    source_record_id INTEGER NOT NULL REFERENCES source_record(id),
    source           TEXT NOT NULL,
    activity_key     TEXT NOT NULL,
    period_start     TEXT NOT NULL,
    sent             INTEGER NOT NULL,
    bounced          INTEGER NOT NULL,
    opened           INTEGER NOT NULL,
    clicked          INTEGER NOT NULL,
    unsubscribed     INTEGER NOT NULL,
    last_open_date   TEXT,
    UNIQUE (source, activity_key)
);
CREATE INDEX email_event_person ON email_event(source_record_id);
