//! Rendering: a pure function of the model. The frame is the tab bar, the pane, a status
//! bar (where you are · a flash · job activity or `idle`) and a hint bar generated from
//! the key table; help, confirmation and the input line draw over it.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::app::{App, Confirm, InputKind, Level, Mode, Tab};
use super::keymap::Scope;
use super::panes;
use super::theme::Theme;
use crate::store::browse::{golden_id, thousands};
use crate::text::plural;

pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 18;

const SPINNER: [char; 8] = ['⣾', '⣽', '⣻', '⢿', '⡿', '⣟', '⣯', '⣷'];

pub fn render(app: &App, theme: &Theme, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        render_too_small(area, frame);
        return;
    }
    let [tabs, body, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    render_tabs(app, theme, tabs, frame);
    match app.tab {
        Tab::Review => panes::review::render(app, theme, body, frame),
        Tab::Constituents => panes::constituents::render(app, theme, body, frame),
        Tab::Risk => panes::risk::render(app, theme, body, frame),
        Tab::Quality => panes::quality::render(app, theme, body, frame),
        Tab::Metrics => panes::metrics::render(app, theme, body, frame),
        Tab::Jobs => panes::jobs::render(app, theme, body, frame),
        Tab::Segments => panes::segments::render(app, theme, body, frame),
    }
    render_status(app, theme, status, frame);
    render_hints(app, theme, hints, frame);
    match &app.session.mode {
        Mode::Help
        | Mode::Input {
            kind: InputKind::HelpSearch,
            ..
        } => render_help(app, theme, body, frame),
        Mode::Confirm(confirm) => render_confirm(confirm, theme, body, frame),
        Mode::Input { .. } | Mode::Normal => {}
    }
}

fn render_too_small(area: Rect, frame: &mut Frame) {
    let text = format!(
        "Terminal too small: {MIN_WIDTH}×{MIN_HEIGHT} needed, have {}×{}",
        area.width, area.height
    );
    let y = area.height / 2;
    let line = Rect::new(area.x, area.y + y, area.width, 1.min(area.height));
    frame.render_widget(
        Paragraph::new(text).alignment(Alignment::Center),
        line.intersection(area),
    );
}

/// From this width tab labels are padded; below it they are not, and below
/// `TAB_NAMES_FROM` only the tab in view is named (the others show their number) so all seven
/// fit a 60-column terminal.
const ROOMY_TABS_FROM: u16 = 100;
const TAB_NAMES_FROM: u16 = 72;

fn tab_label(index: usize, tab: Tab, active: Tab, width: u16) -> String {
    if width >= ROOMY_TABS_FROM {
        format!(" {} {} ", index + 1, tab.title())
    } else if width >= TAB_NAMES_FROM || tab == active {
        format!("{} {}", index + 1, tab.title())
    } else {
        format!("{}", index + 1)
    }
}

/// The tab under column `x` of a tab bar `width` cells wide, `active` in view (for mouse
/// clicks).
pub fn tab_at(x: u16, width: u16, active: Tab) -> Option<Tab> {
    let mut start = 0u16;
    for (i, tab) in Tab::ALL.iter().enumerate() {
        let width = tab_label(i, *tab, active, width).chars().count() as u16;
        if x >= start && x < start + width {
            return Some(*tab);
        }
        start += width + 1;
    }
    None
}

