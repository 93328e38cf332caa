//! Metrics: every definition renders in all four dialects and parses in its own; SQLite
//! values match an independent computation in Rust; identities hold at any as-of date;
//! the committed data dictionary and warehouse schemas are up to date and parse.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::NaiveDate;
use cpm::config::Project;
use cpm::metrics::{self, def::MetricsFile, render::Dialect, render::render};
use cpm::store::Db;
use proptest::prelude::*;
use sqlparser::dialect::{AnsiDialect, DatabricksDialect, SQLiteDialect, SnowflakeDialect};
use sqlparser::parser::Parser;

use crate::common::{count, resolved_store};

fn pack() -> MetricsFile {
    MetricsFile::load(&Project::new(env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn parse(dialect: Dialect, sql: &str) -> Result<(), String> {
    let parsed = match dialect {
        Dialect::Sqlite => Parser::parse_sql(&SQLiteDialect {}, sql),
        Dialect::Standard => Parser::parse_sql(&AnsiDialect {}, sql),
        Dialect::Snowflake => Parser::parse_sql(&SnowflakeDialect {}, sql),
        Dialect::Databricks => Parser::parse_sql(&DatabricksDialect {}, sql),
    };
    parsed.map(|_| ()).map_err(|e| e.to_string())
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn every_metric_renders_in_all_four_dialects_and_parses_in_its_own() {
    let file = pack();
    assert!(file.metrics.len() >= 25);
    for m in &file.metrics {
        for dialect in Dialect::ALL {
            let sql = render(&file, &m.name, dialect, date("2026-06-30"), None)
                .unwrap_or_else(|e| panic!("{} in {}: {e}", m.name, dialect.name()));
            parse(dialect, &sql)
                .unwrap_or_else(|e| panic!("{} in {}: {e}\n{sql}", m.name, dialect.name()));
            for by in &m.dimensions {
                let sql = render(&file, &m.name, dialect, date("2026-06-30"), Some(by)).unwrap();
                parse(dialect, &sql).unwrap_or_else(|e| panic!("{} by {by}: {e}", m.name));
            }
        }
    }
    // A construct a dialect lacks is a clear error, not bad SQL.
    let mut no_override = file.clone();
    for m in no_override.metrics.iter_mut() {
        m.sql.clear();
    }
    let err = render(
        &no_override,
        "median_gift_12m",
        Dialect::Sqlite,
        date("2026-06-30"),
        None,
    )
    .unwrap_err();
    assert!(err.to_string().contains("SQLite has no median"), "{err}");
    let err = render(
        &file,
        "active_members",
        Dialect::Sqlite,
        date("2026-06-30"),
        Some("campaign"),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("its dimensions are: source_system, gift_type"),
        "{err}"
    );
}

/// Succeeded gifts per golden record, read straight from the tables.
fn gifts_by_constituent(db: &Db) -> HashMap<i64, Vec<(NaiveDate, i64)>> {
    let mut stmt = db
        .conn
        .prepare(
            "SELECT cm.constituent_id, d.gift_date, d.amount_cents FROM donation d
             JOIN constituent_member cm ON cm.source_record_id = d.source_record_id WHERE d.status = 'succeeded'",
        )
        .unwrap();
    let mut out: HashMap<i64, Vec<(NaiveDate, i64)>> = HashMap::new();
    for row in stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .unwrap()
    {
        let (id, day, cents) = row.unwrap();
        out.entry(id).or_default().push((date(&day), cents));
    }
    out
}

/// A metric's value, computed and not kept (a kept one would stand in for what the test
/// computed before it).
fn value(db: &Db, file: &MetricsFile, name: &str, as_of: NaiveDate) -> f64 {
    metrics::compute(&db.conn, file, name, as_of, None)
        .unwrap()
        .value
        .unwrap_or(0.0)
}

#[test]
fn sqlite_values_match_an_independent_computation_to_the_cent() {
    let (_p, db) = resolved_store(600);
    let file = pack();
    let gifts = gifts_by_constituent(&db);
    let as_of = metrics::data_as_of(&db.conn).unwrap();
    let year_ago = as_of.checked_sub_months(chrono::Months::new(12)).unwrap();
    let fy = |offset: i32| metrics::render::fiscal_year_start(as_of, 7, offset);
    let in_window = |from: NaiveDate, to: NaiveDate, exclusive_from: bool| {
        move |d: &NaiveDate| {
            (if exclusive_from {
                *d > from
            } else {
                *d >= from
            }) && *d <= to
        }
    };
    let trailing = in_window(year_ago, as_of, true);
    let active = gifts
        .values()
        .filter(|g| g.iter().any(|(d, _)| trailing(d)))
        .count();
    let giving_cents: i64 = gifts
        .values()
        .flatten()
        .filter(|(d, _)| trailing(d))
        .map(|(_, c)| c)
        .sum();
    let prior = |d: &NaiveDate| *d >= fy(-1) && *d < fy(0);
    let current = |d: &NaiveDate| *d >= fy(0) && *d <= as_of;
    let lybunt = gifts
        .values()
        .filter(|g| g.iter().any(|(d, _)| prior(d)) && !g.iter().any(|(d, _)| current(d)))
        .count();
    let prior_12 = in_window(
        year_ago
            .checked_sub_months(chrono::Months::new(12))
            .unwrap(),
        year_ago,
        true,
    );
    let total = |g: &Vec<(NaiveDate, i64)>, w: &dyn Fn(&NaiveDate) -> bool| -> i64 {
        g.iter().filter(|(d, _)| w(d)).map(|(_, c)| c).sum()
    };
    let upgraded = gifts
        .values()
        .filter(|g| g.iter().any(|(d, _)| trailing(d)) && g.iter().any(|(d, _)| prior_12(d)))
        .filter(|g| total(g, &trailing) > total(g, &prior_12))
        .count();
    assert!(active > 20 && lybunt > 5 && upgraded > 5);
    assert_eq!(
        value(&db, &file, "donors_upgraded_12m", as_of),
        upgraded as f64
    );
    let kept = metrics::value(&db.conn, &file, "active_members", as_of, None, "test").unwrap();
    assert_eq!(kept.value, Some(active as f64));
    assert_eq!(value(&db, &file, "lybunt", as_of), lybunt as f64);
    assert_lybunt_solicitable_leaves_out_who_no_channel_may_reach(&db, &file, as_of, &gifts, fy);
    assert_lifecycle_segments_match_an_independent_count(&db, &file, as_of, &gifts, fy);
    let giving = value(&db, &file, "giving_12m", as_of);
    assert_eq!((giving * 100.0).round() as i64, giving_cents, "to the cent");
    // Values are kept with the definition version they used.
    let history = metrics::history(&db.conn, "active_members", 10).unwrap();
    assert_eq!(
        history.last().unwrap().0,
        file.get("active_members").unwrap().version()
    );
}

/// Retention by lifecycle segment: last fiscal year's donors split by their history (new;
/// second-year; multi-year; recaptured) and the lapsed, each segment's cohort and share
/// retained counted here from the gifts, and kept for the console to read back.
fn assert_lifecycle_segments_match_an_independent_count(
    db: &Db,
    file: &MetricsFile,
    as_of: NaiveDate,
    gifts: &HashMap<i64, Vec<(NaiveDate, i64)>>,
    fy: impl Fn(i32) -> NaiveDate,
) {
    use cpm::metrics::lifecycle;
    let gave = |g: &Vec<(NaiveDate, i64)>, from: Option<NaiveDate>, to: NaiveDate| {
        g.iter()
            .any(|(d, _)| from.is_none_or(|f| *d >= f) && *d < to)
    };
    let now = |g: &Vec<(NaiveDate, i64)>| g.iter().any(|(d, _)| *d >= fy(0) && *d <= as_of);
    let segment = |g: &Vec<(NaiveDate, i64)>| -> Option<&str> {
        if !gave(g, Some(fy(-1)), fy(0)) {
            return None;
        }
        let two_ago = gave(g, Some(fy(-2)), fy(-1));
        let earlier = gave(g, None, fy(-2));
        Some(match (two_ago || earlier, two_ago, earlier) {
            (false, _, _) => "new",
            (true, true, false) => "2nd-year",
            (true, true, true) => "multi-year",
            (true, false, _) => "recaptured",
        })
    };
    let segments =
        lifecycle::compute(&db.conn, file, as_of, "test", &cpm::progress::Silent).unwrap();
    let labels: Vec<&str> = segments.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "all donors",
            "new",
            "2nd-year",
            "multi-year",
            "recaptured",
            "lapsed",
            "deep-lapsed"
        ]
    );
    for s in &segments[1..5] {
        let cohort: Vec<_> = gifts
            .values()
            .filter(|g| segment(g) == Some(s.label.as_str()))
            .collect();
        let retained = cohort.iter().filter(|g| now(g)).count();
        assert!(
            !cohort.is_empty(),
            "{} has donors in a 600-person store",
            s.label
        );
        assert_eq!(s.cohort, Some(cohort.len() as f64), "{}", s.label);
        let rate = s.rate.unwrap();
        assert!(
            (rate - retained as f64 / cohort.len() as f64).abs() < 1e-12,
            "{}",
            s.label
        );
    }
    // A rate from its parts is the rate its own SQL computes, now and a year before.
    let year_before = lifecycle::a_year_before(as_of);
    for s in &segments {
        assert_eq!(
            s.rate,
            Some(value(db, file, &s.metric, as_of)),
            "{}",
            s.metric
        );
        let then = value(db, file, &s.metric, year_before);
        assert_eq!(s.a_year_before.unwrap_or(0.0), then, "{}", s.metric);
    }
    let all = gifts.values().filter(|g| segment(g).is_some()).count();
    assert_eq!(segments[0].cohort, Some(all as f64));
    // The lapsed a year ago, by how long: a gift 24-36 months back (or 36-60) and none from
    // then to a year ago; back if they gave in the last 12 months.
    let months = |m: u32| as_of.checked_sub_months(chrono::Months::new(m)).unwrap();
    let between = |g: &Vec<(NaiveDate, i64)>, from: u32, to: u32| {
        g.iter().any(|(d, _)| *d > months(from) && *d <= months(to))
    };
    for (s, (from, to)) in segments[5..].iter().zip([(36, 24), (60, 36)]) {
        let pool: Vec<_> = gifts
            .values()
            .filter(|g| between(g, from, to) && !between(g, to, 12))
            .collect();
        let back = pool.iter().filter(|g| between(g, 12, 0)).count();
        assert!(
            !pool.is_empty(),
            "{} has donors in a 600-person store",
            s.label
        );
        assert_eq!(s.cohort, Some(pool.len() as f64), "{}", s.label);
        assert!((s.rate.unwrap() - back as f64 / pool.len() as f64).abs() < 1e-12);
    }
    // Kept: read back as computed, for this data date, until the people behind it change.
    let kept = lifecycle::Kept::read(&db.conn, file).unwrap();
    assert_eq!(kept.segments, segments);
    assert!(segments.iter().any(|s| s.a_year_before.is_some()));
    assert!(!kept.changed);
    assert!(!lifecycle::is_missing(&kept.segments, as_of));
    assert!(lifecycle::is_missing(
        &kept.segments,
        as_of - chrono::Days::new(1)
    ));
    let later = |action: &str| {
        db.conn
            .execute(
                "INSERT INTO audit_event (at, actor, action) VALUES ('2999-01-01T00:00:00Z', 'test', ?1)",
                [action],
            )
            .unwrap();
        lifecycle::Kept::read(&db.conn, file).unwrap().changed
    };
    assert!(!later("triage"), "a call noted changes no golden record");
    assert!(later("approve"), "a merge does");
}

/// LYBUNT who may be asked: every LYBUNT donor but those a record of theirs refuses on
/// all three channels. One LYBUNT donor who could be asked is made do-not-solicit (a record
/// coded so on email, phone and mail) and drops out; one channel refused is not enough.
fn assert_lybunt_solicitable_leaves_out_who_no_channel_may_reach(
    db: &Db,
    file: &MetricsFile,
    as_of: NaiveDate,
    gifts: &HashMap<i64, Vec<(NaiveDate, i64)>>,
    fy: impl Fn(i32) -> NaiveDate,
) {
    let lybunt: Vec<i64> = gifts
        .iter()
        .filter(|(_, g)| g.iter().any(|(d, _)| *d >= fy(-1) && *d < fy(0)))
        .filter(|(_, g)| !g.iter().any(|(d, _)| *d >= fy(0) && *d <= as_of))
        .map(|(id, _)| *id)
        .collect();
    let refused_everywhere = |id: i64| {
        count(
            db,
            &format!(
                "SELECT count(*) FROM constituent_consent WHERE constituent_id = {id} AND opted_out = 1"
            ),
        ) == 3
    };
    let reachable = || lybunt.iter().filter(|id| !refused_everywhere(**id)).count();
    assert_eq!(
        value(db, file, "lybunt_solicitable", as_of),
        reachable() as f64
    );
    let (&asked, record) = lybunt
        .iter()
        .filter(|id| !refused_everywhere(**id))
        .map(|id| {
            let record = count(
                db,
                &format!("SELECT min(source_record_id) FROM constituent_member WHERE constituent_id = {id}"),
            );
            (id, record)
        })
        .next()
        .expect("a LYBUNT donor who may be asked");
    let before = value(db, file, "lybunt_solicitable", as_of);
    let refuse = |channel: &str| {
        db.conn
            .execute(
                "INSERT OR REPLACE INTO record_consent (source_record_id, channel, opted_out, code, recorded_on, batch_id)
                 VALUES (?1, ?2, 1, 'NO SOLICIT', NULL, (SELECT min(id) FROM ingest_batch))",
                rusqlite::params![record, channel],
            )
            .unwrap();
    };
    refuse("mail");
    assert_eq!(
        value(db, file, "lybunt_solicitable", as_of),
        before,
        "one channel left"
    );
    refuse("email");
    refuse("phone");
    assert!(refused_everywhere(asked));
    assert_eq!(value(db, file, "lybunt_solicitable", as_of), before - 1.0);
    assert_eq!(
        value(db, file, "lybunt", as_of),
        lybunt.len() as f64,
        "LYBUNT itself counts everyone"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// At any as-of date: last year's donors = retained + LYBUNT; the same for new and
    /// repeat donors, and repeat donors for their lifecycle segments; and the parts of a
    /// ratio give the ratio.
    #[test]
    fn identities_hold_at_any_as_of_date(days_back in 0u64..900) {
        let v = |name: &str| {
            with_store(|db, file| {
                let as_of = metrics::data_as_of(&db.conn).unwrap() - chrono::Days::new(days_back);
                value(db, file, name, as_of)
            })
        };
        prop_assert_eq!(v("donors_prior_fy"), v("donors_retained_fy") + v("lybunt"));
        prop_assert_eq!(v("donors_prior_fy"), v("new_donors_prior_fy") + v("repeat_donors_prior_fy"));
        prop_assert_eq!(v("donors_retained_fy"), v("new_donors_retained_fy") + v("repeat_donors_retained_fy"));
        // Repeat donors are the three lifecycle segments after the first year.
        for cohort in ["prior", "retained"] {
            let part = |segment: &str| v(&format!("{segment}_donors_{cohort}_fy"));
            prop_assert_eq!(part("repeat"), part("second_year") + part("multiyear") + part("recaptured"));
        }
        if v("donors_prior_fy") > 0.0 {
            let rate = v("donor_retention_rate");
            prop_assert!((rate - v("donors_retained_fy") / v("donors_prior_fy")).abs() < 1e-12);
        }
        prop_assert!(v("reactivated_donors") <= v("lapsed_pool"));
        // The lapsed a year ago are the recently lapsed and the deep-lapsed.
        prop_assert_eq!(v("lapsed_pool"), v("lapsed_recent_pool") + v("lapsed_deep_pool"));
        prop_assert_eq!(v("reactivated_donors"), v("lapsed_recent_reactivated") + v("lapsed_deep_reactivated"));
        prop_assert!(v("donors_upgraded_12m") <= v("donors_retained_12m"));
        prop_assert!(v("sustainers_retained_12m") <= v("sustainers_a_year_ago"));
    }
}

/// One generated store shared by the property test's cases (building it is the slow part).
fn with_store<R>(f: impl FnOnce(&Db, &MetricsFile) -> R) -> R {
    use std::sync::{Mutex, OnceLock};
    static STORE: OnceLock<(crate::common::TempProject, Mutex<Db>, MetricsFile)> = OnceLock::new();
    let (_, db, file) = STORE.get_or_init(|| {
        let (p, db) = resolved_store(500);
        (p, Mutex::new(db), pack())
    });
    let db = db.lock().unwrap_or_else(|e| e.into_inner());
    f(&db, file)
}

#[test]
fn bad_definitions_are_refused_with_file_line_and_key() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("config/metrics_definitions.yaml"),
    )
    .unwrap();
    let cases = [
        (
            text.replacen(
                "measure: { aggregate: count_distinct, column: constituent_id }",
                "measure: { aggregate: count_distinct, column: donor_id }",
                1,
            ),
            "entity 'gift' has no column 'donor_id'",
        ),
        (
            text.replacen("owner: Director of Membership", "owner: \"\"", 1),
            "needs an owner",
        ),
        (
            text.replacen(
                "{ column: status, op: \"=\", value: succeeded }",
                "{ column: gift_date, op: \"=\", value: succeeded }",
                1,
            ),
            "cannot be compared",
        ),
        (
            text.replacen("numerator: giving_12m", "numerator: average_gift_12m", 1),
            "circular definition: average_gift_12m → average_gift_12m",
        ),
    ];
    for (bad, expected) in cases {
        let err = MetricsFile::parse(Path::new("config/metrics_definitions.yaml"), &bad)
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{err}");
        assert!(
            err.contains("config/metrics_definitions.yaml:") && err.contains("metrics["),
            "{err}"
        );
    }
}

#[test]
fn the_committed_data_dictionary_is_up_to_date() {
    let committed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sql/metrics_dictionary.md"),
    )
    .unwrap();
    let segments = cpm::segments::SegmentsFile::parse(
        Path::new("config/segments.yaml"),
        include_str!("../../config/segments.yaml"),
    )
    .unwrap();
    let expected = metrics::dictionary(&pack()).unwrap() + &cpm::segments::dictionary(&segments);
    assert!(
        committed == expected,
        "sql/metrics_dictionary.md is out of date: run `cpm metrics dictionary --write`"
    );
    // Consent, households and segments are in it.
    for needed in [
        "constituent_consent",
        "household_member",
        "contact_event",
        "lapsed_sustainers_still_opening_email",
    ] {
        assert!(committed.contains(needed), "{needed}");
    }
}

