//! `cpm resolve`: a resolution run, its evaluation, and the learned model.

use crate::cli::*;

pub(crate) fn cmd_resolve(
    g: &Global,
    project: &Project,
    eval: Option<&std::path::Path>,
    eval_only: bool,
    relearn: bool,
) -> Result<()> {
    let config = ResolutionConfig::load(project)?;
    // The truth file is a path like --db's (from the working directory), read before the
    // run so that a mistyped one costs nothing.
    let truth = match eval {
        Some(path) => Some(resolve::evaluate::read_truth(path)?),
        None => None,
    };
    let mut db = open_db(g)?;
    let summary = if eval_only {
        None
    } else {
        Some(resolve::run_with(
            &mut db,
            &config,
            &g.actor(),
            progress_for(g).as_ref(),
            resolve::RunOptions { relearn },
        )?)
    };
    let evaluation = match truth {
        Some(truth) => {
            let (truth, left_out) = resolve::evaluate::sources_in_the_store(&db.conn, truth)?;
            let mut e = resolve::evaluate::evaluate(&db.conn, &truth)?;
            e.compared = Some(resolve::evaluate::compared_pairs(
                &db.conn, &truth, &config,
            )?);
            e.sources_left_out = left_out;
            Some(e)
        }
        None => None,
    };
    if g.json {
        return print_json(&serde_json::json!({
            "run": summary, "evaluation": evaluation, "peak_rss_mib": cpm::bench::peak_rss_mib(),
        }));
    }
    if let Some(s) = &summary {
        print_run(&db, s)?;
    }
    if let Some(e) = &evaluation {
        print_evaluation(e);
    }
    Ok(())
}

/// What a run did: pairs by band, the model, golden records, households, capped blocks,
/// contacts compared as missing, and the time of each stage.
fn print_run(db: &Db, s: &resolve::RunSummary) -> Result<()> {
    // The queue asks about fewer than the band holds: other matches joined some already.
    println!(
        "records {}  candidate pairs {}  auto {}  review {} ({} to decide)  household conflicts {}",
        s.records,
        s.candidate_pairs,
        s.auto_pairs,
        s.review_pairs,
        resolve::review::pending_count(&db.conn)?,
        s.conflict_pairs
    );
    print_expected(&s.expected);
    print_decided_total(&s.decided);
    let m = &s.model;
    if s.model_reused {
        println!(
            "match model: the stored one still fits ({} records, {} decisions when fitted; --relearn fits anew)",
            m.records, m.decisions
        );
    } else {
        println!(
            "match model: learned from {} of {} compared pairs and {} steward decisions (cpm resolve --explain-model)",
            m.fitted_pairs,
            m.compared_pairs,
            m.labelled_matches + m.labelled_non_matches
        );
    }
    println!(
        "golden records {} (kept ids {}, new {}, retired {}, members changed {}, already up to date {})",
        s.write.constituents,
        s.write.kept,
        s.write.created,
        s.write.retired,
        s.write.changed,
        s.write.unchanged
    );
    let h = &s.households;
    println!(
        "households {} ({} of two or more golden records; new {}, gone {})",
        h.households, h.shared, h.created, h.retired
    );
    // The largest few, and how many there are by key (all of them with --json).
    let mut capped: Vec<_> = s.capped_blocks.iter().collect();
    capped.sort_by_key(|c| std::cmp::Reverse(c.size));
    if !capped.is_empty() {
        let mut by_key: std::collections::BTreeMap<&str, usize> = Default::default();
        for c in &capped {
            *by_key.entry(c.key.as_str()).or_default() += 1;
        }
        let counts: Vec<String> = by_key.iter().map(|(k, n)| format!("{k} {n}")).collect();
        println!(
            "capped blocks (compared on their other keys only): {} — {}",
            capped.len(),
            counts.join(", ")
        );
        for c in capped.iter().take(5) {
            println!("  largest: {} key shared by {} records", c.key, c.size);
        }
    }
    if !s.shared_contacts.is_empty() {
        let held: Vec<String> = (s.shared_contacts.iter().take(5))
            .map(|c| format!("{} held by {} records", c.key, c.size))
            .collect();
        println!(
            "contacts that are nobody's own (more records than a block holds, or more surnames than a home), compared as missing: {} — {}",
            s.shared_contacts.len(),
            held.join(", ")
        );
    }
    println!(
        "time ms: load {} block {} compare {} cluster {} write {}",
        s.millis_load, s.millis_block, s.millis_compare, s.millis_cluster, s.millis_write
    );
    Ok(())
}

