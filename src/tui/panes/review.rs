//! Review: the queue of pairs between the review and auto-merge thresholds, and the two
//! records side by side with each field's similarity and contribution to the score.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use crate::resolve::compare::first_token;
use crate::resolve::review::{PairContext, QueueItem, QueueOrder, RecordView};
use crate::store::browse::Count;
use crate::tui::app::{App, Decision, Effect, InputKind, Level, Session, WriteRequest};
use crate::tui::keymap::{Action, Scope};
use crate::tui::panes::{Filter, Move, Window, clicked_row};
use crate::tui::theme::Theme;
use crate::tui::view::{dollars, pane_block, placeholder};
use crate::vocab::access::Access;

#[derive(Debug, Default)]
pub struct ReviewPane {
    pub items: Vec<QueueItem>,
    pub selected: usize,
    pub order: Option<QueueOrder>,
    pub pending: Option<Count>,
    /// Only the pairs with a record holding what was typed at `/`, and how many they are.
    pub filter: Filter,
    pub matching: Option<Count>,
    pub decided_today: i64,
    /// Of the latest run's review band, the share of one person its scores expect: what a
    /// steward may expect to approve.
    pub expected_one_person: Option<f64>,
    /// What the merges drawn to be checked (`C`) have shown so far.
    pub checks: crate::resolve::merge_check::CheckResults,
    /// The next load selects the queue's first pair: merges were just drawn to its head.
    pub to_head: bool,
    pub loaded: bool,
    pub note: Option<String>,
    /// Pairs marked for one decision on them all (candidate ids): `a` or `r` then decides
    /// every marked pair still in the queue.
    pub marked: std::collections::BTreeSet<i64>,
    /// The marks the user left when the console last closed are back (`restore_marks`);
    /// until then a change to the marks is not saved, lest it replace them.
    pub marks_restored: bool,
    /// The pair marked last, where `V` marks a range from.
    pub mark_anchor: Option<i64>,
    /// The people around the selected pair (loaded for it as it is selected).
    pub context: Option<PairContext>,
    /// Every pending pair is loaded, or more come as the selection nears the end.
    pub window: Window,
    pub offset: std::cell::Cell<usize>,
    /// Where the queue table was last drawn (for mouse clicks).
    pub area: std::cell::Cell<ratatui::layout::Rect>,
}

impl ReviewPane {
    pub fn order(&self) -> QueueOrder {
        self.order.unwrap_or(QueueOrder::Stake)
    }

    pub fn selected_item(&self) -> Option<&QueueItem> {
        self.items.get(self.selected)
    }

    /// Act on a key; marks that change are saved for the next session.
    pub fn handle(&mut self, action: Action, session: &mut Session) -> Vec<Effect> {
        let marked = self.marked.clone();
        let mut effects = self.act(action, session);
        if self.marked != marked && self.marks_restored {
            let candidate_ids = self.marked.iter().copied().collect();
            effects.push(session.save(WriteRequest::KeepMarks { candidate_ids }));
        }
        effects
    }

    /// The pairs left marked when the console last closed, marked again (beside any marked
    /// since it opened).
    pub fn restore_marks(&mut self, kept: Vec<i64>, session: &mut Session) {
        if self.marks_restored {
            return;
        }
        self.marks_restored = true;
        // A role that cannot decide them has no use for them (the marks stay kept).
        if !session.role.may(Access::Decide) {
            return;
        }
        let new = kept.iter().filter(|id| !self.marked.contains(id)).count();
        self.marked.extend(kept);
        if new > 0 {
            session.flash(
                Level::Info,
                format!(
                    "{new} pairs still marked from last time: {} decides them all",
                    decision_keys(session)
                ),
            );
        }
    }

    fn act(&mut self, action: Action, session: &mut Session) -> Vec<Effect> {
        if let Some(step) = Move::of(action) {
            return self.move_selection(step);
        }
        match action {
            Action::CycleSort => {
                self.order = Some(match self.order() {
                    QueueOrder::Stake => QueueOrder::Score,
                    QueueOrder::Score => QueueOrder::Stake,
                });
                self.selected = 0;
                vec![Effect::LoadReview]
            }
            Action::Approve => self.decide(Decision::Approve, session),
            Action::Reject => self.decide(Decision::Reject, session),
            Action::Household => self.decide(Decision::Household, session),
            Action::Skip => self.decide(Decision::Skip, session),
            Action::Undo => {
                if session.refuse(Access::Decide, "undo decisions") {
                    return vec![];
                }
                session.flash(Level::Info, "Undoing your last decision…");
                vec![session.save(WriteRequest::Undo)]
            }
            Action::CheckMerges => {
                if session.refuse(Access::Decide, "draw merges to check") {
                    return vec![];
                }
                session.flash(Level::Info, "Drawing merges to check…");
                self.selected = 0;
                self.to_head = true;
                vec![session.save(WriteRequest::DrawMergeChecks(MERGES_TO_DRAW))]
            }
            Action::Search => self.filter.ask(session),
            Action::Mark => self.toggle_mark(session),
            Action::MarkRange => self.mark_range(session),
            Action::MarkRelated => self.mark_related(session),
            Action::Note => {
                if !session.refuse(Access::Decide, "write review notes") {
                    session.prompt(InputKind::Note, self.note.clone().unwrap_or_default());
                }
                vec![]
            }
            _ => vec![],
        }
    }

