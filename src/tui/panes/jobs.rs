//! Jobs: what can be started, and every job of this session with its stage, a gauge,
//! elapsed time and outcome.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Gauge, Paragraph, Row, Table, Wrap};

use crate::tui::app::App;
use crate::tui::theme::Theme;
use crate::tui::view::{empty_block, pane_block};

use crate::jobs::JobKind;

#[derive(Debug, Clone, PartialEq)]
pub enum JobState {
    Running,
    Cancelling,
    Finished(String),
    Cancelled,
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    pub id: u64,
    pub kind: JobKind,
    pub state: JobState,
    pub stage: String,
    pub done: u64,
    pub total: u64,
    pub elapsed: Duration,
}

impl JobRow {
    pub fn is_active(&self) -> bool {
        matches!(self.state, JobState::Running | JobState::Cancelling)
    }

    pub fn ratio(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            (self.done as f64 / self.total as f64).clamp(0.0, 1.0)
        }
    }
}

#[derive(Debug, Default)]
pub struct JobsPane {
    pub jobs: Vec<JobRow>,
    pub selected: usize,
}

pub fn render(app: &App, theme: &Theme, area: Rect, frame: &mut Frame) {
    let [start, list, detail] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Fill(1),
        Constraint::Length(6),
    ])
    .areas(area);
    let start_line = Line::from(vec![
        Span::styled(" r ", theme.header),
        Span::raw("resolve identities   "),
        Span::styled("c ", theme.header),
        Span::raw("score risk & upgrades   "),
        Span::styled("d ", theme.header),
        Span::raw("data-quality checks   "),
        Span::styled("x ", theme.header),
        Span::raw("cancel the selected job"),
    ]);
    frame.render_widget(
        Paragraph::new(start_line).block(pane_block(" Start ", theme, false)),
        start,
    );
    let block = pane_block(" This session's jobs ", theme, true);
    if app.jobs.jobs.is_empty() {
        empty_block(
            block,
            "No jobs yet. Press r to resolve identities, c to score, d to check data quality.",
            theme,
            list,
            frame,
        );
    } else {
        let rows = app.jobs.jobs.iter().enumerate().map(|(i, job)| {
            Row::new(vec![
                Cell::from(format!("#{}", job.id)),
                Cell::from(job.kind.label()),
                Cell::from(state_label(&job.state)),
                Cell::from(job.stage.clone()),
                Cell::from(format!("{:>3.0}%", job.ratio() * 100.0)),
                Cell::from(elapsed(job)),
            ])
            .style(theme.row(i == app.jobs.selected))
        });
        let table = Table::new(
            rows,
            [
                Constraint::Length(4),
                Constraint::Length(22),
                Constraint::Length(11),
                Constraint::Fill(1),
                Constraint::Length(5),
                Constraint::Length(7),
            ],
        )
        .header(Row::new(["id", "job", "state", "stage", "done", "elapsed"]).style(theme.header))
        .block(block);
        frame.render_widget(table, list);
    }
    if let Some(job) = app.jobs.jobs.get(app.jobs.selected) {
        render_selected(job, theme, detail, frame);
    }
}

fn state_label(state: &JobState) -> &'static str {
    match state {
        JobState::Running => "running",
        JobState::Cancelling => "cancelling",
        JobState::Finished(_) => "finished",
        JobState::Cancelled => "cancelled",
        JobState::Failed(_) => "FAILED",
    }
}

fn elapsed(job: &JobRow) -> String {
    let s = job.elapsed.as_secs();
    format!("{}:{:02}", s / 60, s % 60)
}

fn render_selected(job: &JobRow, theme: &Theme, area: Rect, frame: &mut Frame) {
    let block = pane_block(format!(" #{} {} ", job.id, job.kind.label()), theme, false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [gauge_area, text_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    let label = format!("{} · {}/{}", job.stage, job.done, job.total);
    frame.render_widget(
        Gauge::default()
            .gauge_style(theme.gauge)
            .ratio(job.ratio())
            .label(label),
        gauge_area,
    );
    let text = match &job.state {
        JobState::Finished(summary) => Line::styled(summary.clone(), theme.ok),
        JobState::Failed(message) => Line::styled(message.clone(), theme.error),
        JobState::Cancelled => Line::styled("Cancelled: nothing was changed.", theme.warn),
        JobState::Cancelling => Line::raw("Stopping at the next batch boundary…"),
        JobState::Running => Line::raw("Results appear in every tab when the job commits."),
    };
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), text_area);
}