/// What the model expects of its own pairs (see `resolve::estimate`).
fn print_expected(e: &resolve::estimate::PairsByBand) {
    println!(
        "the model's estimate of its pairs (scores read as probabilities, before clustering): about {} of the {} auto pairs are two people, {} of the {} review pairs one person,",
        about(e.auto.two_people()),
        e.auto.pairs,
        about(e.review.one_person),
        e.review.pairs,
    );
    println!(
        "  {} pairs of one person below review: precision {:.4}, recall among compared pairs {:.4} ({:.4} with the review band approved)",
        about(e.apart.one_person),
        e.precision(),
        e.recall(),
        e.recall_after_review()
    );
}

/// The stewards' decisions against their pairs' scores, in one line (by band:
/// `--explain-model`).
fn print_decided_total(decided: &[resolve::estimate::DecidedBand]) {
    let all = resolve::estimate::DecidedBand::total(decided);
    if all.decided > 0 {
        println!(
            "your {} standing decisions: their scores expected {} of one person, you approved {} (by score: cpm resolve --explain-model)",
            all.decided,
            about(all.expected_one_person),
            all.approved
        );
    }
}

/// The stewards' decisions against their pairs' scores, band by band.
fn print_decided(decided: &[resolve::estimate::DecidedBand]) {
    if decided.is_empty() {
        return;
    }
    println!(
        "your standing decisions against the scores they were made at (a score is the share of one person it expects):"
    );
    println!("  score        decided   expected one person   approved");
    let rows = decided
        .iter()
        .map(|b| (format!("{:.2}-{:.2}", b.low, b.high), *b));
    let all = resolve::estimate::DecidedBand::total(decided);
    for (band, b) in rows.chain([("all".to_string(), all)]) {
        println!(
            "  {band:<10} {:>9}   {:>19}   {:>8}",
            b.decided,
            about(b.expected_one_person),
            b.approved
        );
    }
}

/// What other auto thresholds would trade, by the last run's scores.
fn print_thresholds(at: &[resolve::estimate::AtThreshold], configured: f64) {
    if at.iter().all(|t| t.merged.pairs + t.review.pairs == 0) {
        return;
    }
    println!(
        "other auto-merge thresholds, by the last run's scores (pairs before clustering; auto_match in config/resolution.yaml):"
    );
    println!("  auto from     merged pairs   of them two people   to review   of them one person");
    for t in at {
        let label = match t.threshold == configured {
            true => format!("{} (now)", t.threshold),
            false => t.threshold.to_string(),
        };
        println!(
            "  {label:<12} {:>12}   {:>18}   {:>9}   {:>18}",
            t.merged.pairs,
            about(t.merged.two_people()),
            t.review.pairs,
            about(t.review.one_person)
        );
    }
}

/// An expected count as a person reads it: whole, or "under 1".
fn about(expected: f64) -> String {
    match expected {
        x if x > 0.0 && x < 0.5 => "under 1".into(),
        x => format!("{x:.0}"),
    }
}

