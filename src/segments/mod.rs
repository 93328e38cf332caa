//! Audience segments (`config/segments.yaml`): a rule over golden records' fields, scores
//! and consent, compiled to SQL over the store's `constituent_profile` view; counts, member
//! lists, and an export for a campaign that leaves out who may not be contacted on its
//! channel and records each person exported as a contact.

use std::path::Path;

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};
use serde::{Deserialize, Serialize};

use crate::config::{Project, line_of, parse_yaml};
use crate::error::{Error, Result};
use crate::vocab::consent::Channel;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentsFile {
    pub segments: Vec<Segment>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    pub name: String,
    pub display_name: String,
    pub owner: String,
    /// The channel a campaign to this segment uses: consent is checked on it.
    pub channel: Channel,
    /// Conditions that must all hold.
    pub rule: Vec<Condition>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    pub op: String,
    #[serde(default)]
    pub value: Option<serde_yaml::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Number,
    Text,
    Flag,
}

/// The fields a rule may use: columns of `constituent_profile`.
const FIELDS: &[(&str, Kind)] = &[
    ("lifetime", Kind::Number),
    ("giving_12m", Kind::Number),
    ("gift_count", Kind::Number),
    ("days_since_gift", Kind::Number),
    ("monthly_amount", Kind::Number),
    ("events_attended", Kind::Number),
    ("email_opens_12m", Kind::Number),
    ("email_sent_12m", Kind::Number),
    ("system_count", Kind::Number),
    ("churn_probability", Kind::Number),
    ("engagement", Kind::Number),
    ("days_since_contact", Kind::Number),
    ("sustainer_status", Kind::Text),
    ("subscription_status", Kind::Text),
    ("churn_tier", Kind::Text),
    ("upgrade_path", Kind::Text),
    ("may_email", Kind::Flag),
    ("may_call", Kind::Flag),
    ("may_mail", Kind::Flag),
];

const OPS: &[&str] = &[
    "=",
    "!=",
    ">",
    ">=",
    "<",
    "<=",
    "in",
    "not_in",
    "is_empty",
    "not_empty",
];

impl SegmentsFile {
    pub fn load(project: &Project) -> Result<SegmentsFile> {
        let (path, text) = project.read_config("segments.yaml")?;
        Self::parse(&path, &text)
    }

    /// Parse and check every rule; a bad one is refused with file, line and key.
    pub fn parse(path: &Path, text: &str) -> Result<SegmentsFile> {
        let file: SegmentsFile = parse_yaml(path, text)?;
        let mut seen = std::collections::HashSet::new();
        for segment in &file.segments {
            let at = text
                .lines()
                .position(|l| l.contains(&format!("name: {}", segment.name)))
                .map_or(1, |i| i + 1);
            let refuse = |key: String, message: String| {
                Err(Error::config(
                    path,
                    line_of(text, key.rsplit('.').next().unwrap_or(""), at).max(at),
                    key,
                    message,
                ))
            };
            if !seen.insert(&segment.name) {
                return refuse(
                    format!("{}.name", segment.name),
                    "segment names must be unique".into(),
                );
            }
            if segment.rule.is_empty() {
                return refuse(
                    format!("{}.rule", segment.name),
                    "a rule needs at least one condition (a segment of everyone is a list, not a segment)".into(),
                );
            }
            for (i, condition) in segment.rule.iter().enumerate() {
                if let Err(message) = condition.compile() {
                    let key = format!("{}.rule[{i}]", segment.name);
                    let line = text
                        .lines()
                        .enumerate()
                        .skip(at)
                        .filter(|(_, l)| l.contains("field:"))
                        .nth(i)
                        .map_or(at, |(n, _)| n + 1);
                    return Err(Error::config(path, line, key, message));
                }
            }
        }
        Ok(file)
    }

    pub fn get(&self, name: &str) -> Result<&Segment> {
        self.segments
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| {
                let names: Vec<&str> = self.segments.iter().map(|s| s.name.as_str()).collect();
                Error::Usage(format!(
                    "no segment named '{name}'; config/segments.yaml has: {}",
                    names.join(", ")
                ))
            })
    }
}

