//! Data-quality checks against hand-built tables: each check type passes, warns and fails
//! at its thresholds; the run's status is the worst severity; changes across runs; the
//! anomaly band; redaction; refusal of definitions that do not fit the store.

use std::path::Path;

use cpm::progress::Silent;
use cpm::quality::{self, checks::QualityConfig};
use cpm::store::Db;

use crate::common::resolved_store;

/// A scratch table `t` of 100 rows: id, a (text), n (number), d (date), r (a reference
/// to `parent`), with the first `bad` rows made bad for every check type.
fn table_with(bad: usize) -> Db {
    let db = Db::open_in_memory().unwrap();
    db.conn
        .execute_batch(
            "CREATE TABLE parent (id INTEGER PRIMARY KEY);
             INSERT INTO parent (id) VALUES (1);
             CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n REAL, d TEXT, r INTEGER, email TEXT);",
        )
        .unwrap();
    for i in 0..100 {
        let broken = i < bad;
        db.conn
            .execute(
                "INSERT INTO t (a, n, d, r, email) VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![
                    if broken {
                        None
                    } else {
                        Some(format!("ok-{i}"))
                    },
                    if broken { -5.0 } else { 10.0 },
                    "2026-06-30",
                    if broken { 99 } else { 1 },
                    if broken {
                        format!("someone{i}@nowhere")
                    } else {
                        format!("p{i}@example.org")
                    },
                ],
            )
            .unwrap();
    }
    db
}

fn config(check_yaml: &str) -> (String, QualityConfig) {
    let text = format!(
        "samples: 3\nanomaly:\n  min_history: 5\n  sensitivity: 4.0\nchecks:\n{check_yaml}"
    );
    let config = QualityConfig::parse(Path::new("q.yaml"), &text).unwrap();
    (text, config)
}

/// Run `config` (parsed from `text`, as "q.yaml") on `db`.
fn run(db: &mut Db, text: &str, config: &QualityConfig) -> cpm::Result<quality::QualityReport> {
    quality::run(db, config, (Path::new("q.yaml"), text), "qa", &Silent)
}

fn status(db: &mut Db, check_yaml: &str) -> (String, i64) {
    let (text, config) = config(check_yaml);
    let report = run(db, &text, &config).unwrap();
    let r = &report.results[0];
    (r.status.clone(), r.failing)
}

const THRESHOLDS: &str = "    severity: warning\n    warn_above: 2\n    fail_above: 5\n";

#[test]
fn every_row_check_type_passes_warns_and_fails_at_its_thresholds() {
    let checks = [
        "  - name: c\n    table: t\n    type: not_null\n    columns: [a]\n",
        "  - name: c\n    table: t\n    type: format\n    column: email\n    pattern: email\n",
        "  - name: c\n    table: t\n    type: allowed_values\n    column: n\n    values: ['10.0']\n",
        "  - name: c\n    table: t\n    type: range\n    column: n\n    min: 0\n    max: 100\n",
        "  - name: c\n    table: t\n    type: references\n    column: r\n    references: { table: parent, column: id }\n",
        "  - name: c\n    table: t\n    type: custom_sql\n    sql: SELECT id AS record_id FROM t WHERE n < 0\n",
    ];
    for check in checks {
        for (bad, expected) in [(0, "pass"), (3, "warn"), (6, "fail")] {
            let mut db = table_with(bad);
            let (got, failing) = status(&mut db, &format!("{check}{THRESHOLDS}"));
            assert_eq!(
                (got.as_str(), failing),
                (expected, bad as i64),
                "{check} with {bad} bad rows"
            );
        }
    }
}

#[test]
fn unique_counts_every_row_of_a_duplicated_key_and_shares_are_thresholds_too() {
    let mut db = table_with(0);
    let check = "  - name: c\n    table: t\n    type: unique\n    columns: [a]\n    severity: critical\n    warn_above: \"1%\"\n    fail_above: \"3%\"\n";
    assert_eq!(status(&mut db, check), ("pass".into(), 0));
    db.conn
        .execute("UPDATE t SET a = 'ok-1' WHERE id = 3", [])
        .unwrap();
    assert_eq!(status(&mut db, check), ("warn".into(), 2));
    db.conn
        .execute("UPDATE t SET a = 'ok-1' WHERE id IN (4, 5)", [])
        .unwrap();
    assert_eq!(status(&mut db, check), ("fail".into(), 4));
}

