//! Constituents: the paged list of golden records (or search results), and one record's
//! 360-degree view: golden fields with their source, every source record, giving by year,
//! and the match history from the audit trail.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Cell, Paragraph, Row, Table, Wrap};

use crate::store::browse::{ConstituentDetail, PageAt, SortBy, golden_id};
use crate::store::browse::{ConstituentRow, Count};
use crate::store::consent::GoldenConsent;
use crate::text::{percent, plural};
use crate::tui::app::{App, Confirm, Effect, InputKind, Level, Mode, Session};
use crate::tui::keymap::{Action, Scope};
use crate::tui::paged::{Edge, Need, Paged};
use crate::tui::panes::{Move, clicked_row};
use crate::tui::scroll::Scroll;
use crate::tui::theme::Theme;
use crate::tui::view::{dollars, empty_block, pane_block, placeholder};
use crate::vocab::access::Access;
use crate::vocab::reasons::{DO_NOT_CALL, call_about, next_step};

#[derive(Debug)]
pub struct DetailView {
    pub id: i64,
    pub data: Option<Box<ConstituentDetail>>,
    pub loaded: bool,
    pub selected_record: usize,
    /// The 360° view, taller than its pane on a small terminal.
    pub summary_scroll: Scroll,
}

#[derive(Debug, Default)]
pub struct ConstituentsPane {
    pub list: Paged<ConstituentRow>,
    pub sort: SortBy,
    pub total: Option<Count>,
    /// The search whose results are shown instead of the full list.
    pub search: Option<String>,
    pub detail: Option<DetailView>,
    /// Where the list table was last drawn (for mouse clicks).
    pub area: std::cell::Cell<ratatui::layout::Rect>,
}

impl ConstituentsPane {
    pub fn handle(&mut self, action: Action, session: &mut Session) -> Vec<Effect> {
        if let Some(step) = Move::of(action) {
            return self.move_selection(step);
        }
        match action {
            Action::Open => self.open_detail(),
            Action::Back => self.back(),
            Action::NextRecord => self.open_neighbour(1, session),
            Action::PrevRecord => self.open_neighbour(-1, session),
            Action::Search => {
                session.prompt(InputKind::Search, self.search.clone().unwrap_or_default());
                vec![]
            }
            Action::CycleSort => {
                let i = SortBy::ALL
                    .iter()
                    .position(|s| *s == self.sort)
                    .unwrap_or(0);
                self.sort = SortBy::ALL[(i + 1) % SortBy::ALL.len()];
                self.search = None;
                self.first_page()
            }
            Action::CopyId => {
                let id = match &self.detail {
                    Some(detail) => Some(detail.id),
                    None => self.list.selected_row().map(|r| r.id),
                };
                id.map(|id| session.copy_id(id)).unwrap_or_default()
            }
            Action::Unmerge => {
                self.ask_unmerge(session);
                vec![]
            }
            Action::ScrollDown => {
                if let Some(detail) = &mut self.detail {
                    detail.summary_scroll.down();
                }
                vec![]
            }
            Action::ScrollUp => {
                if let Some(detail) = &mut self.detail {
                    detail.summary_scroll.up();
                }
                vec![]
            }
            _ => vec![],
        }
    }

    pub fn click(&mut self, column: u16, row: u16) -> Vec<Effect> {
        if self.detail.is_some() {
            return vec![];
        }
        let (table, offset) = (self.area.get(), self.list.offset.get());
        match clicked_row(table, offset, self.list.selected, column, row) {
            Some(step) => self.move_selection(step),
            None => vec![],
        }
    }

