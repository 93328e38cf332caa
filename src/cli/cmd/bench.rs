//! `cpm bench`: the pipeline, resolution, scoring, console and ceiling benchmarks.

use crate::cli::*;

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BenchTarget {
    /// Generate + ingest `--people` people.
    Pipeline,
    /// Key-to-frame, first-frame and search times of the console on `--db`.
    Tui,
    /// A first resolution and a re-run on a copy of `--db` (ingested, not yet resolved).
    Resolve,
    /// A scoring run on a copy of `--db` (resolved, with saved models).
    Score,
    /// The best churn ranking any model could reach on the pipeline's `--people`: each
    /// sustainer's churn probability from the generator's hidden state, against what
    /// happened (no store is read or written).
    Ceiling,
}

pub(crate) fn cmd_bench_tui(g: &Global, project: &Project) -> Result<()> {
    let report = cpm::tui::bench::run(&g.db, project)?;
    if g.json {
        return print_json(&report);
    }
    println!(
        "console on {} ({} golden records), 200x60 frames",
        g.db.display(),
        report.golden_records
    );
    println!(
        "  first frame (placeholders)  {:>8.1} ms",
        report.first_frame_ms
    );
    println!(
        "  first frame with data       {:>8.1} ms",
        report.first_loaded_frame_ms
    );
    println!(
        "{:<36} {:>6} {:>9} {:>9} {:>9}",
        "key → next frame", "keys", "p50 ms", "p99 ms", "max ms"
    );
    for t in &report.timings {
        println!(
            "{:<36} {:>6} {:>9.2} {:>9.2} {:>9.2}",
            t.what, t.count, t.p50_ms, t.p99_ms, t.max_ms
        );
    }
    Ok(())
}

