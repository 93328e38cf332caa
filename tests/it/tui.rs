//! The console without a terminal: key sequences against a real generated store, checking
//! the state, the effects, what is saved, and what the screen shows (insta snapshots).

use cpm::store::browse::{Count, PageAt, SortBy, constituent_page};
use cpm::tui::app::{AppOptions, Confirm, Decision, Effect, InputKind, Mode, Tab, WriteRequest};
use cpm::tui::headless::Headless;
use cpm::vocab::access::Role;
use ratatui::crossterm::event::KeyCode;

use crate::common::{TempProject, count, resolved_store, scored_store};

const PEOPLE: u64 = 400;

fn options(role: Role, read_only: bool) -> AppOptions {
    AppOptions {
        role,
        read_only,
        actor: "sam".into(),
        store_ready: true,
    }
}

fn console(p: &TempProject, role: Role, width: u16, height: u16) -> Headless {
    Headless::open(
        &p.db_path(),
        &p.project(),
        options(role, false),
        width,
        height,
    )
    .expect("console opens")
}

/// An admin's console that may write nothing, 100×30.
fn read_only_console(p: &TempProject) -> Headless {
    Headless::open(
        &p.db_path(),
        &p.project(),
        options(Role::Admin, true),
        100,
        30,
    )
    .expect("console opens")
}

/// Snapshots must not change with the day they are taken.
fn snapshot(name: &str, screen: &str) {
    let today = cpm::store::resolve::today();
    insta::with_settings!({ filters => vec![(today.as_str(), "[today]")] }, {
        insta::assert_snapshot!(name, screen);
    });
}

#[test]
fn every_pane_renders_at_80x24_and_120x40_and_says_when_the_terminal_is_too_small() {
    let (p, _db) = resolved_store(PEOPLE);
    let mut c = console(&p, Role::Admin, 80, 24);
    for (width, height) in [(80, 24), (120, 40)] {
        c.resize(width, height);
        let size = format!("{width}x{height}");
        for (key, name) in [
            ('1', "review"),
            ('2', "constituents"),
            ('3', "risk"),
            ('4', "quality"),
            ('5', "metrics"),
            ('6', "jobs"),
        ] {
            c.press(KeyCode::Char(key)).unwrap();
            snapshot(&format!("{name}_{size}"), &c.render().unwrap());
        }
        c.press(KeyCode::Char('2')).unwrap();
        c.press(KeyCode::Enter).unwrap();
        snapshot(&format!("constituent_detail_{size}"), &c.render().unwrap());
        c.press(KeyCode::Esc).unwrap();
    }
    c.press(KeyCode::Char('1')).unwrap();
    c.resize(60, 18);
    snapshot("review_60x18_minimum", &c.render().unwrap());
    c.press(KeyCode::Char('?')).unwrap();
    snapshot("help_60x18", &c.render().unwrap());
    c.resize(59, 17);
    let small = c.render().unwrap();
    assert!(
        small.contains("Terminal too small: 60×18 needed, have 59×17"),
        "{small}"
    );
    c.resize(1, 1);
    c.render().expect("no panic at 1x1");
}

#[test]
fn approving_removes_the_pair_at_once_saves_it_attributed_and_undo_restores_it() {
    let (p, db) = resolved_store(PEOPLE);
    let mut c = console(&p, Role::Steward, 100, 30);
    assert_eq!(c.app.tab, Tab::Review);
    let Some(Count::Exact(pending)) = c.app.review.pending else {
        panic!("the fixture's queue is small enough to count exactly");
    };
    assert!(pending > 0, "the fixture has pairs to review");
    let first = c.app.review.items[0].candidate_id;

    c.press(KeyCode::Char('n')).unwrap();
    c.type_keys("same donor, checked the gift letter").unwrap();
    c.press(KeyCode::Enter).unwrap();
    c.press(KeyCode::Char('a')).unwrap();

    assert!(c.effects.contains(&Effect::Save(WriteRequest::Decide {
        candidate_ids: vec![first],
        decision: Decision::Approve,
        note: Some("same donor, checked the gift letter".into()),
    })));
    // Auto-advance: the cursor stays at the top, on the next pair.
    assert_eq!(c.app.review.selected, 0);
    assert!(!c.app.review.items.iter().any(|i| i.candidate_id == first));
    // At least the decided pair left the queue (others may have joined the same record).
    assert!(matches!(c.app.review.pending, Some(Count::Exact(n)) if n < pending));
    assert_eq!(c.app.review.decided_today, 1);
    assert!(c.render().unwrap().contains("Approved pair #"));
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit_event WHERE action = 'approve' AND actor = 'sam' AND reason LIKE '%gift letter%'"
        ) + count(
            &db,
            "SELECT count(*) FROM link_constraint WHERE decision = 'approve' AND actor = 'sam' AND note LIKE '%gift letter%'"
        ),
        2,
        "the decision and its note are saved and attributed"
    );

    c.press(KeyCode::Char('u')).unwrap();
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM link_constraint WHERE actor = 'sam' AND revoked_at IS NULL"
        ),
        0
    );
    let screen = c.render().unwrap();
    assert!(screen.contains("Undid your last approve"), "{screen}");
    assert!(
        c.app.review.items.iter().any(|i| i.candidate_id == first),
        "the pair is back in the queue"
    );

    c.press(KeyCode::Char('r')).unwrap();
    c.press(KeyCode::Char('s')).unwrap();
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit_event WHERE actor = 'sam' AND action IN ('reject', 'skip')"
        ),
        2
    );
}

#[test]
fn shift_c_draws_merges_to_check_at_the_head_of_the_queue_and_the_header_counts_what_they_show() {
    let (p, db) = resolved_store(PEOPLE);
    let mut c = console(&p, Role::Steward, 160, 30);
    let Some(Count::Exact(pending)) = c.app.review.pending else {
        panic!("the fixture's queue is small enough to count exactly");
    };
    c.press(KeyCode::Char('C')).unwrap();
    assert!(
        c.effects
            .contains(&Effect::Save(WriteRequest::DrawMergeChecks(20)))
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM merge_check WHERE drawn_by = 'sam'"
        ),
        20
    );
    assert_eq!(c.app.review.pending, Some(Count::Exact(pending + 20)));
    assert!(c.app.review.items[..20].iter().all(|i| i.check));
    assert!(!c.app.review.items[20].check);
    let screen = c.render().unwrap();
    assert!(
        screen.contains("Drew 20 of the run's merges to check"),
        "{screen}"
    );
    assert!(
        screen.contains("check ") && screen.contains("merged by the run: a keeps it, r splits it"),
        "{screen}"
    );
    // Keeping the first and splitting the next: the header says what they showed.
    c.press(KeyCode::Char('a')).unwrap();
    c.press(KeyCode::Char('r')).unwrap();
    assert_eq!(c.app.review.checks.checked, 2);
    assert_eq!(c.app.review.checks.one_person, 1);
    let screen = c.render().unwrap();
    assert!(
        screen.contains("merges checked: 1 of 2 one person"),
        "{screen}"
    );
    // A role that may not decide may not draw either.
    let mut membership = console(&p, Role::Membership, 160, 30);
    membership.press(KeyCode::Char('1')).unwrap();
    membership.press(KeyCode::Char('C')).unwrap();
    assert!(
        !membership
            .effects
            .iter()
            .any(|e| matches!(e, Effect::Save(_)))
    );
    assert_eq!(count(&db, "SELECT count(*) FROM merge_check"), 20);
}

#[test]
fn marked_pairs_are_approved_together_each_saved_attributed_and_undone_one_at_a_time() {
    let (p, db) = resolved_store(PEOPLE);
    let mut c = console(&p, Role::Steward, 100, 30);
    assert!(
        c.app.review.items.len() >= 4,
        "the fixture has pairs to mark"
    );
    let (first, third) = (
        c.app.review.items[0].candidate_id,
        c.app.review.items[2].candidate_id,
    );
    let second = c.app.review.items[1].candidate_id;

    // Space marks a pair and moves on; Space again unmarks it.
    for key in [' ', ' ', 'k', ' ', ' '] {
        c.press(KeyCode::Char(key)).unwrap();
    }
    assert_eq!(
        c.app.review.marked.iter().copied().collect::<Vec<_>>(),
        {
            let mut v = vec![first, third];
            v.sort_unstable();
            v
        },
        "the first and third pairs marked, the second unmarked"
    );
    let screen = c.render().unwrap();
    assert!(screen.contains("2 marked"), "{screen}");
    assert!(screen.contains('●'));

    c.press(KeyCode::Char('a')).unwrap();
    assert!(c.effects.contains(&Effect::Save(WriteRequest::Decide {
        candidate_ids: vec![first, third],
        decision: Decision::Approve,
        note: None,
    })));
    assert!(c.app.review.marked.is_empty());
    let left: Vec<i64> = c.app.review.items.iter().map(|i| i.candidate_id).collect();
    assert!(!left.contains(&first) && !left.contains(&third));
    assert!(left.contains(&second), "the unmarked pair stays");
    assert_eq!(c.app.review.decided_today, 2);
    assert!(c.render().unwrap().contains("Approved 2 pairs"));
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT count(*) FROM link_constraint l JOIN match_candidate m
                   ON m.record_a = l.record_a AND m.record_b = l.record_b
                 WHERE l.decision = 'approve' AND l.actor = 'sam' AND l.revoked_at IS NULL
                   AND m.id IN ({first}, {third})"
            )
        ),
        2,
        "each pair's decision is saved and attributed"
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit_event WHERE action = 'approve' AND actor = 'sam'"
        ),
        2
    );

    // Undo takes back the last decision only.
    c.press(KeyCode::Char('u')).unwrap();
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM link_constraint WHERE actor = 'sam' AND revoked_at IS NULL"
        ),
        1
    );

    // A marked pair another steward decides meanwhile loses its mark when the queue reloads.
    c.press(KeyCode::Char('g')).unwrap();
    let marked = c.app.review.items[0].candidate_id;
    c.press(KeyCode::Char(' ')).unwrap();
    assert!(c.app.review.marked.contains(&marked));
    let mut other = db;
    let config = cpm::resolve::settings::ResolutionConfig::load(&p.project()).unwrap();
    cpm::resolve::review::reject(&mut other, &config, marked, "ana", None).unwrap();
    c.press(KeyCode::Char('R')).unwrap();
    assert!(c.app.review.marked.is_empty(), "{:?}", c.app.review.marked);
}

