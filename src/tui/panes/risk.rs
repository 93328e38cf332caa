//! Risk: sustainers by churn-risk tier (a bar chart), the at-risk list with each person's
//! top reasons, upgrade propensity and recommended action, and a triage status per person.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Cell, Paragraph, Row, Table, Wrap};

use crate::score::settings::Tier;
use crate::store::browse::golden_id;
use crate::store::consent::Channel;
use crate::store::score::{RiskRow, RiskSort, TRIAGE_STATUSES};
use crate::text::percent;
use crate::tui::app::{App, Effect, InputKind, Level, Session, WriteRequest};
use crate::tui::keymap::Action;
use crate::tui::panes::{Filter, Move, Window};
use crate::tui::theme::Theme;
use crate::tui::view::{dollars, empty_block, pane_block, placeholder};
use crate::vocab::access::Access;
use crate::vocab::reasons::{DO_NOT_CALL, may_call, next_step};

#[derive(Debug, Default)]
pub struct RiskPane {
    pub rows: Vec<RiskRow>,
    pub tiers: Vec<(String, i64)>,
    pub selected: usize,
    pub sort: RiskSort,
    pub tier: Option<Tier>,
    /// Only the people whose triage is this (`f` cycles it).
    pub status: Option<&'static str>,
    /// Only the people whose name, email or id holds what was typed at `/`.
    pub filter: Filter,
    pub loaded: bool,
    /// Every row of the list (tier, order) is loaded, or more come as the selection nears
    /// the end, and `G` loads the rest.
    pub window: Window,
    pub offset: std::cell::Cell<usize>,
    pub area: std::cell::Cell<ratatui::layout::Rect>,
}

impl RiskPane {
    pub fn selected_row(&self) -> Option<&RiskRow> {
        self.rows.get(self.selected)
    }

    pub fn handle(&mut self, action: Action, session: &mut Session) -> Vec<Effect> {
        if let Some(step) = Move::of(action) {
            return self.move_selection(step);
        }
        match action {
            Action::CycleSort => {
                let i = RiskSort::ALL
                    .iter()
                    .position(|s| *s == self.sort)
                    .unwrap_or(0);
                self.sort = RiskSort::ALL[(i + 1) % RiskSort::ALL.len()];
                self.selected = 0;
                vec![Effect::LoadRisk]
            }
            Action::CycleTier => {
                self.tier = match self.tier {
                    None => Some(Tier::Critical),
                    Some(Tier::Critical) => Some(Tier::High),
                    Some(Tier::High) => Some(Tier::Medium),
                    Some(Tier::Medium) => Some(Tier::Low),
                    Some(Tier::Low) => None,
                };
                self.selected = 0;
                vec![Effect::LoadRisk]
            }
            Action::CycleTriage => self.cycle_triage(session),
            Action::AssignToMe => {
                if refuse_triage(session) {
                    return vec![];
                }
                let Some(row) = self.rows.get_mut(self.selected) else {
                    return vec![];
                };
                let mine = row.assignee.as_deref() == Some(session.actor.as_str());
                row.assignee = (!mine).then(|| session.actor.clone());
                let (constituent_id, assignee) = (row.constituent_id, row.assignee.clone());
                session.flash(Level::Info, "assignment · saving…");
                vec![session.save(WriteRequest::Assign {
                    constituent_id,
                    assignee,
                    follow_up_days: None,
                })]
            }
            Action::CycleFollowUp => {
                if refuse_triage(session) {
                    return vec![];
                }
                let Some(row) = self.rows.get_mut(self.selected) else {
                    return vec![];
                };
                // None → in 7 days → none; the writer dates it from the day it saves.
                let days = row.follow_up.is_none().then_some(7);
                row.follow_up = days.map(|d| format!("in {d} days"));
                session.flash(Level::Info, "follow-up · saving…");
                vec![session.save(WriteRequest::Assign {
                    constituent_id: row.constituent_id,
                    assignee: row.assignee.clone(),
                    follow_up_days: Some(days),
                })]
            }
            Action::CycleStatusFilter => {
                self.status = match self.status {
                    None => Some(TRIAGE_STATUSES[0]),
                    Some(current) => TRIAGE_STATUSES
                        .iter()
                        .position(|s| *s == current)
                        .and_then(|i| TRIAGE_STATUSES.get(i + 1))
                        .copied(),
                };
                self.selected = 0;
                vec![Effect::LoadRisk]
            }
            Action::Search => self.filter.ask(session),
            Action::TriageNote => {
                if !refuse_triage(session) && self.selected_row().is_some() {
                    session.prompt(InputKind::TriageNote, String::new());
                }
                vec![]
            }
            Action::Export if self.rows.is_empty() => {
                session.flash(Level::Info, "Nothing to export");
                vec![]
            }
            Action::Export if session.refuse(Access::CallList, "export the call list") => vec![],
            Action::Export => vec![Effect::ExportRisk],
            Action::CopyId => match self.selected_row() {
                Some(row) => session.copy_id(row.constituent_id),
                None => vec![],
            },
            _ => vec![],
        }
    }

