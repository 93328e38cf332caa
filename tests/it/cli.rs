//! The real binary: exit codes, JSON output, messages that name file and line.

use crate::common::{TempProject, cpm};

#[test]
fn generate_ingest_status_round_trip_with_json() {
    let p = TempProject::new();
    let out = cpm(
        &p,
        &["generate", "--people", "500", "--seed", "3", "--json"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["people"], 500);

    let out = cpm(&p, &["ingest", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let batches = report["batches"].as_array().unwrap();
    assert_eq!(batches.len(), 4);
    for b in batches {
        let (read, loaded, quarantined) = (
            b["rows_read"].as_u64().unwrap(),
            b["rows_loaded"].as_u64().unwrap(),
            b["rows_quarantined"].as_u64().unwrap(),
        );
        assert_eq!(read, loaded + quarantined);
    }

    let out = cpm(&p, &["status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(status["source_records"].as_i64().unwrap() > 500);
    assert_eq!(status["batches"], 4);
    // Status says what the store waits for: resolution, then the queue or scoring.
    assert_eq!(status["golden_records"], 0);
    assert!(
        status["next"].as_str().unwrap().starts_with("cpm resolve"),
        "{status}"
    );
    assert!(cpm(&p, &["resolve"]).status.success());
    let out = cpm(&p, &["status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(status["golden_records"].as_i64().unwrap() > 0, "{status}");
    assert!(status["last_resolution"]["at"].is_string(), "{status}");
    assert_eq!(status["tiers"], serde_json::json!({}), "nothing scored yet");
    let next = status["next"].as_str().unwrap();
    match status["review_pending"].as_i64().unwrap() {
        0 => assert!(next.starts_with("cpm score"), "{status}"),
        _ => assert!(next.starts_with("cpm review list"), "{status}"),
    }
    // How good the merges are: the run's own estimate, and no steward's check yet.
    let auto = status["expected"]["auto"]["pairs"].as_u64().unwrap();
    assert!(auto > 0, "{status}");
    assert_eq!(status["merge_checks"]["checked"], 0, "{status}");
    let said = String::from_utf8_lossy(&cpm(&p, &["status"]).stdout).into_owned();
    assert!(
        said.contains("golden records in") && said.contains("  next "),
        "{said}"
    );
    assert!(
        said.contains(&format!(
            "  merges      {} auto pairs, about ",
            cpm::store::browse::thousands(auto as i64)
        )) && said.contains("none checked (cpm review check --draw 50)"),
        "{said}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let p = TempProject::new();
    assert_eq!(
        cpm(&p, &["generate", "--people", "0"]).status.code(),
        Some(2)
    );
    assert_eq!(cpm(&p, &["no-such-command"]).status.code(), Some(2));
    assert_eq!(
        cpm(&p, &["ingest", "--source", "nope"]).status.code(),
        Some(2)
    );
    // A misspelt metric is named before anything about the (here missing) store.
    let out = cpm(&p, &["metrics", "value", "activ_members"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no metric named 'activ_members'"));
}

#[test]
fn a_bad_config_exits_1_naming_file_line_and_key() {
    let p = TempProject::new();
    p.write_config("sources.yaml", "sources:\n  - name: x\n    system: s\n    file: x.csv\n    person_key: id\n    persn: {}\n");
    let out = cpm(&p, &["ingest"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("config/sources.yaml:6: persn:"), "{err}");
}

#[test]
fn cpm_quality_exits_1_when_a_critical_check_fails_and_suggest_prints_adoptable_checks() {
    let (p, db) = crate::common::resolved_store(300);
    drop(db);
    let out = cpm(&p, &["quality"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("run 1 · WARNING"));
    // Every row's failing count ends under the header's "failing", however long its name.
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let end = header.find("failing").unwrap() + "failing".len();
    let rows: Vec<&str> = lines.filter(|l| !l.starts_with("run ")).collect();
    assert!(rows.len() > 10, "{text}");
    for row in rows {
        let bytes = row.as_bytes();
        assert!(
            bytes[end - 1].is_ascii_digit() && bytes[end] == b' ',
            "out of line:\n{header}\n{row}"
        );
    }

    p.write_config(
        "quality_checks.yaml",
        "samples: 2\nanomaly: { min_history: 5, sensitivity: 4.0 }\nchecks:\n  - name: too few gifts\n    table: donation\n    type: row_count\n    min: 1000000000\n    severity: critical\n",
    );
    let out = cpm(&p, &["quality", "--json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed critical check stops a pipeline"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "critical");

    let out = cpm(&p, &["quality", "suggest", "donation"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let suggested = String::from_utf8_lossy(&out.stdout);
    assert!(
        suggested.contains("type: allowed_values") && suggested.contains("succeeded"),
        "{suggested}"
    );
    assert!(
        suggested.contains("column: amount_cents") && suggested.contains("type: range"),
        "{suggested}"
    );
    // What it suggests is a valid check list for this store.
    let config = format!(
        "samples: 2\nanomaly: {{ min_history: 5, sensitivity: 4.0 }}\nchecks:\n{}",
        suggested.lines().skip(1).collect::<Vec<_>>().join("\n")
    );
    p.write_config("quality_checks.yaml", &config);
    let out = cpm(&p, &["quality"]);
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("PASS"));

    let out = cpm(&p, &["quality", "suggest", "nope"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn review_decides_several_pairs_each_on_its_own_and_names_the_ones_it_could_not() {
    let (p, db) = crate::common::resolved_store(400);
    let queue =
        cpm::resolve::review::queue(&db.conn, cpm::resolve::review::QueueOrder::Stake, 2, 0)
            .unwrap();
    let (first, second) = (queue[0].candidate_id, queue[1].candidate_id);
    drop(db);
    // The list in words: its order, what S means, headed columns, the pair ids to decide.
    let listed =
        String::from_utf8_lossy(&cpm(&p, &["review", "list", "--limit", "2"]).stdout).into_owned();
    let lines: Vec<&str> = listed.lines().collect();
    assert!(
        lines[0].contains("most at stake first (S: an active sustainer)"),
        "{listed}"
    );
    assert!(
        lines[1].starts_with("pair ") && lines[1].contains("at stake"),
        "{listed}"
    );
    assert!(lines[2].starts_with(&format!("#{first} ")), "{listed}");
    let (a, b) = (first.to_string(), second.to_string());
    let out = cpm(
        &p,
        &[
            "review", "--as", "dana", "approve", &a, "999999", &b, "--json",
        ],
    );
    assert!(!out.status.success(), "one pair could not be decided");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Approved 2 of 3 pairs") && stderr.contains("#999999"),
        "{stderr}"
    );
    let decided: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(decided.as_array().map(Vec::len), Some(2), "{decided}");
    let db = p.db();
    let approvals = crate::common::count(
        &db,
        "SELECT count(*) FROM audit_event WHERE action = 'approve' AND actor = 'dana'",
    );
    assert_eq!(approvals, 2, "each pair audited as its own decision");

    // One pair: its own error, and a single JSON object when it works.
    let out = cpm(&p, &["review", "approve", "999999"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no match candidate 999999"));
    let out = cpm(&p, &["review", "--as", "dana", "undo", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cpm(&p, &["review", "--as", "dana", "reject", &b, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rejected: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rejected["action"], "reject");

    // In words: golden records as people type them, the pair's records, who and why.
    let out = cpm(&p, &["review", "--as", "dana", "undo"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.starts_with("undo reject by dana") && said.contains("(audit #"),
        "{said}"
    );
    let out = cpm(&p, &["review", "audit", "--limit", "3"]);
    let audit = String::from_utf8_lossy(&out.stdout);
    let newest = audit.lines().next().unwrap_or_default();
    assert!(
        newest.contains(" dana ") && newest.contains("undo") && newest.contains(" ⇄ "),
        "{audit}"
    );
    assert!(!audit.contains("None"), "{audit}");

    // A run's summary says how many of the review band's pairs are still to decide: the
    // approved one is not among them.
    let out = cpm(&p, &["resolve"]);
    let db = p.db();
    let pending = cpm::resolve::review::pending_count(&db.conn).unwrap();
    let band = crate::common::count(
        &db,
        "SELECT count(*) FROM match_candidate WHERE band = 'review'",
    );
    assert!(pending < band);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(&format!("review {band} ({pending} to decide)")),
        "{said}"
    );
    // What the model expects of its pairs, with no truth file: the auto band's pairs as
    // counted above.
    let auto = crate::common::count(
        &db,
        "SELECT count(*) FROM match_candidate WHERE band = 'auto'",
    );
    assert!(
        said.contains("the model's estimate of its pairs")
            && said.contains(&format!(" of the {auto} auto pairs are two people")),
        "{said}"
    );
    // Beside the truth, where there is one.
    let evaluated = crate::common::ok(&cpm(
        &p,
        &[
            "resolve",
            "--eval-only",
            "--eval",
            "data/synthetic/ground_truth.csv",
        ],
    ));
    let beside = evaluated
        .lines()
        .skip_while(|l| !l.contains("own estimate beside the truth"))
        .take(8)
        .collect::<Vec<_>>();
    assert!(
        beside.len() == 8 && beside[2].contains("auto pairs of two people"),
        "{evaluated}"
    );
    assert!(beside[5].contains("auto precision"), "{evaluated}");
}

#[test]
fn bench_resolve_and_score_time_a_copy_and_leave_the_store_as_it_was() {
    let p = TempProject::new();
    for args in [
        &["generate", "--people", "300", "--seed", "5"][..],
        &["ingest"][..],
    ] {
        let out = cpm(&p, args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = cpm(&p, &["bench", "resolve", "--rounds", "2", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rounds: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rounds = rounds.as_array().unwrap();
    assert_eq!(rounds.len(), 2);
    for round in rounds {
        let (first, rerun) = (&round["first"], &round["rerun"]);
        let (created, wall) = (
            first["report"]["run"]["write"]["created"].as_u64().unwrap(),
            first["wall_s"].as_f64().unwrap(),
        );
        assert!(created > 100 && wall > 0.0, "{first}");
        assert_eq!(
            rerun["report"]["run"]["write"]["created"], 0,
            "a re-run keeps every id"
        );
        assert!(first["peak_rss_mib"].as_f64().unwrap() > 1.0, "{first}");
    }
    let db = p.db();
    assert_eq!(
        crate::common::count(&db, "SELECT count(*) FROM constituent"),
        0,
        "the benchmark store is not resolved by its benchmark"
    );
    drop(db);
    let leftovers: Vec<_> = std::fs::read_dir(p.root().join("data"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("bench-copy"))
        .collect();
    assert!(leftovers.is_empty(), "the scratch copies are removed");

    // Scoring needs golden records; a first run there is then refused.
    assert!(cpm(&p, &["resolve"]).status.success());
    let out = cpm(&p, &["bench", "resolve"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is resolved already"));
    let out = cpm(&p, &["bench", "score", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let runs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(runs[0]["report"]["golden_records"].as_u64().unwrap() > 100);
    let db = p.db();
    assert_eq!(
        crate::common::count(&db, "SELECT count(*) FROM score_run"),
        0,
        "scored on the copy only"
    );
}

#[test]
fn bench_ceiling_simulates_at_the_scorings_test_cutoff_and_writes_no_store() {
    let p = TempProject::new();
    let run = |p: &TempProject| {
        let out = cpm(p, &["--json", "bench", "ceiling", "--people", "4000"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let report = run(&p);
    assert_eq!(report["cutoff"], "2026-03-29", "{report}");
    let (knowing, from_email) = (&report["knowing_drift"], &report["drift_from_email"]);
    assert!(knowing["rows"].as_u64().unwrap() > 200, "{knowing}");
    assert_eq!(knowing["rows"], from_email["rows"]);
    assert!(knowing["roc_auc"].as_f64().unwrap() > 0.7, "{knowing}");
    assert!(!p.root().join("data").exists(), "no store, no files");

    // The cutoff follows the project's horizon.
    let scoring = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/scoring.yaml"),
    )
    .unwrap();
    p.write_config(
        "scoring.yaml",
        &scoring.replace("horizon_days: 90", "horizon_days: 60"),
    );
    assert_eq!(run(&p)["cutoff"], "2026-04-28");
}

#[test]
fn json_asked_for_is_json_on_success_and_on_error_and_rendering_sql_creates_no_store() {
    let p = TempProject::new();
    let out = cpm(
        &p,
        &[
            "metrics",
            "sql",
            "active_members",
            "--platform",
            "databricks",
            "--json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sql: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sql["platform"], "databricks");
    assert!(sql["sql"].as_str().unwrap().starts_with("SELECT"), "{sql}");
    assert!(
        !p.root().join("data/cpm.db").exists(),
        "no store was created"
    );
    let out = cpm(&p, &["--db", "missing.db", "status", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let error: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .contains("there is no store at missing.db"),
        "{error}"
    );
    // Only ingest makes a store: a pipeline on none says so and leaves none behind.
    for pipeline in [
        &["score"][..],
        &["quality"],
        &["resolve"],
        &["export", "--to", "out"],
    ] {
        let out = cpm(&p, pipeline);
        assert_eq!(out.status.code(), Some(1), "{pipeline:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("there is no store at data/cpm.db"),
            "{pipeline:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!p.root().join("data/cpm.db").exists(), "{pipeline:?}");
    }
}

#[test]
fn search_and_show_answer_from_the_command_line_with_golden_ids() {
    let (p, db) = crate::common::resolved_store(400);
    let (id, last): (i64, String) = db
        .conn
        .query_row(
            "SELECT id, last_name FROM constituent WHERE retired_at IS NULL AND last_name IS NOT NULL ORDER BY id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    drop(db);
    let golden = cpm::store::browse::golden_id(id);
    let out = cpm(&p, &["search", &last, "--limit", "500", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        found
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == golden.as_str()),
        "searching {last} finds {golden}: {found}"
    );
    let out = cpm(&p, &["show", &golden, "--json"]);
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["id"], golden.as_str());
    assert!(!shown["records"].as_array().unwrap().is_empty());
    let out = cpm(&p, &["show", "C-999999"]);
    assert_eq!(out.status.code(), Some(1));
    // Nothing to search for is a usage error, not "0 found".
    let out = cpm(&p, &["search", "  "]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("search needs a name"));
}

#[test]
fn risk_list_answers_every_row_and_the_call_list_leaves_out_closed_cases() {
    let (p, mut db) = crate::common::scored_store(1500);
    let sustainers = crate::common::count(
        &db,
        "SELECT count(*) FROM constituent_score WHERE churn_probability IS NOT NULL",
    );
    assert!(sustainers > 10, "{sustainers}");
    let out = crate::common::cpm(&p, &["risk", "list", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len() as i64, sustainers);
    assert!(
        rows[0]["constituent_id"]
            .as_str()
            .unwrap()
            .starts_with("C-")
    );
    // The person's page on the command line carries the risk the list ranks them by.
    let id = rows[0]["constituent_id"].as_str().unwrap();
    let tier = rows[0]["churn_tier"].as_str().unwrap().to_uppercase();
    let shown = crate::common::cpm(&p, &["show", id]);
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.contains(&format!("churn risk {tier} ")), "{shown}");
    assert!(shown.contains("  call: "), "{shown}");
    // Close one case: it leaves the call list unless asked for.
    let first: i64 = rows[0]["constituent_id"].as_str().unwrap()[2..]
        .parse()
        .unwrap();
    cpm::store::score::set_triage(&mut db.conn, first, "retained", None, "bo").unwrap();
    let retained = crate::common::cpm(&p, &["risk", "list", "--status", "retained", "--json"]);
    let retained: Vec<serde_json::Value> = serde_json::from_slice(&retained.stdout).unwrap();
    assert_eq!(retained.len(), 1);
    let file = p.root().join("calls.csv");
    let file_arg = file.display().to_string();
    let export = crate::common::cpm(
        &p,
        &[
            "--role",
            "membership",
            "--read-only",
            "risk",
            "export",
            "--out",
            &file_arg,
            "--json",
        ],
    );
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&export.stdout).unwrap();
    assert_eq!(summary["closed"], 1);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains(&cpm::store::browse::golden_id(first)));
    // On a store open read-only the list is written but cannot be recorded, and says so.
    assert_eq!(summary["recorded_as_contacts"], false);
    let call_list_contacts = "SELECT count(*) FROM contact_event WHERE kind = 'call list'";
    assert_eq!(crate::common::count(&db, call_list_contacts), 0);
    let all = crate::common::cpm(
        &p,
        &[
            "--as",
            "ana",
            "risk",
            "export",
            "--out",
            &file_arg,
            "--include-closed",
            "--json",
        ],
    );
    let summary: serde_json::Value = serde_json::from_slice(&all.stdout).unwrap();
    assert_eq!(summary["closed"], 0);
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains(&cpm::store::browse::golden_id(first))
    );
    // Everyone on it is in their contact history, by who exported it, and the export in
    // the audit trail: a segment's "days since contact" counts it.
    assert_eq!(summary["recorded_as_contacts"], true);
    assert_eq!(
        crate::common::count(
            &db,
            "SELECT count(*) FROM contact_event
             WHERE kind = 'call list' AND channel = 'phone' AND actor = 'ana' AND detail = 'calls.csv'"
        ),
        summary["rows"].as_i64().unwrap()
    );
    assert_eq!(
        crate::common::count(
            &db,
            &format!(
                "SELECT count(*) FROM contact_event WHERE kind = 'call list' AND constituent_id = {first}"
            )
        ),
        1
    );
    assert_eq!(
        crate::common::count(
            &db,
            &format!(
                "SELECT days_since_contact FROM constituent_profile WHERE constituent_id = {first}"
            )
        ),
        0
    );
    assert_eq!(
        crate::common::count(
            &db,
            "SELECT count(*) FROM audit_event WHERE action = 'call_list_export' AND actor = 'ana'
             AND json_extract(details, '$.people') = (SELECT count(*) FROM contact_event WHERE kind = 'call list')"
        ),
        1
    );
    // A steward does not run the call list.
    let refused = crate::common::cpm(
        &p,
        &["--role", "steward", "risk", "export", "--out", &file_arg],
    );
    assert!(!refused.status.success());
}

#[test]
fn config_check_names_every_file_in_effect_and_each_one_that_is_wrong() {
    let p = TempProject::new();
    let stdout = |args: &[&str]| String::from_utf8_lossy(&cpm(&p, args).stdout).into_owned();
    let out = cpm(&p, &["config", "check"]);
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    for file in cpm::config::CONFIG_FILES {
        assert!(
            said.contains(&format!("ok       (built-in) config/{file}")),
            "{said}"
        );
    }

    // `init` writes the built-in file to edit, once; `show` prints the one in effect.
    assert!(cpm(&p, &["config", "init", "scoring"]).status.success());
    let again = cpm(&p, &["config", "init", "scoring.yaml"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("is there already"));
    let path = p.root().join("config/scoring.yaml");
    let built_in = std::fs::read_to_string(&path).unwrap();
    assert_eq!(built_in, include_str!("../../config/scoring.yaml"));
    std::fs::write(&path, built_in.replace("high: 0.15", "high: 0.05")).unwrap();
    assert!(stdout(&["config", "show", "scoring.yaml"]).contains("high: 0.05"));
    p.write_config(
        "segments.yaml",
        "segments:\n  - name: x\n    channel: pigeon\n",
    );

    let out = cpm(&p, &["config", "check"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "an invalid file fails the check"
    );
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        said.contains("INVALID  ./config/scoring.yaml:16: tiers: need 0 < medium < high"),
        "{said}"
    );
    assert!(
        said.contains(
            "INVALID  ./config/segments.yaml:3: segments[0].channel: unknown variant `pigeon`"
        ),
        "{said}"
    );
    assert!(
        said.contains("ok       (built-in) config/resolution.yaml"),
        "the others are still checked: {said}"
    );
    assert!(
        said.contains("2 of 6 configuration files are invalid"),
        "{said}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&cpm(&p, &["--json", "config", "check"]).stdout).unwrap();
    let scoring = &json.as_array().unwrap()[2];
    assert_eq!(scoring["file"], "scoring.yaml");
    assert_eq!(scoring["built_in"], false);
    assert!(
        scoring["error"].as_str().unwrap().contains("tiers"),
        "{json}"
    );

    // A file that cannot be read is reported as that file's problem; the rest are checked.
    std::fs::remove_file(p.root().join("config/segments.yaml")).unwrap();
    std::fs::create_dir(p.root().join("config/segments.yaml")).unwrap();
    let out = cpm(&p, &["config", "check"]);
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1));
    assert!(said.contains("INVALID  ./config/segments.yaml"), "{said}");
    assert!(
        said.contains("ok       (built-in) config/sources.yaml"),
        "{said}"
    );

    let out = cpm(&p, &["config", "show", "colours"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("they are: sources.yaml"));
}