    /// Move in the open record's source records, or in the list (loading more of it when
    /// the move reaches past what is loaded).
    pub fn move_selection(&mut self, step: Move) -> Vec<Effect> {
        if let Some(detail) = &mut self.detail {
            let n = detail.data.as_ref().map_or(0, |d| d.records.len());
            step.apply(&mut detail.selected_record, n);
            return vec![];
        }
        let list = &self.list;
        let loaded_edge = match step {
            Move::By(_) => true,
            Move::Top => list.at_start,
            Move::Bottom => list.at_end,
        };
        // The search's results are all loaded; so is a list whose far end is.
        if self.search.is_some() || loaded_edge {
            let delta = step.delta(list.selected, list.rows.len());
            let need = self.list.move_by(delta);
            return self.load_more(need);
        }
        self.list.loading = true;
        let to_end = step == Move::Bottom;
        vec![Effect::LoadPage {
            at: if to_end { PageAt::Last } else { PageAt::First },
            edge: Edge::Reset,
            select_last: to_end,
        }]
    }

    /// Reload the list where it is, keeping the selected row.
    pub fn reload(&mut self) -> Effect {
        self.list.loading = true;
        if let Some(typed) = &self.search {
            return Effect::Search(typed.clone());
        }
        let at = match self.list.selected_row() {
            Some(row) => PageAt::From(row.key.clone()),
            None => PageAt::First,
        };
        Effect::LoadPage {
            at,
            edge: Edge::Reset,
            select_last: false,
        }
    }

    /// The list from its first row, in the current order.
    fn first_page(&mut self) -> Vec<Effect> {
        self.list.loading = true;
        vec![Effect::LoadPage {
            at: PageAt::First,
            edge: Edge::Reset,
            select_last: false,
        }]
    }

    fn load_more(&mut self, need: Need) -> Vec<Effect> {
        let list = &mut self.list;
        let (at, edge) = match need {
            Need::Nothing => return vec![],
            Need::After => match list.rows.last() {
                Some(row) => (PageAt::After(row.key.clone()), Edge::Forward),
                None => return vec![],
            },
            Need::Before => match list.rows.first() {
                Some(row) => (PageAt::Before(row.key.clone()), Edge::Backward),
                None => return vec![],
            },
        };
        list.loading = true;
        vec![Effect::LoadPage {
            at,
            edge,
            select_last: false,
        }]
    }

    fn open_detail(&mut self) -> Vec<Effect> {
        let Some(row) = self.list.selected_row() else {
            return vec![];
        };
        self.open_record(row.id)
    }

    /// Open golden record `id`'s 360° view (from the list, or from another tab).
    pub fn open_record(&mut self, id: i64) -> Vec<Effect> {
        self.detail = Some(DetailView {
            id,
            data: None,
            loaded: false,
            selected_record: 0,
            summary_scroll: Scroll::default(),
        });
        vec![Effect::LoadDetail(id)]
    }

    /// From a golden record, the next (or previous) one of the list it was opened from —
    /// the search's results when searching — without going back to the list.
    fn open_neighbour(&mut self, delta: isize, session: &mut Session) -> Vec<Effect> {
        let before = self.list.selected;
        let need = self.list.move_by(delta);
        let mut effects = self.load_more(need);
        if self.list.selected == before {
            let message = match (self.list.loading, delta > 0) {
                (true, _) => "Loading more of the list…",
                (false, true) => "This is the last record in the list",
                (false, false) => "This is the first record in the list",
            };
            session.flash(Level::Info, message);
        } else {
            effects.extend(self.open_detail());
        }
        effects
    }

    fn back(&mut self) -> Vec<Effect> {
        if self.detail.take().is_some() {
            return vec![];
        }
        if self.search.take().is_some() {
            return vec![self.reload(), Effect::LoadCount];
        }
        vec![]
    }

    fn ask_unmerge(&mut self, session: &mut Session) {
        if session.refuse(Access::Decide, "unmerge records") {
            return;
        }
        let Some(detail) = &self.detail else {
            return;
        };
        let Some(data) = &detail.data else {
            return;
        };
        if data.records.len() < 2 {
            session.flash(Level::Info, "Only one source record: nothing to unmerge");
            return;
        }
        let Some(record) = data.records.get(detail.selected_record) else {
            return;
        };
        session.mode = Mode::Confirm(Confirm::Unmerge {
            record_id: record.id,
            constituent_id: data.id,
            label: format!("{} {}", record.source, record.source_key),
        });
    }

