-- What the console needs to stay fast on a million golden records.

-- Keyset paging of the constituent list by name and by lifetime giving (id breaks ties,
-- so every page boundary is exact and no OFFSET is ever needed). The name order is a
-- generated column: SQLite seeks a row-value range on a plain indexed column, but only
-- scans an expression index.
ALTER TABLE constituent ADD COLUMN sort_name TEXT
    GENERATED ALWAYS AS (lower(coalesce(last_name, '')) || char(1) || lower(coalesce(first_name, ''))) VIRTUAL;
CREATE INDEX constituent_by_name ON constituent(sort_name, id) WHERE retired_at IS NULL;
CREATE INDEX constituent_summary_by_lifetime ON constituent_summary(lifetime_cents, constituent_id);

-- "Decided today" on the Review pane, and a record's match history (by either side).
CREATE INDEX audit_event_action_at ON audit_event(action, at);
CREATE INDEX audit_event_record_b ON audit_event(record_b);

-- Search by phone digits: the FTS row now carries the golden phone's normalised 10 digits
-- as well as its display form. Rebuild the index for stores resolved before this migration.
DELETE FROM constituent_fts;
INSERT INTO constituent_fts (rowid, name, email, phone)
    SELECT c.id, coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, ''),
           coalesce(c.email, ''),
           coalesce(c.phone, '') || ' ' || coalesce((SELECT n_phone FROM source_record WHERE id = c.phone_src), '')
    FROM constituent c WHERE c.retired_at IS NULL;

-- The review queue in both of its orders, straight from an index: a page of the queue
-- reads its rows and stops, however many pairs wait.
CREATE INDEX match_candidate_queue_by_stake
    ON match_candidate(band, sustainer DESC, stake_cents DESC, score DESC, id);
CREATE INDEX match_candidate_queue_by_score ON match_candidate(band, score DESC, id);
