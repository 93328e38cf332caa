//! `cpm config draft FILE`: a source's mapping drafted from the file itself, for a file
//! nobody has mapped yet. The header's words and a sample of the values say which column
//! is the person's key, which hold the person's fields and which one fact table's, which
//! speak for consent, and which date formats read the dates. The draft is a
//! `config/sources.yaml` entry with the reason for each line beside it; nothing is loaded.
//! Values never appear in it (they are personal data): counts and column names only.

mod columns;
mod render;
mod sample;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use crate::config::{Columns, ConsentMapping, FactMapping, FileFormat, SourceConfig};
use crate::error::{Error, Result};
use crate::vocab::consent::ConsentColumn;
use crate::vocab::facts::{FieldType, fact_schema, parse_value};
use columns::*;
pub use render::{render, render_entries};
use sample::Sample;

/// What `cpm config draft` is asked for.
#[derive(Debug, Clone)]
pub struct DraftOptions {
    /// The source's name (the file's name without its extension when not given).
    pub name: Option<String>,
    /// The person-key column, where the draft should not guess it.
    pub key: Option<String>,
    /// How many rows to read.
    pub rows: usize,
}

impl Default for DraftOptions {
    fn default() -> Self {
        DraftOptions {
            name: None,
            key: None,
            rows: 10_000,
        }
    }
}

/// One file's drafted mapping: a real `SourceConfig`, and why each line says what it says.
#[derive(Debug, serde::Serialize)]
pub struct Draft {
    pub source: SourceConfig,
    /// By the line's key: "person_key", "date_formats", "person.email", "facts.amount",
    /// "consent.phone" ...
    pub why: BTreeMap<String, String>,
    /// Said under the entry: columns left out, columns to look at.
    pub notes: Vec<String>,
    pub rows_read: usize,
    pub truncated: bool,
    /// The person keys of the rows read, to tell which files share a system's keys.
    #[serde(skip)]
    keys: HashSet<String>,
}

/// Drafts each of `files` (where it is, as sources.yaml names it), and says where two
/// files hold the same person keys: files of one system, which should share its name.
pub fn draft_files(files: &[(PathBuf, PathBuf)], options: &DraftOptions) -> Result<Vec<Draft>> {
    let mut drafts = files
        .iter()
        .map(|(path, file)| draft(path, file.clone(), options))
        .collect::<Result<Vec<_>>>()?;
    // Two files of one name ("2023/gifts.csv", "2024/gifts.csv") are two sources.
    let mut taken: HashSet<String> = HashSet::new();
    for draft in &mut drafts {
        let name = draft.source.name.clone();
        let unique = (1..)
            .map(|n| match n {
                1 => name.clone(),
                n => format!("{name}_{n}"),
            })
            .find(|candidate| !taken.contains(candidate))
            .unwrap_or(name);
        taken.insert(unique.clone());
        if unique != draft.source.name {
            draft.source.system = unique.clone();
            draft.source.name = unique;
        }
    }
    // For each file, the other holding half its keys or more (of the smaller set), one
    // naming people first.
    let shares: Vec<Option<(usize, usize)>> = (0..drafts.len())
        .map(|i| {
            (0..drafts.len())
                .filter(|&j| j != i)
                .filter_map(|j| {
                    let common = drafts[i].keys.intersection(&drafts[j].keys).count();
                    let smaller = drafts[i].keys.len().min(drafts[j].keys.len());
                    (smaller >= 10 && common * 2 >= smaller).then_some((j, common * 100 / smaller))
                })
                .max_by_key(|&(j, percent)| {
                    (drafts[j].names_people(), percent, std::cmp::Reverse(j))
                })
        })
        .collect();
    for (i, share) in shares.into_iter().enumerate() {
        let Some((j, percent)) = share else {
            continue;
        };
        let (people, system) = (
            drafts[j].source.name.clone(),
            drafts[j].source.system.clone(),
        );
        let joins = drafts[j].names_people() && !drafts[i].names_people();
        let draft = &mut drafts[i];
        if joins && (draft.source.facts.is_some() || draft.source.consent.is_some()) {
            draft.source.person_from = Some(people.clone());
            draft.source.system = system;
            draft.notes.retain(|n| !n.starts_with(NAMES_NOBODY));
            draft.why.insert(
                "person_from".into(),
                format!("{percent} % of its keys are keys of {people}: its rows join those people"),
            );
        } else if i > j {
            draft.notes.push(format!(
                "{percent} % of its keys are keys of {people} too: if both files come from one system, give them one `system:`"
            ));
        }
    }
    Ok(drafts)
}

/// How a draft says a file names nobody (no surname, whole name or email).
const NAMES_NOBODY: &str = "no surname, whole name or email found";

impl Draft {
    /// Whether the draft maps a field people are matched by.
    fn names_people(&self) -> bool {
        crate::config::identifies_people(&self.source.person)
    }
}

/// Drafts the mapping of the file at `path`, naming it `file` in the draft (as the
/// project's sources.yaml will find it).
pub fn draft(path: &Path, file: PathBuf, options: &DraftOptions) -> Result<Draft> {
    let name = options.name.clone().unwrap_or_else(|| name_of(path));
    let mut source = SourceConfig::named(&name, file);
    let format = source.file_format(path);
    let sample = sample::read(path, format, options.rows.max(1))?;
    if format == FileFormat::Csv {
        source.delimiter = sample.delimiter.map(str::to_string);
        source.encoding = sample.encoding.map(str::to_string);
    }
    Drafter::new(&sample).draft(source, options.key.as_deref(), path)
}

/// A source name from a file name: "Donors 2024.csv" -> "donors_2024".
fn name_of(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = columns::words(&stem).join("_");
    if name.is_empty() {
        "source".into()
    } else {
        name
    }
}

/// A column of the sample: its header, its words, its values.
struct Column<'s> {
    name: &'s str,
    words: Vec<String>,
    index: usize,
}

struct Drafter<'s> {
    sample: &'s Sample,
    columns: Vec<Column<'s>>,
    taken: HashSet<usize>,
    person: BTreeMap<String, Columns>,
    /// A birth date kept in columns of its own (year, month, day), joined.
    birth_parts: Option<Columns>,
    fact: Option<FactMapping>,
    consent: ConsentMapping,
    key: String,
    date_formats: Vec<String>,
    /// The country whose numbers the file's phones without a country code are.
    phone_country_code: Option<u16>,
    phone_area_code: Option<String>,
    why: BTreeMap<String, String>,
    notes: Vec<String>,
}

impl<'s> Drafter<'s> {
    fn new(sample: &'s Sample) -> Self {
        let columns = sample
            .header
            .iter()
            .enumerate()
            .map(|(index, name)| Column {
                name,
                // A nested value is named by its own key: "address.city" is a city, and
                // "emails.0" the first of a list of emails.
                words: match sample.nested {
                    true => columns::words(
                        name.rsplit('.')
                            .find(|key| !key.chars().all(|c| c.is_ascii_digit()))
                            .unwrap_or(name),
                    ),
                    false => columns::words(name),
                },
                index,
            })
            .collect();
        Drafter {
            sample,
            columns,
            taken: HashSet::new(),
            person: BTreeMap::new(),
            birth_parts: None,
            fact: None,
            consent: ConsentMapping::default(),
            key: String::new(),
            date_formats: Vec::new(),
            phone_country_code: None,
            phone_area_code: None,
            why: BTreeMap::new(),
            notes: Vec::new(),
        }
    }