/// Every key a pane binds, pressed by every role on a writable and a read-only console:
/// the console refuses it, saying so, exactly where the access policy does, which is also
/// what the hint bar leaves out.
#[test]
fn every_key_is_refused_exactly_where_the_access_policy_refuses_it() {
    use cpm::tui::keymap::{Action, Keymap, Scope, access};
    let (p, _db) = scored_store(1500);
    let tab = |scope: Scope| match scope {
        Scope::Review => Some(Tab::Review),
        Scope::Constituents | Scope::Detail => Some(Tab::Constituents),
        Scope::Risk => Some(Tab::Risk),
        Scope::Quality => Some(Tab::Quality),
        Scope::Metrics => Some(Tab::Metrics),
        Scope::Jobs => Some(Tab::Jobs),
        Scope::Segments => Some(Tab::Segments),
        _ => None,
    };
    let keymap = Keymap::default();
    let mut checked = 0;
    for role in [Role::Steward, Role::Membership, Role::Admin] {
        for read_only in [false, true] {
            let mut c = Headless::open(
                &p.db_path(),
                &p.project(),
                options(role, read_only),
                120,
                40,
            )
            .unwrap();
            for binding in keymap.bindings() {
                let Some(tab) = tab(binding.scope) else {
                    continue;
                };
                let index = Tab::ALL.iter().position(|t| *t == tab).unwrap();
                c.act(Action::GoTab(index)).unwrap();
                if binding.scope == Scope::Detail && c.app.constituents.detail.is_none() {
                    c.act(Action::Open).unwrap();
                }
                c.app.session.flash = None;
                let effects = c.app.act(binding.action);
                let flash = c.app.session.flash.take().map(|f| f.text);
                let refused = flash.as_deref().is_some_and(|t| t.contains("cannot"));
                let policy = access(binding.scope, binding.action).refusal(role, read_only);
                assert_eq!(
                    refused,
                    policy.is_some(),
                    "{role:?}, read-only {read_only}: {:?} on {:?} said {flash:?}",
                    binding.action,
                    binding.scope
                );
                if refused {
                    assert!(effects.is_empty(), "{:?}: {effects:?}", binding.action);
                }
                c.app.session.mode = Mode::Normal;
                checked += 1;
            }
        }
    }
    assert!(checked > 200, "{checked}");
}

#[test]
fn the_membership_role_and_read_only_mode_offer_no_merge_changes() {
    let (p, db) = resolved_store(PEOPLE);
    let mut c = console(&p, Role::Membership, 100, 30);
    c.effects.clear(); // what opening it did (retention by lifecycle, computed once)
    for key in [' ', 'a', 'r', 'u', 'n'] {
        c.press(KeyCode::Char(key)).unwrap();
    }
    assert!(c.app.review.marked.is_empty(), "nothing to mark for");
    c.press(KeyCode::Char('6')).unwrap();
    c.press(KeyCode::Char('r')).unwrap();
    assert!(
        !c.effects
            .iter()
            .any(|e| matches!(e, Effect::Save(_) | Effect::StartJob { .. }))
    );
    assert!(
        c.render()
            .unwrap()
            .contains("The membership role cannot run identity resolution")
    );

    let mut ro = read_only_console(&p);
    ro.press(KeyCode::Char('a')).unwrap();
    assert!(!ro.effects.iter().any(|e| matches!(e, Effect::Save(_))));
    assert!(
        ro.render()
            .unwrap()
            .contains("Read-only: cannot decide review pairs")
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM audit_event WHERE actor = 'sam'"),
        0
    );
}

