//! Typed loading and validation of `config/*.yaml`. Every error names the file, the line
//! and the key, and says how to fix it. Defaults are embedded in the binary, so `cpm`
//! works from any directory; a `config/` directory on disk overrides them file by file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::vocab::consent::{Channel, ConsentColumn};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// Where the project's files live: `root/config/*.yaml`, `root/data/...`.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
}

impl Project {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Project { root: root.into() }
    }

    pub fn config_file(&self, name: &str) -> PathBuf {
        self.root.join("config").join(name)
    }

    /// Resolve a path from a config file: absolute paths stay, relative ones are taken
    /// from the project root.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.root.join(path)
        }
    }

    /// The text of a config file: the file on disk if present, else the embedded default.
    pub fn read_config(&self, name: &str) -> Result<(PathBuf, String)> {
        let path = self.config_file(name);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok((path, text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => match built_in(name) {
                Some(text) => Ok((built_in_label(name), text.into())),
                None => Err(Error::io(path, e)),
            },
            Err(e) => Err(Error::io(path, e)),
        }
    }
}

/// The configuration files, each read from the project's `config/` folder where it is
/// there and built in otherwise.
pub const CONFIG_FILES: [&str; 6] = [
    "sources.yaml",
    "resolution.yaml",
    "scoring.yaml",
    "quality_checks.yaml",
    "metrics_definitions.yaml",
    "segments.yaml",
];

/// How a built-in file is named where a path would be: "(built-in) config/scoring.yaml".
pub fn built_in_label(name: &str) -> PathBuf {
    PathBuf::from(format!("(built-in) config/{name}"))
}

/// The text `name` has when the project's config/ folder has no such file.
pub fn built_in(name: &str) -> Option<&'static str> {
    match name {
        "sources.yaml" => Some(include_str!("../config/sources.yaml")),
        "resolution.yaml" => Some(include_str!("../config/resolution.yaml")),
        "scoring.yaml" => Some(include_str!("../config/scoring.yaml")),
        "quality_checks.yaml" => Some(include_str!("../config/quality_checks.yaml")),
        "metrics_definitions.yaml" => Some(include_str!("../config/metrics_definitions.yaml")),
        "segments.yaml" => Some(include_str!("../config/segments.yaml")),
        _ => None,
    }
}

/// Parse YAML into `T`, turning serde's error into one that names file, line and key.
pub fn parse_yaml<T: DeserializeOwned>(file: &Path, text: &str) -> Result<T> {
    serde_yaml::from_str(text).map_err(|e| {
        let line = e.location().map(|l| l.line()).unwrap_or(0);
        let message = e.to_string();
        match backticked_after(&message, "field `") {
            Some(key) => Error::config(file, line, key, message),
            // "segments[0].channel: unknown variant …": the path is the key.
            None => {
                let (key, rest) = leading_path(&message);
                Error::config(file, line, key, rest)
            }
        }
    })
}

/// The YAML path serde puts before its message ("sources[1].file: invalid type …"), and
/// the message after it; no key where the message does not start with one.
fn leading_path(message: &str) -> (&str, &str) {
    match message.split_once(": ") {
        Some((path, rest)) if !path.is_empty() && !path.contains(char::is_whitespace) => {
            (path, rest)
        }
        _ => ("", message),
    }
}

fn backticked_after(message: &str, marker: &str) -> Option<String> {
    let start = message.find(marker)? + marker.len();
    let rest = &message[start..];
    Some(rest[..rest.find('`')?].to_string())
}

/// The 1-based line where `key:` first appears at or after line `from` (best effort, for
/// errors found after parsing, such as a value out of range).
pub fn line_of(text: &str, key: &str, from: usize) -> usize {
    let needle = format!("{key}:");
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find(|(_, l)| {
            let t = l.trim_start().trim_start_matches("- ");
            t.starts_with(&needle)
        })
        .map(|(i, _)| i + 1)
        .unwrap_or(0)
}

