//! The tab whose library part has not landed yet says so plainly, with what it will show,
//! rather than pretending with sample data.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::tui::theme::Theme;
use crate::tui::view::pane_block;

pub fn render_metrics(theme: &Theme, area: Rect, frame: &mut Frame) {
    let text = vec![
        Line::styled("The metrics engine is not built yet.", theme.header),
        Line::raw(""),
        Line::raw(
            "This tab will show each metric's definition, owners and version history, its \
             SQL for SQLite, ANSI, Snowflake and Databricks, and its live value.",
        ),
        Line::raw(""),
        Line::styled(
            "Review, Constituents, Risk, Quality and Jobs work now.",
            theme.muted,
        ),
    ];
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .block(pane_block(" Metrics ", theme, true)),
        area,
    );
}