#[test]
fn search_finds_a_golden_record_by_name_email_phone_or_id_and_esc_clears_it() {
    let (p, db) = resolved_store(PEOPLE);
    let (id, last, email, phone): (i64, String, String, String) = db
        .conn
        .query_row(
            "SELECT c.id, c.last_name, c.email, sr.n_phone FROM constituent c JOIN source_record sr ON sr.id = c.phone_src
             WHERE c.retired_at IS NULL AND c.email IS NOT NULL ORDER BY c.id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    let mut c = console(&p, Role::Admin, 100, 30);
    c.press(KeyCode::Char('2')).unwrap();
    let formatted_phone = format!("({}) {}-{}", &phone[..3], &phone[3..6], &phone[6..]);
    for typed in [
        last.to_uppercase(),
        email.clone(),
        formatted_phone,
        format!("C-{id}"),
    ] {
        c.press(KeyCode::Char('/')).unwrap();
        c.type_keys(&typed).unwrap();
        c.press(KeyCode::Enter).unwrap();
        assert!(
            c.app.constituents.list.rows.iter().any(|r| r.id == id),
            "searching '{typed}' finds C-{id}"
        );
        c.press(KeyCode::Esc).unwrap();
        assert_eq!(c.app.constituents.search, None);
    }
    // Esc cleared the search: the full list is back.
    assert!(c.app.constituents.list.rows.len() > 50);
}

/// Every live golden record in `sort` order, straight from SQL.
fn all_ids(db: &cpm::store::Db, sort: SortBy) -> Vec<i64> {
    constituent_page(&db.conn, sort, &PageAt::First, 1_000_000)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect()
}

#[test]
fn paging_down_and_back_up_visits_every_golden_record_once_in_every_sort_order() {
    let (p, db) = resolved_store(PEOPLE);
    let mut c = console(&p, Role::Admin, 100, 30);
    c.press(KeyCode::Char('2')).unwrap();
    for sort in SortBy::ALL {
        assert_eq!(c.app.constituents.sort, sort);
        let expected = all_ids(&db, sort);
        // Only golden records with a home are in households: fewer of them.
        let window = if sort == SortBy::Household { 100 } else { 300 };
        assert!(expected.len() > window, "more rows than the window holds");
        let mut seen = vec![c.app.constituents.list.selected_row().unwrap().id];
        for _ in 1..expected.len() {
            c.press(KeyCode::Char('j')).unwrap();
            seen.push(c.app.constituents.list.selected_row().unwrap().id);
        }
        assert_eq!(seen, expected, "down, {sort:?}");
        assert!(
            c.app.constituents.list.rows.len() <= 300,
            "a bounded window"
        );
        c.press(KeyCode::Char('j')).unwrap();
        assert_eq!(
            c.app.constituents.list.selected_row().unwrap().id,
            *expected.last().unwrap()
        );

        let mut back = vec![c.app.constituents.list.selected_row().unwrap().id];
        for _ in 1..expected.len() {
            c.press(KeyCode::Char('k')).unwrap();
            back.push(c.app.constituents.list.selected_row().unwrap().id);
        }
        back.reverse();
        assert_eq!(back, expected, "up, {sort:?}");

        c.press(KeyCode::Char('G')).unwrap();
        assert_eq!(
            c.app.constituents.list.selected_row().unwrap().id,
            *expected.last().unwrap()
        );
        c.press(KeyCode::Char('g')).unwrap();
        assert_eq!(
            c.app.constituents.list.selected_row().unwrap().id,
            expected[0]
        );
        c.press(KeyCode::Char('o')).unwrap();
    }
}

fn shown_detail(c: &Headless) -> &cpm::store::browse::ConstituentDetail {
    let detail = c.app.constituents.detail.as_ref().expect("detail open");
    detail.data.as_deref().expect("detail loaded")
}

#[test]
fn unmerge_asks_first_then_splits_the_record_and_shows_it_in_the_history() {
    let (p, db) = resolved_store(PEOPLE);
    let (target, members): (i64, i64) = db
        .conn
        .query_row(
            "SELECT constituent_id, count(*) FROM constituent_member GROUP BY constituent_id HAVING count(*) > 1 ORDER BY constituent_id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let mut c = console(&p, Role::Steward, 100, 30);
    c.press(KeyCode::Char('2')).unwrap();
    c.press(KeyCode::Char('/')).unwrap();
    c.type_keys(&format!("C-{target}")).unwrap();
    c.press(KeyCode::Enter).unwrap();
    c.press(KeyCode::Enter).unwrap();
    let records = shown_detail(&c).records.len();
    assert_eq!(records as i64, members);
    c.press(KeyCode::Char('j')).unwrap();
    c.press(KeyCode::Char('U')).unwrap();
    assert!(matches!(
        c.app.session.mode,
        Mode::Confirm(Confirm::Unmerge { .. })
    ));
    c.press(KeyCode::Char('n')).unwrap();
    assert_eq!(c.app.session.mode, Mode::Normal);
    assert!(
        !c.effects.iter().any(|e| matches!(e, Effect::Save(_))),
        "no means no"
    );

    c.press(KeyCode::Char('U')).unwrap();
    assert!(c.render().unwrap().contains("Unmerge"));
    c.press(KeyCode::Char('y')).unwrap();
    let detail = shown_detail(&c);
    assert_eq!(detail.records.len() as i64, members - 1);
    assert_eq!(detail.history[0].action, "unmerge");
    assert_eq!(detail.history[0].actor, "sam");
}

#[test]
fn an_admin_loads_the_sources_from_the_jobs_tab_and_others_may_not() {
    let (p, db) = resolved_store(PEOPLE);
    let records = |db: &cpm::store::Db| {
        db.conn
            .query_row("SELECT count(*) FROM source_record", [], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap()
    };
    let before = records(&db);
    let mut steward = console(&p, Role::Steward, 100, 30);
    steward.press(KeyCode::Char('6')).unwrap();
    steward.press(KeyCode::Char('i')).unwrap();
    let loads = |c: &cpm::tui::headless::Headless| {
        c.app
            .jobs
            .jobs
            .iter()
            .filter(|j| j.kind == cpm::jobs::JobKind::Ingest)
            .count()
    };
    assert_eq!(loads(&steward), 0, "a steward starts no load");
    assert!(
        steward
            .app
            .session
            .flash
            .as_ref()
            .is_some_and(|f| f.text.contains("cannot"))
    );

    // A new donor in the donations export.
    let file = p.root().join("data/synthetic/wbez_donations.csv");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str("WBNEW0000001,Ada,Quist,ada.quist@example.org,,,,Chicago,IL,60601,WBNEW0000001-G0,2024-05-01,25.00,one_time,succeeded,card,,,,,spring,,,\n");
    std::fs::write(&file, text).unwrap();
    let mut c = console(&p, Role::Admin, 120, 30);
    c.press(KeyCode::Char('6')).unwrap();
    c.press(KeyCode::Char('i')).unwrap();
    let screen = c.render().unwrap();
    assert!(screen.contains("ingest the sources"), "{screen}");
    assert!(screen.contains("3 unchanged"), "{screen}");
    assert!(screen.contains("resolve to bring them"), "{screen}");
    assert_eq!(loads(&c), 1);
    assert_eq!(records(&db), before + 1);
}

#[test]
fn a_job_started_from_the_jobs_tab_finishes_reloads_and_leaves_the_status_idle() {
    let (p, db) = resolved_store(PEOPLE);
    let mut c = console(&p, Role::Admin, 100, 30);
    c.press(KeyCode::Char('2')).unwrap();
    c.press(KeyCode::Char('j')).unwrap();
    c.press(KeyCode::Char('j')).unwrap();
    let selected = c.app.constituents.list.selected_row().unwrap().id;
    c.press(KeyCode::Char('6')).unwrap();
    let loads_before = c
        .effects
        .iter()
        .filter(|e| matches!(e, Effect::LoadReview))
        .count();
    c.press(KeyCode::Char('r')).unwrap();
    let screen = c.render().unwrap();
    assert!(screen.contains("finished"), "{screen}");
    assert!(screen.contains("● idle"), "{screen}");
    // The summary counts the pairs the Review tab will ask about, not the whole band.
    let pending = cpm::resolve::review::pending_count(&db.conn).unwrap();
    assert!(screen.contains(&format!("{pending} to review")), "{screen}");
    assert!(
        c.effects
            .iter()
            .filter(|e| matches!(e, Effect::LoadReview))
            .count()
            > loads_before
    );
    assert_eq!(
        c.app.constituents.list.selected_row().unwrap().id,
        selected,
        "the selection is kept across the reload"
    );
}

#[test]
fn the_mouse_scrolls_selects_a_row_and_switches_tabs() {
    use ratatui::crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let mouse = |kind, column, row| {
        cpm::tui::app::Event::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    let (p, _db) = resolved_store(PEOPLE);
    let mut c = console(&p, Role::Admin, 100, 30);
    c.send(mouse(MouseEventKind::Down(MouseButton::Left), 13, 0))
        .unwrap();
    assert_eq!(c.app.tab, Tab::Constituents);
    c.render().unwrap();
    c.send(mouse(MouseEventKind::ScrollDown, 40, 10)).unwrap();
    assert_eq!(c.app.constituents.list.selected, 1);
    // Row 0 of the table is the border, row 1 its header, so screen row 1 + 2 + 4 is data row 4.
    c.send(mouse(MouseEventKind::Down(MouseButton::Left), 40, 7))
        .unwrap();
    assert_eq!(c.app.constituents.list.selected, 4);
}

#[test]
fn quitting_asks_first_while_a_job_runs_and_esc_never_quits() {
    let mut app = cpm::tui::app::App::new(options(Role::Admin, false));
    app.act(cpm::tui::keymap::Action::GoTab(5));
    let effects = app.act(cpm::tui::keymap::Action::StartResolve);
    assert!(matches!(effects[..], [Effect::StartJob { .. }]));
    let esc = ratatui::crossterm::event::KeyEvent::from(KeyCode::Esc);
    app.handle(cpm::tui::app::Event::Key(esc));
    assert!(!app.quit);
    let effects = app.handle(cpm::tui::app::Event::Key(KeyCode::Char('q').into()));
    assert!(effects.is_empty());
    assert!(matches!(
        app.session.mode,
        Mode::Confirm(Confirm::Quit { jobs: 1, .. })
    ));
    let effects = app.handle(cpm::tui::app::Event::Key(KeyCode::Char('y').into()));
    assert!(app.quit);
    assert!(effects.iter().any(|e| matches!(e, Effect::CancelJob(_))));
}

#[test]
fn the_risk_tab_ranks_sustainers_takes_triage_and_exports_the_list() {
    let (p, db) = scored_store(1500);
    let mut c = console(&p, Role::Membership, 80, 24);
    c.press(KeyCode::Char('3')).unwrap();
    snapshot("risk_scored_80x24", &c.render().unwrap());
    c.resize(120, 40);
    snapshot("risk_scored_120x40", &c.render().unwrap());
    let rows = &c.app.risk.rows;
    assert!(rows.len() > 10);
    assert!(
        rows.windows(2)
            .all(|w| w[0].churn_probability >= w[1].churn_probability),
        "riskiest first"
    );
    // A call list: every phone in one form, whichever way its source wrote it.
    let phones: Vec<&str> = rows.iter().filter_map(|r| r.phone.as_deref()).collect();
    assert!(!phones.is_empty());
    for phone in phones {
        let b = phone.as_bytes();
        assert!(
            b.len() == 14 && b[0] == b'(' && &phone[4..6] == ") " && b[9] == b'-',
            "{phone}"
        );
    }
    let first = rows[0].constituent_id;

    // Status: new → contacted, then a note; both saved and attributed.
    c.press(KeyCode::Char('s')).unwrap();
    c.press(KeyCode::Char('n')).unwrap();
    c.type_keys("left a voicemail").unwrap();
    c.press(KeyCode::Enter).unwrap();
    let row = c
        .app
        .risk
        .rows
        .iter()
        .find(|r| r.constituent_id == first)
        .unwrap();
    assert_eq!(row.triage.as_deref(), Some("contacted"));
    assert_eq!(row.triage_note.as_deref(), Some("left a voicemail"));
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT count(*) FROM triage WHERE constituent_id = {first} AND actor = 'sam'"
            )
        ),
        2
    );
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT count(*) FROM audit_event WHERE action = 'triage' AND constituent_id = {first} AND actor = 'sam'"
            )
        ),
        2
    );
    // A triage call is a contact in the person's history, and the Risk list says when.
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT count(*) FROM contact_event WHERE constituent_id = {first} AND channel = 'phone'
                 AND kind = 'triage call' AND actor = 'sam'"
            )
        ),
        2
    );
    assert!(c.render().unwrap().contains("last contact 20"));

    // Sorting and filtering reload the list.
    c.press(KeyCode::Char('o')).unwrap();
    let rows = &c.app.risk.rows;
    assert!(
        rows.windows(2)
            .all(|w| w[0].monthly_cents >= w[1].monthly_cents)
    );
    c.press(KeyCode::Char('t')).unwrap();
    assert!(c.app.risk.rows.iter().all(|r| r.churn_tier == "critical"));
    c.press(KeyCode::Char('t')).unwrap();
    c.press(KeyCode::Char('t')).unwrap();
    c.press(KeyCode::Char('t')).unwrap();
    c.press(KeyCode::Char('t')).unwrap();
    assert_eq!(c.app.risk.tier, None, "back to all tiers");

    // Export: the whole filtered list, owner-only.
    c.press(KeyCode::Char('e')).unwrap();
    let exports = p.root().join("data/exports");
    let file = std::fs::read_dir(&exports)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(&file).unwrap();
    let sustainers = count(
        &db,
        "SELECT count(*) FROM constituent_score WHERE churn_probability IS NOT NULL",
    );
    // Everyone but who may not be called; a first line says how many were left out.
    let may_not_call = count(
        &db,
        "SELECT count(*) FROM constituent_score s JOIN constituent_consent cc
             ON cc.constituent_id = s.constituent_id AND cc.channel = 'phone' AND cc.opted_out = 1
         WHERE s.churn_probability IS NOT NULL",
    );
    let note_lines = text.lines().filter(|l| l.starts_with("# left out")).count() as i64;
    assert_eq!(note_lines, i64::from(may_not_call > 0));
    assert_eq!(
        text.lines().count() as i64,
        note_lines + 1 + sustainers - may_not_call,
        "a header and every sustainer who may be called"
    );
    let header = "constituent_id,name,first_name,last_name,email,phone,phone_e164,address,city,state,zip,churn_tier";
    assert!(text.contains(&format!("\n{header}")) || text.starts_with(header));
    // Phones for a dialler are +1 and ten digits; dates are dates, not phrases.
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_path(&file)
        .unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (e164, expires) = (column("phone_e164"), column("card_expires"));
    for row in reader.records().map(Result::unwrap) {
        let phone = &row[e164];
        assert!(
            phone.is_empty() || (phone.starts_with("+1") && phone.len() == 12),
            "{phone}"
        );
        let day = &row[expires];
        assert!(
            day.is_empty() || chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_ok(),
            "{day}"
        );
    }
    assert!(text.contains("left a voicemail"));
    // Each person's retention call follows from the reason that raises their risk most.
    let mut rows = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_path(&file)
        .unwrap();
    let column = rows
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "retention_ask")
        .expect("a retention_ask column");
    for row in rows.records() {
        let row = row.unwrap();
        let id: i64 = row[0].trim_start_matches("C-").parse().unwrap();
        let reasons: String = db
            .conn
            .query_row(
                "SELECT churn_reasons FROM constituent_score WHERE constituent_id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap();
        let reasons: Vec<cpm::score::Reason> = serde_json::from_str(&reasons).unwrap();
        let expected = cpm::score::retention_ask(&reasons);
        assert_eq!(&row[column], expected, "{id}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert!(c.render().unwrap().contains("Exported"));

    // A steward may look but not triage.
    let mut steward = console(&p, Role::Steward, 100, 30);
    steward.press(KeyCode::Char('3')).unwrap();
    steward.press(KeyCode::Char('s')).unwrap();
    assert!(!steward.effects.iter().any(|e| matches!(e, Effect::Save(_))));
}

#[test]
fn the_quality_tab_runs_the_checks_and_shows_the_worst_first_with_redacted_samples() {
    let (p, db) = resolved_store(PEOPLE);
    let mut c = console(&p, Role::Admin, 100, 30);
    c.press(KeyCode::Char('4')).unwrap();
    assert!(c.render().unwrap().contains("No quality run yet"));
    c.press(KeyCode::Char('r')).unwrap();
    assert!(c.effects.iter().any(|e| matches!(
        e,
        Effect::StartJob {
            kind: cpm::jobs::JobKind::Quality,
            ..
        }
    )));
    let q = &c.app.quality;
    let run = q.run.clone().expect("a run is shown after the job");
    assert_eq!(run.actor, "sam");
    assert!(q.results.len() >= 12);
    let rank = |s: &str| match s {
        "error" => 0,
        "fail" => 1,
        "warn" => 2,
        _ => 3,
    };
    assert!(
        q.results
            .windows(2)
            .all(|w| rank(&w[0].status) <= rank(&w[1].status)),
        "worst first"
    );
    let screen = c.render().unwrap();
    assert!(
        screen.contains("Checks, worst first") && screen.contains("● idle"),
        "{screen}"
    );
    snapshot(
        "quality_after_a_run_100x30",
        &screen
            .replace(
                &run.at.replace('T', " ").trim_end_matches('Z').to_string(),
                "[time]",
            )
            .replace(&format!("{} ms", run.millis), "[ms]"),
    );
    assert_eq!(count(&db, "SELECT count(*) FROM quality_run"), 1);
    // A failing record's sample says where to find it: its system, key and golden record,
    // and the key finds that person in search.
    let samples: Vec<serde_json::Value> = c
        .app
        .quality
        .results
        .iter()
        .filter(|r| r.table_name == "source_record")
        .flat_map(|r| {
            serde_json::from_str::<Vec<serde_json::Value>>(&r.samples).unwrap_or_default()
        })
        .collect();
    let sample = samples
        .iter()
        .find(|s| s.get("golden").is_some())
        .expect("a located sample");
    let key = sample["source_key"].as_str().unwrap();
    let golden: i64 = sample["golden"].as_str().unwrap()[2..].parse().unwrap();
    let found = cpm::store::browse::search(&db.conn, key, 10).unwrap();
    assert!(found.iter().any(|r| r.id == golden));

    // `v`: the admin sees the redacted values of a check's failing rows, and that is audited.
    let redacted = c
        .app
        .quality
        .shown()
        .into_iter()
        .position(|i| c.app.quality.results[i].samples.contains("[redacted]"))
        .expect("a check with redacted samples");
    c.press(KeyCode::Char('g')).unwrap();
    for _ in 0..redacted {
        c.press(KeyCode::Char('j')).unwrap();
    }
    c.press(KeyCode::Char('v')).unwrap();
    let (check, shown) = c.app.quality.revealed.clone().expect("values shown");
    let text = serde_json::to_string(&shown).unwrap();
    assert!(!text.contains("[redacted]"), "{text}");
    assert!(c.render().unwrap().contains("failing rows with personal"));
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT count(*) FROM audit_event WHERE action = 'reveal_quality_samples'
                 AND actor = 'sam' AND reason = '{check}'"
            )
        ),
        1
    );
}

