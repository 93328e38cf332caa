//! `cpm search`, `cpm show` and `cpm status`: reading the store.

use crate::cli::*;

pub(crate) fn cmd_search(g: &Global, query: &str, limit: usize) -> Result<()> {
    // Nothing to look for finds nothing: say so rather than "0 found".
    if query.trim().is_empty() {
        return Err(cpm::Error::Usage(
            "search needs a name, email, phone, source key or golden record id".into(),
        )
        .into());
    }
    let db = open_db(g)?;
    let rows = cpm::store::browse::search(&db.conn, query, limit)?;
    if g.json {
        let rows: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": golden_id(r.id), "first_name": r.first_name, "last_name": r.last_name,
                    "email": r.email, "city": r.city, "zip": r.zip,
                    "lifetime_cents": r.lifetime_cents, "sustainer_status": r.sustainer_status,
                    "systems": r.system_count,
                })
            })
            .collect();
        return print_json(&rows);
    }
    let safe =
        |v: &Option<String>| cpm::text::terminal_safe(v.as_deref().unwrap_or("")).into_owned();
    println!("{} found", rows.len());
    for r in &rows {
        println!(
            "{:<9} {:<28} {:<34} {:<16} ${:>10.2}",
            golden_id(r.id),
            cpm::text::terminal_safe(&r.display_name()),
            safe(&r.email),
            safe(&r.city),
            r.lifetime_cents as f64 / 100.0
        );
    }
    Ok(())
}

pub(crate) fn cmd_show(g: &Global, id: &str) -> Result<()> {
    let db = open_db(g)?;
    let id = parse_constituent_id(id)?;
    let Some(detail) = cpm::store::browse::constituent_detail(&db.conn, id)? else {
        return Err(
            cpm::Error::Invalid(format!("there is no golden record {}", golden_id(id))).into(),
        );
    };
    if g.json {
        let mut value = serde_json::to_value(&detail)?;
        value["id"] = serde_json::json!(golden_id(detail.id));
        value["retired_into"] = serde_json::json!(detail.retired_into.map(golden_id));
        return print_json(&value);
    }
    let safe = |v: &str| cpm::text::terminal_safe(v).into_owned();
    match detail.retired_into {
        Some(into) => println!("{} (merged into {})", golden_id(detail.id), golden_id(into)),
        None => println!("{}", golden_id(detail.id)),
    }
    for f in &detail.fields {
        if let Some(value) = &f.value {
            println!(
                "  {:<11} {:<36} {}",
                f.label,
                safe(value),
                safe(f.from.as_deref().unwrap_or(""))
            );
        }
    }
    let s = &detail.summary;
    println!(
        "  giving: ${:.2} lifetime, ${:.2} in 12 months, {} gift{}, last {}; sustainer {}",
        s.lifetime_cents as f64 / 100.0,
        s.trailing_12m_cents as f64 / 100.0,
        s.gift_count,
        cpm::text::plural(s.gift_count as usize),
        s.last_gift_date.as_deref().unwrap_or("never"),
        s.sustainer_status.as_deref().unwrap_or("no")
    );
    for c in &detail.consent {
        println!("  consent: {}", safe(&c.describe()));
    }
    if let Some(e) = &detail.engagement {
        println!("  engagement {}", e.describe());
    }
    if let Some(scores) = &detail.scores {
        print_scores(scores, &detail.consent, detail.scores_stale);
    }
    for c in &detail.contacts {
        println!(
            "  contact {} {} {}{} by {}{}",
            c.at,
            c.channel,
            c.kind,
            c.outcome
                .as_deref()
                .map(|o| format!(" ({o})"))
                .unwrap_or_default(),
            safe(&c.actor),
            c.detail
                .as_deref()
                .map(|d| format!(": {}", safe(d)))
                .unwrap_or_default()
        );
    }
    if let Some(h) = &detail.household {
        let members: Vec<String> = h
            .members
            .iter()
            .map(|(id, name, _)| format!("{} {id}", safe(name)))
            .collect();
        println!(
            "  household {} ({}, {}): {}; ${:.2} given together",
            h.id,
            safe(&h.address),
            h.zip,
            members.join(", "),
            h.lifetime_cents as f64 / 100.0
        );
    }
    println!("  source records ({}):", detail.records.len());
    for r in &detail.records {
        let name = format!(
            "{} {}",
            r.first_name.as_deref().unwrap_or(""),
            r.last_name.as_deref().unwrap_or("")
        );
        println!(
            "    #{:<8} {:<22} {:<16} {:<24} {}",
            r.id,
            r.source,
            safe(&r.source_key),
            safe(name.trim()),
            safe(r.email.as_deref().unwrap_or(""))
        );
    }
    Ok(())
}

/// Churn risk with its reasons and the call it asks for, and the recommended next step.
fn print_scores(
    scores: &cpm::store::score::ScoreRow,
    consent: &[cpm::vocab::consent::GoldenConsent],
    stale: bool,
) {
    use cpm::vocab::reasons::{DO_NOT_CALL, call_about, next_step};
    let refused = cpm::vocab::consent::refused(consent);
    if let (Some(p), Some(tier)) = (scores.churn_probability, &scores.churn_tier) {
        let reasons = scores.reasons().unwrap_or_default();
        let why: Vec<&str> = reasons
            .iter()
            .filter(|r| r.contribution > 0.0)
            .map(|r| r.text.as_str())
            .collect();
        println!(
            "  churn risk {} {}: {}",
            tier.to_uppercase(),
            cpm::text::percent(p),
            why.join("; ")
        );
        println!(
            "  call: {}",
            call_about(&reasons, &refused).unwrap_or(DO_NOT_CALL)
        );
    }
    if let Some(action) = &scores.upgrade_action {
        println!("  next step: {}", next_step(action, &refused));
    }
    if stale {
        println!("  (scored before the last merge or unmerge: the next `cpm score` refreshes it)");
    }
}

