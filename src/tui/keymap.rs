//! THE key table. Dispatch, the `?` help overlay, the hint bar and the README's key table
//! are all generated from [`BINDINGS`]; a test keeps the README in step. An optional
//! `config/keymap.yaml` changes the keys of named actions ([`Keymap::load`]).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::config::{Project, line_of, parse_yaml};
use crate::error::{Error, Result};
use crate::vocab::access::Access;

/// Where a binding applies. `Global` keys work in every pane; a pane's keys only there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    /// Any list or table (Review queue, constituent list, detail records, jobs).
    Lists,
    Review,
    Constituents,
    Detail,
    Risk,
    Quality,
    Metrics,
    Segments,
    Jobs,
    /// Typing a search or a note.
    Input,
    /// A yes/no question.
    Confirm,
}

impl Scope {
    const ALL: [Scope; 12] = [
        Scope::Global,
        Scope::Lists,
        Scope::Review,
        Scope::Constituents,
        Scope::Detail,
        Scope::Risk,
        Scope::Quality,
        Scope::Metrics,
        Scope::Jobs,
        Scope::Segments,
        Scope::Input,
        Scope::Confirm,
    ];

    /// Its name in `config/keymap.yaml`.
    fn config_name(self) -> &'static str {
        match self {
            Scope::Global => "global",
            Scope::Lists => "lists",
            Scope::Review => "review",
            Scope::Constituents => "constituents",
            Scope::Detail => "detail",
            Scope::Risk => "risk",
            Scope::Quality => "quality",
            Scope::Metrics => "metrics",
            Scope::Jobs => "jobs",
            Scope::Segments => "segments",
            Scope::Input => "input",
            Scope::Confirm => "confirm",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "Everywhere",
            Scope::Lists => "Lists",
            Scope::Review => "Review",
            Scope::Constituents => "Constituents",
            Scope::Detail => "Constituent detail",
            Scope::Risk => "Risk",
            Scope::Quality => "Quality",
            Scope::Metrics => "Metrics",
            Scope::Jobs => "Jobs",
            Scope::Segments => "Segments",
            Scope::Input => "Typing (search, note, command)",
            Scope::Confirm => "Confirmation",
        }
    }
}

/// Every user intent a key can trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    ForceQuit,
    Help,
    Command,
    NextTab,
    PrevTab,
    GoTab(usize),
    Refresh,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    HalfPageUp,
    HalfPageDown,
    Open,
    Back,
    Search,
    CycleSort,
    Approve,
    Reject,
    /// Same household, different people.
    Household,
    Skip,
    Undo,
    Note,
    Mark,
    MarkRange,
    /// The pair and every other pending pair touching its people.
    MarkRelated,
    /// Draw merges the run made at random into the queue, to be checked.
    CheckMerges,
    NextRecord,
    PrevRecord,
    CopyId,
    Unmerge,
    StartIngest,
    StartResolve,
    StartScore,
    StartQuality,
    CancelJob,
    CycleTier,
    ComputeMetric,
    /// Compute donor retention by lifecycle segment anew (a background job).
    ComputeLifecycle,
    CycleDimension,
    CyclePlatform,
    /// Show a check's samples with their personal values (admins, audited).
    Reveal,
    /// Scroll a text taller than its pane (a metric's SQL, a person's 360° view).
    ScrollDown,
    ScrollUp,
    CycleTriage,
    CycleStatusFilter,
    AssignToMe,
    CycleFollowUp,
    TriageNote,
    Export,
    /// A segment's export with one person per household, for a mailing.
    ExportOnePerHousehold,
    Submit,
    Complete,
    Cancel,
    Yes,
    No,
}

impl Action {
    /// Whether the action opens a prompt for text (which a `:` command line can give it:
    /// `search lee ann`).
    pub fn opens_a_prompt(self) -> bool {
        matches!(self, Action::Search | Action::Note | Action::TriageNote)
    }

    /// Its name in `config/keymap.yaml`: `half_page_down`, `tab_3`.
    pub fn name(self) -> String {
        if let Action::GoTab(i) = self {
            return format!("tab_{}", i + 1);
        }
        let mut name = String::new();
        for c in format!("{self:?}").chars() {
            if c.is_ascii_uppercase() && !name.is_empty() {
                name.push('_');
            }
            name.push(c.to_ascii_lowercase());
        }
        name
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const fn k(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::NONE,
    }
}

const fn code(code: KeyCode) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
    }
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub scope: Scope,
    pub keys: Cow<'static, [Key]>,
    pub action: Action,
    pub help: &'static str,
    /// Shown in the one-line hint bar.
    pub hint: bool,
}