#[test]
fn enter_on_a_quality_check_opens_the_golden_record_of_its_first_failing_row() {
    let (p, _db) = resolved_store(PEOPLE);
    let mut c = console(&p, Role::Admin, 100, 30);
    c.press(KeyCode::Char('4')).unwrap();
    c.press(KeyCode::Char('r')).unwrap();
    let located = c
        .app
        .quality
        .shown()
        .into_iter()
        .position(|i| c.app.quality.results[i].samples.contains("\"golden\""))
        .expect("a check whose failing rows belong to golden records");
    for _ in 0..located {
        c.press(KeyCode::Char('j')).unwrap();
    }
    let wanted = c.app.quality.first_golden().unwrap();
    c.press(KeyCode::Enter).unwrap();
    assert_eq!(c.app.tab, Tab::Constituents);
    assert_eq!(shown_detail(&c).id, wanted);
}

#[test]
fn only_an_admin_sees_the_personal_values_of_quality_samples() {
    let (p, db) = resolved_store(PEOPLE);
    let mut admin = console(&p, Role::Admin, 100, 30);
    admin.press(KeyCode::Char('4')).unwrap();
    admin.press(KeyCode::Char('r')).unwrap();
    let mut steward = console(&p, Role::Steward, 100, 30);
    steward.press(KeyCode::Char('4')).unwrap();
    steward.press(KeyCode::Char('v')).unwrap();
    assert!(steward.app.quality.revealed.is_none());
    assert!(
        steward
            .render()
            .unwrap()
            .contains("The steward role cannot show personal values")
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit_event WHERE action = 'reveal_quality_samples'"
        ),
        0
    );
}

/// The Metrics tab with `name` selected.
fn open_metric(c: &mut Headless, name: &str) {
    c.press(KeyCode::Char('5')).unwrap();
    let index = c
        .app
        .metrics
        .ordered()
        .iter()
        .position(|m| m.name == name)
        .unwrap();
    for _ in 0..index {
        c.press(KeyCode::Char('j')).unwrap();
    }
}

#[test]
fn a_metrics_breakdown_is_on_screen_at_100x26() {
    let (p, _db) = resolved_store(PEOPLE);
    let mut c = console(&p, Role::Admin, 100, 26);
    open_metric(&mut c, "active_members");
    c.press(KeyCode::Char('b')).unwrap();
    let screen = c.render().unwrap();
    assert!(screen.contains("by source_system: "), "{screen}");
    assert!(screen.contains("SELECT COUNT(DISTINCT"), "{screen}");
}

#[test]
fn the_metrics_tab_shows_definitions_sql_per_platform_and_computes_values() {
    let (p, db) = resolved_store(PEOPLE);
    let mut c = console(&p, Role::Admin, 120, 40);
    open_metric(&mut c, "active_members");
    c.press(KeyCode::Enter).unwrap();
    let value = c.app.metrics.value.clone().expect("a value");
    assert_eq!(value.metric, "active_members");
    assert!(value.value.unwrap() > 0.0);
    c.press(KeyCode::Char('b')).unwrap();
    let by = c.app.metrics.value.clone().unwrap();
    assert_eq!(by.dimension.as_deref(), Some("source_system"));
    let total: f64 = by.breakdown.iter().filter_map(|(_, v)| *v).sum();
    assert!(
        total >= value.value.unwrap(),
        "a donor may give through several systems"
    );
    let screen = c.render().unwrap();
    assert!(
        screen.contains("sqlite")
            && screen.contains("standard")
            && screen.contains("analytics.fct_gift"),
        "{screen}"
    );
    snapshot("metrics_active_members_120x40", &screen);
    c.press(KeyCode::Char('p')).unwrap();
    assert!(c.render().unwrap().contains(" snowflake "));
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM metric_value WHERE metric = 'active_members' AND actor = 'sam' AND version = 1 AND dimension IS NULL"
        ),
        2
    );
}

#[test]
fn retention_by_lifecycle_is_computed_once_in_the_background_and_always_shown() {
    use cpm::jobs::JobKind;
    use cpm::metrics::lifecycle::Kept;
    let (p, db) = resolved_store(PEOPLE);
    let retention_jobs = |c: &Headless| {
        (c.effects.iter())
            .filter(|e| {
                matches!(
                    e,
                    Effect::StartJob {
                        kind: JobKind::Retention,
                        ..
                    }
                )
            })
            .count()
    };
    // A read-only console computes nothing, and says it is not computed.
    let mut ro = read_only_console(&p);
    assert_eq!(retention_jobs(&ro), 0);
    ro.press(KeyCode::Char('5')).unwrap();
    assert!(ro.render().unwrap().contains("not computed: L computes it"));

    // The first console on a store without it computes it unasked, and quietly.
    let mut c = console(&p, Role::Membership, 100, 30);
    assert_eq!(retention_jobs(&c), 1);
    let screen = c.render().unwrap();
    assert!(
        !screen.contains("retention by lifecycle finished"),
        "{screen}"
    );
    let file = c.app.metrics.file.clone().expect("definitions loaded");
    let kept = Kept::read(&db.conn, &file).unwrap();
    assert_eq!(c.app.metrics.lifecycle, kept);
    assert_eq!(kept.segments.len(), 7);
    assert!(
        kept.segments
            .iter()
            .all(|s| s.rate.is_some() && s.as_of.is_some())
    );
    c.press(KeyCode::Char('5')).unwrap();
    let screen = c.render().unwrap();
    let new = &kept.segments[1];
    let shown = format!("{:.1}%", new.rate.unwrap() * 100.0);
    assert!(
        screen.contains("Donor retention by lifecycle") && screen.contains(&shown),
        "{screen}"
    );

    // Kept: the next console reads it back; L computes it anew when asked.
    let mut again = console(&p, Role::Admin, 100, 30);
    assert_eq!(retention_jobs(&again), 0);
    again.press(KeyCode::Char('5')).unwrap();
    again.press(KeyCode::Char('L')).unwrap();
    assert_eq!(retention_jobs(&again), 1);
    assert!(
        again
            .render()
            .unwrap()
            .contains("retention by lifecycle finished")
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM metric_value WHERE metric = 'new_donor_retention_rate' AND actor = 'sam'"
        ),
        4,
        "two computations, each of now and a year before, attributed"
    );
}

#[test]
fn a_pair_that_can_no_longer_be_decided_does_not_stop_the_others_marked_with_it() {
    use cpm::resolve::settings::ResolutionConfig;
    let (p, mut db) = resolved_store(PEOPLE);
    let config = ResolutionConfig::load(&p.project()).unwrap();
    let pending: i64 = count(
        &db,
        "SELECT min(id) FROM match_candidate WHERE band = 'review'",
    );
    let request = WriteRequest::Decide {
        candidate_ids: vec![999_999_999, pending],
        decision: Decision::Reject,
        note: None,
    };
    let err = cpm::tui::write(&mut db, &config, "sam", &request).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("Rejected 1 of 2 pairs"), "{message}");
    assert!(message.contains("#999999999"), "{message}");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM link_constraint WHERE decision = 'reject' AND actor = 'sam'"
        ),
        1,
        "the pair that could be decided was"
    );
}

#[test]
fn y_copies_the_golden_record_id_in_view_to_the_clipboard() {
    let (p, _db) = scored_store(1500);
    let mut c = console(&p, Role::Admin, 100, 30);
    let copied = |c: &Headless| -> Vec<String> {
        c.effects
            .iter()
            .filter_map(|e| match e {
                Effect::Copy(text) => Some(text.clone()),
                _ => None,
            })
            .collect()
    };
    c.press(KeyCode::Char('y')).unwrap();
    assert!(copied(&c).is_empty(), "nothing to copy on the Review tab");

    c.press(KeyCode::Char('2')).unwrap();
    c.press(KeyCode::Char('j')).unwrap();
    let listed = c.app.constituents.list.selected_row().unwrap().id;
    c.press(KeyCode::Char('y')).unwrap();
    c.press(KeyCode::Enter).unwrap();
    c.press(KeyCode::Char('y')).unwrap();
    c.press(KeyCode::Char('3')).unwrap();
    let at_risk = c.app.risk.selected_row().unwrap().constituent_id;
    c.press(KeyCode::Char('y')).unwrap();
    assert_eq!(
        copied(&c),
        vec![
            format!("C-{listed:06}"),
            format!("C-{listed:06}"),
            format!("C-{at_risk:06}")
        ]
    );
    assert!(c.render().unwrap().contains("copied to the clipboard"));
}