#[test]
fn measures_pass_or_fail_on_their_bounds() {
    let mut db = table_with(0);
    let rows = "  - name: c\n    table: t\n    type: row_count\n    min: 50\n    max: 150\n    severity: critical\n";
    assert_eq!(status(&mut db, rows).0, "pass");
    db.conn.execute("DELETE FROM t WHERE id > 40", []).unwrap();
    assert_eq!(status(&mut db, rows).0, "fail");
}

#[test]
fn store_checks_freshness_membership_reconciliation_and_duplicates() {
    let (_p, mut db) = resolved_store(400);
    let check = |kind: &str, extra: &str| {
        format!("  - name: c\n    table: {kind}\n    severity: critical\n{extra}")
    };
    let membership = check("source_record\n    type: membership", "");
    let reconciliation = check("donation\n    type: reconciliation", "");
    let fresh = check(
        "donation\n    type: freshness\n    column: gift_date\n    max_age_days: 7",
        "",
    );
    let duplicates = check(
        "source_record\n    type: duplicate_suspicion",
        "    warn_above: \"50%\"\n    fail_above: \"50%\"\n",
    );
    for yaml in [&membership, &reconciliation, &fresh, &duplicates] {
        assert_eq!(status(&mut db, yaml).0, "pass", "{yaml}");
    }
    // Break each: a record out of every golden record; a golden total off by a cent; the
    // newest gifts removed; a golden record split.
    db.conn
        .execute("DELETE FROM constituent_member WHERE source_record_id = (SELECT max(source_record_id) FROM constituent_member)", [])
        .unwrap();
    assert_eq!(status(&mut db, &membership), ("fail".into(), 1));
    db.conn
        .execute("UPDATE constituent_summary SET lifetime_cents = lifetime_cents + 1 WHERE constituent_id = (SELECT min(constituent_id) FROM constituent_summary)", [])
        .unwrap();
    assert_eq!(status(&mut db, &reconciliation).0, "fail");
    db.conn
        .execute("DELETE FROM donation WHERE gift_date > date((SELECT max(gift_date) FROM donation), '-30 days')", [])
        .unwrap();
    assert_eq!(status(&mut db, &fresh).0, "fail");
}

#[test]
fn a_run_reports_its_worst_severity_and_changes_since_the_last_run_and_redacts_samples() {
    let mut db = table_with(3);
    let yaml = "  - name: emails
    table: t
    type: format
    column: email
    pattern: email
    severity: warning
  - name: amounts
    table: t
    type: range
    column: n
    min: 0
    severity: critical
    fail_above: 5
";
    let (text, config) = config(yaml);
    let first = run(&mut db, &text, &config).unwrap();
    assert_eq!(first.status, "warning", "the critical check only warned");
    assert!(!first.blocks());
    let emails = first
        .results
        .iter()
        .find(|r| r.check_name == "emails")
        .unwrap();
    assert_eq!(emails.change.as_deref(), Some("new"));
    assert!(emails.samples.contains("[redacted]") && !emails.samples.contains("nowhere"));

    db.conn
        .execute("UPDATE t SET n = -1 WHERE id <= 10", [])
        .unwrap();
    db.conn
        .execute("UPDATE t SET email = 'fixed@example.org' WHERE id <= 3", [])
        .unwrap();
    let second = run(&mut db, &text, &config).unwrap();
    assert_eq!(second.status, "critical");
    assert!(second.blocks());
    let by_name = |name: &str| {
        second
            .results
            .iter()
            .find(|r| r.check_name == name)
            .unwrap()
    };
    assert_eq!(by_name("emails").change.as_deref(), Some("resolved"));
    assert_eq!(by_name("amounts").change.as_deref(), Some("recurring"));
}