    /// Move in the list; near its loaded end, load more; `G` loads the rest first.
    fn move_selection(&mut self, step: Move) -> Vec<Effect> {
        let more = self
            .window
            .step(step, &mut self.selected, self.rows.len(), AHEAD);
        more.map(|m| Effect::LoadRiskMore {
            offset: m.offset,
            to_end: m.to_end,
        })
        .into_iter()
        .collect()
    }

    /// Narrow the list to the people holding `typed`; reloads when that changes it.
    pub fn filter(&mut self, typed: &str) -> Vec<Effect> {
        if !self.filter.set(typed) {
            return vec![];
        }
        self.selected = 0;
        vec![Effect::LoadRisk]
    }

    /// The people in the list as filtered, whether loaded or not: counted by tier, or
    /// (filtered by triage status or text) as far as loaded, with a `+` until all are.
    pub fn total(&self) -> String {
        if self.status.is_some() || self.filter.text().is_some() {
            let more = if self.window.complete { "" } else { "+" };
            return format!("{}{more}", self.rows.len());
        }
        let by_tier: i64 = self
            .tiers
            .iter()
            .filter(|(t, _)| self.tier.is_none_or(|wanted| wanted.name() == t))
            .map(|(_, n)| n)
            .sum();
        by_tier.to_string()
    }

    /// More rows arrived: appended if they follow what is shown (else a reload overtook
    /// them).
    pub fn more_loaded(
        &mut self,
        offset: usize,
        rows: Vec<RiskRow>,
        complete: bool,
        select_last: bool,
    ) {
        if !self.window.arrived(offset, self.rows.len(), complete) {
            return;
        }
        self.rows.extend(rows);
        if select_last {
            self.selected = self.rows.len().saturating_sub(1);
        }
    }

    /// The note typed at `n` saved with the row's current status.
    pub fn save_note(&mut self, text: &str, session: &mut Session) -> Vec<Effect> {
        let note = text.trim().to_string();
        let Some(row) = self.selected_row() else {
            return vec![];
        };
        let status = row.triage.clone().unwrap_or_else(|| "new".into());
        self.triage(status, (!note.is_empty()).then_some(note), session)
    }

