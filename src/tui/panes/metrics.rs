//! Metrics: every metric by category; the selected one's definition, owner, steward and
//! version history; its SQL for each platform (side by side when wide); and its live
//! value on the local store, broken down by a dimension on request.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};

use crate::jobs::JobKind;
use crate::metrics::MetricValue;
use crate::metrics::def::MetricDef;
use crate::metrics::def::MetricsFile;
use crate::metrics::lifecycle::Kept;
use crate::metrics::render::{Dialect, render as render_sql};
use crate::store::browse::thousands;
use crate::tui::app::{App, Effect, Level, Session};
use crate::tui::keymap::{Action, Scope};
use crate::tui::paged::scroll;
use crate::tui::panes::{Filter, Move};
use crate::tui::scroll::Scroll;
use crate::tui::theme::Theme;
use crate::tui::view::{empty_block, fit, pane_block, placeholder, rendered_rows};
use crate::vocab::access::Access;

#[derive(Debug, Default)]
pub struct MetricsPane {
    pub file: Option<std::sync::Arc<MetricsFile>>,
    pub as_of: Option<chrono::NaiveDate>,
    /// Why the definitions could not be loaded.
    pub error: Option<String>,
    /// Only the metrics holding what was typed at `/`.
    pub filter: Filter,
    pub selected: usize,
    pub by: Option<String>,
    pub platform: usize,
    /// How far the SQL panes are scrolled.
    pub sql_scroll: Scroll,
    pub value: Option<MetricValue>,
    /// Retention by lifecycle segment as last computed (shown above everything else).
    pub lifecycle: Kept,
    /// The data date a background computation of it was started for in this session.
    pub lifecycle_started_for: Option<chrono::NaiveDate>,
    pub loaded: bool,
    pub offset: std::cell::Cell<usize>,
}

impl MetricsPane {
    /// Metrics in display order (by category, then as defined), those the filter keeps.
    pub fn ordered(&self) -> Vec<&MetricDef> {
        let Some(file) = &self.file else {
            return Vec::new();
        };
        let mut metrics: Vec<&MetricDef> = file
            .metrics
            .iter()
            .filter(|m| {
                let texts = [m.name.as_str(), &m.display_name, &m.category, &m.definition];
                self.filter.keeps(&texts)
            })
            .collect();
        metrics.sort_by(|a, b| a.category.cmp(&b.category));
        metrics
    }

    pub fn selected_metric(&self) -> Option<&MetricDef> {
        self.ordered().get(self.selected).copied()
    }

    pub fn handle(&mut self, action: Action, session: &mut Session) -> Vec<Effect> {
        if let Some(step) = Move::of(action) {
            let (before, len) = (self.selected, self.ordered().len());
            step.apply(&mut self.selected, len);
            if self.selected != before {
                self.value = None;
                self.by = None;
                self.sql_scroll.to_top();
            }
            return vec![];
        }
        match action {
            Action::Search => self.filter.ask(session),
            Action::ComputeMetric
                if session.refuse(Access::Compute, "compute a metric (its value is kept)") =>
            {
                vec![]
            }
            Action::ComputeMetric => match self.selected_metric() {
                Some(m) => {
                    let name = m.name.clone();
                    session.flash(Level::Info, format!("Computing {name}…"));
                    vec![Effect::ComputeMetric {
                        name,
                        by: self.by.clone(),
                    }]
                }
                None => vec![],
            },
            Action::CycleDimension => self.cycle_dimension(session),
            Action::CyclePlatform => {
                self.platform = (self.platform + 1) % 3;
                self.sql_scroll.to_top();
                vec![]
            }
            Action::ScrollDown => {
                self.sql_scroll.down();
                vec![]
            }
            Action::ScrollUp => {
                self.sql_scroll.up();
                vec![]
            }
            Action::CopyId => match self.chosen_sql() {
                Some((dialect, sql)) => {
                    session.flash(
                        Level::Info,
                        format!("{} SQL copied to the clipboard", dialect.name()),
                    );
                    vec![Effect::Copy(sql)]
                }
                None => vec![],
            },
            _ => vec![],
        }
    }

