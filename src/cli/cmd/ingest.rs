//! `cpm ingest` and `cpm quarantine`: loading sources, and the rows that could not be loaded.

use crate::cli::*;

#[derive(Subcommand, Debug)]
pub(crate) enum QuarantineAction {
    /// Quarantined rows of each source's latest batch (and, with --all, earlier ones).
    List {
        #[arg(long)]
        source: Option<String>,
        /// Also rows of earlier batches, which a later load of the file resolved.
        #[arg(long)]
        all: bool,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// One quarantined row with its raw text (redacted for roles other than admin).
    Show { id: i64 },
    /// Every open quarantined row as CSV (source, file, line, reason, raw) on stdout.
    Export {
        #[arg(long)]
        source: Option<String>,
    },
}

pub(crate) fn cmd_ingest(
    g: &Global,
    project: &Project,
    options: IngestOptions,
    dry_run: bool,
) -> Result<()> {
    let progress = progress_for(g);
    let report = if dry_run {
        ingest::check(project, &options, progress.as_ref())?
    } else {
        ingest::ingest(&mut open_db(g)?, project, &options, progress.as_ref())?
    };
    if g.json {
        return print_json(&report);
    }
    print_ingest(&report);
    Ok(())
}

pub(crate) fn print_ingest(report: &IngestReport) {
    if report.dry_run {
        println!("dry run: every file read through its mapping, nothing written");
    }
    println!(
        "{:<24} {:>20} {:>10} {:>9} {:>11} {:>8} {:>8} {:>8}",
        "source", "outcome", "rows read", "loaded", "quarantined", "blanked", "new", "ms"
    );
    for b in &report.batches {
        let outcome = match (report.dry_run, b.warnings.is_empty()) {
            (false, _) => b.outcome.label(),
            (true, true) => "would load",
            (true, false) => "would warn",
        };
        println!(
            "{:<24} {:>20} {:>10} {:>9} {:>11} {:>8} {:>8} {:>8}",
            b.source,
            outcome,
            b.rows_read,
            b.rows_loaded,
            b.rows_quarantined,
            b.fields_blanked,
            b.records_new,
            b.millis
        );
    }
    let would = if report.dry_run { "would be " } else { "" };
    println!(
        "rows read {} = {would}loaded {} + {would}quarantined {}",
        report.rows_read(),
        report.rows_loaded(),
        report.rows_quarantined()
    );
    if report.fields_blanked() > 0 {
        println!(
            "{} optional fields did not parse and were stored empty (their rows were kept): see the Quality tab",
            report.fields_blanked()
        );
    }
    for b in report
        .batches
        .iter()
        .filter(|b| !b.quarantine_reasons.is_empty())
    {
        println!("{} would quarantine:", b.source);
        for r in &b.quarantine_reasons {
            println!(
                "  {} row{} (first at line {}): {}",
                r.rows,
                cpm::text::plural(r.rows as usize),
                r.first_line,
                cpm::text::terminal_safe(&r.reason)
            );
        }
    }
    if report.rows_quarantined() > 0 && !report.dry_run {
        println!(
            "quarantined rows: `cpm quarantine list` shows them, `cpm quarantine export` writes them out"
        );
    }
    for warning in report.warnings() {
        eprintln!(
            "warning: {warning} (check the mapping and date_formats in config/sources.yaml; --strict refuses such a file)"
        );
    }
}

pub(crate) fn cmd_quarantine(g: &Global, action: QuarantineAction) -> Result<()> {
    use cpm::store::source::{QuarantineFilter, quarantined};
    let db = open_db(g)?;
    // The raw text is a row of personal data: whole for an admin, its shape for the rest.
    let unredacted = g.role == Role::Admin;
    match action {
        QuarantineAction::List { source, all, limit } => {
            let filter = QuarantineFilter {
                source: source.as_deref(),
                include_resolved: all,
                id: None,
            };
            let rows = quarantined(&db.conn, &filter, unredacted)?;
            if g.json {
                return print_json(&rows.iter().take(limit).collect::<Vec<_>>());
            }
            println!("{} quarantined rows", rows.len());
            for r in rows.iter().take(limit) {
                println!(
                    "#{:<6} {:<9} {:<22} line {:<7} {}",
                    r.id,
                    r.status,
                    r.source,
                    r.line,
                    cpm::text::terminal_safe(&r.reason)
                );
            }
            if rows.len() > limit {
                println!("… {} more (--limit)", rows.len() - limit);
            }
        }
        QuarantineAction::Show { id } => {
            let filter = QuarantineFilter {
                source: None,
                include_resolved: true,
                id: Some(id),
            };
            let Some(row) = quarantined(&db.conn, &filter, unredacted)?
                .into_iter()
                .next()
            else {
                return Err(cpm::Error::Usage(format!("no quarantined row #{id}")).into());
            };
            if g.json {
                return print_json(&row);
            }
            println!("#{} {} ({})", row.id, row.source, row.status);
            println!("file   {}", cpm::text::terminal_safe(&row.file));
            println!("line   {}", row.line);
            println!("reason {}", cpm::text::terminal_safe(&row.reason));
            println!("raw    {}", cpm::text::terminal_safe(&row.raw));
        }
        QuarantineAction::Export { source } => {
            let filter = QuarantineFilter {
                source: source.as_deref(),
                include_resolved: false,
                id: None,
            };
            let rows = quarantined(&db.conn, &filter, unredacted)?;
            let mut out = csv::Writer::from_writer(std::io::stdout().lock());
            out.write_record(["id", "source", "file", "line", "reason", "raw"])?;
            for r in rows {
                out.write_record([
                    r.id.to_string(),
                    r.source,
                    cpm::text::spreadsheet_cell(&r.file).into_owned(),
                    r.line.to_string(),
                    cpm::text::spreadsheet_cell(&r.reason).into_owned(),
                    cpm::text::spreadsheet_cell(&r.raw).into_owned(),
                ])?;
            }
            out.flush()?;
        }
    }
    Ok(())
}