#[test]
fn config_keymap_yaml_rebinds_keys_and_a_bad_one_is_refused_before_the_console_opens() {
    let (p, db) = resolved_store(PEOPLE);
    let keymap = p.root().join("config/keymap.yaml");
    std::fs::write(&keymap, "review:\n  approve: [A]\n  mark: [v]\n").unwrap();
    let mut c = console(&p, Role::Steward, 100, 30);
    c.press(KeyCode::Char('a')).unwrap();
    assert!(
        !c.effects.iter().any(|e| matches!(e, Effect::Save(_))),
        "a no longer approves"
    );
    let first = c.app.review.items[0].candidate_id;
    c.press(KeyCode::Char('v')).unwrap();
    assert!(c.app.review.marked.contains(&first));
    // What the console says names the keys as bound.
    let screen = c.render().unwrap();
    assert!(
        screen.contains("1 marked: A approves, r rejects them all"),
        "{screen}"
    );
    c.press(KeyCode::Char('m')).unwrap();
    let said = c.app.session.flash.as_ref().map(|f| f.text.clone());
    assert!(
        said.as_deref()
            .is_some_and(|s| s.ends_with("marked: A, r or h decides them all")),
        "{said:?}"
    );
    let marked = c.app.review.marked.len() as i64;
    c.press(KeyCode::Char('A')).unwrap();
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit_event WHERE action = 'approve' AND actor = 'sam'"
        ),
        marked
    );
    let screen = c.render().unwrap();
    assert!(
        screen.contains("A approve"),
        "the hint bar shows the new key:\n{screen}"
    );

    std::fs::write(&keymap, "review:\n  approve: [r]\n").unwrap();
    let err = Headless::open(
        &p.db_path(),
        &p.project(),
        options(Role::Steward, false),
        100,
        30,
    )
    .err()
    .expect("refused")
    .to_string();
    assert!(
        err.contains("keymap.yaml")
            && err.contains("r would be both approve (review) and reject (review)"),
        "{err}"
    );
}

#[test]
fn the_command_line_runs_an_action_by_its_name_where_the_user_is() {
    let (p, db) = resolved_store(PEOPLE);
    let mut c = console(&p, Role::Steward, 100, 30);
    let first = c.app.review.items[0].candidate_id;
    c.press(KeyCode::Char(':')).unwrap();
    assert!(c.render().unwrap().contains(':'));
    c.type_keys("approve").unwrap();
    c.press(KeyCode::Enter).unwrap();
    assert!(c.effects.contains(&Effect::Save(WriteRequest::Decide {
        candidate_ids: vec![first],
        decision: Decision::Approve,
        note: None,
    })));
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit_event WHERE action = 'approve' AND actor = 'sam'"
        ),
        1
    );

    c.press(KeyCode::Char(':')).unwrap();
    c.type_keys("tab_3").unwrap();
    c.press(KeyCode::Enter).unwrap();
    assert_eq!(c.app.tab, Tab::Risk);

    c.press(KeyCode::Char(':')).unwrap();
    c.type_keys("approve").unwrap();
    c.press(KeyCode::Enter).unwrap();
    let screen = c.render().unwrap();
    assert!(
        screen.contains("No command 'approve' here"),
        "approve is a Review action:\n{screen}"
    );
    assert_eq!(c.app.session.mode, Mode::Normal);
}

#[test]
fn the_command_line_gives_a_prompt_its_text_and_refuses_text_an_action_takes_none_of() {
    let (p, db) = resolved_store(PEOPLE);
    let mut c = console(&p, Role::Steward, 100, 30);
    let everyone = c.app.review.items.len();
    let wanted = c.app.review.items[2].b.source_key.clone();
    let run = |c: &mut Headless, line: &str| {
        c.press(KeyCode::Char(':')).unwrap();
        c.type_keys(line).unwrap();
        c.press(KeyCode::Enter).unwrap();
    };
    // `search` on the Review tab filters the queue, as `/` and typing would.
    run(&mut c, &format!("search {wanted}"));
    assert_eq!(c.app.session.mode, Mode::Normal);
    assert!(!c.app.review.items.is_empty() && c.app.review.items.len() < everyone);
    assert!(
        (c.app.review.items.iter()).all(|i| i.a.source_key == wanted || i.b.source_key == wanted)
    );
    // An action that takes no text is not run with some: the line may be a slip.
    let first = c.app.review.items[0].candidate_id;
    let before = c.effects.len();
    run(&mut c, "approve them all");
    assert!(c.render().unwrap().contains("'approve' takes no argument"));
    let decided = |e: &Effect| matches!(e, Effect::Save(WriteRequest::Decide { .. }));
    assert!(!c.effects[before..].iter().any(decided), "nothing decided");
    // `note` keeps its text for the next decision.
    run(&mut c, "note  checked the gift letter ");
    run(&mut c, "approve");
    assert!(c.effects.contains(&Effect::Save(WriteRequest::Decide {
        candidate_ids: vec![first],
        decision: Decision::Approve,
        note: Some("checked the gift letter".into()),
    })));
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit_event WHERE action = 'approve' AND reason LIKE '%gift letter%'"
        ),
        1
    );
}

#[test]
fn marks_outlive_the_console_and_a_new_run_for_whoever_made_them() {
    use cpm::progress::Silent;
    use cpm::resolve::{self, settings::ResolutionConfig};
    let (p, mut db) = resolved_store(PEOPLE);
    let open_as = |actor: &str| {
        let options = AppOptions {
            actor: actor.into(),
            ..options(Role::Steward, false)
        };
        Headless::open(&p.db_path(), &p.project(), options, 100, 30).expect("console opens")
    };
    let keys = |c: &Headless, marked_only: bool| -> Vec<(String, String)> {
        (c.app.review.items.iter())
            .filter(|i| !marked_only || c.app.review.marked.contains(&i.candidate_id))
            .map(|i| (i.a.source_key.clone(), i.b.source_key.clone()))
            .collect()
    };
    let mut c = open_as("sam");
    let wanted: Vec<(String, String)> = keys(&c, false).into_iter().take(3).collect();
    for _ in 0..3 {
        c.press(KeyCode::Char(' ')).unwrap();
    }
    assert_eq!(keys(&c, true), wanted);
    drop(c);
    // A new run numbers the pairs anew; the marks are the records'.
    let config = ResolutionConfig::load(&p.project()).unwrap();
    resolve::run(&mut db, &config, "test-run-2", &Silent).unwrap();

    let mut c = open_as("sam");
    assert_eq!(keys(&c, true), wanted, "sam's marks are back");
    assert!(
        c.render()
            .unwrap()
            .contains("3 pairs still marked from last time")
    );
    assert!(
        open_as("kim").app.review.marked.is_empty(),
        "kim marked none"
    );

    // One decision settles them, and nothing is marked after it.
    let marked: Vec<i64> = c.app.review.marked.iter().copied().collect();
    c.press(KeyCode::Char('a')).unwrap();
    let decided = c.effects.iter().find_map(|e| match e {
        Effect::Save(WriteRequest::Decide { candidate_ids, .. }) => Some(candidate_ids.clone()),
        _ => None,
    });
    let mut decided = decided.expect("a decision");
    decided.sort_unstable();
    assert_eq!(decided, marked);
    assert_eq!(
        count(&db, "SELECT count(*) FROM review_mark WHERE actor = 'sam'"),
        0
    );
    assert!(open_as("sam").app.review.marked.is_empty());
}

#[test]
fn v_marks_every_pair_from_the_last_one_marked_to_the_selected_one() {
    let (p, _db) = resolved_store(PEOPLE);
    let mut c = console(&p, Role::Steward, 100, 30);
    assert!(
        c.app.review.items.len() >= 5,
        "the fixture has pairs to mark: {}",
        c.app.review.items.len()
    );
    let ids: Vec<i64> = c.app.review.items.iter().map(|i| i.candidate_id).collect();
    let marked = |c: &Headless| -> Vec<i64> {
        ids.iter()
            .copied()
            .filter(|id| c.app.review.marked.contains(id))
            .collect()
    };
    // Nothing marked yet: V marks the selected pair alone.
    c.press(KeyCode::Char('j')).unwrap();
    c.press(KeyCode::Char('V')).unwrap();
    assert_eq!(marked(&c), [ids[1]]);
    // Space marks the third pair; V at the first marks the three from there to here.
    c.press(KeyCode::Char('j')).unwrap();
    c.press(KeyCode::Char(' ')).unwrap(); // marks ids[2], moves to ids[3]
    c.press(KeyCode::Char('g')).unwrap();
    c.press(KeyCode::Char('V')).unwrap();
    assert_eq!(marked(&c), ids[..3]);
    assert!(c.render().unwrap().contains("3 marked"));
    // The next range starts where that one ended.
    for _ in 0..4 {
        c.press(KeyCode::Char('j')).unwrap();
    }
    c.press(KeyCode::Char('V')).unwrap();
    assert_eq!(marked(&c), ids[..5]);
    // Unmarking the pair a range would start from: the next V starts where it is.
    c.press(KeyCode::Char(' ')).unwrap(); // unmarks ids[4], moves to ids[5]
    for _ in 0..3 {
        c.press(KeyCode::Char('k')).unwrap();
    }
    c.press(KeyCode::Char('V')).unwrap(); // at ids[2]
    assert_eq!(marked(&c), ids[..4]);
    c.press(KeyCode::Char('j')).unwrap();
    c.press(KeyCode::Char('j')).unwrap();
    c.press(KeyCode::Char('V')).unwrap(); // from ids[2] to ids[4]
    assert_eq!(marked(&c), ids[..5]);
    c.press(KeyCode::Char('a')).unwrap();
    assert!(c.effects.contains(&Effect::Save(WriteRequest::Decide {
        candidate_ids: ids[..5].to_vec(),
        decision: Decision::Approve,
        note: None,
    })));

    // A role that cannot decide pairs cannot mark them either.
    let mut viewer = console(&p, Role::Membership, 100, 30);
    viewer.press(KeyCode::Char('V')).unwrap();
    assert!(viewer.app.review.marked.is_empty());
}