    /// Take a freshly loaded list, keeping the selection on the same person.
    pub fn loaded(&mut self, rows: Vec<RiskRow>, tiers: Vec<(String, i64)>, complete: bool) {
        let keep = self.selected_row().map(|r| r.constituent_id);
        self.rows = rows;
        self.tiers = tiers;
        self.loaded = true;
        self.window.reloaded(complete);
        if let Some(i) = keep.and_then(|id| self.rows.iter().position(|x| x.constituent_id == id)) {
            self.selected = i;
        }
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    fn cycle_triage(&mut self, session: &mut Session) -> Vec<Effect> {
        if refuse_triage(session) {
            return vec![];
        }
        let Some(row) = self.selected_row() else {
            return vec![];
        };
        let current = row.triage.as_deref().unwrap_or("new");
        let i = TRIAGE_STATUSES
            .iter()
            .position(|s| *s == current)
            .unwrap_or(0);
        let next = TRIAGE_STATUSES[(i + 1) % TRIAGE_STATUSES.len()].to_string();
        self.triage(next, None, session)
    }

    /// Show the new status at once; the writer saves it.
    fn triage(
        &mut self,
        status: String,
        note: Option<String>,
        session: &mut Session,
    ) -> Vec<Effect> {
        let Some(row) = self.rows.get_mut(self.selected) else {
            return vec![];
        };
        row.triage = Some(status.clone());
        if note.is_some() {
            row.triage_note.clone_from(&note);
        }
        let constituent_id = row.constituent_id;
        session.flash(
            Level::Info,
            format!("{} → {status} · saving…", golden_id(constituent_id)),
        );
        vec![session.save(WriteRequest::Triage {
            constituent_id,
            status,
            note,
        })]
    }
}

/// How close to the end of the loaded rows the selection gets before more are loaded.
const AHEAD: usize = 100;

/// Triage is membership's work (admins too); refuse others, saying why.
fn refuse_triage(session: &mut Session) -> bool {
    session.refuse(Access::Contact, "change triage")
}

pub fn render(app: &App, theme: &Theme, area: Rect, frame: &mut Frame) {
    let r = &app.risk;
    if !app.store_ready {
        placeholder("Building the demo store…", theme, area, frame);
        return;
    }
    if !r.loaded {
        placeholder("loading the risk list…", theme, area, frame);
        return;
    }
    if r.tiers.is_empty() {
        empty_block(
            pane_block(" Risk ", theme, true),
            "No scores yet: start scoring from the Jobs tab (6, then c).",
            theme,
            area,
            frame,
        );
        return;
    }
    // The person: a header, three reasons, the call, the next step and the triage.
    let [top, list] = Layout::vertical([Constraint::Length(9), Constraint::Fill(1)]).areas(area);
    let [chart, person] =
        Layout::horizontal([Constraint::Length(34), Constraint::Fill(1)]).areas(top);
    render_tiers(app, theme, chart, frame);
    render_person(app, theme, person, frame);
    render_list(app, theme, list, frame);
}

fn tier_style(theme: &Theme, tier: &str) -> ratatui::style::Style {
    match Tier::parse(tier) {
        Some(Tier::Critical) => theme.error,
        Some(Tier::High) => theme.warn,
        Some(Tier::Medium) => theme.base,
        _ => theme.muted,
    }
}

fn render_tiers(app: &App, theme: &Theme, area: Rect, frame: &mut Frame) {
    let count = |tier: Tier| {
        app.risk
            .tiers
            .iter()
            .find(|(t, _)| t == tier.name())
            .map_or(0, |(_, n)| *n)
    };
    let bars: Vec<Bar> = Tier::ALL
        .iter()
        .map(|t| {
            Bar::default()
                .label(Line::from(t.short()))
                .value(count(*t).max(0) as u64)
                .style(tier_style(theme, t.name()))
        })
        .collect();
    let chart = BarChart::default()
        .block(pane_block(" Sustainers by churn risk ", theme, false))
        .data(BarGroup::default().bars(&bars))
        .bar_width(6)
        .bar_gap(2)
        .value_style(theme.selection);
    frame.render_widget(chart, area);
}

fn render_person(app: &App, theme: &Theme, area: Rect, frame: &mut Frame) {
    let Some(row) = app.risk.selected_row() else {
        empty_block(
            pane_block(" Person ", theme, false),
            "nobody in this tier",
            theme,
            area,
            frame,
        );
        return;
    };
    let header = Line::from(vec![
        Span::styled(
            format!(
                "{} {} ",
                row.churn_tier.to_uppercase(),
                percent(row.churn_probability)
            ),
            tier_style(theme, &row.churn_tier),
        ),
        Span::raw(format!(
            "· {}/month · {} months · {}",
            dollars(row.monthly_cents),
            row.tenure_days / 30,
            // A number is not broken over two lines where the header wraps.
            row.phone
                .as_deref()
                .map_or("no phone".into(), |p| p.replace(' ', "\u{a0}"))
        )),
        Span::styled(
            row.model
                .as_deref()
                .map(|m| format!(" · {m}"))
                .unwrap_or_default(),
            theme.muted,
        ),
    ]);
    // Someone who may not be called gets no call: the badge says so where the ask would be.
    let call = match &row.retention_ask {
        Some(ask) => Span::raw(ask.clone()),
        None => Span::styled(DO_NOT_CALL, theme.error),
    };
    let mut after = vec![Line::from(vec![Span::styled("call: ", theme.header), call])];
    let refused: Vec<&str> = row
        .no_contact
        .iter()
        .filter(|c| **c != Channel::Phone)
        .map(|c| c.refusal())
        .collect();
    if !refused.is_empty() {
        after.push(Line::from(vec![
            Span::styled("consent: ", theme.header),
            Span::styled(refused.join(" · "), theme.warn),
        ]));
    }
    if let Some(action) = &row.upgrade_action {
        let p = row
            .upgrade_probability
            .map_or(String::new(), |p| format!(" ({} likely)", percent(p)));
        after.push(Line::from(vec![
            Span::styled("next: ", theme.header),
            Span::styled(
                format!("{}{p}", next_step(action, &row.no_contact)),
                theme.upgrade_ask(row.upgrade_path.as_deref()),
            ),
        ]));
    }
    let contacted = row
        .last_contact
        .as_deref()
        .map_or("never contacted".to_string(), |at| {
            format!("last contact {}", at.get(..10).unwrap_or(at))
        });
    let triage = row.triage.as_deref().unwrap_or("new");
    let note = row
        .triage_note
        .as_deref()
        .map_or(String::new(), |n| format!(" · {n}"));
    after.push(Line::from(vec![
        Span::styled("triage: ", theme.header),
        Span::raw(format!("{triage}{note}")),
        Span::styled(format!(" · {contacted}"), theme.muted),
        Span::styled(
            match (&row.assignee, &row.follow_up) {
                (None, None) => String::new(),
                (who, when) => format!(
                    " · {}{}",
                    who.as_deref()
                        .map_or("unassigned".into(), |w| format!("with {w}")),
                    when.as_deref()
                        .map(|d| format!(", follow up {d}"))
                        .unwrap_or_default()
                ),
            },
            theme.header,
        ),
    ]));
    // Reasons fill what the header, the call, the next step and the triage leave: on a
    // narrow pane the third reason gives way before the triage does.
    let width = area.width.saturating_sub(2);
    let rows = |line: &Line| wrapped_rows(&line.to_string(), width);
    let mut room = area
        .height
        .saturating_sub(2)
        .saturating_sub(rows(&header) + after.iter().map(rows).sum::<u16>());
    let mut lines = vec![header];
    for reason in row.reasons.iter().take(3) {
        let line = Line::from(vec![
            Span::styled("▲ ", theme.warn),
            Span::raw(reason.clone()),
        ]);
        let needed = rows(&line);
        if needed > room {
            break;
        }
        room -= needed;
        lines.push(line);
    }
    lines.extend(after);
    let title = format!(" {} {} ", golden_id(row.constituent_id), row.name);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(pane_block(title, theme, false)),
        area,
    );
}

