//! `config/resolution.yaml`: typed and validated (thresholds ordered, known keys, rules and
//! fields). Errors name file, line and key. The fields' weights are not configured: each
//! run learns them from its data (`resolve::model`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config::{Project, line_of, parse_yaml};
use crate::error::{Error, Result};

/// The golden record's fields, which survivorship fills.
pub const GOLDEN_FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "email",
    "phone",
    "address",
    "zip",
    "date_of_birth",
];
pub const BLOCK_KEYS: &[&str] = &[
    "email",
    "email_name",
    "phone",
    "last_soundex_zip",
    "first_last",
    "first_zip",
    "address_zip",
    "names_zip",
    "first_zip_initial",
    "last_zip_initial",
    "first_last_city3",
    "first_last_birth_year",
    "first_last_birth_decade",
    "first_last_birthday",
    "birth_zip",
    "birth",
    "initial_birth",
    "last_birth",
    "first_soundex_birth",
    "swapped_names",
    "last_first_initial",
    "first_last_city",
    "house_number_zip",
    "house_number_city",
    "street_city",
    "birth_zip3",
    "phonetic_names",
    "phonetic_names_zip3",
    "phonetic_names_birth_year",
];
pub const RULES: &[&str] = &["most_recent", "most_frequent", "source_priority", "longest"];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub auto_match: f64,
    pub review: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Blocking {
    pub max_block_size: usize,
    /// Each key adds at most this many pairs per record (its smallest blocks first).
    #[serde(default = "default_max_pairs_per_record")]
    pub max_pairs_per_record: u64,
    pub keys: Vec<String>,
}

fn default_max_pairs_per_record() -> u64 {
    4
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Survivorship {
    pub source_priority: Vec<String>,
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolutionConfig {
    pub thresholds: Thresholds,
    pub deterministic: Vec<String>,
    pub blocking: Blocking,
    pub survivorship: Survivorship,
}

impl ResolutionConfig {
    pub fn load(project: &Project) -> Result<ResolutionConfig> {
        let (path, text) = project.read_config("resolution.yaml")?;
        Self::parse(&path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<ResolutionConfig> {
        // Keys of the hand-weighted matcher, which a store's older config may still have:
        // say what became of them rather than only that they are unknown.
        for retired in ["fields", "guards", "min_evidence", "rare_name_below"] {
            let line = line_of(text, retired, 0);
            if line > 0
                && text
                    .lines()
                    .nth(line - 1)
                    .is_some_and(|l| !l.starts_with(' '))
            {
                return Err(Error::config(
                    path,
                    line,
                    retired,
                    "no longer a setting: each run learns the fields' weights from the data \
                     (see `cpm resolve --explain-model`); remove this key",
                ));
            }
        }
        let config: ResolutionConfig = parse_yaml(path, text)?;
        config.validate(path, text)?;
        Ok(config)
    }

    fn validate(&self, path: &Path, text: &str) -> Result<()> {
        let err = |key: &str, line_key: &str, message: String| {
            Err(Error::config(
                path,
                line_of(text, line_key, 0),
                key,
                message,
            ))
        };
        let t = &self.thresholds;
        if !(0.0 < t.review && t.review < t.auto_match && t.auto_match <= 1.0) {
            return err(
                "thresholds",
                "thresholds",
                format!(
                    "need 0 < review < auto_match <= 1, got review {} and auto_match {}",
                    t.review, t.auto_match
                ),
            );
        }
        for rule in &self.deterministic {
            if rule != "email" && rule != "phone" {
                return err(
                    "deterministic",
                    "deterministic",
                    format!("unknown rule '{rule}'; use email and/or phone"),
                );
            }
        }
        for key in &self.blocking.keys {
            if !BLOCK_KEYS.contains(&key.as_str()) {
                return err(
                    "blocking.keys",
                    "keys",
                    format!(
                        "unknown blocking key '{key}'; use: {}",
                        BLOCK_KEYS.join(", ")
                    ),
                );
            }
        }
        if self.blocking.max_block_size < 2 {
            return err(
                "blocking.max_block_size",
                "max_block_size",
                "must be at least 2".into(),
            );
        }
        for (field, rule) in &self.survivorship.fields {
            if !GOLDEN_FIELDS.contains(&field.as_str()) {
                return err(
                    &format!("survivorship.fields.{field}"),
                    field,
                    format!("unknown field; use: {}", GOLDEN_FIELDS.join(", ")),
                );
            }
            if !RULES.contains(&rule.as_str()) {
                return err(
                    &format!("survivorship.fields.{field}"),
                    field,
                    format!("unknown rule '{rule}'; use: {}", RULES.join(", ")),
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
impl ResolutionConfig {
    /// The configuration the project ships (`config/resolution.yaml`), for tests.
    pub(crate) fn shipped() -> ResolutionConfig {
        let text = include_str!("../../config/resolution.yaml");
        ResolutionConfig::parse(Path::new("config/resolution.yaml"), text)
            .expect("the shipped resolution config is valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_text() -> &'static str {
        include_str!("../../config/resolution.yaml")
    }

    #[test]
    fn the_shipped_config_is_valid() {
        ResolutionConfig::parse(Path::new("config/resolution.yaml"), default_text()).unwrap();
    }

    fn refused(from: &str, to: &str) -> String {
        let text = default_text().replacen(from, to, 1);
        assert_ne!(text, default_text(), "the replacement did not apply");
        ResolutionConfig::parse(Path::new("config/resolution.yaml"), &text)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn bad_configs_name_file_line_and_key() {
        let e = refused("auto_match: 0.85", "auto_match: 0.60");
        let line = default_text()
            .lines()
            .position(|l| l.starts_with("thresholds:"))
            .unwrap()
            + 1;
        assert!(
            e.starts_with(&format!(
                "config/resolution.yaml:{line}: thresholds: need 0 < review < auto_match"
            )),
            "{e}"
        );
        let e = refused("deterministic:", "min_evidence: 0.4\ndeterministic:");
        assert!(
            e.contains("min_evidence: no longer a setting: each run learns the fields' weights"),
            "{e}"
        );
        let e = refused("review: 0.70", "reveiw: 0.70");
        assert!(e.contains("reveiw"), "{e}");
        let e = refused("keys: [email", "keys: [emial");
        assert!(
            e.contains("blocking.keys: unknown blocking key 'emial'"),
            "{e}"
        );
        let e = refused("first_name: most_frequent", "first_name: most_popular");
        assert!(
            e.contains("survivorship.fields.first_name: unknown rule 'most_popular'"),
            "{e}"
        );
    }
}
