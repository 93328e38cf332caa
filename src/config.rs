//! Typed loading and validation of `config/*.yaml`. Every error names the file, the line
//! and the key, and says how to fix it. Defaults are embedded in the binary, so `cpm`
//! works from any directory; a `config/` directory on disk overrides them file by file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => match embedded(name) {
                Some(text) => Ok((
                    PathBuf::from(format!("(built-in) config/{name}")),
                    text.into(),
                )),
                None => Err(Error::io(path, e)),
            },
            Err(e) => Err(Error::io(path, e)),
        }
    }
}

fn embedded(name: &str) -> Option<&'static str> {
    match name {
        "sources.yaml" => Some(include_str!("../config/sources.yaml")),
        "resolution.yaml" => Some(include_str!("../config/resolution.yaml")),
        "scoring.yaml" => Some(include_str!("../config/scoring.yaml")),
        "quality_checks.yaml" => Some(include_str!("../config/quality_checks.yaml")),
        "metrics_definitions.yaml" => Some(include_str!("../config/metrics_definitions.yaml")),
        _ => None,
    }
}

/// Parse YAML into `T`, turning serde's error into one that names file, line and key.
pub fn parse_yaml<T: DeserializeOwned>(file: &Path, text: &str) -> Result<T> {
    serde_yaml::from_str(text).map_err(|e| {
        let line = e.location().map(|l| l.line()).unwrap_or(0);
        let message = e.to_string();
        let key = backticked_after(&message, "field `").unwrap_or_default();
        Error::config(file, line, key, message)
    })
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Unique name of the connector (also the ingest batch's source).
    pub name: String,
    /// The source system this file comes from (wbez, suntimes, events, email ...).
    pub system: String,
    pub file: PathBuf,
    /// The column holding the source's own person key.
    pub person_key: String,
    #[serde(default = "default_date_formats")]
    pub date_formats: Vec<String>,
    /// Canonical person field -> CSV column, or columns joined with a space in the order
    /// given (`address1: [street_number, street_name]`).
    pub person: BTreeMap<String, Columns>,
    #[serde(default)]
    pub facts: Option<FactMapping>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactMapping {
    pub table: String,
    /// Canonical fact field -> CSV column.
    pub columns: BTreeMap<String, String>,
}

/// One CSV column, or several whose values are joined with a space.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
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

pub fn load_sources(project: &Project) -> Result<(PathBuf, SourcesFile)> {
    let (path, text) = project.read_config("sources.yaml")?;
    let file: SourcesFile = parse_yaml(&path, &text)?;
    validate_sources(&path, &text, &file)?;
    Ok((path, file))
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
            if !PERSON_FIELDS.contains(&field.as_str()) {
                return Err(Error::config(
                    path,
                    line_of(text, field, source_line),
                    format!("{}.person.{field}", source.name),
                    format!(
                        "unknown person field; use one of: {}",
                        PERSON_FIELDS.join(", ")
                    ),
                ));
            }
        }
        if !source.person.contains_key("last_name") && !source.person.contains_key("email") {
            return Err(Error::config(
                path,
                source_line,
                format!("{}.person", source.name),
                "map at least last_name or email, or records cannot be matched",
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
    fn embedded_sources_are_valid() {
        let project = Project::new("/nonexistent-root");
        let (_, file) = load_sources(&project).unwrap();
        assert_eq!(file.sources.len(), 4);
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
