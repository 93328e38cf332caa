//! The console's model and its update function. `handle` turns an event into state changes
//! and a list of [`Effect`]s for the runtime to carry out (page loads, saves, jobs); it
//! never touches the database, the terminal or the clock, so every flow can be tested by
//! feeding events and reading the state and effects back.

use std::time::Duration;

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use super::keymap::{self, Action, Scope};
use super::paged::{Edge, Need};
use crate::jobs::{JobEvent, JobKind};
use crate::metrics::MetricValue;
use crate::metrics::def::MetricsFile;
pub use crate::resolve::review::Decision;
use crate::resolve::review::{QueueItem, QueueOrder};
use crate::score::settings::Tier;
use crate::store::browse::{ConstituentDetail, ConstituentRow, Count, PageAt, SortBy, golden_id};
use crate::store::quality::{ResultRow, RunRow};
use crate::store::score::{RiskRow, RiskSort, TRIAGE_STATUSES};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Review,
    Constituents,
    Risk,
    Quality,
    Metrics,
    Jobs,
}

impl Tab {
    pub const ALL: [Tab; 6] = [
        Tab::Review,
        Tab::Constituents,
        Tab::Risk,
        Tab::Quality,
        Tab::Metrics,
        Tab::Jobs,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Review => "Review",
            Tab::Constituents => "Constituents",
            Tab::Risk => "Risk",
            Tab::Quality => "Quality",
            Tab::Metrics => "Metrics",
            Tab::Jobs => "Jobs",
        }
    }

    fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

/// Who is using the console decides which actions are offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    /// Reviews matches, unmerges records.
    Steward,
    /// Works the risk list; cannot change how records are merged.
    Membership,
    /// Everything.
    #[default]
    Admin,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Steward => "steward",
            Role::Membership => "membership",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "steward" => Some(Role::Steward),
            "membership" => Some(Role::Membership),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    fn may_change_merges(self) -> bool {
        matches!(self, Role::Steward | Role::Admin)
    }
}

/// A change a person made, saved by the writer thread.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteRequest {
    /// One decision on each pair, in order, each saved and audited on its own.
    Decide {
        candidate_ids: Vec<i64>,
        decision: Decision,
        note: Option<String>,
    },
    Undo,
    Unmerge {
        record_id: i64,
        constituent_id: i64,
    },
    Triage {
        constituent_id: i64,
        status: String,
        note: Option<String>,
    },
}

/// What the runtime should do after an update.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadReview,
    LoadPage {
        at: PageAt,
        edge: Edge,
        select_last: bool,
    },
    LoadCount,
    Search(String),
    LoadDetail(i64),
    LoadRisk,
    LoadQuality,
    LoadMetrics,
    ComputeMetric {
        name: String,
        by: Option<String>,
    },
    /// Write the risk list as shown to a CSV file.
    ExportRisk,
    /// Put this text on the clipboard, through the terminal (OSC 52).
    Copy(String),
    Save(WriteRequest),
    StartJob {
        id: u64,
        kind: JobKind,
    },
    CancelJob(u64),
    /// The demo store was built: open it, then load.
    OpenStore,
    Quit,
}

/// Data the runtime loaded for an effect.
#[derive(Debug, Clone)]
pub enum Loaded {
    Review {
        items: Vec<QueueItem>,
        pending: Count,
        decided_today: i64,
        /// The data's as-of date (the newest gift): what "days ago" counts from.
        as_of: Option<String>,
    },
    Page {
        edge: Edge,
        select_last: bool,
        rows: Vec<ConstituentRow>,
        full: bool,
        from_row: bool,
    },
    Count(Count),
    Search {
        typed: String,
        rows: Vec<ConstituentRow>,
    },
    Detail(i64, Option<Box<ConstituentDetail>>),
    Risk {
        rows: Vec<RiskRow>,
        tiers: Vec<(String, i64)>,
    },
    Exported {
        path: std::path::PathBuf,
        rows: usize,
    },
    Metrics {
        file: Option<std::sync::Arc<MetricsFile>>,
        as_of: Option<chrono::NaiveDate>,
        error: Option<String>,
    },
    MetricValue(MetricValue),
    Quality {
        run: Option<RunRow>,
        results: Vec<ResultRow>,
        trends: Vec<Vec<f64>>,
        ingest: IngestHealth,
    },
    /// A load failed: say so, keep what is shown.
    Failed(String),
}

#[derive(Debug, Clone)]
pub enum Event {
    Key(KeyEvent),
    /// A read carried out off the UI thread.
    Loaded(Loaded),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Job(JobEvent),
    Saved {
        request: WriteRequest,
        message: String,
    },
    SaveFailed {
        request: WriteRequest,
        message: String,
    },
    /// Time passed (flash expiry, job clocks, the spinner).
    Tick(Duration),
}

