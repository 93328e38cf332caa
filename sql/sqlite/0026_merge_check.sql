-- Merges a resolution run made, drawn at random for a steward to check (`cpm review check
-- --draw N`, `C` in the Review tab): they lead the review queue until decided, and the
-- decisions on them measure the auto band's precision on a file nobody has labelled. By
-- the two records' ids (a run numbers its candidate pairs anew, never its records).
CREATE TABLE merge_check (
    id        INTEGER PRIMARY KEY,
    record_a  INTEGER NOT NULL,
    record_b  INTEGER NOT NULL,
    drawn_at  TEXT NOT NULL,
    drawn_by  TEXT NOT NULL,
    UNIQUE (record_a, record_b)
);
