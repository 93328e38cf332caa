//! Every style the console uses, by meaning. The colour theme uses the 16 ANSI colours so
//! it follows the terminal's palette; `NO_COLOR` switches to modifiers only. Colour never
//! carries information alone: differences also get a glyph, selection is reversed.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theme {
    pub base: Style,
    pub header: Style,
    pub selection: Style,
    pub border: Style,
    pub border_focused: Style,
    pub tab_active: Style,
    pub muted: Style,
    pub diff_same: Style,
    pub diff_changed: Style,
    pub ok: Style,
    pub warn: Style,
    pub error: Style,
    pub status_bar: Style,
    pub gauge: Style,
}

impl Theme {
    pub fn color() -> Theme {
        Theme {
            base: Style::new(),
            header: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            selection: Style::new().add_modifier(Modifier::REVERSED),
            border: Style::new().fg(Color::DarkGray),
            border_focused: Style::new().fg(Color::Cyan),
            tab_active: Style::new()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            muted: Style::new().fg(Color::DarkGray),
            diff_same: Style::new().fg(Color::Green),
            diff_changed: Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            ok: Style::new().fg(Color::Green),
            warn: Style::new().fg(Color::Yellow),
            error: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            status_bar: Style::new().add_modifier(Modifier::REVERSED),
            gauge: Style::new().fg(Color::Cyan),
        }
    }

    /// For `NO_COLOR`: bold, underline and reverse only.
    pub fn mono() -> Theme {
        let plain = Style::new();
        Theme {
            base: plain,
            header: plain.add_modifier(Modifier::BOLD),
            selection: plain.add_modifier(Modifier::REVERSED),
            border: plain,
            border_focused: plain.add_modifier(Modifier::BOLD),
            tab_active: plain.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            muted: plain,
            diff_same: plain,
            diff_changed: plain.add_modifier(Modifier::BOLD),
            ok: plain,
            warn: plain.add_modifier(Modifier::BOLD),
            error: plain.add_modifier(Modifier::BOLD),
            status_bar: plain.add_modifier(Modifier::REVERSED),
            gauge: plain,
        }
    }

    /// A table row's style: reversed when selected.
    pub fn row(&self, selected: bool) -> Style {
        if selected { self.selection } else { self.base }
    }

    /// A score's upgrade ask: muted where it has no upgrade path, an ask the churn risk
    /// holds (`hold_upgrade_asks_from`), shown for later but not as a step to take now.
    pub fn upgrade_ask(&self, upgrade_path: Option<&str>) -> Style {
        if upgrade_path.is_some() {
            self.base
        } else {
            self.muted
        }
    }

    /// `NO_COLOR` set to anything non-empty, or a dumb terminal, means no colour.
    pub fn from_env(no_color_flag: bool) -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
        if no_color_flag || no_color || dumb {
            Theme::mono()
        } else {
            Theme::color()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_upgrade_ask_is_muted_and_a_path_s_ask_is_not() {
        let theme = Theme::color();
        assert_eq!(theme.upgrade_ask(None), theme.muted);
        assert_eq!(theme.upgrade_ask(Some("raise_monthly")), theme.base);
        assert_ne!(theme.muted, theme.base);
    }
}
