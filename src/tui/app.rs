//! The console's model and its update function. `handle` turns an event into state changes
//! and a list of [`Effect`]s for the runtime to carry out (page loads, saves, jobs); it
//! never touches the database, the terminal or the clock, so every flow can be tested by
//! feeding events and reading the state and effects back.

use std::time::Duration;

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use super::keymap::{self, Action, Scope};
use super::paged::Edge;
use crate::jobs::{JobEvent, JobKind};
use crate::metrics::MetricValue;
use crate::metrics::def::MetricsFile;
use crate::metrics::lifecycle::Kept;
pub use crate::resolve::review::Decision;
use crate::resolve::review::QueueItem;
use crate::store::browse::{ConstituentDetail, ConstituentRow, Count, PageAt, golden_id};
use crate::store::quality::{ResultRow, RunRow};
use crate::store::score::RiskRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Review,
    Constituents,
    Risk,
    Quality,
    Metrics,
    Jobs,
    Segments,
}

impl Tab {
    pub const ALL: [Tab; 7] = [
        Tab::Review,
        Tab::Constituents,
        Tab::Risk,
        Tab::Quality,
        Tab::Metrics,
        Tab::Jobs,
        Tab::Segments,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Review => "Review",
            Tab::Constituents => "Constituents",
            Tab::Risk => "Risk",
            Tab::Quality => "Quality",
            Tab::Metrics => "Metrics",
            Tab::Jobs => "Jobs",
            Tab::Segments => "Segments",
        }
    }

    fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

