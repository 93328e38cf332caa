//! `cpm metrics`: definitions, SQL per platform, values, the dictionary and schemas.

use crate::cli::*;

#[derive(Subcommand, Debug)]
pub(crate) enum MetricsAction {
    /// Every metric with its category, type and version.
    List,
    /// The SQL for one metric on one platform.
    Sql {
        name: String,
        #[arg(long, default_value = "sqlite", value_parser = ["sqlite", "standard", "snowflake", "databricks"])]
        platform: String,
        /// As of this date (default: the data's as-of date, or 2026-06-30 without a store).
        #[arg(long, value_parser = parse_date)]
        as_of: Option<chrono::NaiveDate>,
        #[arg(long)]
        by: Option<String>,
    },
    /// Compute a metric on the local store (kept with its definition version).
    Value {
        name: String,
        /// Break down by one of the metric's dimensions.
        #[arg(long)]
        by: Option<String>,
        #[arg(long, value_parser = parse_date)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// Donor retention by lifecycle segment (the `lifecycle` metrics: new, second-year,
    /// multi-year, recaptured, lapsed), each with its cohort; kept like `metrics value`.
    Lifecycle {
        #[arg(long, value_parser = parse_date)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// The Markdown data dictionary (owners, definitions, SQL per platform, versions).
    Dictionary {
        /// Write the committed copy, sql/metrics_dictionary.md, instead of printing.
        #[arg(long)]
        write: bool,
    },
    /// Write the warehouse schemas to sql/schemas/{standard,snowflake,databricks}/schema.sql.
    Schemas,
}

pub(crate) fn cmd_metrics(g: &Global, project: &Project, action: MetricsAction) -> Result<()> {
    use cpm::metrics::{self, def::MetricsFile, render::Dialect};
    let file = MetricsFile::load(project)?;
    match action {
        MetricsAction::List => {
            if g.json {
                return print_json(&file.metrics);
            }
            println!(
                "{:<36} {:<14} {:<8} {:>3}  display name",
                "metric", "category", "type", "v"
            );
            for m in &file.metrics {
                println!(
                    "{:<36} {:<14} {:<8} {:>3}  {}",
                    m.name,
                    m.category,
                    format!("{:?}", m.kind).to_lowercase(),
                    m.version(),
                    m.display_name
                );
            }
        }
        MetricsAction::Sql {
            name,
            platform,
            as_of,
            by,
        } => {
            let dialect = Dialect::parse(&platform)
                .ok_or_else(|| cpm::Error::Usage(format!("unknown platform '{platform}'")))?;
            // The data's as-of date when a store exists (opened read-only: rendering SQL
            // never creates or changes one), else a fixed date.
            let as_of = match as_of {
                Some(d) => d,
                None => match g
                    .db
                    .exists()
                    .then(|| Db::open_read_only(&g.db).ok())
                    .flatten()
                    .and_then(|db| metrics::data_as_of(&db.conn).ok())
                {
                    Some(d) => d,
                    None => chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default(),
                },
            };
            let sql = metrics::render::render(&file, &name, dialect, as_of, by.as_deref())?;
            if g.json {
                return print_json(&serde_json::json!({
                    "metric": name, "platform": dialect.name(), "as_of": as_of.to_string(),
                    "by": by, "sql": sql,
                }));
            }
            println!("{sql}");
        }
        MetricsAction::Value { name, by, as_of } => {
            print_value(g, &file, &name, by.as_deref(), as_of)?
        }
        MetricsAction::Lifecycle { as_of } => print_lifecycle(g, &file, as_of)?,
        MetricsAction::Dictionary { write } => {
            // The metrics, then the contact data (consent, households, segments).
            let segments = cpm::segments::SegmentsFile::load(project)?;
            let text = metrics::dictionary(&file)? + &cpm::segments::dictionary(&segments);
            if write {
                let path = project.resolve(std::path::Path::new("sql/metrics_dictionary.md"));
                std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?;
                println!("wrote {}", path.display());
            } else {
                print!("{text}");
            }
        }
        MetricsAction::Schemas => {
            let db = Db::open_in_memory()?;
            for dialect in [Dialect::Standard, Dialect::Snowflake, Dialect::Databricks] {
                let dir = project
                    .resolve(std::path::Path::new("sql/schemas"))
                    .join(dialect.name());
                std::fs::create_dir_all(&dir)?;
                let path = dir.join("schema.sql");
                std::fs::write(&path, metrics::schemas::render(&db.conn, dialect)?)?;
                println!("wrote {}", path.display());
            }
        }
    }
    Ok(())
}

/// `cpm metrics value`: one metric computed on the local store and kept, with its breakdown.
fn print_value(
    g: &Global,
    file: &cpm::metrics::def::MetricsFile,
    name: &str,
    by: Option<&str>,
    as_of: Option<chrono::NaiveDate>,
) -> Result<()> {
    use cpm::metrics;
    // A misspelt name is the first thing to hear about, before the store's state.
    file.require(name)?;
    let db = open_db(g)?;
    let as_of = as_of.map_or_else(|| metrics::data_as_of(&db.conn), Ok)?;
    let v = metrics::value(&db.conn, file, name, as_of, by, &g.actor())?;
    if g.json {
        return print_json(&v);
    }
    let show = |x: Option<f64>| {
        x.map_or("–".to_string(), |x| {
            format!("{x:.4}")
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string()
        })
    };
    println!(
        "{} = {} (as of {}, definition v{})",
        v.metric,
        show(v.value),
        v.as_of,
        v.version
    );
    for (dim, value) in &v.breakdown {
        println!(
            "  {:<28} {}",
            dim.as_deref().unwrap_or("(none)"),
            show(*value)
        );
    }
    Ok(())
}

/// `cpm metrics lifecycle`: retention by lifecycle segment, computed and kept.
fn print_lifecycle(
    g: &Global,
    file: &cpm::metrics::def::MetricsFile,
    as_of: Option<chrono::NaiveDate>,
) -> Result<()> {
    use cpm::metrics;
    let db = open_db(g)?;
    let as_of = as_of.map_or_else(|| metrics::data_as_of(&db.conn), Ok)?;
    let progress = progress_for(g);
    let segments =
        metrics::lifecycle::compute(&db.conn, file, as_of, &g.actor(), progress.as_ref())?;
    drop(progress);
    if g.json {
        return print_json(&segments);
    }
    println!("donor retention by lifecycle segment, as of {as_of}");
    let share = |r: Option<f64>| r.map_or("–".into(), |r| format!("{:.1}%", r * 100.0));
    println!(
        "{:<16} {:>9} {:>10} {:>13}  metric",
        "segment", "retained", "of", "a year before"
    );
    for s in &segments {
        println!(
            "{:<16} {:>9} {:>10} {:>13}  {}",
            s.label,
            share(s.rate),
            s.cohort
                .map_or("–".into(), |c| cpm::store::browse::thousands(c as i64)),
            share(s.a_year_before),
            s.metric
        );
    }
    Ok(())
}