#[derive(Debug, Clone, PartialEq)]
pub enum InputKind {
    Search,
    Note,
    TriageNote,
    /// `:` and an action's name.
    Command,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Confirm {
    Quit {
        jobs: usize,
        saves: usize,
    },
    Unmerge {
        record_id: i64,
        constituent_id: i64,
        label: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    Help,
    Input { kind: InputKind, text: String },
    Confirm(Confirm),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Flash {
    pub text: String,
    pub level: Level,
    pub left: Duration,
}

const FLASH_FOR: Duration = Duration::from_secs(5);

// Each pane's state lives with its drawing in `tui/panes/`; the model holds one of each.
pub use super::panes::constituents::{ConstituentsPane, DetailView};
pub use super::panes::jobs::{JobRow, JobState, JobsPane};
pub use super::panes::metrics::MetricsPane;
pub use super::panes::quality::{IngestHealth, QualityPane};
pub use super::panes::review::ReviewPane;
pub use super::panes::risk::RiskPane;

#[derive(Debug, Clone)]
pub struct AppOptions {
    pub role: Role,
    pub read_only: bool,
    pub actor: String,
    /// The store exists; otherwise the demo store is built first.
    pub store_ready: bool,
}

pub struct App {
    /// The key table: the defaults with the project's `config/keymap.yaml` changes.
    pub keymap: keymap::Keymap,
    pub tab: Tab,
    pub mode: Mode,
    pub role: Role,
    pub read_only: bool,
    pub actor: String,
    pub store_ready: bool,
    /// The data's as-of date (the newest gift), shown in the status bar: every "days ago"
    /// and "expires in" on screen counts from it, not from today.
    pub as_of: Option<String>,
    pub review: ReviewPane,
    pub constituents: ConstituentsPane,
    pub risk: RiskPane,
    pub quality: QualityPane,
    pub metrics: MetricsPane,
    pub jobs: JobsPane,
    pub flash: Option<Flash>,
    pub pending_saves: usize,
    pub spinner: usize,
    pub quit: bool,
    /// The terminal's width, for mouse hits on the tab bar.
    pub width: u16,
    pub help_scroll: usize,
    next_job_id: u64,
}

type Effects = Vec<Effect>;

/// Move a selection by `delta` within a list of `len` rows, stopping at either end.
fn step(selected: &mut usize, delta: isize, len: usize) {
    *selected = selected
        .saturating_add_signed(delta)
        .min(len.saturating_sub(1));
}

impl App {
    pub fn new(options: AppOptions) -> App {
        App {
            keymap: keymap::Keymap::default(),
            tab: Tab::Review,
            mode: Mode::Normal,
            role: options.role,
            read_only: options.read_only,
            actor: options.actor,
            store_ready: options.store_ready,
            as_of: None,
            review: ReviewPane::default(),
            constituents: ConstituentsPane::default(),
            risk: RiskPane::default(),
            quality: QualityPane::default(),
            metrics: MetricsPane::default(),
            jobs: JobsPane::default(),
            flash: None,
            pending_saves: 0,
            spinner: 0,
            quit: false,
            width: 80,
            help_scroll: 0,
            next_job_id: 1,
        }
    }

    /// What to do before the first key: load the visible data, or build the store.
    pub fn start(&mut self) -> Effects {
        if self.store_ready {
            self.reload_all()
        } else {
            self.flash(
                Level::Info,
                "No store yet: building the demo store (see Jobs)",
            );
            self.start_job(JobKind::BuildDemo)
        }
    }

    fn reload_all(&mut self) -> Effects {
        let mut effects = vec![
            Effect::LoadReview,
            Effect::LoadCount,
            Effect::LoadRisk,
            Effect::LoadQuality,
            Effect::LoadMetrics,
        ];
        effects.push(self.reload_list());
        if let Some(detail) = &self.constituents.detail {
            effects.push(Effect::LoadDetail(detail.id));
        }
        effects
    }

    /// Reload the constituent list where it is, keeping the selected row.
    fn reload_list(&mut self) -> Effect {
        let c = &mut self.constituents;
        c.list.loading = true;
        if let Some(typed) = &c.search {
            return Effect::Search(typed.clone());
        }
        match c.list.selected_row() {
            Some(row) => Effect::LoadPage {
                at: PageAt::From(row.key.clone()),
                edge: Edge::Reset,
                select_last: false,
            },
            None => Effect::LoadPage {
                at: PageAt::First,
                edge: Edge::Reset,
                select_last: false,
            },
        }
    }

    pub fn jobs_running(&self) -> usize {
        self.jobs.jobs.iter().filter(|j| j.is_active()).count()
    }

    pub fn active_job(&self) -> Option<&JobRow> {
        self.jobs.jobs.iter().find(|j| j.is_active())
    }

    pub fn flash(&mut self, level: Level, text: impl Into<String>) {
        self.flash = Some(Flash {
            text: text.into(),
            level,
            left: FLASH_FOR,
        });
    }

    /// The key scopes in effect, most specific first.
    pub fn scopes(&self) -> Vec<Scope> {
        match &self.mode {
            Mode::Input { .. } => vec![Scope::Input],
            Mode::Confirm(_) => vec![Scope::Confirm],
            Mode::Help | Mode::Normal => self.pane_scopes(),
        }
    }

    /// The scopes of the pane in view, whatever is being typed over it.
    fn pane_scopes(&self) -> Vec<Scope> {
        let pane = match self.tab {
            Tab::Review => Scope::Review,
            Tab::Constituents if self.constituents.detail.is_some() => Scope::Detail,
            Tab::Constituents => Scope::Constituents,
            Tab::Jobs => Scope::Jobs,
            Tab::Risk => Scope::Risk,
            Tab::Quality => Scope::Quality,
            Tab::Metrics => Scope::Metrics,
        };
        pane.pane_lookup()
    }

    pub fn handle(&mut self, event: Event) -> Effects {
        match event {
            Event::Key(key) if key.kind == KeyEventKind::Press => self.on_key(key),
            Event::Key(_) => vec![],
            Event::Mouse(mouse) => self.on_mouse(mouse),
            Event::Loaded(loaded) => self.on_loaded(loaded),
            Event::Resize(width, _) => {
                self.width = width;
                vec![]
            }
            Event::Tick(elapsed) => {
                self.on_tick(elapsed);
                vec![]
            }
            Event::Job(job) => self.on_job(job),
            Event::Saved { request, message } => {
                self.pending_saves = self.pending_saves.saturating_sub(1);
                self.flash(Level::Info, message);
                self.after_write(&request)
            }
            Event::SaveFailed { request, message } => {
                self.pending_saves = self.pending_saves.saturating_sub(1);
                self.flash(Level::Error, format!("Not saved: {message}"));
                self.after_write(&request)
            }
        }
    }

    fn after_write(&mut self, request: &WriteRequest) -> Effects {
        match request {
            WriteRequest::Decide { .. } | WriteRequest::Undo => {
                let mut effects = vec![Effect::LoadReview];
                if let Some(d) = &self.constituents.detail {
                    effects.push(Effect::LoadDetail(d.id));
                }
                effects
            }
            WriteRequest::Triage { .. } => vec![Effect::LoadRisk],
            WriteRequest::Unmerge { constituent_id, .. } => {
                vec![
                    Effect::LoadDetail(*constituent_id),
                    Effect::LoadReview,
                    Effect::LoadCount,
                ]
            }
        }
    }

    fn on_tick(&mut self, elapsed: Duration) {
        self.spinner = self.spinner.wrapping_add(1);
        if let Some(flash) = &mut self.flash {
            flash.left = flash.left.saturating_sub(elapsed);
            if flash.left.is_zero() {
                self.flash = None;
            }
        }
        for job in self.jobs.jobs.iter_mut().filter(|j| j.is_active()) {
            job.elapsed += elapsed;
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> Effects {
        let ctrl_c =
            key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl_c {
            return self.act(Action::ForceQuit);
        }
        match self.mode.clone() {
            Mode::Help => {
                match self.keymap.lookup(&[Scope::Lists, Scope::Global], &key) {
                    Some(Action::Quit) => return self.act(Action::Quit),
                    Some(Action::Down) => self.help_scroll += 1,
                    Some(Action::Up) => self.help_scroll = self.help_scroll.saturating_sub(1),
                    Some(Action::PageDown | Action::HalfPageDown) => self.help_scroll += 10,
                    Some(Action::PageUp | Action::HalfPageUp) => {
                        self.help_scroll = self.help_scroll.saturating_sub(10)
                    }
                    Some(Action::Top) => self.help_scroll = 0,
                    Some(Action::Help) => self.mode = Mode::Normal,
                    _ if key.code == KeyCode::Esc => self.mode = Mode::Normal,
                    _ => {}
                }
                vec![]
            }
            Mode::Input { kind, mut text } => match self.keymap.lookup(&[Scope::Input], &key) {
                Some(Action::Submit) => self.submit_input(kind, text),
                Some(Action::Cancel) => self.cancel_input(kind),
                Some(Action::Complete) if kind == InputKind::Command => {
                    self.complete_command(&mut text);
                    self.mode = Mode::Input { kind, text };
                    vec![]
                }
                _ => {
                    match key.code {
                        KeyCode::Char(c) => text.push(c),
                        KeyCode::Backspace => {
                            text.pop();
                        }
                        _ => return vec![],
                    }
                    let effects = match kind {
                        InputKind::Search => self.live_search(&text),
                        InputKind::Note | InputKind::TriageNote | InputKind::Command => vec![],
                    };
                    self.mode = Mode::Input { kind, text };
                    effects
                }
            },
            Mode::Confirm(confirm) => match self.keymap.lookup(&[Scope::Confirm], &key) {
                Some(Action::Yes) => {
                    self.mode = Mode::Normal;
                    self.confirmed(confirm)
                }
                Some(Action::No) => {
                    self.mode = Mode::Normal;
                    vec![]
                }
                _ => vec![],
            },
            Mode::Normal => match self.keymap.lookup(&self.scopes(), &key) {
                Some(action) => self.act(action),
                None => vec![],
            },
        }
    }

    fn on_mouse(&mut self, mouse: MouseEvent) -> Effects {
        match mouse.kind {
            MouseEventKind::ScrollDown => self.act(Action::Down),
            MouseEventKind::ScrollUp => self.act(Action::Up),
            MouseEventKind::Down(MouseButton::Left) if mouse.row == 0 => {
                match super::view::tab_at(mouse.column, self.width) {
                    Some(tab) => self.act(Action::GoTab(tab.index())),
                    None => vec![],
                }
            }
            MouseEventKind::Down(MouseButton::Left) => self.click_row(mouse.column, mouse.row),
            _ => vec![],
        }
    }

    /// A click on a table row selects it (tables have a border and a header row).
    fn click_row(&mut self, column: u16, row: u16) -> Effects {
        let (area, offset, selected) = match self.tab {
            Tab::Review => (
                self.review.area.get(),
                self.review.offset.get(),
                self.review.selected,
            ),
            Tab::Constituents if self.constituents.detail.is_none() => {
                let list = &self.constituents.list;
                (
                    self.constituents.area.get(),
                    list.offset.get(),
                    list.selected,
                )
            }
            _ => return vec![],
        };
        let first_row = area.y + 2;
        let inside = column >= area.x
            && column < area.right()
            && row >= first_row
            && row < area.bottom().saturating_sub(1);
        if !inside {
            return vec![];
        }
        let target = offset + usize::from(row - first_row);
        self.move_by(target as isize - selected as isize)
    }

    pub fn act(&mut self, action: Action) -> Effects {
        match action {
            Action::Quit => {
                let jobs = self.jobs_running();
                if jobs > 0 || self.pending_saves > 0 {
                    self.mode = Mode::Confirm(Confirm::Quit {
                        jobs,
                        saves: self.pending_saves,
                    });
                    vec![]
                } else {
                    self.quit = true;
                    vec![Effect::Quit]
                }
            }
            Action::ForceQuit => {
                self.quit = true;
                let mut effects: Effects = self
                    .jobs
                    .jobs
                    .iter()
                    .filter(|j| j.is_active())
                    .map(|j| Effect::CancelJob(j.id))
                    .collect();
                effects.push(Effect::Quit);
                effects
            }
            Action::Help => {
                self.mode = Mode::Help;
                self.help_scroll = 0;
                vec![]
            }
            Action::Command => {
                self.mode = Mode::Input {
                    kind: InputKind::Command,
                    text: String::new(),
                };
                vec![]
            }
            Action::NextTab => self.go_tab((self.tab.index() + 1) % Tab::ALL.len()),
            Action::PrevTab => {
                self.go_tab((self.tab.index() + Tab::ALL.len() - 1) % Tab::ALL.len())
            }
            Action::GoTab(i) => self.go_tab(i),
            Action::Refresh if self.store_ready => self.reload_all(),
            Action::Refresh => vec![],
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-20),
            Action::PageDown => self.move_by(20),
            Action::HalfPageUp => self.move_by(-10),
            Action::HalfPageDown => self.move_by(10),
            Action::Top => self.jump(false),
            Action::Bottom => self.jump(true),
            Action::Open => self.open_detail(),
            Action::Back => self.back(),
            Action::Search => {
                self.mode = Mode::Input {
                    kind: InputKind::Search,
                    text: self.constituents.search.clone().unwrap_or_default(),
                };
                vec![]
            }
            Action::CycleSort => self.cycle_sort(),
            Action::Approve => self.decide(Decision::Approve),
            Action::Reject => self.decide(Decision::Reject),
            Action::Skip => self.decide(Decision::Skip),
            Action::Undo => self.undo(),
            Action::Mark => self.toggle_mark(),
            Action::MarkRange => self.mark_range(),
            Action::NextRecord => self.open_neighbour(1),
            Action::PrevRecord => self.open_neighbour(-1),
            Action::Note => {
                if self.refuse_merge_change("write review notes") {
                    return vec![];
                }
                self.mode = Mode::Input {
                    kind: InputKind::Note,
                    text: self.review.note.clone().unwrap_or_default(),
                };
                vec![]
            }
            Action::Unmerge => self.ask_unmerge(),
            Action::CopyId => self.copy_id(),
            Action::StartResolve => {
                if self.refuse_merge_change("run identity resolution") {
                    return vec![];
                }
                self.start_job(JobKind::Resolve)
            }
            Action::StartScore => {
                if self.read_only {
                    self.flash(Level::Warn, "Read-only: cannot score");
                    return vec![];
                }
                self.start_job(JobKind::Score)
            }
            Action::StartQuality => {
                if self.read_only {
                    self.flash(Level::Warn, "Read-only: cannot record a quality run");
                    return vec![];
                }
                self.start_job(JobKind::Quality)
            }
            Action::CancelJob => self.cancel_selected_job(),
            Action::CycleTier => {
                let next = match self.risk.tier {
                    None => Some(Tier::Critical),
                    Some(Tier::Critical) => Some(Tier::High),
                    Some(Tier::High) => Some(Tier::Medium),
                    Some(Tier::Medium) => Some(Tier::Low),
                    Some(Tier::Low) => None,
                };
                self.risk.tier = next;
                self.risk.selected = 0;
                vec![Effect::LoadRisk]
            }
            Action::CycleTriage => self.cycle_triage(),
            Action::ComputeMetric => match self.metrics.selected_metric() {
                Some(m) => {
                    let name = m.name.clone();
                    self.flash(Level::Info, format!("Computing {name}…"));
                    vec![Effect::ComputeMetric {
                        name,
                        by: self.metrics.by.clone(),
                    }]
                }
                None => vec![],
            },
            Action::CycleDimension => {
                let Some(m) = self.metrics.selected_metric() else {
                    return vec![];
                };
                let dims = m.dimensions.clone();
                let name = m.name.clone();
                let next = match &self.metrics.by {
                    None => dims.first().cloned(),
                    Some(d) => dims
                        .iter()
                        .position(|x| x == d)
                        .and_then(|i| dims.get(i + 1).cloned()),
                };
                if dims.is_empty() {
                    self.flash(Level::Info, format!("{name} has no dimensions"));
                    return vec![];
                }
                self.metrics.by = next.clone();
                vec![Effect::ComputeMetric { name, by: next }]
            }
            Action::CyclePlatform => {
                self.metrics.platform = (self.metrics.platform + 1) % 3;
                vec![]
            }
            Action::TriageNote => {
                if self.refuse_triage() || self.risk.selected_row().is_none() {
                    return vec![];
                }
                self.mode = Mode::Input {
                    kind: InputKind::TriageNote,
                    text: String::new(),
                };
                vec![]
            }
            Action::Export => {
                if self.risk.rows.is_empty() {
                    self.flash(Level::Info, "Nothing to export");
                    return vec![];
                }
                vec![Effect::ExportRisk]
            }
            Action::Submit | Action::Complete | Action::Cancel | Action::Yes | Action::No => {
                vec![]
            }
        }
    }

    fn go_tab(&mut self, index: usize) -> Effects {
        self.tab = Tab::ALL[index.min(Tab::ALL.len() - 1)];
        vec![]
    }

    fn move_by(&mut self, delta: isize) -> Effects {
        match self.tab {
            Tab::Review => step(&mut self.review.selected, delta, self.review.items.len()),
            Tab::Constituents => match &mut self.constituents.detail {
                Some(detail) => {
                    let n = detail.data.as_ref().map_or(0, |d| d.records.len());
                    step(&mut detail.selected_record, delta, n);
                }
                None => {
                    let need = self.constituents.list.move_by(delta);
                    return self.load_more(need);
                }
            },
            Tab::Jobs => step(&mut self.jobs.selected, delta, self.jobs.jobs.len()),
            Tab::Risk => step(&mut self.risk.selected, delta, self.risk.rows.len()),
            Tab::Quality => step(
                &mut self.quality.selected,
                delta,
                self.quality.results.len(),
            ),
            Tab::Metrics => {
                let len = self.metrics.ordered().len();
                let m = &mut self.metrics;
                let before = m.selected;
                step(&mut m.selected, delta, len);
                if m.selected != before {
                    m.value = None;
                    m.by = None;
                }
            }
        }
        vec![]
    }

    fn load_more(&mut self, need: Need) -> Effects {
        let list = &mut self.constituents.list;
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

    fn jump(&mut self, to_end: bool) -> Effects {
        match self.tab {
            Tab::Review => {
                self.review.selected = if to_end {
                    self.review.items.len().saturating_sub(1)
                } else {
                    0
                };
                vec![]
            }
            Tab::Constituents if self.constituents.detail.is_none() => {
                let c = &mut self.constituents;
                let loaded_edge = if to_end {
                    c.list.at_end
                } else {
                    c.list.at_start
                };
                if c.search.is_some() || loaded_edge {
                    let target = if to_end { c.list.rows.len() } else { 0 };
                    let delta = target as isize - c.list.selected as isize;
                    let need = c.list.move_by(delta);
                    return self.load_more(need);
                }
                c.list.loading = true;
                vec![Effect::LoadPage {
                    at: if to_end { PageAt::Last } else { PageAt::First },
                    edge: Edge::Reset,
                    select_last: to_end,
                }]
            }
            _ => self.move_by(if to_end {
                isize::MAX / 2
            } else {
                isize::MIN / 2
            }),
        }
    }

    fn open_detail(&mut self) -> Effects {
        let Some(row) = self.constituents.list.selected_row() else {
            return vec![];
        };
        let id = row.id;
        self.constituents.detail = Some(DetailView {
            id,
            data: None,
            loaded: false,
            selected_record: 0,
        });
        vec![Effect::LoadDetail(id)]
    }

    /// From a golden record, the next (or previous) one of the list it was opened from —
    /// the search's results when searching — without going back to the list.
    fn open_neighbour(&mut self, delta: isize) -> Effects {
        let before = self.constituents.list.selected;
        let need = self.constituents.list.move_by(delta);
        let mut effects = self.load_more(need);
        if self.constituents.list.selected == before {
            let message = match (self.constituents.list.loading, delta > 0) {
                (true, _) => "Loading more of the list…",
                (false, true) => "This is the last record in the list",
                (false, false) => "This is the first record in the list",
            };
            self.flash(Level::Info, message);
        } else {
            effects.extend(self.open_detail());
        }
        effects
    }

    fn back(&mut self) -> Effects {
        if self.constituents.detail.take().is_some() {
            return vec![];
        }
        if self.constituents.search.take().is_some() {
            return vec![self.reload_list(), Effect::LoadCount];
        }
        vec![]
    }

    fn cycle_sort(&mut self) -> Effects {
        match self.tab {
            Tab::Review => {
                self.review.order = Some(match self.review.order() {
                    QueueOrder::Stake => QueueOrder::Score,
                    QueueOrder::Score => QueueOrder::Stake,
                });
                self.review.selected = 0;
                vec![Effect::LoadReview]
            }
            Tab::Risk => {
                let i = RiskSort::ALL
                    .iter()
                    .position(|s| *s == self.risk.sort)
                    .unwrap_or(0);
                self.risk.sort = RiskSort::ALL[(i + 1) % RiskSort::ALL.len()];
                self.risk.selected = 0;
                vec![Effect::LoadRisk]
            }
            Tab::Constituents => {
                let c = &mut self.constituents;
                let i = SortBy::ALL.iter().position(|s| *s == c.sort).unwrap_or(0);
                c.sort = SortBy::ALL[(i + 1) % SortBy::ALL.len()];
                c.search = None;
                c.list.loading = true;
                vec![Effect::LoadPage {
                    at: PageAt::First,
                    edge: Edge::Reset,
                    select_last: false,
                }]
            }
            _ => vec![],
        }
    }

    fn live_search(&mut self, text: &str) -> Effects {
        if text.trim().chars().count() < 2 && text.trim().parse::<i64>().is_err() {
            return vec![];
        }
        vec![Effect::Search(text.to_string())]
    }

    fn submit_input(&mut self, kind: InputKind, text: String) -> Effects {
        self.mode = Mode::Normal;
        match kind {
            InputKind::Search => {
                if text.trim().is_empty() {
                    return self.cancel_input(InputKind::Search);
                }
                self.constituents.search = Some(text.clone());
                vec![Effect::Search(text)]
            }
            InputKind::TriageNote => {
                let note = text.trim().to_string();
                let Some(row) = self.risk.selected_row() else {
                    return vec![];
                };
                let status = row.triage.clone().unwrap_or_else(|| "new".into());
                self.triage(status, (!note.is_empty()).then_some(note))
            }
            InputKind::Command => {
                self.flash = None; // the completion's choices, if shown
                self.run_command(text.trim())
            }
            InputKind::Note => {
                let note = text.trim().to_string();
                self.review.note = (!note.is_empty()).then_some(note);
                if self.review.note.is_some() {
                    self.flash(Level::Info, "Note kept for your next decision");
                }
                vec![]
            }
        }
    }

    fn cancel_input(&mut self, kind: InputKind) -> Effects {
        self.mode = Mode::Normal;
        match kind {
            InputKind::Search => {
                self.constituents.search = None;
                self.constituents.list.loading = true;
                vec![
                    Effect::LoadPage {
                        at: PageAt::First,
                        edge: Edge::Reset,
                        select_last: false,
                    },
                    Effect::LoadCount,
                ]
            }
            InputKind::Command => {
                self.flash = None;
                vec![]
            }
            InputKind::Note | InputKind::TriageNote => vec![],
        }
    }

    /// Run the action called `name` where the user is, as its key would.
    fn run_command(&mut self, name: &str) -> Effects {
        if name.is_empty() {
            return vec![];
        }
        let scopes = self.pane_scopes();
        match self.keymap.named(&scopes, name) {
            // A command line cannot open another one.
            Some(Action::Command) | None => {
                let names = self.keymap.command_names(&scopes).join(", ");
                self.flash(
                    Level::Warn,
                    format!("No command '{name}' here; this pane has: {names}"),
                );
                vec![]
            }
            Some(action) => self.act(action),
        }
    }

    /// Tab on the `:` line: the name typed so far completed as far as the pane's action
    /// names agree, and the choices shown when several remain.
    fn complete_command(&mut self, text: &mut String) {
        let names = self.keymap.command_names(&self.pane_scopes());
        let (completed, matching) = keymap::complete(text.trim(), &names);
        match matching.as_slice() {
            [] => self.flash(
                Level::Warn,
                format!("No command here starts with '{}'", text.trim()),
            ),
            [_] => *text = completed,
            several => {
                let choices = several.join(" ");
                *text = completed;
                self.flash(Level::Info, choices);
            }
        }
    }

    /// Refuse a change to how records are merged, saying why; true when refused.
    fn refuse_merge_change(&mut self, what: &str) -> bool {
        if self.read_only {
            self.flash(Level::Warn, format!("Read-only: cannot {what}"));
            true
        } else if !self.role.may_change_merges() {
            self.flash(
                Level::Warn,
                format!("The {} role cannot {what}", self.role.name()),
            );
            true
        } else {
            false
        }
    }

    /// Triage is membership's work (admins too); refuse others, saying why.
    fn refuse_triage(&mut self) -> bool {
        if self.read_only {
            self.flash(Level::Warn, "Read-only: cannot change triage");
            true
        } else if self.role == Role::Steward {
            self.flash(Level::Warn, "The steward role cannot change triage");
            true
        } else {
            false
        }
    }

    fn cycle_triage(&mut self) -> Effects {
        if self.refuse_triage() {
            return vec![];
        }
        let Some(row) = self.risk.selected_row() else {
            return vec![];
        };
        let current = row.triage.as_deref().unwrap_or("new");
        let i = TRIAGE_STATUSES
            .iter()
            .position(|s| *s == current)
            .unwrap_or(0);
        let next = TRIAGE_STATUSES[(i + 1) % TRIAGE_STATUSES.len()].to_string();
        self.triage(next, None)
    }

    /// Show the new status at once; the writer saves it.
    fn triage(&mut self, status: String, note: Option<String>) -> Effects {
        let Some(row) = self.risk.rows.get_mut(self.risk.selected) else {
            return vec![];
        };
        row.triage = Some(status.clone());
        if note.is_some() {
            row.triage_note.clone_from(&note);
        }
        let constituent_id = row.constituent_id;
        self.pending_saves += 1;
        self.flash(
            Level::Info,
            format!("{} → {status} · saving…", golden_id(constituent_id)),
        );
        vec![Effect::Save(WriteRequest::Triage {
            constituent_id,
            status,
            note,
        })]
    }

    fn toggle_mark(&mut self) -> Effects {
        if self.refuse_merge_change("decide review pairs") {
            return vec![];
        }
        let Some(item) = self.review.selected_item() else {
            return vec![];
        };
        let id = item.candidate_id;
        let r = &mut self.review;
        if r.marked.remove(&id) {
            // A range no longer starts from a pair that is not marked.
            r.mark_anchor = r.mark_anchor.filter(|anchor| *anchor != id);
        } else {
            r.marked.insert(id);
            r.mark_anchor = Some(id);
        }
        // On to the next pair, as a decision moves on.
        step(&mut self.review.selected, 1, self.review.items.len());
        vec![]
    }

    /// Mark every pair from the last one marked to the selected one, both included (the
    /// selected one alone when nothing marked is in view).
    fn mark_range(&mut self) -> Effects {
        if self.refuse_merge_change("decide review pairs") {
            return vec![];
        }
        let r = &mut self.review;
        if r.selected_item().is_none() {
            return vec![];
        }
        let here = r.selected;
        let from = r
            .mark_anchor
            .and_then(|id| r.items.iter().position(|i| i.candidate_id == id))
            .unwrap_or(here);
        let (low, high) = (from.min(here), from.max(here));
        r.marked
            .extend(r.items[low..=high].iter().map(|i| i.candidate_id));
        r.mark_anchor = Some(r.items[here].candidate_id);
        vec![]
    }

    /// The pairs a decision applies to: the marked ones still in the queue (in queue
    /// order), or else the selected one.
    fn decided_pairs(&self, decision: Decision) -> Vec<i64> {
        let marked: Vec<i64> = self
            .review
            .items
            .iter()
            .map(|i| i.candidate_id)
            .filter(|id| self.review.marked.contains(id))
            .collect();
        if decision != Decision::Skip && !marked.is_empty() {
            return marked;
        }
        self.review
            .selected_item()
            .map(|i| vec![i.candidate_id])
            .unwrap_or_default()
    }

    fn decide(&mut self, decision: Decision) -> Effects {
        if self.refuse_merge_change("decide review pairs") {
            return vec![];
        }
        let candidate_ids = self.decided_pairs(decision);
        if candidate_ids.is_empty() {
            self.flash(Level::Info, "Nothing to review");
            return vec![];
        }
        let note = self.review.note.take();
        let r = &mut self.review;
        match decision {
            // A skipped pair stays in the queue; move past it.
            Decision::Skip => step(&mut r.selected, 1, r.items.len()),
            // Shown at once: the pairs leave the queue, the next one moves up.
            Decision::Approve | Decision::Reject => {
                let before = r.items.len();
                let above = r.items[..r.selected.min(before)]
                    .iter()
                    .filter(|i| candidate_ids.contains(&i.candidate_id))
                    .count();
                r.items.retain(|i| !candidate_ids.contains(&i.candidate_id));
                r.selected = r
                    .selected
                    .saturating_sub(above)
                    .min(r.items.len().saturating_sub(1));
                let removed = (before - r.items.len()) as i64;
                r.pending = r.pending.map(|p| p.minus(removed));
                r.marked.clear();
            }
        }
        r.decided_today += candidate_ids.len() as i64;
        self.pending_saves += 1;
        let what = match candidate_ids.as_slice() {
            [one] => format!("pair #{one}"),
            many => format!("{} marked pairs", many.len()),
        };
        self.flash(Level::Info, format!("{} {what} · saving…", decision.past()));
        vec![Effect::Save(WriteRequest::Decide {
            candidate_ids,
            decision,
            note,
        })]
    }

    fn undo(&mut self) -> Effects {
        if self.refuse_merge_change("undo decisions") {
            return vec![];
        }
        self.pending_saves += 1;
        self.flash(Level::Info, "Undoing your last decision…");
        vec![Effect::Save(WriteRequest::Undo)]
    }

    /// The golden record id in view (the open record, the selected row), as people write
    /// it, to the clipboard.
    fn copy_id(&mut self) -> Effects {
        let id = match self.tab {
            Tab::Constituents => match &self.constituents.detail {
                Some(detail) => Some(detail.id),
                None => self.constituents.list.selected_row().map(|r| r.id),
            },
            Tab::Risk => self.risk.selected_row().map(|r| r.constituent_id),
            _ => None,
        };
        let Some(id) = id else {
            return vec![];
        };
        let text = golden_id(id);
        self.flash(Level::Info, format!("{text} copied to the clipboard"));
        vec![Effect::Copy(text)]
    }

    fn ask_unmerge(&mut self) -> Effects {
        if self.refuse_merge_change("unmerge records") {
            return vec![];
        }
        let Some(detail) = &self.constituents.detail else {
            return vec![];
        };
        let Some(data) = &detail.data else {
            return vec![];
        };
        if data.records.len() < 2 {
            self.flash(Level::Info, "Only one source record: nothing to unmerge");
            return vec![];
        }
        let Some(record) = data.records.get(detail.selected_record) else {
            return vec![];
        };
        self.mode = Mode::Confirm(Confirm::Unmerge {
            record_id: record.id,
            constituent_id: data.id,
            label: format!("{} {}", record.source, record.source_key),
        });
        vec![]
    }

    fn confirmed(&mut self, confirm: Confirm) -> Effects {
        match confirm {
            Confirm::Quit { .. } => self.act(Action::ForceQuit),
            Confirm::Unmerge {
                record_id,
                constituent_id,
                label,
            } => {
                self.pending_saves += 1;
                self.flash(Level::Info, format!("Unmerging {label} · saving…"));
                vec![Effect::Save(WriteRequest::Unmerge {
                    record_id,
                    constituent_id,
                })]
            }
        }
    }

    fn start_job(&mut self, kind: JobKind) -> Effects {
        if let Some(job) = self.active_job() {
            let label = job.kind.label();
            self.flash(Level::Warn, format!("Wait for '{label}' to finish first"));
            return vec![];
        }
        let id = self.next_job_id;
        self.next_job_id += 1;
        self.jobs.jobs.insert(
            0,
            JobRow {
                id,
                kind,
                state: JobState::Running,
                stage: "starting".into(),
                done: 0,
                total: 0,
                elapsed: Duration::ZERO,
            },
        );
        self.jobs.selected = 0;
        vec![Effect::StartJob { id, kind }]
    }

    fn cancel_selected_job(&mut self) -> Effects {
        let Some(job) = self.jobs.jobs.get_mut(self.jobs.selected) else {
            return vec![];
        };
        if job.state != JobState::Running {
            self.flash(Level::Info, "That job is not running");
            return vec![];
        }
        job.state = JobState::Cancelling;
        let id = job.id;
        vec![Effect::CancelJob(id)]
    }

    fn on_job(&mut self, event: JobEvent) -> Effects {
        let id = match &event {
            JobEvent::Progress { id, .. }
            | JobEvent::Finished { id, .. }
            | JobEvent::Cancelled { id }
            | JobEvent::Failed { id, .. } => *id,
        };
        let Some(job) = self.jobs.jobs.iter_mut().find(|j| j.id == id) else {
            return vec![];
        };
        let kind = job.kind;
        match event {
            JobEvent::Progress {
                stage, done, total, ..
            } => {
                job.stage = stage;
                job.done = done;
                job.total = total;
                vec![]
            }
            JobEvent::Finished { summary, .. } => {
                job.state = JobState::Finished(summary.clone());
                job.done = job.total;
                self.flash(Level::Info, format!("{} finished: {summary}", kind.label()));
                if kind == JobKind::BuildDemo {
                    self.store_ready = true;
                    let mut effects = vec![Effect::OpenStore];
                    effects.extend(self.reload_all());
                    return effects;
                }
                self.reload_all()
            }
            JobEvent::Cancelled { .. } => {
                job.state = JobState::Cancelled;
                self.flash(
                    Level::Warn,
                    format!("{} cancelled; nothing was changed", kind.label()),
                );
                vec![]
            }
            JobEvent::Failed { message, .. } => {
                job.state = JobState::Failed(message.clone());
                self.flash(Level::Error, format!("{} failed: {message}", kind.label()));
                vec![]
            }
        }
    }

    /// Take data the runtime loaded.
    pub fn on_loaded(&mut self, loaded: Loaded) -> Effects {
        match loaded {
            Loaded::Review {
                items,
                pending,
                decided_today,
                as_of,
            } => {
                self.as_of = as_of;
                let keep = self.review.selected_item().map(|i| i.candidate_id);
                let r = &mut self.review;
                r.items = items;
                r.pending = Some(pending);
                r.decided_today = decided_today;
                r.loaded = true;
                // A mark is on a pair in the queue as loaded: one that has left it (decided
                // elsewhere, or by a run) is not counted or decided.
                let queued: std::collections::HashSet<i64> =
                    r.items.iter().map(|i| i.candidate_id).collect();
                r.marked.retain(|id| queued.contains(id));
                // Keep the selection on the same pair, else at the same position.
                if let Some(i) =
                    keep.and_then(|id| r.items.iter().position(|i| i.candidate_id == id))
                {
                    r.selected = i;
                }
                r.selected = r.selected.min(r.items.len().saturating_sub(1));
                vec![]
            }
            Loaded::Page {
                edge,
                select_last,
                rows,
                full,
                from_row,
            } => {
                let list = &mut self.constituents.list;
                list.apply(edge, rows, full, select_last);
                if from_row {
                    list.mark_more_before();
                }
                let need = list.need();
                self.load_more(need)
            }
            Loaded::Count(count) => {
                self.constituents.total = Some(count);
                vec![]
            }
            Loaded::Search { typed, rows } => {
                // Only the newest search counts.
                let current = match &self.mode {
                    Mode::Input {
                        kind: InputKind::Search,
                        text,
                    } => Some(text),
                    _ => self.constituents.search.as_ref(),
                };
                if current != Some(&typed) {
                    return vec![];
                }
                self.constituents.total = Some(Count::Exact(rows.len() as i64));
                let list = &mut self.constituents.list;
                list.apply(Edge::Reset, rows, false, false);
                vec![]
            }
            Loaded::Detail(id, data) => {
                if let Some(detail) = self.constituents.detail.as_mut().filter(|d| d.id == id) {
                    let n = data.as_ref().map_or(0, |d| d.records.len());
                    detail.data = data;
                    detail.loaded = true;
                    detail.selected_record = detail.selected_record.min(n.saturating_sub(1));
                }
                vec![]
            }
            Loaded::Risk { rows, tiers } => {
                let keep = self.risk.selected_row().map(|r| r.constituent_id);
                let r = &mut self.risk;
                r.rows = rows;
                r.tiers = tiers;
                r.loaded = true;
                if let Some(i) =
                    keep.and_then(|id| r.rows.iter().position(|x| x.constituent_id == id))
                {
                    r.selected = i;
                }
                r.selected = r.selected.min(r.rows.len().saturating_sub(1));
                vec![]
            }
            Loaded::Quality {
                run,
                results,
                trends,
                ingest,
            } => {
                let keep = self
                    .quality
                    .results
                    .get(self.quality.selected)
                    .map(|r| r.check_name.clone());
                let q = &mut self.quality;
                q.ingest = ingest;
                q.run = run;
                q.results = results;
                q.trends = trends;
                q.loaded = true;
                if let Some(i) =
                    keep.and_then(|name| q.results.iter().position(|r| r.check_name == name))
                {
                    q.selected = i;
                }
                q.selected = q.selected.min(q.results.len().saturating_sub(1));
                vec![]
            }
            Loaded::Metrics { file, as_of, error } => {
                let m = &mut self.metrics;
                m.file = file;
                m.as_of = as_of;
                m.error = error;
                m.loaded = true;
                m.selected = m.selected.min(m.ordered().len().saturating_sub(1));
                vec![]
            }
            Loaded::MetricValue(value) => {
                self.flash = None;
                if self
                    .metrics
                    .selected_metric()
                    .is_some_and(|m| m.name == value.metric)
                {
                    self.metrics.value = Some(value);
                }
                vec![]
            }
            Loaded::Exported { path, rows } => {
                self.flash(
                    Level::Info,
                    format!("Exported {rows} rows to {}", path.display()),
                );
                vec![]
            }
            Loaded::Failed(message) => {
                self.constituents.list.loading = false;
                self.flash(Level::Error, message);
                vec![]
            }
        }
    }
}