fn render_list(app: &App, theme: &Theme, area: Rect, frame: &mut Frame) {
    let r = &app.risk;
    r.area.set(area);
    let tier = r
        .tier
        .map_or("all tiers".to_string(), |t| format!("{} only", t.name()));
    let tier = match r.status {
        Some(status) => format!("{tier} · triage {status}"),
        None => tier,
    } + &r.filter.label();
    // The position among everyone in the list, loaded or not.
    let title = format!(
        " At risk · {} · by {} ▼ · {} of {} ",
        tier,
        r.sort.label(),
        (r.selected + 1).min(r.rows.len()),
        r.total()
    );
    let block = pane_block(title, theme, true);
    if r.rows.is_empty() {
        let why = match r.filter.text() {
            Some(_) => "nobody here matches the filter (Esc at / clears it)",
            None => "nobody in this tier",
        };
        empty_block(block, why, theme, area, frame);
        return;
    }
    let height = area.height.saturating_sub(3) as usize;
    let offset = crate::tui::paged::scroll(&r.offset, r.selected, r.rows.len(), height);
    let rows = r
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, row)| {
            let tier = Tier::parse(&row.churn_tier).map_or("?", Tier::short);
            Row::new(vec![
                Cell::from(golden_id(row.constituent_id)),
                Cell::from(match may_call(&row.no_contact) {
                    // Not to be called: marked where the eye runs down the list.
                    false => Line::from(vec![
                        Span::styled("⊘ ", theme.error),
                        Span::raw(row.name.clone()),
                    ]),
                    true => Line::from(row.name.clone()),
                }),
                Cell::from(Span::styled(tier, tier_style(theme, &row.churn_tier))),
                Cell::from(format!("{:>4}", percent(row.churn_probability))),
                Cell::from(dollars(row.monthly_cents)),
                Cell::from(format!("{}mo", row.tenure_days / 30)),
                Cell::from(row.reasons.first().cloned().unwrap_or_default()),
                Cell::from(row.triage.clone().unwrap_or_else(|| "new".into())),
            ])
            .style(theme.row(i == r.selected))
        });
    let table = Table::new(
        rows,
        [
            Constraint::Length(8),
            Constraint::Fill(2),
            Constraint::Length(4),
            Constraint::Length(4),
            Constraint::Length(5),
            Constraint::Length(5),
            Constraint::Fill(3),
            Constraint::Length(9),
        ],
    )
    .header(
        Row::new([
            "id",
            "name",
            "tier",
            "risk",
            "month",
            "tenure",
            "top reason",
            "triage",
        ])
        .style(theme.header),
    )
    .block(block);
    frame.render_widget(table, area);
}

