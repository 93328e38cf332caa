//! Promises the command line keeps: --read-only writes nothing, --role gates actions, a
//! closed pipe is not an error, and hostile text comes out inert.

use std::process::Command;

use cpm::vocab::access::Role;
use ratatui::crossterm::event::KeyCode;

use crate::common::{TempProject, cpm, resolved_store, scored_store};

fn store_bytes(p: &TempProject) -> Vec<u8> {
    std::fs::read(p.db_path()).expect("store file")
}

fn first_pending_pair(db: &cpm::store::Db) -> i64 {
    cpm::resolve::review::queue(&db.conn, cpm::resolve::review::QueueOrder::Stake, 1, 0).unwrap()[0]
        .candidate_id
}

#[test]
fn every_write_under_read_only_fails_and_leaves_the_store_as_it_was() {
    let (p, db) = resolved_store(400);
    let pair = first_pending_pair(&db).to_string();
    let record: i64 = db
        .conn
        .query_row(
            "SELECT min(source_record_id) FROM constituent_member",
            [],
            |r| r.get(0),
        )
        .unwrap();
    drop(db);
    let record = record.to_string();
    let before = store_bytes(&p);
    let writes: [&[&str]; 10] = [
        &["ingest"],
        &["resolve"],
        &["score"],
        &["quality"],
        &["metrics", "value", "active_sustainers"],
        &["review", "approve", &pair],
        &["review", "reject", &pair],
        &["review", "skip", &pair],
        &["review", "undo"],
        &["review", "unmerge", &record],
    ];
    for args in writes {
        let mut with_flag = vec!["--read-only"];
        with_flag.extend_from_slice(args);
        let out = cpm(&p, &with_flag);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("--read-only"), "{args:?}: {stderr}");
        assert_eq!(store_bytes(&p), before, "{args:?} changed the store");
    }
    // Reads still work.
    let out = cpm(&p, &["--read-only", "review", "list"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // And a read-only open of a missing store creates nothing.
    let out = cpm(&p, &["--read-only", "--db", "missing.db", "status"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!p.root().join("missing.db").exists());
}

#[test]
fn a_read_on_a_missing_store_is_an_error_that_creates_nothing() {
    let p = TempProject::new();
    let out = cpm(&p, &["--db", "mistyped.db", "status"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("there is no store at mistyped.db"));
    assert!(!p.root().join("mistyped.db").exists());
}

#[test]
fn a_role_gates_the_cli_as_it_gates_the_console() {
    let (p, db) = resolved_store(400);
    let pair = first_pending_pair(&db).to_string();
    drop(db);
    let before = store_bytes(&p);
    let out = cpm(&p, &["--role", "membership", "review", "approve", &pair]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the membership role cannot run `cpm review approve`"),
        "{stderr}"
    );
    let out = cpm(&p, &["--role", "steward", "ingest"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a steward does not load sources"
    );
    let out = cpm(&p, &["--role", "membership", "resolve"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "nor does membership re-run resolution"
    );
    assert_eq!(store_bytes(&p), before);
    let out = cpm(
        &p,
        &[
            "--role", "steward", "review", "--as", "dana", "approve", &pair,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Each action the console offers beside the command that does the same thing: for every
/// role, on a writable store and a read-only one, both refuse it or both allow it, since
/// both ask one policy (`cpm::vocab::access`).
#[test]
fn the_console_refuses_exactly_what_the_command_line_refuses() {
    use cpm::tui::app::{AppOptions, Tab};
    use cpm::tui::headless::Headless;
    use cpm::tui::keymap::Action;

    let (p, db) = scored_store(1500);
    let pair = first_pending_pair(&db).to_string();
    let person: i64 = db
        .conn
        .query_row(
            "SELECT min(constituent_id) FROM constituent_score WHERE churn_probability IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    drop(db);
    let person = cpm::store::browse::golden_id(person);
    let segment = "lapsed_sustainers_still_opening_email";
    let cases: [(Tab, Action, &[&str]); 11] = [
        (Tab::Jobs, Action::StartIngest, &["ingest"]),
        (Tab::Review, Action::Approve, &["review", "approve", &pair]),
        (
            Tab::Review,
            Action::CheckMerges,
            &["review", "check", "--draw", "1"],
        ),
        (Tab::Review, Action::StartResolve, &["resolve"]),
        (Tab::Risk, Action::StartScore, &["score"]),
        (
            Tab::Risk,
            Action::CycleTriage,
            &["risk", "assign", &person, "--to", "bo"],
        ),
        (
            Tab::Risk,
            Action::Export,
            &["risk", "export", "--out", "calls.csv"],
        ),
        (Tab::Quality, Action::StartQuality, &["quality"]),
        (
            Tab::Metrics,
            Action::ComputeMetric,
            &["metrics", "value", "active_members"],
        ),
        (
            Tab::Metrics,
            Action::ComputeLifecycle,
            &["metrics", "lifecycle"],
        ),
        (
            Tab::Segments,
            Action::Export,
            &["segment", "export", segment, "--out", "m.csv"],
        ),
    ];
    let mut refusals = 0;
    for role in [Role::Steward, Role::Membership, Role::Admin] {
        for read_only in [false, true] {
            let options = AppOptions {
                role,
                read_only,
                actor: "ana".into(),
                store_ready: true,
            };
            let mut console = Headless::open(&p.db_path(), &p.project(), options, 120, 40)
                .expect("console opens");
            for (tab, action, args) in &cases {
                let index = Tab::ALL.iter().position(|t| t == tab).unwrap();
                console.act(Action::GoTab(index)).unwrap();
                console.app.session.flash = None;
                let effects = console.app.act(*action);
                let flash = console.app.session.flash.take().map(|f| f.text);
                let console_refused = flash.as_deref().is_some_and(|t| t.contains("cannot"));
                if console_refused {
                    assert!(effects.is_empty(), "{role:?} {action:?}: {effects:?}");
                }
                console.app.session.mode = cpm::tui::app::Mode::Normal;

                // The command line on a store that is not there: refused before it is
                // opened, or allowed and then told there is no store (ingest, which
                // creates one, loads the project's files into it).
                let mut line = vec!["--db", "nowhere.db", "--role", role.name()];
                if read_only {
                    line.push("--read-only");
                }
                line.extend_from_slice(args);
                let out = cpm(&p, &line);
                // Ingest made one: the next command finds no store again.
                cpm::store::remove_store_files(&p.root().join("nowhere.db"));
                let stderr = String::from_utf8_lossy(&out.stderr);
                let cli_refused =
                    stderr.contains("role cannot run") || stderr.contains("--read-only was given");
                assert!(
                    cli_refused
                        || stderr.contains("there is no store at")
                        || (args == &["ingest"] && out.status.success()),
                    "{line:?}: {stderr}"
                );
                assert_eq!(
                    console_refused,
                    cli_refused,
                    "{role:?}, read-only {read_only}, {action:?} on {tab:?} against `cpm {}`: console {flash:?}, command line {stderr}",
                    args.join(" ")
                );
                refusals += usize::from(cli_refused);
            }
        }
    }
    // Both sides refuse something and allow something (of 60 cases).
    assert!((10..50).contains(&refusals), "{refusals}");
}

#[test]
fn an_actor_must_be_a_short_printable_name() {
    let (p, db) = resolved_store(400);
    let pair = first_pending_pair(&db).to_string();
    drop(db);
    let long = "x".repeat(65);
    for actor in ["", "  ", long.as_str(), "dana\u{1b}[2J"] {
        let out = cpm(&p, &["review", "--as", actor, "approve", &pair]);
        assert_eq!(out.status.code(), Some(2), "{actor:?}");
    }
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let p = TempProject::new();
    // More than a pipe buffer's worth, so cpm is still writing when head has gone.
    let script = format!(
        "'{}' metrics dictionary | head -1 >/dev/null; exit ${{PIPESTATUS[0]}}",
        env!("CARGO_BIN_EXE_cpm")
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(p.root())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const FORMULA: &str = "=HYPERLINK(\"http://x\")";
const ESCAPES: &str = "Ann\u{1b}]0;pwned\u{7}\u{1b}[2J";

#[test]
fn hostile_text_comes_out_inert_in_the_export_the_audit_and_the_console() {
    let (p, db) = scored_store(1500);
    let riskiest: i64 = db
        .conn
        .query_row(
            "SELECT constituent_id FROM constituent_score WHERE churn_probability IS NOT NULL ORDER BY churn_probability DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    db.conn
        .execute(
            "UPDATE constituent SET first_name = ?1, last_name = ?2 WHERE id = ?3",
            rusqlite::params![ESCAPES, FORMULA, riskiest],
        )
        .unwrap();
    // The export: a formula is text, control characters are gone.
    let file = p.root().join("calls.csv");
    cpm::store::score::export_risk_csv(
        &db.conn,
        cpm::store::score::RiskSort::Probability,
        None,
        &file,
        "test",
    )
    .unwrap();
    let exported = std::fs::read_to_string(&file).unwrap();
    assert!(
        !exported.chars().any(|c| c.is_control() && c != '\n'),
        "{exported:?}"
    );
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_path(&file)
        .unwrap();
    let names: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[1].to_string())
        .collect();
    let hostile = names
        .iter()
        .find(|n| n.contains("HYPERLINK"))
        .expect("the renamed sustainer is exported");
    assert!(
        !matches!(hostile.chars().next(), Some('=' | '+' | '-' | '@')),
        "{hostile}"
    );
    drop(db);

    // The audit trail: a note with escape sequences prints without them.
    let db = p.db();
    let pair = first_pending_pair(&db).to_string();
    drop(db);
    let out = cpm(
        &p,
        &["review", "--as", "dana", "reject", &pair, "--note", ESCAPES],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cpm(&p, &["review", "audit", "--limit", "5"]);
    let audit = String::from_utf8_lossy(&out.stdout);
    assert!(audit.contains("Ann]0;pwned[2J"), "{audit}");
    assert!(
        !audit.chars().any(|c| c.is_control() && c != '\n'),
        "{audit:?}"
    );

    // The console's Risk list and the record's 360° view.
    let mut console = cpm::tui::headless::Headless::open(
        &p.db_path(),
        &p.project(),
        cpm::tui::app::AppOptions {
            role: Role::Membership,
            read_only: false,
            actor: "sam".into(),
            store_ready: true,
        },
        120,
        40,
    )
    .unwrap();
    console.press(KeyCode::Char('3')).unwrap();
    let screen = console.render().unwrap();
    assert!(screen.contains("HYPERLINK"), "{screen}");
    assert!(
        !screen.chars().any(|c| c.is_control() && c != '\n'),
        "{screen:?}"
    );
}