// ---------------------------------------------------------------- sources.yaml

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcesFile {
    pub sources: Vec<SourceConfig>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Unique name of the connector (also the ingest batch's source).
    pub name: String,
    /// The source system this file comes from (wbez, suntimes, events, email ...).
    pub system: String,
    pub file: PathBuf,
    /// The column holding the source's own person key.
    pub person_key: String,
    /// A file of facts exported apart from its people (gifts beside a CRM's constituents):
    /// the source whose records its person key names. Its rows map no person fields; each
    /// fact (and consent answer) joins the record of the same key in that source, which
    /// is loaded first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_from: Option<String>,
    #[serde(default = "default_date_formats")]
    pub date_formats: Vec<String>,
    /// `csv`, `jsonl` (one JSON object per line) or `parquet`; by default from the file's
    /// extension (`.jsonl`, `.ndjson`: JSON lines; `.parquet`: Parquet; anything else: CSV).
    #[serde(default)]
    pub format: Option<String>,
    /// The CSV field separator: `,` (default), `;`, `tab` or `|`.
    #[serde(default)]
    pub delimiter: Option<String>,
    /// The file's text encoding when it is not UTF-8 (`windows-1252`, `latin1`,
    /// `utf-16le` ...); a UTF-16 file with a byte-order mark is recognised without it.
    #[serde(default)]
    pub encoding: Option<String>,
    /// The country calling code of the file's phones written without one: 44 reads a UK
    /// file's "020 7946 0958" as +44 20 7946 0958. Without it such a number is not compared
    /// (it could be any country's); North American numbers need none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_country_code: Option<u16>,
    /// The North American area code of the phones this file writes as seven digits, the
    /// local number alone (a county paper's "555-1234"): "715" reads it as (715) 555-1234.
    /// Without it such a number is not compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_area_code: Option<String>,
    /// A mapped field longer than this many characters quarantines its row.
    #[serde(default = "default_max_field_chars")]
    pub max_field_chars: usize,
    /// Warn (and refuse under `--strict`) when more than this share of a parsed column's
    /// values fail to parse.
    #[serde(default = "default_warn_failure_share")]
    pub warn_failure_share: f64,
    /// Canonical person field -> CSV column, or columns joined with a space in the order
    /// given (`address1: [street_number, street_name]`).
    #[serde(default)]
    pub person: BTreeMap<String, Columns>,
    #[serde(default)]
    pub facts: Option<FactMapping>,
    /// Where the rows say a person may not be contacted, per channel.
    #[serde(default)]
    pub consent: Option<ConsentMapping>,
}

/// A source's consent columns: per channel (`email`, `phone`, `mail`) a yes/no column or a
/// column of codes with the opt-out codes listed; `date` the column saying when.
#[derive(Debug, Clone, Deserialize, serde::Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ConsentMapping {
    #[serde(default)]
    pub email: Option<ConsentColumn>,
    #[serde(default)]
    pub phone: Option<ConsentColumn>,
    #[serde(default)]
    pub mail: Option<ConsentColumn>,
    #[serde(default)]
    pub date: Option<String>,
}

impl ConsentMapping {
    pub fn channels(&self) -> Vec<(Channel, &ConsentColumn)> {
        [
            (Channel::Email, &self.email),
            (Channel::Phone, &self.phone),
            (Channel::Mail, &self.mail),
        ]
        .into_iter()
        .filter_map(|(channel, column)| column.as_ref().map(|c| (channel, c)))
        .collect()
    }
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct FactMapping {
    pub table: String,
    /// Canonical fact field -> CSV column.
    pub columns: BTreeMap<String, String>,
    /// Per fact field, the file's values and what cpm reads them as (`gift_type: {Cash:
    /// one_time, "Recurring Gift Pay-Cash": recurring}`), matched whatever their case; a
    /// value not listed is read as written.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, BTreeMap<String, String>>,
}

/// One CSV column, or several whose values are joined with a space.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Columns {
    One(String),
    Joined(Vec<String>),
}

impl Columns {
    pub fn names(&self) -> Vec<&str> {
        match self {
            Columns::One(name) => vec![name.as_str()],
            Columns::Joined(names) => names.iter().map(String::as_str).collect(),
        }
    }
}

fn default_date_formats() -> Vec<String> {
    vec!["%Y-%m-%d".into()]
}

fn default_max_field_chars() -> usize {
    1000
}

fn default_warn_failure_share() -> f64 {
    0.05
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    JsonLines,
    Parquet,
}

