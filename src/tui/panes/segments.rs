//! Segments: the audiences of `config/segments.yaml` with how many people each holds and
//! how many may be contacted on its channel, and the selected one's most engaged members.
//! `e` exports the selected one for a campaign (`E` one per household), as `cpm segment
//! export` does: asked first, as it records each person as contacted.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};

use crate::segments::{Member, SegmentCount};
use crate::tui::app::{App, Confirm, Effect, Mode, Session};
use crate::tui::keymap::{Action, Scope};
use crate::tui::panes::{Filter, Move};
use crate::tui::theme::Theme;
use crate::tui::view::{dollars, empty_block, fit, pane_block, placeholder};
use crate::vocab::access::Access;

/// A segment as the pane shows it: its counts, its rule in words, its top members.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentView {
    pub count: SegmentCount,
    pub rule: String,
    pub members: Vec<Member>,
}

#[derive(Debug, Default)]
pub struct SegmentsPane {
    pub segments: Vec<SegmentView>,
    /// Why the definitions could not be read.
    pub error: Option<String>,
    /// Only the segments holding what was typed at `/`.
    pub filter: Filter,
    /// The selected row among the segments shown.
    pub selected: usize,
    pub loaded: bool,
}

impl SegmentsPane {
    pub fn handle(&mut self, action: Action, session: &mut Session) -> Vec<Effect> {
        if let Some(step) = Move::of(action) {
            let len = self.shown().len();
            step.apply(&mut self.selected, len);
        }
        match action {
            Action::Search => self.filter.ask(session),
            Action::Export => self.ask_to_export(false, session),
            Action::ExportOnePerHousehold => self.ask_to_export(true, session),
            _ => vec![],
        }
    }

    /// A campaign export records everyone on it as contacted: membership's work or an
    /// admin's, on a writable store, and asked first.
    fn ask_to_export(&self, one_per_household: bool, session: &mut Session) -> Vec<Effect> {
        if session.refuse(Access::Contact, "export a campaign") {
            return vec![];
        }
        let Some(view) = self.shown().get(self.selected).copied() else {
            return vec![];
        };
        let count = &view.count;
        session.mode = Mode::Confirm(Confirm::ExportSegment {
            name: count.name.clone(),
            display_name: count.display_name.clone(),
            channel: count.channel.name(),
            people: count.may_be_contacted,
            one_per_household,
        });
        vec![]
    }

    /// The segments the filter keeps.
    pub fn shown(&self) -> Vec<&SegmentView> {
        self.segments
            .iter()
            .filter(|v| {
                let c = &v.count;
                let texts = [c.name.as_str(), &c.display_name, &c.owner, &v.rule];
                self.filter.keeps(&texts)
            })
            .collect()
    }

    /// Narrow the segments to those holding `typed`.
    pub fn filter(&mut self, typed: &str) -> Vec<Effect> {
        if self.filter.set(typed) {
            self.selected = 0;
        }
        vec![]
    }

    pub fn loaded(&mut self, segments: Vec<SegmentView>, error: Option<String>) {
        self.segments = segments;
        self.error = error;
        self.loaded = true;
        self.selected = self.selected.min(self.shown().len().saturating_sub(1));
    }
}

pub fn render(app: &App, theme: &Theme, area: Rect, frame: &mut Frame) {
    let s = &app.segments;
    if !app.store_ready || !s.loaded {
        placeholder("loading the segments…", theme, area, frame);
        return;
    }
    if let Some(error) = &s.error {
        empty_block(
            pane_block(" Segments ", theme, true),
            error,
            theme,
            area,
            frame,
        );
        return;
    }
    if s.segments.is_empty() {
        empty_block(
            pane_block(" Segments ", theme, true),
            "No segments: define them in config/segments.yaml.",
            theme,
            area,
            frame,
        );
        return;
    }
    let [list, detail] = Layout::vertical([
        Constraint::Length(s.segments.len() as u16 + 3),
        Constraint::Fill(1),
    ])
    .areas(area);
    let shown = s.shown();
    // The names take what the counts leave, three parts to the owner's two, and are cut
    // with a mark: a silently cut name reads as another segment's.
    const COUNTS: u16 = 5 + 8 + 9 + 4;
    let names = list.width.saturating_sub(2 + COUNTS);
    let (name_width, owner_width) = (names * 3 / 5, names - names * 3 / 5);
    let rows = shown.iter().enumerate().map(|(i, v)| {
        let c = &v.count;
        Row::new(vec![
            Cell::from(fit(&c.display_name, name_width.into())),
            Cell::from(c.channel.name()),
            Cell::from(format!("{:>8}", c.members)),
            Cell::from(format!("{:>9}", c.may_be_contacted)),
            Cell::from(fit(&c.owner, owner_width.into())),
        ])
        .style(theme.row(i == s.selected))
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(name_width),
            Constraint::Length(5),
            Constraint::Length(8),
            Constraint::Length(9),
            Constraint::Length(owner_width),
        ],
    )
    .header(Row::new(["segment", "via", "members", "reachable", "owner"]).style(theme.header))
    .block(pane_block(
        format!(" Segments{} ", s.filter.label()),
        theme,
        true,
    ));
    frame.render_widget(table, list);
    if let Some(v) = shown.get(s.selected) {
        render_members(v, &app.session, theme, detail, frame);
    }
}

fn render_members(
    v: &SegmentView,
    session: &Session,
    theme: &Theme,
    area: Rect,
    frame: &mut Frame,
) {
    let [about, members] =
        Layout::vertical([Constraint::Length(4), Constraint::Fill(1)]).areas(area);
    let left_out = v.count.members - v.count.may_be_contacted;
    let text = vec![
        Line::from(vec![
            Span::styled("rule    ", theme.muted),
            Span::raw(v.rule.clone()),
        ]),
        Line::from(vec![
            Span::styled("export  ", theme.muted),
            Span::raw(format!(
                "{} everyone reachable, {} one per household ({left_out} left out: no {} consent)",
                session.key(Scope::Segments, Action::Export),
                session.key(Scope::Segments, Action::ExportOnePerHousehold),
                v.count.channel.name()
            )),
        ]),
        Line::from(vec![
            Span::styled("or      ", theme.muted),
            Span::raw(format!("cpm segment export {} --out FILE", v.count.name)),
        ]),
    ];
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), about);
    let rows = v.members.iter().map(|m| {
        let consent = if m.may_contact {
            Span::raw("")
        } else {
            Span::styled("⊘ no consent", theme.warn)
        };
        Row::new(vec![
            Cell::from(m.id.clone()),
            Cell::from(m.name.clone()),
            Cell::from(format!("{:>3}", m.engagement)),
            Cell::from(dollars((m.lifetime * 100.0).round() as i64)),
            Cell::from(m.household.clone().unwrap_or_default()),
            Cell::from(consent),
        ])
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(8),
            Constraint::Fill(2),
            Constraint::Length(4),
            Constraint::Length(9),
            Constraint::Length(9),
            Constraint::Fill(1),
        ],
    )
    .header(Row::new(["id", "name", "eng", "lifetime", "household", ""]).style(theme.header))
    .block(pane_block(" Most engaged members ", theme, false));
    frame.render_widget(table, members);
}
