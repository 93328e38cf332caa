//! `cpm risk`: the at-risk sustainers as the console's Risk tab lists them, and the call list.

use crate::cli::*;

#[derive(Subcommand, Debug)]
pub(crate) enum RiskAction {
    /// Every scored sustainer (or one tier's, or one triage status's), riskiest first.
    List {
        #[command(flatten)]
        filter: RiskFilterArgs,
        /// Order by probability (default), monthly amount or tenure.
        #[arg(long, default_value = "probability", value_parser = ["probability", "monthly", "tenure"])]
        sort: String,
    },
    /// Give a sustainer's case to someone on the team, with a follow-up date (either may be
    /// left out to clear it); attributed and audited.
    Assign {
        /// The golden record: C-000123 or 123.
        id: String,
        #[arg(long)]
        to: Option<String>,
        #[arg(long, value_parser = parse_date)]
        follow_up: Option<chrono::NaiveDate>,
    },
    /// The call list as CSV (readable by its owner only): everyone who may be called,
    /// leaving out do-not-call and, unless asked, closed triage (retained, lost); each is
    /// recorded in their contact history (not on a store open --read-only).
    Export {
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        filter: RiskFilterArgs,
        /// Keep people whose triage is retained or lost.
        #[arg(long)]
        include_closed: bool,
    },
}

/// Which sustainers, as the Risk tab filters them.
#[derive(Args, Debug)]
pub(crate) struct RiskFilterArgs {
    /// low, medium, high or critical.
    #[arg(long, value_parser = ["low", "medium", "high", "critical"])]
    tier: Option<String>,
    /// Only people whose latest triage is this: new, contacted, retained or lost (an
    /// export keeps the people of a closed status asked for).
    #[arg(long, value_parser = ["new", "contacted", "retained", "lost"])]
    status: Option<String>,
    /// Only people whose name, email or id holds every word of this text, in any order (as
    /// `/` on the Risk tab).
    #[arg(long)]
    matching: Option<String>,
}

impl RiskFilterArgs {
    fn filter(&self) -> cpm::store::score::RiskFilter<'_> {
        cpm::store::score::RiskFilter {
            tier: self.tier.as_deref(),
            status: self.status.as_deref(),
            text: self.matching.as_deref(),
        }
    }
}

fn sort_of(name: &str) -> cpm::store::score::RiskSort {
    use cpm::store::score::RiskSort;
    match name {
        "monthly" => RiskSort::Monthly,
        "tenure" => RiskSort::Tenure,
        _ => RiskSort::Probability,
    }
}

pub(crate) fn cmd_risk(g: &Global, action: RiskAction) -> Result<()> {
    use cpm::store::score::{self, RiskSort};
    let mut db = open_db(g)?;
    match action {
        RiskAction::Assign { id, to, follow_up } => {
            let constituent = parse_constituent_id(&id)?;
            let day = follow_up.map(|d| d.to_string());
            score::assign(
                &mut db.conn,
                constituent,
                to.as_deref(),
                day.as_deref(),
                &g.actor(),
            )?;
            println!(
                "{} assigned to {}{}",
                golden_id(constituent),
                to.as_deref().unwrap_or("nobody"),
                day.map(|d| format!(", follow up {d}")).unwrap_or_default()
            );
        }
        RiskAction::List { filter, sort } => {
            let rows = score::risk_list_filtered(
                &db.conn,
                sort_of(&sort),
                &filter.filter(),
                usize::MAX >> 1,
                0,
            )?;
            if g.json {
                let rows: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|r| {
                        let mut value = serde_json::to_value(r).unwrap_or_default();
                        value["constituent_id"] = serde_json::json!(golden_id(r.constituent_id));
                        value
                    })
                    .collect();
                return print_json(&rows);
            }
            let safe = |v: &str| cpm::text::terminal_safe(v).into_owned();
            println!(
                "{:<9} {:<26} {:<8} {:>5} {:>8} {:<10} call",
                "id", "name", "tier", "risk", "monthly", "triage"
            );
            for r in &rows {
                println!(
                    "{:<9} {:<26} {:<8} {:>5} {:>8.2} {:<10} {}",
                    golden_id(r.constituent_id),
                    safe(&r.name),
                    r.churn_tier,
                    cpm::text::percent(r.churn_probability),
                    r.monthly_cents as f64 / 100.0,
                    r.triage.as_deref().unwrap_or("new"),
                    r.retention_ask
                        .as_deref()
                        .unwrap_or(cpm::vocab::reasons::DO_NOT_CALL)
                );
            }
            eprintln!("{} sustainers", rows.len());
        }
        RiskAction::Export {
            out,
            filter,
            include_closed,
        } => {
            let summary = score::export_call_list(
                &db.conn,
                RiskSort::Probability,
                &filter.filter(),
                include_closed,
                &out,
                &g.actor(),
            )?;
            if g.json {
                return print_json(&summary);
            }
            println!("wrote {} people to {}", summary.rows, out.display());
            if let Some(note) = summary.left_out_note() {
                println!("{note}");
            }
            println!("{}", summary.recorded_note());
        }
    }
    Ok(())
}