    /// The mapping, step by step: a column one step takes is not looked at by the next
    /// (a birth date's parts before the person's fields, facts before consent, the key
    /// from what is left).
    fn draft(mut self, source: SourceConfig, key: Option<&str>, path: &Path) -> Result<Draft> {
        self.map_birth_parts();
        self.map_person();
        self.map_facts();
        self.map_consent();
        self.map_key(key, path)?;
        self.choose_date_formats();
        self.check_phones();
        Ok(self.finish(source))
    }

    fn values(&self, index: usize) -> impl Iterator<Item = &'s str> {
        self.sample.values(index)
    }

    fn filled(&self, index: usize) -> usize {
        self.values(index).count()
    }

    fn percent(&self, part: f64) -> String {
        format!("{:.0} %", 100.0 * part)
    }

    /// What the values of a column must look like for a header's field to be believed,
    /// and the share that do; `None` where any value will do.
    fn value_check(&self, field: &str, index: usize) -> Option<(&'static str, f64)> {
        let values = || self.values(index);
        let (what, test): (&str, fn(&str) -> bool) = match field {
            "email" => ("are emails", |v| crate::normalize::email(v).is_some()),
            "phone" => ("are phone numbers", looks_like_phone),
            "date_of_birth" => ("are dates", any_date_format_reads),
            "gender" => ("say a sex", |v| crate::normalize::gender(v).is_some()),
            "title" => ("are titles", looks_like_a_title),
            "zip" | "street_number" => ("hold digits", has_a_digit),
            // A unit is often a number alone ("#227", "2").
            "first_name" | "middle_name" | "last_name" | "full_name" | "city" | "address1"
            | "suffix" => ("hold letters", has_a_letter),
            _ => return None,
        };
        Some((what, share(values(), test)))
    }

    /// A birth date in columns of their own: the year, with the month and the day where
    /// they are there too, joined and read as "%Y %m %d".
    fn map_birth_parts(&mut self) {
        let found: Vec<Option<usize>> = BirthPart::ALL
            .iter()
            .map(|part| {
                self.columns
                    .iter()
                    .find(|c| {
                        BirthPart::named_by(&c.words) == Some(*part)
                            && share(self.values(c.index), |v| part.holds(v)) >= 0.8
                    })
                    .map(|c| c.index)
            })
            .collect();
        let parts: Vec<usize> = match found[..] {
            [Some(y), Some(m), Some(d)] => vec![y, m, d],
            [Some(y), Some(m), None] => vec![y, m],
            [Some(y), None, _] => vec![y],
            _ => return,
        };
        self.taken.extend(parts.iter().copied());
        let names: Vec<String> = parts
            .iter()
            .map(|&i| self.columns[i].name.to_string())
            .collect();
        self.why.insert(
            "person.date_of_birth".into(),
            format!(
                "headers: the birth date's {}",
                ["year", "month", "day"][..names.len()].join(", ")
            ),
        );
        self.birth_parts = Some(match names.len() {
            1 => Columns::One(names[0].clone()),
            _ => Columns::Joined(names),
        });
    }

    /// Every person field the header names and the values confirm. Where several columns
    /// name one field, the fullest is taken and the others noted.
    fn map_person(&mut self) {
        let mut parts: BTreeMap<&'static str, usize> = BTreeMap::new();
        for (field, names) in PERSON_PARTS {
            if *field == "date_of_birth" && self.birth_parts.is_some() {
                continue;
            }
            let mut found: Vec<(usize, String)> = Vec::new();
            for column in &self.columns {
                if self.taken.contains(&column.index) || !names.named_by(&column.words) {
                    continue;
                }
                let filled = self.filled(column.index);
                let why = match self.value_check(field, column.index) {
                    _ if filled == 0 => "header; empty in the rows read".to_string(),
                    Some((what, part)) if part >= 0.5 => {
                        format!("header; {} {what}", self.percent(part))
                    }
                    Some(_) => continue,
                    None => "header".to_string(),
                };
                found.push((column.index, why));
            }
            // The fullest, and of equals the first: "email" before "email2".
            found.sort_by_key(|(index, _)| std::cmp::Reverse(self.filled(*index)));
            let Some((index, why)) = found.first().cloned() else {
                continue;
            };
            for (other, _) in &found[1..] {
                let (taken, other) = (self.columns[index].name, self.columns[*other].name);
                // Two name columns join into one name; two emails or phones do not.
                let how = match *field {
                    "first_name" | "last_name" => {
                        format!("map them as [{taken}, {other}] to join them")
                    }
                    _ => "cpm reads one column a field".to_string(),
                };
                self.notes.push(format!(
                    "{other} also looks like {field} (the draft took the fuller {taken}; {how})"
                ));
            }
            self.taken.insert(index);
            parts.insert(field, index);
            self.why.insert(format!("person.{field}"), why);
        }
        self.email_by_values_alone(&mut parts);
        self.assemble_person(parts);
    }

    /// A column whose header says nothing but whose values are emails.
    fn email_by_values_alone(&mut self, parts: &mut BTreeMap<&'static str, usize>) {
        if parts.contains_key("email") {
            return;
        }
        let found = self.columns.iter().find(|c| {
            !self.taken.contains(&c.index)
                && self.filled(c.index) > 0
                && share(self.values(c.index), |v| {
                    crate::normalize::email(v).is_some()
                }) >= 0.9
        });
        if let Some(column) = found {
            let index = column.index;
            self.taken.insert(index);
            parts.insert("email", index);
            self.why
                .insert("person.email".into(), "values: they are emails".into());
        }
    }

    /// The mapping's person fields from the parts found: a title and a middle name join
    /// the given name, a suffix the surname, a house number the street; a whole name in
    /// one column only where no given name and surname are.
    fn assemble_person(&mut self, mut parts: BTreeMap<&'static str, usize>) {
        let name = |i: usize| self.columns[i].name.to_string();
        // A part joins the field it belongs to: before it (a title) or after (a middle
        // name, a suffix); a house number comes before its street.
        let joined = |before: Option<usize>, main: usize, after: Option<usize>| {
            let names: Vec<String> = before
                .into_iter()
                .chain([main])
                .chain(after)
                .map(name)
                .collect();
            match &names[..] {
                [one] => Columns::One(one.clone()),
                _ => Columns::Joined(names),
            }
        };
        let (title, middle, suffix, number) = (
            parts.remove("title"),
            parts.remove("middle_name"),
            parts.remove("suffix"),
            parts.remove("street_number"),
        );
        // A name column beside a surname's is the given name ("Name" and "Surname",
        // "Nombre" and "Apellidos").
        if !parts.contains_key("first_name")
            && parts.contains_key("last_name")
            && let Some(given) = parts.remove("full_name")
        {
            parts.insert("first_name", given);
            if let Some(why) = self.why.remove("person.full_name") {
                let why = format!("{why}; beside the surname's column, the given name");
                self.why.insert("person.first_name".into(), why);
            }
        }
        let has_names = parts.contains_key("first_name") || parts.contains_key("last_name");
        if has_names && let Some(full) = parts.remove("full_name") {
            self.taken.remove(&full);
        }
        let mut mapped = BTreeMap::new();
        for (field, index) in parts {
            let columns = match field {
                "first_name" => joined(title, index, middle),
                "last_name" => joined(None, index, suffix),
                "address1" => joined(number, index, None),
                _ => Columns::One(name(index)),
            };
            mapped.insert(field.to_string(), columns);
        }
        // A part with nothing to join to is left out, and said.
        let orphans = [
            (title, "first_name", "title"),
            (middle, "first_name", "middle name"),
            (suffix, "last_name", "suffix"),
            (number, "address1", "house number"),
        ];
        for (part, field, what) in orphans {
            if let Some(index) = part.filter(|_| !mapped.contains_key(field)) {
                self.taken.remove(&index);
                self.notes.push(format!(
                    "{} looks like a {what}, with no {field} column to join it to",
                    name(index)
                ));
            }
        }
        // A birth date from its parts says so already.
        let birth_parts = self.birth_parts.take();
        self.why.retain(|key, _| {
            key.strip_prefix("person.").is_none_or(|field| {
                mapped.contains_key(field) || (field == "date_of_birth" && birth_parts.is_some())
            })
        });
        for (field, why) in self.why.iter_mut() {
            if let Some(columns) = field.strip_prefix("person.").and_then(|f| mapped.get(f))
                && let Columns::Joined(names) = columns
            {
                why.push_str(&format!("; {} columns joined", names.len()));
            }
        }
        if let Some(parts) = birth_parts {
            mapped.insert("date_of_birth".into(), parts);
        }
        self.person = mapped;
    }

    /// The fact table whose required fields all have a column, the most fields winning.
    fn map_facts(&mut self) {
        let best = crate::vocab::facts::FACT_TABLES
            .iter()
            .filter_map(|table| self.fact_columns(table).map(|columns| (*table, columns)))
            .max_by_key(|(_, columns)| columns.len());
        let Some((table, columns)) = best else {
            return;
        };
        for (field, index) in &columns {
            self.taken.insert(*index);
            self.why.insert(
                format!("facts.{field}"),
                self.fact_why(table, field, *index),
            );
        }
        let values = columns
            .iter()
            .filter_map(|&(field, index)| {
                Some((field.to_string(), self.recode(table, field, index)?))
            })
            .collect();
        self.fact = Some(FactMapping {
            table: table.to_string(),
            columns: columns
                .into_iter()
                .map(|(field, index)| (field.to_string(), self.columns[index].name.to_string()))
                .collect(),
            values,
        });
    }

    /// Where a field names a kind of thing (a gift's type, its status) and the file says
    /// it in its own words, those words as cpm's, read from what they say ("Recurring Gift
    /// Pay-Cash" is recurring); a word that says nothing cpm reads is noted.
    fn recode(
        &mut self,
        table: &str,
        field: &str,
        index: usize,
    ) -> Option<BTreeMap<String, String>> {
        let allowed = crate::vocab::facts::allowed_values(table, field)?;
        let mut written: Vec<&str> = self
            .values(index)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        written.sort_unstable();
        let foreign: Vec<&str> = written
            .into_iter()
            .filter(|v| !allowed.iter().any(|a| a.eq_ignore_ascii_case(v)))
            .collect();
        // A column of free text, not a handful of kinds, is no kind of thing.
        if foreign.is_empty() || foreign.len() > 30 {
            return None;
        }
        let (read, unread): (Vec<_>, Vec<_>) = foreign
            .into_iter()
            .map(|v| (v, columns::kind_of(table, field, v)))
            .partition(|(_, kind)| kind.is_some());
        let column = self.columns[index].name;
        if !unread.is_empty() {
            let words: Vec<&str> = unread.iter().map(|(v, _)| *v).collect();
            self.notes.push(format!(
                "{column} also says {}: none of {}; add them under facts.values.{field}, or they fail the quality check",
                words.join(", "),
                allowed.join(", ")
            ));
        }
        let recode: BTreeMap<String, String> = read
            .into_iter()
            .filter_map(|(v, kind)| Some((v.to_string(), kind?.to_string())))
            .collect();
        if !recode.is_empty() {
            self.why.insert(
                format!("facts.values.{field}"),
                format!(
                    "{column}'s words for {}: read from what they say, check them",
                    allowed.join(", ")
                ),
            );
        }
        (!recode.is_empty()).then_some(recode)
    }

    /// `table`'s fields and their columns, when every required field has one.
    fn fact_columns(&self, table: &str) -> Option<Vec<(&'static str, usize)>> {
        let schema = fact_schema(table)?;
        let mut used: HashSet<usize> = self.taken.clone();
        let mut found = Vec::new();
        for field in schema.fields {
            let names = fact_names(table, field.name);
            let column = self.columns.iter().find(|c| {
                !used.contains(&c.index)
                    && run_together_is(&c.words, names)
                    && self.fits_type(field.kind, c.index)
            });
            match column {
                Some(c) => {
                    used.insert(c.index);
                    found.push((field.name, c.index));
                }
                None if field.required && field.default.is_none() => return None,
                None => {}
            }
        }
        Some(found)
    }

    fn fits_type(&self, kind: FieldType, index: usize) -> bool {
        let read = |v: &str| match kind {
            FieldType::Date => any_date_format_reads(v),
            _ => parse_value(kind, v, &[]).is_ok(),
        };
        self.filled(index) == 0 || share(self.values(index), read) >= 0.8
    }

    fn fact_why(&self, table: &str, field: &str, index: usize) -> String {
        let key = fact_schema(table).is_some_and(|s| s.key == field);
        if key {
            let (filled, distinct) = self.distinct(index);
            format!(
                "header; {} different in {}",
                count(distinct),
                counted(filled, "row")
            )
        } else {
            "header".into()
        }
    }

    /// (filled rows, different values) of a column.
    fn distinct(&self, index: usize) -> (usize, usize) {
        let values: Vec<&str> = self.values(index).collect();
        let distinct: HashSet<&str> = values.iter().copied().collect();
        (values.len(), distinct.len())
    }

    /// Consent: a column of opt-out codes, or yes/no columns whose headers say they opt
    /// people out; an opt-in column is noted, never mapped (cpm reads yes as opted out).
    fn map_consent(&mut self) {
        // Every column that speaks for a channel, by channel, in the file's order.
        let mut channels: BTreeMap<&'static str, Vec<(ConsentColumn, String)>> = BTreeMap::new();
        // A fact's column may speak for consent too (an email activity's "unsubscribed").
        let facts: HashSet<&str> = self
            .fact
            .iter()
            .flat_map(|f| f.columns.values().map(String::as_str))
            .collect();
        for column in &self.columns {
            if self.taken.contains(&column.index) && !facts.contains(column.name) {
                continue;
            }
            if let Some(codes) = self.opt_out_codes(column.index) {
                for (channel, seen, column_codes) in codes {
                    let why = match seen.is_empty() {
                        true => "values: a column of opt-out codes".to_string(),
                        false => format!("values: opt-out codes ({} seen)", seen.join(", ")),
                    };
                    let mapping = ConsentColumn::Codes {
                        column: column.name.to_string(),
                        opt_out: column_codes,
                    };
                    channels.entry(channel).or_default().push((mapping, why));
                }
                continue;
            }
            let flags = share(self.values(column.index), looks_like_a_flag);
            match opt_out_channels(&column.words) {
                Some(said) if flags >= 0.9 || self.filled(column.index) == 0 => {
                    for channel in said {
                        channels.entry(channel).or_default().push((
                            ConsentColumn::Flag(column.name.to_string()),
                            "header: a yes opts the person out".into(),
                        ));
                    }
                }
                None if says_opt_in(&column.words) && flags >= 0.9 => self.notes.push(format!(
                    "{} reads as an opt-in (yes: may be contacted): cpm reads a consent column's yes as opted out, so it is not mapped; export its opposite to map it",
                    column.name
                )),
                _ => {}
            }
        }
        for (channel, mut offered) in channels {
            let (mapping, why) = offered.remove(0);
            if !offered.is_empty() {
                let others: Vec<&str> = offered.iter().map(|(c, _)| c.column()).collect();
                self.notes.push(format!(
                    "{channel} opt-outs are in {} and {}: cpm reads one column per channel, so the draft reads the first; combine them in the export to keep both",
                    mapping.column(),
                    others.join(" and ")
                ));
            }
            self.taken.extend(self.index_of(mapping.column()));
            self.why.insert(format!("consent.{channel}"), why);
            match channel {
                "email" => self.consent.email = Some(mapping),
                "phone" => self.consent.phone = Some(mapping),
                _ => self.consent.mail = Some(mapping),
            }
        }
        if !self.consent.channels().is_empty() {
            let date = self
                .columns
                .iter()
                .find(|c| !self.taken.contains(&c.index) && says_consent_date(&c.words));
            if let Some(index) = date.map(|c| c.index) {
                self.taken.insert(index);
                self.consent.date = Some(self.columns[index].name.to_string());
                self.why.insert(
                    "consent.date".into(),
                    "header: when consent last changed".into(),
                );
            }
        }
    }

    fn index_of(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.index)
    }

    /// Per channel: the known codes seen in a code column, and the codes to map (every
    /// known one for the channel, seen or not: a rare "DECEASED" may be past the sample).
    #[allow(clippy::type_complexity)]
    fn opt_out_codes(&self, index: usize) -> Option<Vec<(&'static str, Vec<String>, Vec<String>)>> {
        let seen: HashSet<String> = self
            .values(index)
            .flat_map(|v| v.split([';', ',', '|']))
            .map(|code| code.trim().to_uppercase())
            .filter(|code| !code.is_empty())
            .collect();
        // One code seen makes it a code column, for every channel: a code the rows read
        // did not show (a rare "DECEASED") is still read.
        let found: Vec<_> = ["phone", "mail", "email"]
            .into_iter()
            .map(|channel| {
                let codes: Vec<String> = opt_out_codes(channel).map(str::to_string).collect();
                let mut known: Vec<String> = codes
                    .iter()
                    .filter(|c| seen.contains(*c))
                    .cloned()
                    .collect();
                known.sort();
                (channel, known, codes)
            })
            .collect();
        found
            .iter()
            .any(|(_, known, _)| !known.is_empty())
            .then_some(found)
    }

    /// The person's key: `--key`, or the best column whose values are keys (one token, a
    /// digit in it) and whose header says whose key it is.
    fn map_key(&mut self, chosen: Option<&str>, path: &Path) -> Result<()> {
        if let Some(chosen) = chosen {
            let found = self
                .columns
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(chosen))
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "{} has no column '{chosen}'; its columns: {}",
                        path.display(),
                        self.sample.header.join(", ")
                    ))
                })?;
            let index = found.index;
            self.take_key(index, "named with --key".into());
            return Ok(());
        }
        let rows = self.sample.rows.len().max(1);
        let best = self
            .columns
            .iter()
            .filter(|c| !self.taken.contains(&c.index))
            .filter(|c| {
                let filled = self.filled(c.index);
                // A few rows without a key are quarantined at the load; the column is
                // still the key.
                let missing = rows.saturating_sub(filled);
                missing * 5 <= rows.max(5) && share(self.values(c.index), looks_like_a_key) >= 0.9
            })
            .filter_map(|c| {
                let (filled, distinct) = self.distinct(c.index);
                let named = key_header_score(&c.words);
                let score = named + i32::from(c.index == 0) + i32::from(distinct * 2 >= filled);
                (distinct * 20 >= filled).then_some((named > 0, score, c.index))
            })
            .max_by_key(|&(named, score, index)| (named, score, std::cmp::Reverse(index)));
        // Where no header names a person's key, a file keyed by its addresses (a mailing
        // list, a donation platform's export) has the email as its key.
        let email = match self.person.get("email") {
            Some(Columns::One(column)) => self.index_of(column),
            _ => None,
        };
        let email = email.filter(|&i| self.filled(i) * 20 >= rows * 19);
        let index = match (best, email) {
            (Some((true, _, index)), _) => Some(index),
            (_, Some(email)) => Some(email),
            (best, None) => best.map(|(_, _, index)| index),
        };
        let Some(index) = index else {
            return Err(Error::Usage(format!(
                "no column of {} looks like its records' key (one value per person in that system, such as a donor id): name it with --key COLUMN",
                path.display()
            )));
        };
        let (filled, distinct) = self.distinct(index);
        let why = if Some(index) == email {
            format!(
                "no id column: the email, on every row, is the key ({} on {})",
                counted(distinct, "key"),
                counted(filled, "row")
            )
        } else if distinct == filled {
            format!(
                "header and values: a different key on each of {}",
                counted(filled, "row")
            )
        } else {
            format!(
                "header and values: {} on {} (a person's facts share one)",
                counted(distinct, "key"),
                counted(filled, "row")
            )
        };
        if names_a_group(&self.columns[index].words) {
            self.notes.push(format!(
                "{} looks like a household's or a group's key, not a person's: name the person's with --key (a load warns where one key names two people)",
                self.columns[index].name
            ));
        }
        self.take_key(index, why);
        Ok(())
    }

    fn take_key(&mut self, index: usize, why: String) {
        self.taken.insert(index);
        self.key = self.columns[index].name.to_string();
        self.why.insert("person_key".into(), why);
    }

    /// The formats that read the dates of the columns mapped as dates: the one reading
    /// the most values first, then any that reads most of what is left.
    fn choose_date_formats(&mut self) {
        let date_columns = self.date_columns();
        let all_values: Vec<String> = date_columns
            .iter()
            .flat_map(|group| self.joined_values(group))
            .collect();
        let values: Vec<&str> = all_values
            .iter()
            .map(String::as_str)
            .filter(|v| crate::normalize::partial_date(v, &[]).is_none())
            .collect();
        if values.is_empty() {
            return;
        }
        let reads =
            |format: &str, v: &str| crate::normalize::date(v, &[format.to_string()]).is_some();
        // A birth date joined from its parts is written "%Y %m %d" (chrono's "%Y%m%d"
        // reads it too, but would puzzle whoever reads the draft).
        let joined = date_columns.iter().any(|group| group.len() > 1);
        let candidates: Vec<&str> = joined
            .then_some("%Y %m %d")
            .into_iter()
            .chain(DATE_FORMATS.iter().copied())
            .collect();
        let mut left: Vec<&str> = values.clone();
        let mut chosen: Vec<&str> = Vec::new();
        while !left.is_empty() && chosen.len() < 3 {
            let best = candidates
                .iter()
                .enumerate()
                .filter(|(_, f)| !chosen.contains(f))
                .map(|(rank, f)| (left.iter().filter(|v| reads(f, v)).count(), rank, *f))
                .max_by_key(|(count, rank, _)| (*count, std::cmp::Reverse(*rank)))
                .map(|(count, _, f)| (count, f));
            match best {
                Some((count, format)) if count > 0 && count * 100 >= left.len() => {
                    self.note_day_month_ambiguity(format, &left);
                    chosen.push(format);
                    left.retain(|v| !reads(format, v));
                }
                _ => break,
            }
        }
        let read = values.len() - left.len();
        let names: Vec<String> = date_columns
            .iter()
            .map(|group| {
                let names: Vec<&str> = group.iter().map(|&i| self.columns[i].name).collect();
                names.join("+")
            })
            .collect();
        self.why.insert(
            "date_formats".into(),
            format!(
                "{} of {} dates in {} read",
                count(read),
                count(values.len()),
                names.join(", ")
            ),
        );
        self.date_formats = chosen.into_iter().map(str::to_string).collect();
    }

    /// Each row's values of a group of columns joined with a space, rows with none left out.
    fn joined_values(&self, group: &[usize]) -> Vec<String> {
        self.sample
            .rows
            .iter()
            .filter_map(|row| {
                let parts: Vec<&str> = group
                    .iter()
                    .filter_map(|&i| row.get(i).map(|v| v.trim()))
                    .filter(|v| !v.is_empty())
                    .collect();
                (!parts.is_empty()).then(|| parts.join(" "))
            })
            .collect()
    }

    /// The columns of each date field, a birth date's parts together.
    fn date_columns(&self) -> Vec<Vec<usize>> {
        let person = self.person.get("date_of_birth").map(|c| c.names());
        let fact = self.fact.iter().flat_map(|f| {
            let schema = fact_schema(&f.table);
            f.columns.iter().filter_map(move |(field, column)| {
                let kind = schema?.fields.iter().find(|s| s.name == field)?.kind;
                (kind == FieldType::Date).then_some(column.as_str())
            })
        });
        let consent = self.consent.date.iter().map(String::as_str);
        let group = |names: Vec<&str>| -> Vec<usize> {
            names
                .into_iter()
                .filter_map(|name| self.index_of(name))
                .collect()
        };
        person
            .into_iter()
            .chain(fact.map(|name| vec![name]))
            .chain(consent.map(|name| vec![name]))
            .map(group)
            .filter(|g| !g.is_empty())
            .collect()
    }

    /// Where the day-first reading of a month-first format (or the reverse) reads every
    /// value too, the sample cannot tell them apart: said, so the user checks.
    fn note_day_month_ambiguity(&mut self, format: &str, values: &[&str]) {
        // Only where the day or month comes first: a year first is ISO's order.
        let swapped = match format.get(..5) {
            Some(head @ ("%m/%d" | "%d/%m" | "%m-%d" | "%d-%m" | "%m.%d" | "%d.%m")) => {
                let (first, second) = (&head[..2], &head[3..5]);
                format!("{second}{}{first}{}", &head[2..3], &format[5..])
            }
            _ => return,
        };
        let both = |v: &&&str| {
            let one = |f: &str| crate::normalize::date(v, &[f.to_string()]).is_some();
            one(format) == one(&swapped)
        };
        if values.iter().all(|v| both(&v)) {
            self.notes.push(format!(
                "no date in the rows read has a day above 12: {format} (month first) is assumed; write {swapped} if the file puts the day first"
            ));
        }
    }

    /// Phones that are neither North American nor written with their country code are
    /// not compared unless the source names its country: named where the file's own
    /// numbers written with one show which (its numbers written without it read as that
    /// country's), said where they do not.
    fn check_phones(&mut self) {
        let Some(Columns::One(column)) = self.person.get("phone") else {
            return;
        };
        let Some(index) = self.index_of(column) else {
            return;
        };
        let phones: Vec<&str> = self.values(index).filter(|v| looks_like_phone(v)).collect();
        self.check_local_numbers(&phones);
        let read = share(phones.iter().copied(), |p| {
            reads_without_a_country(p) || crate::normalize::local_number(p).is_some()
        });
        if phones.is_empty() || read >= 0.5 {
            return;
        }
        match country_written_beside(&phones) {
            Some(country) => {
                self.why.insert(
                    "phone_country_code".into(),
                    format!(
                        "{} of {} phones written with a country code are +{}'s: the {} without one read as its numbers",
                        count(country.votes),
                        count(country.written_with_code),
                        country.code,
                        self.percent(1.0 - read)
                    ),
                );
                self.phone_country_code = Some(country.code);
            }
            None => self.notes.push(format!(
                "{} of the phones carry no country code and are not North American: set phone_country_code (44 for the UK, 49 for Germany ...) or they are not compared",
                self.percent(1.0 - read)
            )),
        }
    }

    /// Numbers of seven digits are a North American local number alone (a county paper's
    /// "555-1234"): read in the area most of the file's numbers of ten digits are in, where
    /// they show one, and said where they do not.
    fn check_local_numbers(&mut self, phones: &[&str]) {
        let is_local_number = |p: &&&str| crate::normalize::local_number(p).is_some();
        let local = phones.iter().filter(is_local_number).count();
        if local == 0 || local * 10 < phones.len() {
            return;
        }
        let mut areas: BTreeMap<&str, usize> = BTreeMap::new();
        let ten_digit: Vec<String> = (phones.iter())
            .filter(|p| !p.trim_start().starts_with('+'))
            .filter_map(|p| crate::normalize::phone(p))
            .filter(|n| !n.starts_with('+')) // ten digits: North America's
            .collect();
        for number in &ten_digit {
            *areas.entry(&number[..3]).or_default() += 1;
        }
        let most = areas
            .into_iter()
            .max_by_key(|&(area, n)| (n, std::cmp::Reverse(area)));
        match most {
            Some((area, n)) if n * 2 > ten_digit.len() => {
                self.why.insert(
                    "phone_area_code".into(),
                    format!(
                        "{} of the phones are seven digits, a local number alone: read in ({area}), the area {} of {} numbers of ten digits are in",
                        self.percent(local as f64 / phones.len() as f64),
                        count(n),
                        count(ten_digit.len())
                    ),
                );
                self.phone_area_code = Some(area.to_string());
            }
            _ => self.notes.push(format!(
                "{} of the phones are seven digits, a local number alone: if they are North American, set phone_area_code (the area they are dialled in, as \"715\"), or they are not compared",
                self.percent(local as f64 / phones.len() as f64)
            )),
        }
    }

    fn finish(mut self, mut source: SourceConfig) -> Draft {
        self.note_repeated_headers();
        let left: Vec<&str> = self
            .columns
            .iter()
            .filter(|c| !self.taken.contains(&c.index))
            .map(|c| c.name)
            .collect();
        if !left.is_empty() {
            self.notes.push(format!("not mapped: {}", left.join(", ")));
        }
        if !crate::config::identifies_people(&self.person) {
            self.notes.push(format!(
                "{NAMES_NOBODY}: people are matched by them; draft this file with its people's \
                 file (their keys joined, it reads its people from there), or map them by hand"
            ));
        }
        let keys = match self.index_of(&self.key) {
            Some(index) => self.values(index).map(str::to_string).collect(),
            None => HashSet::new(),
        };
        source.person_key = self.key;
        if !self.date_formats.is_empty() {
            source.date_formats = self.date_formats;
        }
        source.phone_country_code = self.phone_country_code;
        source.phone_area_code = self.phone_area_code;
        source.person = self.person;
        source.facts = self.fact;
        source.consent = (!self.consent.channels().is_empty()).then_some(self.consent);
        Draft {
            source,
            why: self.why,
            notes: self.notes,
            rows_read: self.sample.rows.len(),
            truncated: self.sample.truncated,
            keys,
        }
    }

    /// A header naming one column twice refuses the file at load (the mapping could not
    /// tell them apart): said before anyone tries.
    fn note_repeated_headers(&mut self) {
        if self.sample.nested {
            return; // keys of JSON objects were merged whatever their case
        }
        let keys: Vec<String> = self
            .sample
            .header
            .iter()
            .map(|h| crate::ingest::row::header_key(h))
            .collect();
        for (i, key) in keys.iter().enumerate().filter(|(_, k)| !k.is_empty()) {
            if let Some(j) = keys[i + 1..].iter().position(|k| k == key) {
                self.notes.push(format!(
                    "the header names '{key}' twice (columns {} and {}): ingest refuses the file until one is renamed",
                    i + 1,
                    i + j + 2
                ));
            }
        }
    }
}

