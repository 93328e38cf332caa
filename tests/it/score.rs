//! Scoring through the library API on generated data: models are saved, reloaded and
//! reproduce their scores; every score names its model; tiers follow the config.

use cpm::progress::Silent;
use cpm::score::{self, ScoreOptions, settings::ScoringConfig};

use crate::common::{count, scored_store};

const PEOPLE: u64 = 1500;

#[test]
fn scores_name_their_model_and_a_reloaded_model_reproduces_them_exactly() {
    let (p, mut db) = scored_store(PEOPLE);
    // The write's bulk-load settings do not outlive it, and what it wrote holds together.
    assert_eq!(count(&db, "PRAGMA foreign_keys"), 1);
    assert_eq!(
        count(&db, "SELECT count(*) FROM pragma_foreign_key_check"),
        0
    );
    let models = count(&db, "SELECT count(*) FROM model_version");
    assert!(
        models >= 2,
        "churn and at least one upgrade model: {models}"
    );
    let sustainers = count(
        &db,
        "SELECT count(*) FROM constituent_score WHERE churn_probability IS NOT NULL",
    );
    assert!(sustainers > 50);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM constituent_score WHERE churn_probability IS NOT NULL AND (churn_model IS NULL OR churn_tier IS NULL OR churn_reasons IS NULL)"
        ),
        0,
        "every churn score names its model, tier and reasons"
    );
    // Every upgrade probability names the model of its own target, and nothing else does.
    for (probability, model, target) in [
        (
            "become_sustainer_p",
            "become_sustainer_model",
            "become_sustainer",
        ),
        ("raise_monthly_p", "raise_monthly_model", "raise_monthly"),
        ("major_gift_p", "major_gift_model", "major_gift"),
    ] {
        let named = format!(
            "SELECT count(*) FROM constituent_score s JOIN model_version m ON m.id = s.{model}
             WHERE s.{probability} IS NOT NULL AND m.target = '{target}'"
        );
        let scored =
            format!("SELECT count(*) FROM constituent_score WHERE {probability} IS NOT NULL");
        let any = format!("SELECT count(*) FROM constituent_score WHERE {model} IS NOT NULL");
        assert_eq!(count(&db, &named), count(&db, &scored), "{target}");
        assert_eq!(count(&db, &any), count(&db, &scored), "{target}");
    }
    assert_eq!(
        count(&db, "SELECT count(*) FROM constituent_score"),
        count(
            &db,
            "SELECT count(*) FROM constituent WHERE retired_at IS NULL"
        ),
        "every golden record has a score row"
    );
    let before = score_rows(&db);

    // A second run reloads the saved models instead of training.
    let config = ScoringConfig::load(&p.project()).unwrap();
    let report = score::run(&mut db, &config, "again", &ScoreOptions::default(), &Silent).unwrap();
    assert!(report.models.iter().all(|m| !m.trained_now));
    assert_eq!(count(&db, "SELECT count(*) FROM model_version"), models);
    let after = score_rows(&db);
    assert_eq!(before, after);

    // Tiers follow the configured cut-offs.
    for (p, tier) in db
        .conn
        .prepare("SELECT churn_probability, churn_tier FROM constituent_score WHERE churn_probability IS NOT NULL")
        .unwrap()
        .query_map([], |r| Ok((r.get::<_, f64>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
        .map(Result::unwrap)
    {
        assert_eq!(config.tier(p).name(), tier);
    }

    // --retrain trains new versions.
    let report = score::run(
        &mut db,
        &config,
        "again",
        &ScoreOptions {
            retrain: true,
            ..Default::default()
        },
        &Silent,
    )
    .unwrap();
    assert!(report.models.iter().all(|m| m.trained_now));
    assert!(count(&db, "SELECT count(*) FROM model_version") > models);
    // Champion and challenger: each target scores with whichever of the booster and its
    // baseline ranked the held-out cutoff better, and the stored version says which.
    for m in &report.models {
        let (better_baseline, kind) = match (m.baseline.roc_auc, m.model.roc_auc) {
            (Some(b), Some(booster)) if b > booster => (true, "baseline"),
            _ => (false, "booster"),
        };
        assert_eq!(m.in_use == "baseline", better_baseline, "{}", m.target);
        let stored: String = db
            .conn
            .query_row(
                "SELECT kind FROM model_version WHERE id = ?1",
                [m.model_version],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(stored, kind, "{}", m.target);
    }
    // The Risk list names the model behind each churn score.
    let rows = cpm::store::score::risk_list(
        &db.conn,
        cpm::store::score::RiskSort::Probability,
        None,
        5,
        0,
    )
    .unwrap();
    let churn = report.models.iter().find(|m| m.target == "churn").unwrap();
    let expected = format!(
        "{} v{}",
        if churn.in_use == "baseline" {
            "baseline"
        } else {
            "booster"
        },
        churn.model_version
    );
    assert!(
        rows.iter()
            .all(|r| r.model.as_deref() == Some(expected.as_str()))
    );
}

/// Every stored column of every score row but the run's id, in id order.
fn score_rows(db: &cpm::store::Db) -> Vec<Vec<String>> {
    let mut stmt = db
        .conn
        .prepare(
            "SELECT constituent_id, as_of, churn_probability, churn_tier, churn_reasons, churn_model,
                    monthly_cents, tenure_days, become_sustainer_p, raise_monthly_p, major_gift_p,
                    upgrade_path, upgrade_action, become_sustainer_model, raise_monthly_model,
                    major_gift_model
             FROM constituent_score ORDER BY constituent_id",
        )
        .unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        (0..n)
            .map(|i| Ok(format!("{:?}", r.get_ref(i)?)))
            .collect::<rusqlite::Result<Vec<String>>>()
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn scored_in_small_batches_the_rows_are_those_of_one_batch() {
    let (p, mut db) = scored_store(PEOPLE);
    let whole = score_rows(&db);
    let config = ScoringConfig::load(&p.project()).unwrap();
    let options = ScoreOptions {
        batch: 7,
        ..Default::default()
    };
    let report = score::run(&mut db, &config, "in batches", &options, &Silent).unwrap();
    assert!(whole.len() > 7 * 10, "many batches: {}", whole.len());
    assert_eq!(score_rows(&db), whole);
    let (scored, tiers): (i64, String) = db
        .conn
        .query_row(
            "SELECT scored, tiers FROM score_run ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(scored as usize, whole.len(), "the run counts every row");
    assert_eq!(tiers, serde_json::to_string(&report.tiers).unwrap());
}

/// Progress that asks the run to stop once it has scored `batches` batches.
struct StopAfter {
    batches: u64,
    seen: std::sync::atomic::AtomicU64,
}

impl cpm::progress::Progress for StopAfter {
    fn update(&self, stage: &str, _: u64, _: u64) {
        if stage == "score: everyone" {
            self.seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
    fn is_cancelled(&self) -> bool {
        self.seen.load(std::sync::atomic::Ordering::Relaxed) > self.batches
    }
}

#[test]
fn a_run_stopped_between_batches_leaves_the_previous_scores_as_they_were() {
    let (p, mut db) = scored_store(PEOPLE);
    let before = score_rows(&db);
    let runs = count(&db, "SELECT count(*) FROM score_run");
    let config = ScoringConfig::load(&p.project()).unwrap();
    let options = ScoreOptions {
        batch: 50,
        ..Default::default()
    };
    let stop = StopAfter {
        batches: 3,
        seen: Default::default(),
    };
    let stopped = score::run(&mut db, &config, "stopped", &options, &stop);
    assert!(
        matches!(stopped, Err(cpm::error::Error::Cancelled)),
        "{stopped:?}"
    );
    assert_eq!(
        score_rows(&db),
        before,
        "three batches had been sent, none is kept"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM score_run"), runs);
    // The store takes the next run as usual.
    score::run(&mut db, &config, "again", &ScoreOptions::default(), &Silent).unwrap();
    assert_eq!(score_rows(&db), before);
}

#[test]
fn explain_shows_the_features_the_score_and_its_reasons() {
    let (p, db) = scored_store(PEOPLE);
    let id: i64 = db
        .conn
        .query_row(
            "SELECT constituent_id FROM constituent_score WHERE churn_probability IS NOT NULL ORDER BY churn_probability DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let config = ScoringConfig::load(&p.project()).unwrap();
    let e = score::explain(&db, &config, id).unwrap();
    assert_eq!(e.features.len(), cpm::score::features::FEATURES.len());
    assert!(!e.reasons.is_empty());
    assert!(e.scores.unwrap().churn_probability.is_some());
    assert!(score::explain(&db, &config, 999_999_999).is_err());

    // The binary prints one aligned table: every value ends in the same column.
    let out = crate::common::cpm(&p, &["score", "--explain", &id.to_string()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let table: Vec<&str> = text
        .lines()
        .skip_while(|l| l.trim() != "features:")
        .skip(1)
        .take(e.features.len())
        .collect();
    assert_eq!(table.len(), e.features.len(), "{text}");
    let value_ends: std::collections::BTreeSet<usize> = table
        .iter()
        .map(|line| {
            // Past the indent and the name, the value is the next word.
            let (_, after_name) = line.trim_start().split_once(' ').unwrap();
            let from_value = after_name.trim_start();
            let value = from_value.split(' ').next().unwrap();
            line.len() - from_value.len() + value.len()
        })
        .collect();
    assert_eq!(value_ends.len(), 1, "values end in one column:\n{text}");
}

#[test]
fn one_golden_record_loads_the_same_history_as_everyone_does_and_the_as_of_date_with_them() {
    let (_p, db) = crate::common::resolved_store(PEOPLE);
    let (all, newest_gift) = cpm::store::score::load_histories(&db).unwrap();
    assert_eq!(
        newest_gift,
        cpm::store::score::as_of_day(&db.conn).unwrap(),
        "the as-of date seen while loading is the store's newest gift"
    );
    assert!(newest_gift.is_some());
    // The golden records with the most facts, and one with none to speak of.
    let mut richest: Vec<&cpm::score::history::History> = all.iter().collect();
    richest.sort_by_key(|h| std::cmp::Reverse(h.gifts.len() + h.email.len() + h.events.len()));
    for h in richest.iter().take(5).chain(richest.last()) {
        let one = cpm::store::score::load_history(&db, h.constituent_id)
            .unwrap()
            .unwrap();
        assert_eq!(&one, *h);
    }
    assert_eq!(cpm::store::score::load_history(&db, -1).unwrap(), None);
}

#[test]
fn an_unmerge_after_scoring_marks_the_scores_stale_until_the_next_run() {
    let (p, mut db) = scored_store(PEOPLE);
    // Resolved long ago, scored an hour after.
    db.conn
        .execute_batch(
            "UPDATE constituent SET updated_at = '2000-01-01T00:00:00Z';
             UPDATE score_run SET at = '2000-01-01T01:00:00Z';",
        )
        .unwrap();
    let (golden, record): (i64, i64) = db
        .conn
        .query_row(
            "SELECT cm.constituent_id, max(cm.source_record_id) FROM constituent_member cm
             JOIN constituent_score s ON s.constituent_id = cm.constituent_id
             GROUP BY cm.constituent_id HAVING count(*) > 1 ORDER BY cm.constituent_id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let detail = cpm::store::browse::constituent_detail(&db.conn, golden)
        .unwrap()
        .unwrap();
    assert!(!detail.scores_stale);
    let config = cpm::resolve::settings::ResolutionConfig::load(&p.project()).unwrap();
    cpm::resolve::review::unmerge(&mut db, &config, record, "ana", None).unwrap();
    let detail = cpm::store::browse::constituent_detail(&db.conn, golden)
        .unwrap()
        .unwrap();
    assert!(detail.scores_stale, "scored before the unmerge");
    let config = ScoringConfig::load(&p.project()).unwrap();
    score::run(&mut db, &config, "again", &ScoreOptions::default(), &Silent).unwrap();
    let detail = cpm::store::browse::constituent_detail(&db.conn, golden)
        .unwrap()
        .unwrap();
    assert!(!detail.scores_stale, "rescored");
}

#[test]
fn sustainers_at_high_churn_risk_get_no_upgrade_ask_unless_the_config_says_never() {
    let (p, mut db) = scored_store(4000);
    let at_risk = "churn_tier IN ('high', 'critical')";
    let held = count(
        &db,
        &format!(
            "SELECT count(*) FROM constituent_score WHERE {at_risk}
             AND upgrade_path IS NULL AND upgrade_action LIKE 'no upgrade ask at % churn risk; later: %'"
        ),
    );
    let tiers = db
        .conn
        .prepare("SELECT churn_tier || ' ' || coalesce(upgrade_path, '-') || ' ' || count(*) FROM constituent_score WHERE churn_tier IS NOT NULL GROUP BY churn_tier, upgrade_path")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    assert!(
        held > 0,
        "some sustainers at risk had an upgrade path to hold: {tiers:?}"
    );
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT count(*) FROM constituent_score WHERE {at_risk} AND upgrade_path IS NOT NULL"
            )
        ),
        0,
        "no upgrade path, so no upgrade segment, for a sustainer at high risk or above"
    );
    assert!(
        count(
            &db,
            "SELECT count(*) FROM constituent_score WHERE churn_tier IN ('low', 'medium') AND upgrade_path IS NOT NULL"
        ) > 0,
        "sustainers at lower risk are still asked"
    );

    // `never`: everyone at risk with a path is asked as before, the same ask the hold named.
    let mut config = ScoringConfig::load(&p.project()).unwrap();
    config.hold_upgrade_asks_from = "never".into();
    let report = score::run(
        &mut db,
        &config,
        "asks all",
        &ScoreOptions::default(),
        &Silent,
    )
    .unwrap();
    assert_eq!(report.upgrade_asks_held, 0);
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT count(*) FROM constituent_score WHERE {at_risk} AND upgrade_path IS NOT NULL"
            )
        ),
        held
    );
}