/// How many rows `text` takes when word-wrapped to `width` columns (as `Wrap` does, near
/// enough to budget a pane's lines: words longer than a row are broken).
fn wrapped_rows(text: &str, width: u16) -> u16 {
    let width = usize::from(width.max(1));
    let (mut rows, mut used) = (1u16, 0usize);
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if used > 0 && used + 1 + len <= width {
            used += 1 + len;
            continue;
        }
        if used > 0 {
            rows += 1;
        }
        // The word starts a row; one longer than a row is broken across rows.
        let more = (len.max(1) - 1) / width;
        rows += more as u16;
        used = len - more * width;
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::app::Mode;
    use crate::vocab::access::Role;

    #[test]
    fn wrapped_rows_counts_word_wrapped_rows() {
        assert_eq!(wrapped_rows("", 10), 1);
        assert_eq!(wrapped_rows("call: update the card", 21), 1);
        assert_eq!(wrapped_rows("call: update the card", 20), 2);
        assert_eq!(wrapped_rows("aaaa bbbb cccc", 9), 2);
        assert_eq!(wrapped_rows("abcdefghijkl", 5), 3);
    }

    fn list() -> RiskPane {
        let mut pane = RiskPane::default();
        let rows = [7, 8]
            .map(|constituent_id| RiskRow {
                constituent_id,
                ..RiskRow::default()
            })
            .to_vec();
        pane.loaded(rows, vec![("critical".into(), 2)], true);
        pane
    }

    #[test]
    fn triage_shows_the_next_status_at_once_and_saves_it() {
        let mut pane = list();
        let mut session = Session::new(Role::Membership, false, "bo".into());
        pane.handle(Action::Down, &mut session);
        let effects = pane.handle(Action::CycleTriage, &mut session);
        assert_eq!(pane.rows[1].triage.as_deref(), Some(TRIAGE_STATUSES[1]));
        assert_eq!(
            effects,
            vec![Effect::Save(WriteRequest::Triage {
                constituent_id: 8,
                status: TRIAGE_STATUSES[1].into(),
                note: None,
            })]
        );
        pane.handle(Action::TriageNote, &mut session);
        assert!(matches!(
            session.mode,
            Mode::Input {
                kind: InputKind::TriageNote,
                ..
            }
        ));
        let effects = pane.save_note("left a voicemail", &mut session);
        assert!(matches!(
            effects.as_slice(),
            [Effect::Save(WriteRequest::Triage { status, note: Some(note), .. })]
                if status == TRIAGE_STATUSES[1] && note == "left a voicemail"
        ));
        assert_eq!(session.pending_saves, 2);
    }

    #[test]
    fn a_steward_cannot_triage() {
        let mut pane = list();
        let mut session = Session::new(Role::Steward, false, "ana".into());
        assert!(pane.handle(Action::CycleTriage, &mut session).is_empty());
        assert_eq!(pane.rows[0].triage, None);
        assert!(session.flash.is_some_and(|f| f.text.contains("steward")));
    }

    #[test]
    fn the_tier_filter_cycles_from_critical_down_and_back_to_all() {
        let mut pane = list();
        let mut session = Session::new(Role::Admin, false, "x".into());
        let mut seen = Vec::new();
        for _ in 0..5 {
            assert_eq!(
                pane.handle(Action::CycleTier, &mut session),
                vec![Effect::LoadRisk]
            );
            seen.push(pane.tier);
        }
        assert_eq!(
            seen,
            vec![
                Some(Tier::Critical),
                Some(Tier::High),
                Some(Tier::Medium),
                Some(Tier::Low),
                None
            ]
        );
    }
}