#[test]
fn the_anomaly_band_flags_a_spike_in_a_measured_value_but_not_its_usual_wobble() {
    let mut db = table_with(0);
    let yaml =
        "  - name: rows\n    table: t\n    type: row_count\n    min: 1\n    severity: info\n";
    let (text, config) = config(yaml);
    for extra in [0, 2, 1, 3, 0, 2] {
        db.conn.execute("DELETE FROM t WHERE id > 100", []).unwrap();
        for _ in 0..extra {
            db.conn
                .execute("INSERT INTO t (a) VALUES ('x')", [])
                .unwrap();
        }
        let report = run(&mut db, &text, &config).unwrap();
        assert!(report.results[0].anomaly.is_none(), "usual wobble flagged");
    }
    for _ in 0..60 {
        db.conn
            .execute("INSERT INTO t (a) VALUES ('spike')", [])
            .unwrap();
    }
    let report = run(&mut db, &text, &config).unwrap();
    let anomaly = report.results[0]
        .anomaly
        .as_deref()
        .expect("the spike is flagged");
    assert!(anomaly.contains("\"median\":101"), "{anomaly}");
}

#[test]
fn checks_on_tables_or_columns_the_store_lacks_are_refused_before_running() {
    let mut db = table_with(0);
    let (text, config) = config(
        "  - name: c\n    table: t\n    type: not_null\n    columns: [nope]\n    severity: info\n",
    );
    let err = run(&mut db, &text, &config).unwrap_err().to_string();
    assert!(
        err.contains("q.yaml:6:") && err.contains("table 't' has no column 'nope'"),
        "{err}"
    );
    assert_eq!(
        db.conn
            .query_row("SELECT count(*) FROM quality_run", [], |r| r
                .get::<_, i64>(0))
            .unwrap(),
        0,
        "nothing ran"
    );
}

#[test]
fn the_default_checks_run_clean_on_demo_data_except_the_planted_defects() {
    let (p, mut db) = resolved_store(2000);
    let config = QualityConfig::load(&p.project()).unwrap();
    let (path, text) = p.project().read_config("quality_checks.yaml").unwrap();
    let report = quality::run(&mut db, &config, (&path, &text), "qa", &Silent).unwrap();
    let not_passing: Vec<&str> = report
        .results
        .iter()
        .filter(|r| r.status != "pass")
        .map(|r| r.check_name.as_str())
        .collect();
    for name in &not_passing {
        assert!(
            [
                "emails look like emails",
                "phones have an area code and ten digits"
            ]
            .contains(name),
            "unexpected: {name}: {:?}",
            report.results.iter().find(|r| r.check_name == *name)
        );
    }
    assert_eq!(report.status, "warning");
}

#[test]
fn a_metric_check_holds_a_metric_within_bounds_and_within_a_change_from_the_last_run() {
    let (p, mut db) = resolved_store(400);
    let yaml = "  - name: members
    table: constituent
    type: metric
    metric: active_members
    min: 1
    max_change_percent: 10
    severity: warning
";
    let (text, parsed) = config(yaml);
    let config = parsed.with_metrics(&p.project()).unwrap();
    let check = |db: &mut Db| run(db, &text, &config).unwrap().results[0].clone();
    let first = check(&mut db);
    assert_eq!(first.status, "pass", "{first:?}");
    assert!(first.measured > 10.0);
    db.conn
        .execute("DELETE FROM donation WHERE id % 2 = 0", [])
        .unwrap();
    let second = check(&mut db);
    assert_eq!(second.status, "fail", "{second:?}");
    assert!(
        second.threshold.contains("moved more than 10%"),
        "{}",
        second.threshold
    );

    let unknown = config_with_metric("no_such_metric");
    let err = unknown.with_metrics(&p.project()).unwrap_err().to_string();
    assert!(err.contains("no metric named 'no_such_metric'"), "{err}");
}

fn config_with_metric(metric: &str) -> QualityConfig {
    config(&format!(
        "  - name: m\n    table: constituent\n    type: metric\n    metric: {metric}\n    severity: info\n"
    ))
    .1
}