const fn b(
    scope: Scope,
    keys: &'static [Key],
    action: Action,
    help: &'static str,
    hint: bool,
) -> Binding {
    Binding {
        scope,
        keys: Cow::Borrowed(keys),
        action,
        help,
        hint,
    }
}

use Action as A;
use Scope as S;

pub const BINDINGS: &[Binding] = &[
    b(
        S::Global,
        &[k('q')],
        A::Quit,
        "quit: asks first if a job runs",
        true,
    ),
    b(
        S::Global,
        &[ctrl('c')],
        A::ForceQuit,
        "quit now: cancels jobs, restores the terminal",
        false,
    ),
    b(
        S::Global,
        &[k('?'), code(KeyCode::F(1))],
        A::Help,
        "help: this list",
        true,
    ),
    b(
        S::Global,
        &[k(':')],
        A::Command,
        "command: run an action by its name (approve, cycle_sort, tab_3, search lee ann, …)",
        false,
    ),
    b(
        S::Global,
        &[code(KeyCode::Tab)],
        A::NextTab,
        "next tab",
        false,
    ),
    b(
        S::Global,
        &[code(KeyCode::BackTab)],
        A::PrevTab,
        "previous tab",
        false,
    ),
    b(S::Global, &[k('1')], A::GoTab(0), "Review tab", false),
    b(S::Global, &[k('2')], A::GoTab(1), "Constituents tab", false),
    b(S::Global, &[k('3')], A::GoTab(2), "Risk tab", false),
    b(S::Global, &[k('4')], A::GoTab(3), "Quality tab", false),
    b(S::Global, &[k('5')], A::GoTab(4), "Metrics tab", false),
    b(S::Global, &[k('6')], A::GoTab(5), "Jobs tab", false),
    b(S::Global, &[k('7')], A::GoTab(6), "Segments tab", false),
    b(
        S::Global,
        &[k('R'), ctrl('r')],
        A::Refresh,
        "reload: what is shown",
        false,
    ),
    b(
        S::Lists,
        &[k('j'), code(KeyCode::Down)],
        A::Down,
        "down",
        false,
    ),
    b(S::Lists, &[k('k'), code(KeyCode::Up)], A::Up, "up", false),
    b(
        S::Lists,
        &[k('g'), code(KeyCode::Home)],
        A::Top,
        "first row",
        false,
    ),
    b(
        S::Lists,
        &[k('G'), code(KeyCode::End)],
        A::Bottom,
        "last row",
        false,
    ),
    b(
        S::Lists,
        &[code(KeyCode::PageDown)],
        A::PageDown,
        "page down",
        false,
    ),
    b(
        S::Lists,
        &[code(KeyCode::PageUp)],
        A::PageUp,
        "page up",
        false,
    ),
    b(
        S::Lists,
        &[ctrl('d')],
        A::HalfPageDown,
        "half a page down",
        false,
    ),
    b(
        S::Lists,
        &[ctrl('u')],
        A::HalfPageUp,
        "half a page up",
        false,
    ),
    b(
        S::Review,
        &[k('a')],
        A::Approve,
        "approve: merge the two records",
        true,
    ),
    b(
        S::Review,
        &[k('r')],
        A::Reject,
        "reject: never merge these two",
        true,
    ),
    b(
        S::Review,
        &[k('h')],
        A::Household,
        "household: same household, different people (kept apart, linked as one household)",
        true,
    ),
    b(S::Review, &[k('s')], A::Skip, "skip: decide later", true),
    b(
        S::Review,
        &[k(' ')],
        A::Mark,
        "mark: a or r then decides every marked pair",
        false,
    ),
    b(
        S::Review,
        &[k('V')],
        A::MarkRange,
        "mark range: every pair from the last one marked to this one",
        false,
    ),
    b(
        S::Review,
        &[k('m')],
        A::MarkRelated,
        "mark the people: this pair and every other pending pair touching them, to decide as one",
        false,
    ),
    b(
        S::Review,
        &[k('u')],
        A::Undo,
        "undo: your last decision",
        true,
    ),
    b(
        S::Review,
        &[k('n')],
        A::Note,
        "note: for the next decision",
        true,
    ),
    b(
        S::Review,
        &[k('C')],
        A::CheckMerges,
        "check merges: draw 20 of the run's merges at random to the queue's head (a keeps one, r splits it)",
        false,
    ),
    b(
        S::Review,
        &[k('o')],
        A::CycleSort,
        "order: by stake / by score",
        true,
    ),
    b(
        S::Constituents,
        &[k('/')],
        A::Search,
        "search: name, email, phone or id",
        true,
    ),
    b(
        S::Review,
        &[k('/')],
        A::Search,
        "filter: pairs with a record whose name, email or source key holds every word typed",
        false,
    ),
    b(
        S::Risk,
        &[k('/')],
        A::Search,
        "filter: people whose name, email or id holds every word typed",
        false,
    ),
    b(
        S::Quality,
        &[k('/')],
        A::Search,
        "filter: checks whose name, table or type holds every word typed",
        false,
    ),
    b(
        S::Metrics,
        &[k('/')],
        A::Search,
        "filter: metrics whose name, category or description holds every word typed",
        false,
    ),
    b(
        S::Segments,
        &[k('/')],
        A::Search,
        "filter: segments whose name, owner or rule holds every word typed",
        false,
    ),
    b(
        S::Segments,
        &[k('e')],
        A::Export,
        "export: the members who may be contacted, to CSV for a campaign (recorded as contacted)",
        true,
    ),
    b(
        S::Segments,
        &[k('E')],
        A::ExportOnePerHousehold,
        "export one per household: the most engaged of each home, for a mailing",
        false,
    ),
    b(
        S::Constituents,
        &[code(KeyCode::Enter)],
        A::Open,
        "open: the golden record",
        true,
    ),
    b(
        S::Quality,
        &[code(KeyCode::Enter)],
        A::Open,
        "open: the golden record of the check's first failing row",
        false,
    ),
    b(
        S::Risk,
        &[code(KeyCode::Enter)],
        A::Open,
        "open: the person's 360° view",
        true,
    ),
    b(
        S::Constituents,
        &[k('o')],
        A::CycleSort,
        "sort: by name / id / lifetime giving",
        true,
    ),
    b(
        S::Constituents,
        &[code(KeyCode::Esc)],
        A::Back,
        "back: clears the search",
        false,
    ),
    b(
        S::Detail,
        &[code(KeyCode::Esc), code(KeyCode::Backspace)],
        A::Back,
        "back: to the list",
        true,
    ),
    b(
        S::Detail,
        &[k('n')],
        A::NextRecord,
        "next: the golden record below it in the list (or the search's next match)",
        true,
    ),
    b(
        S::Detail,
        &[k('N')],
        A::PrevRecord,
        "previous: the golden record above it in the list",
        false,
    ),
    b(
        S::Detail,
        &[k('J')],
        A::ScrollDown,
        "scroll the 360° view down (where it is taller than its pane)",
        false,
    ),
    b(
        S::Detail,
        &[k('K')],
        A::ScrollUp,
        "scroll the 360° view up",
        false,
    ),
    b(
        S::Detail,
        &[k('U')],
        A::Unmerge,
        "unmerge: the selected source record",
        true,
    ),
    b(
        S::Constituents,
        &[k('y')],
        A::CopyId,
        "yank: the golden record's id to the clipboard",
        false,
    ),
    b(
        S::Detail,
        &[k('y')],
        A::CopyId,
        "yank: the golden record's id to the clipboard",
        false,
    ),
    b(
        S::Risk,
        &[k('y')],
        A::CopyId,
        "yank: the person's golden record id to the clipboard",
        false,
    ),
    b(
        S::Risk,
        &[k('o')],
        A::CycleSort,
        "sort: by churn probability / monthly amount / tenure",
        true,
    ),
    b(
        S::Risk,
        &[k('t')],
        A::CycleTier,
        "tier: show all, critical, high, medium or low",
        true,
    ),
    b(
        S::Risk,
        &[k('s')],
        A::CycleTriage,
        "status: new → contacted → retained → lost (saved)",
        true,
    ),
    b(
        S::Risk,
        &[k('f')],
        A::CycleStatusFilter,
        "filter: only new, contacted, retained or lost (then everyone)",
        false,
    ),
    b(
        S::Risk,
        &[k('A')],
        A::AssignToMe,
        "assign: the case to you (again: to nobody)",
        false,
    ),
    b(
        S::Risk,
        &[k('F')],
        A::CycleFollowUp,
        "follow up: in 7 days (again: none)",
        false,
    ),
    b(
        S::Risk,
        &[k('n')],
        A::TriageNote,
        "note: on this person's triage",
        true,
    ),
    b(
        S::Risk,
        &[k('e')],
        A::Export,
        "export: the whole filtered list to CSV for a call campaign",
        true,
    ),
    b(
        S::Jobs,
        &[k('d')],
        A::StartQuality,
        "data quality: run the checks",
        true,
    ),
    b(
        S::Quality,
        &[k('v')],
        A::Reveal,
        "values: the failing rows' personal values (admins only; recorded in the audit trail)",
        false,
    ),
    b(
        S::Quality,
        &[k('r')],
        A::StartQuality,
        "run: the checks now",
        true,
    ),
    b(
        S::Metrics,
        &[code(KeyCode::Enter), k('v')],
        A::ComputeMetric,
        "value: compute on the local store",
        true,
    ),
    b(
        S::Metrics,
        &[k('L')],
        A::ComputeLifecycle,
        "lifecycle: compute retention by lifecycle segment anew",
        true,
    ),
    b(
        S::Metrics,
        &[k('b')],
        A::CycleDimension,
        "by: cycle the breakdown dimension",
        true,
    ),
    b(
        S::Metrics,
        &[k('y')],
        A::CopyId,
        "yank: the SQL for the chosen platform to the clipboard",
        false,
    ),
    b(
        S::Metrics,
        &[k('J')],
        A::ScrollDown,
        "scroll the SQL down",
        false,
    ),
    b(
        S::Metrics,
        &[k('K')],
        A::ScrollUp,
        "scroll the SQL up",
        false,
    ),
    b(
        S::Metrics,
        &[k('p')],
        A::CyclePlatform,
        "platform: cycle the second SQL pane",
        true,
    ),
    b(
        S::Jobs,
        &[k('c')],
        A::StartScore,
        "score: churn risk and upgrades",
        true,
    ),
    b(
        S::Jobs,
        &[k('i')],
        A::StartIngest,
        "ingest: load every configured source (unchanged files are skipped)",
        true,
    ),
    b(
        S::Jobs,
        &[k('r')],
        A::StartResolve,
        "resolve: start identity resolution",
        true,
    ),
    b(
        S::Jobs,
        &[k('x')],
        A::CancelJob,
        "cancel: the selected job",
        true,
    ),
    b(S::Input, &[code(KeyCode::Enter)], A::Submit, "accept", true),
    b(
        S::Input,
        &[code(KeyCode::Tab)],
        A::Complete,
        "complete: an action's name on the `:` line",
        false,
    ),
    b(
        S::Input,
        &[code(KeyCode::Esc)],
        A::Cancel,
        "cancel: clears a search",
        true,
    ),
    b(
        S::Confirm,
        &[k('y'), code(KeyCode::Enter)],
        A::Yes,
        "yes",
        true,
    ),
    b(S::Confirm, &[k('n'), code(KeyCode::Esc)], A::No, "no", true),
];

