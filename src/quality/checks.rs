//! `config/quality_checks.yaml`: the declared checks, typed and validated against the
//! store's schema before anything runs. Errors name the file, line and key.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config::{Project, line_of, parse_yaml};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// Failing rows allowed: a count, or a share of the rows checked ("0.5%").
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Threshold {
    Count(u64),
    Percent(f64),
}

impl Default for Threshold {
    fn default() -> Self {
        Threshold::Count(0)
    }
}

impl Threshold {
    /// Whether `failing` of `total` rows is above this threshold.
    pub fn exceeded(self, failing: u64, total: u64) -> bool {
        match self {
            Threshold::Count(n) => failing > n,
            Threshold::Percent(p) => {
                total > 0 && (failing as f64) * 100.0 > p * total as f64 + 1e-9
            }
        }
    }

    pub fn describe(self) -> String {
        match self {
            Threshold::Count(n) => n.to_string(),
            Threshold::Percent(p) => format!("{p}%"),
        }
    }
}

impl<'de> Deserialize<'de> for Threshold {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Count(i64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Count(n) if n >= 0 => Ok(Threshold::Count(n as u64)),
            Raw::Count(n) => Err(serde::de::Error::custom(format!(
                "a threshold cannot be negative, got {n}"
            ))),
            Raw::Text(t) => {
                let number = t.trim().strip_suffix('%').ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "'{t}' is not a threshold: use a count (3) or a share (\"0.5%\")"
                    ))
                })?;
                let p: f64 = number
                    .trim()
                    .parse()
                    .map_err(|_| serde::de::Error::custom(format!("'{t}' is not a percentage")))?;
                if !(0.0..=100.0).contains(&p) {
                    return Err(serde::de::Error::custom(format!(
                        "a percentage threshold must be 0–100%, got {t}"
                    )));
                }
                Ok(Threshold::Percent(p))
            }
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    pub table: String,
    pub column: String,
}

/// What a check tests. The YAML's `type` picks the variant.
#[derive(Debug, Clone, Deserialize, PartialEq)]
// No `deny_unknown_fields` here: serde cannot combine it with `flatten`, so
// `unknown_keys` below does that job.
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Kind {
    NotNull {
        columns: Vec<String>,
    },
    Unique {
        columns: Vec<String>,
    },
    Format {
        column: String,
        pattern: String,
    },
    AllowedValues {
        column: String,
        values: Vec<String>,
    },
    Range {
        column: String,
        min: Option<f64>,
        max: Option<f64>,
    },
    Freshness {
        column: String,
        max_age_days: i64,
    },
    References {
        column: String,
        references: Reference,
    },
    RowCount {
        min: Option<i64>,
        max: Option<i64>,
    },
    DuplicateSuspicion,
    Reconciliation,
    CustomSql {
        sql: String,
    },
    Membership,
    /// A metric's value (from the metrics engine) within bounds, and within a change from
    /// the previous run.
    Metric {
        metric: String,
        min: Option<f64>,
        max: Option<f64>,
        max_change_percent: Option<f64>,
    },
}