/// Bumped when the normalisers change the forms they store (2: titles and name suffixes
/// taken off and the generation kept, phone extensions and email tags off, numbered
/// streets in figures; 3: postcodes with letters kept, religious, military, civic and
/// peerage titles taken off; 4: a birth date no calendar has read as written for matching,
/// a nickname's formal name the commonest it is short for; 5: another country's phone
/// kept with its country code where the text gives it; 6: a name all of whose words stand
/// in for a missing one, "Guest Guest", "Anonymous", no name; 7: letters outside ASCII
/// transliterated, "Søren" is "soren", "Łukasz" "lukasz"; 8: a birth year, or a year and
/// month, kept for matching; 9: an email read out of "Ann Lee <ann@x.com>", "mailto:" and
/// a list; 10: "45" under %Y is no year 45, a two-digit birth year is in the
/// century before the load; 11: a city's Saint, Fort, Mount and directions in one form; 12: a
/// ZIP+4 whose leading zero a spreadsheet dropped; 13: a timestamp read as its day; 14: a
/// street line holding its city, state and ZIP read in its parts; 15: the sex a gender
/// column or a title before the given name says; 16: a couple's given names the first
/// named's, a post-office box and a rural route as USPS writes them).
pub const NORMALIZER_VERSION: u32 = 16;

impl SourceConfig {
    /// How this file writes its phones (`phone_country_code`, `phone_area_code`).
    pub fn phone_plan(&self) -> crate::normalize::PhonePlan<'_> {
        crate::normalize::PhonePlan {
            country: self.phone_country_code,
            area: self.phone_area_code.as_deref(),
        }
    }

    /// A source of `name` (its system too) reading `file`, mapping nothing yet: every
    /// option at its default, as a sources.yaml entry that leaves them out reads.
    pub fn named(name: &str, file: PathBuf) -> SourceConfig {
        SourceConfig {
            name: name.to_string(),
            system: name.to_string(),
            file,
            person_key: String::new(),
            person_from: None,
            date_formats: default_date_formats(),
            format: None,
            delimiter: None,
            encoding: None,
            phone_country_code: None,
            phone_area_code: None,
            max_field_chars: default_max_field_chars(),
            warn_failure_share: default_warn_failure_share(),
            person: BTreeMap::new(),
            facts: None,
            consent: None,
        }
    }

    /// A hash of everything that decides how the file is read: a batch loaded under
    /// another mapping is loaded again, even when the file is unchanged.
    pub fn mapping_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        // The normalisers are part of how a file is read: a store loaded by older ones is
        // loaded again.
        let text = format!(
            "normalizer {NORMALIZER_VERSION}\n{}",
            serde_json::to_string(self).unwrap_or_default()
        );
        let digest = Sha256::digest(text.as_bytes());
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The CSV delimiter as a byte (validated at load).
    pub fn delimiter_byte(&self) -> u8 {
        match self.delimiter.as_deref() {
            Some(";") => b';',
            Some("tab" | "\t") => b'\t',
            Some("|") => b'|',
            _ => b',',
        }
    }

    pub fn file_format(&self, path: &Path) -> FileFormat {
        match self.format.as_deref() {
            Some("jsonl") => FileFormat::JsonLines,
            Some("parquet") => FileFormat::Parquet,
            Some(_) => FileFormat::Csv,
            None => match path.extension().and_then(|e| e.to_str()) {
                Some("jsonl" | "ndjson") => FileFormat::JsonLines,
                Some("parquet") => FileFormat::Parquet,
                _ => FileFormat::Csv,
            },
        }
    }

    /// Every column the mapping reads, once each, in a fixed order.
    pub fn mapped_columns(&self) -> Vec<String> {
        let mut columns: Vec<String> = std::iter::once(self.person_key.clone())
            .chain(
                self.person
                    .values()
                    .flat_map(|c| c.names().into_iter().map(str::to_string)),
            )
            .chain(self.facts.iter().flat_map(|f| f.columns.values().cloned()))
            .chain(self.consent.iter().flat_map(|c| {
                c.channels()
                    .into_iter()
                    .map(|(_, column)| column.column().to_string())
                    .chain(c.date.clone())
                    .collect::<Vec<_>>()
            }))
            .collect();
        let mut seen = std::collections::HashSet::new();
        columns.retain(|c| seen.insert(c.to_lowercase()));
        columns
    }
}

