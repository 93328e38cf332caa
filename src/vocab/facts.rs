//! The canonical fact tables a connector can feed, their fields and types, and the parsing
//! of one CSV value into a typed value. The source-to-canonical column mapping itself is
//! data (`config/sources.yaml`).

use rusqlite::types::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    Date,
    /// Dollars in the file ("12.50", "$1,000"), cents in the store.
    Money,
    Int,
    Bool,
}

#[derive(Debug)]
pub struct FactField {
    /// The canonical name used in sources.yaml.
    pub name: &'static str,
    /// The column in the store's table.
    pub column: &'static str,
    pub kind: FieldType,
    pub required: bool,
    /// Used when the source has no column for the field or leaves it empty.
    pub default: Option<&'static str>,
}

#[derive(Debug)]
pub struct FactSchema {
    pub table: &'static str,
    /// The field that identifies a fact within its source (re-ingest updates by it).
    pub key: &'static str,
    pub fields: &'static [FactField],
}

impl FactSchema {
    pub fn field_names(&self) -> Vec<&'static str> {
        self.fields.iter().map(|f| f.name).collect()
    }
}

const fn f(name: &'static str, column: &'static str, kind: FieldType, required: bool) -> FactField {
    FactField {
        name,
        column,
        kind,
        required,
        default: None,
    }
}

/// A field that falls back to `default` when a source does not say.
const fn d(name: &'static str, column: &'static str, default: &'static str) -> FactField {
    FactField {
        name,
        column,
        kind: Text,
        required: false,
        default: Some(default),
    }
}

use FieldType::*;

static SCHEMAS: &[FactSchema] = &[
    FactSchema {
        table: "donation",
        key: "gift_key",
        fields: &[
            f("gift_key", "gift_key", Text, true),
            f("gift_date", "gift_date", Date, true),
            f("amount", "amount_cents", Money, true),
            d("gift_type", "gift_type", "one_time"),
            d("status", "status", "succeeded"),
            f("payment_method", "payment_method", Text, false),
            f("recurring_id", "recurring_id", Text, false),
            f("recurring_start", "recurring_start", Date, false),
            f("recurring_status", "recurring_status", Text, false),
            f("recurring_end", "recurring_end", Date, false),
            f("campaign", "campaign", Text, false),
            f("card_expires", "card_expires", Date, false),
        ],
    },
    FactSchema {
        table: "subscription",
        key: "subscription_key",
        fields: &[
            f("subscription_key", "subscription_key", Text, true),
            f("plan", "plan", Text, true),
            f("start_date", "start_date", Date, true),
            f("end_date", "end_date", Date, false),
            f("auto_renew", "auto_renew", Bool, false),
            f("status", "status", Text, true),
            f("monthly_price", "monthly_price_cents", Money, false),
        ],
    },
    FactSchema {
        table: "event_ticket",
        key: "ticket_key",
        fields: &[
            f("ticket_key", "ticket_key", Text, true),
            f("event_name", "event_name", Text, true),
            f("event_date", "event_date", Date, true),
            f("price", "price_cents", Money, false),
            f("status", "status", Text, true),
        ],
    },
    FactSchema {
        table: "email_event",
        key: "activity_key",
        fields: &[
            f("activity_key", "activity_key", Text, true),
            f("period_start", "period_start", Date, true),
            f("sent", "sent", Int, true),
            f("bounced", "bounced", Int, true),
            f("opened", "opened", Int, true),
            f("clicked", "clicked", Int, true),
            f("unsubscribed", "unsubscribed", Bool, true),
            f("last_open_date", "last_open_date", Date, false),
        ],
    },
];

pub const FACT_TABLES: &[&str] = &["donation", "subscription", "event_ticket", "email_event"];

/// The values cpm reads in a field that names a kind of thing (a gift is one-time or
/// recurring): scoring and metrics count by them, and a quality check refuses others. A
/// file's own words for them are recoded in its mapping (`facts.values`).
pub fn allowed_values(table: &str, field: &str) -> Option<&'static [&'static str]> {
    match (table, field) {
        ("donation", "gift_type") => Some(&["one_time", "recurring"]),
        ("donation", "status") => Some(&["succeeded", "failed", "refunded"]),
        ("subscription", "status") => Some(&["active", "cancelled", "expired"]),
        _ => None,
    }
}

pub fn fact_schema(table: &str) -> Option<&'static FactSchema> {
    SCHEMAS.iter().find(|s| s.table == table)
}

/// Parse one non-empty CSV value. The error says what was expected, never the value
/// (which the quarantine keeps, redacted where it is personal).
pub fn parse_value(kind: FieldType, raw: &str, date_formats: &[String]) -> Result<Value, String> {
    let raw = raw.trim();
    match kind {
        Text => Ok(Value::Text(raw.to_string())),
        Date => crate::normalize::date(raw, date_formats)
            .map(Value::Text)
            .ok_or_else(|| {
                format!(
                    "not a date in the configured formats ({})",
                    date_formats.join(", ")
                )
            }),
        Money => parse_cents(raw)
            .map(Value::Integer)
            .ok_or_else(|| "not an amount".to_string()),
        Int => raw
            .parse::<i64>()
            .map(Value::Integer)
            .map_err(|_| "not a whole number".to_string()),
        Bool => match raw.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "y" | "t" => Ok(Value::Integer(1)),
            "0" | "false" | "no" | "n" | "f" => Ok(Value::Integer(0)),
            _ => Err("not true or false".to_string()),
        },
    }
}

/// "$1,234.5" -> 123450. Exact: parsed as decimal text, never through a float.
pub fn parse_cents(raw: &str) -> Option<i64> {
    let cleaned: String = raw.chars().filter(|c| *c != '$' && *c != ',').collect();
    let (negative, digits) = match cleaned.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cleaned.as_str()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    if !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
        || fraction.len() > 2
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let cents: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().ok()? * 10,
        _ => fraction.parse().ok()?,
    };
    let total = whole.checked_mul(100)?.checked_add(cents)?;
    Some(if negative { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_parsed_exactly() {
        assert_eq!(parse_cents("12.5"), Some(1250));
        assert_eq!(parse_cents("$1,000.00"), Some(100000));
        assert_eq!(parse_cents("-3.07"), Some(-307));
        assert_eq!(parse_cents(".99"), Some(99));
        assert_eq!(parse_cents("1.234"), None);
        assert_eq!(parse_cents("abc"), None);
        assert_eq!(parse_cents(""), None);
    }

    #[test]
    fn every_schema_is_listed() {
        for table in FACT_TABLES {
            assert!(fact_schema(table).is_some());
        }
    }

    /// The values a mapping may recode into are the ones the built-in quality checks
    /// allow: a recoded file passes them.
    #[test]
    fn recoded_values_are_the_quality_checks_allowed_values() {
        let text = crate::config::built_in("quality_checks.yaml").unwrap();
        let checks: serde_yaml::Value = serde_yaml::from_str(text).unwrap();
        let mut compared = 0;
        for check in checks["checks"].as_sequence().unwrap() {
            if check["type"].as_str() != Some("allowed_values") {
                continue;
            }
            let (table, column) = (
                check["table"].as_str().unwrap(),
                check["column"].as_str().unwrap(),
            );
            let allowed: Vec<&str> = check["values"]
                .as_sequence()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert_eq!(
                allowed_values(table, column),
                Some(&allowed[..]),
                "{table}.{column}"
            );
            compared += 1;
        }
        assert_eq!(compared, 3);
    }
}
