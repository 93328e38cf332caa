//! `cpm export`: the warehouse tables as Parquet, and the SQL that loads them.

use crate::cli::*;

pub(crate) fn cmd_export(
    g: &Global,
    to: &std::path::Path,
    pseudonymise: bool,
    load_sql: Option<&str>,
    changes: bool,
) -> Result<()> {
    use cpm::metrics::render::Dialect;
    // Fails clearly (and creates nothing) when the store is missing.
    let db = open_db(g)?;
    let options = cpm::export::ExportOptions { pseudonymise };
    let dialect = match load_sql {
        Some("snowflake") => Dialect::Snowflake,
        Some("databricks") => Dialect::Databricks,
        _ => Dialect::Standard,
    };
    if changes {
        let report = cpm::export::export_changes(&g.db, to, &options)?;
        if load_sql.is_some() {
            print!("{}", cpm::export::change_sql(&report, dialect));
        } else if g.json {
            return print_json(&report);
        } else {
            for t in &report.tables {
                println!(
                    "{:<8} {:<22} {:>8} rows {:>6} gone",
                    t.layer, t.table, t.rows, t.deleted
                );
            }
            println!(
                "wrote {} in {:.1} s ({} tables changed)",
                report.folder,
                report.millis as f64 / 1000.0,
                report.tables.len()
            );
        }
        return Ok(());
    }
    let report = cpm::export::export(&g.db, to, &options, progress_for(g).as_ref())?;
    if load_sql.is_some() {
        let views = cpm::metrics::schemas::views(&db.conn)?;
        print!(
            "{}",
            cpm::export::load_sql(&report.tables, to, dialect, &views)
        );
        return Ok(());
    }
    if g.json {
        return print_json(&report);
    }
    println!("{:<8} {:<22} {:>10}  folder", "layer", "table", "rows");
    for t in &report.tables {
        println!(
            "{:<8} {:<22} {:>10}  {}",
            t.layer, t.table, t.rows, t.folder
        );
    }
    println!(
        "wrote {} rows in {} tables to {} in {:.1} s{} (manifest.json lists them)",
        report.rows(),
        report.tables.len(),
        to.display(),
        report.millis as f64 / 1000.0,
        if pseudonymise {
            "; personal fields pseudonymised"
        } else {
            ""
        }
    );
    Ok(())
}
