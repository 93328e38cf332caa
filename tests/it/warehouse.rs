//! The warehouse export, proven by execution: a generated store exported as Parquet,
//! loaded into DuckDB and into Apache Spark (local mode) by the SQL `cpm export
//! --load-sql` prints, the warehouse schema's views created over it, and every metric's
//! standard SQL (on DuckDB) and Databricks SQL (on Spark), with each breakdown, giving the
//! value the local store gives. The engines come from PyPI into a virtual environment
//! under target/ (made on first use).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use cpm::metrics::render::{Dialect, render};
use serde_json::{Value, json};

use crate::common::scored_store;

const PEOPLE: u64 = 2000;

/// A Python virtual environment under target/ with `packages` from PyPI, made on first use.
/// Tests run side by side (as threads, or as processes under nextest), so each builds in a
/// folder of its own and renames it into place: the first one finished wins, and nobody
/// ever sees a half-made environment.
fn python_env(name: &str, packages: &[&str]) -> PathBuf {
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    let venv = target.join(name);
    let ready = |venv: &Path| venv.join(".cpm-ready").exists();
    if !ready(&venv) {
        let building = target.join(format!(
            "{name}.building-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&building);
        let run = |program: &Path, args: &[&str]| {
            let status = Command::new(program)
                .args(args)
                .status()
                .expect("run python");
            assert!(status.success(), "{} {args:?} failed", program.display());
        };
        run(
            Path::new("python3"),
            &["-m", "venv", &building.display().to_string()],
        );
        let mut install = vec!["-m", "pip", "install", "--quiet"];
        install.extend_from_slice(packages);
        run(&building.join("bin/python"), &install);
        std::fs::write(building.join(".cpm-ready"), packages.join("\n")).unwrap();
        let mut placed = std::fs::rename(&building, &venv).is_ok();
        if !placed && !ready(&venv) {
            // A half-made folder an older version of this helper left: a rename only ever
            // puts a finished environment there, so this one is no other test's.
            let _ = std::fs::remove_dir_all(&venv);
            placed = std::fs::rename(&building, &venv).is_ok();
        }
        if !placed {
            assert!(ready(&venv), "could not put {} in place", venv.display());
            let _ = std::fs::remove_dir_all(&building);
        }
    }
    venv.join("bin/python")
}

/// DuckDB and PySpark.
fn warehouse_python() -> PathBuf {
    python_env("warehouse-venv", &["duckdb==1.1.3", "pyspark==3.5.3"])
}

/// fakesnow (Snowflake SQL on DuckDB), apart: it needs a newer DuckDB than the one above,
/// and an older Snowflake connector than the newest.
fn fakesnow_python() -> PathBuf {
    python_env(
        "fakesnow-venv",
        &["fakesnow==0.12.1", "snowflake-connector-python<4"],
    )
}

/// A value as the engines and the store both give it: counts exactly, money to the cent,
/// shares to a millionth.
fn same(local: Option<f64>, remote: &Value) -> bool {
    match (local, remote.as_f64()) {
        (None, None) => remote.is_null() || remote.as_f64().is_none(),
        (Some(a), Some(b)) => (a - b).abs() <= 0.005_f64.max(a.abs() * 1e-9),
        (Some(a), None) => remote.is_null() && a == 0.0,
        _ => false,
    }
}

#[test]
fn every_metric_gives_the_local_value_on_duckdb_and_spark_over_the_parquet_export() {
    let (p, db) = scored_store(PEOPLE);
    let file = cpm::metrics::def::MetricsFile::load(&p.project()).unwrap();
    let as_of = cpm::metrics::data_as_of(&db.conn).unwrap();
    let to = p.root().join("export");
    let report = cpm::export::export(
        &p.db_path(),
        &to,
        &cpm::export::ExportOptions::default(),
        &cpm::progress::Silent,
    )
    .unwrap();
    assert!(
        report
            .tables
            .iter()
            .any(|t| t.table == "donation" && t.rows > 0)
    );
    let views = cpm::metrics::schemas::views(&db.conn).unwrap();
    for (name, dialect) in [
        ("standard", Dialect::Standard),
        ("databricks", Dialect::Databricks),
        ("snowflake", Dialect::Snowflake),
    ] {
        let sql = cpm::export::load_sql(&report.tables, &to, dialect, &views);
        std::fs::write(p.root().join(format!("{name}_load.sql")), sql).unwrap();
    }

    // Every metric, whole and by each of its dimensions, with what the store says.
    let mut queries = Vec::new();
    let mut expected: BTreeMap<String, cpm::metrics::MetricValue> = BTreeMap::new();
    for m in &file.metrics {
        let ways = std::iter::once(None).chain(m.dimensions.iter().map(Some));
        for by in ways {
            let by = by.map(String::as_str);
            let id = format!(
                "{}{}",
                m.name,
                by.map(|b| format!(" by {b}")).unwrap_or_default()
            );
            let local = cpm::metrics::value(&db.conn, &file, &m.name, as_of, by, "test").unwrap();
            queries.push(json!({
                "id": id,
                "standard": render(&file, &m.name, Dialect::Standard, as_of, by).unwrap(),
                "databricks": render(&file, &m.name, Dialect::Databricks, as_of, by).unwrap(),
                "snowflake": render(&file, &m.name, Dialect::Snowflake, as_of, by).unwrap(),
            }));
            expected.insert(id, local);
        }
    }
    // A mutant: one metric's SQL counting wrong must not pass.
    let mutant = |sql: String| {
        sql.replacen(
            "COUNT(DISTINCT t.constituent_id)",
            "COUNT(t.constituent_id)",
            1,
        )
    };
    queries.push(json!({
        "id": "mutant",
        "standard": mutant(render(&file, "active_members", Dialect::Standard, as_of, None).unwrap()),
        "databricks": mutant(render(&file, "active_members", Dialect::Databricks, as_of, None).unwrap()),
        "snowflake": mutant(render(&file, "active_members", Dialect::Snowflake, as_of, None).unwrap()),
    }));
    let spec = json!({
        "export": to,
        "standard_load": p.root().join("standard_load.sql"),
        "databricks_load": p.root().join("databricks_load.sql"),
        "snowflake_load": p.root().join("snowflake_load.sql"),
        "queries": queries,
    });
    let spec_path = p.root().join("queries.json");
    let out_path = p.root().join("results.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/warehouse/check.py");
    let output = Command::new(warehouse_python())
        .arg(&script)
        .arg(&spec_path)
        .arg(&out_path)
        .output()
        .expect("run the warehouse check");
    assert!(
        output.status.success(),
        "the engines failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut results: Value =
        serde_json::from_str(&std::fs::read_to_string(&out_path).unwrap()).unwrap();
    // The Snowflake SQL on fakesnow, in its own environment.
    let snowflake_out = p.root().join("snowflake.json");
    let output = Command::new(fakesnow_python())
        .current_dir(script.parent().unwrap())
        .arg(script.with_file_name("snowflake_check.py"))
        .arg(&spec_path)
        .arg(&snowflake_out)
        .output()
        .expect("run the Snowflake check");
    assert!(
        output.status.success(),
        "fakesnow failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let snowflake: Value =
        serde_json::from_str(&std::fs::read_to_string(&snowflake_out).unwrap()).unwrap();
    let refused = snowflake["refused"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    assert!(
        refused.is_empty(),
        "statements fakesnow cannot run (say so in the README, or fix them): {refused:?}"
    );
    results["snowflake"] = snowflake["snowflake"].clone();

    let mut wrong = Vec::new();
    for engine in ["duckdb", "spark", "snowflake"] {
        let rows_of = |id: &str| results[engine][id].as_array().cloned().unwrap_or_default();
        for (id, local) in &expected {
            let (value, breakdown) = (&local.value, &local.breakdown);
            let rows = rows_of(id);
            if breakdown.is_empty() {
                let remote = rows
                    .first()
                    .and_then(|r| r.get(0))
                    .cloned()
                    .unwrap_or(Value::Null);
                if !same(*value, &remote) {
                    wrong.push(format!("{engine}: {id}: local {value:?}, engine {remote}"));
                }
                continue;
            }
            let remote: BTreeMap<String, Value> = rows
                .iter()
                .map(|r| {
                    (
                        r[0].as_str().map_or("null".into(), str::to_string),
                        r[1].clone(),
                    )
                })
                .collect();
            for (dimension, v) in breakdown {
                let key = dimension.clone().unwrap_or_else(|| "null".into());
                let got = remote.get(&key).cloned().unwrap_or(Value::Null);
                if !same(*v, &got) {
                    wrong.push(format!("{engine}: {id} [{key}]: local {v:?}, engine {got}"));
                }
            }
            if remote.len() != breakdown.len() {
                wrong.push(format!(
                    "{engine}: {id}: {} groups locally, {} on the engine",
                    breakdown.len(),
                    remote.len()
                ));
            }
        }
        let active = expected["active_members"].value;
        let mutant = rows_of("mutant")
            .first()
            .and_then(|r| r.get(0))
            .cloned()
            .unwrap_or(Value::Null);
        assert!(
            !same(active, &mutant),
            "{engine}: a metric counting wrong would have passed"
        );
    }
    assert!(
        wrong.is_empty(),
        "{} differences:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn an_export_replaces_each_table_whole_and_can_pseudonymise_personal_fields() {
    let (p, db) = crate::common::resolved_store(300);
    let to = p.root().join("export");
    // A stale table from an earlier export is replaced, not added to.
    let stale = to.join("raw/source_record/part-00099.parquet");
    std::fs::create_dir_all(stale.parent().unwrap()).unwrap();
    std::fs::write(&stale, b"old").unwrap();
    let options = cpm::export::ExportOptions { pseudonymise: true };
    let report = cpm::export::export(&p.db_path(), &to, &options, &cpm::progress::Silent).unwrap();
    assert!(!stale.exists());
    let records = report
        .tables
        .iter()
        .find(|t| t.table == "source_record")
        .unwrap();
    let stored: i64 = db
        .conn
        .query_row("SELECT count(*) FROM source_record", [], |r| r.get(0))
        .unwrap();
    assert_eq!(records.rows as i64, stored);
    let file = to.join("raw/source_record/part-00000.parquet");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // No name or email of the store appears in the pseudonymised file.
    let bytes = std::fs::read(&file).unwrap();
    let email: String = db
        .conn
        .query_row(
            "SELECT email FROM source_record WHERE length(email) > 12 LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains(&email), "an email left in clear");
    // (Without the option the same file holds it as it is.)
    let clear = p.root().join("clear");
    cpm::export::export(
        &p.db_path(),
        &clear,
        &Default::default(),
        &cpm::progress::Silent,
    )
    .unwrap();
    let bytes = std::fs::read(clear.join("raw/source_record/part-00000.parquet")).unwrap();
    assert!(String::from_utf8_lossy(&bytes).contains(&email));
    assert!(to.join("manifest.json").exists());
    assert!(
        !std::fs::read_dir(&to).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".cpm-export")),
        "no staging folder is left behind"
    );
}

#[test]
fn an_incremental_export_applied_on_duckdb_gives_the_tables_a_full_export_gives() {
    let (p, mut db) = scored_store(PEOPLE);
    let base = p.root().join("base");
    let options = cpm::export::ExportOptions::default();
    let first = cpm::export::export(&p.db_path(), &base, &options, &cpm::progress::Silent).unwrap();
    let views = cpm::metrics::schemas::views(&db.conn).unwrap();
    let base_sql = cpm::export::load_sql(&first.tables, &base, Dialect::Standard, &views);
    // A steward's decision and a triage call change a few rows of a few tables.
    let config = cpm::resolve::settings::ResolutionConfig::load(&p.project()).unwrap();
    let pair = cpm::resolve::review::queue(&db.conn, cpm::resolve::review::QueueOrder::Stake, 1, 0)
        .unwrap()
        .remove(0);
    cpm::resolve::review::approve(&mut db, &config, pair.candidate_id, "ana", None).unwrap();
    let sustainer: i64 = db
        .conn
        .query_row(
            "SELECT constituent_id FROM constituent_score WHERE churn_probability IS NOT NULL LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    cpm::store::score::set_triage(
        &mut db.conn,
        sustainer,
        "contacted",
        Some("voicemail"),
        "bo",
    )
    .unwrap();
    let changes = cpm::export::export_changes(&p.db_path(), &base, &options).unwrap();
    let changed: u64 = changes.tables.iter().map(|t| t.rows).sum();
    assert!(
        changed > 0 && changed < first.rows() / 100,
        "only the changed rows: {changed}"
    );
    assert!(changes.tables.iter().any(|t| t.table == "triage"));
    assert!(
        changes
            .tables
            .iter()
            .any(|t| t.table == "constituent_member")
    );
    let fresh = p.root().join("fresh");
    let full = cpm::export::export(&p.db_path(), &fresh, &options, &cpm::progress::Silent).unwrap();
    let fresh_sql = cpm::export::load_sql(&full.tables, &fresh, Dialect::Standard, &views);
    let files = [
        ("base.sql", base_sql),
        (
            "changes.sql",
            cpm::export::change_sql(&changes, Dialect::Standard),
        ),
        ("fresh.sql", fresh_sql),
    ];
    for (name, sql) in &files {
        std::fs::write(p.root().join(name), sql).unwrap();
    }
    let out = p.root().join("compared.json");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/warehouse/apply_changes.py");
    let output = Command::new(warehouse_python())
        .current_dir(script.parent().unwrap())
        .arg(&script)
        .args(files.iter().map(|(name, _)| p.root().join(name)))
        .arg(&out)
        .output()
        .expect("run the incremental check");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let compared: BTreeMap<String, (u64, u64)> =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(compared.len(), full.tables.len());
    let differing: Vec<_> = compared.iter().filter(|(_, d)| **d != (0, 0)).collect();
    assert!(differing.is_empty(), "{differing:?}");
}