use crate::vocab::access::{Access, Refusal, Role};

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
    /// Draw this many of the run's merges at random into the queue, to be checked.
    DrawMergeChecks(usize),
    Unmerge {
        record_id: i64,
        constituent_id: i64,
    },
    Triage {
        constituent_id: i64,
        status: String,
        note: Option<String>,
    },
    /// The review pairs the user has marked, kept for the next time the console opens
    /// (the whole set, replacing the one kept before).
    KeepMarks {
        candidate_ids: Vec<i64>,
    },
    /// Who owns the case, and its follow-up: kept (`None`), cleared (`Some(None)`) or
    /// this many days from the day it is saved.
    Assign {
        constituent_id: i64,
        assignee: Option<String>,
        follow_up_days: Option<Option<u32>>,
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
    /// The people around a review pair: every record of both, other pairs touching them.
    LoadPairContext(i64),
    LoadRisk,
    /// More of the review queue after the `offset` pairs shown: a window, or all the rest.
    LoadReviewMore {
        offset: usize,
        to_end: bool,
    },
    /// More of the risk list after the `offset` rows shown: a window, or everything left.
    LoadRiskMore {
        offset: usize,
        to_end: bool,
    },
    LoadQuality,
    /// A check's samples with their personal values, for an admin (audited).
    RevealSamples(String),
    LoadMetrics,
    LoadSegments,
    ComputeMetric {
        name: String,
        by: Option<String>,
    },
    /// Write the risk list as shown to a CSV file.
    ExportRisk,
    /// Write a segment's members who may be contacted to a CSV file for a campaign, and
    /// record each as contacted.
    ExportSegment {
        name: String,
        one_per_household: bool,
    },
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
        /// Of those, the pairs the queue's `/` filter keeps (when it has one).
        matching: Option<Count>,
        decided_today: i64,
        /// Of the latest run's review band, the share of one person its scores expect.
        expected_one_person: Option<f64>,
        /// What the merges drawn to be checked have shown so far.
        checks: crate::resolve::merge_check::CheckResults,
        /// The data's as-of date (the newest gift): what "days ago" counts from.
        as_of: Option<String>,
        /// The pairs the user marked and left marked when the console last closed (asked
        /// for by the first load only).
        kept_marks: Option<Vec<i64>>,
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
    PairContext(Box<crate::resolve::review::PairContext>),
    Risk {
        rows: Vec<RiskRow>,
        tiers: Vec<(String, i64)>,
        /// Every row of the list is in `rows`.
        complete: bool,
    },
    ReviewMore {
        offset: usize,
        items: Vec<QueueItem>,
        complete: bool,
        select_last: bool,
    },
    RiskMore {
        offset: usize,
        rows: Vec<RiskRow>,
        complete: bool,
        select_last: bool,
    },
    Exported {
        path: std::path::PathBuf,
        rows: usize,
        /// Who the list left out, and why (consent, a household already listed).
        left_out: Option<String>,
        /// Whether the contact history holds it (`CallListExport::recorded_note`).
        recorded: &'static str,
    },
    Metrics {
        file: Option<std::sync::Arc<MetricsFile>>,
        as_of: Option<chrono::NaiveDate>,
        error: Option<String>,
        /// Retention by lifecycle segment as last computed, and whether the people behind
        /// it changed since.
        lifecycle: Kept,
    },
    MetricValue(MetricValue),
    Segments {
        segments: Vec<SegmentView>,
        error: Option<String>,
    },
    Quality {
        run: Option<RunRow>,
        results: Vec<ResultRow>,
        trends: Vec<Vec<f64>>,
        ingest: IngestHealth,
    },
    Revealed {
        check: String,
        samples: Vec<serde_json::Value>,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputKind {
    Search,
    /// `/` over a list other than the constituents: it narrows the list as it is typed.
    Filter,
    /// `/` in the help: keys whose name or description holds the text.
    HelpSearch,
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
    /// A campaign export records everyone on it as contacted: asked first.
    ExportSegment {
        name: String,
        display_name: String,
        channel: &'static str,
        people: i64,
        one_per_household: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    Help,
    /// Text being typed, with the cursor's position in characters.
    Input {
        kind: InputKind,
        text: String,
        cursor: usize,
    },
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
pub use super::panes::jobs::{JobOutcome, JobRow, JobState, JobsPane};
pub use super::panes::metrics::MetricsPane;
pub use super::panes::quality::{IngestHealth, QualityPane};
pub use super::panes::review::ReviewPane;
pub use super::panes::risk::RiskPane;
pub use super::panes::segments::{SegmentView, SegmentsPane};

#[derive(Debug, Clone)]
pub struct AppOptions {
    pub role: Role,
    pub read_only: bool,
    pub actor: String,
    /// The store exists; otherwise the demo store is built first.
    pub store_ready: bool,
}

/// What every pane may read and change besides its own state: who is at the keyboard, the
/// mode (a prompt or a confirmation over the pane), the message line and the saves under way.
#[derive(Debug)]
pub struct Session {
    pub role: Role,
    pub read_only: bool,
    pub actor: String,
    pub mode: Mode,
    pub flash: Option<Flash>,
    pub pending_saves: usize,
    /// What was submitted at each prompt, oldest first (Up and Down recall it).
    pub history: std::collections::HashMap<InputKind, Vec<String>>,
    /// How far back Up has gone in the prompt's history (0: the text being typed).
    pub recall: usize,
    /// The key table: the defaults with the project's `config/keymap.yaml` changes.
    pub keymap: keymap::Keymap,
}

impl Session {
    pub fn new(role: Role, read_only: bool, actor: String) -> Session {
        Session {
            role,
            read_only,
            actor,
            mode: Mode::Normal,
            flash: None,
            pending_saves: 0,
            history: std::collections::HashMap::new(),
            recall: 0,
            keymap: keymap::Keymap::default(),
        }
    }

    /// The key bound to `action` on `scope`'s pane, for a message that names it.
    pub fn key(&self, scope: Scope, action: Action) -> String {
        self.keymap
            .key_of(scope, action)
            .unwrap_or_else(|| format!(":{}", action.name()))
    }

    pub fn flash(&mut self, level: Level, text: impl Into<String>) {
        self.flash = Some(Flash {
            text: text.into(),
            level,
            left: FLASH_FOR,
        });
    }

    /// Ask for text of `kind` on the bottom line, starting from `text`.
    pub fn prompt(&mut self, kind: InputKind, text: String) {
        self.recall = 0;
        let cursor = text.chars().count();
        self.mode = Mode::Input { kind, text, cursor };
    }

    /// Keep a submitted text in its prompt's history (not twice in a row).
    fn remember(&mut self, kind: InputKind, text: &str) {
        let past = self.history.entry(kind).or_default();
        if !text.trim().is_empty() && past.last().map(String::as_str) != Some(text) {
            past.push(text.to_string());
        }
    }

    /// Hand a change to the writer, counting it until it is saved.
    pub fn save(&mut self, request: WriteRequest) -> Effect {
        self.pending_saves += 1;
        Effect::Save(request)
    }

    /// Put a golden record's id, as people write it, on the clipboard.
    pub fn copy_id(&mut self, constituent_id: i64) -> Vec<Effect> {
        let text = golden_id(constituent_id);
        self.flash(Level::Info, format!("{text} copied to the clipboard"));
        vec![Effect::Copy(text)]
    }

    /// Whether the access policy lets this session take the action.
    pub fn may(&self, access: Access) -> bool {
        access.refusal(self.role, self.read_only).is_none()
    }

    /// Refuse what the access policy does not let this session do (the role's, or any
    /// write in a read-only console), saying why; true when refused.
    pub fn refuse(&mut self, access: Access, what: &str) -> bool {
        let message = match access.refusal(self.role, self.read_only) {
            None => return false,
            Some(Refusal::ReadOnly) => format!("Read-only: cannot {what}"),
            Some(Refusal::Role { needs }) => format!(
                "The {} role cannot {what}: it needs the {needs} role",
                self.role.name()
            ),
        };
        self.flash(Level::Warn, message);
        true
    }
}

pub struct App {
    pub tab: Tab,
    pub session: Session,
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
    pub segments: SegmentsPane,
    pub spinner: usize,
    pub quit: bool,
    /// The terminal's width, for mouse hits on the tab bar.
    pub width: u16,
    pub help_scroll: usize,
    /// What `/` in the help searches for.
    pub help_filter: super::panes::Filter,
}

type Effects = Vec<Effect>;

/// The edit a key makes to typed text, as readline and most shells have it.
fn edit_request(key: &KeyEvent) -> Option<tui_input::InputRequest> {
    use tui_input::InputRequest as R;
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    Some(match key.code {
        KeyCode::Char('a') if ctrl => R::GoToStart,
        KeyCode::Char('e') if ctrl => R::GoToEnd,
        KeyCode::Char('b') if ctrl => R::GoToPrevChar,
        KeyCode::Char('f') if ctrl => R::GoToNextChar,
        KeyCode::Char('u') if ctrl => R::DeleteFromStart,
        KeyCode::Char('k') if ctrl => R::DeleteTillEnd,
        KeyCode::Char('w') if ctrl => R::DeletePrevWord,
        KeyCode::Char('y') if ctrl => R::Yank,
        KeyCode::Char('h') if ctrl => R::DeletePrevChar,
        KeyCode::Char('b') if alt => R::GoToPrevWord,
        KeyCode::Char('f') if alt => R::GoToNextWord,
        KeyCode::Char(_) if ctrl || alt => return None,
        KeyCode::Char(c) => R::InsertChar(c),
        KeyCode::Backspace => R::DeletePrevChar,
        KeyCode::Delete => R::DeleteNextChar,
        KeyCode::Left if ctrl => R::GoToPrevWord,
        KeyCode::Right if ctrl => R::GoToNextWord,
        KeyCode::Left => R::GoToPrevChar,
        KeyCode::Right => R::GoToNextChar,
        KeyCode::Home => R::GoToStart,
        KeyCode::End => R::GoToEnd,
        _ => return None,
    })
}

impl App {
    pub fn new(options: AppOptions) -> App {
        App {
            // Each role opens where its day's work is.
            tab: match options.role {
                Role::Membership => Tab::Risk,
                Role::Steward | Role::Admin => Tab::Review,
            },
            session: Session::new(options.role, options.read_only, options.actor),
            store_ready: options.store_ready,
            as_of: None,
            review: ReviewPane::default(),
            constituents: ConstituentsPane::default(),
            risk: RiskPane::default(),
            quality: QualityPane::default(),
            metrics: MetricsPane::default(),
            jobs: JobsPane::default(),
            segments: SegmentsPane::default(),
            spinner: 0,
            quit: false,
            width: 80,
            help_scroll: 0,
            help_filter: Default::default(),
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
            self.jobs.start(JobKind::BuildDemo, &mut self.session)
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
        // Segments count every golden record several times over: loaded once they are
        // looked at, and then kept current.
        if self.segments.loaded || self.tab == Tab::Segments {
            effects.push(Effect::LoadSegments);
        }
        effects.push(self.constituents.reload());
        if let Some(detail) = &self.constituents.detail {
            effects.push(Effect::LoadDetail(detail.id));
        }
        effects
    }

    pub fn active_job(&self) -> Option<&JobRow> {
        self.jobs.active()
    }

    pub fn flash(&mut self, level: Level, text: impl Into<String>) {
        self.session.flash(level, text);
    }

    /// The key scopes in effect, most specific first.
    pub fn scopes(&self) -> Vec<Scope> {
        match &self.session.mode {
            Mode::Input { .. } => vec![Scope::Input],
            Mode::Confirm(_) => vec![Scope::Confirm],
            Mode::Help | Mode::Normal => self.pane_scopes(),
        }
    }

    /// The scopes of the pane in view, whatever is being typed over it.
    pub fn pane_scopes(&self) -> Vec<Scope> {
        let pane = match self.tab {
            Tab::Review => Scope::Review,
            Tab::Constituents if self.constituents.detail.is_some() => Scope::Detail,
            Tab::Constituents => Scope::Constituents,
            Tab::Jobs => Scope::Jobs,
            Tab::Risk => Scope::Risk,
            Tab::Quality => Scope::Quality,
            Tab::Metrics => Scope::Metrics,
            Tab::Segments => Scope::Segments,
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
                self.session.pending_saves = self.session.pending_saves.saturating_sub(1);
                // Marks are saved as they are made: nothing to tell.
                if !message.is_empty() {
                    self.flash(Level::Info, message);
                }
                self.after_write(&request)
            }
            Event::SaveFailed { request, message } => {
                self.session.pending_saves = self.session.pending_saves.saturating_sub(1);
                self.flash(Level::Error, format!("Not saved: {message}"));
                self.after_write(&request)
            }
        }
    }

    fn after_write(&mut self, request: &WriteRequest) -> Effects {
        match request {
            WriteRequest::Decide { .. } | WriteRequest::Undo | WriteRequest::DrawMergeChecks(_) => {
                let mut effects = vec![Effect::LoadReview];
                if let Some(d) = &self.constituents.detail {
                    effects.push(Effect::LoadDetail(d.id));
                }
                effects
            }
            WriteRequest::Triage { .. } | WriteRequest::Assign { .. } => vec![Effect::LoadRisk],
            WriteRequest::KeepMarks { .. } => vec![],
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
        if let Some(flash) = &mut self.session.flash {
            flash.left = flash.left.saturating_sub(elapsed);
            if flash.left.is_zero() {
                self.session.flash = None;
            }
        }
        self.jobs.tick(elapsed);
    }

    fn on_key(&mut self, key: KeyEvent) -> Effects {
        let ctrl_c =
            key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl_c {
            return self.act(Action::ForceQuit);
        }
        match self.session.mode.clone() {
            Mode::Help => self.on_help_key(key),
            Mode::Input { kind, text, cursor } => self.on_input_key(key, kind, text, cursor),
            Mode::Confirm(confirm) => match self.session.keymap.lookup(&[Scope::Confirm], &key) {
                Some(Action::Yes) => {
                    self.session.mode = Mode::Normal;
                    self.confirmed(confirm)
                }
                Some(Action::No) => {
                    self.session.mode = Mode::Normal;
                    vec![]
                }
                _ => vec![],
            },
            Mode::Normal => match self.session.keymap.lookup(&self.scopes(), &key) {
                Some(action) => self.act(action),
                None => vec![],
            },
        }
    }

    fn on_help_key(&mut self, key: KeyEvent) -> Effects {
        match self
            .session
            .keymap
            .lookup(&[Scope::Lists, Scope::Global], &key)
        {
            Some(Action::Quit) => return self.act(Action::Quit),
            Some(Action::Down) => self.help_scroll += 1,
            Some(Action::Up) => self.help_scroll = self.help_scroll.saturating_sub(1),
            Some(Action::PageDown | Action::HalfPageDown) => self.help_scroll += 10,
            Some(Action::PageUp | Action::HalfPageUp) => {
                self.help_scroll = self.help_scroll.saturating_sub(10)
            }
            Some(Action::Top) => self.help_scroll = 0,
            _ if key.code == KeyCode::Char('/') => {
                let typed = self.help_filter.text().unwrap_or_default().to_string();
                self.session.prompt(InputKind::HelpSearch, typed);
            }
            Some(Action::Help) => self.session.mode = Mode::Normal,
            _ if key.code == KeyCode::Esc => self.session.mode = Mode::Normal,
            _ => {}
        }
        vec![]
    }

    fn on_input_key(
        &mut self,
        key: KeyEvent,
        kind: InputKind,
        mut text: String,
        cursor: usize,
    ) -> Effects {
        match self.session.keymap.lookup(&[Scope::Input], &key) {
            Some(Action::Submit) => {
                self.session.remember(kind, &text);
                self.submit_input(kind, text)
            }
            Some(Action::Cancel) => self.cancel_input(kind),
            Some(Action::Complete) if kind == InputKind::Command => {
                self.complete_command(&mut text);
                self.session.prompt(kind, text);
                vec![]
            }
            _ if matches!(key.code, KeyCode::Up | KeyCode::Down) => {
                self.recall(kind, key.code == KeyCode::Up);
                self.typed(kind)
            }
            _ => {
                let Some(request) = edit_request(&key) else {
                    return vec![];
                };
                let mut input = tui_input::Input::new(text).with_cursor(cursor);
                let changed = input.handle(request).is_some_and(|c| c.value);
                let cursor = input.cursor();
                self.session.mode = Mode::Input {
                    kind,
                    text: input.value().to_string(),
                    cursor,
                };
                if changed { self.typed(kind) } else { vec![] }
            }
        }
    }

    /// Up (`older`) or Down through what was submitted at this prompt before.
    fn recall(&mut self, kind: InputKind, older: bool) {
        let past = self.session.history.get(&kind).cloned().unwrap_or_default();
        let at = match older {
            true => (self.session.recall + 1).min(past.len()),
            false => self.session.recall.saturating_sub(1),
        };
        if at == self.session.recall {
            return;
        }
        let text = match at {
            0 => String::new(),
            n => past[past.len() - n].clone(),
        };
        self.session.prompt(kind, text);
        self.session.recall = at;
    }

    /// What typing changes: a search runs as it is typed.
    fn typed(&mut self, kind: InputKind) -> Effects {
        match (&self.session.mode, kind) {
            (Mode::Input { text, .. }, InputKind::Search) => self.constituents.live_search(text),
            (Mode::Input { text, .. }, InputKind::HelpSearch) => {
                self.help_filter.set(text);
                self.help_scroll = 0;
                vec![]
            }
            (Mode::Input { text, .. }, InputKind::Filter) => {
                let text = text.clone();
                self.filter_pane(&text)
            }
            _ => vec![],
        }
    }

    /// Narrow the list in view to the rows holding `text` (every row when blank).
    fn filter_pane(&mut self, text: &str) -> Effects {
        match self.tab {
            Tab::Review => {
                let mut effects = self.review.filter(text);
                effects.extend(self.review.want_context());
                effects
            }
            Tab::Risk => self.risk.filter(text),
            Tab::Quality => self.quality.filter(text),
            Tab::Metrics => self.metrics.filter(text),
            Tab::Segments => self.segments.filter(text),
            Tab::Constituents | Tab::Jobs => vec![],
        }
    }

    fn on_mouse(&mut self, mouse: MouseEvent) -> Effects {
        match mouse.kind {
            MouseEventKind::ScrollDown => self.act(Action::Down),
            MouseEventKind::ScrollUp => self.act(Action::Up),
            MouseEventKind::Down(MouseButton::Left) if mouse.row == 0 => {
                match super::view::tab_at(mouse.column, self.width, self.tab) {
                    Some(tab) => self.act(Action::GoTab(tab.index())),
                    None => vec![],
                }
            }
            MouseEventKind::Down(MouseButton::Left) => self.click_row(mouse.column, mouse.row),
            _ => vec![],
        }
    }

    /// A click below the tab bar selects the table row under it.
    fn click_row(&mut self, column: u16, row: u16) -> Effects {
        match self.tab {
            Tab::Review => self.review.click(column, row),
            Tab::Constituents => self.constituents.click(column, row),
            _ => vec![],
        }
    }

    /// Carry out an action: what is global here, the rest by the pane in view.
    pub fn act(&mut self, action: Action) -> Effects {
        match action {
            Action::Quit => {
                let jobs = self.jobs.running();
                let saves = self.session.pending_saves;
                if jobs > 0 || saves > 0 {
                    self.session.mode = Mode::Confirm(Confirm::Quit { jobs, saves });
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
                self.session.mode = Mode::Help;
                self.help_scroll = 0;
                self.help_filter = Default::default();
                vec![]
            }
            Action::Command => {
                self.session.prompt(InputKind::Command, String::new());
                vec![]
            }
            Action::NextTab => self.go_tab((self.tab.index() + 1) % Tab::ALL.len()),
            Action::PrevTab => {
                self.go_tab((self.tab.index() + Tab::ALL.len() - 1) % Tab::ALL.len())
            }
            Action::GoTab(i) => self.go_tab(i),
            Action::Refresh if self.store_ready => self.reload_all(),
            Action::Refresh => vec![],
            Action::StartResolve => {
                self.start_job(JobKind::Resolve, Access::Decide, "run identity resolution")
            }
            // From the Risk list, the person's 360° view on the Constituents tab.
            Action::Open if self.tab == Tab::Risk => {
                let Some(id) = self.risk.selected_row().map(|r| r.constituent_id) else {
                    return vec![];
                };
                self.tab = Tab::Constituents;
                self.constituents.open_record(id)
            }
            // From a quality check, the golden record its first failing row belongs to.
            Action::Open if self.tab == Tab::Quality => {
                let Some(id) = self.quality.first_golden() else {
                    self.flash(
                        Level::Info,
                        "No failing row of this check belongs to a golden record",
                    );
                    return vec![];
                };
                self.tab = Tab::Constituents;
                self.constituents.open_record(id)
            }
            Action::StartIngest => {
                self.start_job(JobKind::Ingest, Access::Run, "ingest the sources")
            }
            Action::StartScore => self.start_job(JobKind::Score, Access::Run, "score"),
            Action::ComputeLifecycle => self.start_job(
                JobKind::Retention,
                Access::Compute,
                "compute retention by lifecycle",
            ),
            Action::StartQuality => {
                self.start_job(JobKind::Quality, Access::Run, "record a quality run")
            }
            action => self.pane_act(action),
        }
    }

    /// Start a background job a person asked for, where the access policy lets them
    /// (`what` says what was refused otherwise).
    fn start_job(&mut self, kind: JobKind, access: Access, what: &str) -> Effects {
        if self.session.refuse(access, what) {
            return vec![];
        }
        self.jobs.start(kind, &mut self.session)
    }

    /// The pane in view carries out an action of its own.
    fn pane_act(&mut self, action: Action) -> Effects {
        let session = &mut self.session;
        match self.tab {
            Tab::Review => {
                let mut effects = self.review.handle(action, session);
                effects.extend(self.review.want_context());
                effects
            }
            Tab::Constituents => self.constituents.handle(action, session),
            Tab::Risk => self.risk.handle(action, session),
            Tab::Quality => self.quality.handle(action, session),
            Tab::Metrics => self.metrics.handle(action, session),
            Tab::Jobs => self.jobs.handle(action, session),
            Tab::Segments => self.segments.handle(action, session),
        }
    }

    fn go_tab(&mut self, index: usize) -> Effects {
        self.tab = Tab::ALL[index.min(Tab::ALL.len() - 1)];
        if self.tab == Tab::Segments && !self.segments.loaded && self.store_ready {
            return vec![Effect::LoadSegments];
        }
        vec![]
    }

    fn submit_input(&mut self, kind: InputKind, text: String) -> Effects {
        self.session.mode = Mode::Normal;
        match kind {
            InputKind::Search => self.constituents.submit_search(text),
            // The list was filtered as it was typed.
            InputKind::Filter => vec![],
            InputKind::HelpSearch => {
                self.session.mode = Mode::Help;
                vec![]
            }
            InputKind::TriageNote => self.risk.save_note(&text, &mut self.session),
            InputKind::Command => {
                self.session.flash = None; // the completion's choices, if shown
                self.run_command(text.trim())
            }
            InputKind::Note => {
                self.review.keep_note(&text, &mut self.session);
                vec![]
            }
        }
    }

    fn cancel_input(&mut self, kind: InputKind) -> Effects {
        self.session.mode = Mode::Normal;
        match kind {
            InputKind::Search => self.constituents.cancel_search(),
            InputKind::Filter => self.filter_pane(""),
            InputKind::HelpSearch => {
                self.help_filter.set("");
                self.session.mode = Mode::Help;
                vec![]
            }
            InputKind::Command => {
                self.session.flash = None;
                vec![]
            }
            InputKind::Note | InputKind::TriageNote => vec![],
        }
    }

    /// Run the action called by the line's first word where the user is, as its key would.
    /// The rest of the line is the text of the prompt that action opens (`search lee ann`,
    /// `note moved in 2023`), submitted as if typed there.
    fn run_command(&mut self, line: &str) -> Effects {
        let (name, argument) = match line.split_once(char::is_whitespace) {
            Some((name, argument)) => (name, argument.trim()),
            None => (line, ""),
        };
        if name.is_empty() {
            return vec![];
        }
        let scopes = self.pane_scopes();
        match self.session.keymap.named(&scopes, name) {
            // A command line cannot open another one.
            Some(Action::Command) | None => {
                let names = self.session.keymap.command_names(&scopes).join(", ");
                self.flash(
                    Level::Warn,
                    format!("No command '{name}' here; this pane has: {names}"),
                );
                vec![]
            }
            Some(action) if argument.is_empty() => self.act(action),
            // Not run: what was typed after it may have been meant for another command.
            Some(action) if !action.opens_a_prompt() => {
                self.flash(
                    Level::Warn,
                    format!("'{name}' takes no argument (search and note do)"),
                );
                vec![]
            }
            Some(action) => {
                let mut effects = self.act(action);
                effects.extend(self.submit_argument(argument));
                effects
            }
        }
    }

    /// A command's argument, submitted at the prompt its action opened (if it opened one:
    /// a role may refuse it, and has said so).
    fn submit_argument(&mut self, argument: &str) -> Effects {
        let Mode::Input { kind, .. } = self.session.mode else {
            return vec![];
        };
        self.session.prompt(kind, argument.to_string());
        // A filter narrows the list as it is typed, and its Enter keeps it.
        let mut effects = self.typed(kind);
        self.session.remember(kind, argument);
        effects.extend(self.submit_input(kind, argument.to_string()));
        effects
    }

    /// Tab on the `:` line: the name typed so far completed as far as the pane's action
    /// names agree, and the choices shown when several remain.
    fn complete_command(&mut self, text: &mut String) {
        let names = self.session.keymap.command_names(&self.pane_scopes());
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

    fn confirmed(&mut self, confirm: Confirm) -> Effects {
        match confirm {
            Confirm::Quit { .. } => self.act(Action::ForceQuit),
            Confirm::Unmerge {
                record_id,
                constituent_id,
                label,
            } => {
                self.flash(Level::Info, format!("Unmerging {label} · saving…"));
                vec![self.session.save(WriteRequest::Unmerge {
                    record_id,
                    constituent_id,
                })]
            }
            Confirm::ExportSegment {
                name,
                display_name,
                one_per_household,
                ..
            } => {
                self.flash(Level::Info, format!("Exporting {display_name}…"));
                vec![Effect::ExportSegment {
                    name,
                    one_per_household,
                }]
            }
        }
    }

    fn on_job(&mut self, event: JobEvent) -> Effects {
        match self.jobs.on_event(event, &mut self.session) {
            JobOutcome::Nothing => vec![],
            JobOutcome::Finished(JobKind::BuildDemo) => {
                self.store_ready = true;
                let mut effects = vec![Effect::OpenStore];
                effects.extend(self.reload_all());
                effects
            }
            // Only the metric values changed.
            JobOutcome::Finished(JobKind::Retention) => vec![Effect::LoadMetrics],
            JobOutcome::Finished(_) => self.reload_all(),
        }
    }

    /// Retention by lifecycle is always on the Metrics tab: where the store's data (its
    /// as-of date) has none computed, a background job computes it, once a session.
    fn compute_lifecycle_where_missing(&mut self) -> Effects {
        let Some(as_of) = self.metrics.as_of else {
            return vec![];
        };
        let missing =
            crate::metrics::lifecycle::is_missing(&self.metrics.lifecycle.segments, as_of);
        if !missing
            || !self.session.may(Access::Compute)
            || self.metrics.lifecycle_started_for == Some(as_of)
        {
            return vec![];
        }
        let effects = self
            .jobs
            .start_unannounced(JobKind::Retention, &mut self.session);
        if !effects.is_empty() {
            self.metrics.lifecycle_started_for = Some(as_of);
        }
        effects
    }

    /// Take data the runtime loaded: each pane takes its own.
    pub fn on_loaded(&mut self, loaded: Loaded) -> Effects {
        match loaded {
            Loaded::Review {
                items,
                pending,
                matching,
                decided_today,
                expected_one_person,
                checks,
                as_of,
                kept_marks,
            } => {
                self.as_of = as_of;
                self.review.loaded(items, pending, matching, decided_today);
                self.review.expected_one_person = expected_one_person;
                self.review.checks = checks;
                if let Some(marks) = kept_marks {
                    self.review.restore_marks(marks, &mut self.session);
                }
                self.review.want_context().into_iter().collect()
            }
            Loaded::Page {
                edge,
                select_last,
                rows,
                full,
                from_row,
            } => self
                .constituents
                .page_loaded(edge, rows, full, select_last, from_row),
            Loaded::Count(count) => {
                self.constituents.total = Some(count);
                vec![]
            }
            Loaded::Search { typed, rows } => {
                // Only the newest search counts: the one being typed, else the one shown.
                let current = match &self.session.mode {
                    Mode::Input {
                        kind: InputKind::Search,
                        text,
                        ..
                    } => Some(text.as_str()),
                    _ => self.constituents.search.as_deref(),
                }
                .map(str::to_string);
                self.constituents
                    .search_loaded(current.as_deref(), &typed, rows);
                vec![]
            }
            Loaded::PairContext(context) => {
                self.review.context = Some(*context);
                vec![]
            }
            Loaded::Detail(id, data) => {
                self.constituents.detail_loaded(id, data);
                vec![]
            }
            Loaded::Risk {
                rows,
                tiers,
                complete,
            } => {
                self.risk.loaded(rows, tiers, complete);
                vec![]
            }
            Loaded::ReviewMore {
                offset,
                items,
                complete,
                select_last,
            } => {
                self.review
                    .more_loaded(offset, items, complete, select_last);
                vec![]
            }
            Loaded::RiskMore {
                offset,
                rows,
                complete,
                select_last,
            } => {
                self.risk.more_loaded(offset, rows, complete, select_last);
                vec![]
            }
            Loaded::Quality {
                run,
                results,
                trends,
                ingest,
            } => {
                self.quality.loaded(run, results, trends, ingest);
                vec![]
            }
            Loaded::Revealed { check, samples } => {
                self.quality.revealed = Some((check, samples));
                vec![]
            }
            Loaded::Metrics {
                file,
                as_of,
                error,
                lifecycle,
            } => {
                self.metrics.loaded(file, as_of, error);
                self.metrics.lifecycle = lifecycle;
                self.compute_lifecycle_where_missing()
            }
            Loaded::Segments { segments, error } => {
                self.segments.loaded(segments, error);
                vec![]
            }
            Loaded::MetricValue(value) => {
                self.session.flash = None;
                self.metrics.value_loaded(value);
                vec![]
            }
            Loaded::Exported {
                path,
                rows,
                left_out,
                recorded,
            } => {
                // What was recorded and left out first: a narrow status line cuts the end.
                let left_out = left_out.map(|note| format!("; {note}")).unwrap_or_default();
                self.flash(
                    Level::Info,
                    format!(
                        "Exported {rows} rows, {recorded}{left_out}: {}",
                        path.display()
                    ),
                );
                // Who was contacted when is on the risk list and in the segments' rules.
                vec![Effect::LoadRisk, Effect::LoadSegments]
            }
            Loaded::Failed(message) => {
                self.constituents.list.loading = false;
                self.flash(Level::Error, message);
                vec![]
            }
        }
    }
}