impl Key {
    pub fn matches(&self, event: &KeyEvent) -> bool {
        // Shift is part of the character itself ('G', '?') and of BackTab.
        let mods = event.modifiers - KeyModifiers::SHIFT;
        self.code == event.code && self.mods == mods
    }

    pub fn name(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::F(n) => format!("F{n}"),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            other => format!("{other:?}"),
        };
        if self.mods.contains(KeyModifiers::CONTROL) {
            format!("Ctrl-{base}")
        } else {
            base
        }
    }

    /// A key as `name` writes it (and as `config/keymap.yaml` may): `a`, `G`, `Space`,
    /// `Ctrl-r`, `PgDn`, `F1`, `↑` or `Up`.
    pub fn parse(text: &str) -> Option<Key> {
        if let Some(rest) = text.strip_prefix("Ctrl-") {
            let key = Key::parse(rest)?;
            return Some(Key {
                mods: KeyModifiers::CONTROL,
                ..key
            });
        }
        let mut chars = text.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return match c {
                '↑' => Some(code(KeyCode::Up)),
                '↓' => Some(code(KeyCode::Down)),
                c if c.is_control() => None,
                c => Some(k(c)),
            };
        }
        let named = match text {
            "Space" => KeyCode::Char(' '),
            "Tab" => KeyCode::Tab,
            "Shift-Tab" => KeyCode::BackTab,
            "Enter" => KeyCode::Enter,
            "Esc" => KeyCode::Esc,
            "Backspace" => KeyCode::Backspace,
            "Up" => KeyCode::Up,
            "Down" => KeyCode::Down,
            "Left" => KeyCode::Left,
            "Right" => KeyCode::Right,
            "Home" => KeyCode::Home,
            "End" => KeyCode::End,
            "PgUp" => KeyCode::PageUp,
            "PgDn" => KeyCode::PageDown,
            f => KeyCode::F(
                f.strip_prefix('F')?
                    .parse()
                    .ok()
                    .filter(|n| (1..=12).contains(n))?,
            ),
        };
        Some(code(named))
    }
}

