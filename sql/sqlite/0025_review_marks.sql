-- Review pairs a steward marked for one decision, kept when the console closes: by the two
-- records' ids (a resolution run numbers its candidate pairs anew, never its records), per
-- actor. Console state, not a change to anyone's data: not audited, not exported.
CREATE TABLE review_mark (
    actor     TEXT NOT NULL,
    record_a  INTEGER NOT NULL,
    record_b  INTEGER NOT NULL,
    marked_at TEXT NOT NULL,
    PRIMARY KEY (actor, record_a, record_b)
) WITHOUT ROWID;
