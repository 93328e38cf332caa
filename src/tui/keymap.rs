//! THE key table. Dispatch, the `?` help overlay, the hint bar and the README's key table
//! are all generated from [`BINDINGS`]; a test keeps the README in step.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

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
    Jobs,
    /// Typing a search or a note.
    Input,
    /// A yes/no question.
    Confirm,
}

impl Scope {
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
            Scope::Input => "Typing (search, note)",
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
    Skip,
    Undo,
    Note,
    Mark,
    CopyId,
    Unmerge,
    StartResolve,
    StartScore,
    StartQuality,
    CancelJob,
    CycleTier,
    ComputeMetric,
    CycleDimension,
    CyclePlatform,
    CycleTriage,
    TriageNote,
    Export,
    Submit,
    Cancel,
    Yes,
    No,
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

pub struct Binding {
    pub scope: Scope,
    pub keys: &'static [Key],
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
        keys,
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
        S::Constituents,
        &[code(KeyCode::Enter)],
        A::Open,
        "open: the golden record",
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
        &[k('b')],
        A::CycleDimension,
        "by: cycle the breakdown dimension",
        true,
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

/// The action `event` triggers in the first of `scopes` that binds it.
pub fn lookup(scopes: &[Scope], event: &KeyEvent) -> Option<Action> {
    scopes.iter().find_map(|scope| {
        BINDINGS
            .iter()
            .filter(|b| b.scope == *scope)
            .find(|b| b.keys.iter().any(|k| k.matches(event)))
            .map(|b| b.action)
    })
}

/// The bindings shown in the hint bar for these scopes, most specific first.
pub fn hints(scopes: &[Scope]) -> Vec<(String, &'static str)> {
    scopes
        .iter()
        .flat_map(|scope| BINDINGS.iter().filter(move |b| b.scope == *scope && b.hint))
        .map(|b| (b.keys[0].name(), short(b.help)))
        .collect()
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

    fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
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
    fn no_key_is_bound_twice_where_it_could_be_reached_together() {
        let reachable_together = [
            [Scope::Review, Scope::Lists, Scope::Global],
            [Scope::Constituents, Scope::Lists, Scope::Global],
            [Scope::Detail, Scope::Lists, Scope::Global],
            [Scope::Jobs, Scope::Lists, Scope::Global],
            [Scope::Risk, Scope::Lists, Scope::Global],
            [Scope::Quality, Scope::Lists, Scope::Global],
            [Scope::Metrics, Scope::Lists, Scope::Global],
        ];
        for scopes in reachable_together {
            let mut seen: Vec<(Key, Scope)> = Vec::new();
            for binding in BINDINGS.iter().filter(|b| scopes.contains(&b.scope)) {
                for key in binding.keys {
                    if let Some((_, other)) = seen.iter().find(|(k, _)| k == key) {
                        panic!(
                            "{} is bound in {other:?} and {:?}",
                            key.name(),
                            binding.scope
                        );
                    }
                    seen.push((*key, binding.scope));
                }
            }
        }
    }

    #[test]
    fn esc_never_quits() {
        let esc = press(KeyCode::Esc, KeyModifiers::NONE);
        for binding in BINDINGS
            .iter()
            .filter(|b| b.keys.iter().any(|k| k.matches(&esc)))
        {
            assert!(
                !matches!(binding.action, Action::Quit | Action::ForceQuit),
                "Esc quits in {:?}",
                binding.scope
            );
        }
    }

    #[test]
    fn the_readme_key_table_is_this_table() {
        let readme = include_str!("../../README.md");
        let table = markdown_table();
        assert!(
            readme.contains(&table),
            "README.md's key table is out of date; paste this under 'Using the console':\n{table}"
        );
    }

    #[test]
    fn hints_are_short_and_most_specific_first() {
        let hints = hints(&[Scope::Review, Scope::Lists, Scope::Global]);
        assert_eq!(hints[0], ("a".to_string(), "approve"));
        assert_eq!(hints.last().map(|h| h.1), Some("help"));
    }
}