impl Kind {
    pub fn name(&self) -> &'static str {
        match self {
            Kind::NotNull { .. } => "not_null",
            Kind::Unique { .. } => "unique",
            Kind::Format { .. } => "format",
            Kind::AllowedValues { .. } => "allowed_values",
            Kind::Range { .. } => "range",
            Kind::Freshness { .. } => "freshness",
            Kind::References { .. } => "references",
            Kind::RowCount { .. } => "row_count",
            Kind::DuplicateSuspicion => "duplicate_suspicion",
            Kind::Reconciliation => "reconciliation",
            Kind::CustomSql { .. } => "custom_sql",
            Kind::Membership => "membership",
            Kind::Metric { .. } => "metric",
        }
    }

    /// The columns of the check's own table it reads.
    fn columns(&self) -> Vec<&str> {
        match self {
            Kind::NotNull { columns } | Kind::Unique { columns } => {
                columns.iter().map(String::as_str).collect()
            }
            Kind::Format { column, .. }
            | Kind::AllowedValues { column, .. }
            | Kind::Range { column, .. }
            | Kind::Freshness { column, .. }
            | Kind::References { column, .. } => vec![column.as_str()],
            _ => vec![],
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Check {
    pub name: String,
    pub table: String,
    #[serde(flatten)]
    pub kind: Kind,
    pub severity: Severity,
    #[serde(default)]
    pub warn_above: Threshold,
    #[serde(default)]
    pub fail_above: Threshold,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AnomalySettings {
    pub min_history: usize,
    pub sensitivity: f64,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct QualityConfig {
    pub samples: usize,
    pub anomaly: AnomalySettings,
    pub checks: Vec<Check>,
    /// The metric definitions `metric` checks read (loaded with the project's config).
    #[serde(skip)]
    pub metrics: Option<std::sync::Arc<crate::metrics::def::MetricsFile>>,
}

const COMMON_KEYS: &[&str] = &[
    "name",
    "table",
    "type",
    "severity",
    "warn_above",
    "fail_above",
];

fn kind_keys(kind: &str) -> &'static [&'static str] {
    match kind {
        "not_null" | "unique" => &["columns"],
        "format" => &["column", "pattern"],
        "allowed_values" => &["column", "values"],
        "range" => &["column", "min", "max"],
        "freshness" => &["column", "max_age_days"],
        "references" => &["column", "references"],
        "row_count" => &["min", "max"],
        "custom_sql" => &["sql"],
        "metric" => &["metric", "min", "max", "max_change_percent"],
        _ => &[],
    }
}

/// A key a check's type does not take (a typo such as `colums`) is an error, not ignored.
fn unknown_keys(path: &Path, text: &str) -> Result<()> {
    let doc: serde_yaml::Value = parse_yaml(path, text)?;
    let Some(checks) = doc.get("checks").and_then(|c| c.as_sequence()) else {
        return Ok(());
    };
    for check in checks {
        let Some(map) = check.as_mapping() else {
            continue;
        };
        let kind = check.get("type").and_then(|t| t.as_str()).unwrap_or("");
        let name = check.get("name").and_then(|t| t.as_str()).unwrap_or("?");
        for key in map.keys().filter_map(|k| k.as_str()) {
            if !COMMON_KEYS.contains(&key) && !kind_keys(kind).contains(&key) {
                let line = text
                    .lines()
                    .enumerate()
                    .skip(check_line(text, name).saturating_sub(1))
                    .find(|(_, l)| {
                        l.trim_start()
                            .trim_start_matches("- ")
                            .starts_with(&format!("{key}:"))
                    })
                    .map_or(0, |(i, _)| i + 1);
                return Err(Error::config(
                    path,
                    line,
                    format!("checks[{name}].{key}"),
                    format!("a {kind} check has no '{key}'"),
                ));
            }
        }
    }
    Ok(())
}

/// An error about `key` of `check`, at its line of the file.
fn check_error(path: &Path, line: usize, check: &Check, key: &str, message: String) -> Error {
    Error::config(path, line, format!("checks[{}].{key}", check.name), message)
}

/// The 1-based line of `- name: NAME` (0 if not found).
fn check_line(text: &str, name: &str) -> usize {
    text.lines()
        .position(|l| {
            let entry = l.trim_start().trim_start_matches("- ").trim();
            entry
                .strip_prefix("name:")
                .is_some_and(|v| v.trim().trim_matches(['"', '\'']) == name)
        })
        .map_or(0, |i| i + 1)
}

/// Named patterns for `format` checks; anything else is a regular expression.
pub fn named_pattern(pattern: &str) -> &str {
    match pattern {
        "email" => r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$",
        "zip" => r"^[0-9]{5}(-[0-9]{4})?$",
        "phone" => r"^[0-9]{10}$",
        other => other,
    }
}

impl QualityConfig {
    pub fn load(project: &Project) -> Result<QualityConfig> {
        let (path, text) = project.read_config("quality_checks.yaml")?;
        Self::parse(&path, &text)?.with_metrics(project)
    }

    /// Attach the project's metric definitions, and refuse a `metric` check naming a metric
    /// that does not exist.
    pub fn with_metrics(mut self, project: &Project) -> Result<QualityConfig> {
        if !self
            .checks
            .iter()
            .any(|c| matches!(c.kind, Kind::Metric { .. }))
        {
            return Ok(self);
        }
        let file = crate::metrics::def::MetricsFile::load(project)?;
        let (path, text) = project.read_config("quality_checks.yaml")?;
        for check in &self.checks {
            if let Kind::Metric { metric, .. } = &check.kind
                && file.get(metric).is_none()
            {
                return Err(Error::config(
                    &path,
                    check_line(&text, &check.name),
                    format!("checks[{}].metric", check.name),
                    format!("no metric named '{metric}' in metrics_definitions.yaml"),
                ));
            }
        }
        self.metrics = Some(std::sync::Arc::new(file));
        Ok(self)
    }

    pub fn parse(path: &Path, text: &str) -> Result<QualityConfig> {
        let config: QualityConfig = parse_yaml(path, text)?;
        unknown_keys(path, text)?;
        config.validate(path, text)?;
        Ok(config)
    }

    /// Checks that need no store: names, patterns, bounds.
    fn validate(&self, path: &Path, text: &str) -> Result<()> {
        if self.anomaly.min_history < 2 || self.anomaly.sensitivity <= 0.0 {
            return Err(Error::config(
                path,
                line_of(text, "anomaly", 0),
                "anomaly",
                "min_history must be at least 2 and sensitivity positive",
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for check in &self.checks {
            let line = check_line(text, &check.name);
            let fail =
                |key: &str, message: String| Err(check_error(path, line, check, key, message));
            if !seen.insert(check.name.as_str()) {
                return fail("name", "two checks have this name".into());
            }
            match &check.kind {
                Kind::Format { pattern, .. } => {
                    if let Err(e) = regex::Regex::new(named_pattern(pattern)) {
                        return fail("pattern", format!("not a regular expression: {e}"));
                    }
                }
                Kind::Range { min, max, .. } => {
                    if min.is_none() && max.is_none() {
                        return fail("min", "a range needs min, max or both".into());
                    }
                    if let (Some(a), Some(b)) = (min, max)
                        && a > b
                    {
                        return fail("min", format!("min {a} is above max {b}"));
                    }
                }
                Kind::RowCount { min, max } => {
                    if let (Some(a), Some(b)) = (min, max)
                        && a > b
                    {
                        return fail("min", format!("min {a} is above max {b}"));
                    }
                }
                Kind::Freshness { max_age_days, .. } if *max_age_days < 0 => {
                    return fail("max_age_days", "cannot be negative".into());
                }
                Kind::NotNull { columns } | Kind::Unique { columns } if columns.is_empty() => {
                    return fail("columns", "name at least one column".into());
                }
                Kind::AllowedValues { values, .. } if values.is_empty() => {
                    return fail("values", "list the allowed values".into());
                }
                Kind::CustomSql { sql } => {
                    if let Err(why) = single_select(sql) {
                        return fail("sql", why);
                    }
                }
                _ => {}
            }
            if let (Threshold::Count(w), Threshold::Count(f)) = (check.warn_above, check.fail_above)
                && w > f
                && f > 0
            {
                return fail(
                    "warn_above",
                    format!("warn_above {w} is above fail_above {f}"),
                );
            }
        }
        Ok(())
    }

    /// Refuse a check on a table or column the store does not have, before anything runs.
    pub fn validate_against(
        &self,
        path: &Path,
        text: &str,
        columns_of: &dyn Fn(&str) -> Result<Vec<String>>,
    ) -> Result<()> {
        for check in &self.checks {
            let line = check_line(text, &check.name);
            let fail =
                |key: &str, message: String| Err(check_error(path, line, check, key, message));
            let columns = columns_of(&check.table)?;
            if columns.is_empty() {
                return fail("table", format!("the store has no table '{}'", check.table));
            }
            for column in check.kind.columns() {
                if !columns.iter().any(|c| c == column) {
                    return fail(
                        "column",
                        format!("table '{}' has no column '{column}'", check.table),
                    );
                }
            }
            if let Kind::References { references, .. } = &check.kind {
                let target = columns_of(&references.table)?;
                if !target.contains(&references.column) {
                    return fail(
                        "references",
                        format!("no column '{}.{}'", references.table, references.column),
                    );
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: &str = include_str!("../../config/quality_checks.yaml");

    #[test]
    fn the_default_checks_parse_and_thresholds_read_counts_and_shares() {
        let c = QualityConfig::parse(Path::new("q.yaml"), DEFAULT).unwrap();
        assert!(c.checks.len() >= 12);
        assert!(Threshold::Percent(1.0).exceeded(2, 100));
        assert!(!Threshold::Percent(1.0).exceeded(1, 100));
        assert!(Threshold::Count(0).exceeded(1, 100));
        assert!(!Threshold::Count(3).exceeded(3, 100));
    }

    #[test]
    fn bad_definitions_are_refused_with_file_line_and_key() {
        let unknown_type = DEFAULT.replace("type: not_null", "type: not_nul");
        let err = QualityConfig::parse(Path::new("config/quality_checks.yaml"), &unknown_type)
            .unwrap_err()
            .to_string();
        assert!(err.contains("config/quality_checks.yaml:"), "{err}");
        assert!(err.contains("not_nul"), "{err}");

        let bad_share = DEFAULT.replace("fail_above: \"2%\"", "fail_above: \"250%\"");
        let err = QualityConfig::parse(Path::new("q.yaml"), &bad_share)
            .unwrap_err()
            .to_string();
        assert!(err.contains("0–100%"), "{err}");

        let bad_range = DEFAULT.replace("max: 100000000", "max: -5");
        let err = QualityConfig::parse(Path::new("q.yaml"), &bad_range)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("gift amounts are positive") && err.contains("min 1 is above max -5"),
            "{err}"
        );
        let line = DEFAULT
            .lines()
            .position(|l| l.contains("gift amounts are positive"))
            .unwrap()
            + 1;
        assert!(err.contains(&format!("q.yaml:{line}:")), "{err}");

        let bad_regex = DEFAULT.replace("pattern: zip", "pattern: \"([0-9\"");
        let err = QualityConfig::parse(Path::new("q.yaml"), &bad_regex)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a regular expression"), "{err}");
    }

    #[test]
    fn a_misspelt_key_is_refused_not_ignored() {
        let typo = DEFAULT.replace(
            "    min: 1\n    max: 100000000",
            "    min: 1\n    maxx: 100000000",
        );
        let err = QualityConfig::parse(Path::new("q.yaml"), &typo)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("maxx") && err.contains("a range check has no 'maxx'"),
            "{err}"
        );
    }

    #[test]
    fn unknown_tables_and_columns_are_refused_before_running() {
        let c = QualityConfig::parse(Path::new("q.yaml"), DEFAULT).unwrap();
        let schema = |table: &str| -> Result<Vec<String>> {
            Ok(match table {
                "donation" => vec!["id".into(), "amount".into()],
                _ => vec![],
            })
        };
        let err = c
            .validate_against(Path::new("q.yaml"), DEFAULT, &schema)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("the store has no table 'source_record'"),
            "{err}"
        );
    }
}

/// A check's own SQL must be one SELECT: it reads the store, it never changes it.
fn single_select(sql: &str) -> std::result::Result<(), String> {
    use sqlparser::ast::Statement;
    let statements =
        sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::SQLiteDialect {}, sql)
            .map_err(|e| format!("not SQL this check can run: {e}"))?;
    match statements.as_slice() {
        [Statement::Query(_)] => Ok(()),
        [_] => {
            Err("custom_sql must be a SELECT (a check reads the store, it never changes it)".into())
        }
        _ => Err("custom_sql must be a single SELECT statement".into()),
    }
}

#[cfg(test)]
mod custom_sql_tests {
    use super::single_select;

    #[test]
    fn only_a_single_select_is_a_check() {
        assert!(single_select("SELECT count(*) FROM donation WHERE amount_cents < 0").is_ok());
        assert!(single_select("WITH x AS (SELECT 1) SELECT * FROM x").is_ok());
        for bad in [
            "DELETE FROM donation",
            "SELECT 1; DROP TABLE donation",
            "UPDATE constituent SET email = NULL",
            "ATTACH DATABASE 'x' AS y",
        ] {
            assert!(single_select(bad).is_err(), "{bad}");
        }
    }
}
