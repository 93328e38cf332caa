//! `cpm generate`: the synthetic sources.

use crate::cli::*;

pub(crate) fn cmd_generate(g: &Global, options: &GenerateOptions) -> Result<()> {
    let report = generate::generate(options, progress_for(g).as_ref())?;
    if g.json {
        return print_json(&report);
    }
    println!(
        "generated {} people in {} households into {}",
        report.people,
        report.households,
        options.out.display()
    );
    for (file, rows) in &report.files {
        println!("  {file:<28} {rows:>10} rows");
    }
    println!(
        "  {:<28} {:>10} rows",
        "ground_truth.csv", report.ground_truth_rows
    );
    Ok(())
}
