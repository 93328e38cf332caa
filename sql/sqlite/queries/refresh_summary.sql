-- The 360-degree aggregates for the constituents in temp.touched, as of ?1.
INSERT OR REPLACE INTO constituent_summary
WITH m AS (
    SELECT cm.constituent_id AS cid, sr.id AS rid, sr.system
    FROM temp.touched t
    JOIN constituent_member cm ON cm.constituent_id = t.id
    JOIN source_record sr ON sr.id = cm.source_record_id
),
gifts AS (
    SELECT m.cid,
           sum(CASE WHEN d.status = 'succeeded' THEN d.amount_cents ELSE 0 END) AS lifetime,
           sum(CASE WHEN d.status = 'succeeded' AND d.gift_date > date(?1, '-12 months') THEN d.amount_cents ELSE 0 END) AS t12,
           count(CASE WHEN d.status = 'succeeded' THEN 1 END) AS n,
           min(CASE WHEN d.status = 'succeeded' THEN d.gift_date END) AS first_gift,
           max(CASE WHEN d.status = 'succeeded' THEN d.gift_date END) AS last_gift
    FROM m JOIN donation d ON d.source_record_id = m.rid
    GROUP BY m.cid
),
latest_recurring AS (
    SELECT cid, recurring_status, amount_cents FROM (
        SELECT m.cid, d.recurring_status, d.amount_cents,
               row_number() OVER (PARTITION BY m.cid ORDER BY d.gift_date DESC, d.id DESC) AS k
        FROM m JOIN donation d ON d.source_record_id = m.rid
        WHERE d.gift_type = 'recurring'
    ) WHERE k = 1
),
subs AS (
    SELECT m.cid,
           CASE WHEN max(s.status = 'active') THEN 'active' ELSE max(s.status) END AS status
    FROM m JOIN subscription s ON s.source_record_id = m.rid
    GROUP BY m.cid
),
events AS (
    SELECT m.cid, count(*) AS attended
    FROM m JOIN event_ticket e ON e.source_record_id = m.rid
    WHERE e.status = 'checked_in'
    GROUP BY m.cid
),
mail AS (
    SELECT m.cid, sum(e.opened) AS opens, sum(e.sent - e.bounced) AS sent
    FROM m JOIN email_event e ON e.source_record_id = m.rid
    WHERE e.period_start > date(?1, '-12 months')
    GROUP BY m.cid
),
systems AS (
    SELECT cid, group_concat(DISTINCT system ORDER BY system) AS list, count(DISTINCT system) AS n
    FROM m GROUP BY cid
)
SELECT sy.cid, sy.list, sy.n,
       coalesce(g.lifetime, 0), coalesce(g.t12, 0), coalesce(g.n, 0), g.first_gift, g.last_gift,
       lr.recurring_status, lr.amount_cents, s.status,
       coalesce(ev.attended, 0), coalesce(ml.opens, 0), coalesce(ml.sent, 0)
FROM systems sy
LEFT JOIN gifts g ON g.cid = sy.cid
LEFT JOIN latest_recurring lr ON lr.cid = sy.cid
LEFT JOIN subs s ON s.cid = sy.cid
LEFT JOIN events ev ON ev.cid = sy.cid
LEFT JOIN mail ml ON ml.cid = sy.cid
