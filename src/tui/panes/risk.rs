//! Risk: sustainers by churn-risk tier (a bar chart), the at-risk list with each person's
//! top reasons, upgrade propensity and recommended action, and a triage status per person.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Cell, Paragraph, Row, Table, Wrap};

use crate::score::settings::Tier;
use crate::store::browse::golden_id;
use crate::store::score::{RiskRow, RiskSort};
use crate::tui::app::App;
use crate::tui::theme::Theme;
use crate::tui::view::{dollars, empty_block, pane_block, placeholder};

#[derive(Debug, Default)]
pub struct RiskPane {
    pub rows: Vec<RiskRow>,
    pub tiers: Vec<(String, i64)>,
    pub selected: usize,
    pub sort: RiskSort,
    pub tier: Option<Tier>,
    pub loaded: bool,
    pub offset: std::cell::Cell<usize>,
    pub area: std::cell::Cell<ratatui::layout::Rect>,
}

impl RiskPane {
    pub fn selected_row(&self) -> Option<&RiskRow> {
        self.rows.get(self.selected)
    }
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
                "{} {:.0}% ",
                row.churn_tier.to_uppercase(),
                row.churn_probability * 100.0
            ),
            tier_style(theme, &row.churn_tier),
        ),
        Span::raw(format!(
            "· {}/month · {} months · {}",
            dollars(row.monthly_cents),
            row.tenure_days / 30,
            row.phone.as_deref().unwrap_or("no phone")
        )),
    ]);
    let mut after = vec![Line::from(vec![
        Span::styled("call: ", theme.header),
        Span::raw(row.retention_ask.clone()),
    ])];
    if let Some(action) = &row.upgrade_action {
        let p = row
            .upgrade_probability
            .map_or(String::new(), |p| format!(" ({:.0}%)", p * 100.0));
        after.push(Line::from(vec![
            Span::styled("next: ", theme.header),
            Span::raw(format!("{action}{p}")),
        ]));
    }
    let triage = row.triage.as_deref().unwrap_or("new");
    let note = row
        .triage_note
        .as_deref()
        .map_or(String::new(), |n| format!(" · {n}"));
    after.push(Line::from(vec![
        Span::styled("triage: ", theme.header),
        Span::raw(format!("{triage}{note}")),
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
    let title = format!(
        " At risk · {} · by {} ▼ · {} shown ",
        tier,
        r.sort.label(),
        r.rows.len()
    );
    let block = pane_block(title, theme, true);
    if r.rows.is_empty() {
        empty_block(block, "nobody in this tier", theme, area, frame);
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
                Cell::from(row.name.clone()),
                Cell::from(Span::styled(tier, tier_style(theme, &row.churn_tier))),
                Cell::from(format!("{:>3.0}%", row.churn_probability * 100.0)),
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
    use super::wrapped_rows;

    #[test]
    fn wrapped_rows_counts_word_wrapped_rows() {
        assert_eq!(wrapped_rows("", 10), 1);
        assert_eq!(wrapped_rows("call: update the card", 21), 1);
        assert_eq!(wrapped_rows("call: update the card", 20), 2);
        assert_eq!(wrapped_rows("aaaa bbbb cccc", 9), 2);
        assert_eq!(wrapped_rows("abcdefghijkl", 5), 3);
    }
}