    pub fn click(&mut self, column: u16, row: u16) -> Vec<Effect> {
        let (table, offset) = (self.area.get(), self.offset.get());
        if let Some(step) = clicked_row(table, offset, self.selected, column, row) {
            step.apply(&mut self.selected, self.items.len());
        }
        vec![]
    }

    /// The context to load for the selected pair, if the one shown is another pair's.
    pub fn want_context(&self) -> Option<Effect> {
        let id = self.selected_item()?.candidate_id;
        let shown = self.context.as_ref().map(|c| c.candidate_id);
        (shown != Some(id)).then_some(Effect::LoadPairContext(id))
    }

    /// Move in the queue; near the end of what is loaded, load more; `G` loads the rest.
    fn move_selection(&mut self, step: Move) -> Vec<Effect> {
        let more = self
            .window
            .step(step, &mut self.selected, self.items.len(), 50);
        more.map(|m| Effect::LoadReviewMore {
            offset: m.offset,
            to_end: m.to_end,
        })
        .into_iter()
        .collect()
    }

    /// More pairs arrived: appended if they follow what is shown.
    pub fn more_loaded(
        &mut self,
        offset: usize,
        items: Vec<QueueItem>,
        complete: bool,
        select_last: bool,
    ) {
        if !self.window.arrived(offset, self.items.len(), complete) {
            return;
        }
        let known: std::collections::HashSet<i64> =
            self.items.iter().map(|i| i.candidate_id).collect();
        self.items.extend(
            items
                .into_iter()
                .filter(|i| !known.contains(&i.candidate_id)),
        );
        if select_last {
            self.selected = self.items.len().saturating_sub(1);
        }
    }

    /// The note typed at `n`, kept for the next decision.
    pub fn keep_note(&mut self, text: &str, session: &mut Session) {
        let note = text.trim().to_string();
        self.note = (!note.is_empty()).then_some(note);
        if self.note.is_some() {
            session.flash(Level::Info, "Note kept for your next decision");
        }
    }

    /// Narrow the queue to pairs holding `typed`; reloads when that changes it.
    pub fn filter(&mut self, typed: &str) -> Vec<Effect> {
        if !self.filter.set(typed) {
            return vec![];
        }
        self.selected = 0;
        vec![Effect::LoadReview]
    }

    /// Take a freshly loaded queue, keeping the selection on the same pair.
    pub fn loaded(
        &mut self,
        items: Vec<QueueItem>,
        pending: Count,
        matching: Option<Count>,
        decided_today: i64,
    ) {
        let keep = match std::mem::take(&mut self.to_head) {
            true => None,
            false => self.selected_item().map(|i| i.candidate_id),
        };
        // The whole queue is here when it holds as many pairs as are pending (or match).
        let wanted = matching.unwrap_or(pending);
        self.window
            .reloaded(matches!(wanted, Count::Exact(n) if items.len() as i64 >= n));
        self.matching = matching;
        let previous: Vec<i64> = self.items.iter().map(|i| i.candidate_id).collect();
        self.items = items;
        self.pending = Some(pending);
        self.decided_today = decided_today;
        self.loaded = true;
        // A marked pair that was in the queue and has left it (decided elsewhere, or by a
        // run) is not counted or decided; one marked beyond what is loaded stays marked.
        let queued: std::collections::HashSet<i64> =
            self.items.iter().map(|i| i.candidate_id).collect();
        let left: std::collections::HashSet<i64> = previous
            .iter()
            .filter(|id| !queued.contains(id))
            .copied()
            .collect();
        self.marked.retain(|id| !left.contains(id));
        // Keep the selection on the same pair, else at the same position.
        if let Some(i) = keep.and_then(|id| self.items.iter().position(|i| i.candidate_id == id)) {
            self.selected = i;
        }
        self.selected = self.selected.min(self.items.len().saturating_sub(1));
    }

    fn toggle_mark(&mut self, session: &mut Session) -> Vec<Effect> {
        if session.refuse(Access::Decide, "decide review pairs") {
            return vec![];
        }
        let Some(id) = self.selected_item().map(|i| i.candidate_id) else {
            return vec![];
        };
        if self.marked.remove(&id) {
            // A range no longer starts from a pair that is not marked.
            self.mark_anchor = self.mark_anchor.filter(|anchor| *anchor != id);
        } else {
            self.marked.insert(id);
            self.mark_anchor = Some(id);
        }
        // On to the next pair, as a decision moves on.
        Move::By(1).apply(&mut self.selected, self.items.len());
        vec![]
    }

