//! Stored text made inert on its way out. Names, notes and actors come from files and
//! people; a terminal must not run their escape sequences and a spreadsheet must not run
//! them as formulas.

use std::borrow::Cow;

/// `text` without control characters (C0, DEL, C1): an ESC or BEL in a name cannot move
/// the cursor, retitle the window or ring the bell. Tabs and newlines become spaces.
/// Borrowed when there is nothing to replace, which is nearly always.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter_map(|c| match c {
                '\t' | '\n' | '\r' => Some(' '),
                c if c.is_control() => None,
                c => Some(c),
            })
            .collect(),
    )
}

/// A CSV cell a spreadsheet will show as text: control characters stripped, and a cell
/// that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or
/// a carriage return) prefixed with `'`, as OWASP's CSV-injection guidance advises.
/// Numbers written by the program itself (a negative amount) are not passed through here.
pub fn spreadsheet_cell(text: &str) -> Cow<'_, str> {
    let starts_formula = matches!(
        text.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    );
    let safe = if starts_formula {
        // The tab or CR that makes it a formula is itself a control character.
        let rest = terminal_safe(text);
        Cow::Owned(format!("'{}", rest.trim_start()))
    } else {
        terminal_safe(text)
    };
    // Stripping controls may have uncovered a formula character ("\u{7}=1+1").
    match safe.chars().next() {
        Some('=' | '+' | '-' | '@') if !starts_formula => Cow::Owned(format!("'{safe}")),
        _ => safe,
    }
}

/// A value's shape: digits as 9, letters as a, the rest as it is ("1984/7/3" -> "9999/9/9").
/// Enough to see a wrong format; nothing of the person.
pub fn shape(value: &str) -> String {
    let short: String = value.chars().take(40).collect();
    shape_all(&short)
}

/// `shape` of a whole row of any length (a redacted quarantine row).
pub fn shape_all(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '0'..='9' => '9',
            c if c.is_alphabetic() => 'a',
            c if c.is_control() => '?',
            c => c,
        })
        .collect()
}

/// A value shown back to a person: at most 40 characters, control characters replaced.
pub fn inert(value: &str) -> String {
    let mut out: String = terminal_safe(value).chars().take(40).collect();
    if value.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// The plural ending for `n` of something ("1 gift", "2 gifts").
pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A probability as a whole percentage; one that rounds to 0 % or 100 % without being
/// either says so ("<1%", ">99%"): "0%" beside a recommendation reads as "never".
pub fn percent(probability: f64) -> String {
    let p = probability * 100.0;
    if p > 0.0 && p < 0.5 {
        "<1%".into()
    } else if (99.5..100.0).contains(&p) {
        ">99%".into()
    } else {
        format!("{p:.0}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_percentage_never_rounds_a_chance_to_never_or_always() {
        assert_eq!(percent(0.004), "<1%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(0.006), "1%");
        assert_eq!(percent(0.64), "64%");
        assert_eq!(percent(0.996), ">99%");
        assert_eq!(percent(1.0), "100%");
    }

    #[test]
    fn escape_sequences_lose_their_control_characters() {
        assert_eq!(terminal_safe("Ann\u{1b}[2J\u{7}"), "Ann[2J");
        assert_eq!(terminal_safe("a\tb\nc"), "a b c");
        assert!(matches!(terminal_safe("plain"), Cow::Borrowed(_)));
        assert_eq!(terminal_safe("x\u{9b}31m"), "x31m", "C1 CSI too");
    }

    #[test]
    fn formulas_become_text() {
        assert_eq!(
            spreadsheet_cell("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(spreadsheet_cell("+1"), "'+1");
        assert_eq!(spreadsheet_cell("-2+3"), "'-2+3");
        assert_eq!(spreadsheet_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_cell("\t=1"), "'=1");
        assert_eq!(spreadsheet_cell("\u{7}=1"), "'=1");
        assert_eq!(spreadsheet_cell("O'Brien"), "O'Brien");
        assert_eq!(spreadsheet_cell(""), "");
    }
}