    /// Narrow the metrics to those holding `typed`, staying on the selected one if kept.
    pub fn filter(&mut self, typed: &str) -> Vec<Effect> {
        let keep = self.selected_metric().map(|m| m.name.clone());
        if self.filter.set(typed) {
            let at = keep.and_then(|name| self.ordered().iter().position(|m| m.name == name));
            if at.is_none() {
                self.value = None;
                self.by = None;
            }
            self.selected = at.unwrap_or(0);
        }
        vec![]
    }

    /// The platform chosen with `p` (standard, Snowflake, Databricks).
    pub fn chosen_dialect(&self) -> Dialect {
        Dialect::ALL[1 + self.platform % 3]
    }

    /// The selected metric's SQL for the chosen platform, as of the data's date, broken
    /// down as shown.
    pub fn chosen_sql(&self) -> Option<(Dialect, String)> {
        let (file, def) = (self.file.as_ref()?, self.selected_metric()?);
        let as_of = self.as_of.unwrap_or_else(default_as_of);
        let dialect = self.chosen_dialect();
        render_sql(file, &def.name, dialect, as_of, self.by.as_deref())
            .ok()
            .map(|sql| (dialect, sql))
    }

    /// Break the value down by the metric's next dimension (after the last: no breakdown).
    fn cycle_dimension(&mut self, session: &mut Session) -> Vec<Effect> {
        let Some(m) = self.selected_metric() else {
            return vec![];
        };
        let dims = m.dimensions.clone();
        let name = m.name.clone();
        if dims.is_empty() {
            session.flash(Level::Info, format!("{name} has no dimensions"));
            return vec![];
        }
        let next = match &self.by {
            None => dims.first().cloned(),
            Some(d) => dims
                .iter()
                .position(|x| x == d)
                .and_then(|i| dims.get(i + 1).cloned()),
        };
        self.by = next.clone();
        // The SQL shown follows the dimension; the value is computed where it may be kept.
        if !session.may(Access::Compute) {
            return vec![];
        }
        vec![Effect::ComputeMetric { name, by: next }]
    }

    pub fn loaded(
        &mut self,
        file: Option<std::sync::Arc<MetricsFile>>,
        as_of: Option<chrono::NaiveDate>,
        error: Option<String>,
    ) {
        self.file = file;
        self.as_of = as_of;
        self.error = error;
        self.loaded = true;
        self.selected = self.selected.min(self.ordered().len().saturating_sub(1));
    }

    /// A computed value, kept if its metric is still the one selected.
    pub fn value_loaded(&mut self, value: MetricValue) {
        if self
            .selected_metric()
            .is_some_and(|m| m.name == value.metric)
        {
            self.value = Some(value);
        }
    }
}

/// From these widths two, then all four platforms' SQL show side by side.
const TWO_PLATFORMS_FROM: u16 = 80;
/// The width from which the list shows every shipped metric's name whole.
const WIDE_LIST_FROM: u16 = 140;
const ALL_PLATFORMS_FROM: u16 = 160;

pub fn render(app: &App, theme: &Theme, area: Rect, frame: &mut Frame) {
    let m = &app.metrics;
    if !m.loaded {
        placeholder("loading the metric definitions…", theme, area, frame);
        return;
    }
    if let Some(error) = &m.error {
        empty_block(
            pane_block(" Metrics ", theme, true),
            error,
            theme,
            area,
            frame,
        );
        return;
    }
    let [lifecycle, area] =
        Layout::vertical([Constraint::Length(LIFECYCLE_ROWS), Constraint::Fill(1)]).areas(area);
    render_lifecycle(app, theme, lifecycle, frame);
    // The list is as wide as the longest names where that still leaves the SQL two panes.
    let list_width = if area.width >= WIDE_LIST_FROM { 49 } else { 34 };
    let [list, right] =
        Layout::horizontal([Constraint::Length(list_width), Constraint::Fill(1)]).areas(area);
    render_list(app, theme, list, frame);
    let Some(metric) = m.selected_metric() else {
        return;
    };
    let about = Paragraph::new(about_lines(app, metric, theme)).wrap(Wrap { trim: true });
    // As tall as its wrapped text (the value and its breakdown are what Enter and `b` are
    // pressed for), leaving the SQL below a few rows at least.
    let most = right.height.saturating_sub(MIN_SQL_ROWS);
    let height = (rendered_rows(&about, right.width.saturating_sub(2), most) + 2).min(most);
    let [about_area, sql] =
        Layout::vertical([Constraint::Length(height), Constraint::Fill(1)]).areas(right);
    let title = format!(" {} ({}) ", metric.display_name, metric.name);
    frame.render_widget(about.block(pane_block(title, theme, false)), about_area);
    render_sql_panes(app, metric, theme, sql, frame);
}