    /// Mark every pair from the last one marked to the selected one, both included (the
    /// selected one alone when nothing marked is in view).
    fn mark_range(&mut self, session: &mut Session) -> Vec<Effect> {
        if session.refuse(Access::Decide, "decide review pairs") || self.selected_item().is_none() {
            return vec![];
        }
        let here = self.selected;
        let from = self
            .mark_anchor
            .and_then(|id| self.items.iter().position(|i| i.candidate_id == id))
            .unwrap_or(here);
        let (low, high) = (from.min(here), from.max(here));
        self.marked
            .extend(self.items[low..=high].iter().map(|i| i.candidate_id));
        self.mark_anchor = Some(self.items[here].candidate_id);
        vec![]
    }

    /// Mark the selected pair and every other pending pair touching its people (loaded in
    /// the queue or not), so that one decision settles them all.
    fn mark_related(&mut self, session: &mut Session) -> Vec<Effect> {
        if session.refuse(Access::Decide, "decide review pairs") {
            return vec![];
        }
        let Some(id) = self.selected_item().map(|i| i.candidate_id) else {
            return vec![];
        };
        let related: Vec<i64> = match &self.context {
            Some(context) if context.candidate_id == id => {
                context.related.iter().map(|(pair, _)| *pair).collect()
            }
            _ => {
                session.flash(Level::Info, "The pair's people are still loading…");
                return vec![];
            }
        };
        self.marked.insert(id);
        self.marked.extend(&related);
        self.mark_anchor = Some(id);
        session.flash(
            Level::Info,
            format!(
                "{} pairs of these people marked: {} decides them all",
                related.len() + 1,
                decision_keys(session)
            ),
        );
        vec![]
    }

    /// The pairs a decision applies to: the marked ones (those in the queue in its order,
    /// then those beyond what is loaded), or else the selected one.
    fn decided_pairs(&self, decision: Decision) -> Vec<i64> {
        let mut marked: Vec<i64> = self
            .items
            .iter()
            .map(|i| i.candidate_id)
            .filter(|id| self.marked.contains(id))
            .collect();
        let beyond: Vec<i64> = self
            .marked
            .iter()
            .filter(|id| !marked.contains(id))
            .copied()
            .collect();
        marked.extend(beyond);
        if decision != Decision::Skip && !marked.is_empty() {
            return marked;
        }
        self.selected_item()
            .map(|i| vec![i.candidate_id])
            .unwrap_or_default()
    }

    fn decide(&mut self, decision: Decision, session: &mut Session) -> Vec<Effect> {
        if session.refuse(Access::Decide, "decide review pairs") {
            return vec![];
        }
        let candidate_ids = self.decided_pairs(decision);
        if candidate_ids.is_empty() {
            session.flash(Level::Info, "Nothing to review");
            return vec![];
        }
        let note = self.note.take();
        match decision {
            // A skipped pair stays in the queue; move past it.
            Decision::Skip => Move::By(1).apply(&mut self.selected, self.items.len()),
            // Shown at once: the pairs leave the queue, the next one moves up.
            Decision::Approve | Decision::Reject | Decision::Household => {
                let before = self.items.len();
                let above = self.items[..self.selected.min(before)]
                    .iter()
                    .filter(|i| candidate_ids.contains(&i.candidate_id))
                    .count();
                self.items
                    .retain(|i| !candidate_ids.contains(&i.candidate_id));
                self.selected = self
                    .selected
                    .saturating_sub(above)
                    .min(self.items.len().saturating_sub(1));
                let removed = (before - self.items.len()) as i64;
                self.pending = self.pending.map(|p| p.minus(removed));
                self.matching = self.matching.map(|p| p.minus(removed));
                self.marked.clear();
            }
        }
        self.decided_today += candidate_ids.len() as i64;
        let what = match candidate_ids.as_slice() {
            [one] => format!("pair #{one}"),
            many => format!("{} marked pairs", many.len()),
        };
        session.flash(Level::Info, format!("{} {what} · saving…", decision.past()));
        vec![session.save(WriteRequest::Decide {
            candidate_ids,
            decision,
            note,
        })]
    }
}

/// The keys that decide a pair, as bound: "a, r or h".
fn decision_keys(session: &Session) -> String {
    let key = |action| session.key(Scope::Review, action);
    format!(
        "{}, {} or {}",
        key(Action::Approve),
        key(Action::Reject),
        key(Action::Household)
    )
}

/// How many of the run's merges `C` draws to be checked: enough that a few rounds give an
/// interval a steward can act on, few enough to check in a sitting.
const MERGES_TO_DRAW: usize = 20;

/// Below this width the queue sits above the comparison instead of beside it.
const SIDE_BY_SIDE_FROM: u16 = 100;

