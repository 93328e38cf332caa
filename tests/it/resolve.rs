//! Identity resolution through the library API on generated data: decisions are durable,
//! attributed and survive re-runs; unmerge and undo restore; ids are stable.

use cpm::progress::Silent;
use cpm::resolve::{self, review, settings::ResolutionConfig};
use cpm::store::Db;

use crate::common::{TempProject, count, generated, resolved_store};

/// The configuration the test store was resolved with.
fn config(p: &TempProject) -> ResolutionConfig {
    ResolutionConfig::load(&p.project()).unwrap()
}

/// A store holding only `sources` of a generated file (`dir`), resolved: its run summary
/// and evaluation against those sources' truth.
fn resolved_alone(
    p: &TempProject,
    dir: &std::path::Path,
    sources: &[&str],
) -> (resolve::RunSummary, cpm::resolve::evaluate::Evaluation) {
    use cpm::ingest::{self, IngestOptions};
    use cpm::resolve::evaluate::{evaluate, read_truth};
    let mut db = p.db();
    let options = IngestOptions {
        only: sources.iter().map(|s| s.to_string()).collect(),
        source_dir: Some(dir.to_path_buf()),
        strict: false,
    };
    ingest::ingest(&mut db, &p.project(), &options, &Silent).unwrap();
    let summary = resolve::run(&mut db, &config(p), "test-run", &Silent).unwrap();
    let truth: Vec<_> = read_truth(&dir.join("ground_truth.csv"))
        .unwrap()
        .into_iter()
        .filter(|t| sources.contains(&t.source.as_str()))
        .collect();
    (summary, evaluate(&db.conn, &truth).unwrap())
}

fn constituent_of(db: &Db, record: i64) -> i64 {
    db.conn
        .query_row(
            "SELECT constituent_id FROM constituent_member WHERE source_record_id = ?1",
            [record],
            |r| r.get(0),
        )
        .unwrap()
}

