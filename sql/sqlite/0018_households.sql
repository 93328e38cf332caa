-- Households: golden records at one home (the same address, unit and ZIP) that share a
-- surname, a phone or a mailbox, or that a steward said live together. Rebuilt by every
-- resolution run and steward decision; a household keeps its id while most of its people
-- stay (as golden records keep theirs).
CREATE TABLE household (
    id           INTEGER PRIMARY KEY,
    address      TEXT NOT NULL,
    zip          TEXT NOT NULL,
    member_count INTEGER NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE household_member (
    constituent_id INTEGER PRIMARY KEY REFERENCES constituent(id),
    household_id   INTEGER NOT NULL REFERENCES household(id)
);
CREATE INDEX household_member_household ON household_member(household_id);

-- A steward's "same household, different people": the two records are kept apart (a
-- cannot-link) and their golden records live in one household.
CREATE TABLE household_link (
    id         INTEGER PRIMARY KEY,
    record_a   INTEGER NOT NULL REFERENCES source_record(id),
    record_b   INTEGER NOT NULL REFERENCES source_record(id),
    actor      TEXT NOT NULL,
    at         TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX household_link_records ON household_link(record_a, record_b);
