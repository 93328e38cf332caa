//! `config/metrics_definitions.yaml`: each metric defined once, typed and validated
//! (entities, columns and their types, references between metrics, cycles). Errors name
//! the file, line and key.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config::{Project, parse_yaml};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    Id,
    Text,
    Number,
    Date,
}

/// A relation metrics are computed over, with its columns. Every entity has a
/// `constituent_id` (the golden record) so `exists` filters can correlate on it.
pub struct Entity {
    pub name: &'static str,
    pub columns: &'static [(&'static str, ColumnType)],
    /// The relation in the local store.
    pub sqlite: &'static str,
    /// The table in the warehouse's analytics layer.
    pub warehouse: &'static str,
}

use ColumnType::{Date, Id, Number, Text};

pub const ENTITIES: &[Entity] = &[
    Entity {
        name: "gift",
        columns: &[
            ("constituent_id", Id),
            ("gift_date", Date),
            ("amount", Number),
            ("status", Text),
            ("gift_type", Text),
            ("source_system", Text),
            ("payment_method", Text),
            ("recurring_end", Date),
            ("recurring_status", Text),
            ("campaign", Text),
            ("household_id", Id),
        ],
        // A person with no known home is a household of their own (a negative id).
        sqlite: "(SELECT cm.constituent_id, d.gift_date, d.amount_cents / 100.0 AS amount, d.status,
                d.gift_type, d.source AS source_system, d.payment_method, d.recurring_end,
                d.recurring_status, d.campaign,
                coalesce(hm.household_id, -cm.constituent_id) AS household_id
            FROM donation d JOIN constituent_member cm ON cm.source_record_id = d.source_record_id
            LEFT JOIN household_member hm ON hm.constituent_id = cm.constituent_id)",
        warehouse: "analytics.fct_gift",
    },
    Entity {
        name: "email",
        columns: &[
            ("constituent_id", Id),
            ("period_start", Date),
            ("delivered", Number),
            ("opened", Number),
            ("clicked", Number),
            ("unsubscribed", Number),
        ],
        sqlite: "(SELECT cm.constituent_id, e.period_start, e.sent - e.bounced AS delivered,
                e.opened, e.clicked, e.unsubscribed
            FROM email_event e JOIN constituent_member cm ON cm.source_record_id = e.source_record_id)",
        warehouse: "analytics.fct_email_activity",
    },
    Entity {
        name: "ticket",
        columns: &[
            ("constituent_id", Id),
            ("event_date", Date),
            ("status", Text),
            ("event_name", Text),
        ],
        sqlite: "(SELECT cm.constituent_id, e.event_date, e.status, e.event_name
            FROM event_ticket e JOIN constituent_member cm ON cm.source_record_id = e.source_record_id)",
        warehouse: "analytics.fct_event_ticket",
    },
    Entity {
        name: "subscription",
        columns: &[
            ("constituent_id", Id),
            ("start_date", Date),
            ("end_date", Date),
            ("status", Text),
            ("plan", Text),
        ],
        sqlite: "(SELECT cm.constituent_id, s.start_date, s.end_date, s.status, s.plan
            FROM subscription s JOIN constituent_member cm ON cm.source_record_id = s.source_record_id)",
        warehouse: "analytics.fct_subscription",
    },
    Entity {
        name: "constituent",
        columns: &[
            ("constituent_id", Id),
            ("system_count", Number),
            ("lifetime", Number),
            ("sustainer_status", Text),
            ("churn_tier", Text),
            ("solicitable", Number),
        ],
        // `solicitable` is 0 for someone no channel may reach: their consent (the
        // `constituent_consent` view, the most restrictive of their records) refuses email,
        // phone and mail (do-not-solicit, or deceased where a source codes it so).
        sqlite: "(SELECT c.id AS constituent_id, s.system_count, s.lifetime_cents / 100.0 AS lifetime,
                s.sustainer_status, sc.churn_tier,
                CASE WHEN coalesce(nc.refused, 0) < 3 THEN 1 ELSE 0 END AS solicitable
            FROM constituent c JOIN constituent_summary s ON s.constituent_id = c.id
            LEFT JOIN constituent_score sc ON sc.constituent_id = c.id
            LEFT JOIN (SELECT constituent_id, SUM(opted_out) AS refused FROM constituent_consent
                GROUP BY constituent_id) nc ON nc.constituent_id = c.id
            WHERE c.retired_at IS NULL)",
        warehouse: "analytics.dim_constituent",
    },
];