/// The country a file's phones are from, as its numbers written with a country code show.
#[derive(Debug, PartialEq)]
struct PhoneCountry {
    code: u16,
    /// The numbers written with a country code that show this one.
    votes: usize,
    written_with_code: usize,
}

/// Whether a phone reads without the file's country named: North American, or written
/// with its country code. One starting 011 reads as dialled from North America, but where a
/// file's numbers have a trunk 0 it is one of its own (Leeds's 0113): not read until its
/// country is.
fn reads_without_a_country(phone: &str) -> bool {
    let from_north_america = !phone.trim_start().starts_with('+')
        && phone
            .chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
            .starts_with("011");
    crate::normalize::phone(phone).is_some() && !from_north_america
}

/// The calling code an international number starts with (its digits after "+"): codes are
/// prefix-free, so it is North America's 1 or Russia's 7, one of the two-digit codes, or
/// three digits.
fn calling_code(digits: &str) -> Option<&str> {
    const TWO_DIGIT: [&str; 44] = [
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
        "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
        "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
    ];
    match digits.get(..1)? {
        "1" | "7" => digits.get(..1),
        _ => match digits.get(..2)? {
            two if TWO_DIGIT.contains(&two) => Some(two),
            _ => digits.get(..3),
        },
    }
}

/// The country whose numbers a file writes both with its calling code ("+44 7911
/// 123457") and without ("07911 123456", a trunk 0 and the national number; or the
/// national number alone, as Spain's): the code most numbers written with one show (four
/// in five), where the numbers written without one are as long as its national numbers
/// (Russia's, after a trunk 8, are not: left to the user). `None` where the file writes no
/// number both ways, or its numbers with a code are of many countries.
fn country_written_beside(phones: &[&str]) -> Option<PhoneCountry> {
    let mut with_code: Vec<String> = Vec::new();
    let mut national: Vec<String> = Vec::new();
    for phone in phones {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        if phone.trim_start().starts_with('+') || digits.starts_with("00") {
            let number = crate::normalize::phone(phone);
            if let Some(digits) = number.as_deref().and_then(|n| n.strip_prefix('+')) {
                with_code.push(digits.to_string());
            }
        } else if !reads_without_a_country(phone) {
            national.push(digits);
        }
    }
    let mut votes: BTreeMap<&str, usize> = BTreeMap::new();
    for digits in &with_code {
        if let Some(code) = calling_code(digits) {
            *votes.entry(code).or_default() += 1;
        }
    }
    let (code, n) = votes
        .into_iter()
        .max_by_key(|&(code, n)| (n, std::cmp::Reverse(code)))?;
    // A few numbers abroad in one country's file: the code must be most of them.
    if n < 2 || n * 5 < with_code.len() * 4 {
        return None;
    }
    let lengths: HashSet<usize> = with_code
        .iter()
        .filter_map(|digits| digits.strip_prefix(code))
        .map(str::len)
        .collect();
    let fits = |digits: &&String| {
        lengths.contains(&digits.len())
            || digits
                .strip_prefix('0')
                .is_some_and(|rest| lengths.contains(&rest.len()))
    };
    let fitting = national.iter().filter(fits).count();
    (fitting * 2 >= national.len() && fitting > 0).then_some(PhoneCountry {
        code: code.parse().ok()?,
        votes: n,
        written_with_code: with_code.len(),
    })
}

