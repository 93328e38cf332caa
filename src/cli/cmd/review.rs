//! `cpm review`: the stewards' queue, decisions, undo, unmerge and the audit trail.

use crate::cli::*;

#[derive(Subcommand, Debug)]
pub(crate) enum ReviewAction {
    /// List pending pairs (most at stake first).
    List {
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Order by score instead of what is at stake.
        #[arg(long)]
        by_score: bool,
    },
    /// Approve pairs: each pair's two golden records merge.
    Approve {
        /// The pairs' numbers, as `cpm review list` shows them; each is decided, saved and
        /// audited on its own.
        #[arg(required = true)]
        candidates: Vec<i64>,
        /// Why: saved with each decision in the audit trail.
        #[arg(long)]
        note: Option<String>,
    },
    /// Reject pairs: never merge each pair's two records.
    Reject {
        /// The pairs' numbers, as `cpm review list` shows them; each is decided, saved and
        /// audited on its own.
        #[arg(required = true)]
        candidates: Vec<i64>,
        /// Why: saved with each decision in the audit trail.
        #[arg(long)]
        note: Option<String>,
    },
    /// Same household, different people: never merge each pair, and make their golden
    /// records one household.
    Household {
        /// The pairs' numbers, as `cpm review list` shows them; each is decided, saved and
        /// audited on its own.
        #[arg(required = true)]
        candidates: Vec<i64>,
        /// Why: saved with each decision in the audit trail.
        #[arg(long)]
        note: Option<String>,
    },
    /// Skip pairs for now.
    Skip {
        /// The pairs' numbers, as `cpm review list` shows them.
        #[arg(required = true)]
        candidates: Vec<i64>,
    },
    /// Undo your latest decision.
    Undo,
    /// Take a source record out of its golden record.
    Unmerge {
        /// The source record's id in the store (`cpm review list --json` and `cpm review audit`
        /// show it).
        record: i64,
        /// Why: saved with the decision in the audit trail.
        #[arg(long)]
        note: Option<String>,
    },
    /// Check the run's merges: draw some at random into the queue, where they come first
    /// (approving keeps a merge, rejecting splits it), and see the share of those checked
    /// that are one person.
    Check {
        /// Draw this many more merges to check.
        #[arg(long, value_name = "N")]
        draw: Option<usize>,
    },
    /// Show the audit trail (latest first).
    Audit {
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
}

pub(crate) fn cmd_review(g: &Global, project: &Project, action: ReviewAction) -> Result<()> {
    let config = ResolutionConfig::load(project)?;
    let mut db = open_db(g)?;
    let actor = g.actor();
    let result = match action {
        ReviewAction::List { limit, by_score } => {
            let order = if by_score {
                review::QueueOrder::Score
            } else {
                review::QueueOrder::Stake
            };
            let items = review::queue(&db.conn, order, limit, 0)?;
            if g.json {
                return print_json(&items);
            }
            let checks = match review::checks_waiting(&db.conn)? {
                0 => String::new(),
                n => format!(
                    " ({n} merge{} to check first)",
                    cpm::text::plural(n as usize)
                ),
            };
            println!(
                "{} pending{checks}, {} first (S: an active sustainer); decide with `cpm review approve|reject|household ID`",
                review::pending_count(&db.conn)?,
                if by_score {
                    "highest score"
                } else {
                    "most at stake"
                }
            );
            println!(
                "{:<8} {:<5} {:>12}   {:<22} {:<18}   {:<22} source",
                "pair", "score", "at stake", "record A", "source", "record B"
            );
            for i in items {
                let name = |r: &review::RecordView| {
                    let name = format!(
                        "{} {}",
                        r.first_name.as_deref().unwrap_or_default(),
                        r.last_name.as_deref().unwrap_or_default()
                    );
                    cpm::text::terminal_safe(&name).into_owned()
                };
                let stake = format!(
                    "${}.{:02}",
                    cpm::store::browse::thousands(i.stake_cents / 100),
                    i.stake_cents.rem_euclid(100)
                );
                println!(
                    "#{:<7} {:.3} {stake:>12}{} {:<22} {:<18} ~ {:<22} {}{}",
                    i.candidate_id,
                    i.score,
                    if i.sustainer { " S" } else { "  " },
                    name(&i.a),
                    i.a.source,
                    name(&i.b),
                    i.b.source,
                    if i.check { "  (merged: check it)" } else { "" }
                );
            }
            return Ok(());
        }
        ReviewAction::Approve { candidates, note } => {
            return decide_each(g, &mut db, &config, Decision::Approve, &candidates, note);
        }
        ReviewAction::Reject { candidates, note } => {
            return decide_each(g, &mut db, &config, Decision::Reject, &candidates, note);
        }
        ReviewAction::Household { candidates, note } => {
            return decide_each(g, &mut db, &config, Decision::Household, &candidates, note);
        }
        ReviewAction::Skip { candidates } => {
            return decide_each(g, &mut db, &config, Decision::Skip, &candidates, None);
        }
        ReviewAction::Check { draw } => return check_merges(g, &mut db, draw),
        ReviewAction::Undo => review::undo(&mut db, &config, &actor)?,
        ReviewAction::Unmerge { record, note } => {
            review::unmerge(&mut db, &config, record, &actor, note.as_deref())?
        }
        ReviewAction::Audit { limit } => {
            let events = cpm::store::audit::recent(&db.conn, limit)?;
            if g.json {
                return print_json(&events);
            }
            for e in events {
                let records = match (e.record_a, e.record_b) {
                    (Some(a), Some(b)) => format!("records {a} ⇄ {b}"),
                    (Some(one), None) | (None, Some(one)) => format!("record {one}"),
                    (None, None) => String::new(),
                };
                let safe = cpm::text::terminal_safe;
                println!(
                    "{} {:<10} {:<17} {:<9} {:<24} {}",
                    e.at,
                    safe(&e.actor),
                    e.action,
                    e.constituent_id.map(golden_id).unwrap_or_default(),
                    records,
                    safe(e.reason.as_deref().unwrap_or_default())
                );
            }
            return Ok(());
        }
    };
    if g.json {
        return print_json(&result);
    }
    print_decision(&result, &actor);
    Ok(())
}

/// `cpm review check [--draw N]`: draw merges to check, then what the checked ones show.
fn check_merges(g: &Global, db: &mut Db, draw: Option<usize>) -> Result<()> {
    use cpm::resolve::merge_check;
    let drawn = match draw {
        Some(n) => Some(merge_check::draw(db, n, &g.actor())?),
        None => None,
    };
    let results = merge_check::results(&db.conn)?;
    // What the model's scores expect of the same merges, to set beside the measured share.
    let expected = cpm::resolve::estimate::latest(&db.conn)?.map(|e| e.precision());
    if g.json {
        return print_json(&serde_json::json!({
            "drawn_now": drawn, "results": results,
            "precision": results.precision(), "interval_95": results.interval(),
            "expected_precision": expected,
        }));
    }
    match drawn {
        Some(0) => println!(
            "no merge left to draw: every merge of the last run is checked or drawn already (or no run has merged any)"
        ),
        Some(n) => println!(
            "drew {n} of the run's merges at random; they lead the review queue (cpm review list, or the Review tab): approve keeps a merge, reject splits it"
        ),
        None => {}
    }
    let waiting = review::checks_waiting(&db.conn)?;
    let expected = match expected {
        Some(share) => format!("; the scores expect {share:.3}"),
        None => String::new(),
    };
    match (results.precision(), results.interval()) {
        (Some(share), Some((low, high))) => println!(
            "{} merge{} checked of {} drawn: {} one person, {:.3} of the run's merges (95 % interval {low:.3}-{high:.3}{expected}); {waiting} wait",
            results.checked,
            cpm::text::plural(results.checked as usize),
            results.drawn,
            results.one_person,
            share
        ),
        _ => println!(
            "{} merge{} drawn, none checked yet{}",
            results.drawn,
            cpm::text::plural(results.drawn as usize),
            match results.drawn {
                0 => "; `cpm review check --draw 50` draws some",
                _ => "",
            }
        ),
    }
    Ok(())
}

pub(crate) fn print_decision(result: &review::DecisionResult, actor: &str) {
    let golden: Vec<String> = result.constituents.iter().copied().map(golden_id).collect();
    let golden = match golden.len() {
        0 => String::new(),
        1 => format!(": golden record {}", golden[0]),
        _ => format!(": golden records {}", golden.join(", ")),
    };
    println!(
        "{} by {actor}{golden} (audit #{})",
        result.action, result.audit_id
    );
}

/// `cpm review approve|reject|skip N...`: every pair decided on its own; the ones that
/// could not be are listed with their reasons, and then the command fails.
pub(crate) fn decide_each(
    g: &Global,
    db: &mut Db,
    config: &ResolutionConfig,
    decision: Decision,
    candidates: &[i64],
    note: Option<String>,
) -> Result<()> {
    let actor = g.actor();
    let mut decided =
        review::decide_each(db, config, decision, candidates, &actor, note.as_deref());
    let error = decided.error();
    if g.json {
        match (candidates.len(), decided.done.as_slice()) {
            // One pair asked for: its object, or (when it failed) only its error.
            (1, [one]) => print_json(one)?,
            (1, _) => {}
            (_, done) => print_json(&done)?,
        }
    } else {
        for result in &decided.done {
            print_decision(result, &actor);
        }
    }
    match error {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}
