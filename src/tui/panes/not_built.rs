//! The tabs whose library parts have not landed yet say so plainly, with what they will
//! show and what to use meanwhile, rather than pretending with sample data.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::tui::app::Tab;
use crate::tui::theme::Theme;
use crate::tui::view::pane_block;

pub fn render(tab: Tab, theme: &Theme, area: Rect, frame: &mut Frame) {
    let (what, will) = match tab {
        _ => (
            "The metrics engine is not built yet.",
            "This tab will show each metric's definition, owners and version history, its \
             SQL for SQLite, ANSI, Snowflake and Databricks, and its live value.",
        ),
    };
    let text = vec![
        Line::styled(what, theme.header),
        Line::raw(""),
        Line::raw(will),
        Line::raw(""),
        Line::styled("Review, Constituents and Jobs work now.", theme.muted),
    ];
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .block(pane_block(format!(" {} ", tab.title()), theme, true)),
        area,
    );
}