    /// A search as it is typed (two characters or a number before it runs).
    pub fn live_search(&self, text: &str) -> Vec<Effect> {
        if text.trim().chars().count() < 2 && text.trim().parse::<i64>().is_err() {
            return vec![];
        }
        vec![Effect::Search(text.to_string())]
    }

    pub fn submit_search(&mut self, text: String) -> Vec<Effect> {
        if text.trim().is_empty() {
            return self.cancel_search();
        }
        self.search = Some(text.clone());
        vec![Effect::Search(text)]
    }

    /// Back to the whole list, from its first row.
    pub fn cancel_search(&mut self) -> Vec<Effect> {
        self.search = None;
        let mut effects = self.first_page();
        effects.push(Effect::LoadCount);
        effects
    }

    /// A page of the list arrived: show it, and ask for more if the selection needs it.
    pub fn page_loaded(
        &mut self,
        edge: Edge,
        rows: Vec<ConstituentRow>,
        full: bool,
        select_last: bool,
        from_row: bool,
    ) -> Vec<Effect> {
        self.list.apply(edge, rows, full, select_last);
        if from_row {
            self.list.mark_more_before();
        }
        let need = self.list.need();
        self.load_more(need)
    }

    /// A search's results arrived; `current` is the search now typed or shown, and only
    /// results for it count.
    pub fn search_loaded(&mut self, current: Option<&str>, typed: &str, rows: Vec<ConstituentRow>) {
        if current != Some(typed) {
            return;
        }
        self.total = Some(Count::Exact(rows.len() as i64));
        self.list.apply(Edge::Reset, rows, false, false);
    }

    pub fn detail_loaded(&mut self, id: i64, data: Option<Box<ConstituentDetail>>) {
        if let Some(detail) = self.detail.as_mut().filter(|d| d.id == id) {
            let n = data.as_ref().map_or(0, |d| d.records.len());
            detail.data = data;
            detail.loaded = true;
            detail.selected_record = detail.selected_record.min(n.saturating_sub(1));
        }
    }
}

pub fn render(app: &App, theme: &Theme, area: Rect, frame: &mut Frame) {
    if !app.store_ready {
        placeholder("Building the demo store…", theme, area, frame);
        return;
    }
    match &app.constituents.detail {
        Some(detail) => {
            // The key that unmerges a record, said where this session may use it.
            let unmerge = (app.session.may(Access::Decide))
                .then(|| app.session.keymap.key_of(Scope::Detail, Action::Unmerge))
                .flatten();
            render_detail(detail, unmerge.as_deref(), theme, area, frame)
        }
        None => render_list(app, theme, area, frame),
    }
}

fn render_list(app: &App, theme: &Theme, area: Rect, frame: &mut Frame) {
    let c = &app.constituents;
    let total = c.total.map_or("…".to_string(), |t| t.to_string());
    let arrow = if c.sort == SortBy::Lifetime {
        "▼"
    } else {
        "▲"
    };
    let title = match &c.search {
        Some(search) => format!(" {total} matching '{search}' · Esc clears "),
        None => format!(" Constituents {total} · by {} {arrow} ", c.sort.label()),
    };
    let block = pane_block(title, theme, true);
    if !c.list.loaded {
        empty_block(block, "loading…", theme, area, frame);
        return;
    }
    if c.list.rows.is_empty() {
        let text = if c.search.is_some() {
            "No golden record matches. Try part of a name, an email, a phone or an id."
        } else {
            "No golden records yet: run resolution from the Jobs tab."
        };
        empty_block(block, text, theme, area, frame);
        return;
    }
    c.area.set(area);
    let height = area.height.saturating_sub(3) as usize;
    let offset = c.list.scroll_for(height);
    let wide = area.width >= 100;
    let by_household = c.sort == SortBy::Household && c.search.is_none();
    let rows = c
        .list
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, row)| {
            // Grouped by household, the household's id leads each row.
            let mut cells = match by_household {
                true => vec![Cell::from(
                    row.household
                        .map(crate::store::household::household_id)
                        .unwrap_or_default(),
                )],
                false => vec![],
            };
            // A person found by another of their records says which one.
            let email = match &row.matched {
                Some(matched) => format!("≈ {matched}"),
                None => row.email.clone().unwrap_or_default(),
            };
            cells.extend([
                Cell::from(golden_id(row.id)),
                Cell::from(row.display_name()),
                Cell::from(email),
            ]);
            if wide {
                cells.push(Cell::from(row.city.clone().unwrap_or_default()));
            }
            cells.push(Cell::from(dollars(row.lifetime_cents)));
            cells.push(Cell::from(sustainer_mark(row.sustainer_status.as_deref())));
            cells.push(Cell::from(row.system_count.to_string()));
            Row::new(cells).style(theme.row(i == c.list.selected))
        });
    let mut widths = Vec::new();
    let mut header = Vec::new();
    if by_household {
        widths.push(Constraint::Length(8));
        header.push("household");
    }
    widths.extend([
        Constraint::Length(8),
        Constraint::Fill(2),
        Constraint::Fill(2),
    ]);
    header.extend(["id", "name", "email"]);
    if wide {
        widths.push(Constraint::Fill(1));
        header.push("city");
    }
    widths.extend([
        Constraint::Length(9),
        Constraint::Length(4),
        Constraint::Length(3),
    ]);
    header.extend(["lifetime", "sust", "sys"]);
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme.header))
        .block(block);
    frame.render_widget(table, area);
}