/// The retention strip's height: its segments' names, rates and cohorts, and borders.
const LIFECYCLE_ROWS: u16 = 5;

/// Donor retention by lifecycle segment, as last computed: a column a segment.
fn render_lifecycle(app: &App, theme: &Theme, area: Rect, frame: &mut Frame) {
    let kept = &app.metrics.lifecycle;
    let computing = app
        .jobs
        .active()
        .is_some_and(|j| j.kind == JobKind::Retention);
    let as_of = kept.segments.iter().find_map(|s| s.as_of.as_deref());
    let recompute = app.session.key(Scope::Metrics, Action::ComputeLifecycle);
    let mut title = vec![Span::raw(" Donor retention by lifecycle ")];
    match (as_of, computing) {
        (_, true) => title.push(Span::styled(
            "· computing in the background (Jobs) ",
            theme.muted,
        )),
        (None, false) => title.push(Span::styled(
            format!("· not computed: {recompute} computes it "),
            theme.muted,
        )),
        (Some(at), false) if kept.changed => title.push(Span::styled(
            format!("· as of {at}; records changed since: {recompute} recomputes "),
            theme.warn,
        )),
        (Some(at), false) => title.push(Span::styled(
            format!("· as of {at} · who gave again, ± points on a year before "),
            theme.muted,
        )),
    }
    if kept.segments.is_empty() {
        let block = pane_block(" Donor retention by lifecycle ", theme, false);
        let text = "no metric is tagged `lifecycle` in metrics_definitions.yaml";
        empty_block(block, text, theme, area, frame);
        return;
    }
    let block = pane_block(Line::from(title), theme, false);
    // A column a segment: its name, the share retained, and of how many.
    let columns = kept.segments.len().max(1);
    let width = usize::from(area.width.saturating_sub(2)) / columns;
    let cell = |text: String| Cell::from(fit(&text, width.saturating_sub(1)));
    let names = kept.segments.iter().map(|s| cell(s.label.clone()));
    // The share, then its change in points since a year before (what FEP reports), whole
    // points where a column is narrow ("68.8% +10.5" is 11 wide).
    let decimals = usize::from(width >= 13);
    let rates = kept.segments.iter().map(|s| {
        let change = match (s.rate, s.a_year_before) {
            (Some(now), Some(then)) => format!(" {:+.*}", decimals, (now - then) * 100.0),
            _ => String::new(),
        };
        Cell::from(Line::from(vec![
            Span::styled(number(s.rate, Some("share")), theme.header),
            Span::styled(change, theme.muted),
        ]))
    });
    let cohorts = (kept.segments.iter()).map(|s| cell(format!("of {}", number(s.cohort, None))));
    let rows = [
        Row::new(names).style(theme.muted),
        Row::new(rates),
        Row::new(cohorts),
    ];
    let widths = std::iter::repeat_n(Constraint::Fill(1), columns);
    frame.render_widget(Table::new(rows, widths).block(block), area);
}

/// Rows the SQL panes keep however long the definition is.
const MIN_SQL_ROWS: u16 = 6;

fn render_list(app: &App, theme: &Theme, area: Rect, frame: &mut Frame) {
    let m = &app.metrics;
    let metrics = m.ordered();
    let height = area.height.saturating_sub(2) as usize;
    let offset = scroll(&m.offset, m.selected, metrics.len(), height);
    // Names that do not fit are cut with a mark (a silently cut name reads as another's).
    const CATEGORY: usize = 10;
    let name_width = usize::from(area.width.saturating_sub(2)).saturating_sub(CATEGORY + 1);
    let rows = metrics
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, def)| {
            Row::new(vec![
                Cell::from(Span::styled(fit(&def.category, CATEGORY), theme.muted)),
                Cell::from(fit(&def.display_name, name_width)),
            ])
            .style(theme.row(i == m.selected))
        });
    let title = match m.filter.text() {
        Some(_) => format!(" {} metrics{} ", metrics.len(), m.filter.label()),
        None => format!(" {} metrics ", metrics.len()),
    };
    frame.render_widget(
        Table::new(
            rows,
            [Constraint::Length(CATEGORY as u16), Constraint::Fill(1)],
        )
        .block(pane_block(title, theme, true)),
        area,
    );
}

