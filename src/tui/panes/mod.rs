//! One module per tab. Each holds its pane's state, turns the keymap's actions into state
//! changes and [`Effect`](crate::tui::app::Effect)s (`handle`), takes the data loaded for it,
//! and draws itself; `App` keeps only what every pane shares (the tab, the mode, the message
//! line, the jobs) and dispatches.

pub mod constituents;
pub mod jobs;
pub mod metrics;
pub mod quality;
pub mod review;
pub mod risk;
pub mod segments;

use ratatui::layout::Rect;

use super::app::{Effect, InputKind, Session};
use super::keymap::Action;

/// What was typed at `/` over a list: it keeps the rows whose text holds it, in any case.
/// The Risk list and the review queue hand it to SQLite (they page through the store);
/// the short lists (checks, metrics, segments) are filtered as they are drawn.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter(Option<String>);

impl Filter {
    /// Filter by `typed` (nothing when blank); true when that changes the filter.
    pub fn set(&mut self, typed: &str) -> bool {
        let typed = typed.trim();
        let next = (!typed.is_empty()).then(|| typed.to_string());
        let changed = next != self.0;
        self.0 = next;
        changed
    }

    pub fn text(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// Whether every word typed is in one of `texts`, in any order and case (always,
    /// with no filter), as the lists the store filters find them (`store::word_patterns`).
    pub fn keeps(&self, texts: &[&str]) -> bool {
        let Some(wanted) = &self.0 else {
            return true;
        };
        let texts: Vec<String> = texts.iter().map(|t| t.to_lowercase()).collect();
        wanted
            .to_lowercase()
            .split_whitespace()
            .all(|word| texts.iter().any(|t| t.contains(word)))
    }

    /// `/`: the filter line opens on what was typed before.
    pub fn ask(&self, session: &mut Session) -> Vec<Effect> {
        let typed = self.text().unwrap_or_default().to_string();
        session.prompt(InputKind::Filter, typed);
        vec![]
    }

    /// For a pane's title: ` · matching 'typed'`, or nothing.
    pub fn label(&self) -> String {
        self.0
            .as_deref()
            .map(|t| format!(" · matching '{t}'"))
            .unwrap_or_default()
    }
}

/// A list paged in from the store as the selection nears the end of what is loaded (the
/// review queue, the Risk list): whether every row is here, and whether more are coming.
#[derive(Debug, Default)]
pub struct Window {
    pub complete: bool,
    pub loading: bool,
}

/// More rows to load after the `offset` rows loaded: a window, or (`G`) all that are left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct More {
    pub offset: usize,
    pub to_end: bool,
}

impl Window {
    /// Move `selected` in a list of `len` loaded rows. `G` asks for every row left first;
    /// a selection within `ahead` rows of the loaded end asks for the next window.
    pub fn step(
        &mut self,
        step: Move,
        selected: &mut usize,
        len: usize,
        ahead: usize,
    ) -> Option<More> {
        let can_load = !self.complete && !self.loading;
        if step == Move::Bottom && can_load {
            self.loading = true;
            return Some(More {
                offset: len,
                to_end: true,
            });
        }
        step.apply(selected, len);
        if can_load && *selected + ahead >= len {
            self.loading = true;
            return Some(More {
                offset: len,
                to_end: false,
            });
        }
        None
    }

    /// Rows loaded after `offset` arrived, `len` being loaded now: true when they follow
    /// what is loaded (else a reload overtook them and they are dropped).
    pub fn arrived(&mut self, offset: usize, len: usize, complete: bool) -> bool {
        self.loading = false;
        let follows = offset == len;
        if follows {
            self.complete = complete;
        }
        follows
    }

    /// A fresh first window was loaded.
    pub fn reloaded(&mut self, complete: bool) {
        self.complete = complete;
        self.loading = false;
    }
}

/// A move of a list's selection, from a key or a click.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    By(isize),
    Top,
    Bottom,
}

impl Move {
    /// The move an action asks for, if it is one.
    pub fn of(action: Action) -> Option<Move> {
        Some(match action {
            Action::Up => Move::By(-1),
            Action::Down => Move::By(1),
            Action::PageUp => Move::By(-20),
            Action::PageDown => Move::By(20),
            Action::HalfPageUp => Move::By(-10),
            Action::HalfPageDown => Move::By(10),
            Action::Top => Move::Top,
            Action::Bottom => Move::Bottom,
            _ => return None,
        })
    }

