//! Quality: the latest run by severity, each check with its trend over runs (a sparkline),
//! new / recurring / resolved marks, and the selected check's samples and anomaly band.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Sparkline, Table, Wrap};

use crate::quality::anomaly::Band;
use crate::store::quality::ResultRow;
use crate::store::quality::RunRow;
use crate::tui::app::{App, Effect, Level, Session};
use crate::tui::keymap::Action;
use crate::tui::paged::scroll;
use crate::tui::panes::{Filter, Move};
use crate::tui::theme::Theme;
use crate::tui::view::{empty_block, fit, pane_block, placeholder};
use crate::vocab::access::Access;

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
    /// Only the checks holding what was typed at `/`.
    pub filter: Filter,
    /// The selected row among the checks shown.
    pub selected: usize,
    /// A check's samples with their personal values, shown to the admin who asked (`v`).
    pub revealed: Option<(String, Vec<serde_json::Value>)>,
    pub loaded: bool,
    pub offset: std::cell::Cell<usize>,
    pub area: std::cell::Cell<ratatui::layout::Rect>,
}

impl QualityPane {
    pub fn handle(&mut self, action: Action, session: &mut Session) -> Vec<Effect> {
        if let Some(step) = Move::of(action) {
            let len = self.shown().len();
            step.apply(&mut self.selected, len);
            return vec![];
        }
        match action {
            Action::Search => self.filter.ask(session),
            Action::Reveal => self.reveal(session),
            _ => vec![],
        }
    }

    /// An admin's request to see the selected check's samples unredacted: refused to other
    /// roles, and in a read-only console (where who looked cannot be recorded).
    fn reveal(&mut self, session: &mut Session) -> Vec<Effect> {
        if session.refuse(
            Access::Reveal,
            "show personal values (who looked is recorded)",
        ) {
            return vec![];
        }
        let Some(result) = self.selected_index().map(|i| &self.results[i]) else {
            return vec![];
        };
        if result.samples.trim().is_empty() || result.samples.trim() == "[]" {
            session.flash(Level::Info, "This check has no failing rows to show");
            return vec![];
        }
        session.flash(
            Level::Info,
            "Showing personal values · recorded in the audit trail",
        );
        vec![Effect::RevealSamples(result.check_name.clone())]
    }

    /// The golden record (its number) of the selected check's first failing row that
    /// belongs to one.
    pub fn first_golden(&self) -> Option<i64> {
        let result = &self.results[self.selected_index()?];
        let samples: Vec<serde_json::Value> = serde_json::from_str(&result.samples).ok()?;
        samples.iter().find_map(|sample| {
            let id = sample.get("golden")?.as_str()?;
            id.strip_prefix("C-")?.parse().ok()
        })
    }

    /// The checks shown (indexes into `results`): those the filter keeps.
    pub fn shown(&self) -> Vec<usize> {
        (0..self.results.len())
            .filter(|&i| {
                let r = &self.results[i];
                let texts = [
                    r.check_name.as_str(),
                    &r.table_name,
                    &r.check_type,
                    &r.severity,
                ];
                self.filter.keeps(&texts)
            })
            .collect()
    }

    /// The selected check's index in `results`.
    pub fn selected_index(&self) -> Option<usize> {
        self.shown().get(self.selected).copied()
    }