fn sustainer_mark(status: Option<&str>) -> &'static str {
    match status {
        Some("active") => "yes",
        Some("cancelled") => "was",
        Some("lapsed") => "lap",
        _ => "",
    }
}

fn render_detail(
    detail: &DetailView,
    unmerge_key: Option<&str>,
    theme: &Theme,
    area: Rect,
    frame: &mut Frame,
) {
    let title = format!(" {} ", golden_id(detail.id));
    let Some(data) = &detail.data else {
        let block = pane_block(title, theme, true);
        let text = if detail.loaded {
            "This golden record does not exist (any more)."
        } else {
            "loading…"
        };
        empty_block(block, text, theme, area, frame);
        return;
    };
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Fill(1)]).areas(area);
    let [fields_area, summary_area] =
        Layout::vertical([Constraint::Length(12), Constraint::Fill(1)]).areas(left);
    let [records_area, chart_area, history_area] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(7),
        Constraint::Fill(1),
    ])
    .areas(right);
    render_golden_fields(data, theme, fields_area, frame);
    render_summary(data, &detail.summary_scroll, theme, summary_area, frame);
    let selected = detail.selected_record;
    render_records(data, selected, unmerge_key, theme, records_area, frame);
    render_giving(data, theme, chart_area, frame);
    render_history(data, theme, history_area, frame);
}

fn render_golden_fields(data: &ConstituentDetail, theme: &Theme, area: Rect, frame: &mut Frame) {
    let title = match data.retired_into {
        Some(into) => format!(" {} · merged into {} ", golden_id(data.id), golden_id(into)),
        None => format!(" {} · golden record ", golden_id(data.id)),
    };
    let rows = data.fields.iter().map(|f| {
        Row::new(vec![
            Cell::from(f.label),
            Cell::from(f.value.clone().unwrap_or_default()),
            Cell::from(Span::styled(
                f.from.clone().unwrap_or_default(),
                theme.muted,
            )),
        ])
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(10),
            Constraint::Fill(3),
            Constraint::Fill(2),
        ],
    )
    .block(pane_block(title, theme, false));
    frame.render_widget(table, area);
}