    /// How far the selection moves from `selected` (ends stop it later).
    pub fn delta(self, selected: usize, len: usize) -> isize {
        match self {
            Move::By(delta) => delta,
            Move::Top => -(selected as isize),
            Move::Bottom => len as isize - selected as isize,
        }
    }

    /// Move a selection within a list of `len` rows, stopping at either end.
    pub fn apply(self, selected: &mut usize, len: usize) {
        *selected = selected
            .saturating_add_signed(self.delta(*selected, len))
            .min(len.saturating_sub(1));
    }
}

/// The row of a table a click lands on, as a move from `selected`: tables have a border
/// and a header row, and `offset` is the first row drawn.
pub fn clicked_row(
    table: Rect,
    offset: usize,
    selected: usize,
    column: u16,
    row: u16,
) -> Option<Move> {
    let first_row = table.y + 2;
    let inside = column >= table.x
        && column < table.right()
        && row >= first_row
        && row < table.bottom().saturating_sub(1);
    let target = offset + usize::from(row.checked_sub(first_row)?);
    inside.then_some(Move::By(target as isize - selected as isize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_stop_at_both_ends_of_a_list() {
        let mut selected = 3;
        Move::By(-10).apply(&mut selected, 5);
        assert_eq!(selected, 0);
        Move::By(20).apply(&mut selected, 5);
        assert_eq!(selected, 4);
        Move::Top.apply(&mut selected, 5);
        assert_eq!(selected, 0);
        Move::Bottom.apply(&mut selected, 5);
        assert_eq!(selected, 4);
        let mut empty = 0;
        Move::Bottom.apply(&mut empty, 0);
        assert_eq!(empty, 0);
        assert_eq!(Move::of(Action::PageDown), Some(Move::By(20)));
        assert_eq!(Move::of(Action::Approve), None);
    }

    #[test]
    fn a_filter_keeps_rows_holding_the_typed_text_in_any_case() {
        let mut filter = Filter::default();
        assert!(filter.keeps(&["anything"]), "no filter keeps every row");
        assert!(filter.set(" Smith "));
        assert!(!filter.set("Smith"), "the same text again changes nothing");
        assert!(filter.keeps(&["Mary", "SMITHSON"]));
        assert!(!filter.keeps(&["Mary", "Jones"]));
        assert_eq!(filter.label(), " · matching 'Smith'");
        assert!(filter.set("smith mary"));
        assert!(
            filter.keeps(&["Mary", "SMITHSON"]),
            "words in any order, in any text"
        );
        assert!(!filter.keeps(&["Mary Jones", "Smithson"][..1]));
        assert!(filter.set("  "), "blank clears it");
        assert_eq!(filter.text(), None);
        assert_eq!(filter.label(), "");
    }

    #[test]
    fn a_window_asks_for_more_near_its_end_once_and_for_everything_on_g() {
        let mut window = Window::default();
        let mut selected = 0;
        assert_eq!(window.step(Move::By(1), &mut selected, 500, 100), None);
        selected = 398;
        let more = window.step(Move::By(5), &mut selected, 500, 100);
        assert_eq!(
            more,
            Some(More {
                offset: 500,
                to_end: false
            })
        );
        assert_eq!(
            window.step(Move::By(1), &mut selected, 500, 100),
            None,
            "one at a time"
        );
        assert!(
            !window.arrived(450, 500, false),
            "rows after a reload are dropped"
        );
        assert!(window.arrived(500, 500, false));
        let all = window.step(Move::Bottom, &mut selected, 1000, 100);
        assert_eq!(
            all,
            Some(More {
                offset: 1000,
                to_end: true
            })
        );
        assert!(window.arrived(1000, 1000, true));
        assert_eq!(window.step(Move::Bottom, &mut selected, 1200, 100), None);
        assert_eq!(selected, 1199, "a complete list moves without loading");
    }

    #[test]
    fn a_click_selects_the_row_under_it_and_nothing_outside_the_rows() {
        let table = Rect::new(0, 3, 40, 10); // rows drawn on lines 5..=11
        assert_eq!(clicked_row(table, 0, 0, 4, 5), Some(Move::By(0)));
        assert_eq!(clicked_row(table, 20, 21, 4, 7), Some(Move::By(1)));
        assert_eq!(clicked_row(table, 0, 0, 4, 4), None, "the header");
        assert_eq!(clicked_row(table, 0, 0, 4, 12), None, "the bottom border");
        assert_eq!(clicked_row(table, 0, 0, 45, 6), None, "beside the table");
    }
}
