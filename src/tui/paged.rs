//! A window of rows around the cursor over a keyset-paged list: about three pages are held,
//! the next page is asked for when the cursor comes within half a page of an edge, and the
//! far end is dropped, so memory and page queries stay flat at any depth of a million rows.

use std::cell::Cell;

pub const PAGE: usize = 100;
const KEEP: usize = 3 * PAGE;
const PREFETCH: usize = PAGE / 2;

/// Which way a page load extends the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// Replace everything (first page, last page, reload at a row).
    Reset,
    Forward,
    Backward,
}

#[derive(Debug)]
pub struct Paged<T> {
    pub rows: Vec<T>,
    pub selected: usize,
    /// Nothing before `rows[0]` / after the last row.
    pub at_start: bool,
    pub at_end: bool,
    /// A load is in flight; don't ask again.
    pub loading: bool,
    /// Set once the first page arrived.
    pub loaded: bool,
    /// The first visible row; kept by rendering, which knows the height.
    pub offset: Cell<usize>,
}

impl<T> Default for Paged<T> {
    fn default() -> Self {
        Paged {
            rows: Vec::new(),
            selected: 0,
            at_start: true,
            at_end: true,
            loading: false,
            loaded: false,
            offset: Cell::new(0),
        }
    }
}

/// What the window wants loaded next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Nothing,
    After,
    Before,
}

impl<T> Paged<T> {
    pub fn selected_row(&self) -> Option<&T> {
        self.rows.get(self.selected)
    }

    /// Move by `delta` rows within what is loaded, and say whether more should be loaded.
    pub fn move_by(&mut self, delta: isize) -> Need {
        if self.rows.is_empty() {
            return Need::Nothing;
        }
        let last = self.rows.len() - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.need()
    }

    pub fn need(&self) -> Need {
        if self.loading || self.rows.is_empty() {
            Need::Nothing
        } else if !self.at_end && self.selected + PREFETCH >= self.rows.len() {
            Need::After
        } else if !self.at_start && self.selected < PREFETCH {
            Need::Before
        } else {
            Need::Nothing
        }
    }

    /// Take a loaded page. `full` = the page came back with as many rows as asked for,
    /// so there may be more beyond it.
    pub fn apply(&mut self, edge: Edge, rows: Vec<T>, full: bool, select_last: bool) {
        self.loading = false;
        self.loaded = true;
        match edge {
            Edge::Reset => {
                self.rows = rows;
                self.selected = if select_last {
                    self.rows.len().saturating_sub(1)
                } else {
                    0
                };
                self.offset.set(self.selected);
                if select_last {
                    self.at_end = true;
                    self.at_start = !full;
                } else {
                    self.at_start = true;
                    self.at_end = !full;
                }
            }
            Edge::Forward => {
                self.at_end = !full;
                self.rows.extend(rows);
                if self.rows.len() > KEEP {
                    let drop = self.rows.len() - KEEP;
                    self.rows.drain(..drop);
                    self.selected = self.selected.saturating_sub(drop);
                    self.offset.set(self.offset.get().saturating_sub(drop));
                    self.at_start = false;
                }
            }
            Edge::Backward => {
                self.at_start = !full;
                let added = rows.len();
                let mut rows = rows;
                rows.append(&mut self.rows);
                self.rows = rows;
                self.selected += added;
                self.offset.set(self.offset.get() + added);
                if self.rows.len() > KEEP {
                    self.rows.truncate(KEEP);
                    self.at_end = false;
                }
            }
        }
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    /// Reload-at-a-row pages start at the row that was selected; mark that there may be
    /// rows before it.
    pub fn mark_more_before(&mut self) {
        self.at_start = false;
    }

    /// Keep the selection visible in a viewport of `height` rows; returns the first
    /// visible row.
    pub fn scroll_for(&self, height: usize) -> usize {
        scroll(&self.offset, self.selected, self.rows.len(), height)
    }
}

/// The first visible row of a list of `len` rows shown `height` at a time, moved as little
/// as possible from where it was so `selected` is visible. Rendering keeps it in `offset`.
pub fn scroll(offset: &Cell<usize>, selected: usize, len: usize, height: usize) -> usize {
    let height = height.max(1);
    let mut first = offset.get().min(len.saturating_sub(1));
    if selected < first {
        first = selected;
    } else if selected >= first + height {
        first = selected + 1 - height;
    }
    offset.set(first);
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(from: usize, n: usize) -> Vec<usize> {
        (from..from + n).collect()
    }

    #[test]
    fn scrolling_down_a_long_list_keeps_a_bounded_window_around_the_cursor() {
        let mut p = Paged::default();
        p.apply(Edge::Reset, page(0, PAGE), true, false);
        assert_eq!(p.need(), Need::Nothing);
        assert_eq!(p.move_by(60), Need::After);
        // Walk ten pages down, loading as asked.
        let mut next = PAGE;
        for _ in 0..(10 * PAGE) {
            if p.move_by(1) == Need::After {
                p.loading = true;
                p.apply(Edge::Forward, page(next, PAGE), true, false);
                next += PAGE;
            }
            assert!(p.rows.len() <= KEEP);
        }
        assert_eq!(*p.selected_row().unwrap(), 60 + 10 * PAGE);
        assert!(!p.at_start);
        // And back up: the dropped rows come back before the cursor.
        assert_eq!(p.move_by(-(p.selected as isize)), Need::Before);
        let first = p.rows[0];
        let before: Vec<usize> = (first - PAGE..first).collect();
        let was = *p.selected_row().unwrap();
        p.apply(Edge::Backward, before, true, false);
        assert_eq!(
            *p.selected_row().unwrap(),
            was,
            "the cursor stays on its row"
        );
        assert!(p.rows.len() <= KEEP);
        assert!(p.rows.windows(2).all(|w| w[1] == w[0] + 1));
    }

    #[test]
    fn a_short_last_page_marks_the_end_and_the_last_page_selects_its_last_row() {
        let mut p = Paged::default();
        p.apply(Edge::Reset, page(0, 7), false, false);
        assert!(p.at_start && p.at_end);
        assert_eq!(p.move_by(100), Need::Nothing);
        assert_eq!(p.selected, 6);
        p.apply(Edge::Reset, page(900, PAGE), true, true);
        assert_eq!(*p.selected_row().unwrap(), 999);
        assert!(p.at_end && !p.at_start);
    }

    #[test]
    fn scrolling_keeps_the_selection_in_view() {
        let mut p = Paged::default();
        p.apply(Edge::Reset, page(0, 50), false, false);
        p.move_by(30);
        assert_eq!(p.scroll_for(10), 21);
        p.move_by(-5);
        assert_eq!(p.scroll_for(10), 21);
        p.move_by(-20);
        assert_eq!(p.scroll_for(10), 5);
    }
}
