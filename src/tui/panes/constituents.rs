//! Constituents: the paged list of golden records (or search results), and one record's
//! 360-degree view: golden fields with their source, every source record, giving by year,
//! and the match history from the audit trail.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Cell, Paragraph, Row, Table, Wrap};

use crate::store::browse::{ConstituentDetail, SortBy, golden_id};
use crate::store::browse::{ConstituentRow, Count};
use crate::tui::app::App;
use crate::tui::paged::Paged;
use crate::tui::theme::Theme;
use crate::tui::view::{dollars, empty_block, pane_block, placeholder};

#[derive(Debug)]
pub struct DetailView {
    pub id: i64,
    pub data: Option<Box<ConstituentDetail>>,
    pub loaded: bool,
    pub selected_record: usize,
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

pub fn render(app: &App, theme: &Theme, area: Rect, frame: &mut Frame) {
    if !app.store_ready {
        placeholder("Building the demo store…", theme, area, frame);
        return;
    }
    match &app.constituents.detail {
        Some(detail) => render_detail(detail, theme, area, frame),
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
    let rows = c
        .list
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, row)| {
            let mut cells = vec![
                Cell::from(golden_id(row.id)),
                Cell::from(row.display_name()),
                Cell::from(row.email.clone().unwrap_or_default()),
            ];
            if wide {
                cells.push(Cell::from(row.city.clone().unwrap_or_default()));
            }
            cells.push(Cell::from(dollars(row.lifetime_cents)));
            cells.push(Cell::from(sustainer_mark(row.sustainer_status.as_deref())));
            cells.push(Cell::from(row.system_count.to_string()));
            Row::new(cells).style(theme.row(i == c.list.selected))
        });
    let mut widths = vec![
        Constraint::Length(8),
        Constraint::Fill(2),
        Constraint::Fill(2),
    ];
    let mut header = vec!["id", "name", "email"];
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

fn render_detail(detail: &DetailView, theme: &Theme, area: Rect, frame: &mut Frame) {
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
    render_summary(data, theme, summary_area, frame);
    render_records(data, detail.selected_record, theme, records_area, frame);
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

fn render_summary(data: &ConstituentDetail, theme: &Theme, area: Rect, frame: &mut Frame) {
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
            format!("{} in {} gifts", dollars(s.lifetime_cents), s.gift_count),
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
    lines.extend(score_lines(data, theme));
    frame.render_widget(
        // Long reasons and asks wrap rather than run off the pane.
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(pane_block(" 360° ", theme, false)),
        area,
    );
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
    let mut lines = Vec::new();
    match (s.churn_probability, &s.churn_tier) {
        (Some(p), Some(tier)) => {
            lines.push(Line::from(vec![
                label("churn risk"),
                Span::styled(
                    format!("{} {:.0}%", tier.to_uppercase(), p * 100.0),
                    theme.header,
                ),
            ]));
            let reasons: Vec<crate::score::Reason> = s
                .churn_reasons
                .as_deref()
                .and_then(|json| serde_json::from_str(json).ok())
                .unwrap_or_default();
            let ask = crate::score::retention_ask(&reasons);
            for r in &reasons {
                let glyph = if r.contribution > 0.0 { "▲ " } else { "▼ " };
                lines.push(Line::from(vec![
                    label(""),
                    Span::raw(format!("{glyph}{}", r.text)),
                ]));
            }
            lines.push(Line::from(vec![label("call"), Span::raw(ask)]));
        }
        _ => lines.push(Line::from(vec![
            label("churn risk"),
            Span::raw("not a sustainer"),
        ])),
    }
    if let Some(action) = &s.upgrade_action {
        lines.push(Line::from(vec![
            label("next step"),
            Span::raw(action.clone()),
        ]));
    }
    lines
}

fn render_records(
    data: &ConstituentDetail,
    selected: usize,
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
    let title = format!(
        " {n} source record{} · U unmerges ",
        crate::tui::view::plural(n)
    );
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
    let block = pane_block(" Match history ", theme, false);
    if lines.is_empty() {
        empty_block(block, "no events", theme, area, frame);
        return;
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
