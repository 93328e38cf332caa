-- Contact history: every time the organisation reached a person (a triage call, a segment
-- exported to a campaign): who, when, on which channel, with what outcome.
CREATE TABLE contact_event (
    id             INTEGER PRIMARY KEY,
    constituent_id INTEGER NOT NULL REFERENCES constituent(id),
    at             TEXT NOT NULL,
    actor          TEXT NOT NULL,
    channel        TEXT NOT NULL CHECK (channel IN ('email', 'phone', 'mail')),
    kind           TEXT NOT NULL,
    outcome        TEXT,
    detail         TEXT
);
CREATE INDEX contact_event_constituent ON contact_event(constituent_id, at);

-- One row per live golden record with what segments select on: giving, membership,
-- engagement (0-100 from its parts, as of the data's as-of date), scores, consent,
-- household and the last contact. The engagement parts:
--   giving recency  30: last gift within 90 days, 22 within 180, 15 within a year, 5 within two
--   giving          20: an active sustainer, or 12-month giving of $1,000 (15: $250, 10: $100, 5: any)
--   email           25: the share of the last 12 months' emails opened
--   events          15: 5 per event attended, up to three
--   newspaper       10: an active subscription
CREATE VIEW constituent_profile AS
WITH as_of AS (SELECT max(gift_date) AS day FROM donation WHERE status = 'succeeded'),
base AS (
    SELECT c.id AS constituent_id,
           trim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')) AS name,
           c.email, c.phone, c.address1, c.city, c.zip,
           s.lifetime_cents / 100.0 AS lifetime,
           s.trailing_12m_cents / 100.0 AS giving_12m,
           s.gift_count,
           s.last_gift_date,
           CAST(julianday(as_of.day) - julianday(s.last_gift_date) AS INTEGER) AS days_since_gift,
           coalesce(s.sustainer_status, 'none') AS sustainer_status,
           coalesce(s.sustainer_monthly_cents, 0) / 100.0 AS monthly_amount,
           coalesce(s.subscription_status, 'none') AS subscription_status,
           s.events_attended, s.email_opens_12m, s.email_sent_12m, s.system_count,
           coalesce(sc.churn_tier, 'none') AS churn_tier,
           sc.churn_probability,
           coalesce(sc.upgrade_path, 'none') AS upgrade_path,
           hm.household_id,
           (SELECT max(ce.at) FROM contact_event ce WHERE ce.constituent_id = c.id) AS last_contact
    FROM constituent c
    JOIN constituent_summary s ON s.constituent_id = c.id
    CROSS JOIN as_of
    LEFT JOIN constituent_score sc ON sc.constituent_id = c.id
    LEFT JOIN household_member hm ON hm.constituent_id = c.id
    WHERE c.merged_into IS NULL
),
parts AS (
    SELECT base.*,
           CASE WHEN days_since_gift IS NULL THEN 0 WHEN days_since_gift <= 90 THEN 30
                WHEN days_since_gift <= 180 THEN 22 WHEN days_since_gift <= 365 THEN 15
                WHEN days_since_gift <= 730 THEN 5 ELSE 0 END AS engagement_recency,
           CASE WHEN sustainer_status = 'active' OR giving_12m >= 1000 THEN 20
                WHEN giving_12m >= 250 THEN 15 WHEN giving_12m >= 100 THEN 10
                WHEN giving_12m > 0 THEN 5 ELSE 0 END AS engagement_giving,
           CASE WHEN email_sent_12m > 0
                THEN CAST(round(25.0 * min(email_opens_12m, email_sent_12m) / email_sent_12m) AS INTEGER)
                ELSE 0 END AS engagement_email,
           min(15, 5 * events_attended) AS engagement_events,
           CASE WHEN subscription_status = 'active' THEN 10 ELSE 0 END AS engagement_newspaper
    FROM base
)
SELECT parts.*,
       engagement_recency + engagement_giving + engagement_email + engagement_events
           + engagement_newspaper AS engagement,
       -- Never contacted reads as "long ago" for a rule like "not contacted in 90 days".
       coalesce(CAST(julianday('now') - julianday(last_contact) AS INTEGER), 99999) AS days_since_contact,
       NOT EXISTS (SELECT 1 FROM constituent_member cm JOIN record_consent rc ON rc.source_record_id = cm.source_record_id
                   WHERE cm.constituent_id = parts.constituent_id AND rc.channel = 'email' AND rc.opted_out = 1) AS may_email,
       NOT EXISTS (SELECT 1 FROM constituent_member cm JOIN record_consent rc ON rc.source_record_id = cm.source_record_id
                   WHERE cm.constituent_id = parts.constituent_id AND rc.channel = 'phone' AND rc.opted_out = 1) AS may_call,
       NOT EXISTS (SELECT 1 FROM constituent_member cm JOIN record_consent rc ON rc.source_record_id = cm.source_record_id
                   WHERE cm.constituent_id = parts.constituent_id AND rc.channel = 'mail' AND rc.opted_out = 1) AS may_mail
FROM parts;