/// The run measured against a truth file: pairwise figures, golden records, the review
/// queue, and the compared pairs by score band and by how the misses compare.
fn print_evaluation(e: &resolve::evaluate::Evaluation) {
    println!(
        "evaluation against {} truth rows ({} found in the store)",
        e.records_in_truth, e.records_matched_to_store
    );
    if !e.sources_left_out.is_empty() {
        let left: Vec<String> = (e.sources_left_out.iter())
            .map(|(source, rows)| format!("{source} ({rows} rows)"))
            .collect();
        println!(
            "  left out, the store holding no record of them: {}",
            left.join(", ")
        );
    }
    println!(
        "  pairwise precision {:.4}  recall {:.4}  F1 {:.4}",
        e.precision, e.recall, e.f1
    );
    println!(
        "  true pairs {}  predicted {}  correct {}",
        e.true_pairs, e.predicted_pairs, e.true_positive_pairs
    );
    let households = if e.has_households {
        e.household_merges.to_string()
    } else {
        "n/a (the truth file has no household_id)".into()
    };
    println!(
        "  entities {}  golden records {}  exactly resolved {}  over-merged {}  household merges {households}",
        e.entities, e.constituents, e.entities_exactly_resolved, e.overmerged_constituents,
    );
    println!(
        "  review pairs {} ({:.2}% of records; {} are true matches); recall if all approved {:.4}",
        e.review_pairs,
        100.0 * e.review_share_of_records,
        e.review_pairs_true,
        e.recall_after_review
    );
    if let Some(c) = &e.compared {
        print_compared_pairs(c);
    }
}

/// Blocking recall, then each compared pair by its own score: calibration by band, other
/// thresholds, and what the auto band's false pairs disagree on.
fn print_compared_pairs(c: &resolve::evaluate::ComparedPairs) {
    println!(
        "  blocking recall {:.4} ({} true pairs share no blocking key and were never compared)",
        c.blocking_recall(),
        c.true_pairs_never_compared
    );
    print_key_yields(&c.keys);
    let Some(scores) = &c.scores else {
        return;
    };
    println!("  compared pairs by their own score (before clustering):");
    println!("    score           pairs     true share   mean score");
    for b in &scores.bands {
        let true_share = match b.pairs {
            0 => "-".to_string(),
            n => format!("{:.4}", b.true_pairs as f64 / n as f64),
        };
        println!(
            "    {:.3}-{:.3} {:>9}     {true_share:>6}       {:.4}",
            b.low, b.high, b.pairs, b.mean_score
        );
    }
    println!("  at the configured auto threshold and stricter ones:");
    println!("    threshold     pairs     precision   recall");
    for t in &scores.thresholds {
        println!(
            "    {:<9} {:>9}     {:.4}      {:.4}",
            t.threshold, t.pairs, t.precision, t.recall
        );
    }
    print_expected_beside_truth(&scores.expected, &scores.measured);
    let f = &scores.false_auto;
    println!(
        "  false pairs in the auto band: {} differ in no field, {} only in email, {} in another field",
        f.no_field_differs, f.only_email_differs, f.another_field_differs
    );
    print_missed(
        "true pairs scored below the review threshold, by how they compare",
        &scores.missed,
    );
    print_missed(
        "true pairs blocking never compared, by how they compare",
        &scores.never_compared,
    );
    if !(scores.missed.is_empty() && scores.never_compared.is_empty()) {
        println!(
            "    (alike: compared pairs that compare the same, at any score; where most are one person the model misjudges them, where many are two the fields cannot tell)"
        );
    }
}

/// The estimate a run prints with no truth file (see `print_expected`) beside what the
/// truth file counts, over the same compared pairs: how far a steward may trust it.
fn print_expected_beside_truth(
    expected: &resolve::estimate::PairsByBand,
    measured: &resolve::estimate::PairsByBand,
) {
    println!("  the model's own estimate beside the truth (compared pairs, before clustering):");
    println!("                                          estimated     measured");
    let rows = [
        (
            "auto pairs of two people",
            about(expected.auto.two_people()),
            about(measured.auto.two_people()),
        ),
        (
            "review pairs of one person",
            about(expected.review.one_person),
            about(measured.review.one_person),
        ),
        (
            "pairs of one person below review",
            about(expected.apart.one_person),
            about(measured.apart.one_person),
        ),
    ];
    for (what, estimated, truly) in rows {
        println!("    {what:<36} {estimated:>9}    {truly:>9}");
    }
    for (what, estimated, truly) in [
        ("auto precision", expected.precision(), measured.precision()),
        (
            "recall among compared pairs",
            expected.recall(),
            measured.recall(),
        ),
        (
            "the same, review approved",
            expected.recall_after_review(),
            measured.recall_after_review(),
        ),
    ] {
        println!("    {what:<36} {estimated:>9.4}    {truly:>9.4}");
    }
}