fn render_tabs(app: &App, theme: &Theme, area: Rect, frame: &mut Frame) {
    let mut spans = Vec::new();
    for (i, tab) in Tab::ALL.iter().enumerate() {
        let style = if *tab == app.tab {
            theme.tab_active
        } else {
            theme.base
        };
        spans.push(Span::styled(tab_label(i, *tab, app.tab, area.width), style));
        spans.push(Span::styled("│", theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Where the user is: the tab and what is open in it.
pub fn breadcrumb(app: &App) -> String {
    let mut crumbs = vec![app.tab.title().to_string()];
    match app.tab {
        Tab::Review => {
            if let Some(item) = app.review.selected_item() {
                crumbs.push(format!("pair #{}", item.candidate_id));
            }
        }
        Tab::Constituents => {
            if let Some(search) = &app.constituents.search {
                crumbs.push(format!("search '{search}'"));
            }
            if let Some(detail) = &app.constituents.detail {
                crumbs.push(golden_id(detail.id));
            }
        }
        _ => {}
    }
    crumbs.join(" › ")
}

fn activity(app: &App) -> String {
    match app.active_job() {
        Some(job) => format!(
            "{} {} {:>3.0}%",
            SPINNER[app.spinner % SPINNER.len()],
            job.kind.label(),
            job.ratio() * 100.0
        ),
        None if app.session.pending_saves > 0 => {
            format!("{} saving", SPINNER[app.spinner % SPINNER.len()])
        }
        None => "● idle".into(),
    }
}

fn render_status(app: &App, theme: &Theme, area: Rect, frame: &mut Frame) {
    let mut right = String::new();
    if app.session.read_only {
        right.push_str("READ-ONLY · ");
    }
    // A message needs the room more than the date does on a narrow terminal.
    if let Some(as_of) = &app.as_of
        && (app.session.flash.is_none() || area.width >= 120)
    {
        right.push_str(&format!("data as of {as_of} · "));
    }
    right.push_str(&format!(
        "{} {} · {}",
        app.session.actor,
        app.session.role.name(),
        activity(app)
    ));
    let right_width = right.chars().count() as u16 + 1;
    let [left_area, right_area] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(right_width)]).areas(area);
    let mut left = vec![Span::raw(format!(" {} ", breadcrumb(app)))];
    if let Some(flash) = &app.session.flash {
        let style = match flash.level {
            Level::Info => theme.status_bar,
            Level::Warn => theme.status_bar.patch(theme.warn),
            Level::Error => theme.status_bar.patch(theme.error),
        };
        left.push(Span::raw("· "));
        left.push(Span::styled(flash.text.clone(), style));
    }
    frame.render_widget(
        Paragraph::new(Line::from(left)).style(theme.status_bar),
        left_area,
    );
    frame.render_widget(
        Paragraph::new(right)
            .alignment(Alignment::Right)
            .style(theme.status_bar),
        right_area,
    );
}

fn render_hints(app: &App, theme: &Theme, area: Rect, frame: &mut Frame) {
    if let Mode::Input { kind, text, cursor } = &app.session.mode {
        let prompt = match kind {
            InputKind::Search => "search (name, email, phone, id): ",
            InputKind::Filter => "filter: ",
            InputKind::HelpSearch => "search the keys: ",
            InputKind::Note => "note for the next decision: ",
            InputKind::TriageNote => "triage note: ",
            InputKind::Command => ":",
        };
        let keys: Vec<String> = app
            .session
            .keymap
            .input_hints(*kind == InputKind::Command)
            .into_iter()
            .map(|(key, what)| format!("{key} {what}"))
            .collect();
        // The cursor between the characters it sits between.
        let at = text
            .char_indices()
            .nth(*cursor)
            .map_or(text.len(), |(i, _)| i);
        let line = Line::from(vec![
            Span::styled(prompt, theme.header),
            Span::raw(text[..at].to_string()),
            Span::styled("▏", theme.base),
            Span::raw(text[at..].to_string()),
            Span::styled(format!("   {}", keys.join(" · ")), theme.muted),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    let [left, right] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(15)]).areas(area);
    // Whole hints only, each with its gap: one that does not fit is left to `?`.
    let mut spans = Vec::new();
    let mut used = 0;
    for (key, what) in app
        .session
        .keymap
        .hints(&app.scopes(), |access| app.session.may(access))
    {
        if what == "quit" || what == "help" {
            continue; // shown at the right end, always
        }
        let hint = format!(" {what}  ");
        used += key.chars().count() + hint.chars().count();
        if used > usize::from(left.width) {
            break;
        }
        spans.push(Span::styled(key, theme.header));
        spans.push(Span::styled(hint, theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), left);
    let always = Line::from(vec![
        Span::styled("?", theme.header),
        Span::styled(" help  ", theme.muted),
        Span::styled("q", theme.header),
        Span::styled(" quit ", theme.muted),
    ]);
    frame.render_widget(Paragraph::new(always).alignment(Alignment::Right), right);
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

fn render_help(app: &App, theme: &Theme, area: Rect, frame: &mut Frame) {
    // The pane's own keys first, then lists' and global ones, then the modes'.
    let mut scopes = app.pane_scopes();
    scopes.extend([Scope::Input, Scope::Confirm]);
    // `/` keeps the keys whose name or description holds the text.
    let wanted = &app.help_filter;
    let popup = centered(area, 72, area.height.saturating_sub(2).max(10));
    // A description too long for the popup goes on under itself, not under the keys.
    const KEYS: usize = 16;
    let text_width = usize::from(popup.width.saturating_sub(2)).saturating_sub(KEYS);
    let entry = |key: &str, help: &'static str| -> Vec<Line> {
        wrap_words(help, text_width)
            .into_iter()
            .enumerate()
            .map(|(i, text)| {
                let keys = if i == 0 {
                    format!("  {key:<14}")
                } else {
                    " ".repeat(KEYS)
                };
                Line::from(vec![
                    Span::styled(keys, theme.base),
                    Span::styled(text, theme.muted),
                ])
            })
            .collect()
    };
    let mut lines = Vec::new();
    for (n, scope) in scopes.into_iter().enumerate() {
        let mut found: Vec<Line> = app
            .session
            .keymap
            .bindings()
            .iter()
            .filter(|b| b.scope == scope && wanted.keeps(&[&b.key_names(), b.help]))
            .flat_map(|b| entry(&b.key_names(), b.help))
            .collect();
        if n == 0 && app.tab == Tab::Review {
            found.extend(
                PAIR_LEGEND
                    .iter()
                    .filter(|(row, means)| wanted.keeps(&[row, means]))
                    .flat_map(|(row, means)| entry(row, means)),
            );
        }
        if !found.is_empty() {
            lines.push(Line::styled(scope.title(), theme.header));
            lines.extend(found);
        }
    }
    if lines.is_empty() {
        lines.push(Line::styled("  No key matches the search.", theme.muted));
    }
    let visible = popup.height.saturating_sub(2) as usize;
    let scroll = app.help_scroll.min(lines.len().saturating_sub(visible));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll as u16, 0)).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border_focused)
                .title(format!(
                    " Keys{} · / search · j/k scroll · Esc or ? closes ",
                    wanted.label()
                )),
        ),
        popup,
    );
}