impl Condition {
    /// The condition as SQL over `constituent_profile`, with its parameters.
    fn compile(&self) -> std::result::Result<(String, Vec<Value>), String> {
        let Some(&(field, kind)) = FIELDS.iter().find(|(f, _)| *f == self.field) else {
            let names: Vec<&str> = FIELDS.iter().map(|(f, _)| *f).collect();
            return Err(format!(
                "unknown field '{}'; a rule may use: {}",
                self.field,
                names.join(", ")
            ));
        };
        if !OPS.contains(&self.op.as_str()) {
            return Err(format!(
                "unknown op '{}'; use one of: {}",
                self.op,
                OPS.join(", ")
            ));
        }
        let scalar = |v: &serde_yaml::Value| -> std::result::Result<Value, String> {
            match (kind, v) {
                (Kind::Number, serde_yaml::Value::Number(n)) => n
                    .as_f64()
                    .map(Value::Real)
                    .ok_or_else(|| "not a number".into()),
                (Kind::Text, serde_yaml::Value::String(s)) => Ok(Value::Text(s.clone())),
                (Kind::Flag, serde_yaml::Value::Bool(b)) => Ok(Value::Integer(i64::from(*b))),
                (Kind::Number, _) => Err(format!("{field} compares with a number")),
                (Kind::Text, _) => Err(format!("{field} compares with text")),
                (Kind::Flag, _) => Err(format!("{field} is true or false")),
            }
        };
        match (self.op.as_str(), &self.value) {
            ("is_empty", None) => Ok((format!("{field} IS NULL"), vec![])),
            ("not_empty", None) => Ok((format!("{field} IS NOT NULL"), vec![])),
            ("is_empty" | "not_empty", Some(_)) => Err(format!("{} takes no value", self.op)),
            (_, None) => Err(format!("op '{}' needs a value", self.op)),
            ("in" | "not_in", Some(serde_yaml::Value::Sequence(items))) if !items.is_empty() => {
                let values = items
                    .iter()
                    .map(scalar)
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                let marks = vec!["?"; values.len()].join(", ");
                let not = if self.op == "not_in" { "NOT " } else { "" };
                Ok((format!("{field} {not}IN ({marks})"), values))
            }
            ("in" | "not_in", Some(_)) => Err(format!("{} takes a non-empty list", self.op)),
            (_, Some(serde_yaml::Value::Sequence(_))) => {
                Err(format!("op '{}' takes one value, not a list", self.op))
            }
            (op, Some(value)) => {
                let value = scalar(value)?;
                if kind != Kind::Number && !matches!(op, "=" | "!=") {
                    return Err(format!("{field} is compared with = or != only"));
                }
                let op = if op == "!=" { "IS NOT" } else { op };
                Ok((format!("{field} {op} ?"), vec![value]))
            }
        }
    }
}

impl Segment {
    /// The rule in words: "sustainer_status in [cancelled, lapsed] and email_opens_12m > 0".
    pub fn describe(&self) -> String {
        let conditions: Vec<String> = self
            .rule
            .iter()
            .map(|c| {
                let value = match &c.value {
                    None => String::new(),
                    Some(serde_yaml::Value::Sequence(items)) => {
                        let items: Vec<String> = items.iter().map(yaml_text).collect();
                        format!(" [{}]", items.join(", "))
                    }
                    Some(v) => format!(" {}", yaml_text(v)),
                };
                format!("{} {}{value}", c.field, c.op)
            })
            .collect();
        conditions.join(" and ")
    }

    /// The WHERE clause and parameters selecting the segment's members.
    fn filter(&self) -> Result<(String, Vec<Value>)> {
        let mut clauses = Vec::new();
        let mut values = Vec::new();
        for condition in &self.rule {
            let (sql, params) = condition
                .compile()
                .map_err(|m| Error::Invalid(format!("segment {}: {m}", self.name)))?;
            clauses.push(sql);
            values.extend(params);
        }
        Ok((clauses.join(" AND "), values))
    }

    fn consent_column(&self) -> &'static str {
        match self.channel {
            Channel::Email => "may_email",
            Channel::Phone => "may_call",
            Channel::Mail => "may_mail",
        }
    }
}

fn yaml_text(value: &serde_yaml::Value) -> String {
    match value {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        other => format!("{other:?}"),
    }
}

/// How many people a segment holds, and how many of them may be contacted on its channel.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SegmentCount {
    pub name: String,
    pub display_name: String,
    pub owner: String,
    pub channel: Channel,
    pub members: i64,
    pub may_be_contacted: i64,
}

pub fn count(conn: &Connection, segment: &Segment) -> Result<SegmentCount> {
    let (filter, values) = segment.filter()?;
    let (members, contactable): (i64, Option<i64>) = conn.query_row(
        &format!(
            "SELECT count(*), sum({}) FROM constituent_profile WHERE {filter}",
            segment.consent_column()
        ),
        params_from_iter(values),
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(SegmentCount {
        name: segment.name.clone(),
        display_name: segment.display_name.clone(),
        owner: segment.owner.clone(),
        channel: segment.channel,
        members,
        may_be_contacted: contactable.unwrap_or(0),
    })
}

/// One member as a list or an export shows them.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Member {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub zip: Option<String>,
    pub household: Option<String>,
    pub engagement: i64,
    pub lifetime: f64,
    /// May be contacted on the segment's channel.
    pub may_contact: bool,
    #[serde(skip)]
    constituent_id: i64,
    #[serde(skip)]
    household_id: Option<i64>,
}

