//! `cpm score`: scoring runs, and one person's explanation.

use crate::cli::*;

pub(crate) fn parse_constituent_id(text: &str) -> Result<i64> {
    let digits = text
        .trim()
        .trim_start_matches(['C', 'c'])
        .trim_start_matches('-');
    digits.parse().map_err(|_| {
        cpm::Error::Usage(format!(
            "'{text}' is not a golden record id (like 123 or C-000123)"
        ))
        .into()
    })
}

pub(crate) fn cmd_score(
    g: &Global,
    project: &Project,
    retrain: bool,
    explain: Option<String>,
) -> Result<()> {
    let config = ScoringConfig::load(project)?;
    let mut db = open_db(g)?;
    if let Some(id) = explain {
        let e = score::explain(&db, &config, parse_constituent_id(&id)?)?;
        if g.json {
            return print_json(&e);
        }
        return print_explanation(&db, &e);
    }
    let report = score::run(
        &mut db,
        &config,
        &g.actor(),
        &score::ScoreOptions {
            retrain,
            ..Default::default()
        },
        progress_for(g).as_ref(),
    )?;
    if g.json {
        let mut json = serde_json::to_value(&report)?;
        json["peak_rss_mib"] = serde_json::json!(cpm::bench::peak_rss_mib());
        return print_json(&json);
    }
    print_report(&report, &config);
    Ok(())
}

/// One person's scores, each reason and feature, and the call and ask consent allows.
fn print_explanation(db: &Db, e: &score::Explanation) -> Result<()> {
    println!("{} as of {}", golden_id(e.constituent_id), e.as_of);
    match &e.scores {
        Some(s) => {
            if let (Some(p), Some(tier)) = (s.churn_probability, &s.churn_tier) {
                println!("  churn risk {:.1}% ({tier})", p * 100.0);
            } else {
                println!("  churn risk: not an active sustainer");
            }
            for reason in &e.reasons {
                let sign = if reason.contribution > 0.0 {
                    "raises"
                } else {
                    "lowers"
                };
                println!(
                    "    {sign} risk {:+.2}: {}",
                    reason.contribution, reason.text
                );
            }
            use cpm::vocab::reasons::{DO_NOT_CALL, call_about, next_step};
            let consent = cpm::store::consent::golden_consent(&db.conn, e.constituent_id)?;
            let refused = cpm::vocab::consent::refused(&consent);
            if s.churn_probability.is_some() {
                let call = call_about(&e.reasons, &refused).unwrap_or(DO_NOT_CALL);
                println!("  retention call: {call}");
            }
            if let Some(action) = &s.upgrade_action {
                println!("  next step: {}", next_step(action, &refused));
            }
        }
        None => println!("  not scored yet: run `cpm score`"),
    }
    println!("  features:");
    // One column for the names, as wide as the longest.
    let width = e
        .features
        .iter()
        .map(|(name, ..)| name.len())
        .max()
        .unwrap_or(0);
    for (name, value, words) in &e.features {
        println!("    {name:<width$} {value:>10.2}  {words}");
    }
    Ok(())
}

/// A scoring run's models with their held-out figures, its tiers, paths and timings.
fn print_report(report: &score::ScoreReport, config: &ScoringConfig) {
    println!(
        "scored {} golden records as of {} ({} active sustainers)",
        report.golden_records, report.as_of, report.sustainers_scored
    );
    println!(
        "{:<17} {:>7} {:>7} {:>5} {:>6} {:>15} {:>15} {:>8} {:>7} {:>7} {:>8} {:>7} {:>6}",
        "model",
        "version",
        "rows",
        "trees",
        "rate",
        "ROC-AUC (base)",
        "PR-AUC (base)",
        "logloss",
        "Brier",
        "lift@10",
        "capture",
        "train s",
        "fit s"
    );
    let opt = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.3}"));
    for m in &report.models {
        println!(
            "{:<17} {:>7} {:>7} {:>5} {:>5.1}% {:>7} ({:>5}) {:>7} ({:>5}) {:>8.4} {:>7.4} {:>7} {:>8} {:>7.2} {:>6.2}",
            m.target,
            format!(
                "{}{}",
                m.model_version,
                if m.trained_now { "*" } else { "" }
            ),
            m.train_rows,
            m.trees,
            m.model.base_rate * 100.0,
            opt(m.model.roc_auc),
            opt(m.baseline.roc_auc),
            opt(m.model.pr_auc),
            opt(m.baseline.pr_auc),
            m.model.log_loss,
            m.model.brier,
            m.model
                .top_decile_lift
                .map_or("–".into(), |l| format!("{l:.2}x")),
            m.model
                .top_decile_capture
                .map_or("–".into(), |c| format!("{:.0}%", c * 100.0)),
            m.millis_train as f64 / 1000.0,
            m.millis_fit as f64 / 1000.0,
        );
    }
    println!(
        "  (* trained now: train cutoff {}, evaluated out of time at {})",
        report
            .models
            .first()
            .map_or("", |m| m.train_cutoff.as_str()),
        report.models.first().map_or("", |m| m.test_cutoff.as_str())
    );
    for m in &report.models {
        println!(
            "  {} scores with the {}",
            m.target,
            if m.in_use == "baseline" {
                "logistic baseline (it ranked the held-out people better)"
            } else {
                "booster"
            }
        );
    }
    for why in &report.skipped {
        println!("  not scored: {why}");
    }
    let tiers: Vec<String> = ["low", "medium", "high", "critical"]
        .iter()
        .map(|t| format!("{t} {}", report.tiers.get(*t).copied().unwrap_or(0)))
        .collect();
    println!("churn tiers: {}", tiers.join(" · "));
    let paths: Vec<String> = report
        .upgrade_paths
        .iter()
        .map(|(p, n)| format!("{p} {n}"))
        .collect();
    println!("best upgrade path: {}", paths.join(" · "));
    if report.upgrade_asks_held > 0 {
        println!(
            "upgrade asks held: {} at {} churn risk or above get the retention call only (hold_upgrade_asks_from in scoring.yaml)",
            report.upgrade_asks_held, config.hold_upgrade_asks_from
        );
    }
    println!(
        "ms: load {} train {} score {} write {}",
        report.millis_load, report.millis_train, report.millis_score, report.millis_write
    );
}