/// `text` broken between words into lines of at most `width` characters (a longer word
/// stands on a line of its own).
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let (mut lines, mut line) = (Vec::new(), String::new());
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// What each part of a Review pair means, under the pane's keys in the help.
const PAIR_LEGEND: [(&str, &str); 7] = [
    ("Reading a pair", ""),
    (
        "prior",
        "where every pair starts: how likely any compared pair is one person",
    ),
    (
        "source",
        "whether the two records come from one system or two",
    ),
    (
        "= / ≠",
        "the two values agree / differ (compared as normalised: phone formats are equal)",
    ),
    ("sim", "how alike the values are, 0 to 1"),
    (
        "adds",
        "what the field adds to the score (+ towards one person, - away); the rows sum to it; \
         unread: matching could not read one value (a title alone as a name), so adds nothing",
    ),
    (
        "if merged:",
        "the consent a merge would keep: the most restrictive of both sides",
    ),
];

fn render_confirm(confirm: &Confirm, theme: &Theme, area: Rect, frame: &mut Frame) {
    let question = match confirm {
        Confirm::Quit { jobs, saves } => {
            let mut parts = Vec::new();
            if *jobs > 0 {
                parts.push(format!("cancel {jobs} running job{}", plural(*jobs)));
            }
            if *saves > 0 {
                parts.push(format!("wait for {saves} save{}", plural(*saves)));
            }
            format!("Quit and {}?", parts.join(" and "))
        }
        Confirm::Unmerge {
            constituent_id,
            label,
            ..
        } => format!(
            "Unmerge {label} from {}? It becomes its own golden record and is never merged back automatically.",
            golden_id(*constituent_id)
        ),
        Confirm::ExportSegment {
            display_name,
            channel,
            people,
            one_per_household,
            ..
        } => format!(
            "Export {display_name}: {people} people who may be contacted by {channel}{}, each recorded as contacted?",
            if *one_per_household {
                ", one per household"
            } else {
                ""
            }
        ),
    };
    // Tall enough for the question wrapped at words (a line's slack for where words
    // break), a blank line, the answer keys and the borders.
    const WIDTH: u16 = 60;
    let question_lines = question.chars().count().div_ceil(usize::from(WIDTH) - 4) + 1;
    let popup = centered(area, WIDTH, question_lines as u16 + 4);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(vec![
            Line::raw(question),
            Line::raw(""),
            Line::styled("y yes · n no", theme.header),
        ])
        .wrap(Wrap { trim: true })
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border_focused)
                .title(" Confirm "),
        ),
        popup,
    );
}