/// A date format that can write and read back a date, or the part of a birth date a file
/// gives (`%m/%Y`, `%Y`): `%Q-%m` cannot, and would leave every date of a file unread.
pub fn check_date_format(format: &str) -> std::result::Result<(), String> {
    use chrono::format::{Item, StrftimeItems};
    use std::fmt::Write;
    if StrftimeItems::new(format).any(|item| matches!(item, Item::Error)) {
        return Err(format!(
            "'{format}' is not a date format (see chrono's strftime: %Y-%m-%d, %m/%d/%Y ...)"
        ));
    }
    let sample = chrono::NaiveDate::from_ymd_opt(1987, 11, 23).unwrap_or_default();
    let mut written = String::new();
    if write!(written, "{}", sample.format(format)).is_err() {
        return Err(format!("'{format}' cannot write a date"));
    }
    // A birth date given in part: a year, or a year and month ("%Y", "%m/%Y").
    let reads_a_part = crate::normalize::partial_date(&written, &[format.to_string()])
        .is_some_and(|part| matches!(part.as_str(), "1987" | "1987-11"));
    match chrono::NaiveDate::parse_from_str(&written, format) {
        Ok(read) if read == sample => Ok(()),
        _ if reads_a_part => Ok(()),
        _ => Err(format!(
            "'{format}' does not read back the date it writes (it needs a year, month and day; \
             or, for a birth date given in part, a year and month or a year alone: %m/%Y, %Y)"
        )),
    }
}

/// Whether a source's person fields include one people are matched by: a surname, a
/// whole name or an email.
pub fn identifies_people(person: &BTreeMap<String, Columns>) -> bool {
    ["last_name", "email", crate::vocab::person::FULL_NAME]
        .iter()
        .any(|f| person.contains_key(*f))
}

/// The canonical person fields a source may map.
pub const PERSON_FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "email",
    "phone",
    "address1",
    "address2",
    "city",
    "state",
    "zip",
    "date_of_birth",
];

/// Every person field a source may map: the golden columns, `full_name` (one column
/// holding the whole name, split as it is read) and `gender` (compared, not a golden column).
pub fn mappable_person_fields() -> impl Iterator<Item = &'static str> {
    use crate::vocab::person::{FULL_NAME, GENDER};
    PERSON_FIELDS.iter().copied().chain([FULL_NAME, GENDER])
}

/// A source reading its people from another: that one is a source of people itself, and
/// this one maps facts or consent, and no person fields (they are the other's).
fn check_person_from(
    file: &SourcesFile,
    source: &SourceConfig,
    people: &str,
) -> std::result::Result<(), String> {
    let Some(from) = file.sources.iter().find(|s| s.name == people) else {
        return Err(format!("no source is named '{people}'"));
    };
    if from.name == source.name || from.person_from.is_some() {
        return Err(format!(
            "'{people}' must be a source of people itself (with person fields, no person_from)"
        ));
    }
    if !source.person.is_empty() {
        return Err(format!(
            "a source reading its people from '{people}' maps no person fields (they are {people}'s)"
        ));
    }
    if source.facts.is_none() && source.consent.is_none() {
        return Err("map facts or consent: the people are another source's".into());
    }
    Ok(())
}

pub fn load_sources(project: &Project) -> Result<(PathBuf, SourcesFile)> {
    let (path, text) = project.read_config("sources.yaml")?;
    let file = sources_from_text(&path, &text)?;
    Ok((path, file))
}

/// The sources `text` (read from, or to be written to, `path`) declares, checked as a
/// load checks them.
pub fn sources_from_text(path: &Path, text: &str) -> Result<SourcesFile> {
    let file: SourcesFile = parse_yaml(path, text)?;
    validate_sources(path, text, &file)?;
    Ok(file)
}