fn number(v: Option<f64>, unit: Option<&str>) -> String {
    match (v, unit) {
        (None, _) => "–".into(),
        (Some(v), Some("share")) => format!("{:.1}%", v * 100.0),
        (Some(v), Some("dollars")) => format!("${}", grouped(v, 2)),
        (Some(v), _) if v.fract() == 0.0 => grouped(v, 0),
        (Some(v), _) => grouped(v, 3),
    }
}

/// `v` rounded to `decimals` places, its whole part grouped by thousands (753,544).
fn grouped(v: f64, decimals: u32) -> String {
    let scale = 10_i64.pow(decimals);
    let scaled = (v * scale as f64).round() as i64;
    let sign = if scaled < 0 { "-" } else { "" };
    let whole = thousands(scaled.abs() / scale);
    match decimals {
        0 => format!("{sign}{whole}"),
        _ => format!(
            "{sign}{whole}.{:0width$}",
            scaled.abs() % scale,
            width = decimals as usize
        ),
    }
}

/// A definition: what it counts, who owns it, its versions, and its value once computed.
fn about_lines(app: &App, def: &MetricDef, theme: &Theme) -> Vec<Line<'static>> {
    let label = |t: &str| Span::styled(format!("{t:<9}"), theme.muted);
    let mut lines = vec![
        Line::raw(def.definition.trim().to_string()),
        Line::from(vec![
            label("owner"),
            Span::raw(format!("{} · steward {}", def.owner, def.steward)),
        ]),
        Line::from(vec![
            label("type"),
            Span::raw(format!(
                "{:?} · version {} · dimensions: {}",
                def.kind,
                def.version(),
                if def.dimensions.is_empty() {
                    "none".into()
                } else {
                    def.dimensions.join(", ")
                }
            )),
        ]),
    ];
    for v in &def.versions {
        lines.push(Line::from(vec![
            label(&format!("v{}", v.version)),
            Span::raw(format!("{} {}: {}", v.date, v.author, v.change)),
        ]));
    }
    let value = app.metrics.value.as_ref().filter(|v| v.metric == def.name);
    match value {
        Some(v) => {
            lines.push(Line::from(vec![
                label("value"),
                Span::styled(number(v.value, def.unit.as_deref()), theme.header),
                Span::raw(format!(" as of {} (definition v{})", v.as_of, v.version)),
            ]));
            if let Some(by) = &v.dimension {
                let parts: Vec<String> = v
                    .breakdown
                    .iter()
                    .map(|(d, x)| {
                        format!(
                            "{} {}",
                            d.as_deref().unwrap_or("(none)"),
                            number(*x, def.unit.as_deref())
                        )
                    })
                    .collect();
                lines.push(Line::from(vec![
                    Span::styled(format!("by {by}: "), theme.muted),
                    Span::raw(parts.join(" · ")),
                ]));
            }
        }
        None => lines.push(Line::from(vec![
            label("value"),
            Span::styled(
                "Enter computes it on the local store; b breaks it down",
                theme.muted,
            ),
        ])),
    }
    lines
}

/// What SQL is shown as of before the store says its date (the generator's default).
fn default_as_of() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default()
}

