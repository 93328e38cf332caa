//! Quality: the latest run by severity, each check with its trend over runs (a sparkline),
//! new / recurring / resolved marks, and the selected check's samples and anomaly band.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Sparkline, Table, Wrap};

use crate::quality::anomaly::Band;
use crate::store::quality::ResultRow;
use crate::store::quality::RunRow;
use crate::tui::app::{App, Effect};
use crate::tui::keymap::Action;
use crate::tui::paged::scroll;
use crate::tui::panes::Move;
use crate::tui::theme::Theme;
use crate::tui::view::{empty_block, pane_block, placeholder};

#[derive(Debug, Default)]
pub struct QualityPane {
    /// What the latest ingest of each source could not use: quarantined rows, fields
    /// stored empty.
    pub ingest: IngestHealth,
    pub run: Option<RunRow>,
    /// Worst first.
    pub results: Vec<ResultRow>,
    /// Each result's measured values over earlier runs and this one, oldest first.
    pub trends: Vec<Vec<f64>>,
    pub selected: usize,
    pub loaded: bool,
    pub offset: std::cell::Cell<usize>,
    pub area: std::cell::Cell<ratatui::layout::Rect>,
}

impl QualityPane {
    pub fn handle(&mut self, action: Action) -> Vec<Effect> {
        if let Some(step) = Move::of(action) {
            step.apply(&mut self.selected, self.results.len());
        }
        vec![]
    }

    /// Take a freshly loaded quality report, keeping the selection on the same check.
    pub fn loaded(
        &mut self,
        run: Option<RunRow>,
        results: Vec<ResultRow>,
        trends: Vec<Vec<f64>>,
        ingest: IngestHealth,
    ) {
        let keep = self
            .results
            .get(self.selected)
            .map(|r| r.check_name.clone());
        self.ingest = ingest;
        self.run = run;
        self.results = results;
        self.trends = trends;
        self.loaded = true;
        if let Some(i) =
            keep.and_then(|name| self.results.iter().position(|r| r.check_name == name))
        {
            self.selected = i;
        }
        self.selected = self.selected.min(self.results.len().saturating_sub(1));
    }
}

/// The quarantine as a person works it: open rows (each source's latest batch) first,
/// then rows a later load of their source resolved; raw text whole for an admin, its shape
/// for anyone else.
#[derive(Debug, Clone, Default)]
pub struct IngestHealth {
    pub quarantined: Vec<crate::store::source::QuarantinedRow>,
    pub field_issues: Vec<crate::store::source::FieldIssueCount>,
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A one-line sparkline in text, for a table cell.
pub fn spark(values: &[f64]) -> String {
    let (min, max) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    values
        .iter()
        .map(|v| {
            if max > min {
                BARS[(((v - min) / (max - min)) * 7.0).round() as usize]
            } else {
                BARS[0]
            }
        })
        .collect()
}

fn status_glyph(status: &str) -> &'static str {
    match status {
        "fail" => "✗ FAIL",
        "warn" => "! WARN",
        "error" => "? ERR",
        _ => "✓ pass",
    }
}

pub fn render(app: &App, theme: &Theme, area: Rect, frame: &mut Frame) {
    let q = &app.quality;
    if !app.store_ready {
        placeholder("Building the demo store…", theme, area, frame);
        return;
    }
    if !q.loaded {
        placeholder("loading the latest quality run…", theme, area, frame);
        return;
    }
    let [area, ingest] = if q.ingest.quarantined.is_empty() && q.ingest.field_issues.is_empty() {
        [area, Rect::default()]
    } else {
        Layout::vertical([Constraint::Fill(3), Constraint::Length(8)]).areas(area)
    };
    render_ingest(app, theme, ingest, frame);
    let Some(run) = &q.run else {
        empty_block(
            pane_block(" Quality ", theme, true),
            "No quality run yet: press r to run the checks.",
            theme,
            area,
            frame,
        );
        return;
    };
    let [header, list, detail] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(2),
        Constraint::Fill(1),
    ])
    .areas(area);
    let status_style = match run.status.as_str() {
        "critical" => theme.error,
        "warning" => theme.warn,
        _ => theme.ok,
    };
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(
                format!(" Run #{} {} ", run.id, run.status.to_uppercase()),
                status_style,
            ),
            Span::raw(format!(
                "· {} by {} · {} checks, {} failed, {} warned · {} ms",
                run.at.replace('T', " ").trim_end_matches('Z'),
                run.actor,
                run.checks,
                run.failed,
                run.warned,
                run.millis
            )),
        ])),
        header,
    );
    render_list(app, theme, list, frame);
    if let Some(result) = q.results.get(q.selected) {
        let trend = q.trends.get(q.selected).map(Vec::as_slice).unwrap_or(&[]);
        render_detail(result, trend, theme, detail, frame);
    }
}

/// What the latest ingest could not use: fields stored empty by column, then the
/// quarantined rows (open ones first) with file, line, reason and raw text (its shape
/// for roles other than admin).
fn render_ingest(app: &App, theme: &Theme, area: Rect, frame: &mut Frame) {
    if area.height == 0 {
        return;
    }
    let health = &app.quality.ingest;
    let open = health
        .quarantined
        .iter()
        .filter(|r| r.status == "open")
        .count();
    let resolved = health.quarantined.len() - open;
    let blanked: i64 = health.field_issues.iter().map(|f| f.count).sum();
    let title = format!(
        " Ingest · {open} rows quarantined · {resolved} resolved by a later load · {blanked} fields stored empty "
    );
    let safe = |t: &str| crate::text::terminal_safe(t).into_owned();
    let mut lines: Vec<Line> = health
        .field_issues
        .iter()
        .map(|f| {
            Line::raw(format!(
                "{} · {}: {} ({} rows kept)",
                f.source,
                safe(&f.column),
                safe(&f.reason),
                f.count
            ))
        })
        .collect();
    for r in &health.quarantined {
        let style = if r.status == "open" {
            theme.warn
        } else {
            theme.muted
        };
        let file = std::path::Path::new(&r.file)
            .file_name()
            .map_or_else(|| r.file.clone(), |f| f.to_string_lossy().into_owned());
        lines.push(Line::from(vec![
            Span::styled(format!("{:<8} ", r.status), style),
            Span::raw(format!(
                "{}:{} {} · {}",
                safe(&file),
                r.line,
                safe(&r.reason),
                safe(&r.raw)
            )),
        ]));
    }
    frame.render_widget(
        Paragraph::new(lines).block(pane_block(title, theme, false)),
        area,
    );
}