#[test]
fn n_and_shift_n_open_the_next_and_previous_search_result_from_a_golden_record() {
    let (p, db) = resolved_store(PEOPLE);
    let surname: String = db
        .conn
        .query_row(
            "SELECT last_name FROM constituent WHERE retired_at IS NULL AND last_name IS NOT NULL
             GROUP BY last_name HAVING count(*) >= 3 ORDER BY count(*) DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let mut c = console(&p, Role::Admin, 100, 30);
    c.press(KeyCode::Char('2')).unwrap();
    c.press(KeyCode::Char('/')).unwrap();
    c.type_keys(&surname).unwrap();
    c.press(KeyCode::Enter).unwrap();
    let results: Vec<i64> = c.app.constituents.list.rows.iter().map(|r| r.id).collect();
    assert!(results.len() >= 3, "{surname}: {results:?}");
    let open = |c: &Headless| c.app.constituents.detail.as_ref().map(|d| d.id);

    c.press(KeyCode::Enter).unwrap();
    assert_eq!(open(&c), Some(results[0]));
    c.press(KeyCode::Char('n')).unwrap();
    assert_eq!(open(&c), Some(results[1]));
    assert_eq!(shown_detail(&c).id, results[1], "the new record is loaded");
    c.press(KeyCode::Char('n')).unwrap();
    assert_eq!(open(&c), Some(results[2]));
    c.press(KeyCode::Char('N')).unwrap();
    assert_eq!(open(&c), Some(results[1]));
    c.press(KeyCode::Char('N')).unwrap();
    c.press(KeyCode::Char('N')).unwrap();
    assert_eq!(open(&c), Some(results[0]), "no further than the first");
    assert!(c.render().unwrap().contains("the first record in the list"));
    // Back goes to the list, where the cursor now is on the record last shown.
    c.press(KeyCode::Esc).unwrap();
    assert_eq!(c.app.constituents.detail.as_ref().map(|d| d.id), None);
    assert_eq!(c.app.constituents.search.as_deref(), Some(surname.as_str()));
    assert_eq!(
        c.app.constituents.list.selected_row().map(|r| r.id),
        Some(results[0])
    );
}

#[test]
fn tab_completes_a_command_name_and_lists_the_choices_when_several_remain() {
    let (p, _db) = resolved_store(PEOPLE);
    let mut c = console(&p, Role::Steward, 120, 30);
    let typing = |c: &Headless| match &c.app.session.mode {
        Mode::Input {
            kind: InputKind::Command,
            text,
            ..
        } => Some(text.clone()),
        _ => None,
    };
    c.press(KeyCode::Char(':')).unwrap();
    assert!(c.render().unwrap().contains("Tab complete"));
    c.type_keys("appr").unwrap();
    c.press(KeyCode::Tab).unwrap();
    assert_eq!(typing(&c).as_deref(), Some("approve"));
    c.press(KeyCode::Esc).unwrap();

    c.press(KeyCode::Char(':')).unwrap();
    c.type_keys("ta").unwrap();
    c.press(KeyCode::Tab).unwrap();
    assert_eq!(
        typing(&c).as_deref(),
        Some("tab_"),
        "as far as the names agree"
    );
    let screen = c.render().unwrap();
    assert!(
        screen.contains("tab_1 tab_2"),
        "the choices are shown:\n{screen}"
    );
    c.type_keys("2").unwrap();
    c.press(KeyCode::Enter).unwrap();
    assert_eq!(c.app.tab, Tab::Constituents);
    assert!(
        !c.render().unwrap().contains("tab_1 tab_2"),
        "the choices go with the command line"
    );

    c.press(KeyCode::Char(':')).unwrap();
    c.type_keys("zz").unwrap();
    c.press(KeyCode::Tab).unwrap();
    assert_eq!(typing(&c).as_deref(), Some("zz"));
    assert!(
        c.render()
            .unwrap()
            .contains("No command here starts with 'zz'")
    );

    // A search is typed text, not a command: Tab adds nothing to it.
    c.press(KeyCode::Esc).unwrap();
    c.press(KeyCode::Char('/')).unwrap();
    c.type_keys("ab").unwrap();
    c.press(KeyCode::Tab).unwrap();
    assert!(
        matches!(&c.app.session.mode, Mode::Input { kind: InputKind::Search, text, .. } if text == "ab")
    );
    assert!(!c.render().unwrap().contains("Tab complete"));
}

#[test]
fn a_sustainers_golden_record_shows_the_retention_call_the_risk_list_gives() {
    let (p, _db) = scored_store(1500);
    let mut c = console(&p, Role::Membership, 120, 40);
    c.press(KeyCode::Char('3')).unwrap();
    let riskiest = c.app.risk.selected_row().unwrap().clone();
    c.press(KeyCode::Char('2')).unwrap();
    c.press(KeyCode::Char('/')).unwrap();
    c.type_keys(&format!("C-{:06}", riskiest.constituent_id))
        .unwrap();
    c.press(KeyCode::Enter).unwrap();
    c.press(KeyCode::Enter).unwrap();
    assert_eq!(shown_detail(&c).id, riskiest.constituent_id);
    let screen = c.render().unwrap();
    let call = screen
        .lines()
        .find(|l| l.contains("│call "))
        .unwrap_or_else(|| panic!("no call line:\n{screen}"));
    let ask = riskiest.retention_ask.as_deref();
    assert!(
        call.contains(ask.unwrap_or(cpm::vocab::reasons::DO_NOT_CALL)),
        "{call}"
    );
    // Membership may not unmerge: the records' pane does not offer it.
    assert!(
        screen.contains(" source record") && !screen.contains("unmerges"),
        "{screen}"
    );
}

#[test]
fn the_quality_tab_shows_the_quarantine_with_raw_text_for_an_admin_only() {
    let p = TempProject::new();
    p.write_config(
        "sources.yaml",
        &crate::common::donation_source(&crate::common::fixture("ingest/bad_rows.csv")),
    );
    let mut db = p.db();
    cpm::ingest::ingest(
        &mut db,
        &p.project(),
        &cpm::ingest::IngestOptions::default(),
        &cpm::progress::Silent,
    )
    .unwrap();
    drop(db);
    let screen_as = |role: Role| {
        let mut c = console(&p, role, 120, 40);
        c.press(KeyCode::Char('4')).unwrap();
        c.render().unwrap()
    };
    let admin = screen_as(Role::Admin);
    assert!(admin.contains("6 rows quarantined"), "{admin}");
    assert!(
        admin.contains("bad_rows.csv:7 column 'amount': not an amount"),
        "{admin}"
    );
    assert!(
        admin.contains("P6,Sal,Ode"),
        "the admin sees the row: {admin}"
    );
    let steward = screen_as(Role::Steward);
    assert!(!steward.contains("P6,Sal,Ode"), "{steward}");
    assert!(
        steward.contains("a9,aaa,aaa"),
        "others see its shape: {steward}"
    );
}

#[test]
fn the_constituents_list_groups_people_by_household_page_after_page() {
    let (p, db) = resolved_store(PEOPLE);
    let mut c = console(&p, Role::Admin, 120, 30);
    c.press(KeyCode::Char('2')).unwrap();
    while c.app.constituents.sort != SortBy::Household {
        c.press(KeyCode::Char('o')).unwrap();
    }
    let screen = c.render().unwrap();
    assert!(screen.contains("by household"), "{screen}");
    assert!(screen.contains("H-0"), "{screen}");
    // Walk the whole list: households come in order, each one's members together.
    for _ in 0..40 {
        c.press(KeyCode::PageDown).unwrap();
    }
    c.press(KeyCode::Char('G')).unwrap();
    let rows = &c.app.constituents.list.rows;
    let households: Vec<i64> = rows.iter().map(|r| r.household.unwrap()).collect();
    assert!(households.windows(2).all(|w| w[0] <= w[1]));
    let last = constituent_page(&db.conn, SortBy::Household, &PageAt::Last, 1).unwrap();
    assert_eq!(rows.last().map(|r| r.id), last.first().map(|r| r.id));
    let with_home = count(&db, "SELECT count(*) FROM household_member");
    assert!(with_home > 0);
}

#[test]
fn the_segments_tab_counts_each_audience_and_lists_its_most_engaged_members() {
    let (p, db) = resolved_store(PEOPLE);
    let mut c = console(&p, Role::Membership, 120, 30);
    c.press(KeyCode::Char('7')).unwrap();
    let file = cpm::segments::SegmentsFile::load(&p.project()).unwrap();
    let shown = c.app.segments.segments.clone();
    assert_eq!(shown.len(), file.segments.len());
    for (view, segment) in shown.iter().zip(&file.segments) {
        assert_eq!(view.count, cpm::segments::count(&db.conn, segment).unwrap());
    }
    let screen = c.render().unwrap();
    assert!(screen.contains("7 Segments"), "{screen}");
    assert!(screen.contains(&shown[0].count.display_name), "{screen}");
    assert!(screen.contains("cpm segment export"), "{screen}");
    c.press(KeyCode::Char('j')).unwrap();
    assert_eq!(c.app.segments.selected, 1);
    let screen = c.render().unwrap();
    assert!(screen.contains(&shown[1].rule), "{screen}");
    // At 80 columns a name that does not fit is cut with a mark, never silently.
    c.resize(80, 24);
    let screen = c.render().unwrap();
    assert!(screen.contains("reachable owner"), "{screen}");
    let longest = shown
        .iter()
        .map(|v| &v.count.display_name)
        .max_by_key(|n| n.len())
        .unwrap();
    let cut: String = longest.chars().take(20).collect();
    let row = screen
        .lines()
        .find(|l| l.contains(&cut))
        .expect("the longest segment's row");
    assert!(row.contains('…'), "{screen}");

    // `e` exports the selected segment for a campaign, once asked: a "no" writes nothing.
    let campaign_contacts = "SELECT count(*) FROM contact_event WHERE kind = 'campaign export'";
    c.press(KeyCode::Char('e')).unwrap();
    assert!(c.render().unwrap().contains("each recorded as contacted?"));
    c.press(KeyCode::Char('n')).unwrap();
    assert_eq!(count(&db, campaign_contacts), 0);
    c.press(KeyCode::Char('e')).unwrap();
    c.press(KeyCode::Char('y')).unwrap();
    let exports = p.root().join("data/exports");
    let file = std::fs::read_dir(&exports)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| {
            path.to_string_lossy()
                .contains(&format!("segment-{}-", shown[1].count.name))
        })
        .expect("the segment's file");
    let lines = std::fs::read_to_string(&file).unwrap().lines().count() as i64;
    assert_eq!(
        lines,
        1 + shown[1].count.may_be_contacted,
        "a header and who may be contacted"
    );
    assert_eq!(
        count(&db, campaign_contacts),
        shown[1].count.may_be_contacted
    );
    let screen = c.render().unwrap();
    assert!(screen.contains("rows, recorded as contacts"), "{screen}");

    // A steward may look but not export.
    let mut steward = console(&p, Role::Steward, 120, 30);
    steward.press(KeyCode::Char('7')).unwrap();
    steward.press(KeyCode::Char('e')).unwrap();
    assert!(
        steward
            .render()
            .unwrap()
            .contains("cannot export a campaign")
    );
    assert_eq!(
        count(&db, campaign_contacts),
        shown[1].count.may_be_contacted
    );
}