fn render_sql_panes(app: &App, def: &MetricDef, theme: &Theme, area: Rect, frame: &mut Frame) {
    let as_of = app.metrics.as_of.unwrap_or_else(default_as_of);
    let Some(file) = &app.metrics.file else {
        return;
    };
    let sql_of = |dialect: Dialect| {
        render_sql(file, &def.name, dialect, as_of, None).unwrap_or_else(|e| format!("-- {e}"))
    };
    let scroll = &app.metrics.sql_scroll;
    scroll.begin_frame();
    let show = |dialect: Dialect, area: Rect, frame: &mut Frame| {
        let sql = Paragraph::new(sql_of(dialect)).wrap(Wrap { trim: false });
        scroll.render(sql, dialect.name(), theme, area, frame);
    };
    // SQLite (what runs here) beside the platform chosen with `p`, or all four when wide.
    let chosen = app.metrics.chosen_dialect();
    if area.width >= ALL_PLATFORMS_FROM {
        let columns = Layout::horizontal([Constraint::Fill(1); 4]).split(area);
        for (dialect, column) in Dialect::ALL.into_iter().zip(columns.iter()) {
            show(dialect, *column, frame);
        }
    } else if area.width >= TWO_PLATFORMS_FROM {
        let [left, right] = Layout::horizontal([Constraint::Fill(1); 2]).areas(area);
        show(Dialect::Sqlite, left, frame);
        show(chosen, right, frame);
    } else {
        show(chosen, area, frame);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::access::Role;

    fn pane() -> MetricsPane {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("config/metrics_definitions.yaml");
        let text = std::fs::read_to_string(&path).expect("the shipped metric definitions");
        let file = MetricsFile::parse(&path, &text).expect("they parse");
        let mut pane = MetricsPane::default();
        pane.loaded(Some(std::sync::Arc::new(file)), None, None);
        pane
    }

    #[test]
    fn values_read_with_their_thousands_grouped() {
        assert_eq!(number(Some(753_544.0), None), "753,544");
        assert_eq!(number(Some(1_234.567), Some("dollars")), "$1,234.57");
        assert_eq!(number(Some(999.999), Some("dollars")), "$1,000.00");
        assert_eq!(number(Some(-1_500.25), None), "-1,500.250");
        assert_eq!(number(Some(0.1234), Some("share")), "12.3%");
        assert_eq!(number(None, None), "–");
    }

    #[test]
    fn the_breakdown_steps_through_each_dimension_then_back_to_none() {
        let mut pane = pane();
        let mut session = Session::new(Role::Admin, false, "x".into());
        let with_dims = pane
            .ordered()
            .iter()
            .position(|m| !m.dimensions.is_empty())
            .expect("a metric with dimensions ships");
        pane.selected = with_dims;
        let dims = pane.ordered()[with_dims].dimensions.clone();
        let mut seen = Vec::new();
        for _ in 0..=dims.len() {
            let effects = pane.handle(Action::CycleDimension, &mut session);
            let [Effect::ComputeMetric { by, .. }] = effects.as_slice() else {
                panic!("a computation expected, got {effects:?}");
            };
            assert_eq!(by, &pane.by);
            seen.push(by.clone());
        }
        let mut expected: Vec<Option<String>> = dims.into_iter().map(Some).collect();
        expected.push(None);
        assert_eq!(seen, expected);
    }

    #[test]
    fn y_copies_the_chosen_platforms_sql() {
        let mut pane = pane();
        let mut session = Session::new(Role::Admin, false, "x".into());
        pane.handle(Action::CyclePlatform, &mut session); // standard → Snowflake
        let effects = pane.handle(Action::CopyId, &mut session);
        let [Effect::Copy(sql)] = effects.as_slice() else {
            panic!("a copy expected, got {effects:?}");
        };
        assert_eq!(Some(sql.clone()), pane.chosen_sql().map(|(_, s)| s));
        assert_eq!(pane.chosen_dialect(), Dialect::Snowflake);
        assert!(sql.contains("SELECT"));
    }

    #[test]
    fn moving_to_another_metric_forgets_the_value_and_breakdown() {
        let mut pane = pane();
        let mut session = Session::new(Role::Admin, false, "x".into());
        pane.by = Some("anything".into());
        pane.handle(Action::Down, &mut session);
        assert_eq!(pane.selected, 1);
        assert_eq!(pane.by, None);
        pane.by = Some("anything".into());
        pane.handle(Action::Top, &mut session);
        pane.handle(Action::Up, &mut session); // already at the top: nothing moves
        assert_eq!(pane.selected, 0);
        assert_eq!(pane.by, None);
    }
}