    /// Narrow the checks to those holding `typed`, staying on the selected one if kept.
    pub fn filter(&mut self, typed: &str) -> Vec<Effect> {
        let keep = self.selected_index();
        if self.filter.set(typed) {
            let shown = self.shown();
            self.selected = keep
                .and_then(|i| shown.iter().position(|&s| s == i))
                .unwrap_or(0);
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
            .selected_index()
            .map(|i| self.results[i].check_name.clone());
        self.ingest = ingest;
        self.run = run;
        self.results = results;
        self.trends = trends;
        self.loaded = true;
        let shown = self.shown();
        if let Some(i) = keep.and_then(|name| {
            shown
                .iter()
                .position(|&i| self.results[i].check_name == name)
        }) {
            self.selected = i;
        }
        self.selected = self.selected.min(shown.len().saturating_sub(1));
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
    if let Some(i) = q.selected_index() {
        let result = &q.results[i];
        let trend = q.trends.get(i).map(Vec::as_slice).unwrap_or(&[]);
        let revealed = q
            .revealed
            .as_ref()
            .filter(|(check, _)| *check == result.check_name)
            .map(|(_, samples)| samples.as_slice());
        render_detail(result, revealed, trend, theme, detail, frame);
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
    let shown = q.shown();
    let offset = scroll(&q.offset, q.selected, shown.len(), height);
    // The check's name takes three parts of what the fixed columns leave, the trend one;
    // a name that does not fit is cut with a mark.
    const FIXED: u16 = 6 + 8 + 8 + 5 + 5;
    let free = area.width.saturating_sub(2 + FIXED);
    let (check_width, trend_width) = (free * 3 / 4, free - free * 3 / 4);
    let rows = shown
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(row, &i)| {
            let r = &q.results[i];
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
                Cell::from(fit(
                    &format!("{}: {}", r.table_name, r.check_name),
                    check_width.into(),
                )),
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
            .style(theme.row(row == q.selected))
        });
    let title = format!(
        " Checks, worst first{} · {} of {} ",
        q.filter.label(),
        shown.len(),
        q.results.len()
    );
    let table = Table::new(
        rows,
        [
            Constraint::Length(6),
            Constraint::Length(8),
            Constraint::Length(check_width),
            Constraint::Length(8),
            Constraint::Length(5),
            Constraint::Length(trend_width),
        ],
    )
    .header(Row::new(["", "severity", "check", "result", "vs", "trend"]).style(theme.header))
    .block(pane_block(title, theme, true));
    frame.render_widget(table, area);
}

/// Checks judged on one measured value rather than on failing rows.
fn measures_a_value(check_type: &str) -> bool {
    matches!(
        check_type,
        "row_count" | "metric" | "freshness" | "reconciliation"
    )
}

fn render_detail(
    r: &ResultRow,
    revealed: Option<&[serde_json::Value]>,
    trend: &[f64],
    theme: &Theme,
    area: Rect,
    frame: &mut Frame,
) {
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
    let samples: Vec<serde_json::Value> = match revealed {
        Some(samples) => samples.to_vec(),
        None => serde_json::from_str(&r.samples).unwrap_or_default(),
    };
    if !samples.is_empty() {
        let heading = match revealed {
            Some(_) => "failing rows with personal values (your viewing is in the audit trail):",
            None => {
                "failing rows (personal fields redacted, v shows them to an admin; Enter opens the first one's golden record):"
            }
        };
        lines.push(Line::styled(heading, theme.header));
    }
    for sample in samples {
        let text = crate::text::terminal_safe(&sample.to_string()).into_owned();
        lines.push(Line::raw(format!("  {text}")));
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
        let mut session = Session::new(crate::vocab::access::Role::Admin, false, "t".into());
        pane.handle(Action::Bottom, &mut session);
        assert_eq!(pane.selected, 2);
        let reordered = vec![result("c"), result("a")];
        pane.loaded(None, reordered, vec![], IngestHealth::default());
        assert_eq!(pane.selected, 0, "still on check c");
        pane.loaded(None, vec![result("a")], vec![], IngestHealth::default());
        assert_eq!(pane.selected, 0, "c is gone: the nearest row");
    }

    #[test]
    fn slash_keeps_the_checks_holding_the_text_and_the_selection_on_its_check() {
        let result = |table: &str, name: &str| ResultRow {
            table_name: table.into(),
            check_name: name.into(),
            ..ResultRow::default()
        };
        let mut pane = QualityPane::default();
        let results = vec![
            result("donation", "amount_positive"),
            result("source_record", "email_valid"),
            result("donation", "gift_date_recent"),
        ];
        pane.loaded(None, results, vec![], IngestHealth::default());
        let mut session = Session::new(crate::vocab::access::Role::Admin, false, "t".into());
        pane.handle(Action::Bottom, &mut session);
        pane.filter("DONATION");
        assert_eq!(pane.shown(), vec![0, 2]);
        assert_eq!(pane.selected_index(), Some(2), "still on gift_date_recent");
        pane.handle(Action::Search, &mut session);
        assert!(matches!(
            &session.mode,
            crate::tui::app::Mode::Input { kind: crate::tui::app::InputKind::Filter, text, .. } if text == "DONATION"
        ));
        pane.filter("email");
        assert_eq!(pane.selected_index(), Some(1));
        pane.filter("");
        assert_eq!(pane.shown().len(), 3);
    }

    #[test]
    fn text_sparklines_scale_between_the_lowest_and_highest_value() {
        assert_eq!(spark(&[0.0, 7.0, 3.5]), "▁█▅");
        assert_eq!(spark(&[2.0, 2.0]), "▁▁");
        assert_eq!(spark(&[]), "");
    }
}
