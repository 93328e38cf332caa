//! Jobs: what can be started, and every job of this session with its stage, a gauge,
//! elapsed time and outcome.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Gauge, Paragraph, Row, Table, Wrap};

use crate::jobs::JobEvent;
use crate::tui::app::{App, Effect, Level, Session};
use crate::tui::keymap::{self, Action, Scope};
use crate::tui::panes::Move;
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

/// A job's stage before its first progress report.
const STARTING: &str = "starting";

#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    pub id: u64,
    pub kind: JobKind,
    pub state: JobState,
    pub stage: String,
    pub done: u64,
    pub total: u64,
    pub elapsed: Duration,
    /// Say in the status line when it finishes (not for what the console started by
    /// itself; a failure is always said).
    pub announce: bool,
}

impl JobRow {
    pub fn is_active(&self) -> bool {
        matches!(self.state, JobState::Running | JobState::Cancelling)
    }

    /// Ask a running job to stop at its next batch boundary; nothing for one that is not.
    fn cancel(&mut self) -> Option<Effect> {
        (self.state == JobState::Running).then(|| {
            self.state = JobState::Cancelling;
            Effect::CancelJob(self.id)
        })
    }

    pub fn ratio(&self) -> f64 {
        if matches!(self.state, JobState::Finished(_)) {
            1.0
        } else if self.total == 0 {
            0.0
        } else {
            (self.done as f64 / self.total as f64).clamp(0.0, 1.0)
        }
    }
}

#[derive(Debug, Default)]
pub struct JobsPane {
    /// Newest first.
    pub jobs: Vec<JobRow>,
    pub selected: usize,
    /// The id of the last job started (the next gets one more).
    last_id: u64,
}

/// What a job's event means for the rest of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobOutcome {
    /// Still running, or stopped without changing anything.
    Nothing,
    /// Finished: the store changed, what is shown should be reloaded.
    Finished(JobKind),
}

impl JobsPane {
    pub fn handle(&mut self, action: Action, session: &mut Session) -> Vec<Effect> {
        if let Some(step) = Move::of(action) {
            step.apply(&mut self.selected, self.jobs.len());
            return vec![];
        }
        match action {
            Action::CancelJob => self.cancel_selected(session),
            _ => vec![],
        }
    }

    pub fn running(&self) -> usize {
        self.jobs.iter().filter(|j| j.is_active()).count()
    }

    pub fn active(&self) -> Option<&JobRow> {
        self.jobs.iter().find(|j| j.is_active())
    }

    /// Start a job of `kind`, one at a time. What the console started by itself gives way:
    /// it is cancelled (it keeps nothing) and this one starts.
    pub fn start(&mut self, kind: JobKind, session: &mut Session) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Some(job) = self.jobs.iter_mut().find(|j| j.is_active()) {
            if job.announce {
                let label = job.kind.label();
                session.flash(Level::Warn, format!("Wait for '{label}' to finish first"));
                return vec![];
            }
            effects.extend(job.cancel());
        }
        self.last_id += 1;
        let id = self.last_id;
        self.jobs.insert(
            0,
            JobRow {
                id,
                kind,
                state: JobState::Running,
                stage: STARTING.into(),
                done: 0,
                total: 0,
                elapsed: Duration::ZERO,
                announce: true,
            },
        );
        self.selected = 0;
        effects.push(Effect::StartJob { id, kind });
        effects
    }

    /// Start a job the console needs without being asked: it ends without a word (its row
    /// on Jobs says it ran), gives way to any job a person starts, and does not start
    /// while another job runs.
    pub fn start_unannounced(&mut self, kind: JobKind, session: &mut Session) -> Vec<Effect> {
        if self.active().is_some() {
            return vec![];
        }
        let effects = self.start(kind, session);
        if let Some(job) = self.jobs.first_mut() {
            job.announce = false;
        }
        effects
    }

    fn cancel_selected(&mut self, session: &mut Session) -> Vec<Effect> {
        let Some(job) = self.jobs.get_mut(self.selected) else {
            return vec![];
        };
        let effects: Vec<Effect> = job.cancel().into_iter().collect();
        if effects.is_empty() {
            session.flash(Level::Info, "That job is not running");
        }
        effects
    }

    /// Time passed: running jobs' clocks advance.
    pub fn tick(&mut self, elapsed: Duration) {
        for job in self.jobs.iter_mut().filter(|j| j.is_active()) {
            job.elapsed += elapsed;
        }
    }

    /// A job reported progress or ended.
    pub fn on_event(&mut self, event: JobEvent, session: &mut Session) -> JobOutcome {
        let id = match &event {
            JobEvent::Progress { id, .. }
            | JobEvent::Finished { id, .. }
            | JobEvent::Cancelled { id }
            | JobEvent::Failed { id, .. } => *id,
        };
        let Some(job) = self.jobs.iter_mut().find(|j| j.id == id) else {
            return JobOutcome::Nothing;
        };
        let label = job.kind.label();
        match event {
            JobEvent::Progress {
                stage, done, total, ..
            } => {
                job.stage = stage;
                job.done = done;
                job.total = total;
            }
            JobEvent::Finished { summary, .. } => {
                if job.announce {
                    session.flash(Level::Info, format!("{label} finished: {summary}"));
                }
                job.state = JobState::Finished(summary);
                job.done = job.total;
                // A job with nothing to do (every file unchanged) reported no stage.
                if job.stage == STARTING {
                    job.stage = "done".into();
                }
                return JobOutcome::Finished(job.kind);
            }
            JobEvent::Cancelled { .. } => {
                job.state = JobState::Cancelled;
                if job.announce {
                    session.flash(
                        Level::Warn,
                        format!("{label} cancelled; nothing was changed"),
                    );
                }
            }
            // Background work that was giving way when it failed (a write it waited for,
            // say) kept nothing: it was cancelled, as far as anyone asked.
            JobEvent::Failed { .. } if !job.announce && job.state == JobState::Cancelling => {
                job.state = JobState::Cancelled;
            }
            JobEvent::Failed { message, .. } => {
                session.flash(Level::Error, format!("{label} failed: {message}"));
                job.state = JobState::Failed(message);
            }
        }
        JobOutcome::Nothing
    }
}