pub fn render(app: &App, theme: &Theme, area: Rect, frame: &mut Frame) {
    let r = &app.review;
    if !app.store_ready {
        placeholder(
            "Building the demo store… progress in the status bar and on the Jobs tab",
            theme,
            area,
            frame,
        );
        return;
    }
    if !r.loaded {
        placeholder("loading the review queue…", theme, area, frame);
        return;
    }
    let [header, rest] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let order = match r.order() {
        QueueOrder::Stake => "most at stake first",
        QueueOrder::Score => "highest score first",
    };
    let mut spans = vec![
        Span::styled(
            format!(
                " {} pending",
                r.pending.map_or("…".into(), |p| p.to_string())
            ),
            theme.header,
        ),
        Span::raw(format!(" · {} decided today · {order}", r.decided_today)),
    ];
    if let (Some(typed), Some(matching)) = (r.filter.text(), r.matching) {
        spans.insert(
            0,
            Span::styled(format!(" {matching} matching '{typed}' of"), theme.warn),
        );
    }
    if !r.marked.is_empty() {
        spans.push(Span::styled(
            format!(
                " · {} marked: {} approves, {} rejects them all",
                r.marked.len(),
                app.session.key(Scope::Review, Action::Approve),
                app.session.key(Scope::Review, Action::Reject)
            ),
            theme.warn,
        ));
    }
    if let Some(note) = &r.note {
        spans.push(Span::styled(format!(" · note: {note}"), theme.warn));
    }
    // Last, each where the whole of it fits: what the checked merges showed, and what the
    // model's scores expect of the queue.
    let checked = r.checks.interval().map(|(low, high)| {
        format!(
            " · merges checked: {} of {} one person ({:.0}-{:.0} % of all)",
            r.checks.one_person,
            r.checks.checked,
            100.0 * low,
            100.0 * high
        )
    });
    let expected = (r.expected_one_person)
        .map(|share| format!(" · {:.0} % expected one person", 100.0 * share));
    for text in [checked, expected].into_iter().flatten() {
        let span = Span::styled(text, theme.muted);
        let used: usize = spans.iter().map(Span::width).sum();
        if used + span.width() <= usize::from(header.width) {
            spans.push(span);
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), header);
    if r.items.is_empty() {
        let why = match r.filter.text() {
            Some(_) => "No pending pair matches the filter (Esc at / clears it).",
            None => "The review queue is empty. Nothing needs a person right now.",
        };
        placeholder(why, theme, rest, frame);
        return;
    }
    let (queue_area, compare_area) = if area.width >= SIDE_BY_SIDE_FROM {
        let [a, b] =
            Layout::horizontal([Constraint::Percentage(38), Constraint::Fill(1)]).areas(rest);
        (a, b)
    } else {
        let queue_rows = (rest.height / 3).clamp(4, 8);
        let [a, b] =
            Layout::vertical([Constraint::Length(queue_rows), Constraint::Fill(1)]).areas(rest);
        (a, b)
    };
    render_queue(app, theme, queue_area, frame);
    let Some(item) = r.selected_item() else {
        return;
    };
    // The people around the pair go below the comparison when there is room for them.
    let comparison_rows = 15;
    match r
        .context
        .as_ref()
        .filter(|c| c.candidate_id == item.candidate_id)
    {
        Some(context) if compare_area.height >= comparison_rows + 6 => {
            let [pair, people] =
                Layout::vertical([Constraint::Length(comparison_rows), Constraint::Fill(1)])
                    .areas(compare_area);
            render_comparison(item, &app.session, theme, pair, frame);
            render_people(context, theme, people, frame);
        }
        _ => render_comparison(item, &app.session, theme, compare_area, frame),
    }
}

/// Both people with every record (● the pair's own), and the other pending pairs that
/// touch them.
fn render_people(context: &PairContext, theme: &Theme, area: Rect, frame: &mut Frame) {
    let mut rows = Vec::new();
    // One side when both records are one golden record (a merge drawn to be checked).
    let labels: &[&str] = match context.sides.len() {
        1 => &["A and B"],
        _ => &["A", "B"],
    };
    for (label, side) in labels.iter().zip(&context.sides) {
        let golden = side.golden_id.map_or(
            "no golden record yet".into(),
            crate::store::browse::golden_id,
        );
        rows.push(
            Row::new(vec![
                Cell::from(format!("{label} {golden}")),
                Cell::from(match side.records.len() {
                    1 => "1 record".to_string(),
                    n => format!("{n} records"),
                }),
            ])
            .style(theme.header),
        );
        for line in &side.records {
            rows.push(Row::new(vec![
                Cell::from(format!(
                    "{} {} {}",
                    if line.in_pair { "●" } else { " " },
                    line.source,
                    line.source_key
                )),
                Cell::from(line.name.clone()),
                Cell::from(dollars(line.lifetime_cents)),
                Cell::from(line.last_gift.clone().unwrap_or_else(|| "–".into())),
                Cell::from(line.last_activity.clone().unwrap_or_else(|| "–".into())),
            ]));
        }
    }
    let related = match context.related.as_slice() {
        [] => "no other pending pair touches these people".to_string(),
        pairs => {
            let ids: Vec<String> = pairs.iter().map(|(id, _)| format!("#{id}")).collect();
            format!("also pending for these people: {}", ids.join(" "))
        }
    };
    let table = Table::new(
        rows,
        [
            Constraint::Fill(3),
            Constraint::Fill(2),
            Constraint::Length(9),
            Constraint::Length(10),
            Constraint::Length(10),
        ],
    )
    .header(Row::new(["record", "name", "lifetime", "last gift", "last seen"]).style(theme.muted))
    .block(
        pane_block(" The people ", theme, false)
            .title_bottom(Line::styled(format!(" {related} "), theme.muted)),
    );
    frame.render_widget(table, area);
}