fn render_summary(
    data: &ConstituentDetail,
    scroll: &Scroll,
    theme: &Theme,
    area: Rect,
    frame: &mut Frame,
) {
    let s = &data.summary;
    let sustainer = match (&s.sustainer_status, s.sustainer_monthly_cents) {
        (Some(status), Some(cents)) => format!("{status}, {}/month", dollars(cents)),
        (Some(status), None) => status.clone(),
        _ => "no".into(),
    };
    let open_rate = if s.email_sent_12m > 0 {
        format!(
            "{} opens of {} sent ({:.0}%)",
            s.email_opens_12m,
            s.email_sent_12m,
            100.0 * s.email_opens_12m as f64 / s.email_sent_12m as f64
        )
    } else {
        "no email sent".into()
    };
    let line = |label: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{label:<13}"), theme.muted),
            Span::raw(value),
        ])
    };
    let lines = vec![
        line(
            "lifetime",
            format!(
                "{} in {} gift{}",
                dollars(s.lifetime_cents),
                s.gift_count,
                plural(s.gift_count as usize)
            ),
        ),
        line("last 12 mo", dollars(s.trailing_12m_cents)),
        line(
            "gifts",
            format!(
                "{} → {}",
                s.first_gift_date.as_deref().unwrap_or("–"),
                s.last_gift_date.as_deref().unwrap_or("–")
            ),
        ),
        line("sustainer", sustainer),
        line(
            "newspaper",
            s.subscription_status.clone().unwrap_or("–".into()),
        ),
        line("events", format!("{} attended", s.events_attended)),
        line("email 12 mo", open_rate),
        line("systems", s.systems.replace(',', ", ")),
    ];
    let mut lines = lines;
    lines.extend(consent_lines(&data.consent, theme));
    lines.push(household_line(data, theme));
    if let Some(e) = &data.engagement {
        lines.push(line("engagement", e.describe()));
    }
    let contact = match data.contacts.first() {
        Some(c) => format!(
            "{} {} {}{} by {}",
            c.at.get(..10).unwrap_or(&c.at),
            c.channel,
            c.kind,
            c.outcome
                .as_deref()
                .map(|o| format!(" ({o})"))
                .unwrap_or_default(),
            c.actor
        ),
        None => "never contacted".into(),
    };
    lines.push(line("last contact", contact));
    lines.extend(score_lines(data, theme));
    // Long reasons and asks wrap rather than run off the pane.
    let text = Paragraph::new(lines).wrap(Wrap { trim: false });
    scroll.begin_frame();
    scroll.render(text, "360°", theme, area, frame);
}

/// The household: its id, who else lives there, and what they gave together.
fn household_line<'a>(data: &ConstituentDetail, theme: &Theme) -> Line<'a> {
    let value = match &data.household {
        None => "none (no address)".to_string(),
        Some(h) if h.members.len() == 1 => format!("{} · lives alone here", h.id),
        Some(h) => {
            let others: Vec<String> = h
                .members
                .iter()
                .filter(|m| m.0 != golden_id(data.id))
                .map(|(id, name, _)| format!("{name} {id}"))
                .collect();
            format!(
                "{} · with {} · {} together",
                h.id,
                others.join(", "),
                dollars(h.lifetime_cents)
            )
        }
    };
    Line::from(vec![
        Span::styled(format!("{:<13}", "household"), theme.muted),
        Span::raw(value),
    ])
}

/// Whether the person may be contacted: each refused channel with the record that says so
/// (the most restrictive record wins), and channels whose systems disagree.
pub fn consent_lines<'a>(consent: &[GoldenConsent], theme: &Theme) -> Vec<Line<'a>> {
    let label = Span::styled(format!("{:<13}", "consent"), theme.muted);
    let refused: Vec<&GoldenConsent> = consent
        .iter()
        .filter(|c| c.opted_out || c.conflicting)
        .collect();
    if refused.is_empty() {
        let said = if consent.is_empty() {
            "no choice recorded: may be contacted"
        } else {
            "ok on every channel recorded"
        };
        return vec![Line::from(vec![label, Span::raw(said)])];
    }
    refused
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let label = if i == 0 {
                label.clone()
            } else {
                Span::raw(" ".repeat(13))
            };
            let style = if c.opted_out { theme.warn } else { theme.base };
            Line::from(vec![label, Span::styled(c.describe(), style)])
        })
        .collect()
}

