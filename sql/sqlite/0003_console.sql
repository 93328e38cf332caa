-- What the console needs to stay fast on a million golden records.

-- Keyset paging of the constituent list by name and by lifetime giving (id breaks ties,
-- so every page boundary is exact and no OFFSET is ever needed).
CREATE INDEX constituent_by_name ON constituent(coalesce(last_name, '') COLLATE NOCASE, coalesce(first_name, '') COLLATE NOCASE, id)
    WHERE retired_at IS NULL;
CREATE INDEX constituent_summary_by_lifetime ON constituent_summary(lifetime_cents, constituent_id);

-- "Decided today" on the Review pane.
CREATE INDEX audit_event_action_at ON audit_event(action, at);

-- Search by phone digits: the FTS row now carries the golden phone's normalised 10 digits
-- as well as its display form. Rebuild the index for stores resolved before this migration.
DELETE FROM constituent_fts;
INSERT INTO constituent_fts (rowid, name, email, phone)
    SELECT c.id, coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, ''),
           coalesce(c.email, ''),
           coalesce(c.phone, '') || ' ' || coalesce((SELECT n_phone FROM source_record WHERE id = c.phone_src), '')
    FROM constituent c WHERE c.retired_at IS NULL;