impl Binding {
    pub fn key_names(&self) -> String {
        self.keys
            .iter()
            .map(Key::name)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl Scope {
    /// The places a pane can be: each looks a key up in `pane_lookup`'s order.
    const PANES: [Scope; 8] = [
        Scope::Review,
        Scope::Constituents,
        Scope::Detail,
        Scope::Jobs,
        Scope::Risk,
        Scope::Quality,
        Scope::Metrics,
        Scope::Segments,
    ];

    /// Where a key pressed in this pane is looked up, most specific first: the pane's own
    /// keys, then lists', then global ones. (Typing and confirming stand alone.)
    pub fn pane_lookup(self) -> Vec<Scope> {
        vec![self, Scope::Lists, Scope::Global]
    }
}

/// The scopes a key is looked up in together, in every place the console can be.
fn reachable_together() -> impl Iterator<Item = Vec<Scope>> {
    Scope::PANES
        .into_iter()
        .map(Scope::pane_lookup)
        .chain([vec![Scope::Input], vec![Scope::Confirm]])
}

/// The keys `names` spell, or what is wrong with them.
fn keys_named(names: &[String]) -> std::result::Result<Vec<Key>, String> {
    if names.is_empty() {
        return Err("needs at least one key".into());
    }
    names
        .iter()
        .map(|name| {
            Key::parse(name).ok_or_else(|| {
                format!(
                    "`{name}` is not a key (a character, Space, Enter, Esc, Tab, Backspace, Up, Down, Home, End, PgUp, PgDn, F1-F12, or Ctrl- with one of those)"
                )
            })
        })
        .collect()
}

/// The key table in use: the defaults with `config/keymap.yaml`'s changes.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

impl Default for Keymap {
    fn default() -> Keymap {
        Keymap {
            bindings: BINDINGS.to_vec(),
        }
    }
}

impl Keymap {
    /// The defaults, changed by the project's `config/keymap.yaml` if there is one.
    pub fn load(project: &Project) -> Result<Keymap> {
        let path = project.config_file("keymap.yaml");
        match std::fs::read_to_string(&path) {
            Ok(text) => Keymap::parse(&path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Keymap::default()),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// `scope: { action: [keys] }`: each named action's keys replace its default ones.
    pub fn parse(path: &Path, text: &str) -> Result<Keymap> {
        type Changes = BTreeMap<String, BTreeMap<String, Vec<String>>>;
        let changes: Option<Changes> = parse_yaml(path, text)?;
        let mut keymap = Keymap::default();
        // Where each changed binding is written: a problem is reported there.
        let mut changed: Vec<((Scope, Action), usize, String)> = Vec::new();
        let fail = |line: usize, key: &str, message: String| -> Result<Keymap> {
            Err(Error::config(path, line, key, message))
        };
        for (scope_name, actions) in changes.unwrap_or_default() {
            let scope_line = line_of(text, &scope_name, 0);
            let Some(scope) = Scope::ALL
                .into_iter()
                .find(|s| s.config_name() == scope_name)
            else {
                let names: Vec<&str> = Scope::ALL.iter().map(|s| s.config_name()).collect();
                return fail(
                    scope_line,
                    &scope_name,
                    format!("not a place keys work; one of {}", names.join(", ")),
                );
            };
            for (action_name, keys) in actions {
                let line = line_of(text, &action_name, scope_line);
                let key = format!("{scope_name}.{action_name}");
                let Some(binding) = keymap
                    .bindings
                    .iter_mut()
                    .find(|b| b.scope == scope && b.action.name() == action_name)
                else {
                    let names = keymap.names(&[scope]);
                    return fail(
                        line,
                        &key,
                        format!("no such action here; {scope_name} has {}", names.join(", ")),
                    );
                };
                match keys_named(&keys) {
                    Ok(parsed) => binding.keys = Cow::Owned(parsed),
                    Err(message) => return fail(line, &key, message),
                }
                changed.push(((scope, binding.action), line, key));
            }
        }
        if let Some((problem, involved)) = keymap.problem() {
            let (line, key) = changed
                .iter()
                .find(|(binding, _, _)| involved.contains(binding))
                .map_or((0, String::new()), |(_, line, key)| (*line, key.clone()));
            return fail(line, &key, problem);
        }
        Ok(keymap)
    }

    /// What makes a key table unusable, if anything, and the bindings involved: a key
    /// bound twice where both could be reached, a plain character for accepting or
    /// cancelling typed text, or Esc quitting (Esc always backs out).
    fn problem(&self) -> Option<(String, Vec<(Scope, Action)>)> {
        for scopes in reachable_together() {
            let mut seen: Vec<(Key, &Binding)> = Vec::new();
            for binding in self.bindings.iter().filter(|b| scopes.contains(&b.scope)) {
                for key in binding.keys.iter() {
                    if let Some((_, other)) = seen.iter().find(|(k, _)| k == key) {
                        let message = format!(
                            "{} would be both {} ({}) and {} ({})",
                            key.name(),
                            other.action.name(),
                            other.scope.config_name(),
                            binding.action.name(),
                            binding.scope.config_name()
                        );
                        let involved =
                            vec![(other.scope, other.action), (binding.scope, binding.action)];
                        return Some((message, involved));
                    }
                    seen.push((*key, binding));
                }
            }
        }
        // Typing a search or a note needs every character.
        if let Some((b, key)) = self
            .bindings
            .iter()
            .filter(|b| b.scope == Scope::Input)
            .flat_map(|b| b.keys.iter().map(move |k| (b, k)))
            .find(|(_, k)| matches!(k.code, KeyCode::Char(_)) && k.mods == KeyModifiers::NONE)
        {
            let message = format!(
                "{} is typed as text while typing; {} needs another key (Enter, Esc, Ctrl-…)",
                key.name(),
                b.action.name()
            );
            return Some((message, vec![(b.scope, b.action)]));
        }
        let esc = code(KeyCode::Esc);
        self.bindings
            .iter()
            .find(|b| matches!(b.action, Action::Quit | Action::ForceQuit) && b.keys.contains(&esc))
            .map(|b| {
                let message = format!(
                    "Esc cannot quit ({} in {})",
                    b.action.name(),
                    b.scope.config_name()
                );
                (message, vec![(b.scope, b.action)])
            })
    }

    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The action called `name` in the first of `scopes` that has it (the `:` command).
    pub fn named(&self, scopes: &[Scope], name: &str) -> Option<Action> {
        scopes.iter().find_map(|scope| {
            self.bindings
                .iter()
                .find(|b| b.scope == *scope && b.action.name() == name)
                .map(|b| b.action)
        })
    }

    /// The names of the actions in `scopes`, most specific first.
    pub fn names(&self, scopes: &[Scope]) -> Vec<String> {
        scopes
            .iter()
            .flat_map(|scope| self.bindings.iter().filter(move |b| b.scope == *scope))
            .map(|b| b.action.name())
            .collect()
    }

    /// The names the `:` line can run in `scopes`, each once, most specific first (not
    /// `command` itself: a command line cannot open another).
    pub fn command_names(&self, scopes: &[Scope]) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for name in self.names(scopes) {
            if name != Action::Command.name() && !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// The action `event` triggers in the first of `scopes` that binds it.
    pub fn lookup(&self, scopes: &[Scope], event: &KeyEvent) -> Option<Action> {
        scopes.iter().find_map(|scope| {
            self.bindings
                .iter()
                .filter(|b| b.scope == *scope)
                .find(|b| b.keys.iter().any(|k| k.matches(event)))
                .map(|b| b.action)
        })
    }

    /// The bindings shown in the hint bar for these scopes, most specific first.
    /// The hint bar's keys for these scopes, of the actions `may` lets the session take.
    pub fn hints(
        &self,
        scopes: &[Scope],
        may: impl Fn(Access) -> bool,
    ) -> Vec<(String, &'static str)> {
        scopes
            .iter()
            .flat_map(|scope| {
                self.bindings
                    .iter()
                    .filter(move |b| b.scope == *scope && b.hint)
            })
            .filter(|b| may(access(b.scope, b.action)))
            .map(Binding::hint)
            .collect()
    }

    /// The key bound to `action` on the `scope` pane, as the help names it.
    pub fn key_of(&self, scope: Scope, action: Action) -> Option<String> {
        self.bindings
            .iter()
            .find(|b| b.scope == scope && b.action == action)
            .map(|b| b.keys[0].name())
    }

    /// The keys shown beside a line being typed: accept and cancel, and completion on the
    /// `:` line only.
    pub fn input_hints(&self, command_line: bool) -> Vec<(String, &'static str)> {
        self.bindings
            .iter()
            .filter(|b| b.scope == Scope::Input)
            .filter(|b| b.hint || (command_line && b.action == Action::Complete))
            .map(Binding::hint)
            .collect()
    }
}

/// What taking `action` on the `scope` pane does, as the access policy names it: the hint
/// bar offers only what the session may take, and each action's handler refuses the rest
/// with the same policy (a test holds the two together).
pub fn access(scope: Scope, action: Action) -> Access {
    use Action as A;
    match (scope, action) {
        (
            _,
            A::Approve
            | A::Reject
            | A::Household
            | A::Skip
            | A::Mark
            | A::MarkRange
            | A::MarkRelated
            | A::CheckMerges
            | A::Unmerge
            | A::StartResolve,
        )
        | (Scope::Review, A::Undo | A::Note) => Access::Decide,
        (_, A::StartIngest | A::StartScore | A::StartQuality) => Access::Run,
        (_, A::ComputeMetric | A::ComputeLifecycle) => Access::Compute,
        (_, A::CycleTriage | A::AssignToMe | A::CycleFollowUp | A::TriageNote) => Access::Contact,
        (Scope::Risk, A::Export) => Access::CallList,
        (Scope::Segments, A::Export | A::ExportOnePerHousehold) => Access::Contact,
        (_, A::Reveal) => Access::Reveal,
        _ => Access::Read,
    }
}

/// What Tab makes of a partly typed action name: the longest start shared by the names
/// that begin with it (the whole name when only one does), and those names.
pub fn complete<'a>(typed: &str, names: &'a [String]) -> (String, Vec<&'a str>) {
    let matching: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|name| name.starts_with(typed))
        .collect();
    let Some(first) = matching.first() else {
        return (typed.to_string(), matching);
    };
    let shared = matching.iter().fold(first.len(), |shared, name| {
        first
            .bytes()
            .zip(name.bytes())
            .take(shared)
            .take_while(|(a, b)| a == b)
            .count()
    });
    (first[..shared].to_string(), matching)
}

impl Binding {
    /// As the hint bar shows it: its first key and the help text's first words.
    fn hint(&self) -> (String, &'static str) {
        (self.keys[0].name(), short(self.help))
    }
}

/// The help text up to its first colon or parenthesis: "approve: merge…" → "approve".
fn short(help: &'static str) -> &'static str {
    help.split([':', '(']).next().unwrap_or(help).trim_end()
}

/// The key table as Markdown, for the README.
pub fn markdown_table() -> String {
    let mut out = String::from("| Where | Keys | Does |\n|---|---|---|\n");
    for binding in BINDINGS {
        out.push_str(&format!(
            "| {} | `{}` | {} |\n",
            binding.scope.title(),
            binding
                .keys
                .iter()
                .map(Key::name)
                .collect::<Vec<_>>()
                .join("` `"),
            binding.help
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_goes_as_far_as_the_names_agree() {
        let names: Vec<String> = ["approve", "tab_1", "tab_2", "top"]
            .map(String::from)
            .to_vec();
        assert_eq!(complete("ap", &names), ("approve".into(), vec!["approve"]));
        assert_eq!(
            complete("ta", &names),
            ("tab_".into(), vec!["tab_1", "tab_2"])
        );
        assert_eq!(
            complete("t", &names),
            ("t".into(), vec!["tab_1", "tab_2", "top"])
        );
        assert_eq!(complete("x", &names), ("x".into(), vec![]));
        assert_eq!(complete("", &names).1.len(), 4);
    }

    #[test]
    fn the_command_line_offers_each_action_once_and_not_itself() {
        let keymap = Keymap::default();
        let names = keymap.command_names(&[Scope::Detail, Scope::Lists, Scope::Global]);
        assert!(!names.contains(&"command".to_string()));
        assert!(names.contains(&"next_record".to_string()));
        assert!(names.contains(&"tab_6".to_string()));
        // Two places that both sort: the name is offered once.
        let names = keymap.command_names(&[Scope::Review, Scope::Constituents]);
        assert_eq!(names.iter().filter(|n| *n == "cycle_sort").count(), 1);
    }

    fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    fn lookup(scopes: &[Scope], event: &KeyEvent) -> Option<Action> {
        Keymap::default().lookup(scopes, event)
    }

    fn hints(scopes: &[Scope]) -> Vec<(String, &'static str)> {
        Keymap::default().hints(scopes, |_| true)
    }

    #[test]
    fn the_pane_scope_wins_over_lists_and_global_and_shift_is_ignored() {
        let scopes = [Scope::Jobs, Scope::Lists, Scope::Global];
        assert_eq!(
            lookup(&scopes, &press(KeyCode::Char('r'), KeyModifiers::NONE)),
            Some(Action::StartResolve)
        );
        assert_eq!(
            lookup(&scopes, &press(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            lookup(&scopes, &press(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::PrevTab)
        );
        assert_eq!(
            lookup(&scopes, &press(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::ForceQuit)
        );
        assert_eq!(
            lookup(&scopes, &press(KeyCode::Char('a'), KeyModifiers::NONE)),
            None
        );
    }

    #[test]
    fn the_default_table_binds_no_key_twice_where_both_are_reached_and_esc_never_quits() {
        assert_eq!(Keymap::default().problem(), None);
    }

    #[test]
    fn every_key_reads_back_from_its_name() {
        for binding in BINDINGS {
            for key in binding.keys.iter() {
                assert_eq!(Key::parse(&key.name()), Some(*key), "{}", key.name());
            }
        }
        assert_eq!(Key::parse("Up"), Some(code(KeyCode::Up)));
        for bad in ["", "Ctrl-", "F13", "Hyper-a", "PageDown"] {
            assert_eq!(Key::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn keymap_yaml_changes_the_keys_of_named_actions() {
        let text = "review:\n  approve: [A, Ctrl-a]\n  mark: [v]\nglobal:\n  tab_1: [F2]\n";
        let keymap = Keymap::parse(Path::new("config/keymap.yaml"), text).unwrap();
        let scopes = [Scope::Review, Scope::Lists, Scope::Global];
        let on = |c: KeyCode, m: KeyModifiers| keymap.lookup(&scopes, &press(c, m));
        assert_eq!(
            on(KeyCode::Char('A'), KeyModifiers::SHIFT),
            Some(Action::Approve)
        );
        assert_eq!(
            on(KeyCode::Char('a'), KeyModifiers::CONTROL),
            Some(Action::Approve)
        );
        assert_eq!(
            on(KeyCode::Char('a'), KeyModifiers::NONE),
            None,
            "the default is replaced"
        );
        assert_eq!(
            on(KeyCode::Char('v'), KeyModifiers::NONE),
            Some(Action::Mark)
        );
        assert_eq!(
            on(KeyCode::F(2), KeyModifiers::NONE),
            Some(Action::GoTab(0))
        );
        assert_eq!(
            on(KeyCode::Char('r'), KeyModifiers::NONE),
            Some(Action::Reject)
        );
        assert_eq!(
            keymap.hints(&scopes, |_| true)[0],
            ("A".to_string(), "approve")
        );
        assert!(Keymap::parse(Path::new("k.yaml"), "# nothing changed\n").is_ok());
    }

    #[test]
    fn a_bad_keymap_is_refused_with_file_line_and_key() {
        let refused = |text: &str| {
            Keymap::parse(Path::new("config/keymap.yaml"), text)
                .unwrap_err()
                .to_string()
        };
        let err = refused("review:\n  approve: [a]\n  aprove: [A]\n");
        assert!(
            err.contains("config/keymap.yaml")
                && err.contains(":3:")
                && err.contains("review.aprove"),
            "{err}"
        );
        assert!(err.contains("approve, reject"), "{err}");
        let err = refused("reviw:\n  approve: [A]\n");
        assert!(
            err.contains(":1:") && err.contains("reviw") && err.contains("review"),
            "{err}"
        );
        let err = refused("review:\n  approve: [Hyper-a]\n");
        assert!(
            err.contains(":2:") && err.contains("`Hyper-a` is not a key"),
            "{err}"
        );
        let err = refused("review:\n  approve: [r]\n");
        assert!(
            err.contains(
                ":2: review.approve: r would be both approve (review) and reject (review)"
            ),
            "{err}"
        );
        let err = refused("review:\n  approve: [q]\n");
        assert!(
            err.contains("q would be both"),
            "a pane key cannot shadow a global one: {err}"
        );
        let err = refused("global:\n  quit: [Esc]\n");
        assert!(err.contains(":2: global.quit: Esc"), "{err}");
        let err = refused("input:\n  submit: [x]\n");
        assert!(
            err.contains(":2: input.submit: x is typed as text"),
            "{err}"
        );
        let err = refused("review:\n  approve: []\n");
        assert!(err.contains("at least one key"), "{err}");
    }

    #[test]
    fn the_readme_key_table_is_this_table() {
        let readme = include_str!("../../README.md");
        let table = markdown_table();
        // The table, then a blank line: nothing pasted on to its end either.
        assert!(
            readme.contains(&format!("{table}\n")),
            "README.md's key table is out of date; paste this under 'Using the console', \
             with a blank line after it:\n{table}"
        );
    }

    #[test]
    fn hints_are_short_and_most_specific_first() {
        let hints = hints(&[Scope::Review, Scope::Lists, Scope::Global]);
        assert_eq!(hints[0], ("a".to_string(), "approve"));
        assert_eq!(hints.last().map(|h| h.1), Some("help"));
    }
}