/// A value some format of the draft's reads as a date (or a year, or a year and month).
fn any_date_format_reads(v: &str) -> bool {
    let formats: Vec<String> = DATE_FORMATS.iter().map(|f| f.to_string()).collect();
    crate::normalize::date(v, &formats).is_some()
        || crate::normalize::partial_date(v, &[]).is_some()
}

fn count(n: usize) -> String {
    crate::store::browse::thousands(n as i64)
}

/// "1 row", "2,000 rows".
fn counted(n: usize, noun: &str) -> String {
    format!("{} {noun}{}", count(n), crate::text::plural(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(header: &[&str], rows: &[&[&str]]) -> Sample {
        Sample {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|v| v.to_string()).collect())
                .collect(),
            ..Sample::default()
        }
    }

    fn drafted(sample: &Sample) -> Draft {
        let source = SourceConfig::named("test", "test.csv".into());
        Drafter::new(sample)
            .draft(source, None, Path::new("test.csv"))
            .expect("a key")
    }

    fn one(columns: Option<&Columns>) -> Option<&str> {
        match columns {
            Some(Columns::One(name)) => Some(name),
            _ => None,
        }
    }

    #[test]
    fn the_person_key_is_the_persons_and_the_fact_key_the_facts() {
        let s = sample(
            &[
                "gift_id",
                "donor_id",
                "first_name",
                "last_name",
                "gift_date",
                "amount",
            ],
            &[
                &["G1", "D1", "Ann", "Lee", "2024-01-05", "25.00"],
                &["G2", "D1", "Ann", "Lee", "2024-02-05", "25.00"],
                &["G3", "D2", "Bo", "Diaz", "2024-02-07", "$1,000"],
            ],
        );
        let d = drafted(&s);
        assert_eq!(d.source.person_key, "donor_id");
        let facts = d.source.facts.expect("a fact table");
        assert_eq!(facts.table, "donation");
        assert_eq!(facts.columns["gift_key"], "gift_id");
        assert_eq!(facts.columns["amount"], "amount");
        assert_eq!(d.source.date_formats, ["%Y-%m-%d"]);
        assert!(
            d.notes.iter().all(|n| !n.contains("day above 12")),
            "a year first is ISO's order, not a guess: {:?}",
            d.notes
        );
    }

    #[test]
    fn day_first_dates_are_read_day_first_and_a_file_that_cannot_tell_is_said() {
        let rows: &[&[&str]] = &[&["1", "Ann", "25/12/1980"], &["2", "Bo", "03/04/1975"]];
        let d = drafted(&sample(&["id", "forename", "dob"], rows));
        assert_eq!(d.source.date_formats, ["%d/%m/%Y"]);
        assert!(d.notes.iter().all(|n| !n.contains("day above 12")));

        let rows: &[&[&str]] = &[&["1", "Ann", "05/12/1980"], &["2", "Bo", "03/04/1975"]];
        let d = drafted(&sample(&["id", "forename", "dob"], rows));
        assert_eq!(d.source.date_formats, ["%m/%d/%Y"]);
        assert!(
            d.notes.iter().any(|n| n.contains("day above 12")),
            "{:?}",
            d.notes
        );
    }

    #[test]
    fn a_file_writing_dates_two_ways_gets_both_formats() {
        let rows: &[&[&str]] = &[
            &["1", "Ann", "1980-12-25"],
            &["2", "Bo", "12/31/1975"],
            &["3", "Cy", "1990-01-02"],
        ];
        let d = drafted(&sample(&["id", "first", "birth_date"], rows));
        assert_eq!(d.source.date_formats, ["%Y-%m-%d", "%m/%d/%Y"]);
        assert_eq!(
            one(d.source.person.get("date_of_birth")),
            Some("birth_date")
        );
    }

    /// A Spanish-language platform's export: its headers read as an English one's, and a
    /// name column beside a surname's is the given name (as "Name" beside "Surname" is).
    #[test]
    fn a_spanish_export_is_read_by_its_headers() {
        let header = [
            "ID de socio",
            "Nombre",
            "Apellidos",
            "Correo electrónico",
            "Teléfono",
            "Dirección",
            "Código postal",
            "Fecha de nacimiento",
            "Estado del pedido",
        ];
        let rows: &[&[&str]] = &[&[
            "S1",
            "María",
            "García López",
            "mgarcia@example.org",
            "(773) 555-0101",
            "1820 S Blue Island Ave",
            "60608",
            "03/07/1984",
            "pagado",
        ]];
        let d = drafted(&sample(&header, rows));
        for (field, column) in [
            ("first_name", "Nombre"),
            ("last_name", "Apellidos"),
            ("email", "Correo electrónico"),
            ("phone", "Teléfono"),
            ("address1", "Dirección"),
            ("zip", "Código postal"),
            ("date_of_birth", "Fecha de nacimiento"),
        ] {
            assert_eq!(one(d.source.person.get(field)), Some(column), "{field}");
        }
        assert!(!d.source.person.contains_key("full_name"));
        assert!(!d.source.person.contains_key("state"));
        let rows: &[&[&str]] = &[&["A1", "Ann", "Lee"]];
        let d = drafted(&sample(&["id", "Name", "Surname"], rows));
        assert_eq!(one(d.source.person.get("first_name")), Some("Name"));
    }

    #[test]
    fn parts_of_a_name_join_and_a_whole_name_stands_only_alone() {
        let header = [
            "acct",
            "Title",
            "FirstName",
            "MiddleName",
            "LastName",
            "Suffix",
            "Name",
        ];
        let rows: &[&[&str]] = &[&["A1", "Mr", "John", "Q", "Public", "Jr", "John Q Public Jr"]];
        let d = drafted(&sample(&header, rows));
        assert_eq!(
            d.source.person.get("first_name"),
            Some(&Columns::Joined(vec![
                "Title".into(),
                "FirstName".into(),
                "MiddleName".into()
            ]))
        );
        assert_eq!(
            d.source.person.get("last_name"),
            Some(&Columns::Joined(vec!["LastName".into(), "Suffix".into()]))
        );
        assert!(!d.source.person.contains_key("full_name"));

        let rows: &[&[&str]] = &[&["A1", "Ann Lee", "ann@example.org"]];
        let d = drafted(&sample(&["account_id", "buyer_name", "contact"], rows));
        assert_eq!(one(d.source.person.get("full_name")), Some("buyer_name"));
        // A column whose header says nothing, but whose values are emails.
        assert_eq!(one(d.source.person.get("email")), Some("contact"));
    }

    #[test]
    fn consent_is_drafted_from_opt_out_columns_and_an_opt_in_column_is_only_noted() {
        let header = [
            "id",
            "email",
            "do_not_call",
            "email_opt_in",
            "codes",
            "consent_date",
        ];
        let rows: &[&[&str]] = &[
            &["1", "a@x.org", "Y", "N", "DNM;VIP", "2024-01-01"],
            &["2", "b@x.org", "N", "Y", "", ""],
        ];
        let d = drafted(&sample(&header, rows));
        let consent = d.source.consent.expect("consent");
        assert_eq!(
            consent.phone,
            Some(ConsentColumn::Flag("do_not_call".into()))
        );
        assert!(
            matches!(&consent.mail, Some(ConsentColumn::Codes { column, opt_out })
            if column == "codes" && opt_out.contains(&"DNM".to_string()))
        );
        // Never the opt-in column: read as an opt-out it would invert every answer.
        assert!(
            matches!(&consent.email, Some(ConsentColumn::Codes { column, .. }) if column == "codes")
        );
        // Phone opt-outs are in two columns, and cpm reads one: said.
        assert!(
            d.notes
                .iter()
                .any(|n| n.contains("phone opt-outs are in do_not_call and codes")),
            "{:?}",
            d.notes
        );
        assert_eq!(consent.date.as_deref(), Some("consent_date"));
        assert!(
            d.notes
                .iter()
                .any(|n| n.starts_with("email_opt_in reads as an opt-in"))
        );
    }

    #[test]
    fn a_header_naming_a_column_twice_is_said_before_the_load_refuses_it() {
        let rows: &[&[&str]] = &[&["1", "Ann", "Lee"]];
        let d = drafted(&sample(&["id", "Name", "name "], rows));
        assert!(
            d.notes
                .iter()
                .any(|n| n.starts_with("the header names 'name' twice (columns 2 and 3)")),
            "{:?}",
            d.notes
        );
        assert!(render(&[d]).contains("drafted from its one row"));
    }

    #[test]
    fn the_phones_written_with_a_country_code_name_the_country_of_those_without() {
        let uk = [
            "07911 123456",
            "020 7946 0958",
            "0113 496 0000",
            "+44 7911 123457",
            "+44 (0)20 7946 0959",
            "0044 131 496 0000",
        ];
        let country = country_written_beside(&uk).expect("the UK's");
        assert_eq!(
            country,
            PhoneCountry {
                code: 44,
                votes: 3,
                written_with_code: 3
            }
        );
        // Russia's trunk prefix is 8, not 0: its national numbers are not recognised.
        let russia = ["8 912 345 6789", "+7 912 345 6780", "+7 495 123 4567"];
        assert_eq!(country_written_beside(&russia), None, "8 is not a trunk 0");
        // Spain writes no trunk prefix; Italy's 0 is part of the number.
        let spain = [
            "612 345 678",
            "912 345 678",
            "+34 612 345 679",
            "+34 911 222 333",
        ];
        assert_eq!(country_written_beside(&spain).map(|c| c.code), Some(34));
        let italy = ["06 6982 1234", "+39 06 6982 1235", "+39 02 1234 5678"];
        assert_eq!(country_written_beside(&italy).map(|c| c.code), Some(39));
        // A three-digit code, national numbers of two lengths.
        let ireland = [
            "087 123 4567",
            "01 234 5678",
            "+353 87 123 4568",
            "+353 1 234 5679",
        ];
        assert_eq!(country_written_beside(&ireland).map(|c| c.code), Some(353));
        // Nothing written both ways, one number abroad, or numbers of many countries.
        assert_eq!(
            country_written_beside(&["07911 123456", "020 7946 0958"]),
            None
        );
        assert_eq!(
            country_written_beside(&["07911 123456", "+44 7911 123457"]),
            None
        );
        let many = [
            "07911 123456",
            "+44 7911 123457",
            "+44 7911 123458",
            "+33 6 12 34 56 78",
            "+49 1512 3456789",
        ];
        assert_eq!(
            country_written_beside(&many),
            None,
            "two of four are not most"
        );
    }

    #[test]
    fn seven_digit_phones_without_an_area_to_read_them_in_are_said_to_need_one() {
        let header = ["acct", "first", "last", "phone"];
        let rows: &[&[&str]] = &[
            &["1", "Arne", "Olson", "555-1234"],
            &["2", "Ingrid", "Olson", "555-1234"],
            &["3", "Erik", "Larson", "555-9876"],
        ];
        let d = drafted(&sample(&header, rows));
        assert_eq!(d.source.phone_area_code, None);
        let said = d.notes.iter().find(|n| n.contains("seven digits"));
        assert!(
            said.is_some_and(|n| n.contains("set phone_area_code")),
            "{:?}",
            d.notes
        );
        // Said once: not read as another country's numbers too.
        assert!(
            !d.notes.iter().any(|n| n.contains("phone_country_code")),
            "{:?}",
            d.notes
        );
        // Beside numbers of ten digits, their area reads them.
        let mut with_area = rows.to_vec();
        with_area.push(&["4", "Nils", "Dahl", "(715) 555-1111"]);
        let d = drafted(&sample(&header, &with_area));
        assert_eq!(d.source.phone_area_code.as_deref(), Some("715"));
    }

    #[test]
    fn a_file_whose_phones_show_their_country_is_drafted_with_it() {
        let header = ["ref", "forename", "surname", "mobile"];
        let rows: &[&[&str]] = &[
            &["1", "Winifred", "Oyelaran", "07911 123456"],
            &["2", "Hamish", "Macleod", "07700 900123"],
            &["3", "Ailsa", "Reid", "07700 900456"],
            &["4", "Dara", "Byrne", "+44 7700 900789"],
            &["5", "Ewan", "Grant", "+44 7700 900321"],
        ];
        let d = drafted(&sample(&header, rows));
        assert_eq!(d.source.phone_country_code, Some(44));
        assert!(!d.notes.iter().any(|n| n.contains("phone_country_code")));
        let text = render(&[d]);
        assert!(
            text.contains(
                "phone_country_code: 44                    # 2 of 2 phones written with a country code are +44's: the 60 % without one read as its numbers"
            ),
            "{text}"
        );
        let read: crate::config::SourcesFile = serde_yaml::from_str(&text).expect("valid YAML");
        assert_eq!(read.sources[0].phone_country_code, Some(44));
    }

    #[test]
    fn a_households_key_is_said_not_to_be_a_persons() {
        let rows: &[&[&str]] = &[
            &["H1", "Ann", "Lee"],
            &["H1", "Bo", "Lee"],
            &["H2", "Cy", "Park"],
        ];
        let d = drafted(&sample(&["household_id", "first", "last"], rows));
        assert_eq!(d.source.person_key, "household_id", "the only key there is");
        assert!(
            d.notes
                .iter()
                .any(|n| n.contains("a household's or a group's key")),
            "{:?}",
            d.notes
        );
        let rows: &[&[&str]] = &[&["H1", "P1", "Ann", "Lee"], &["H1", "P2", "Bo", "Lee"]];
        let d = drafted(&sample(
            &["household_id", "person_id", "first", "last"],
            rows,
        ));
        assert_eq!(d.source.person_key, "person_id");
    }

    #[test]
    fn a_nested_value_is_named_by_its_own_key() {
        let mut s = sample(
            &[
                "id",
                "name.first",
                "name.last",
                "address.city",
                "address.zip",
            ],
            &[&["u1", "Ann", "Lee", "Chicago", "60601"]],
        );
        assert_eq!(
            drafted(&s).source.person.get("city"),
            None,
            "a CSV header is read whole"
        );
        s.nested = true;
        let d = drafted(&s);
        assert_eq!(one(d.source.person.get("first_name")), Some("name.first"));
        assert_eq!(one(d.source.person.get("city")), Some("address.city"));
        assert_eq!(one(d.source.person.get("zip")), Some("address.zip"));
    }

    #[test]
    fn a_birth_date_in_three_columns_is_joined_and_read_as_written() {
        let rows: &[&[&str]] = &[
            &["1", "Ann", "1957", "9", "4"],
            &["2", "Bo", "1960", "12", "31"],
        ];
        let d = drafted(&sample(&["id", "fname", "by", "bm", "bd"], rows));
        assert_eq!(
            d.source.person.get("date_of_birth"),
            Some(&Columns::Joined(vec![
                "by".into(),
                "bm".into(),
                "bd".into()
            ]))
        );
        assert_eq!(d.source.date_formats, ["%Y %m %d"]);
        assert_eq!(
            d.why["person.date_of_birth"],
            "headers: the birth date's year, month, day"
        );
    }

    #[test]
    fn no_value_of_the_file_appears_in_the_draft() {
        let header = [
            "Customer No",
            "Forename",
            "Surname",
            "E-mail",
            "Telephone",
            "DOB",
        ];
        let rows: &[&[&str]] = &[
            &[
                "C-1001",
                "Winifred",
                "Oyelaran",
                "w.oyelaran@example.org",
                "020 7946 0958",
                "14/02/1961",
            ],
            &[
                "C-1002",
                "Hamish",
                "Macleod",
                "hm@example.net",
                "0131 496 0000",
                "30/11/1970",
            ],
        ];
        let d = drafted(&sample(&header, rows));
        let text = render(&[d]);
        for value in rows.iter().flat_map(|r| r.iter()) {
            assert!(!text.contains(value), "{value} in\n{text}");
        }
        assert!(text.contains("person_key: Customer No"), "{text}");
        assert!(text.contains("phone_country_code"), "{text}");
        let read: crate::config::SourcesFile = serde_yaml::from_str(&text).expect("valid YAML");
        assert_eq!(read.sources[0].person.len(), 5);
    }
}