fn short_name(v: &RecordView) -> String {
    let first = v.first_name.as_deref().unwrap_or("");
    let last = v.last_name.as_deref().unwrap_or("");
    format!("{last}, {first}")
        .trim_matches([',', ' '])
        .to_string()
}

fn render_queue(app: &App, theme: &Theme, area: Rect, frame: &mut Frame) {
    let r = &app.review;
    r.area.set(area);
    let height = area.height.saturating_sub(3) as usize; // borders + header
    let offset = crate::tui::paged::scroll(&r.offset, r.selected, r.items.len(), height);
    // A column for the marks only while some pair is marked.
    let marking = !r.marked.is_empty();
    let mut widths = vec![
        Constraint::Length(5),
        Constraint::Length(10),
        Constraint::Fill(1),
    ];
    let mut header = vec!["score", "at stake", "pair"];
    if marking {
        widths.insert(0, Constraint::Length(1));
        header.insert(0, "");
    }
    let rows = r
        .items
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, item)| {
            let style = theme.row(i == r.selected);
            let stake = format!(
                "{}{}",
                if item.sustainer { "S " } else { "" },
                dollars(item.stake_cents)
            );
            let names = format!("{} ⇄ {}", short_name(&item.a), short_name(&item.b));
            // A merge drawn to be checked says so before its names.
            let pair = match item.check {
                true => Line::from(vec![Span::styled("check ", theme.warn), Span::raw(names)]),
                false => Line::from(names),
            };
            let mut cells = vec![
                Cell::from(format!("{:.3}", item.score)),
                Cell::from(stake),
                Cell::from(pair),
            ];
            if marking {
                let mark = match r.marked.contains(&item.candidate_id) {
                    true => Span::styled("●", theme.warn),
                    false => Span::raw(""),
                };
                cells.insert(0, Cell::from(mark));
            }
            Row::new(cells).style(style)
        });
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme.header))
        .block(pane_block(
            // The position among every pending pair (those the filter keeps), loaded or not.
            format!(
                " Queue {} of {} ",
                crate::store::browse::thousands((r.selected + 1).min(r.items.len()) as i64),
                (r.matching.or(r.pending))
                    .map_or(crate::store::browse::thousands(r.items.len() as i64), |p| p
                        .to_string())
            ),
            theme,
            true,
        ));
    frame.render_widget(table, area);
}