/// How good the last run's merges are: what its scores expect, and what the merges drawn
/// to be checked showed.
fn print_merges(
    expected: Option<&cpm::resolve::estimate::PairsByBand>,
    checks: &cpm::resolve::merge_check::CheckResults,
) {
    let n = |v: u64| cpm::store::browse::thousands(v as i64);
    let mut parts = Vec::new();
    if let Some(e) = expected {
        parts.push(format!(
            "{} auto pairs, about {} of two people by the scores ({:.4})",
            n(e.auto.pairs),
            n(e.auto.two_people().round() as u64),
            e.precision()
        ));
    }
    match (checks.precision(), checks.interval()) {
        (Some(share), Some((low, high))) => parts.push(format!(
            "{} checked by stewards, {} one person ({share:.3}; 95 % {low:.3}-{high:.3})",
            n(checks.checked),
            n(checks.one_person)
        )),
        _ => parts.push("none checked (cpm review check --draw 50)".into()),
    }
    println!("  merges      {}", parts.join(" · "));
}

pub(crate) fn cmd_status(g: &Global) -> Result<()> {
    let db = open_db(g)?;
    let state = cpm::store::status::pipeline(&db.conn)?;
    let pending = match state.golden_records {
        0 => 0,
        _ => cpm::resolve::review::pending_count(&db.conn)?,
    };
    let next = next_step(&state, pending);
    let expected = cpm::resolve::estimate::latest(&db.conn)?;
    let checks = cpm::resolve::merge_check::results(&db.conn)?;
    if g.json {
        let mut json = serde_json::to_value(&state)?;
        json["review_pending"] = pending.into();
        json["expected"] = serde_json::to_value(expected)?;
        json["merge_checks"] = serde_json::to_value(checks)?;
        json["next"] = next.into();
        return print_json(&json);
    }
    let n = |v: i64| cpm::store::browse::thousands(v);
    let c = &state.counts;
    println!("store {}", g.db.display());
    println!(
        "  sources     {} batches · {} source records · {} rows quarantined{}",
        n(c.batches),
        n(c.source_records),
        n(c.quarantined),
        if c.quarantined > 0 {
            " (cpm quarantine list)"
        } else {
            ""
        }
    );
    println!(
        "  facts       {} donations · {} subscriptions · {} event tickets · {} email periods",
        n(c.donations),
        n(c.subscriptions),
        n(c.event_tickets),
        n(c.email_events)
    );
    if let Some(run) = &state.last_resolution {
        println!(
            "  resolution  {} golden records in {} households · {} pairs to review · {}",
            n(state.golden_records),
            n(state.households),
            n(pending),
            when(&run.at, &run.actor)
        );
        print_merges(expected.as_ref(), &checks);
    }
    if let Some(run) = &state.last_scoring {
        let tiers: Vec<String> = ["critical", "high", "medium", "low"]
            .iter()
            .filter_map(|tier| Some(format!("{} {tier}", n(*state.tiers.get(*tier)?))))
            .collect();
        let stale = match &state.last_resolution {
            Some(resolved) if resolved.at > run.at => " · before the last resolution",
            _ => "",
        };
        println!(
            "  scores      sustainers {} · {}{stale}",
            tiers.join(", "),
            when(&run.at, &run.actor)
        );
    }
    if let Some(run) = &state.last_quality {
        println!(
            "  quality     run #{} {}: {} failed, {} warned of {} checks · {}",
            run.id,
            run.status,
            run.failed,
            run.warned,
            run.checks,
            when(&run.at, &run.actor)
        );
    }
    if let Some(next) = next {
        println!("  next        {next}");
    }
    Ok(())
}

/// "2026-12-07 08:20 by root" from a stored timestamp.
fn when(at: &str, actor: &str) -> String {
    let minute = at.get(..16).unwrap_or(at).replace('T', " ");
    format!("{minute} by {}", cpm::text::terminal_safe(actor))
}

/// The command the store is waiting for, if any: the pipeline's first step not yet
/// taken (or taken before the step it depends on last ran).
fn next_step(state: &cpm::store::status::PipelineState, pending: i64) -> Option<String> {
    let resolved = state.last_resolution.as_ref().map(|r| r.at.as_str());
    let scored = state.last_scoring.as_ref().map(|r| r.at.as_str());
    if state.counts.source_records == 0 {
        Some("cpm ingest: load the sources config/sources.yaml names".into())
    } else if resolved.is_none() {
        Some("cpm resolve: merge each person's records into a golden record".into())
    } else if pending > 0 {
        Some(format!(
            "cpm review list: {pending} pairs wait for a steward"
        ))
    } else if scored.is_none() || scored < resolved {
        Some("cpm score: churn risk and upgrades for the golden records as they are now".into())
    } else if state.last_quality.is_none() {
        Some("cpm quality: run the declared checks".into())
    } else {
        None
    }
}