/// `text` cut to `width` characters, the cut marked with `…` (a value cut silently reads
/// as a different value).
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// `$1,234` from cents (whole dollars; the console shows amounts, not accounting).
pub fn dollars(cents: i64) -> String {
    let dollars = cents / 100;
    format!(
        "{}${}",
        if dollars < 0 { "-" } else { "" },
        thousands(dollars.abs())
    )
}

/// A block with the pane's title.
pub fn pane_block<'a>(title: impl Into<Line<'a>>, theme: &Theme, focused: bool) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(if focused {
            theme.border_focused
        } else {
            theme.border
        })
        .title(title)
}

/// How many rows `paragraph` fills at `width`, up to `most`: rendered into a scratch buffer,
/// so the count is the one the screen will show, wrapping and all.
pub fn rendered_rows(paragraph: &Paragraph, width: u16, most: u16) -> u16 {
    use ratatui::buffer::Buffer;
    use ratatui::widgets::Widget;
    let area = Rect::new(0, 0, width, most);
    let mut scratch = Buffer::empty(area);
    paragraph.clone().render(area, &mut scratch);
    (0..most)
        .rev()
        .find(|&y| (0..width).any(|x| scratch[(x, y)].symbol() != " "))
        .map_or(0, |y| y + 1)
}

/// A centered, muted line for "loading…" and empty states.
/// A line too long for the area wraps, centred as a whole.
pub fn placeholder(text: &str, theme: &Theme, area: Rect, frame: &mut Frame) {
    let paragraph = Paragraph::new(text.to_string())
        .alignment(Alignment::Center)
        .style(theme.muted)
        .wrap(Wrap { trim: true });
    let rows = rendered_rows(&paragraph, area.width, area.height).max(1);
    let y = area.y + area.height.saturating_sub(rows) / 2;
    let lines = Rect::new(area.x, y, area.width, rows).intersection(area);
    frame.render_widget(paragraph, lines);
}

/// A titled block with a placeholder line inside: the empty and loading states.
pub fn empty_block(block: Block, text: &str, theme: &Theme, area: Rect, frame: &mut Frame) {
    let inner = block.inner(area);
    frame.render_widget(block, area);
    placeholder(text, theme, inner, frame);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_rows_count_wrapped_lines_as_drawn() {
        let text = Paragraph::new(vec![
            Line::raw("dimensions: source_system, gift_type"),
            Line::raw("value 4693"),
        ])
        .wrap(Wrap { trim: true });
        // "dimensions:" / "source_system," / "gift_type" at 14, then the value.
        assert_eq!(rendered_rows(&text, 14, 20), 4);
        assert_eq!(rendered_rows(&text, 80, 20), 2);
        assert_eq!(rendered_rows(&text, 14, 3), 3, "never more than asked");
    }

    #[test]
    fn a_cut_value_says_so() {
        assert_eq!(fit("WB5F3A2C", 10), "WB5F3A2C");
        assert_eq!(fit("wbez_donations WB5F3A2C", 10), "wbez_dona…");
        assert_eq!(fit("abc", 0), "…");
    }

    #[test]
    fn words_wrap_between_words_and_a_long_one_stands_alone() {
        assert_eq!(
            wrap_words("household: same household, different people", 20),
            ["household: same", "household, different", "people"]
        );
        assert_eq!(
            wrap_words("a supercalifragilistic b", 6),
            ["a", "supercalifragilistic", "b"]
        );
        assert_eq!(wrap_words("", 10), [""]);
    }

    #[test]
    fn dollars_group_thousands() {
        assert_eq!(dollars(0), "$0");
        assert_eq!(dollars(123_456_789), "$1,234,567");
        assert_eq!(dollars(-50_000), "-$500");
    }

    #[test]
    fn clicks_on_the_tab_bar_find_their_tab() {
        assert_eq!(tab_at(0, 100, Tab::Review), Some(Tab::Review));
        assert_eq!(tab_at(11, 100, Tab::Review), Some(Tab::Constituents));
        assert_eq!(tab_at(9, 60, Tab::Review), Some(Tab::Constituents));
        // Narrow, only the tab in view is named: "1│2│3 Risk│4…".
        assert_eq!(tab_at(4, 60, Tab::Risk), Some(Tab::Risk));
        assert_eq!(tab_at(11, 60, Tab::Risk), Some(Tab::Quality));
        assert_eq!(tab_at(500, 100, Tab::Review), None);
    }
}