#[test]
fn the_risk_list_reaches_its_last_sustainer_and_its_title_counts_them_all() {
    let (p, db) = scored_store(8000);
    let sustainers = count(
        &db,
        "SELECT count(*) FROM constituent_score WHERE churn_probability IS NOT NULL",
    ) as usize;
    assert!(
        sustainers > cpm::tui::RISK_WINDOW,
        "{sustainers}: more than one window"
    );
    let mut c = console(&p, Role::Membership, 120, 30);
    c.press(KeyCode::Char('3')).unwrap();
    assert_eq!(c.app.risk.rows.len(), cpm::tui::RISK_WINDOW);
    assert!(c.render().unwrap().contains(&format!("1 of {sustainers}")));
    c.press(KeyCode::Char('G')).unwrap();
    assert_eq!(c.app.risk.rows.len(), sustainers);
    assert_eq!(c.app.risk.selected, sustainers - 1);
    let last = cpm::store::score::risk_list(
        &db.conn,
        cpm::store::score::RiskSort::Probability,
        None,
        sustainers,
        0,
    )
    .unwrap()
    .pop()
    .unwrap();
    assert_eq!(
        c.app.risk.selected_row().map(|r| r.constituent_id),
        Some(last.constituent_id)
    );
    assert!(
        c.render()
            .unwrap()
            .contains(&format!("{sustainers} of {sustainers}"))
    );
    // Walking down from the top loads more before the end of a window is reached.
    c.press(KeyCode::Char('g')).unwrap();
    c.press(KeyCode::Char('t')).unwrap(); // critical only: a fresh first window
    c.press(KeyCode::Char('t')).unwrap();
    c.press(KeyCode::Char('t')).unwrap();
    c.press(KeyCode::Char('t')).unwrap();
    c.press(KeyCode::Char('t')).unwrap(); // all tiers again
    for _ in 0..(cpm::tui::RISK_WINDOW / 20) {
        c.press(KeyCode::PageDown).unwrap();
    }
    assert!(c.app.risk.rows.len() > cpm::tui::RISK_WINDOW);
    let ids: std::collections::HashSet<i64> =
        c.app.risk.rows.iter().map(|r| r.constituent_id).collect();
    assert_eq!(ids.len(), c.app.risk.rows.len(), "no one twice");
}

#[test]
fn search_finds_a_person_by_any_of_their_records_and_says_which_matched() {
    let (p, db) = resolved_store(PEOPLE);
    // A person with a record whose email is not the golden record's.
    let (golden, email, key, phone): (i64, String, String, String) = db
        .conn
        .query_row(
            "SELECT c.id, sr.email, sr.source_key, coalesce(
                 (SELECT r.phone FROM source_record r JOIN constituent_member m ON m.source_record_id = r.id
                  WHERE m.constituent_id = c.id AND r.n_phone IS NOT NULL LIMIT 1), '')
             FROM constituent c JOIN constituent_member cm ON cm.constituent_id = c.id
             JOIN source_record sr ON sr.id = cm.source_record_id
             WHERE sr.n_email IS NOT NULL AND sr.n_email <> coalesce(lower(c.email), '')
               AND c.retired_at IS NULL
             ORDER BY c.id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("a person with a second email");
    let found = |typed: &str| {
        cpm::store::browse::search(&db.conn, typed, 50)
            .unwrap()
            .into_iter()
            .find(|r| r.id == golden)
    };
    let by_email = found(&email).expect("the secondary email finds them");
    assert!(by_email.matched.is_some_and(|m| m.ends_with(": email")));
    let by_key = found(&key).expect("the source key finds them");
    assert!(by_key.matched.is_some_and(|m| m.contains(&key)));
    if !phone.is_empty() {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        let local = &digits[digits.len() - 7..];
        let typed = format!("{}-{}", &local[..3], &local[3..]);
        assert!(
            found(&typed).is_some(),
            "the local seven digits {typed} find them"
        );
    }
    // The console shows which record matched.
    let mut c = console(&p, Role::Admin, 120, 30);
    c.press(KeyCode::Char('2')).unwrap();
    c.press(KeyCode::Char('/')).unwrap();
    c.type_keys(&key).unwrap();
    c.press(KeyCode::Enter).unwrap();
    assert!(c.render().unwrap().contains("≈ "));
}

#[test]
fn typed_text_can_be_edited_and_recalled() {
    use ratatui::crossterm::event::KeyModifiers;
    let (p, _db) = resolved_store(PEOPLE);
    let mut c = console(&p, Role::Admin, 120, 30);
    let typed = |c: &Headless| match &c.app.session.mode {
        Mode::Input { text, .. } => text.clone(),
        _ => "(not typing)".into(),
    };
    c.press(KeyCode::Char('2')).unwrap();
    c.press(KeyCode::Char('/')).unwrap();
    c.type_keys("jon smith").unwrap();
    c.press_with(KeyCode::Char('w'), KeyModifiers::CONTROL)
        .unwrap();
    assert_eq!(typed(&c), "jon ");
    c.press_with(KeyCode::Char('a'), KeyModifiers::CONTROL)
        .unwrap();
    c.type_keys("x").unwrap();
    assert_eq!(typed(&c), "xjon ");
    c.press(KeyCode::End).unwrap();
    c.press(KeyCode::Left).unwrap();
    c.press(KeyCode::Left).unwrap();
    c.type_keys("h").unwrap();
    assert_eq!(typed(&c), "xjohn ");
    assert!(
        c.render().unwrap().contains("xjoh▏n"),
        "the cursor is drawn where it is"
    );
    c.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL)
        .unwrap();
    assert_eq!(typed(&c), "n ");
    c.press(KeyCode::Esc).unwrap();
    // A command line remembers what was run: Up brings it back.
    c.press(KeyCode::Char(':')).unwrap();
    c.type_keys("tab_3").unwrap();
    c.press(KeyCode::Enter).unwrap();
    assert_eq!(c.app.tab, Tab::Risk);
    c.press(KeyCode::Char(':')).unwrap();
    c.press(KeyCode::Up).unwrap();
    assert_eq!(typed(&c), "tab_3");
    c.press(KeyCode::Down).unwrap();
    assert_eq!(typed(&c), "");
}

#[test]
fn membership_opens_on_risk_and_enter_opens_the_persons_record() {
    let (p, _db) = scored_store(1500);
    let mut c = console(&p, Role::Membership, 120, 30);
    assert_eq!(c.app.tab, Tab::Risk, "membership's work is the risk list");
    let id = c
        .app
        .risk
        .selected_row()
        .expect("a sustainer")
        .constituent_id;
    c.press(KeyCode::Enter).unwrap();
    assert_eq!(c.app.tab, Tab::Constituents);
    let detail = c
        .app
        .constituents
        .detail
        .as_ref()
        .expect("the record is open");
    assert_eq!(detail.id, id);
    assert!(detail.data.is_some());
    assert!(
        c.render()
            .unwrap()
            .contains(&cpm::store::browse::golden_id(id))
    );
}

#[test]
fn the_review_queue_reaches_its_last_pending_pair() {
    let (p, mut db) = resolved_store(3000);
    // A review band reaching far lower than the shared store's, so that the queue runs past
    // one window (a calibrated model leaves few pairs between 0.3 and 0.999 here).
    let text = include_str!("../../config/resolution.yaml")
        .replace("auto_match: 0.85", "auto_match: 0.999")
        .replace("review: 0.70", "review: 0.0001");
    p.write_config("resolution.yaml", &text);
    let config = cpm::resolve::settings::ResolutionConfig::load(&p.project()).unwrap();
    cpm::resolve::run(&mut db, &config, "test-run", &cpm::progress::Silent).unwrap();
    let pending = cpm::resolve::review::pending_count(&db.conn).unwrap() as usize;
    assert!(
        pending > cpm::tui::REVIEW_WINDOW,
        "{pending}: more than one window"
    );
    let mut c = console(&p, Role::Steward, 120, 30);
    assert_eq!(c.app.review.items.len(), cpm::tui::REVIEW_WINDOW);
    let screen = c.render().unwrap();
    let of_pending = cpm::store::browse::thousands(pending as i64);
    assert!(
        screen.contains(&format!("Queue 1 of {of_pending}")),
        "{screen}"
    );
    c.press(KeyCode::Char('G')).unwrap();
    assert_eq!(c.app.review.items.len(), pending);
    assert_eq!(c.app.review.selected, pending - 1);
    let last = cpm::resolve::review::queue(
        &db.conn,
        cpm::resolve::review::QueueOrder::Stake,
        pending,
        0,
    )
    .unwrap()
    .pop()
    .unwrap();
    assert_eq!(
        c.app.review.selected_item().map(|i| i.candidate_id),
        Some(last.candidate_id)
    );
    let screen = c.render().unwrap();
    assert!(
        screen.contains(&format!("Queue {of_pending} of {of_pending}")),
        "{screen}"
    );
}

#[test]
fn review_shows_both_people_with_every_record_and_the_other_pairs_that_touch_them() {
    let (p, db) = resolved_store(PEOPLE);
    let mut c = console(&p, Role::Steward, 120, 40);
    let item = c
        .app
        .review
        .selected_item()
        .expect("a pending pair")
        .clone();
    let context = c.app.review.context.clone().expect("loaded with the pair");
    assert_eq!(context.candidate_id, item.candidate_id);
    assert_eq!(context.sides.len(), 2);
    for (side, record) in context.sides.iter().zip([&item.a, &item.b]) {
        assert_eq!(
            side.records.iter().filter(|r| r.in_pair).count(),
            1,
            "the pair's own record is marked"
        );
        assert!(
            side.records
                .iter()
                .any(|r| r.source_key == record.source_key)
        );
        if let Some(golden) = side.golden_id {
            let members = count(
                &db,
                &format!("SELECT count(*) FROM constituent_member WHERE constituent_id = {golden}"),
            );
            assert_eq!(side.records.len() as i64, members);
        }
    }
    // Every pair listed as related is pending and touches one of these records.
    for (related, _) in &context.related {
        assert!(
            c.app
                .review
                .items
                .iter()
                .any(|i| i.candidate_id == *related),
            "#{related} is in the queue"
        );
    }
    let screen = c.render().unwrap();
    assert!(screen.contains("The people"), "{screen}");
    assert!(screen.contains("●"), "{screen}");
    // Moving on loads the next pair's people.
    c.press(KeyCode::Char('j')).unwrap();
    let next = c.app.review.selected_item().unwrap().candidate_id;
    assert_eq!(
        c.app.review.context.as_ref().map(|c| c.candidate_id),
        Some(next)
    );
}

#[test]
fn risk_filters_by_triage_status_and_the_record_keeps_every_note() {
    let (p, db) = scored_store(1500);
    let mut c = console(&p, Role::Membership, 120, 40);
    let first = c.app.risk.selected_row().unwrap().constituent_id;
    // Two notes on one person: both are kept, with who and when.
    for note in ["no answer", "called back, keeps giving"] {
        c.press(KeyCode::Char('n')).unwrap();
        c.type_keys(note).unwrap();
        c.press(KeyCode::Enter).unwrap();
    }
    c.press(KeyCode::Char('s')).unwrap(); // new → contacted
    let contacted = c.app.risk.selected_row().unwrap().constituent_id;
    assert_eq!(contacted, first);
    // Only the contacted: this person alone.
    c.press(KeyCode::Char('f')).unwrap(); // new
    assert!(
        c.app
            .risk
            .rows
            .iter()
            .all(|r| r.triage.as_deref().unwrap_or("new") == "new")
    );
    c.press(KeyCode::Char('f')).unwrap(); // contacted
    let ids: Vec<i64> = c.app.risk.rows.iter().map(|r| r.constituent_id).collect();
    assert_eq!(ids, vec![first]);
    assert!(c.render().unwrap().contains("triage contacted"));
    for _ in 0..3 {
        c.press(KeyCode::Char('f')).unwrap(); // retained, lost, everyone
    }
    assert_eq!(c.app.risk.status, None);
    assert!(c.app.risk.rows.len() > 1);
    // The 360° view's history holds both notes.
    let history = cpm::store::audit::for_constituent(&db.conn, first, 50).unwrap();
    let notes: Vec<&str> = history
        .iter()
        .filter(|e| e.action == "triage")
        .filter_map(|e| e.reason.as_deref())
        .collect();
    assert!(
        notes.contains(&"no answer") && notes.contains(&"called back, keeps giving"),
        "{notes:?}"
    );
}