fn validate_sources(path: &Path, text: &str, file: &SourcesFile) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for source in &file.sources {
        let at = line_of(text, "name", 0).max(1);
        let source_line = text
            .lines()
            .position(|l| l.contains(&format!("name: {}", source.name)))
            .map(|i| i + 1)
            .unwrap_or(at);
        if !seen.insert(&source.name) {
            return Err(Error::config(
                path,
                source_line,
                "name",
                format!(
                    "source name '{}' is used twice; names must be unique",
                    source.name
                ),
            ));
        }
        for field in source.person.keys() {
            if !mappable_person_fields().any(|f| f == field) {
                return Err(Error::config(
                    path,
                    line_of(text, field, source_line),
                    format!("{}.person.{field}", source.name),
                    format!(
                        "unknown person field; use one of: {}",
                        mappable_person_fields().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
        let refuse = |key: &str, message: String| {
            Error::config(
                path,
                line_of(text, key, source_line).max(source_line),
                format!("{}.{key}", source.name),
                message,
            )
        };
        for format in &source.date_formats {
            check_date_format(format).map_err(|why| refuse("date_formats", why))?;
        }
        if let Some(code) = source.phone_country_code
            && !(1..=999).contains(&code)
        {
            return Err(refuse(
                "phone_country_code",
                format!("{code} is not a country calling code: 1 to 3 digits, as 44 or 1"),
            ));
        }
        if let Some(area) = source.phone_area_code.as_deref() {
            let three_digits = area.len() == 3 && area.bytes().all(|b| b.is_ascii_digit());
            if !three_digits || area.starts_with(['0', '1']) {
                return Err(refuse(
                    "phone_area_code",
                    format!(
                        "'{area}' is not a North American area code: three digits, the first 2 to 9, as \"715\""
                    ),
                ));
            }
            if source.phone_country_code.is_some_and(|code| code != 1) {
                return Err(refuse(
                    "phone_area_code",
                    "an area code completes North American numbers: leave phone_country_code out, or 1".into(),
                ));
            }
        }
        if let Some(d) = source.delimiter.as_deref()
            && ![",", ";", "tab", "\t", "|"].contains(&d)
        {
            return Err(refuse(
                "delimiter",
                format!("'{d}' is not a delimiter: use ',', ';', 'tab' or '|'"),
            ));
        }
        if let Some(e) = source.encoding.as_deref()
            && encoding_rs::Encoding::for_label(e.as_bytes()).is_none()
        {
            return Err(refuse(
                "encoding",
                format!("'{e}' is not an encoding: use utf-8, windows-1252, latin1 or utf-16le"),
            ));
        }
        if let Some(f) = source.format.as_deref()
            && !["csv", "jsonl"].contains(&f)
        {
            return Err(refuse(
                "format",
                format!("'{f}' is not a format: use csv or jsonl"),
            ));
        }
        if source.max_field_chars == 0 {
            return Err(refuse("max_field_chars", "must be at least 1".into()));
        }
        if !(0.0..=1.0).contains(&source.warn_failure_share) {
            return Err(refuse(
                "warn_failure_share",
                "must be a share between 0 and 1 (0.05 = 5 %)".into(),
            ));
        }
        let full_name = crate::vocab::person::FULL_NAME;
        if source.person.contains_key(full_name)
            && let Some(part) = ["first_name", "last_name"]
                .into_iter()
                .find(|f| source.person.contains_key(*f))
        {
            return Err(Error::config(
                path,
                line_of(text, full_name, source_line),
                format!("{}.person.{full_name}", source.name),
                format!(
                    "map either {full_name} or first_name and last_name, not both ({part} is mapped too)"
                ),
            ));
        }
        if let Some(people) = &source.person_from {
            check_person_from(file, source, people).map_err(|why| refuse("person_from", why))?;
        } else if !identifies_people(&source.person) {
            return Err(Error::config(
                path,
                source_line,
                format!("{}.person", source.name),
                "map at least last_name (or full_name) or email, or records cannot be matched",
            ));
        }
        if let Some(facts) = &source.facts {
            let Some(schema) = crate::ingest::mapping::fact_schema(&facts.table) else {
                return Err(Error::config(
                    path,
                    line_of(text, "table", source_line),
                    format!("{}.facts.table", source.name),
                    format!(
                        "unknown fact table '{}'; use one of: {}",
                        facts.table,
                        crate::ingest::mapping::FACT_TABLES.join(", ")
                    ),
                ));
            };
            for field in facts.columns.keys() {
                if !schema.fields.iter().any(|f| f.name == field) {
                    return Err(Error::config(
                        path,
                        line_of(text, field, source_line),
                        format!("{}.facts.columns.{field}", source.name),
                        format!(
                            "table {} has no field '{field}'; its fields are: {}",
                            facts.table,
                            schema.field_names().join(", ")
                        ),
                    ));
                }
            }
            for (field, recode) in &facts.values {
                let at = line_of(text, field, source_line);
                let key = format!("{}.facts.values.{field}", source.name);
                if !facts.columns.contains_key(field) {
                    return Err(Error::config(
                        path,
                        at,
                        key,
                        format!("'{field}' is not among the mapped columns"),
                    ));
                }
                let allowed = crate::vocab::facts::allowed_values(&facts.table, field);
                if let Some((allowed, wrong)) = allowed.and_then(|allowed| {
                    let wrong = recode.values().find(|v| !allowed.contains(&v.as_str()))?;
                    Some((allowed, wrong))
                }) {
                    return Err(Error::config(
                        path,
                        at,
                        key,
                        format!("'{wrong}' is not one of {}", allowed.join(", ")),
                    ));
                }
            }
            for required in schema.fields.iter().filter(|f| f.required) {
                if !facts.columns.contains_key(required.name) {
                    return Err(Error::config(
                        path,
                        line_of(text, "columns", source_line),
                        format!("{}.facts.columns", source.name),
                        format!(
                            "table {} needs a column for '{}'",
                            facts.table, required.name
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_yaml_error_without_a_field_names_its_path_as_the_key_once() {
        let text = "segments:\n  - name: x\n    channel: pigeon\n";
        let err = parse_yaml::<serde_yaml::Value>(Path::new("s.yaml"), "a: [1\n").unwrap_err();
        assert!(!err.to_string().contains(": : "), "{err}");
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Segment {
            name: String,
            channel: Channel,
        }
        #[derive(Debug, serde::Deserialize)]
        #[serde(rename_all = "lowercase")]
        enum Channel {
            Email,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct File {
            segments: Vec<Segment>,
        }
        let err = parse_yaml::<File>(Path::new("s.yaml"), text)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("s.yaml:3: segments[0].channel: unknown variant `pigeon`"),
            "{err}"
        );
        assert_eq!(
            leading_path("did not find expected key"),
            ("", "did not find expected key")
        );
    }

    #[test]
    fn every_configuration_file_is_built_in() {
        for name in CONFIG_FILES {
            assert!(built_in(name).is_some(), "{name}");
        }
    }

    #[test]
    fn embedded_sources_are_valid() {
        let project = Project::new("/nonexistent-root");
        let (_, file) = load_sources(&project).unwrap();
        assert_eq!(file.sources.len(), 4);
    }

    #[test]
    fn a_fact_fields_values_recode_into_the_values_cpm_reads() {
        let text = |to: &str| {
            format!(
                "sources:\n  - name: a\n    system: s\n    file: a.csv\n    person_key: id\n    person: {{email: e}}\n    facts:\n      table: donation\n      columns: {{gift_key: g, gift_date: d, amount: m, gift_type: t}}\n      values:\n        gift_type: {{Cash: {to}}}\n"
            )
        };
        let path = Path::new("config/sources.yaml");
        assert!(sources_from_text(path, &text("one_time")).is_ok());
        let err = sources_from_text(path, &text("monthly"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("a.facts.values.gift_type: 'monthly' is not one of one_time, recurring"),
            "{err}"
        );
        // A value of a field the file does not map is refused too.
        let unmapped = text("one_time").replace(", gift_type: t", "");
        let err = sources_from_text(path, &unmapped).unwrap_err().to_string();
        assert!(err.contains("not among the mapped columns"), "{err}");
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let text = "sources:\n  - name: a\n    system: s\n    file: a.csv\n    person_key: id\n    colour: red\n    person: {last_name: ln}\n";
        let err = parse_yaml::<SourcesFile>(Path::new("config/sources.yaml"), text).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("config/sources.yaml:6:"), "{msg}");
        assert!(msg.contains("colour"), "{msg}");
    }

    #[test]
    fn unknown_person_field_is_refused_with_its_line() {
        let text = "sources:\n  - name: a\n    system: s\n    file: a.csv\n    person_key: id\n    person:\n      last_name: ln\n      shoe_size: ss\n";
        let file: SourcesFile = parse_yaml(Path::new("s.yaml"), text).unwrap();
        let err = validate_sources(Path::new("s.yaml"), text, &file).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("s.yaml:8: a.person.shoe_size"), "{msg}");
    }
}
