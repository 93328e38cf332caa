//! `cpm quality`: the declared checks, and suggestions for new ones.

use crate::cli::*;

#[derive(Subcommand, Debug)]
pub(crate) enum QualityAction {
    /// Profile a table and print check YAML to review and adopt.
    Suggest { table: String },
}

pub(crate) fn cmd_quality_suggest(g: &Global, table: &str) -> Result<()> {
    let db = open_db(g)?;
    print!("{}", quality::suggest(&db, table)?);
    Ok(())
}

/// Runs the checks; the exit status is 1 when a critical check failed, so a pipeline can
/// stop on it.
pub(crate) fn cmd_quality(g: &Global, project: &Project) -> Result<ExitCode> {
    let (path, text) = project.read_config("quality_checks.yaml")?;
    let config = quality::checks::QualityConfig::parse(&path, &text)?.with_metrics(project)?;
    let mut db = open_db(g)?;
    let report = quality::run(
        &mut db,
        &config,
        (&path, &text),
        &g.actor(),
        progress_for(g).as_ref(),
    )?;
    if g.json {
        print_json(&report)?;
    } else {
        let checks: Vec<String> = report
            .results
            .iter()
            .map(|r| format!("{}: {}", r.table_name, r.check_name))
            .collect();
        // The check column as wide as its longest name, so the figures stay in line.
        let width = checks.iter().map(|c| c.chars().count()).max().unwrap_or(0);
        println!(
            "{:<6} {:<9} {:<width$} {:>9} {:>10} {:<10} threshold",
            "status", "severity", "check", "failing", "of", "change"
        );
        for (r, check) in report.results.iter().zip(&checks) {
            let anomaly = if r.anomaly.is_some() {
                " · outside its usual band"
            } else {
                ""
            };
            println!(
                "{:<6} {:<9} {check:<width$} {:>9} {:>10} {:<10} {}{anomaly}",
                r.status.to_uppercase(),
                r.severity,
                if r.check_type == "row_count"
                    || r.check_type == "freshness"
                    || r.check_type == "reconciliation"
                {
                    format!("{:.0}", r.measured)
                } else {
                    r.failing.to_string()
                },
                r.total,
                r.change.as_deref().unwrap_or(""),
                r.threshold
            );
        }
        println!(
            "run {} · {} · {} checks in {} ms",
            report.run_id,
            report.status.to_uppercase(),
            report.results.len(),
            report.millis
        );
    }
    Ok(if report.blocks() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
