//! `config/resolution.yaml`: typed and validated (weights in range and summing to 1,
//! thresholds ordered, known fields, keys and rules). Errors name file, line and key.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::config::{Project, line_of, parse_yaml};
use crate::error::{Error, Result};

/// The compared fields, in the order a pair's contributions list them.
pub const FIELDS: [&str; 7] = [
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
    "phone",
    "last_soundex_zip",
    "first_last",
    "first_zip",
    "address_zip",
    "names_zip",
    "first_zip_initial",
    "first_last_birth_year",
    "birth_zip",
    "initial_birth",
];
pub const RULES: &[&str] = &["most_recent", "most_frequent", "source_priority", "longest"];
/// The golden record's fields survivorship fills: the compared ones.
pub const GOLDEN_FIELDS: &[&str] = &FIELDS;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub auto_match: f64,
    pub review: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guards {
    pub first_name_conflict_below: f64,
    pub cap: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Blocking {
    pub max_block_size: usize,
    pub keys: Vec<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldWeight {
    pub weight: f64,
    pub disagreement: f64,
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
    pub min_evidence: f64,
    /// A names-only pair (no identifier in common) merges when fewer namesakes than this
    /// are expected by chance in its ZIP.
    pub rare_name_below: f64,
    pub deterministic: Vec<String>,
    pub guards: Guards,
    pub blocking: Blocking,
    pub fields: BTreeMap<String, FieldWeight>,
    pub survivorship: Survivorship,
}

impl ResolutionConfig {
    pub fn weight(&self, field: &str) -> FieldWeight {
        self.fields.get(field).copied().unwrap_or(FieldWeight {
            weight: 0.0,
            disagreement: 1.0,
        })
    }

    pub fn load(project: &Project) -> Result<ResolutionConfig> {
        let (path, text) = project.read_config("resolution.yaml")?;
        Self::parse(&path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<ResolutionConfig> {
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
        if !(0.0..=1.0).contains(&self.rare_name_below) {
            return err(
                "rare_name_below",
                "rare_name_below",
                format!("must be between 0 and 1, got {}", self.rare_name_below),
            );
        }
        if !(0.0..=1.0).contains(&self.min_evidence) {
            return err(
                "min_evidence",
                "min_evidence",
                format!("must be between 0 and 1, got {}", self.min_evidence),
            );
        }
        for (name, w) in &self.fields {
            if !FIELDS.contains(&name.as_str()) {
                return err(
                    &format!("fields.{name}"),
                    name,
                    format!("unknown field; use one of: {}", FIELDS.join(", ")),
                );
            }
            if !(0.0..=1.0).contains(&w.weight) || !(0.0..=1.0).contains(&w.disagreement) {
                return err(
                    &format!("fields.{name}"),
                    name,
                    format!(
                        "weight and disagreement must be between 0 and 1, got {} and {}",
                        w.weight, w.disagreement
                    ),
                );
            }
        }
        let total: f64 = self.fields.values().map(|w| w.weight).sum();
        if (total - 1.0).abs() > 1e-6 {
            return err(
                "fields",
                "fields",
                format!("field weights must sum to 1, they sum to {total:.4}"),
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
        if !(0.0..=1.0).contains(&self.guards.cap)
            || !(0.0..=1.0).contains(&self.guards.first_name_conflict_below)
        {
            return err(
                "guards",
                "guards",
                "cap and first_name_conflict_below must be between 0 and 1".into(),
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
        assert!(
            e.starts_with("config/resolution.yaml:2: thresholds: need 0 < review < auto_match"),
            "{e}"
        );
        let e = refused(
            "email:         { weight: 0.25",
            "email:         { weight: 1.25",
        );
        assert!(
            e.contains(": fields.email: weight and disagreement must be between 0 and 1"),
            "{e}"
        );
        let line = default_text()
            .lines()
            .position(|l| l.trim_start().starts_with("email:         {"))
            .unwrap()
            + 1;
        assert!(
            e.starts_with(&format!("config/resolution.yaml:{line}:")),
            "{e}"
        );
        let e = refused(
            "email:         { weight: 0.25",
            "email:         { weight: 0.20",
        );
        assert!(
            e.contains("fields: field weights must sum to 1, they sum to 0.9500"),
            "{e}"
        );
        let e = refused("min_evidence: 0.40", "min_evidnce: 0.40");
        assert!(e.contains("min_evidnce"), "{e}");
        let e = refused("rare_name_below: 0.15", "rare_name_below: 2");
        assert!(
            e.contains("config/resolution.yaml:")
                && e.contains("rare_name_below: must be between 0 and 1"),
            "{e}"
        );
        let e = refused("first_name: most_frequent", "first_name: most_popular");
        assert!(
            e.contains("survivorship.fields.first_name: unknown rule 'most_popular'"),
            "{e}"
        );
    }
}