fn value(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

/// The comparison rows: (field name in contributions, label, left, right).
fn fields(item: &QueueItem) -> Vec<(&'static str, &'static str, String, String)> {
    let (a, b) = (&item.a, &item.b);
    let mut rows = vec![
        (
            "first_name",
            "first",
            value(&a.first_name),
            value(&b.first_name),
        ),
        (
            "last_name",
            "last",
            value(&a.last_name),
            value(&b.last_name),
        ),
        ("email", "email", value(&a.email), value(&b.email)),
        ("phone", "phone", value(&a.phone), value(&b.phone)),
        ("address", "address", value(&a.address), value(&b.address)),
        ("city", "city", value(&a.city), value(&b.city)),
        ("zip", "zip", value(&a.zip), value(&b.zip)),
        (
            "date_of_birth",
            "birth",
            value(&a.date_of_birth),
            value(&b.date_of_birth),
        ),
    ];
    // A middle name, and a sex (a gender or title column's), only where a record gives
    // one: no empty row for the files that never do.
    let middle = |v: &RecordView| {
        let given = crate::normalize::person_name(v.first_name.as_deref(), None).given;
        given.and_then(|g| g.split(' ').nth(1).map(str::to_string))
    };
    let (middle_a, middle_b) = (middle(a), middle(b));
    if middle_a.is_some() || middle_b.is_some() {
        rows.insert(
            2,
            ("middle_name", "middle", value(&middle_a), value(&middle_b)),
        );
    }
    if a.gender.is_some() || b.gender.is_some() {
        rows.push(("gender", "sex", value(&a.gender), value(&b.gender)));
    }
    rows
}

/// Two values "differ" when both are present and not equal as matching compares them:
/// ignoring case and spacing, a phone by its digits whatever its format, a given name by
/// its first word.
fn differs(field: &str, left: &str, right: &str) -> bool {
    let norm = |s: &str| match field {
        "phone" => crate::normalize::phone(s).unwrap_or_else(|| s.to_string()),
        "email" => crate::normalize::email(s).unwrap_or_else(|| s.to_lowercase()),
        "gender" => crate::normalize::gender(s).map_or_else(|| s.to_lowercase(), str::to_string),
        // The given name as matching compares it: its first word, without a title (a
        // middle name has a row of its own).
        "first_name" => crate::normalize::person_name(Some(s), None)
            .given
            .map_or_else(|| s.to_lowercase(), |g| first_token(&g).to_string()),
        _ => s
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase(),
    };
    !left.is_empty() && !right.is_empty() && norm(left) != norm(right)
}

fn render_comparison(
    item: &QueueItem,
    session: &Session,
    theme: &Theme,
    area: Rect,
    frame: &mut Frame,
) {
    let mut rows = Vec::new();
    // The two records' columns share what the fixed ones leave; a value cut there ends "…".
    // (Borders, the fixed columns and the gaps between them; the first gets the odd one.)
    let shared = area.width.saturating_sub(2 + 1 + 9 + 4 + 6 + 5) as usize;
    let (a_width, b_width) = (shared.div_ceil(2), shared / 2);
    let fit_a = |text: String| crate::tui::view::fit(&text, a_width);
    let fit_b = |text: String| crate::tui::view::fit(&text, b_width);
    // The model's terms (see `resolve::model`): the prior every pair starts from, then
    // one row per field; whether the records come from one source or two is a field too.
    let term = |field: &str| item.contributions.iter().find(|c| c.field == field);
    let numbers = |c: Option<&crate::resolve::compare::Contribution>| {
        (
            c.map_or(String::new(), |c| format!("{:.2}", c.similarity)),
            c.map_or(String::new(), |c| format!("{:+.3}", c.contribution)),
        )
    };
    if let Some(prior) = term(crate::resolve::compare::PRIOR) {
        rows.push(
            Row::new(vec![
                Cell::from(""),
                Cell::from("prior"),
                Cell::from(fit_a("where every pair starts".to_string())),
                Cell::from(""),
                Cell::from(""),
                Cell::from(format!("{:+.3}", prior.contribution)),
            ])
            .style(theme.muted),
        );
    }
    let (similarity, adds) = numbers(term("source"));
    rows.push(
        Row::new(vec![
            Cell::from(""),
            Cell::from("source"),
            Cell::from(fit_a(format!("{} {}", item.a.source, item.a.source_key))),
            Cell::from(fit_b(format!("{} {}", item.b.source, item.b.source_key))),
            Cell::from(similarity),
            Cell::from(adds),
        ])
        .style(theme.muted),
    );
    let mut shown = vec![crate::resolve::compare::PRIOR, "source"];
    for (field, label, left, right) in fields(item) {
        let contribution = item.contributions.iter().find(|c| c.field == field);
        shown.push(field);
        let differ = differs(field, &left, &right);
        let both_present = !left.is_empty() && !right.is_empty();
        let (glyph, style) = if differ {
            ("≠", theme.diff_changed)
        } else if both_present {
            ("=", theme.diff_same)
        } else {
            (" ", theme.muted)
        };
        rows.push(Row::new(vec![
            Cell::from(Span::styled(glyph, style)),
            Cell::from(label),
            Cell::from(Span::styled(
                fit_a(left),
                if differ { style } else { theme.base },
            )),
            Cell::from(Span::styled(
                fit_b(right),
                if differ { style } else { theme.base },
            )),
            Cell::from(contribution.map_or(String::new(), |c| format!("{:.2}", c.similarity))),
            match contribution {
                Some(c) => Cell::from(format!("{:+.3}", c.contribution)),
                // Both values are there, but matching could not read one (a title alone as
                // a given name, a postcode it does not know): the field was not compared.
                None if both_present => Cell::from(Span::styled("unread", theme.muted)),
                None => Cell::from(""),
            },
        ]));
    }
    // Anything else a stored pair carries (a rule of an older store's run).
    for c in item
        .contributions
        .iter()
        .filter(|c| !shown.contains(&c.field.as_ref()))
    {
        rows.push(Row::new(vec![
            Cell::from(Span::styled("!", theme.warn)),
            Cell::from(c.field.replace('_', " ")),
            Cell::from(""),
            Cell::from(""),
            Cell::from(format!("{:.2}", c.similarity)),
            Cell::from(format!("{:+.3}", c.contribution)),
        ]));
    }
    let total: f64 = item.contributions.iter().map(|c| c.contribution).sum();
    rows.push(
        Row::new(vec![
            Cell::from(""),
            Cell::from("score"),
            Cell::from(""),
            Cell::from(""),
            Cell::from(""),
            Cell::from(format!("{total:.3}")),
        ])
        .style(theme.header),
    );
    let check = match item.check {
        true => format!(
            " · merged by the run: {} keeps it, {} splits it",
            session.key(Scope::Review, Action::Approve),
            session.key(Scope::Review, Action::Reject)
        ),
        false => String::new(),
    };
    let title = format!(
        " Pair #{} · score {:.3}{}{check} ",
        item.candidate_id,
        item.score,
        if item.sustainer {
            " · active sustainer"
        } else {
            ""
        },
    );
    let table = Table::new(
        rows,
        [
            Constraint::Length(1),
            Constraint::Length(9),
            Constraint::Fill(1),
            Constraint::Fill(1),
            Constraint::Length(4),
            Constraint::Length(6),
        ],
    )
    .header(Row::new(["", "field", "record A", "record B", "sim", "adds"]).style(theme.header))
    .block(pane_block(title, theme, false).title_bottom(consent_if_merged(item, theme)));
    frame.render_widget(table, area);
}

/// Approving merges consent too: the most restrictive answer of either side wins, and the
/// steward sees which before deciding.
fn consent_if_merged(item: &QueueItem, theme: &Theme) -> Line<'static> {
    let refused: Vec<String> = item
        .consent_if_merged
        .iter()
        .filter(|c| c.opted_out)
        .map(|c| format!("{} ({} {})", c.channel.refusal(), c.source, c.code))
        .collect();
    if refused.is_empty() {
        return Line::default();
    }
    Line::styled(format!(" if merged: {} ", refused.join(" · ")), theme.warn)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::tui::app::Mode;
    use crate::vocab::access::Role;

    fn queue(ids: &[i64]) -> ReviewPane {
        let mut pane = ReviewPane::default();
        let items = ids
            .iter()
            .map(|&candidate_id| QueueItem {
                candidate_id,
                ..QueueItem::default()
            })
            .collect();
        pane.loaded(items, Count::Exact(ids.len() as i64), None, 0);
        pane
    }

    fn steward() -> Session {
        Session::new(Role::Steward, false, "ana".into())
    }

    /// A given name that was a title alone ("Sir") was not compared: its row says so
    /// rather than showing nothing where its contribution would be.
    #[test]
    fn a_value_matching_could_not_read_is_shown_as_unread() {
        let person = |first: &str| RecordView {
            first_name: Some(first.into()),
            last_name: Some("Harris".into()),
            ..RecordView::default()
        };
        let item = QueueItem {
            a: person("Henry"),
            b: person("Sir"),
            contributions: vec![crate::resolve::compare::Contribution {
                field: "last_name".into(),
                similarity: 1.0,
                contribution: 0.5,
            }],
            ..QueueItem::default()
        };
        let backend = ratatui::backend::TestBackend::new(80, 16);
        let mut terminal = ratatui::Terminal::new(backend).unwrap();
        let session = Session::new(crate::vocab::access::Role::Steward, false, "sam".into());
        terminal
            .draw(|frame| render_comparison(&item, &session, &Theme::mono(), frame.area(), frame))
            .unwrap();
        let screen: Vec<String> = {
            let buffer = terminal.backend().buffer();
            (0..buffer.area.height)
                .map(|y| {
                    (0..buffer.area.width)
                        .map(|x| buffer[(x, y)].symbol().to_string())
                        .collect()
                })
                .collect()
        };
        let row = |label: &str| {
            screen
                .iter()
                .find(|line| line.contains(label))
                .cloned()
                .unwrap_or_default()
        };
        assert!(row(" first ").contains("unread"), "{screen:#?}");
        assert!(row(" last ").contains("+0.500"), "{screen:#?}");
        assert!(!row(" email ").contains("unread"), "{screen:#?}");
    }

    #[test]
    fn approving_marked_pairs_decides_them_all_in_queue_order_and_moves_up() {
        let mut pane = queue(&[10, 11, 12, 13]);
        let mut session = steward();
        pane.handle(Action::Down, &mut session);
        pane.handle(Action::Down, &mut session);
        pane.handle(Action::Mark, &mut session); // 12, then on to 13
        pane.handle(Action::Up, &mut session);
        pane.handle(Action::Up, &mut session);
        pane.handle(Action::MarkRange, &mut session); // 11..=12
        let effects = pane.handle(Action::Approve, &mut session);
        let [Effect::Save(WriteRequest::Decide { candidate_ids, .. })] = effects.as_slice() else {
            panic!("one save expected, got {effects:?}");
        };
        assert_eq!(candidate_ids, &vec![11, 12]);
        let left: Vec<i64> = pane.items.iter().map(|i| i.candidate_id).collect();
        assert_eq!(left, vec![10, 13]);
        assert_eq!(pane.pending, Some(Count::Exact(2)));
        assert!(pane.marked.is_empty());
        assert_eq!(session.pending_saves, 1);
    }

    #[test]
    fn m_marks_every_pending_pair_of_the_pairs_people_and_one_key_decides_them() {
        let mut pane = queue(&[1, 2, 3]);
        let mut session = steward();
        pane.handle(Action::MarkRelated, &mut session);
        assert!(
            pane.marked.is_empty(),
            "nothing before the people are loaded"
        );
        pane.context = Some(PairContext {
            candidate_id: 1,
            sides: vec![],
            // Pair 99 touches these people but is beyond the loaded queue.
            related: vec![(3, 0.8), (99, 0.75)],
        });
        pane.handle(Action::MarkRelated, &mut session);
        assert_eq!(pane.marked.len(), 3);
        // A reload keeps the mark on the pair beyond what is loaded.
        let items = [1, 2, 3]
            .map(|candidate_id| QueueItem {
                candidate_id,
                ..QueueItem::default()
            })
            .to_vec();
        pane.loaded(items, Count::Exact(4), None, 0);
        let effects = pane.handle(Action::Household, &mut session);
        let [Effect::Save(WriteRequest::Decide { candidate_ids, .. })] = effects.as_slice() else {
            panic!("one save expected, got {effects:?}");
        };
        assert_eq!(candidate_ids, &vec![1, 3, 99], "queue order, then the rest");
        let left: Vec<i64> = pane.items.iter().map(|i| i.candidate_id).collect();
        assert_eq!(left, vec![2]);
    }

    #[test]
    fn a_note_goes_with_the_next_decision_only() {
        let mut pane = queue(&[1, 2]);
        let mut session = steward();
        pane.handle(Action::Note, &mut session);
        assert!(matches!(
            session.mode,
            Mode::Input {
                kind: InputKind::Note,
                ..
            }
        ));
        pane.keep_note("  same phone, moved  ", &mut session);
        let first = pane.handle(Action::Reject, &mut session);
        let second = pane.handle(Action::Reject, &mut session);
        let note = |effects: &[Effect]| match effects {
            [Effect::Save(WriteRequest::Decide { note, .. })] => note.clone(),
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(note(&first).as_deref(), Some("same phone, moved"));
        assert_eq!(note(&second), None);
    }

    #[test]
    fn membership_and_read_only_cannot_decide_and_are_told_why() {
        for mut session in [
            Session::new(Role::Membership, false, "bo".into()),
            Session::new(Role::Admin, true, "bo".into()),
        ] {
            let mut pane = queue(&[1]);
            assert!(pane.handle(Action::Approve, &mut session).is_empty());
            assert_eq!(pane.items.len(), 1);
            let flash = session.flash.expect("a reason is shown");
            assert!(
                flash.text.contains("cannot decide review pairs"),
                "{}",
                flash.text
            );
        }
    }

    #[test]
    fn a_reload_keeps_the_selected_pair_and_drops_marks_on_pairs_gone() {
        let mut pane = queue(&[1, 2, 3]);
        let mut session = steward();
        pane.handle(Action::Mark, &mut session); // 1, selection on 2
        let items = [2, 3]
            .map(|candidate_id| QueueItem {
                candidate_id,
                ..QueueItem::default()
            })
            .to_vec();
        pane.loaded(items, Count::Exact(2), None, 1);
        assert_eq!(pane.selected_item().map(|i| i.candidate_id), Some(2));
        assert!(pane.marked.is_empty());
    }

    #[test]
    fn differences_ignore_case_and_spacing_but_not_missing_values() {
        assert!(!differs("first_name", "Mary  Ann", "mary ann"));
        assert!(differs("first_name", "Mary", "Marie"));
        assert!(!differs("first_name", "", "Marie"));
        assert!(!differs("phone", "2244513099", "224-451-3099"));
        assert!(differs("phone", "2244513099", "224-451-3098"));
        assert!(!differs("gender", "F", "female"));
        assert!(!differs("first_name", "Steven J", "steven"));
        assert!(!differs("first_name", "Dr. Ann", "Ann"));
        assert!(differs("gender", "M", "Mrs."));
    }

    #[test]
    fn a_middle_name_and_a_sex_have_rows_only_where_a_record_gives_one() {
        let labels = |a: RecordView, b: RecordView| -> Vec<&str> {
            let item = QueueItem {
                a,
                b,
                ..QueueItem::default()
            };
            fields(&item)
                .into_iter()
                .map(|(_, label, ..)| label)
                .collect()
        };
        let with = |gender: Option<&str>| RecordView {
            gender: gender.map(str::to_string),
            ..RecordView::default()
        };
        assert!(!labels(with(None), with(None)).contains(&"sex"));
        assert!(labels(with(None), with(Some("F"))).contains(&"sex"));
        let named = |first: &str| RecordView {
            first_name: Some(first.to_string()),
            ..RecordView::default()
        };
        assert!(!labels(named("Ann"), named("Ann")).contains(&"middle"));
        let both = labels(named("Dr. Ann"), named("Ann B."));
        assert_eq!(both[..3], ["first", "last", "middle"]);
    }
}
