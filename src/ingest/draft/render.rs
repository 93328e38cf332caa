//! A draft as the `config/sources.yaml` text a user reads and edits: each line with the
//! reason for it beside it as a comment, the notes under the entry.

use std::fmt::Write;

use super::Draft;
use crate::config::Columns;
use crate::vocab::consent::ConsentColumn;

/// The sources.yaml text of `drafts`, one entry each under one `sources:`.
pub fn render(drafts: &[Draft]) -> String {
    format!(
        "# Drafted by `cpm config draft`: read each line against its file, then\n\
         # `cpm config check` and `cpm ingest`.\nsources:\n{}",
        render_entries(drafts)
    )
}

/// The entries alone, to add under an existing `sources:`.
pub fn render_entries(drafts: &[Draft]) -> String {
    let mut out = String::new();
    for (i, draft) in drafts.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        entry(&mut out, draft);
    }
    out
}

fn entry(out: &mut String, draft: &Draft) {
    let s = &draft.source;
    let why = |key: &str| draft.why.get(key).map(String::as_str);
    let rows = super::counted(draft.rows_read, "row");
    let read = match (draft.truncated, draft.rows_read) {
        (true, _) => format!("drafted from the first {rows}"),
        (false, 1) => "drafted from its one row".to_string(),
        (false, _) => format!("drafted from all {rows}"),
    };
    line(out, 1, &format!("- name: {}", scalar(&s.name)), Some(&read));
    line(
        out,
        2,
        &format!("system: {}", scalar(&s.system)),
        Some("the system the file comes from: give its other files the same"),
    );
    line(
        out,
        2,
        &format!("file: {}", scalar(&s.file.to_string_lossy())),
        None,
    );
    line(
        out,
        2,
        &format!("person_key: {}", scalar(&s.person_key)),
        why("person_key"),
    );
    if let Some(people) = &s.person_from {
        let text = format!("person_from: {}", scalar(people));
        line(out, 2, &text, why("person_from"));
    }
    if draft.why.contains_key("date_formats") {
        let formats: Vec<String> = s.date_formats.iter().map(|f| quoted(f)).collect();
        line(
            out,
            2,
            &format!("date_formats: [{}]", formats.join(", ")),
            why("date_formats"),
        );
    }
    if let Some(code) = s.phone_country_code {
        let text = format!("phone_country_code: {code}");
        line(out, 2, &text, why("phone_country_code"));
    }
    if let Some(area) = &s.phone_area_code {
        let text = format!("phone_area_code: {}", quoted(area));
        line(out, 2, &text, why("phone_area_code"));
    }
    for (key, value) in [("delimiter", &s.delimiter), ("encoding", &s.encoding)] {
        if let Some(value) = value {
            line(
                out,
                2,
                &format!("{key}: {}", quoted(value)),
                Some("sniffed from the file"),
            );
        }
    }
    if !s.person.is_empty() || s.person_from.is_none() {
        line(out, 2, "person:", None);
    }
    let in_order = crate::config::mappable_person_fields()
        .filter_map(|field| Some((field, s.person.get(field)?)));
    for (field, columns) in in_order {
        let text = format!("{field}: {}", columns_text(columns));
        line(out, 3, &text, why(&format!("person.{field}")));
    }
    if let Some(facts) = &s.facts {
        line(out, 2, "facts:", None);
        line(out, 3, &format!("table: {}", facts.table), None);
        line(out, 3, "columns:", None);
        let schema = crate::vocab::facts::fact_schema(&facts.table);
        let in_order = schema
            .into_iter()
            .flat_map(|schema| schema.fields.iter())
            .filter_map(|field| Some((field.name, facts.columns.get(field.name)?)));
        for (field, column) in in_order {
            let text = format!("{field}: {}", scalar(column));
            line(out, 4, &text, why(&format!("facts.{field}")));
        }
        if !facts.values.is_empty() {
            line(out, 3, "values:", None);
        }
        for (field, recode) in &facts.values {
            let pairs: Vec<String> = recode
                .iter()
                .map(|(from, to)| format!("{}: {}", scalar(from), scalar(to)))
                .collect();
            let text = format!("{field}: {{{}}}", pairs.join(", "));
            line(out, 4, &text, why(&format!("facts.values.{field}")));
        }
    }
    if let Some(consent) = &s.consent {
        line(out, 2, "consent:", None);
        for (channel, column) in consent.channels() {
            let channel = channel.name();
            let text = format!("{channel}: {}", consent_text(column));
            line(out, 3, &text, why(&format!("consent.{channel}")));
        }
        if let Some(date) = &consent.date {
            line(
                out,
                3,
                &format!("date: {}", scalar(date)),
                why("consent.date"),
            );
        }
    }
    for note in &draft.notes {
        line(out, 2, &format!("# {note}"), None);
    }
}

/// One line at `depth` (two spaces each), its reason after it.
fn line(out: &mut String, depth: usize, text: &str, why: Option<&str>) {
    let indented = format!("{}{text}", "  ".repeat(depth));
    match why {
        Some(why) => {
            let _ = writeln!(out, "{indented:<44}  # {why}");
        }
        None => {
            let _ = writeln!(out, "{indented}");
        }
    }
}

fn columns_text(columns: &Columns) -> String {
    match columns {
        Columns::One(name) => scalar(name),
        Columns::Joined(names) => {
            let names: Vec<String> = names.iter().map(|n| scalar(n)).collect();
            format!("[{}]", names.join(", "))
        }
    }
}

fn consent_text(column: &ConsentColumn) -> String {
    match column {
        ConsentColumn::Flag(name) => scalar(name),
        ConsentColumn::Codes { column, opt_out } => {
            let codes: Vec<String> = opt_out.iter().map(|c| scalar(c)).collect();
            format!(
                "{{column: {}, opt_out: [{}]}}",
                scalar(column),
                codes.join(", ")
            )
        }
    }
}

/// A YAML scalar that reads back as this string: plain where that is safe (inside a
/// flow sequence too), double-quoted otherwise.
fn scalar(text: &str) -> String {
    let plain = text
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ' '))
        && text
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
        && !text.ends_with(' ')
        && text.parse::<f64>().is_err()
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~"
        );
    if plain {
        text.to_string()
    } else {
        quoted(text)
    }
}

/// A double-quoted YAML scalar (a JSON string is one).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| format!("\"{text}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scalar_reads_back_as_the_text_it_was() {
        for text in [
            "First Name",
            "donor_id",
            "yes",
            "No",
            "2024",
            "a: b",
            "#tag",
            "Zoë",
            "- x",
            "x ",
            "[a]",
            "E-mail",
            "it's",
            "\"q\"",
            "a,b",
        ] {
            let yaml = format!("[{}]", scalar(text));
            let read: Vec<String> = serde_yaml::from_str(&yaml).expect("valid YAML");
            assert_eq!(read, [text], "{yaml}");
        }
    }
}
