//! Households on generated data: people at one home are one household, a steward's
//! "same household, different people" keeps them apart and linked, household metrics
//! count what a hand-written query counts.

use std::collections::HashMap;

use cpm::resolve::review::{self, Decision};
use cpm::resolve::settings::ResolutionConfig;

use crate::common::{count, resolved_store};

const PEOPLE: u64 = 3000;

fn household_of(db: &cpm::store::Db, constituent: i64) -> Option<i64> {
    db.conn
        .query_row(
            "SELECT household_id FROM household_member WHERE constituent_id = ?1",
            [constituent],
            |r| r.get(0),
        )
        .ok()
}

fn golden_of(db: &cpm::store::Db, record: i64) -> i64 {
    db.conn
        .query_row(
            "SELECT constituent_id FROM constituent_member WHERE source_record_id = ?1",
            [record],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn two_partners_at_one_home_are_one_household_even_with_different_surnames() {
    let (p, db) = resolved_store(PEOPLE);
    // The generator's households, by source record.
    let truth = p.root().join("data/synthetic/ground_truth.csv");
    let mut home_of: HashMap<(String, String), i64> = HashMap::new();
    for row in csv::Reader::from_path(truth).unwrap().records() {
        let row = row.unwrap();
        home_of.insert(
            (row[0].to_string(), row[1].to_string()),
            row[3].parse().unwrap(),
        );
    }
    // Golden records at one normalised home whose people the generator put in one
    // household, with different surnames on their golden records.
    let mut statement = db
        .conn
        .prepare(
            "SELECT c.id, a.n_address || '|' || coalesce(a.n_unit, '') || '|' || a.n_zip, c.last_name,
                    (SELECT sr.source || '|' || sr.source_key FROM source_record sr WHERE sr.id = c.address1_src)
             FROM constituent c JOIN source_record a ON a.id = c.address1_src
             WHERE c.merged_into IS NULL",
        )
        .unwrap();
    let mut by_home: HashMap<String, Vec<(i64, String, i64)>> = HashMap::new();
    for row in statement
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .unwrap()
    {
        let (id, home, last, record) = row.unwrap();
        let (source, key) = record.split_once('|').unwrap();
        if let Some(&truth_home) = home_of.get(&(source.to_string(), key.to_string())) {
            by_home.entry(home).or_default().push((
                id,
                last.unwrap_or_default().to_lowercase(),
                truth_home,
            ));
        }
    }
    let partners = by_home
        .values()
        .filter(|people| people.len() == 2 && people[0].2 == people[1].2)
        .find(|people| people[0].1 != people[1].1)
        .expect("the generator plants couples with two surnames");
    let (a, b) = (partners[0].0, partners[1].0);
    assert!(household_of(&db, a).is_some());
    assert_eq!(household_of(&db, a), household_of(&db, b));
    let shown = cpm::store::household::household_of(&db.conn, a)
        .unwrap()
        .unwrap();
    let ids: Vec<String> = shown.members.iter().map(|m| m.0.clone()).collect();
    assert_eq!(
        ids,
        vec![
            cpm::store::browse::golden_id(a),
            cpm::store::browse::golden_id(b)
        ]
    );
}

#[test]
fn same_household_different_people_keeps_them_apart_and_linked_until_undone() {
    let (p, mut db) = resolved_store(PEOPLE);
    let config = ResolutionConfig::load(&p.project()).unwrap();
    // A pending pair at two different homes (so only the steward's word joins them).
    let (candidate, a, b): (i64, i64, i64) = db
        .conn
        .query_row(
            "SELECT mc.id, mc.record_a, mc.record_b FROM match_candidate mc
             JOIN constituent_member ma ON ma.source_record_id = mc.record_a
             JOIN constituent_member mb ON mb.source_record_id = mc.record_b
             LEFT JOIN household_member ha ON ha.constituent_id = ma.constituent_id
             LEFT JOIN household_member hb ON hb.constituent_id = mb.constituent_id
             WHERE mc.band = 'review' AND ma.constituent_id <> mb.constituent_id
               AND ha.household_id IS NOT NULL AND hb.household_id IS NOT NULL
               AND ha.household_id <> hb.household_id
             ORDER BY mc.id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("a review pair in two households");
    let decided = review::decide_each(
        &mut db,
        &config,
        Decision::Household,
        &[candidate],
        "ana",
        None,
    );
    assert!(decided.not_decided.is_empty(), "{:?}", decided.not_decided);
    let (ga, gb) = (golden_of(&db, a), golden_of(&db, b));
    assert_ne!(ga, gb, "kept apart");
    assert_eq!(
        household_of(&db, ga),
        household_of(&db, gb),
        "one household"
    );
    assert_eq!(count(&db, MISCOUNTED_HOUSEHOLDS), 0, "member counts kept");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM link_constraint WHERE decision = 'household' AND kind = 'cannot_link' AND revoked_at IS NULL"
        ),
        1
    );
    let audit: String = db
        .conn
        .query_row(
            "SELECT actor FROM audit_event WHERE action = 'household' ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audit, "ana");
    // The pair left the queue.
    assert!(
        !review::queue(&db.conn, review::QueueOrder::Score, 100_000, 0)
            .unwrap()
            .iter()
            .any(|item| item.candidate_id == candidate)
    );
    review::undo(&mut db, &config, "ana").unwrap();
    let (ga, gb) = (golden_of(&db, a), golden_of(&db, b));
    assert_ne!(
        household_of(&db, ga),
        household_of(&db, gb),
        "the link is gone"
    );
    assert_eq!(count(&db, MISCOUNTED_HOUSEHOLDS), 0, "member counts kept");
}

/// Households whose stored member count is not their members' (a rebuild rewrites both).
const MISCOUNTED_HOUSEHOLDS: &str = "SELECT count(*) FROM household h
    WHERE h.member_count <> (SELECT count(*) FROM household_member hm WHERE hm.household_id = h.id)";

#[test]
fn households_giving_counts_what_a_hand_written_query_counts() {
    let (p, db) = resolved_store(PEOPLE);
    let file = cpm::metrics::def::MetricsFile::load(&p.project()).unwrap();
    let as_of = cpm::metrics::data_as_of(&db.conn).unwrap();
    let value = |name: &str| {
        cpm::metrics::value(&db.conn, &file, name, as_of, None, "test")
            .unwrap()
            .value
            .unwrap()
    };
    let start = as_of - chrono::Months::new(12);
    let expected: i64 = db
        .conn
        .query_row(
            "SELECT count(*) FROM (
                 SELECT DISTINCT coalesce(hm.household_id, -cm.constituent_id)
                 FROM donation d JOIN constituent_member cm ON cm.source_record_id = d.source_record_id
                 LEFT JOIN household_member hm ON hm.constituent_id = cm.constituent_id
                 WHERE d.status = 'succeeded' AND d.gift_date > ?1 AND d.gift_date <= ?2)",
            [start.to_string(), as_of.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    let households = value("households_giving_12m");
    assert_eq!(households, expected as f64);
    assert!(
        households < value("active_members"),
        "some homes give twice"
    );
    let average = value("average_household_gift_12m");
    assert!((average - value("giving_12m") / households).abs() < 1e-6);
}