/// Churn risk with its reasons and what a retention call is about, and the recommended
/// next step, from the latest scores.
fn score_lines<'a>(data: &ConstituentDetail, theme: &Theme) -> Vec<Line<'a>> {
    let label = |text: &str| Span::styled(format!("{text:<13}"), theme.muted);
    let Some(s) = &data.scores else {
        return vec![Line::from(vec![
            label("churn risk"),
            Span::raw("not scored yet"),
        ])];
    };
    // Consent decides what is offered: no call to a do-not-call, no ask to a no-contact.
    let refused = crate::vocab::consent::refused(&data.consent);
    let mut lines = Vec::new();
    match (s.churn_probability, &s.churn_tier) {
        (Some(p), Some(tier)) => {
            lines.push(Line::from(vec![
                label("churn risk"),
                Span::styled(
                    format!("{} {}", tier.to_uppercase(), percent(p)),
                    theme.header,
                ),
            ]));
            let reasons = s.reasons().unwrap_or_default();
            let call = match call_about(&reasons, &refused) {
                Some(ask) => Span::raw(ask),
                None => Span::styled(DO_NOT_CALL, theme.error),
            };
            for r in &reasons {
                let glyph = if r.contribution > 0.0 { "▲ " } else { "▼ " };
                lines.push(Line::from(vec![
                    label(""),
                    Span::raw(format!("{glyph}{}", r.text)),
                ]));
            }
            lines.push(Line::from(vec![label("call"), call]));
        }
        _ => lines.push(Line::from(vec![
            label("churn risk"),
            Span::raw("not a sustainer"),
        ])),
    }
    if let Some(action) = &s.upgrade_action {
        lines.push(Line::from(vec![
            label("next step"),
            Span::styled(
                next_step(action, &refused),
                theme.upgrade_ask(s.upgrade_path.as_deref()),
            ),
        ]));
    }
    if data.scores_stale {
        lines.push(Line::from(vec![
            label("stale"),
            Span::styled(
                "scored before the last merge or unmerge: the next scoring run refreshes it",
                theme.warn,
            ),
        ]));
    }
    if !data.score_models.is_empty() {
        lines.push(Line::from(vec![
            label("scored by"),
            Span::styled(data.score_models.join(", "), theme.muted),
        ]));
    }
    lines
}

fn render_records(
    data: &ConstituentDetail,
    selected: usize,
    unmerge_key: Option<&str>,
    theme: &Theme,
    area: Rect,
    frame: &mut Frame,
) {
    let rows = data.records.iter().enumerate().map(|(i, r)| {
        let name = format!(
            "{} {}",
            r.first_name.as_deref().unwrap_or(""),
            r.last_name.as_deref().unwrap_or("")
        );
        Row::new(vec![
            Cell::from(r.source.clone()),
            Cell::from(r.source_key.clone()),
            Cell::from(name.trim().to_string()),
            Cell::from(r.email.clone().unwrap_or_default()),
        ])
        .style(theme.row(i == selected))
    });
    let n = data.records.len();
    let unmerges = unmerge_key.map_or(String::new(), |key| format!(" · {key} unmerges"));
    let title = format!(" {n} source record{}{unmerges} ", plural(n));
    let table = Table::new(
        rows,
        [
            Constraint::Fill(2),
            Constraint::Fill(1),
            Constraint::Fill(2),
            Constraint::Fill(2),
        ],
    )
    .block(pane_block(title, theme, true));
    frame.render_widget(table, area);
}

fn render_giving(data: &ConstituentDetail, theme: &Theme, area: Rect, frame: &mut Frame) {
    let block = pane_block(" Giving by year ", theme, false);
    if data.giving_by_year.is_empty() {
        empty_block(block, "no gifts", theme, area, frame);
        return;
    }
    let bars: Vec<Bar> = data
        .giving_by_year
        .iter()
        .map(|(year, cents)| {
            Bar::default()
                .label(Line::from(year.get(2..).unwrap_or(year).to_string()))
                .value((*cents / 100).max(0) as u64)
                .text_value(compact_dollars(*cents))
        })
        .collect();
    let chart = BarChart::default()
        .block(block)
        .data(BarGroup::default().bars(&bars))
        .bar_width(5)
        .bar_gap(1)
        .bar_style(theme.gauge)
        .value_style(theme.selection);
    frame.render_widget(chart, area);
}

