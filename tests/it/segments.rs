//! Segments on generated data: counts equal hand-written SQL, exports honour consent and
//! one mailing per household, and an export is a contact that "not contacted in N days"
//! then sees.

use cpm::segments::{self, SegmentsFile};

use crate::common::{TempProject, count, cpm, resolved_store};

const PEOPLE: u64 = 3000;

#[test]
fn segment_counts_equal_a_hand_written_count() {
    let (p, db) = resolved_store(PEOPLE);
    let file = SegmentsFile::load(&p.project()).unwrap();
    let event_goers =
        segments::count(&db.conn, file.get("event_goers_who_never_gave").unwrap()).unwrap();
    let expected = count(
        &db,
        "SELECT count(*) FROM constituent c JOIN constituent_summary s ON s.constituent_id = c.id
         WHERE c.merged_into IS NULL AND s.events_attended > 0 AND s.gift_count = 0",
    );
    assert!(expected > 0);
    assert_eq!(event_goers.members, expected);
    let lapsed = segments::count(
        &db.conn,
        file.get("lapsed_sustainers_still_opening_email").unwrap(),
    )
    .unwrap();
    let expected = count(
        &db,
        "SELECT count(*) FROM constituent c JOIN constituent_summary s ON s.constituent_id = c.id
         WHERE c.merged_into IS NULL AND s.sustainer_status IN ('cancelled', 'lapsed')
           AND s.email_opens_12m > 0",
    );
    assert!(expected > 0);
    assert_eq!(lapsed.members, expected);
    let opted_out = count(
        &db,
        "SELECT count(*) FROM constituent c JOIN constituent_summary s ON s.constituent_id = c.id
         WHERE c.merged_into IS NULL AND s.sustainer_status IN ('cancelled', 'lapsed')
           AND s.email_opens_12m > 0
           AND EXISTS (SELECT 1 FROM constituent_consent cc WHERE cc.constituent_id = c.id
                       AND cc.channel = 'email' AND cc.opted_out = 1)",
    );
    assert_eq!(lapsed.may_be_contacted, expected - opted_out);
}

#[test]
fn an_email_export_leaves_out_the_unsubscribed_and_counts_as_a_contact() {
    let (p, db) = resolved_store(PEOPLE);
    let file = SegmentsFile::load(&p.project()).unwrap();
    let segment = file.get("lapsed_sustainers_still_opening_email").unwrap();
    // The most engaged member unsubscribes in one of their systems.
    let top = segments::members(&db.conn, segment, 1).unwrap().remove(0);
    let id: i64 = top.id.trim_start_matches("C-").parse().unwrap();
    db.conn
        .execute(
            "INSERT INTO record_consent (source_record_id, channel, opted_out, code, batch_id)
             SELECT min(source_record_id), 'email', 1, 'unsubscribed', (SELECT max(id) FROM ingest_batch)
             FROM constituent_member WHERE constituent_id = ?1
             ON CONFLICT (source_record_id, channel) DO UPDATE SET opted_out = 1",
            [id],
        )
        .unwrap();
    let before = segments::count(&db.conn, segment).unwrap();
    let out = p.root().join("campaign.csv");
    let export = segments::export(&db.conn, segment, &out, false, "bo").unwrap();
    assert_eq!(export.rows as i64, before.may_be_contacted);
    assert_eq!(
        export.left_out_consent as i64,
        before.members - before.may_be_contacted
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(!text.contains(&top.id), "{} unsubscribed", top.id);
    assert_eq!(text.lines().count(), export.rows + 1);
    // Each exported person was contacted by email, by bo.
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM contact_event WHERE channel = 'email' AND actor = 'bo'"
        ),
        export.rows as i64
    );
    // One mailing per household: nobody shares a household on the list.
    let per_home = p.root().join("mailing.csv");
    let mailing = segments::export(&db.conn, segment, &per_home, true, "bo").unwrap();
    let mut reader = csv::Reader::from_path(&per_home).unwrap();
    let homes: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[7].to_string())
        .filter(|h| !h.is_empty())
        .collect();
    let distinct: std::collections::HashSet<&String> = homes.iter().collect();
    assert_eq!(distinct.len(), homes.len());
    assert_eq!(mailing.rows + mailing.left_out_household, export.rows);
}

#[test]
fn not_contacted_in_90_days_forgets_no_one_just_contacted() {
    let (p, db) = resolved_store(PEOPLE);
    let file = SegmentsFile::load(&p.project()).unwrap();
    let segment = file
        .get("major_gift_prospects_not_contacted_90_days")
        .unwrap();
    let before = segments::count(&db.conn, segment).unwrap();
    assert!(before.members > 0);
    let out = p.root().join("calls.csv");
    let export = segments::export(&db.conn, segment, &out, false, "mo").unwrap();
    assert!(export.rows > 0);
    let after = segments::count(&db.conn, segment).unwrap();
    assert_eq!(after.members, before.members - export.rows as i64);
}

#[test]
fn a_bad_segment_rule_is_refused_naming_file_line_and_key() {
    let p = TempProject::new();
    p.write_config(
        "segments.yaml",
        "segments:\n  - name: donors\n    display_name: Donors\n    owner: me\n    channel: email\n    rule:\n      - { field: lifetime, op: \">\", value: 0 }\n      - { field: lifetime, op: likes, value: 0 }\n",
    );
    let output = cpm(&p, &["segment", "list"]);
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("segments.yaml:8")
            && err.contains("donors.rule[1]")
            && err.contains("unknown op 'likes'"),
        "{err}"
    );
}