#[test]
fn the_warehouse_schemas_are_up_to_date_parse_and_match_the_store() {
    let db = Db::open_in_memory().unwrap();
    for dialect in [Dialect::Standard, Dialect::Snowflake, Dialect::Databricks] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("sql/schemas/{}/schema.sql", dialect.name()));
        let committed = std::fs::read_to_string(&path).unwrap();
        assert!(
            committed == metrics::schemas::render(&db.conn, dialect).unwrap(),
            "{} is out of date: run `cpm metrics schemas`",
            path.display()
        );
        let mut reviewed = 0;
        for statement in committed
            .split(";\n")
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            if statement.contains(metrics::schemas::NOT_PARSED_MARK) {
                reviewed += 1; // checked by the comparison with the committed copy above
                continue;
            }
            parse(dialect, statement)
                .unwrap_or_else(|e| panic!("{}: {e}\n{statement}", dialect.name()));
        }
        assert!(
            dialect == Dialect::Standard || reviewed > 0,
            "the masking statements"
        );
    }
    // The store's tables and columns are the standard schema's.
    let standard = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sql/schemas/standard/schema.sql"),
    )
    .unwrap();
    let mut declared: HashSet<String> = HashSet::new();
    for statement in Parser::parse_sql(&AnsiDialect {}, &standard).unwrap() {
        if let sqlparser::ast::Statement::CreateTable(t) = statement {
            let table = t.name.0.last().unwrap().to_string();
            for c in t.columns {
                declared.insert(format!("{table}.{}", c.name));
            }
        }
    }
    for (_, table, columns) in metrics::schemas::store_tables(&db.conn).unwrap() {
        for (column, _) in columns {
            assert!(
                declared.contains(&format!("{table}.{column}")),
                "{table}.{column} missing from the standard schema"
            );
        }
    }
}