/// Each blocking key alone: what it compares, and the true pairs no other key does.
fn print_key_yields(keys: &[resolve::evaluate::KeyYield]) {
    if keys.is_empty() {
        return;
    }
    println!(
        "  blocking keys, each alone (a key whose true pairs the others all compare adds only cost):"
    );
    println!("    key                              pairs   true pairs   only this key");
    for k in keys {
        println!(
            "    {:<26} {:>11}  {:>11}  {:>14}",
            k.key, k.pairs, k.true_pairs, k.only_this_key
        );
    }
}

/// One list of missed true pairs by their comparison, commonest first.
fn print_missed(title: &str, missed: &[resolve::evaluate::MissedComparison]) {
    if missed.is_empty() {
        return;
    }
    println!("  {title} (commonest first):");
    println!("    missed      alike   one person   comparison");
    for m in missed {
        let one_person = match m.compared_alike {
            0 => "-".to_string(),
            _ => format!("{:.1} %", 100.0 * m.one_person_share),
        };
        println!(
            "    {:>6}  {:>9}   {one_person:>10}   {}",
            m.missed, m.compared_alike, m.comparison
        );
    }
}

/// `cpm resolve --explain-model`: the learned model, field by field; then the stewards'
/// decisions against the scores, and what other auto thresholds would trade (`--json`: the
/// model alone).
pub(crate) fn cmd_explain_model(g: &Global, project: &Project) -> Result<()> {
    use cpm::resolve::model::{FIELDS, LEVELS, MatchModel};
    let db = open_db(g)?;
    let Some(model) = MatchModel::latest(&db.conn)? else {
        return Err(cpm::Error::Invalid(
            "no resolution run has learned a match model yet: run `cpm resolve`".into(),
        )
        .into());
    };
    if g.json {
        return print_json(&model);
    }
    let fit = &model.fit;
    println!(
        "match model learned from {} records: {} compared pairs ({} distinct comparison vectors), {} random pairs",
        fit.records, fit.compared_pairs, fit.distinct_vectors, fit.random_pairs
    );
    if fit.names_only_pairs > 0 {
        println!(
            "{} of the compared pairs met only on a key of names alone: scored, not learned from (most such pairs are namesakes)",
            fit.names_only_pairs
        );
    }
    println!(
        "steward decisions used as labels: {} approved, {} rejected; EM {} after {} iterations",
        fit.labelled_matches,
        fit.labelled_non_matches,
        if fit.converged {
            "converged"
        } else {
            "stopped"
        },
        fit.iterations
    );
    if fit.held_two_given_names_apart {
        println!(
            "EM ran twice: its first \"one person\" class had different given names more often than the same, or than the pairs a personal email or phone (or a birth date beside a surname) links, or than a quarter of its pairs where few link, so the second held every pair of two given names with no birth date, email or phone agreeing as two people"
        );
    }
    if fit.held_two_addresses_apart {
        println!(
            "EM ran again: its \"one person\" class gave two street addresses more often than the pairs a personal email or phone links (namesakes: one common surname, few given names), so it held every pair at two addresses with no birth date, email or phone agreeing as two people"
        );
    }
    if fit.held_identifiers_as_one_person {
        println!(
            "EM ran again: the class it called two people shared personal emails or phones (one person's records with a name replaced or left out), so the last run held every pair sharing a personal email or phone as one person"
        );
    }
    if fit.no_identifier_shared {
        println!(
            "no two records of this file are shown to be one person: the pairs EM called one person never shared an email, phone, birth date or address that both records held, exactly or but for a typo (namesakes and relatives do not), so the prior share of matches is the floor and no pair merges on names alone; a steward's approval teaches it otherwise"
        );
    }
    println!(
        "prior: {:.4} of compared pairs are matches; {:.3e} of all pairs (log2 odds {:.2})",
        model.lambda,
        model.lambda_random,
        model.prior_weight()
    );
    println!(
        "{:<14} {:<32} {:>8} {:>10} {:>8}",
        "field", "level", "m", "u", "weight"
    );
    for (f, field) in FIELDS.iter().enumerate() {
        for (l, level) in LEVELS[f].iter().enumerate() {
            let u = model.u_scored(f, l as u8 + 1);
            // An exact email's u, against all pairs, is too small for six places.
            let u = if u < 1e-6 {
                format!("{u:.3e}")
            } else {
                format!("{u:.6}")
            };
            println!(
                "{:<14} {:<32} {:>8.4} {:>10} {:>+8.2}",
                if l == 0 { *field } else { "" },
                level,
                model.m[f][l],
                u,
                model.weight(f, l as u8 + 1)
            );
        }
    }
    let one_address = model.given_address.as_ref().map(|given| {
        let learned = format!(
            "{:.0} compared pairs, {:.4} of them matches",
            given.pairs, given.lambda
        );
        let weigh: fn(&MatchModel, usize, u8) -> Option<f64> = MatchModel::weight_given_address;
        (given, "share a street address", learned, weigh)
    });
    let two_addresses = model.apart_address.as_ref().map(|given| {
        let learned = format!(
            "m from {:.0} such pairs sharing a personal email or phone",
            given.pairs
        );
        let weigh: fn(&MatchModel, usize, u8) -> Option<f64> = MatchModel::weight_apart_address;
        (given, "give two street addresses", learned, weigh)
    });
    for (given, which, learned_from, weigh) in one_address.into_iter().chain(two_addresses) {
        println!(
            "where two records {which} ({learned_from}), the fields the address implies weigh \
             as learned there:"
        );
        for f in cpm::resolve::model::FOLLOW_THE_ADDRESS {
            for (l, level) in LEVELS[f].iter().enumerate() {
                println!(
                    "{:<14} {:<32} {:>8.4} {:>10.6} {:>+8.2}",
                    if l == 0 { FIELDS[f] } else { "" },
                    level,
                    given.m[f][l],
                    given.u[f][l],
                    weigh(&model, f, l as u8 + 1).unwrap_or(0.0)
                );
            }
        }
    }
    if !model.one_system.is_empty() {
        println!("two records of one system, by how often it holds a person twice:");
        for share in &model.one_system {
            println!(
                "{:<14} {:<32} {:>8.4} {:>10.6} {:>+8.2}",
                "",
                share.system,
                share.m,
                share.u,
                share.weight()
            );
        }
    }
    if let cpm::resolve::nicknames_seen::NicknamesSeen::Only {
        seen,
        telling,
        one_name,
    } = &model.nicknames_seen
    {
        println!(
            "given names: {} pairs the nickname table relates are shown as one person's by \
             records sharing a personal mailbox, or a surname and birth date; two of the {} names \
             linked often enough to tell, related by the table alone, are \"{}\"; {} pairs the \
             table does not relate share more personal mailboxes than couples would, and are \
             nicknames here",
            seen.len(),
            telling.len(),
            cpm::resolve::model::NICKNAME_UNSEEN,
            one_name.len()
        );
    }
    println!(
        "weight: log2(m/u), added to the prior for each field both records have; u is the random \
         pairs' for personal fields and the compared pairs' for email, phone and address (a \
         household's; for an exact email or one mailbox at a mistyped domain, all pairs', as the \
         prior: every pair sharing one is compared; for a mailbox name spelled from the names alone \
         at two domains, the compared pairs' whose names agree; at a shared address, for city and ZIP, the pairs of a home's two people; at \
         two addresses, the random pairs'). An exact first name, surname or birth date also \
         weighs by how common it is in the file, and so does a city where no ZIP is compared. \
         A level no compared pair of the file showed weighs nothing (its m and u are smoothing \
         alone), and a field that differs never weighs for a match."
    );
    // How the model fares: against the stewards' decisions, and at other thresholds.
    print_decided(&cpm::resolve::estimate::decisions_against_scores(&db.conn)?);
    let config = ResolutionConfig::load(project)?;
    print_thresholds(
        &cpm::resolve::estimate::at_thresholds(&db.conn, &config)?,
        config.thresholds.auto_match,
    );
    Ok(())
}
