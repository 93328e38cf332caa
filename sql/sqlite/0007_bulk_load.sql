-- Fact tables: their source-key uniqueness becomes a named index (was an inline UNIQUE
-- constraint, which SQLite cannot drop). A first load into an empty fact table drops the
-- table's indexes and builds them once, sorted, after the rows are in: inserting millions
-- of rows into an index keyed by random source ids thrashes the page cache.
-- Donations also gain the expiry of the card a charge used: cards expiring are the main
-- cause of sustainers lapsing, and processors record it with each charge.

CREATE TABLE donation_rebuilt (
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
    card_expires     TEXT                    -- the charged card's expiry (last day of its month)
);
INSERT INTO donation_rebuilt SELECT *, NULL FROM donation;
DROP TABLE donation;
ALTER TABLE donation_rebuilt RENAME TO donation;
CREATE UNIQUE INDEX donation_key ON donation(gift_key, source);
CREATE INDEX donation_person ON donation(source_record_id, gift_date);

CREATE TABLE subscription_rebuilt (
    id               INTEGER PRIMARY KEY,
    source_record_id INTEGER NOT NULL REFERENCES source_record(id),
    source           TEXT NOT NULL,
    subscription_key TEXT NOT NULL,
    plan             TEXT NOT NULL,
    start_date       TEXT NOT NULL,
    end_date         TEXT,
    auto_renew       INTEGER,
    status           TEXT NOT NULL,          -- active | cancelled | expired
    monthly_price_cents INTEGER
);
INSERT INTO subscription_rebuilt SELECT * FROM subscription;
DROP TABLE subscription;
ALTER TABLE subscription_rebuilt RENAME TO subscription;
CREATE UNIQUE INDEX subscription_key ON subscription(subscription_key, source);
CREATE INDEX subscription_person ON subscription(source_record_id);

CREATE TABLE event_ticket_rebuilt (
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
INSERT INTO event_ticket_rebuilt SELECT * FROM event_ticket;
DROP TABLE event_ticket;
ALTER TABLE event_ticket_rebuilt RENAME TO event_ticket;
CREATE UNIQUE INDEX event_ticket_key ON event_ticket(ticket_key, source);
CREATE INDEX event_ticket_person ON event_ticket(source_record_id);

CREATE TABLE email_event_rebuilt (
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
    last_open_date   TEXT
);
INSERT INTO email_event_rebuilt SELECT * FROM email_event;
DROP TABLE email_event;
ALTER TABLE email_event_rebuilt RENAME TO email_event;
CREATE UNIQUE INDEX email_event_key ON email_event(activity_key, source);
CREATE INDEX email_event_person ON email_event(source_record_id);

-- The size of each loaded file: a file whose size no earlier batch of its source had is
-- new or changed for certain, so its SHA-256 is computed while it is read instead of in a
-- pass before.
ALTER TABLE ingest_batch ADD COLUMN bytes INTEGER;