fn render_list(app: &App, theme: &Theme, area: Rect, frame: &mut Frame) {
    let q = &app.quality;
    q.area.set(area);
    let height = area.height.saturating_sub(3) as usize;
    let offset = scroll(&q.offset, q.selected, q.results.len(), height);
    let rows = q
        .results
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, r)| {
            let style = match r.status.as_str() {
                "fail" | "error" => theme.error,
                "warn" => theme.warn,
                _ => theme.muted,
            };
            let trend = q.trends.get(i).map_or(String::new(), |t| spark(t));
            let change = match r.change.as_deref() {
                Some("new") => "NEW",
                Some("recurring") => "again",
                Some("resolved") => "fixed",
                _ => "",
            };
            Row::new(vec![
                Cell::from(Span::styled(status_glyph(&r.status), style)),
                Cell::from(r.severity.clone()),
                Cell::from(format!("{}: {}", r.table_name, r.check_name)),
                Cell::from(format!(
                    "{:.0}",
                    if measures_a_value(&r.check_type) {
                        r.measured
                    } else {
                        r.failing as f64
                    }
                )),
                Cell::from(change),
                Cell::from(format!(
                    "{trend}{}",
                    if r.anomaly.is_some() { " ⚠" } else { "" }
                )),
            ])
            .style(theme.row(i == q.selected))
        });
    let table = Table::new(
        rows,
        [
            Constraint::Length(6),
            Constraint::Length(8),
            Constraint::Fill(3),
            Constraint::Length(8),
            Constraint::Length(5),
            Constraint::Fill(1),
        ],
    )
    .header(Row::new(["", "severity", "check", "result", "vs", "trend"]).style(theme.header))
    .block(pane_block(" Checks, worst first ", theme, true));
    frame.render_widget(table, area);
}

/// Checks judged on one measured value rather than on failing rows.
fn measures_a_value(check_type: &str) -> bool {
    matches!(
        check_type,
        "row_count" | "metric" | "freshness" | "reconciliation"
    )
}

fn render_detail(r: &ResultRow, trend: &[f64], theme: &Theme, area: Rect, frame: &mut Frame) {
    let block = pane_block(format!(" {} ", r.check_name), theme, false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [text_area, spark_area] =
        Layout::horizontal([Constraint::Fill(2), Constraint::Fill(1)]).areas(inner);
    // A check that measures a value (a count of rows, a metric, an age in days, a
    // difference) says the value; a check of rows says how many of them fail.
    let outcome = if measures_a_value(&r.check_type) {
        format!("value {:.2}", r.measured)
    } else {
        format!("{} failing of {}", r.failing, r.total)
    };
    let mut lines = vec![Line::from(format!(
        "{} · {} · {outcome} · judged: {}",
        r.check_type, r.severity, r.threshold
    ))];
    if let Some(band) = r
        .anomaly
        .as_deref()
        .and_then(|a| serde_json::from_str::<Band>(a).ok())
    {
        lines.push(Line::styled(
            format!(
                "⚠ {:.0} is outside its usual band {:.0}–{:.0} (median {:.0} of {} earlier runs)",
                r.measured, band.low, band.high, band.median, band.history
            ),
            theme.warn,
        ));
    }
    let samples: Vec<serde_json::Value> = serde_json::from_str(&r.samples).unwrap_or_default();
    if !samples.is_empty() {
        lines.push(Line::styled(
            "failing rows (personal fields redacted; a record's source key finds it with /):",
            theme.header,
        ));
    }
    for sample in samples {
        lines.push(Line::raw(format!("  {sample}")));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), text_area);
    let data: Vec<u64> = trend.iter().map(|v| v.max(0.0).round() as u64).collect();
    frame.render_widget(
        Sparkline::default().data(&data).style(theme.gauge),
        spark_area,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reload_keeps_the_selection_on_the_same_check() {
        let result = |name: &str| ResultRow {
            check_name: name.into(),
            ..ResultRow::default()
        };
        let mut pane = QualityPane::default();
        let first = vec![result("a"), result("b"), result("c")];
        pane.loaded(None, first, vec![], IngestHealth::default());
        pane.handle(Action::Bottom);
        assert_eq!(pane.selected, 2);
        let reordered = vec![result("c"), result("a")];
        pane.loaded(None, reordered, vec![], IngestHealth::default());
        assert_eq!(pane.selected, 0, "still on check c");
        pane.loaded(None, vec![result("a")], vec![], IngestHealth::default());
        assert_eq!(pane.selected, 0, "c is gone: the nearest row");
    }

    #[test]
    fn text_sparklines_scale_between_the_lowest_and_highest_value() {
        assert_eq!(spark(&[0.0, 7.0, 3.5]), "▁█▅");
        assert_eq!(spark(&[2.0, 2.0]), "▁▁");
        assert_eq!(spark(&[]), "");
    }
}