/// The segment's members, most engaged first (`limit` of them).
pub fn members(conn: &Connection, segment: &Segment, limit: usize) -> Result<Vec<Member>> {
    let (filter, mut values) = segment.filter()?;
    values.push(Value::Integer(limit.min(i64::MAX as usize) as i64));
    let sql = format!(
        "SELECT constituent_id, name, email, phone, address1, city, zip, household_id, engagement,
                lifetime, {}
         FROM constituent_profile WHERE {filter}
         ORDER BY engagement DESC, lifetime DESC, constituent_id LIMIT ?",
        segment.consent_column()
    );
    let mut statement = conn.prepare(&sql)?;
    let rows = statement.query_map(params_from_iter(values), |r| {
        let id: i64 = r.get(0)?;
        let household_id: Option<i64> = r.get(7)?;
        Ok(Member {
            id: crate::store::browse::golden_id(id),
            name: r.get(1)?,
            email: r.get(2)?,
            phone: r
                .get::<_, Option<String>>(3)?
                .map(|p| crate::normalize::display_phone(&p)),
            address: r.get(4)?,
            city: r.get(5)?,
            zip: r.get(6)?,
            household: household_id.map(crate::store::household::household_id),
            engagement: r.get(8)?,
            lifetime: r.get(9)?,
            may_contact: r.get(10)?,
            constituent_id: id,
            household_id,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What an export wrote and whom it left out.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct SegmentExport {
    pub rows: usize,
    /// Members who may not be contacted on the segment's channel.
    pub left_out_consent: usize,
    /// Other members of a household already on the list (with `one_per_household`).
    pub left_out_household: usize,
}

impl SegmentExport {
    /// "left out 12 who may not be contacted by email and 3 others of a household
    /// already listed".
    pub fn left_out_note(&self, channel: Channel, one_per_household: bool) -> String {
        let households = if one_per_household {
            format!(
                " and {} others of a household already listed",
                self.left_out_household
            )
        } else {
            String::new()
        };
        format!(
            "left out {} who may not be contacted by {}{households}",
            self.left_out_consent,
            channel.name()
        )
    }
}

/// Write the segment's contactable members as CSV (owner-only), one per household if
/// asked (the most engaged), and record each as contacted on the channel by `actor`.
pub fn export(
    conn: &Connection,
    segment: &Segment,
    path: &Path,
    one_per_household: bool,
    actor: &str,
) -> Result<SegmentExport> {
    let everyone = members(conn, segment, usize::MAX >> 1)?;
    let mut summary = SegmentExport::default();
    let mut homes = std::collections::HashSet::new();
    let mut chosen = Vec::new();
    for member in everyone {
        if !member.may_contact {
            summary.left_out_consent += 1;
        } else if one_per_household && member.household_id.is_some_and(|h| !homes.insert(h)) {
            summary.left_out_household += 1;
        } else {
            chosen.push(member);
        }
    }
    summary.rows = chosen.len();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let file = crate::store::create_private(path)?;
    let mut out = csv::Writer::from_writer(file);
    out.write_record([
        "constituent_id",
        "name",
        "email",
        "phone",
        "address",
        "city",
        "zip",
        "household_id",
        "engagement",
    ])?;
    let text = |v: &str| crate::text::spreadsheet_cell(v).into_owned();
    for m in &chosen {
        out.write_record([
            m.id.clone(),
            text(&m.name),
            text(m.email.as_deref().unwrap_or("")),
            text(m.phone.as_deref().unwrap_or("")),
            text(m.address.as_deref().unwrap_or("")),
            text(m.city.as_deref().unwrap_or("")),
            text(m.zip.as_deref().unwrap_or("")),
            m.household.clone().unwrap_or_default(),
            m.engagement.to_string(),
        ])?;
    }
    out.flush().map_err(|e| Error::io(path, e))?;
    let ids: Vec<i64> = chosen.iter().map(|m| m.constituent_id).collect();
    let export = crate::store::contact::ContactExport {
        channel: segment.channel,
        kind: "campaign export",
        detail: &segment.name,
        action: "segment_export",
    };
    crate::store::contact::record_export(conn, &ids, &export, actor, path)?;
    Ok(summary)
}

/// The fields the store adds for contacting people, as a data dictionary section: what
/// consent, households, contact history and engagement hold, and every segment's rule.
pub fn dictionary(file: &SegmentsFile) -> String {
    const FIELDS: &[(&str, &str, &str)] = &[
        (
            "raw.record_consent",
            "source_record_id, channel",
            "One source record's answer on one channel (email, phone, mail): opted_out 1/0, the source's own code, recorded_on when it says; a later load of the source replaces it.",
        ),
        (
            "golden.constituent_consent",
            "constituent_id, channel",
            "A golden record's consent: the most restrictive of its records (the latest opt-out names the record), conflicting when its records disagree. A view: merges and unmerges carry it.",
        ),
        (
            "golden.household",
            "id",
            "Golden records at one home (address, unit, ZIP; at a home with more than four, those sharing a surname, phone or mailbox); the id is kept while most members stay.",
        ),
        (
            "golden.household_member",
            "constituent_id",
            "Which household a golden record lives in.",
        ),
        (
            "staging.household_link",
            "id",
            "A steward's \"same household, different people\" on two source records (revoked_at when undone).",
        ),
        (
            "golden.contact_event",
            "id",
            "Each time a person was reached: when, by whom, channel, kind (triage call, campaign export), outcome, detail (the segment).",
        ),
        (
            "analytics.fct_gift.household_id",
            "",
            "The giver's household (a negative golden id when the giver has no known home): households_giving_12m counts these.",
        ),
        (
            "constituent_profile (local store)",
            "constituent_id",
            "What segments select on: giving, membership, engagement (0-100: recency 30, giving 20, email 25, events 15, newspaper 10), scores, may_email / may_call / may_mail, days_since_contact.",
        ),
    ];
    let mut out = String::from(
        "\n# Contact data: consent, households, contact history, segments\n\n\
         Generated with the metrics above (`cpm metrics dictionary`) from the store's schema and \
         `config/segments.yaml`.\n\n| table or field | key | holds |\n|---|---|---|\n",
    );
    for (table, key, holds) in FIELDS {
        out.push_str(&format!("| `{table}` | {key} | {holds} |\n"));
    }
    out.push_str("\n## Segments\n\n| segment | owner | channel | rule |\n|---|---|---|---|\n");
    for segment in &file.segments {
        out.push_str(&format!(
            "| {} (`{}`) | {} | {} | {} |\n",
            segment.display_name,
            segment.name,
            segment.owner,
            segment.channel.name(),
            segment.describe()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(yaml: &str) -> String {
        SegmentsFile::parse(Path::new("segments.yaml"), yaml)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    const HEAD: &str = "segments:\n  - name: s\n    display_name: S\n    owner: me\n    channel: email\n    rule:\n";

    #[test]
    fn the_shipped_segments_parse() {
        let text = include_str!("../../config/segments.yaml");
        let file = SegmentsFile::parse(Path::new("segments.yaml"), text).unwrap();
        assert!(file.segments.len() >= 3);
    }

    #[test]
    fn a_bad_rule_is_refused_with_its_line_and_key() {
        let err = refused(&format!(
            "{HEAD}      - {{ field: engagement, op: \">\", value: 1 }}\n      - {{ field: wealth, op: \">\", value: 1 }}\n"
        ));
        assert!(
            err.contains("segments.yaml:8")
                && err.contains("s.rule[1]")
                && err.contains("unknown field 'wealth'"),
            "{err}"
        );
        let err = refused(&format!(
            "{HEAD}      - {{ field: churn_tier, op: \">\", value: high }}\n"
        ));
        assert!(err.contains("= or != only"), "{err}");
        let err = refused(&format!(
            "{HEAD}      - {{ field: engagement, op: \">\", value: lots }}\n"
        ));
        assert!(err.contains("compares with a number"), "{err}");
        let err = refused(&format!(
            "{HEAD}      - {{ field: engagement, op: between, value: 1 }}\n"
        ));
        assert!(err.contains("unknown op 'between'"), "{err}");
        let err = refused(
            "segments:\n  - name: s\n    display_name: S\n    owner: me\n    channel: fax\n    rule: []\n",
        );
        assert!(err.contains("segments.yaml:5"), "{err}");
    }

    #[test]
    fn conditions_compile_to_parameterised_sql() {
        let condition = Condition {
            field: "sustainer_status".into(),
            op: "in".into(),
            value: Some(serde_yaml::from_str("[lapsed, cancelled]").unwrap()),
        };
        let (sql, values) = condition.compile().unwrap();
        assert_eq!(sql, "sustainer_status IN (?, ?)");
        assert_eq!(
            values,
            vec![
                Value::Text("lapsed".into()),
                Value::Text("cancelled".into())
            ]
        );
    }
}