pub fn entity(name: &str) -> Option<&'static Entity> {
    ENTITIES.iter().find(|e| e.name == name)
}

impl Entity {
    pub fn column(&self, name: &str) -> Option<ColumnType> {
        self.columns
            .iter()
            .find(|(c, _)| *c == name)
            .map(|(_, t)| *t)
    }
}

/// A date relative to the as-of date, resolved when a metric is rendered.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RelativeDate {
    AsOf,
    MonthsBeforeAsOf(u32),
    DaysBeforeAsOf(u32),
    /// The start of a fiscal year: 0 = the current one, -1 = the previous one, …
    FiscalYearStart(i32),
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Literal {
    Date(RelativeDate),
    Number(f64),
    Text(String),
    List(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Exists {
    pub entity: String,
    #[serde(default)]
    pub filters: Vec<Filter>,
}

/// The constituent's total of `column` over the `this` rows exceeds its total over the
/// `than` rows (an upgrade: gave more this period than last).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GreaterTotal {
    pub entity: String,
    pub column: String,
    pub this: Vec<Filter>,
    pub than: Vec<Filter>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Filter {
    Compare {
        column: String,
        op: String,
        #[serde(default)]
        value: Option<Literal>,
    },
    Exists {
        exists: Exists,
    },
    NotExists {
        not_exists: Exists,
    },
    GreaterTotal {
        greater_total: GreaterTotal,
    },
}

pub const OPS: &[&str] = &[
    "=",
    "!=",
    ">",
    ">=",
    "<",
    "<=",
    "in",
    "not_in",
    "is_null",
    "is_not_null",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    Count,
    CountDistinct,
    Sum,
    Average,
    Median,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    pub aggregate: Aggregate,
    #[serde(default)]
    pub column: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Version {
    pub version: u32,
    pub date: String,
    pub author: String,
    pub change: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricType {
    /// An aggregate over one entity.
    Simple,
    /// numerator ÷ denominator, two other metrics.
    Ratio,
    /// Arithmetic over other metrics.
    Derived,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MetricDef {
    pub name: String,
    pub display_name: String,
    /// A label where room is short (the console's retention-by-lifecycle strip).
    #[serde(default)]
    pub short_name: Option<String>,
    pub category: String,
    pub definition: String,
    pub owner: String,
    pub steward: String,
    #[serde(rename = "type")]
    pub kind: MetricType,
    #[serde(default)]
    pub entity: Option<String>,
    #[serde(default)]
    pub measure: Option<Measure>,
    #[serde(default)]
    pub filters: Vec<Filter>,
    #[serde(default)]
    pub numerator: Option<String>,
    #[serde(default)]
    pub denominator: Option<String>,
    #[serde(default)]
    pub formula: Option<String>,
    #[serde(default)]
    pub dimensions: Vec<String>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Hand-written SQL per dialect, used instead of the generated statement.
    #[serde(default)]
    pub sql: BTreeMap<String, String>,
    pub versions: Vec<Version>,
}

impl MetricDef {
    pub fn version(&self) -> u32 {
        self.versions.iter().map(|v| v.version).max().unwrap_or(0)
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsFile {
    pub fiscal_year_start_month: u32,
    pub metrics: Vec<MetricDef>,
}

/// The names a derived formula refers to.
pub fn formula_names(formula: &str) -> Vec<String> {
    formula
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty() && !w.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(str::to_string)
        .collect()
}

impl MetricsFile {
    pub fn load(project: &Project) -> Result<MetricsFile> {
        let (path, text) = project.read_config("metrics_definitions.yaml")?;
        Self::parse(&path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<MetricsFile> {
        let file: MetricsFile = parse_yaml(path, text)?;
        file.validate(path, text)?;
        Ok(file)
    }

    pub fn get(&self, name: &str) -> Option<&MetricDef> {
        self.metrics.iter().find(|m| m.name == name)
    }

    /// The metric `name`, or an error a user can act on.
    pub fn require(&self, name: &str) -> Result<&MetricDef> {
        self.get(name).ok_or_else(|| {
            Error::Usage(format!("no metric named '{name}' (see `cpm metrics list`)"))
        })
    }

    fn validate(&self, path: &Path, text: &str) -> Result<()> {
        if !(1..=12).contains(&self.fiscal_year_start_month) {
            return Err(Error::config(
                path,
                key_line(text, "fiscal_year_start_month", None),
                "fiscal_year_start_month",
                "must be a month, 1–12",
            ));
        }
        let names: HashMap<&str, &MetricDef> =
            self.metrics.iter().map(|m| (m.name.as_str(), m)).collect();
        if names.len() < self.metrics.len() {
            let mut seen = std::collections::HashSet::new();
            if let Some(twice) = self.metrics.iter().find(|m| !seen.insert(m.name.as_str())) {
                // The second definition's line: the one a person just added.
                let first = key_line(text, "name", Some(&twice.name));
                let second = text
                    .lines()
                    .enumerate()
                    .skip(first)
                    .find(|(_, l)| {
                        l.trim_start().trim_start_matches("- ") == format!("name: {}", twice.name)
                    })
                    .map_or(first, |(i, _)| i + 1);
                return Err(Error::config(
                    path,
                    second,
                    format!("metrics[{}].name", twice.name),
                    "two metrics have this name; names must be unique",
                ));
            }
        }
        for m in &self.metrics {
            let fail = |key: &str, message: String| {
                Err(Error::config(
                    path,
                    key_line(text, key.split('.').next().unwrap_or(key), Some(&m.name)),
                    format!("metrics[{}].{key}", m.name),
                    message,
                ))
            };
            if m.owner.trim().is_empty() || m.steward.trim().is_empty() {
                return fail("owner", "every metric needs an owner and a steward".into());
            }
            if m.versions.is_empty() {
                return fail("versions", "record at least one version".into());
            }
            for dialect in m.sql.keys() {
                if !super::render::Dialect::ALL
                    .iter()
                    .any(|d| d.name() == dialect)
                {
                    return fail("sql", format!("unknown dialect '{dialect}'"));
                }
            }
            match m.kind {
                MetricType::Simple => {
                    let Some(entity) = m.entity.as_deref().and_then(entity) else {
                        return fail(
                            "entity",
                            format!(
                                "a simple metric needs an entity, one of: {}",
                                ENTITIES
                                    .iter()
                                    .map(|e| e.name)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        );
                    };
                    let Some(measure) = &m.measure else {
                        return fail("measure", "a simple metric needs a measure".into());
                    };
                    match (&measure.column, measure.aggregate) {
                        (None, Aggregate::Count) => {}
                        (None, _) => {
                            return fail("measure", "this aggregate needs a column".into());
                        }
                        (Some(c), aggregate) => match entity.column(c) {
                            None => {
                                return fail(
                                    "measure",
                                    format!("entity '{}' has no column '{c}'", entity.name),
                                );
                            }
                            Some(t)
                                if matches!(
                                    aggregate,
                                    Aggregate::Sum | Aggregate::Average | Aggregate::Median
                                ) && t != ColumnType::Number =>
                            {
                                return fail(
                                    "measure",
                                    format!("cannot {aggregate:?} '{c}': it is not a number"),
                                );
                            }
                            _ => {}
                        },
                    }
                    if let Err(message) = check_filters(entity, &m.filters) {
                        return fail("filters", message);
                    }
                    for d in &m.dimensions {
                        if entity.column(d).is_none() {
                            return fail(
                                "dimensions",
                                format!("entity '{}' has no column '{d}'", entity.name),
                            );
                        }
                    }
                }
                MetricType::Ratio => {
                    for (key, part) in
                        [("numerator", &m.numerator), ("denominator", &m.denominator)]
                    {
                        match part {
                            Some(name) if names.contains_key(name.as_str()) => {}
                            Some(name) => return fail(key, format!("no metric named '{name}'")),
                            None => return fail(key, format!("a ratio needs a {key}")),
                        }
                    }
                }
                MetricType::Derived => {
                    let Some(formula) = &m.formula else {
                        return fail("formula", "a derived metric needs a formula".into());
                    };
                    for name in formula_names(formula) {
                        if !names.contains_key(name.as_str()) {
                            return fail("formula", format!("no metric named '{name}'"));
                        }
                    }
                }
            }
            if let Some(cycle) = cycle_from(&m.name, &names, &mut Vec::new()) {
                return fail(
                    "formula",
                    format!("circular definition: {}", cycle.join(" → ")),
                );
            }
        }
        Ok(())
    }
}

fn depends_on(m: &MetricDef) -> Vec<String> {
    match m.kind {
        MetricType::Simple => vec![],
        MetricType::Ratio => m
            .numerator
            .iter()
            .chain(m.denominator.iter())
            .cloned()
            .collect(),
        MetricType::Derived => m.formula.as_deref().map(formula_names).unwrap_or_default(),
    }
}

fn cycle_from(
    name: &str,
    metrics: &HashMap<&str, &MetricDef>,
    path: &mut Vec<String>,
) -> Option<Vec<String>> {
    if let Some(start) = path.iter().position(|p| p == name) {
        let mut cycle = path[start..].to_vec();
        cycle.push(name.to_string());
        return Some(cycle);
    }
    let m = metrics.get(name)?;
    path.push(name.to_string());
    for dep in depends_on(m) {
        if let Some(cycle) = cycle_from(&dep, metrics, path) {
            return Some(cycle);
        }
    }
    path.pop();
    None
}

fn check_filters(entity: &Entity, filters: &[Filter]) -> std::result::Result<(), String> {
    for f in filters {
        match f {
            Filter::Compare { column, op, value } => {
                let Some(t) = entity.column(column) else {
                    return Err(format!("entity '{}' has no column '{column}'", entity.name));
                };
                if !OPS.contains(&op.as_str()) {
                    return Err(format!(
                        "unknown operator '{op}' (use one of {})",
                        OPS.join(" ")
                    ));
                }
                let fits = match (value, op.as_str()) {
                    (None, "is_null" | "is_not_null") => true,
                    (None, _) => false,
                    (Some(Literal::List(_)), "in" | "not_in") => t == ColumnType::Text,
                    (Some(Literal::Date(_)), _) => t == ColumnType::Date,
                    (Some(Literal::Number(_)), _) => {
                        matches!(t, ColumnType::Number | ColumnType::Id)
                    }
                    (Some(Literal::Text(_)), _) => t == ColumnType::Text,
                    (Some(Literal::List(_)), _) => false,
                };
                if !fits {
                    return Err(format!(
                        "'{column}' ({t:?}) cannot be compared with {op} {value:?}"
                    ));
                }
            }
            Filter::Exists { exists: e } | Filter::NotExists { not_exists: e } => {
                let Some(inner) = self::entity(&e.entity) else {
                    return Err(format!("no entity '{}'", e.entity));
                };
                check_filters(inner, &e.filters)?;
            }
            Filter::GreaterTotal { greater_total: g } => {
                let Some(inner) = self::entity(&g.entity) else {
                    return Err(format!("no entity '{}'", g.entity));
                };
                if inner.column(&g.column) != Some(ColumnType::Number) {
                    return Err(format!(
                        "'{}' is not a number column of '{}'",
                        g.column, g.entity
                    ));
                }
                check_filters(inner, &g.this)?;
                check_filters(inner, &g.than)?;
            }
        }
    }
    Ok(())
}

/// The line of `key:` inside the metric named `metric` (or anywhere), for errors.
fn key_line(text: &str, key: &str, metric: Option<&str>) -> usize {
    let start = metric
        .and_then(|m| {
            text.lines().position(|l| {
                l.trim_start().trim_start_matches("- ").trim() == format!("name: {m}")
            })
        })
        .unwrap_or(0);
    text.lines()
        .enumerate()
        .skip(start)
        .find(|(_, l)| {
            l.trim_start()
                .trim_start_matches("- ")
                .starts_with(&format!("{key}:"))
        })
        .map_or(start + 1, |(i, _)| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_metric_name_used_twice_is_refused_at_the_second_definition() {
        let text = include_str!("../../config/metrics_definitions.yaml");
        let first = text.find("  - name: active_members").expect("first metric");
        let end = text[first + 4..]
            .find("\n  - name:")
            .expect("second metric")
            + first
            + 5;
        let doubled = format!("{text}\n{}", &text[first..end]);
        let err = MetricsFile::parse(Path::new("m.yaml"), &doubled)
            .expect_err("refused")
            .to_string();
        let second_line = doubled.lines().count() - text[first..end].lines().count() + 1;
        assert!(
            err.starts_with(&format!(
                "m.yaml:{second_line}: metrics[active_members].name: two metrics"
            )),
            "{err}"
        );
    }
}
