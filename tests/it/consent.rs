//! Consent on generated data: the most restrictive answer of a person's records wins and
//! names its source, follows unmerges, and keeps people off the call list.

use cpm::store::consent::{Channel, golden_consent};

use crate::common::{count, cpm, resolved_store, scored_store};

const PEOPLE: u64 = 3000;

/// A golden record whose records disagree on `channel`: (golden id, the opted-out record,
/// another member record that says it is fine).
fn disagreeing(db: &cpm::store::Db, channel: &str) -> (i64, i64, i64) {
    db.conn
        .query_row(
            "SELECT out.constituent_id, out.source_record_id, fine.source_record_id
             FROM (SELECT cm.constituent_id, rc.source_record_id FROM record_consent rc
                   JOIN constituent_member cm USING (source_record_id)
                   WHERE rc.channel = ?1 AND rc.opted_out = 1) out
             JOIN (SELECT cm.constituent_id, rc.source_record_id FROM record_consent rc
                   JOIN constituent_member cm USING (source_record_id)
                   WHERE rc.channel = ?1 AND rc.opted_out = 0) fine USING (constituent_id)
             WHERE (SELECT count(*) FROM record_consent r JOIN constituent_member m USING (source_record_id)
                    WHERE m.constituent_id = out.constituent_id AND r.channel = ?1 AND r.opted_out = 1) = 1
             ORDER BY out.constituent_id LIMIT 1",
            [channel],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("the generator plants people who opted out in one system and not another")
}

fn source_key(db: &cpm::store::Db, record: i64) -> (String, String) {
    db.conn
        .query_row(
            "SELECT source, source_key FROM source_record WHERE id = ?1",
            [record],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

#[test]
fn an_opt_out_in_one_system_wins_on_the_golden_record_and_names_its_source() {
    let (_p, db) = resolved_store(PEOPLE);
    let (golden, out, _fine) = disagreeing(&db, "email");
    let email = golden_consent(&db.conn, golden)
        .unwrap()
        .into_iter()
        .find(|c| c.channel == Channel::Email)
        .expect("email consent on the golden record");
    assert!(email.opted_out, "the most restrictive answer wins");
    assert!(email.conflicting, "and the disagreement is visible");
    assert_eq!((email.source, email.source_key), source_key(&db, out));
    // Every source the generator plants consent in is read: the newspaper's opt-out, the
    // email platform's unsubscribes, the donor system's solicit codes.
    let sources = count(
        &db,
        "SELECT count(DISTINCT sr.source) FROM record_consent rc JOIN source_record sr ON sr.id = rc.source_record_id WHERE rc.opted_out = 1",
    );
    assert_eq!(sources, 3);
    // The quality check counts the golden records whose systems disagree.
    let disagreeing = count(
        &db,
        "SELECT count(*) FROM (SELECT DISTINCT constituent_id FROM constituent_consent WHERE conflicting)",
    );
    assert!(disagreeing > 0);
}

#[test]
fn an_unmerge_gives_each_side_back_its_own_consent() {
    let (p, mut db) = resolved_store(PEOPLE);
    let (golden, out, fine) = disagreeing(&db, "email");
    let config = cpm::resolve::settings::ResolutionConfig::load(&p.project()).unwrap();
    cpm::resolve::review::unmerge(&mut db, &config, out, "ana", Some("two people")).unwrap();
    let owner = |record: i64| -> i64 {
        db.conn
            .query_row(
                "SELECT constituent_id FROM constituent_member WHERE source_record_id = ?1",
                [record],
                |r| r.get(0),
            )
            .unwrap()
    };
    let email_of = |constituent: i64| {
        golden_consent(&db.conn, constituent)
            .unwrap()
            .into_iter()
            .find(|c| c.channel == Channel::Email)
            .map(|c| c.opted_out)
    };
    assert_ne!(owner(out), owner(fine));
    assert_eq!(
        email_of(owner(out)),
        Some(true),
        "the opted-out record keeps its opt-out"
    );
    assert_eq!(
        email_of(owner(fine)),
        Some(false),
        "the rest of {golden} is emailable again"
    );
}

#[test]
fn the_call_list_leaves_out_whoever_may_not_be_called_and_says_why() {
    let (p, db) = scored_store(PEOPLE);
    // The riskiest sustainer's donor record carries a do-not-call code, as a donor
    // system's solicit code would.
    let (riskiest, record): (i64, i64) = db
        .conn
        .query_row(
            "SELECT s.constituent_id, min(cm.source_record_id) FROM constituent_score s
             JOIN constituent_member cm ON cm.constituent_id = s.constituent_id
             WHERE s.churn_probability IS NOT NULL
             GROUP BY s.constituent_id ORDER BY s.churn_probability DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    db.conn
        .execute(
            "INSERT INTO record_consent (source_record_id, channel, opted_out, code, recorded_on, batch_id)
             VALUES (?1, 'phone', 1, 'DNC', '2026-01-05', (SELECT max(id) FROM ingest_batch))
             ON CONFLICT (source_record_id, channel) DO UPDATE SET opted_out = 1, code = 'DNC'",
            [record],
        )
        .unwrap();
    let file = p.root().join("calls.csv");
    let export = cpm::store::score::export_risk_csv(
        &db.conn,
        cpm::store::score::RiskSort::Probability,
        None,
        &file,
        "test",
    )
    .unwrap();
    let not_to_call = count(
        &db,
        "SELECT count(*) FROM constituent_score s JOIN constituent_consent cc
             ON cc.constituent_id = s.constituent_id AND cc.channel = 'phone' AND cc.opted_out = 1
         WHERE s.churn_probability IS NOT NULL",
    );
    let sustainers = count(
        &db,
        "SELECT count(*) FROM constituent_score WHERE churn_probability IS NOT NULL",
    );
    assert!(not_to_call >= 1);
    assert_eq!(export.left_out_total() as i64, not_to_call);
    assert_eq!(export.rows as i64, sustainers - not_to_call);
    let text = std::fs::read_to_string(&file).unwrap();
    let note = text.lines().next().unwrap();
    assert!(note.starts_with("# left out"), "{note}");
    assert!(note.contains("DNC ("), "{note}");
    let riskiest = cpm::store::browse::golden_id(riskiest);
    assert!(
        !text.contains(&riskiest),
        "{riskiest} is not on the call list"
    );
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_path(&file)
        .unwrap();
    assert_eq!(reader.records().count(), export.rows);
}

#[test]
fn the_risk_list_refuses_exactly_the_channels_the_consent_view_refuses() {
    let (_p, db) = scored_store(PEOPLE);
    // The Risk list reads a person's refusals straight from their records (fast); the
    // portable view is what the warehouse and the 360° view read. They must agree.
    let rows = cpm::store::score::risk_list(
        &db.conn,
        cpm::store::score::RiskSort::Probability,
        None,
        usize::MAX >> 1,
        0,
    )
    .unwrap();
    assert!(rows.len() > 50, "{} sustainers", rows.len());
    let mut refusing = 0;
    for row in &rows {
        let mut from_view: Vec<Channel> = golden_consent(&db.conn, row.constituent_id)
            .unwrap()
            .into_iter()
            .filter(|c| c.opted_out)
            .map(|c| c.channel)
            .collect();
        let mut from_list = row.no_contact.clone();
        from_view.sort_by_key(|c| c.name());
        from_list.sort_by_key(|c| c.name());
        assert_eq!(from_list, from_view, "{}", row.constituent_id);
        refusing += usize::from(!from_list.is_empty());
    }
    assert!(
        refusing > 0,
        "some sustainer refuses a channel in the generated data"
    );
}

/// Opt `constituent`'s first record out of `channels`, as a donor system's codes would.
fn refuse(db: &cpm::store::Db, constituent: i64, channels: &[&str]) {
    for channel in channels {
        db.conn
            .execute(
                "INSERT INTO record_consent (source_record_id, channel, opted_out, code, recorded_on, batch_id)
                 VALUES ((SELECT min(source_record_id) FROM constituent_member WHERE constituent_id = ?1),
                         ?2, 1, 'NO SOLICIT', '2026-01-05', (SELECT max(id) FROM ingest_batch))
                 ON CONFLICT (source_record_id, channel) DO UPDATE SET opted_out = 1, code = 'NO SOLICIT'",
                rusqlite::params![constituent, channel],
            )
            .unwrap();
    }
}

#[test]
fn no_view_offers_a_call_to_a_do_not_call_or_an_ask_to_who_refuses_every_channel() {
    use cpm::tui::app::AppOptions;
    use cpm::vocab::access::Role;
    use ratatui::crossterm::event::KeyCode;
    let (p, db) = scored_store(PEOPLE);
    // A sustainer at low churn risk with an upgrade ask (one at high risk has it held).
    let (id, action): (i64, String) = db
        .conn
        .query_row(
            "SELECT constituent_id, upgrade_action FROM constituent_score
             WHERE churn_probability IS NOT NULL AND upgrade_path IS NOT NULL
             ORDER BY churn_probability LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let golden = cpm::store::browse::golden_id(id);
    let show = || String::from_utf8_lossy(&cpm(&p, &["show", &golden]).stdout).into_owned();
    let explain =
        || String::from_utf8_lossy(&cpm(&p, &["score", "--explain", &golden]).stdout).into_owned();
    let before = show();
    assert!(before.contains(&format!("next step: {action}")), "{before}");
    assert!(!before.contains("DO NOT CALL"), "{before}");

    refuse(&db, id, &["phone"]);
    for text in [show(), explain()] {
        assert!(text.contains("DO NOT CALL (their consent)"), "{text}");
        assert!(
            text.contains(&format!("next step: {action}")),
            "others may ask: {text}"
        );
    }

    // The risk list a script reads says the same: no call to make, and why.
    let out = cpm(&p, &["--json", "risk", "list"]);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let row = rows
        .iter()
        .find(|r| r["constituent_id"] == golden.as_str())
        .expect("the sustainer is on the risk list");
    assert!(row["retention_ask"].is_null(), "{row}");
    assert!(row["no_contact"].to_string().contains("phone"), "{row}");
    assert!(
        rows.iter().any(|r| r["retention_ask"].is_string()),
        "others are called"
    );

    refuse(&db, id, &["email", "mail"]);
    let no_ask = "no ask: they accept contact on no channel";
    for text in [show(), explain()] {
        assert!(text.contains(no_ask) && !text.contains(&action), "{text}");
    }
    // The console's 360° view says the same.
    let options = AppOptions {
        role: Role::Membership,
        read_only: true,
        actor: "sam".into(),
        store_ready: true,
    };
    let mut c =
        cpm::tui::headless::Headless::open(&p.db_path(), &p.project(), options, 120, 60).unwrap();
    c.press(KeyCode::Char('2')).unwrap();
    c.press(KeyCode::Char('/')).unwrap();
    c.type_keys(&golden).unwrap();
    c.press(KeyCode::Enter).unwrap();
    c.press(KeyCode::Enter).unwrap();
    let screen = c.render().unwrap();
    assert!(screen.contains(&golden), "{screen}");
    assert!(screen.contains("DO NOT CALL (their consent)"), "{screen}");
    assert!(screen.contains(no_ask), "{screen}");
}
