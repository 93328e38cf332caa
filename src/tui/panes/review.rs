//! Review: the queue of pairs between the review and auto-merge thresholds, and the two
//! records side by side with each field's similarity and contribution to the score.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use crate::resolve::review::{QueueItem, QueueOrder, RecordView};
use crate::store::browse::Count;
use crate::tui::app::App;
use crate::tui::theme::Theme;
use crate::tui::view::{dollars, pane_block, placeholder};

#[derive(Debug, Default)]
pub struct ReviewPane {
    pub items: Vec<QueueItem>,
    pub selected: usize,
    pub order: Option<QueueOrder>,
    pub pending: Option<Count>,
    pub decided_today: i64,
    pub loaded: bool,
    pub note: Option<String>,
    /// Pairs marked for one decision on them all (candidate ids): `a` or `r` then decides
    /// every marked pair still in the queue.
    pub marked: std::collections::BTreeSet<i64>,
    /// The pair marked last, where `V` marks a range from.
    pub mark_anchor: Option<i64>,
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
}

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
    if !r.marked.is_empty() {
        spans.push(Span::styled(
            format!(
                " · {} marked: a approves, r rejects them all",
                r.marked.len()
            ),
            theme.warn,
        ));
    }
    if let Some(note) = &r.note {
        spans.push(Span::styled(format!(" · note: {note}"), theme.warn));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), header);
    if r.items.is_empty() {
        placeholder(
            "The review queue is empty. Nothing needs a person right now.",
            theme,
            rest,
            frame,
        );
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
    if let Some(item) = r.selected_item() {
        render_comparison(item, theme, compare_area, frame);
    }
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
            let mut cells = vec![
                Cell::from(format!("{:.3}", item.score)),
                Cell::from(stake),
                Cell::from(format!("{} ⇄ {}", short_name(&item.a), short_name(&item.b))),
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
            format!(
                " Queue {}/{} ",
                (r.selected + 1).min(r.items.len()),
                r.items.len()
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
    vec![
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
    ]
}

/// Two values "differ" when both are present and not equal ignoring case and spacing.
fn differs(left: &str, right: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    !left.is_empty() && !right.is_empty() && norm(left) != norm(right)
}

fn render_comparison(item: &QueueItem, theme: &Theme, area: Rect, frame: &mut Frame) {
    let mut rows = Vec::new();
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
                Cell::from("where every pair starts"),
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
            Cell::from(format!("{} {}", item.a.source, item.a.source_key)),
            Cell::from(format!("{} {}", item.b.source, item.b.source_key)),
            Cell::from(similarity),
            Cell::from(adds),
        ])
        .style(theme.muted),
    );
    let mut shown = vec![crate::resolve::compare::PRIOR, "source"];
    for (field, label, left, right) in fields(item) {
        let contribution = item.contributions.iter().find(|c| c.field == field);
        shown.push(field);
        let differ = differs(&left, &right);
        let (glyph, style) = if differ {
            ("≠", theme.diff_changed)
        } else if !left.is_empty() && !right.is_empty() {
            ("=", theme.diff_same)
        } else {
            (" ", theme.muted)
        };
        rows.push(Row::new(vec![
            Cell::from(Span::styled(glyph, style)),
            Cell::from(label),
            Cell::from(Span::styled(left, if differ { style } else { theme.base })),
            Cell::from(Span::styled(right, if differ { style } else { theme.base })),
            Cell::from(contribution.map_or(String::new(), |c| format!("{:.2}", c.similarity))),
            Cell::from(contribution.map_or(String::new(), |c| format!("{:+.3}", c.contribution))),
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
    let title = format!(
        " Pair #{} · score {:.3}{} ",
        item.candidate_id,
        item.score,
        if item.sustainer {
            " · active sustainer"
        } else {
            ""
        }
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
    .block(pane_block(title, theme, false));
    frame.render_widget(table, area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_ignore_case_and_spacing_but_not_missing_values() {
        assert!(!differs("Mary  Ann", "mary ann"));
        assert!(differs("Mary", "Marie"));
        assert!(!differs("", "Marie"));
    }
}