/// One run of `cpm <args> --json` on `db` in a child process, as a user would run it: its
/// wall time (process start to exit, the store's close included) and its JSON report.
pub(crate) fn timed_child(
    g: &Global,
    db: &std::path::Path,
    args: &[&str],
) -> Result<(f64, serde_json::Value)> {
    let exe = std::env::current_exe().context("finding the cpm binary")?;
    cpm::bench::settle_disk();
    let start = Instant::now();
    let out = std::process::Command::new(exe)
        .arg("--db")
        .arg(db)
        .arg("--root")
        .arg(&g.root)
        .args(["--as", "cpm-bench"])
        .args(args)
        .arg("--json")
        .output()
        .context("running cpm")?;
    let wall = start.elapsed().as_secs_f64();
    if !out.status.success() {
        anyhow::bail!(
            "cpm {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok((wall, serde_json::from_slice(&out.stdout)?))
}

/// Say what a long benchmark is doing, on a terminal only.
pub(crate) fn bench_step(g: &Global, what: &str) {
    if !g.json && std::io::stderr().is_terminal() {
        eprintln!("{what}…");
    }
}

/// A child's report as a benchmark row: wall time, peak memory and the report itself.
pub(crate) fn bench_row(wall_s: f64, report: serde_json::Value) -> serde_json::Value {
    let peak = report["peak_rss_mib"].clone();
    serde_json::json!({ "wall_s": wall_s, "peak_rss_mib": peak, "report": report })
}

pub(crate) fn seconds(v: &serde_json::Value) -> f64 {
    v.as_f64().unwrap_or(0.0) / 1000.0
}

pub(crate) fn megabytes(v: &serde_json::Value) -> String {
    v.as_f64()
        .map(|m| format!("{m:.0}"))
        .unwrap_or_else(|| "?".into())
}

pub(crate) fn cmd_bench_resolve(g: &Global, rounds: usize) -> Result<()> {
    cpm::bench::ensure_unresolved(&cpm::bench::settled(&g.db)?)?;
    let mut report = Vec::new();
    for round in 1..=rounds {
        let scratch = cpm::bench::Scratch::copy_of(&g.db)?;
        bench_step(g, &format!("round {round}: first run"));
        let (wall, first) = timed_child(g, scratch.path(), &["resolve"])?;
        let first = bench_row(wall, first);
        bench_step(g, &format!("round {round}: re-run"));
        let (wall, rerun) = timed_child(g, scratch.path(), &["resolve"])?;
        report.push(serde_json::json!({ "first": first, "rerun": bench_row(wall, rerun) }));
    }
    if g.json {
        return print_json(&report);
    }
    println!(
        "| run | source records | candidate pairs | load s | block s | compare s | cluster s | write s | wall s | pairs/s compared | peak RSS (MiB) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for round in &report {
        for (name, row) in [("first", &round["first"]), ("re-run", &round["rerun"])] {
            let run = &row["report"]["run"];
            let pairs = run["candidate_pairs"].as_u64().unwrap_or(0);
            println!(
                "| {name} | {} | {pairs} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.0} | {} |",
                run["records"],
                seconds(&run["millis_load"]),
                seconds(&run["millis_block"]),
                seconds(&run["millis_compare"]),
                seconds(&run["millis_cluster"]),
                seconds(&run["millis_write"]),
                row["wall_s"].as_f64().unwrap_or(0.0),
                pairs as f64 / seconds(&run["millis_compare"]).max(0.001),
                megabytes(&row["peak_rss_mib"])
            );
        }
    }
    let records = report
        .first()
        .and_then(|r| r["first"]["report"]["run"]["records"].as_u64())
        .unwrap_or(0);
    for (name, key, per_million) in [
        (
            "first run",
            "first",
            cpm::bench::RESOLVE_SECONDS_PER_MILLION,
        ),
        ("re-run", "rerun", cpm::bench::RERUN_SECONDS_PER_MILLION),
    ] {
        let walls = report.iter().filter_map(|r| r[key]["wall_s"].as_f64());
        print_verdict(records, "records", per_million, name, walls);
    }
    Ok(())
}

/// The target for `count` things at `per_million` seconds a million, against the best of
/// `walls`.
pub(crate) fn print_verdict(
    count: u64,
    things: &str,
    per_million: f64,
    run: &str,
    walls: impl Iterator<Item = f64>,
) {
    let best = walls.fold(f64::INFINITY, f64::min);
    let (target, met) = cpm::bench::target(count, per_million, best);
    println!(
        "target for {count} {things} ({per_million} s a million): {target:.2} s; best {run} {best:.2} s: {}",
        if met { "met" } else { "not met" }
    );
}

pub(crate) fn cmd_bench_score(g: &Global, rounds: usize) -> Result<()> {
    drop(cpm::bench::settled(&g.db)?);
    let mut report = Vec::new();
    for round in 1..=rounds {
        let scratch = cpm::bench::Scratch::copy_of(&g.db)?;
        bench_step(g, &format!("round {round}: score"));
        let (wall, run) = timed_child(g, scratch.path(), &["score"])?;
        report.push(bench_row(wall, run));
    }
    if g.json {
        return print_json(&report);
    }
    println!(
        "| run | golden records | sustainers | load s | train s | score s | write s | wall s | peak RSS (MiB) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (i, row) in report.iter().enumerate() {
        let r = &row["report"];
        println!(
            "| {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
            i + 1,
            r["golden_records"],
            r["sustainers_scored"],
            seconds(&r["millis_load"]),
            seconds(&r["millis_train"]),
            seconds(&r["millis_score"]),
            seconds(&r["millis_write"]),
            row["wall_s"].as_f64().unwrap_or(0.0),
            megabytes(&row["peak_rss_mib"])
        );
    }
    let golden = report
        .first()
        .and_then(|r| r["report"]["golden_records"].as_u64())
        .unwrap_or(0);
    let walls = report.iter().filter_map(|r| r["wall_s"].as_f64());
    let per_million = cpm::bench::SCORE_SECONDS_PER_MILLION;
    print_verdict(golden, "golden records", per_million, "run", walls);
    let trained = report.iter().any(|r| {
        r["report"]["models"]
            .as_array()
            .is_some_and(|models| models.iter().any(|m| m["trained_now"] == true))
    });
    if trained {
        println!(
            "(models were trained in a run: the store had none saved; `cpm score` once saves them)"
        );
    }
    Ok(())
}

/// Forward runs per sustainer for the churn ceiling: enough that the probabilities' noise
/// (a standard error of ~0.005 at a 6 % rate) costs the ranking almost nothing.
pub(crate) const CEILING_SAMPLES: u32 = 2000;

pub(crate) fn cmd_bench_ceiling(g: &Global, project: &Project, people: u64) -> Result<()> {
    let config = ScoringConfig::load(project)?;
    let options = GenerateOptions {
        seed: cpm::bench::PIPELINE_SEED,
        people,
        as_of: generate::default_as_of(),
        out: PathBuf::new(),
    };
    bench_step(g, "churn ceiling: simulating twice");
    let report =
        generate::ceiling::churn_ceiling(&options, score::window(&config), CEILING_SAMPLES)?;
    if g.json {
        return print_json(&report);
    }
    let figure = |x: Option<f64>| x.map_or_else(|| "n/a".to_string(), |x| format!("{x:.3}"));
    println!(
        "| the oracle knows | test cutoff | active sustainers | churned | rate | ROC-AUC | PR-AUC | lift@10 |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for (knows, e) in [
        ("the hidden state", &report.knowing_drift),
        (
            "all but drift, which it infers from the email file",
            &report.drift_from_email,
        ),
    ] {
        println!(
            "| {knows} | {} | {} | {} | {:.1} % | {} | {} | {} |",
            report.cutoff,
            e.rows,
            e.positives,
            e.base_rate * 100.0,
            figure(e.roc_auc),
            figure(e.pr_auc),
            e.top_decile_lift
                .map_or_else(|| "n/a".to_string(), |x| format!("{x:.2}x"))
        );
    }
    println!(
        "({} people, {} forward runs of the generator's rules per sustainer: no model of the \
         source files ranks better except by chance; compare `cpm score`'s churn line on \
         `cpm bench --people {}`)",
        report.people, report.samples, report.people
    );
    Ok(())
}

pub(crate) fn cmd_bench(g: &Global, people: u64, dir: &std::path::Path) -> Result<()> {
    let sources = dir.join("synthetic");
    let db_path = dir.join("bench.db");
    cpm::store::remove_store_files(&db_path);
    let t = Instant::now();
    let generated = generate::generate(
        &GenerateOptions {
            seed: cpm::bench::PIPELINE_SEED,
            people,
            as_of: generate::default_as_of(),
            out: sources.clone(),
        },
        progress_for(g).as_ref(),
    )?;
    let generate_s = t.elapsed().as_secs_f64();
    let generate_rss = cpm::bench::peak_rss_mib().unwrap_or(0.0);
    let mut db = Db::open(&db_path)?;
    let t = Instant::now();
    let report = ingest::ingest(
        &mut db,
        &Project::new("."),
        &IngestOptions {
            only: vec![],
            source_dir: Some(sources),
            strict: false,
        },
        progress_for(g).as_ref(),
    )?;
    let ingest_s = t.elapsed().as_secs_f64();
    let rows: u64 = generated.files.iter().map(|(_, r)| r).sum();
    let rows_in = report.rows_read();
    let rss = cpm::bench::peak_rss_mib().unwrap_or(0.0);
    if g.json {
        return print_json(&serde_json::json!({
            "people": people, "rows": rows, "generate_s": generate_s, "ingest_s": ingest_s,
            "ingest_rows_per_s": rows_in as f64 / ingest_s, "peak_rss_mib": rss,
        }));
    }
    println!("| stage | people | rows | seconds | rows/s | peak RSS (MiB) |");
    println!("|---|---:|---:|---:|---:|---:|");
    println!(
        "| generate | {people} | {rows} | {generate_s:.2} | {:.0} | {generate_rss:.0} |",
        rows as f64 / generate_s
    );
    println!(
        "| ingest | {people} | {rows_in} | {ingest_s:.2} | {:.0} | {rss:.0} |",
        rows_in as f64 / ingest_s
    );
    println!(
        "| end to end | {people} | {rows} | {:.2} | {:.0} | {rss:.0} |",
        generate_s + ingest_s,
        rows as f64 / (generate_s + ingest_s)
    );
    Ok(())
}
