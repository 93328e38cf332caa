//! `cpm export`: the warehouse tables as Parquet, and the SQL that loads them.

use crate::cli::*;

pub(crate) fn cmd_export(
    g: &Global,
    to: &std::path::Path,
    pseudonymise: bool,
    load_sql: Option<&str>,
) -> Result<()> {
    use cpm::metrics::render::Dialect;
    // Fails clearly (and creates nothing) when the store is missing.
    let db = open_db(g)?;
    let options = cpm::export::ExportOptions { pseudonymise };
    let report = cpm::export::export(&g.db, to, &options, progress_for(g).as_ref())?;
    if let Some(platform) = load_sql {
        let dialect = match platform {
            "snowflake" => Dialect::Snowflake,
            "databricks" => Dialect::Databricks,
            _ => Dialect::Standard,
        };
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