pub fn render(app: &App, theme: &Theme, area: Rect, frame: &mut Frame) {
    // The selected job's progress below the list, once there is a job to select.
    let detail_rows = if app.jobs.jobs.is_empty() { 0 } else { 6 };
    let [start, list, detail] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Fill(1),
        Constraint::Length(detail_rows),
    ])
    .areas(area);
    // Each job's key (as the keymap binds it) and what it does, in fewer words where the
    // long ones do not fit; one the role may not start is muted and says who may, where
    // that fits.
    let choices = [
        (Action::StartIngest, "ingest the sources", "ingest"),
        (Action::StartResolve, "resolve identities", "resolve"),
        (Action::StartScore, "score risk & upgrades", "score"),
        (
            Action::StartQuality,
            "data-quality checks",
            "quality checks",
        ),
        (
            Action::CancelJob,
            "cancel the selected job",
            "cancel the selected job",
        ),
    ];
    let line = |wide: bool, say_who: bool| {
        let spans = choices.iter().filter_map(|(action, long, short)| {
            let key = app.session.keymap.key_of(Scope::Jobs, *action)?;
            let what = if wide { long } else { short };
            let access = keymap::access(Scope::Jobs, *action);
            Some(if app.session.may(access) {
                [
                    Span::styled(format!(" {key} "), theme.header),
                    Span::raw(format!("{what} ")),
                ]
            } else {
                [
                    Span::styled(format!(" {key} "), theme.muted),
                    Span::styled(
                        match say_who {
                            true => format!("{what} ({}) ", access.needs()),
                            false => format!("{what} "),
                        },
                        theme.muted,
                    ),
                ]
            })
        });
        Line::from(spans.flatten().collect::<Vec<_>>())
    };
    let fits = |line: &Line| line.width() + 2 <= usize::from(start.width);
    let start_line = [line(true, true), line(false, true)]
        .into_iter()
        .find(fits)
        .unwrap_or_else(|| line(false, false));
    frame.render_widget(
        Paragraph::new(start_line).block(pane_block(" Start ", theme, false)),
        start,
    );
    let block = pane_block(" This session's jobs ", theme, true);
    if app.jobs.jobs.is_empty() {
        empty_block(
            block,
            "No jobs yet: start one with a key above.",
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
    let label = match job.total {
        0 => job.stage.clone(),
        total => format!("{} · {}/{total}", job.stage, job.done),
    };
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::access::Role;

    #[test]
    fn one_job_at_a_time_and_a_finished_job_asks_for_a_reload() {
        let mut pane = JobsPane::default();
        let mut session = Session::new(Role::Admin, false, "x".into());
        let effects = pane.start(JobKind::Score, &mut session);
        assert_eq!(
            effects,
            vec![Effect::StartJob {
                id: 1,
                kind: JobKind::Score
            }]
        );
        assert!(pane.start(JobKind::Resolve, &mut session).is_empty());
        assert!(
            session
                .flash
                .as_ref()
                .is_some_and(|f| f.text.contains("Wait for"))
        );
        let progress = JobEvent::Progress {
            id: 1,
            stage: "scoring".into(),
            done: 5,
            total: 10,
        };
        assert_eq!(pane.on_event(progress, &mut session), JobOutcome::Nothing);
        assert_eq!(pane.jobs[0].ratio(), 0.5);
        let finished = JobEvent::Finished {
            id: 1,
            summary: "done".into(),
        };
        assert_eq!(
            pane.on_event(finished, &mut session),
            JobOutcome::Finished(JobKind::Score)
        );
        assert_eq!(pane.running(), 0);
        assert_eq!(pane.start(JobKind::Resolve, &mut session).len(), 1);
        assert_eq!(pane.jobs[0].id, 2);
    }

    #[test]
    fn the_consoles_own_job_ends_quietly_and_gives_way_to_a_persons() {
        let mut pane = JobsPane::default();
        let mut session = Session::new(Role::Admin, false, "x".into());
        let quiet = pane.start_unannounced(JobKind::Retention, &mut session);
        assert_eq!(quiet.len(), 1);
        assert!(
            pane.start_unannounced(JobKind::Retention, &mut session)
                .is_empty(),
            "not while another runs"
        );
        // A person's job cancels it and starts at once.
        let effects = pane.start(JobKind::Resolve, &mut session);
        assert_eq!(
            effects,
            vec![
                Effect::CancelJob(1),
                Effect::StartJob {
                    id: 2,
                    kind: JobKind::Resolve
                }
            ]
        );
        assert!(session.flash.is_none(), "nobody is told to wait");
        // Giving way, it may fail on a write it waited for: that is its cancellation.
        let failed = JobEvent::Failed {
            id: 1,
            message: "database is locked".into(),
        };
        assert_eq!(pane.on_event(failed, &mut session), JobOutcome::Nothing);
        assert_eq!(pane.jobs[1].state, JobState::Cancelled);
        assert!(session.flash.is_none());
        // Finished unasked, it says nothing; a person's job does.
        let mut pane = JobsPane::default();
        pane.start_unannounced(JobKind::Retention, &mut session);
        let done = |id| JobEvent::Finished {
            id,
            summary: "done".into(),
        };
        assert_eq!(
            pane.on_event(done(1), &mut session),
            JobOutcome::Finished(JobKind::Retention)
        );
        assert!(session.flash.is_none());
        pane.start(JobKind::Retention, &mut session);
        pane.on_event(done(2), &mut session);
        assert!(session.flash.is_some());
    }

    #[test]
    fn only_a_running_job_can_be_cancelled() {
        let mut pane = JobsPane::default();
        let mut session = Session::new(Role::Admin, false, "x".into());
        pane.start(JobKind::Quality, &mut session);
        assert_eq!(
            pane.handle(Action::CancelJob, &mut session),
            vec![Effect::CancelJob(1)]
        );
        assert_eq!(pane.jobs[0].state, JobState::Cancelling);
        assert!(pane.handle(Action::CancelJob, &mut session).is_empty());
        pane.on_event(JobEvent::Cancelled { id: 1 }, &mut session);
        assert_eq!(pane.jobs[0].state, JobState::Cancelled);
    }

    #[test]
    fn a_job_that_finds_nothing_to_do_reads_done_not_starting() {
        let mut session = Session::new(Role::Admin, false, "x".into());
        let mut pane = JobsPane::default();
        pane.start(JobKind::Ingest, &mut session);
        let id = pane.jobs[0].id;
        assert_eq!(
            (pane.jobs[0].stage.as_str(), pane.jobs[0].ratio()),
            ("starting", 0.0)
        );
        let finished = JobEvent::Finished {
            id,
            summary: "1 file: 0 rows loaded, 0 quarantined; 1 unchanged".into(),
        };
        pane.on_event(finished, &mut session);
        assert_eq!(
            (pane.jobs[0].stage.as_str(), pane.jobs[0].ratio()),
            ("done", 1.0)
        );
    }
}
