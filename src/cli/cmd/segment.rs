//! `cpm segment`: audience segments' counts, members and campaign exports.

use crate::cli::*;

#[derive(Subcommand, Debug)]
pub(crate) enum SegmentAction {
    /// Every segment with its owner, channel, members and how many may be contacted.
    List,
    /// One segment's members, most engaged first.
    Show {
        name: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Write the segment's members who may be contacted on its channel to a CSV file, and
    /// record each as contacted (their contact history; "not contacted in N days").
    Export {
        name: String,
        /// The CSV file to write (readable by its owner only).
        #[arg(long)]
        out: PathBuf,
        /// One person per household (the most engaged), for a mailing.
        #[arg(long)]
        one_per_household: bool,
    },
}

pub(crate) fn cmd_segment(g: &Global, project: &Project, action: SegmentAction) -> Result<()> {
    use cpm::segments::{self, SegmentsFile};
    let file = SegmentsFile::load(project)?;
    match action {
        SegmentAction::List => {
            let db = open_db(g)?;
            let counts = file
                .segments
                .iter()
                .map(|s| segments::count(&db.conn, s))
                .collect::<cpm::Result<Vec<_>>>()?;
            if g.json {
                return print_json(&counts);
            }
            println!(
                "{:<44} {:<6} {:>8} {:>11}  owner",
                "segment", "via", "members", "reachable"
            );
            for c in &counts {
                println!(
                    "{:<44} {:<6} {:>8} {:>11}  {}",
                    c.name,
                    c.channel.name(),
                    c.members,
                    c.may_be_contacted,
                    c.owner
                );
            }
        }
        SegmentAction::Show { name, limit } => {
            let db = open_db(g)?;
            let segment = file.get(&name)?;
            let count = segments::count(&db.conn, segment)?;
            let members = segments::members(&db.conn, segment, limit)?;
            if g.json {
                return print_json(&serde_json::json!({ "segment": count, "members": members }));
            }
            println!(
                "{} ({}): {} members, {} may be contacted by {}; owner {}",
                count.display_name,
                count.name,
                count.members,
                count.may_be_contacted,
                count.channel.name(),
                count.owner
            );
            let safe = |v: &str| cpm::text::terminal_safe(v).into_owned();
            for m in &members {
                println!(
                    "  {} {:<28} engagement {:>3}  ${:>10.2}{}",
                    m.id,
                    safe(&m.name),
                    m.engagement,
                    m.lifetime,
                    if m.may_contact {
                        ""
                    } else {
                        "  (may not be contacted)"
                    }
                );
            }
        }
        SegmentAction::Export {
            name,
            out,
            one_per_household,
        } => {
            let db = open_db(g)?;
            let segment = file.get(&name)?;
            let actor = g.actor();
            let summary = segments::export(&db.conn, segment, &out, one_per_household, &actor)?;
            if g.json {
                return print_json(&summary);
            }
            println!(
                "wrote {} people to {}; {}",
                summary.rows,
                out.display(),
                summary.left_out_note(segment.channel, one_per_household)
            );
        }
    }
    Ok(())
}