/// "$1.2k" — fits in a bar.
fn compact_dollars(cents: i64) -> String {
    let dollars = cents as f64 / 100.0;
    if dollars >= 1000.0 {
        format!("{:.1}k", dollars / 1000.0)
    } else {
        format!("{dollars:.0}")
    }
}

fn render_history(data: &ConstituentDetail, theme: &Theme, area: Rect, frame: &mut Frame) {
    let lines: Vec<Line> = data
        .history
        .iter()
        .map(|e| {
            let when = e.at.get(..10).unwrap_or(&e.at);
            let score = e.score.map_or(String::new(), |s| format!(" {s:.2}"));
            Line::from(vec![
                Span::styled(format!("{when} "), theme.muted),
                Span::styled(format!("{:<8}", e.action), theme.header),
                Span::raw(format!(" {}{score}", e.actor)),
                Span::styled(
                    e.reason
                        .as_ref()
                        .map_or(String::new(), |r| format!(" · {r}")),
                    theme.muted,
                ),
            ])
        })
        .collect();
    let block = pane_block(" History: matches, triage, campaigns ", theme, false);
    if lines.is_empty() {
        empty_block(block, "no events", theme, area, frame);
        return;
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::browse::SortKey;
    use crate::vocab::access::Role;

    fn row(id: i64) -> ConstituentRow {
        ConstituentRow {
            id,
            first_name: None,
            last_name: None,
            email: None,
            city: None,
            zip: None,
            lifetime_cents: 0,
            sustainer_status: None,
            system_count: 1,
            household: None,
            matched: None,
            key: SortKey::Id(id),
        }
    }

    fn admin() -> Session {
        Session::new(Role::Admin, false, "x".into())
    }

    #[test]
    fn the_end_of_a_list_not_loaded_to_its_end_is_fetched_as_the_last_page() {
        let mut pane = ConstituentsPane::default();
        pane.page_loaded(Edge::Reset, (1..=5).map(row).collect(), true, false, false);
        assert!(!pane.list.at_end, "a full page may have more after it");
        let effects = pane.handle(Action::Bottom, &mut admin());
        assert_eq!(
            effects,
            vec![Effect::LoadPage {
                at: PageAt::Last,
                edge: Edge::Reset,
                select_last: true,
            }]
        );
    }

    #[test]
    fn search_runs_from_two_characters_or_a_number_and_only_the_newest_counts() {
        let pane = ConstituentsPane::default();
        assert!(pane.live_search("s").is_empty());
        assert_eq!(pane.live_search("sm"), vec![Effect::Search("sm".into())]);
        assert_eq!(pane.live_search("7"), vec![Effect::Search("7".into())]);
        let mut pane = ConstituentsPane::default();
        pane.submit_search("smith".into());
        pane.search_loaded(Some("smith"), "smit", vec![row(1)]);
        assert!(
            pane.list.rows.is_empty(),
            "results of an older search are dropped"
        );
        pane.search_loaded(Some("smith"), "smith", vec![row(1), row(2)]);
        assert_eq!(pane.total, Some(Count::Exact(2)));
        assert_eq!(pane.list.rows.len(), 2);
    }

    #[test]
    fn opening_a_record_then_the_next_one_walks_the_list() {
        let mut pane = ConstituentsPane::default();
        let mut session = admin();
        pane.page_loaded(Edge::Reset, (1..=3).map(row).collect(), false, false, false);
        assert_eq!(
            pane.handle(Action::Open, &mut session),
            vec![Effect::LoadDetail(1)]
        );
        assert_eq!(
            pane.handle(Action::NextRecord, &mut session),
            vec![Effect::LoadDetail(2)]
        );
        pane.handle(Action::Bottom, &mut session); // moves in the open record, not the list
        assert_eq!(pane.list.selected, 1);
        pane.handle(Action::NextRecord, &mut session);
        assert!(pane.handle(Action::NextRecord, &mut session).is_empty());
        assert!(
            session
                .flash
                .take()
                .is_some_and(|f| f.text.contains("last record"))
        );
        pane.handle(Action::Back, &mut session);
        assert!(pane.detail.is_none());
    }
}
