-- Who on the membership team owns a person's case, and when to follow up.
CREATE TABLE triage_assignment (
    constituent_id INTEGER PRIMARY KEY REFERENCES constituent(id),
    assignee       TEXT,
    follow_up      TEXT,
    actor          TEXT NOT NULL,
    at             TEXT NOT NULL
);
CREATE INDEX triage_assignment_follow_up ON triage_assignment(follow_up) WHERE follow_up IS NOT NULL;