#[test]
fn a_case_is_assigned_with_a_follow_up_and_both_reach_the_call_list() {
    let (p, db) = scored_store(1500);
    let mut c = console(&p, Role::Membership, 120, 40);
    let id = c.app.risk.selected_row().unwrap().constituent_id;
    c.press(KeyCode::Char('A')).unwrap();
    c.press(KeyCode::Char('F')).unwrap();
    let row = c
        .app
        .risk
        .rows
        .iter()
        .find(|r| r.constituent_id == id)
        .unwrap();
    assert_eq!(row.assignee.as_deref(), Some("sam"));
    let follow_up = row.follow_up.clone().expect("a follow-up date");
    let day = chrono::NaiveDate::parse_from_str(&follow_up, "%Y-%m-%d").expect("a date");
    assert_eq!((day - chrono::Local::now().date_naive()).num_days(), 7);
    assert!(
        c.render()
            .unwrap()
            .contains(&format!("with sam, follow up {follow_up}"))
    );
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT count(*) FROM audit_event WHERE action = 'assign' AND constituent_id = {id} AND actor = 'sam'"
            )
        ),
        2
    );
    let file = p.root().join("calls.csv");
    cpm::store::score::export_risk_csv(
        &db.conn,
        cpm::store::score::RiskSort::Probability,
        None,
        &file,
        "test",
    )
    .unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains(&format!(",sam,{follow_up},")),
        "the call list carries both"
    );
    // Pressed again: the case goes back to nobody, the follow-up is cleared.
    c.press(KeyCode::Char('A')).unwrap();
    c.press(KeyCode::Char('F')).unwrap();
    let row = c
        .app
        .risk
        .rows
        .iter()
        .find(|r| r.constituent_id == id)
        .unwrap();
    assert_eq!(
        (row.assignee.as_deref(), row.follow_up.as_deref()),
        (None, None)
    );
    // The command line does the same, and a steward may not.
    let id_text = cpm::store::browse::golden_id(id);
    let out = crate::common::cpm(
        &p,
        &[
            "--as",
            "bo",
            "risk",
            "assign",
            &id_text,
            "--to",
            "bo",
            "--follow-up",
            "2027-01-15",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        cpm::store::score::follow_up_of(&db.conn, id)
            .unwrap()
            .as_deref(),
        Some("2027-01-15")
    );
    let refused = crate::common::cpm(
        &p,
        &["--role", "steward", "risk", "assign", &id_text, "--to", "x"],
    );
    assert!(!refused.status.success());
}

#[test]
fn slash_filters_the_queue_the_risk_list_and_the_short_lists_as_it_is_typed() {
    let (p, db) = scored_store(PEOPLE * 3);
    let mut c = console(&p, Role::Admin, 120, 40);
    // The review queue: a record's source key finds the pairs it is in, and only those.
    let wanted = c.app.review.items[3].b.source_key.clone();
    c.press(KeyCode::Char('/')).unwrap();
    c.type_keys(&wanted).unwrap();
    let holds = |item: &cpm::resolve::review::QueueItem| {
        item.a.source_key == wanted || item.b.source_key == wanted
    };
    assert!(!c.app.review.items.is_empty());
    assert!(
        c.app.review.items.iter().all(holds),
        "only pairs with that record"
    );
    let shown = c.app.review.items.len();
    let screen = c.render().unwrap();
    assert!(screen.contains(&format!("{shown} matching '{wanted}' of")));
    assert!(
        screen.contains(&format!("Queue 1 of {shown} ")),
        "the queue counts the pairs the filter keeps:\n{screen}"
    );
    c.press(KeyCode::Esc).unwrap();
    assert!(
        c.app.review.items.len() > shown,
        "Esc shows every pair again"
    );

    // The Risk list: part of a surname, in another case, kept while the list is used.
    c.press(KeyCode::Char('3')).unwrap();
    let everyone = c.app.risk.rows.len();
    let surname = c.app.risk.rows[2].last_name.clone().unwrap();
    let part: String = surname.chars().take(4).collect::<String>().to_uppercase();
    c.press(KeyCode::Char('/')).unwrap();
    c.type_keys(&part).unwrap();
    c.press(KeyCode::Enter).unwrap();
    let expected = count(
        &db,
        &format!(
            "SELECT count(*) FROM constituent_score s JOIN constituent c ON c.id = s.constituent_id
             WHERE s.churn_probability IS NOT NULL
               AND (coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '') || ' '
                    || coalesce(c.email, '') || ' ' || printf('C-%06d', c.id)) LIKE '%{part}%'"
        ),
    ) as usize;
    assert_eq!(c.app.risk.rows.len(), expected);
    assert!(expected < everyone);
    assert!(c.render().unwrap().contains(&format!("matching '{part}'")));
    c.press(KeyCode::Char('/')).unwrap();
    c.press(KeyCode::Esc).unwrap();
    assert_eq!(c.app.risk.rows.len(), everyone);
    // Words are found in any order: the surname first finds the person too.
    let person = c.app.risk.rows[2].clone();
    let given = person.first_name.clone().unwrap();
    c.press(KeyCode::Char('/')).unwrap();
    c.type_keys(&format!("{surname} {given}")).unwrap();
    c.press(KeyCode::Enter).unwrap();
    assert!(
        c.app
            .risk
            .rows
            .iter()
            .any(|r| r.constituent_id == person.constituent_id),
        "{surname} {given}"
    );
    assert!(c.app.risk.rows.len() < everyone);
    c.press(KeyCode::Char('/')).unwrap();
    c.press(KeyCode::Esc).unwrap();

    // Metrics and segments are filtered where they are drawn.
    c.press(KeyCode::Char('5')).unwrap();
    c.press(KeyCode::Char('/')).unwrap();
    c.type_keys("lybunt").unwrap();
    let names: Vec<String> = c
        .app
        .metrics
        .ordered()
        .iter()
        .map(|m| m.name.clone())
        .collect();
    assert!(!names.is_empty() && names.len() < 10, "{names:?}");
    assert!(c.app.metrics.selected_metric().is_some());
    c.press(KeyCode::Esc).unwrap();
    assert!(c.app.metrics.ordered().len() > names.len());
    c.press(KeyCode::Char('7')).unwrap();
    let all = c.app.segments.shown().len();
    c.press(KeyCode::Char('/')).unwrap();
    c.type_keys("event").unwrap();
    let kept = c.app.segments.shown().len();
    assert!(kept >= 1 && kept < all, "{kept} of {all}");
}

#[test]
fn the_sql_panes_scroll_to_the_end_of_a_long_metric_and_say_where_they_are() {
    let (p, _db) = resolved_store(PEOPLE);
    let mut c = console(&p, Role::Admin, 100, 26);
    open_metric(&mut c, "repeat_donor_retention_rate");
    let top = c.render().unwrap();
    assert!(top.contains("rows 1–"), "{top}");
    for _ in 0..200 {
        c.press(KeyCode::Char('J')).unwrap();
    }
    let end = c.render().unwrap();
    let of = |screen: &str| {
        let rows = &screen[screen.find(" · rows ").unwrap()..];
        let at = rows.find(" of ").unwrap();
        rows[at + 4..]
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    };
    let total = of(&end);
    assert!(end.contains(&format!("–{total} of {total}")), "{end}");
    assert!(!end.contains("rows 1–"), "{end}");
    c.press(KeyCode::Char('K')).unwrap();
    assert!(
        !c.render()
            .unwrap()
            .contains(&format!("–{total} of {total}"))
    );
}

#[test]
fn the_help_opens_on_the_panes_keys_and_slash_searches_it() {
    let (p, _db) = resolved_store(PEOPLE);
    let mut c = console(&p, Role::Steward, 100, 30);
    c.press(KeyCode::Char('?')).unwrap();
    let help = c.render().unwrap();
    let top = help
        .lines()
        .skip_while(|l| !l.contains(" Keys · "))
        .nth(1)
        .unwrap();
    assert!(top.contains("│Review "), "the pane's keys first: {help}");
    c.press(KeyCode::Char('/')).unwrap();
    c.type_keys("undo").unwrap();
    let found = c.render().unwrap();
    assert!(found.contains("undo: your last decision"), "{found}");
    assert!(!found.contains("approve"), "{found}");
    assert!(found.contains("Keys · matching 'undo'"), "{found}");
    c.press(KeyCode::Enter).unwrap();
    assert_eq!(
        c.app.session.mode,
        Mode::Help,
        "back to the help, still searched"
    );
    c.press(KeyCode::Char('/')).unwrap();
    c.type_keys("zzzz").unwrap();
    assert!(c.render().unwrap().contains("No key matches the search."));
    c.press(KeyCode::Esc).unwrap();
    assert_eq!(c.app.session.mode, Mode::Help);
    assert!(
        c.render().unwrap().contains("approve"),
        "Esc clears the search"
    );
    c.press(KeyCode::Esc).unwrap();
    assert_eq!(c.app.session.mode, Mode::Normal);
}

#[test]
fn on_a_small_terminal_the_360_view_scrolls_to_the_scores_at_its_end() {
    let (p, _db) = scored_store(1500);
    let mut c = console(&p, Role::Membership, 80, 24);
    c.press(KeyCode::Char('3')).unwrap();
    c.press(KeyCode::Enter).unwrap();
    let screen = c.render().unwrap();
    assert!(screen.contains("360° · rows 1–"), "{screen}");
    assert!(!screen.contains("scored by"), "{screen}");
    for _ in 0..20 {
        c.press(KeyCode::Char('J')).unwrap();
    }
    let screen = c.render().unwrap();
    assert!(screen.contains("scored by"), "{screen}");
    assert!(!screen.contains("360° · rows 1–"), "{screen}");
    c.press(KeyCode::Char('K')).unwrap();
    assert!(c.render().unwrap().contains("360° · rows"));
}