fn members(db: &Db, constituent: i64) -> Vec<i64> {
    let mut stmt = db
        .conn
        .prepare(
            "SELECT source_record_id FROM constituent_member WHERE constituent_id = ?1 ORDER BY 1",
        )
        .unwrap();
    stmt.query_map([constituent], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn every_record_belongs_to_exactly_one_golden_record_and_ids_are_stable_across_runs() {
    let (p, mut db) = resolved_store(1500);
    assert_eq!(
        count(&db, "SELECT count(*) FROM source_record"),
        count(&db, "SELECT count(*) FROM constituent_member")
    );
    let before = cpm::store::resolve::membership(&db.conn, None).unwrap();
    let summary = resolve::run(&mut db, &config(&p), "test-run", &Silent).unwrap();
    assert_eq!(
        summary.write.created, 0,
        "a re-run on the same data creates no new ids"
    );
    let after = cpm::store::resolve::membership(&db.conn, None).unwrap();
    assert_eq!(before, after);
    // Contributions stored with each candidate add up to its score.
    let mut stmt = db
        .conn
        .prepare("SELECT score, contributions FROM match_candidate")
        .unwrap();
    for row in stmt
        .query_map([], |r| Ok((r.get::<_, f64>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
    {
        let (score, json) = row.unwrap();
        let parts = cpm::resolve::compare::decode_contributions(&json).unwrap();
        let sum: f64 = parts.iter().map(|p| p.contribution).sum();
        assert!((sum - score).abs() < 1e-6, "{sum} != {score}");
    }
}

#[test]
fn ids_stay_stable_when_new_records_arrive_and_a_returning_person_joins_their_golden_record() {
    let (p, mut db) = resolved_store(1500);
    let before = cpm::store::resolve::membership(&db.conn, None).unwrap();
    // Someone already known (by name and personal email, from the donor file), and someone new.
    let (known, first, last, email): (i64, String, String, String) = db
        .conn
        .query_row(
            "SELECT id, first_name, last_name, email FROM source_record
             WHERE source = 'wbez_donations' AND email LIKE '%@gmail.com' AND first_name IS NOT NULL
             ORDER BY id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    let file = p.root().join("new_gifts.csv");
    std::fs::write(
        &file,
        format!(
            "id,first,last,email,phone,zip,gift_id,date,amount\n\
             N1,{first},{last},{email},,,G1,2025-01-15,25.00\n\
             N2,Zebulon,Quixwater,zq.unique.person@example.org,,,G2,2025-01-16,40.00\n"
        ),
    )
    .unwrap();
    p.write_config("sources.yaml", &crate::common::donation_source(&file));
    cpm::ingest::ingest(
        &mut db,
        &p.project(),
        &cpm::ingest::IngestOptions {
            only: vec![],
            source_dir: None,
            strict: false,
        },
        &Silent,
    )
    .unwrap();
    let summary = resolve::run(&mut db, &config(&p), "test-run", &Silent).unwrap();
    assert_eq!(
        summary.write.created, 1,
        "only the new person gets a new id"
    );
    let after = cpm::store::resolve::membership(&db.conn, None).unwrap();
    for (record, golden) in &before {
        assert_eq!(
            after.get(record),
            Some(golden),
            "record {record} kept its golden id"
        );
    }
    let record_of = |key: &str| -> i64 {
        db.conn
            .query_row(
                "SELECT id FROM source_record WHERE source = 'gifts' AND source_key = ?1",
                [key],
                |r| r.get(0),
            )
            .unwrap()
    };
    let returning = after[&record_of("N1")];
    assert_eq!(
        returning,
        constituent_of(&db, known),
        "joins the known person"
    );
    let newcomer = after[&record_of("N2")];
    assert!(
        before.iter().all(|(_, golden)| *golden != newcomer),
        "a new id, never an old one reused"
    );
}

#[test]
fn approve_reject_and_unmerge_are_durable_attributed_and_survive_a_rerun() {
    let (p, mut db) = resolved_store(3000);
    let config = config(&p);
    search_index_matches_the_live_golden_records(&db);
    let queue = review::queue(&db.conn, review::QueueOrder::Stake, 10, 0).unwrap();
    assert!(
        queue.len() >= 2,
        "the generated data should leave pairs for review"
    );
    let pending_before = review::pending_count(&db.conn).unwrap();

    // Approve merges the two golden records now.
    let first = &queue[0];
    let approved = review::approve(
        &mut db,
        &config,
        first.candidate_id,
        "ana",
        Some("same donor"),
    )
    .unwrap();
    assert_eq!(
        constituent_of(&db, first.a.id),
        constituent_of(&db, first.b.id)
    );
    // The approved pair leaves the queue, and so does any other pending pair whose records
    // the merge brought together (an ambiguous namesake's second match, say).
    let still_apart = |db: &Db| {
        review::queue(&db.conn, review::QueueOrder::Stake, 10_000, 0)
            .unwrap()
            .iter()
            .filter(|q| constituent_of(db, q.a.id) != constituent_of(db, q.b.id))
            .count() as i64
    };
    let pending_after = review::pending_count(&db.conn).unwrap();
    assert!(pending_after < pending_before);
    assert_eq!(pending_after, still_apart(&db));
    assert!(
        review::queue(&db.conn, review::QueueOrder::Stake, 10_000, 0)
            .unwrap()
            .iter()
            .all(|q| q.candidate_id != first.candidate_id)
    );
    let (actor, action): (String, String) = db
        .conn
        .query_row(
            "SELECT actor, action FROM audit_event WHERE id = ?1",
            [approved.audit_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((actor.as_str(), action.as_str()), ("ana", "approve"));
    // The merge's membership change names the records it brought in, sorted, and the
    // golden record's new size.
    let merged = constituent_of(&db, first.a.id);
    let details: String = db
        .conn
        .query_row(
            "SELECT details FROM audit_event
             WHERE action = 'membership_change' AND constituent_id = ?1
             ORDER BY id DESC LIMIT 1",
            [merged],
            |r| r.get(0),
        )
        .unwrap();
    assert!(details.starts_with(r#"{"added":["#), "{details}");
    let change: serde_json::Value = serde_json::from_str(&details).unwrap();
    let now_members = members(&db, merged);
    assert_eq!(change["members"], now_members.len());
    let added: Vec<i64> = serde_json::from_value(change["added"].clone()).unwrap();
    assert!(!added.is_empty() && added.is_sorted(), "{details}");
    assert!(added.iter().all(|r| now_members.contains(r)), "{details}");
    assert!(
        added.contains(&first.a.id) || added.contains(&first.b.id),
        "{details}"
    );
    assert_eq!(change["removed"], serde_json::json!([]));

    // Reject keeps a pair apart.
    let second = &queue[1];
    review::reject(&mut db, &config, second.candidate_id, "ben", None).unwrap();
    assert_ne!(
        constituent_of(&db, second.a.id),
        constituent_of(&db, second.b.id)
    );

    // A full re-run honours both decisions.
    resolve::run(&mut db, &config, "nightly", &Silent).unwrap();
    assert_eq!(
        constituent_of(&db, first.a.id),
        constituent_of(&db, first.b.id),
        "approval survives a re-run"
    );
    assert_ne!(
        constituent_of(&db, second.a.id),
        constituent_of(&db, second.b.id),
        "rejection survives a re-run"
    );

    // Unmerge takes a record out; the rest stay together; a re-run keeps it out.
    let merged = constituent_of(&db, first.a.id);
    let before = members(&db, merged);
    review::unmerge(
        &mut db,
        &config,
        first.b.id,
        "ana",
        Some("different people"),
    )
    .unwrap();
    assert_ne!(
        constituent_of(&db, first.b.id),
        constituent_of(&db, first.a.id)
    );
    resolve::run(&mut db, &config, "nightly", &Silent).unwrap();
    assert_ne!(
        constituent_of(&db, first.b.id),
        constituent_of(&db, first.a.id),
        "unmerge survives a re-run"
    );

    // Undo of the unmerge restores exactly the members that were there before.
    let undone = review::undo(&mut db, &config, "ana").unwrap();
    assert_eq!(undone.action, "undo unmerge");
    assert_eq!(undone.undid.as_deref(), Some("unmerge"));
    assert_eq!(
        constituent_of(&db, first.b.id),
        constituent_of(&db, first.a.id)
    );
    assert_eq!(members(&db, constituent_of(&db, first.a.id)), before);
    search_index_matches_the_live_golden_records(&db);
}

/// One search entry per live golden record, each with the record's current email:
/// a first run fills the index by id range, later changes entry by entry.
fn search_index_matches_the_live_golden_records(db: &Db) {
    let count = |sql: &str| -> i64 { db.conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let live = count("SELECT count(*) FROM constituent WHERE retired_at IS NULL");
    assert_eq!(count("SELECT count(*) FROM constituent_fts"), live);
    // The index's own consistency check (a first run's index is built apart and copied in).
    db.conn
        .execute_batch(
            "INSERT INTO constituent_fts (constituent_fts, rank) VALUES ('integrity-check', 0)",
        )
        .unwrap();
    let mut emails = db
        .conn
        .prepare("SELECT id, email FROM constituent WHERE retired_at IS NULL AND email IS NOT NULL ORDER BY id DESC LIMIT 20")
        .unwrap();
    let newest: Vec<(i64, String)> = emails
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (id, email) in newest {
        let found: Vec<i64> = db
            .conn
            .prepare("SELECT rowid FROM constituent_fts WHERE email MATCH ?1")
            .unwrap()
            .query_map([format!("\"{email}\"")], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(found.contains(&id), "C-{id} is found by its email");
    }
}

#[test]
fn undo_of_an_approval_restores_both_golden_records_with_their_ids() {
    let (p, mut db) = resolved_store(3000);
    let config = config(&p);
    let item = review::queue(&db.conn, review::QueueOrder::Score, 1, 0)
        .unwrap()
        .remove(0);
    let (ca, cb) = (
        constituent_of(&db, item.a.id),
        constituent_of(&db, item.b.id),
    );
    let (ma, mb) = (members(&db, ca), members(&db, cb));
    review::approve(&mut db, &config, item.candidate_id, "cy", None).unwrap();
    // The merged golden record keeps one id; the other is retired and points at it.
    let survivor = constituent_of(&db, item.a.id);
    let retired = if survivor == ca { cb } else { ca };
    let merged_into: Option<i64> = db
        .conn
        .query_row(
            "SELECT merged_into FROM constituent WHERE id = ?1 AND retired_at IS NOT NULL",
            [retired],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(merged_into, Some(survivor));
    review::undo(&mut db, &config, "cy").unwrap();
    assert_eq!(
        (
            constituent_of(&db, item.a.id),
            constituent_of(&db, item.b.id)
        ),
        (ca, cb)
    );
    assert_eq!((members(&db, ca), members(&db, cb)), (ma, mb));
    let actions: Vec<String> = {
        let mut s = db.conn.prepare("SELECT action FROM audit_event WHERE actor = 'cy' AND action IN ('approve', 'reject', 'skip', 'unmerge', 'undo') ORDER BY id").unwrap();
        s.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(actions.first().map(String::as_str), Some("approve"));
    assert_eq!(actions.last().map(String::as_str), Some("undo"));
}

#[test]
fn a_rerun_writes_only_golden_records_whose_facts_changed_and_summaries_add_up() {
    let (p, mut db) = resolved_store(1500);
    // The first run built the golden-record tables' indexes after filling them: all there.
    let indexes = |db: &Db| -> Vec<String> {
        let mut stmt = db
            .conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(indexes(&db), indexes(&Db::open_in_memory().unwrap()));
    let live = count(
        &db,
        "SELECT count(*) FROM constituent WHERE retired_at IS NULL",
    );
    let again = resolve::run(&mut db, &config(&p), "test-run", &Silent).unwrap();
    assert_eq!(
        again.write.unchanged as i64, live,
        "nothing changed, nothing written"
    );

    // A gift (dated before the newest one, so the as-of date stays) for one record.
    let (record, date): (i64, String) = db
        .conn
        .query_row(
            "SELECT source_record_id, min(gift_date) FROM donation WHERE status = 'succeeded'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let golden = constituent_of(&db, record);
    let lifetime = |db: &Db| {
        count(
            db,
            &format!(
                "SELECT lifetime_cents FROM constituent_summary WHERE constituent_id = {golden}"
            ),
        )
    };
    let before = lifetime(&db);
    db.conn
        .execute(
            "INSERT INTO donation (source_record_id, source, gift_key, gift_date, amount_cents, gift_type, status)
             SELECT source_record_id, source, 'extra-gift', gift_date, 12345, 'one_time', 'succeeded'
             FROM donation WHERE source_record_id = ?1 AND gift_date = ?2 LIMIT 1",
            rusqlite::params![record, date],
        )
        .unwrap();
    let third = resolve::run(&mut db, &config(&p), "test-run", &Silent).unwrap();
    assert_eq!(third.write.unchanged as i64, live - 1);
    assert_eq!(
        count(&db, "SELECT count(*) FROM match_candidate") as u64,
        third.auto_pairs + third.review_pairs,
        "the stored candidates are this run's"
    );
    assert_eq!(lifetime(&db), before + 12345);

    // Every summary agrees with the facts summed through the memberships.
    let disagreeing = count(
        &db,
        "SELECT count(*) FROM constituent_summary s
         LEFT JOIN (SELECT cm.constituent_id AS cid,
                           sum(CASE WHEN d.status = 'succeeded' THEN d.amount_cents ELSE 0 END) AS lifetime,
                           count(CASE WHEN d.status = 'succeeded' THEN 1 END) AS gifts
                    FROM donation d JOIN constituent_member cm ON cm.source_record_id = d.source_record_id
                    GROUP BY cm.constituent_id) g ON g.cid = s.constituent_id
         LEFT JOIN (SELECT cm.constituent_id AS cid, count(DISTINCT sr.system) AS systems
                    FROM constituent_member cm JOIN source_record sr ON sr.id = cm.source_record_id
                    GROUP BY cm.constituent_id) m ON m.cid = s.constituent_id
         WHERE s.lifetime_cents != coalesce(g.lifetime, 0) OR s.gift_count != coalesce(g.gifts, 0)
            OR s.system_count != m.systems",
    );
    assert_eq!(disagreeing, 0);
    assert_eq!(
        count(&db, "SELECT count(*) FROM constituent_summary"),
        live,
        "one summary per live golden record"
    );
}

/// A run whose search transaction never committed leaves its mark and no entries.
fn lose_search_entries(db: &Db) {
    db.conn
        .execute_batch(
            "INSERT INTO constituent_fts (constituent_fts) VALUES ('delete-all');
             INSERT OR REPLACE INTO resolution_state (name, value) VALUES ('search_index_pending', 42);",
        )
        .unwrap();
    assert_eq!(count(db, "SELECT count(*) FROM constituent_fts"), 0);
}

fn search_pending(db: &Db) -> i64 {
    count(
        db,
        "SELECT count(*) FROM resolution_state WHERE name = 'search_index_pending'",
    )
}

#[test]
fn search_entries_a_run_left_unwritten_are_rebuilt_by_the_next_write() {
    let (p, mut db) = resolved_store(1500);
    let config = config(&p);
    assert_eq!(search_pending(&db), 0, "a finished run clears its mark");
    search_index_matches_the_live_golden_records(&db);

    // A steward's decision is the next write: it rebuilds the whole index.
    lose_search_entries(&db);
    let record: i64 = db
        .conn
        .query_row(
            "SELECT source_record_id FROM constituent_member WHERE constituent_id IN
               (SELECT constituent_id FROM constituent_member GROUP BY 1 HAVING count(*) > 1)
             LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    review::unmerge(&mut db, &config, record, "ana", None).unwrap();
    assert_eq!(search_pending(&db), 0);
    search_index_matches_the_live_golden_records(&db);

    // A re-run is the next write: it rebuilds the whole index too, not only what it changed.
    lose_search_entries(&db);
    resolve::run(&mut db, &config, "nightly", &Silent).unwrap();
    assert_eq!(search_pending(&db), 0);
    search_index_matches_the_live_golden_records(&db);
}

#[test]
fn a_rerun_reuses_the_model_until_a_steward_decides_then_learns_from_the_decision() {
    let (p, mut db) = resolved_store(1500);
    let config = config(&p);
    let learned = cpm::resolve::model::MatchModel::latest(&db.conn)
        .unwrap()
        .unwrap();
    assert_eq!(learned.fit.labelled_non_matches, 0);
    let again = resolve::run(&mut db, &config, "test-run", &Silent).unwrap();
    assert!(
        again.model_reused,
        "nothing changed: the stored model still fits"
    );
    // A steward rejects a pair: the next run fits anew, with the rejection as a label.
    let pair = review::queue(&db.conn, review::QueueOrder::Score, 1, 0).unwrap()[0].candidate_id;
    review::reject(&mut db, &config, pair, "ana", None).unwrap();
    let after = resolve::run(&mut db, &config, "test-run", &Silent).unwrap();
    assert!(!after.model_reused);
    assert_eq!(after.model.labelled_non_matches, 1);
    let relearned = cpm::resolve::model::MatchModel::latest(&db.conn)
        .unwrap()
        .unwrap();
    assert_ne!(relearned.m, learned.m, "the rejection moved the estimates");
    // --relearn fits anew even when nothing changed.
    let forced = resolve::run_with(
        &mut db,
        &config,
        "test-run",
        &Silent,
        resolve::RunOptions { relearn: true },
    )
    .unwrap();
    assert!(!forced.model_reused);
}

#[test]
fn a_neighbourhood_counts_its_contacts_holders_over_the_whole_store() {
    use cpm::store::resolve::{contact_holders, load_records_by_id};
    let (_p, db) = resolved_store(1500);
    // Records whose email or phone another record holds too (a home's mailbox, a landline).
    let ids: Vec<i64> = db
        .conn
        .prepare(
            "SELECT min(id) FROM source_record WHERE n_email IS NOT NULL GROUP BY n_email
             HAVING count(*) > 2 LIMIT 5",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!ids.is_empty());
    let (recs, _) = load_records_by_id(&db.conn, &ids).unwrap();
    let holders = contact_holders(&db.conn, &recs).unwrap();
    for r in &recs {
        for (kind, column, value) in [
            ("email", "n_email", r.email()),
            ("phone", "n_phone", r.phone()),
        ] {
            let Some(value) = value else { continue };
            let (records, surnames): (i64, i64) = db
                .conn
                .query_row(
                    &format!(
                        "SELECT count(*), count(DISTINCT n_last) FROM source_record WHERE {column} = ?1"
                    ),
                    [value],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .unwrap();
            let held = holders[&(kind.to_string(), value.to_string())];
            assert_eq!(
                (held.records, held.surnames),
                (records as usize, surnames as usize)
            );
        }
        let email = ("email".to_string(), r.email().unwrap().to_string());
        assert!(holders[&email].records > 2);
    }
}

#[test]
fn a_rerun_with_other_blocking_learns_from_the_pairs_it_finds() {
    let (p, mut db) = resolved_store(1500);
    let mut config = config(&p);
    assert!(
        resolve::run(&mut db, &config, "test-run", &Silent)
            .unwrap()
            .model_reused
    );
    // One key fewer: other pairs are compared, and the model is learned from them.
    config.blocking.keys.retain(|k| k != "phonetic_names_zip3");
    let fewer = resolve::run(&mut db, &config, "test-run", &Silent).unwrap();
    assert!(!fewer.model_reused);
    let stored = cpm::resolve::model::MatchModel::latest(&db.conn)
        .unwrap()
        .unwrap();
    assert_eq!(stored.fit.blocking.as_ref(), Some(&config.blocking));
    assert_eq!(stored.fit.compared_pairs, fewer.candidate_pairs);
    // Then it holds again.
    assert!(
        resolve::run(&mut db, &config, "test-run", &Silent)
            .unwrap()
            .model_reused
    );
}

/// A run over one of the file's systems, evaluated with the whole file's truth: the other
/// systems' rows are left out and said to be, not counted as pairs missed.
#[test]
fn an_evaluation_leaves_out_the_sources_the_store_never_loaded() {
    use crate::common::{cpm, ok};
    let p = TempProject::new();
    generated(&p, 300, 4);
    ok(&cpm(&p, &["ingest", "--source", "wbez_donations"]));
    ok(&cpm(&p, &["resolve"]));
    let truth = std::fs::read_to_string(p.root().join("data/synthetic/ground_truth.csv")).unwrap();
    let mut donations: Vec<&str> = truth.lines().take(1).collect();
    donations.extend(truth.lines().filter(|l| l.starts_with("wbez_donations,")));
    std::fs::write(
        p.root().join("donations_truth.csv"),
        donations.join("\n") + "\n",
    )
    .unwrap();
    let figures = |text: &str| {
        let line = |what: &str| {
            text.lines()
                .find(|l| l.contains(what))
                .unwrap_or("")
                .to_string()
        };
        (line("pairwise precision"), line("recall if all approved"))
    };
    let whole = ok(&cpm(
        &p,
        &[
            "resolve",
            "--eval-only",
            "--eval",
            "data/synthetic/ground_truth.csv",
        ],
    ));
    let alone = ok(&cpm(
        &p,
        &["resolve", "--eval-only", "--eval", "donations_truth.csv"],
    ));
    assert!(
        whole.contains("left out, the store holding no record of them: email_engagement (")
            && whole.contains("suntimes_subscriptions ("),
        "{whole}"
    );
    assert!(!alone.contains("left out"), "{alone}");
    assert_eq!(figures(&whole), figures(&alone));
    assert!(!figures(&whole).0.is_empty());
}

#[test]
fn an_evaluation_shows_calibrated_scores_and_what_stricter_thresholds_would_give() {
    use cpm::resolve::evaluate::{compared_pairs, evaluate, read_truth};
    let (p, db) = resolved_store(3000);
    let truth = read_truth(&p.root().join("data/synthetic/ground_truth.csv")).unwrap();
    let evaluation = evaluate(&db.conn, &truth).unwrap();
    let compared = compared_pairs(&db.conn, &truth, &config(&p)).unwrap();
    // Every truth row is in the store, so both count the same true pairs.
    assert_eq!(compared.true_pairs, evaluation.true_pairs);
    assert!(compared.blocking_recall() > 0.97 && compared.blocking_recall() <= 1.0);
    // Each key alone: within what all keys together compare, and the keys' sole finds
    // are each one key's.
    let compared_true = compared.true_pairs - compared.true_pairs_never_compared;
    let keys = &compared.keys;
    assert_eq!(
        keys.iter().map(|k| k.key.as_str()).collect::<Vec<_>>(),
        config(&p).blocking.keys
    );
    assert!(
        keys.iter()
            .all(|k| k.only_this_key <= k.true_pairs && k.true_pairs <= k.pairs)
    );
    assert!(keys.iter().all(|k| k.true_pairs <= compared_true));
    assert!(keys.iter().map(|k| k.true_pairs).sum::<u64>() >= compared_true);
    assert!(keys.iter().map(|k| k.only_this_key).sum::<u64>() <= compared_true);
    assert!(keys.iter().any(|k| k.true_pairs > 0));
    let scores = compared.scores.expect("the run stored its model");
    // The score is a probability: in every well-filled band the share of true matches is
    // about the mean score.
    for band in scores.bands.iter().filter(|b| b.pairs >= 200) {
        let true_share = band.true_pairs as f64 / band.pairs as f64;
        assert!(
            (true_share - band.mean_score).abs() < 0.05,
            "{band:?}: true share {true_share:.3}"
        );
    }
    assert_eq!(
        scores.bands.iter().map(|b| b.pairs).sum::<u64>(),
        compared.true_pairs - compared.true_pairs_never_compared
            + scores
                .bands
                .iter()
                .map(|b| b.pairs - b.true_pairs)
                .sum::<u64>(),
        "every compared pair is in one band"
    );
    // The configured threshold first; a stricter one merges fewer pairs and finds less.
    let auto = &scores.thresholds[0];
    assert_eq!(auto.threshold, config(&p).thresholds.auto_match);
    for pair in scores.thresholds.windows(2) {
        assert!(pair[1].threshold > pair[0].threshold);
        assert!(pair[1].pairs <= pair[0].pairs && pair[1].recall <= pair[0].recall);
    }
    // The false pairs at the auto threshold are all classified by what disagrees in them.
    let f = &scores.false_auto;
    let false_auto = (auto.pairs as f64 * (1.0 - auto.precision)).round() as u64;
    assert_eq!(
        f.no_field_differs + f.only_email_differs + f.another_field_differs,
        false_auto
    );
    // Where the misses are: the true pairs scored below review and those never compared,
    // by comparison, commonest first, counted within their totals.
    let below_review: u64 = (scores.bands.iter())
        .filter(|b| b.high <= config(&p).thresholds.review)
        .map(|b| b.true_pairs)
        .sum();
    for (missed, total) in [
        (&scores.missed, below_review),
        (&scores.never_compared, compared.true_pairs_never_compared),
    ] {
        assert_eq!(missed.is_empty(), total == 0, "{missed:?}");
        assert!(missed.iter().map(|m| m.missed).sum::<u64>() <= total);
        assert!(missed.windows(2).all(|w| w[0].missed >= w[1].missed));
        assert!(missed.iter().all(|m| m.comparison.contains("; ")));
    }
    assert!(
        (scores.missed.iter()).all(|m| m.compared_alike >= m.missed && m.one_person_share > 0.0)
    );
}

#[test]
fn a_run_estimates_its_own_pairs_and_the_truth_bears_it_out() {
    use cpm::resolve::estimate;
    use cpm::resolve::evaluate::{compared_pairs, read_truth};
    let (p, mut db) = resolved_store(3000);
    // The stored model scores a re-run as it scored the first.
    let run = resolve::run(&mut db, &config(&p), "test-run", &Silent).unwrap();
    let e = run.expected;
    // Every compared pair is in one band, the auto band's as the run counts them.
    assert_eq!(
        e.auto.pairs + e.review.pairs + e.apart.pairs,
        run.candidate_pairs
    );
    assert_eq!(e.auto.pairs, run.auto_pairs);
    assert!(e.auto.one_person <= e.auto.pairs as f64 && e.auto.two_people() >= 0.0);
    assert!(e.review.one_person > 0.0 && e.apart.one_person > 0.0);
    // Recorded with the run: the console reads it back.
    assert_eq!(estimate::latest(&db.conn).unwrap(), Some(e));
    // The evaluation scores the same pairs and counts what the truth says of them.
    let truth = read_truth(&p.root().join("data/synthetic/ground_truth.csv")).unwrap();
    let scores = (compared_pairs(&db.conn, &truth, &config(&p))
        .unwrap()
        .scores)
        .expect("the run stored its model");
    let (expected, measured) = (scores.expected, scores.measured);
    assert_eq!(
        [
            expected.auto.pairs,
            expected.review.pairs,
            expected.apart.pairs
        ],
        [e.auto.pairs, e.review.pairs, e.apart.pairs]
    );
    assert!((expected.auto.one_person - e.auto.one_person).abs() < 1e-6);
    assert_eq!(measured.auto.pairs, e.auto.pairs);
    assert_eq!(
        measured.auto.one_person.fract(),
        0.0,
        "counted, not expected"
    );
    // A calibrated model's estimate is near what the truth counts.
    assert!(
        (expected.precision() - measured.precision()).abs() < 0.01,
        "{expected:?} {measured:?}"
    );
    assert!(
        (expected.recall_after_review() - measured.recall_after_review()).abs() < 0.02,
        "{expected:?} {measured:?}"
    );
    let review_share = |b: &estimate::PairsByBand| b.review.one_person / b.review.pairs as f64;
    assert!(
        (review_share(&expected) - review_share(&measured)).abs() < 0.1,
        "{expected:?} {measured:?}"
    );
}

#[test]
fn the_stewards_standing_decisions_are_set_against_the_scores_they_were_made_at() {
    use cpm::resolve::estimate::{DecidedBand, decisions_against_scores};
    let (p, mut db) = resolved_store(3000);
    let config = config(&p);
    assert!(decisions_against_scores(&db.conn).unwrap().is_empty());
    // Pairs far apart in the queue, so that no decision takes another's pair with it.
    let queue = review::queue(&db.conn, review::QueueOrder::Score, 1000, 0).unwrap();
    let (high, low) = (&queue[0], &queue[queue.len() - 1]);
    review::approve(&mut db, &config, high.candidate_id, "ana", None).unwrap();
    review::reject(&mut db, &config, low.candidate_id, "ana", None).unwrap();
    let decided = decisions_against_scores(&db.conn).unwrap();
    let all = DecidedBand::total(&decided);
    assert_eq!((all.decided, all.approved), (2, 1));
    assert!((all.expected_one_person - (high.score + low.score)).abs() < 1e-9);
    // Each decision in its score's band, the highest first.
    let band_of = |score: f64| {
        decided
            .iter()
            .find(|b| b.low <= score && score < b.high)
            .copied()
            .expect("a band holds the score")
    };
    assert_eq!(band_of(high.score).approved, 1);
    assert!(decided.windows(2).all(|w| w[0].low > w[1].low));
    // An undone decision no longer stands.
    review::undo(&mut db, &config, "ana").unwrap();
    let all = DecidedBand::total(&decisions_against_scores(&db.conn).unwrap());
    assert_eq!((all.decided, all.approved), (1, 1));
    // The run says it in a line; the model's page band by band.
    drop(db);
    let run = crate::common::ok(&crate::common::cpm(&p, &["resolve"]));
    assert!(
        run.contains(
            "your 1 standing decisions: their scores expected 1 of one person, you approved 1"
        ),
        "{run}"
    );
    let model = crate::common::ok(&crate::common::cpm(&p, &["resolve", "--explain-model"]));
    let table: Vec<&str> = model
        .lines()
        .skip_while(|l| !l.starts_with("your standing decisions"))
        .take(4)
        .collect();
    assert!(
        table.len() == 4 && table[3].trim_start().starts_with("all"),
        "{model}"
    );
}

#[test]
fn merges_drawn_to_check_lead_the_queue_and_the_decisions_on_them_measure_the_merges() {
    use cpm::resolve::merge_check;
    let (p, mut db) = resolved_store(3000);
    let config = config(&p);
    let pending = review::pending_count(&db.conn).unwrap();
    assert_eq!(merge_check::draw(&mut db, 5, "ana").unwrap(), 5);
    assert_eq!(review::pending_count(&db.conn).unwrap(), pending + 5);
    // They come first, in the order drawn, each a merge of the auto band.
    let queue = review::queue(&db.conn, review::QueueOrder::Stake, 8, 0).unwrap();
    let checks: Vec<_> = queue.iter().take_while(|i| i.check).collect();
    assert_eq!(checks.len(), 5);
    assert!(!queue[5].check);
    for c in &checks {
        assert!(c.score >= config.thresholds.auto_match);
        assert_eq!(constituent_of(&db, c.a.id), constituent_of(&db, c.b.id));
        // Their one golden record is shown once, both records in it marked.
        let context = review::pair_context(&db.conn, c.candidate_id).unwrap();
        assert_eq!(context.sides.len(), 1);
        assert_eq!(
            context.sides[0]
                .records
                .iter()
                .filter(|r| r.in_pair)
                .count(),
            2
        );
    }
    // A page further on starts past them.
    let page = review::queue(&db.conn, review::QueueOrder::Stake, 3, 4).unwrap();
    assert_eq!(page[0].candidate_id, checks[4].candidate_id);
    assert_eq!(page[1].candidate_id, queue[5].candidate_id);
    // A second draw takes merges not drawn before.
    assert_eq!(merge_check::draw(&mut db, 3, "ana").unwrap(), 3);
    assert_eq!(
        count(
            &db,
            "SELECT count(DISTINCT record_a || '-' || record_b) FROM merge_check"
        ),
        8
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit_event WHERE action = 'merge_check_drawn' AND actor = 'ana'"
        ),
        2
    );

    // Approving keeps a merge; rejecting splits it; both leave the queue.
    let (kept, split) = (checks[0], checks[1]);
    review::approve(&mut db, &config, kept.candidate_id, "ana", None).unwrap();
    review::reject(&mut db, &config, split.candidate_id, "ana", None).unwrap();
    assert_eq!(
        constituent_of(&db, kept.a.id),
        constituent_of(&db, kept.b.id)
    );
    assert_ne!(
        constituent_of(&db, split.a.id),
        constituent_of(&db, split.b.id)
    );
    assert_eq!(review::checks_waiting(&db.conn).unwrap(), 6);
    let results = merge_check::results(&db.conn).unwrap();
    assert_eq!(
        (results.drawn, results.checked, results.one_person),
        (8, 2, 1)
    );
    let (low, high) = results.interval().unwrap();
    assert!(low < 0.5 && 0.5 < high);
    // Undone, the rejection no longer counts and the merge waits to be checked again.
    review::undo(&mut db, &config, "ana").unwrap();
    assert_eq!(
        constituent_of(&db, split.a.id),
        constituent_of(&db, split.b.id)
    );
    assert_eq!(merge_check::results(&db.conn).unwrap().checked, 1);
    assert_eq!(review::checks_waiting(&db.conn).unwrap(), 7);
    // A run keeps them: they are held by their records.
    resolve::run(&mut db, &config, "test-run", &Silent).unwrap();
    assert_eq!(review::checks_waiting(&db.conn).unwrap(), 7);
    drop(db);

    // On the command line: drawing is a steward's decision, reading anyone's.
    let out = crate::common::cpm(
        &p,
        &["--role", "membership", "review", "check", "--draw", "1"],
    );
    assert!(!out.status.success());
    let said = crate::common::ok(&crate::common::cpm(
        &p,
        &["--role", "membership", "review", "check"],
    ));
    assert!(said.starts_with("1 merge checked of 8 drawn: 1 one person, 1.000 of the run's merges (95 % interval 0.207-1.000; the scores expect "), "{said}");
    let json: serde_json::Value = serde_json::from_str(&crate::common::ok(&crate::common::cpm(
        &p,
        &["--role", "membership", "review", "check", "--json"],
    )))
    .unwrap();
    assert_eq!(json["results"]["checked"], 1, "{json}");
    assert!(
        json["expected_precision"].as_f64().is_some_and(|p| p > 0.5),
        "{json}"
    );
    let said = crate::common::ok(&crate::common::cpm(&p, &["review", "check", "--draw", "2"]));
    assert!(
        said.starts_with("drew 2 of the run's merges at random"),
        "{said}"
    );
    let listed = crate::common::ok(&crate::common::cpm(
        &p,
        &["review", "list", "--limit", "10"],
    ));
    assert!(
        listed
            .lines()
            .next()
            .unwrap_or_default()
            .contains("(9 merges to check first)"),
        "{listed}"
    );
    assert_eq!(listed.matches("(merged: check it)").count(), 9, "{listed}");
    // Every merge drawn: none is drawn twice, and the command says so.
    crate::common::ok(&crate::common::cpm(
        &p,
        &["review", "check", "--draw", "1000000"],
    ));
    let said = crate::common::ok(&crate::common::cpm(&p, &["review", "check", "--draw", "1"]));
    assert!(said.starts_with("no merge left to draw"), "{said}");
}

#[test]
fn a_donor_crm_beside_an_email_platform_is_not_resolved_as_households() {
    // Only two systems: relatives share a surname and a ZIP, and the email platform shows
    // no home. EM once took them for one person (precision 0.59 on this store; 0.991 with
    // 5 household merges before its second run).
    let p = TempProject::new();
    let dir = generated(&p, 3000, 11);
    let (summary, e) = resolved_alone(&p, &dir, &["wbez_donations", "email_engagement"]);
    assert!(
        e.precision > 0.99 && e.household_merges <= 3,
        "precision {} household merges {}",
        e.precision,
        e.household_merges
    );
    assert!(e.recall > 0.97, "recall {}", e.recall);
    assert!(summary.model.held_two_given_names_apart);
}

#[test]
fn an_email_platform_alone_holds_nobody_twice_and_merges_nobody() {
    // The generated email platform holds each person once. EM still finds two classes,
    // namesakes and relatives against strangers, and once merged them (a platform of
    // 16,112 people: 23 pairs, 15 of them two people of one home). They never share an
    // email, which one person's two records would.
    let p = TempProject::new();
    let dir = generated(&p, 6000, 5);
    let (summary, e) = resolved_alone(&p, &dir, &["email_engagement"]);
    assert_eq!(e.true_pairs, 0, "nobody is twice");
    assert_eq!(
        (e.predicted_pairs, e.review_pairs),
        (0, 0),
        "{} merged",
        e.overmerged_constituents
    );
    assert!(summary.model.no_identifier_shared);
}

#[test]
fn explain_model_prints_every_field_its_levels_and_the_prior() {
    let (p, _db) = crate::common::resolved_store(1500);
    let out = crate::common::cpm(&p, &["resolve", "--explain-model"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for field in cpm::resolve::model::FIELDS {
        assert!(text.contains(field), "{field} missing:\n{text}");
    }
    assert!(text.contains("prior:"), "{text}");
    assert!(text.contains("weight: log2(m/u)"), "{text}");
    // A store this small holds too few pairs at one address, or at two, to learn the
    // city and ZIP there (`MatchModel::given_address`, `apart_address`): none is shown.
    assert!(!text.contains("where two records"), "{text}");
    // Other auto thresholds, the configured one marked: its pairs are the run's bands.
    let db = p.db();
    let auto = count(
        &db,
        "SELECT count(*) FROM match_candidate WHERE band = 'auto'",
    );
    let review = count(
        &db,
        "SELECT count(*) FROM match_candidate WHERE band = 'review'",
    );
    let now = text
        .lines()
        .find(|l| l.trim_start().starts_with("0.999 (now)"))
        .unwrap_or_else(|| panic!("{text}"));
    let figures: Vec<&str> = now.split_whitespace().collect();
    assert_eq!(
        (figures[2], figures[figures.len() - 2]),
        (auto.to_string().as_str(), review.to_string().as_str()),
        "{now}"
    );
    let at = cpm::resolve::estimate::at_thresholds(&db.conn, &config(&p)).unwrap();
    assert!(
        at.iter()
            .all(|t| t.merged.pairs + t.review.pairs == (auto + review) as u64)
    );
    assert!(at.windows(2).all(|w| w[0].threshold < w[1].threshold
        && w[1].merged.pairs <= w[0].merged.pairs
        && w[1].merged.two_people() <= w[0].merged.two_people() + 1e-9));
    assert_eq!(
        at[0].review.pairs, 0,
        "from the review band's start, nothing is left to review"
    );
}
