//! Text that may be taller than its pane (a metric's SQL, a person's 360° view): `J` and
//! `K` scroll it, and its title says which rows are in view. One `Scroll` can serve panes
//! drawn side by side (the SQL in two dialects): they move together, as far as the
//! tallest needs.

use std::cell::Cell;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

use crate::tui::theme::Theme;
use crate::tui::view::{pane_block, rendered_rows};

/// How many rows `J` and `K` move.
const STEP: u16 = 3;

/// How many rows are measured to know where a text ends (none shown here is longer).
const ROWS_MEASURED: u16 = 400;

#[derive(Debug, Default)]
pub struct Scroll {
    /// The first row in view.
    top: u16,
    /// The furthest `top` the text as last drawn allows (drawing sets it).
    end: Cell<u16>,
}

impl Scroll {
    pub fn down(&mut self) {
        self.top = (self.top + STEP).min(self.end.get());
    }

    pub fn up(&mut self) {
        self.top = self.top.saturating_sub(STEP);
    }

    pub fn to_top(&mut self) {
        self.top = 0;
    }

    /// Before the panes this scroll serves are drawn: each then says how far it reaches.
    pub fn begin_frame(&self) {
        self.end.set(0);
    }

    /// Draw `text` (wrapped as it should be) in a pane titled `title`, from the row in
    /// view; the title gives the rows shown where the text is taller than the pane.
    pub fn render(
        &self,
        text: Paragraph,
        title: &str,
        theme: &Theme,
        area: Rect,
        frame: &mut Frame,
    ) {
        let (width, visible) = (area.width.saturating_sub(2), area.height.saturating_sub(2));
        let total = rendered_rows(&text, width, ROWS_MEASURED);
        let end = total.saturating_sub(visible);
        self.end.set(self.end.get().max(end));
        let top = self.top.min(end);
        let title = if total > visible {
            format!(
                " {title} · rows {}–{} of {total} · J/K scroll ",
                top + 1,
                (top + visible).min(total)
            )
        } else {
            format!(" {title} ")
        };
        frame.render_widget(
            text.scroll((top, 0)).block(pane_block(title, theme, false)),
            area,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::widgets::Wrap;

    fn draw(scroll: &Scroll, lines: usize, height: u16) -> Vec<String> {
        let text: Vec<String> = (1..=lines).map(|i| format!("line {i}")).collect();
        let backend = ratatui::backend::TestBackend::new(40, height);
        let mut terminal = ratatui::Terminal::new(backend).unwrap();
        terminal
            .draw(|frame| {
                let paragraph = Paragraph::new(text.join("\n")).wrap(Wrap { trim: false });
                scroll.begin_frame();
                scroll.render(paragraph, "text", &Theme::mono(), frame.area(), frame);
            })
            .unwrap();
        let buffer = terminal.backend().buffer();
        (0..buffer.area.height)
            .map(|y| {
                (0..buffer.area.width)
                    .map(|x| buffer[(x, y)].symbol())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_tall_text_scrolls_to_its_end_and_back_and_says_what_is_in_view() {
        let mut scroll = Scroll::default();
        let screen = draw(&scroll, 10, 6);
        assert!(screen[0].contains("rows 1–4 of 10"), "{screen:#?}");
        for _ in 0..5 {
            scroll.down();
        }
        let screen = draw(&scroll, 10, 6);
        assert!(screen[0].contains("rows 7–10 of 10"), "{screen:#?}");
        assert!(screen[4].contains("line 10"), "{screen:#?}");
        scroll.up();
        let screen = draw(&scroll, 10, 6);
        assert!(screen[0].contains("rows 4–7 of 10"), "{screen:#?}");
        scroll.to_top();
        assert!(draw(&scroll, 10, 6)[1].contains("line 1 "));
    }

    #[test]
    fn a_text_that_fits_neither_scrolls_nor_counts_its_rows() {
        let mut scroll = Scroll::default();
        draw(&scroll, 3, 8);
        scroll.down();
        let screen = draw(&scroll, 3, 8);
        assert!(screen[0].starts_with("┌ text ─"), "{screen:#?}");
        assert!(screen[1].contains("line 1"), "{screen:#?}");
    }
}
