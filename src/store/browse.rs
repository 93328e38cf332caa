//! Bounded reads for browsing golden records: keyset pages, full-text search, one record's
//! 360-degree view. Every query here is indexed and limited, so the console can run it on
//! its UI thread against a million constituents.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::audit::{self, AuditEvent};
use crate::error::Result;

/// The orders the constituent list can be paged in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum SortBy {
    #[default]
    Name,
    Id,
    /// Lifetime giving, largest first.
    Lifetime,
    /// Household by household (golden records with a home), members together.
    Household,
}

impl SortBy {
    pub const ALL: [SortBy; 4] = [
        SortBy::Name,
        SortBy::Id,
        SortBy::Lifetime,
        SortBy::Household,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SortBy::Name => "name",
            SortBy::Id => "id",
            SortBy::Lifetime => "lifetime giving",
            SortBy::Household => "household",
        }
    }
}

/// Where a row sits in its sort order: the keyset a page continues from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum SortKey {
    /// The generated `sort_name` (lower-case "last\u{1}first") and the id.
    Name(String, i64),
    Id(i64),
    Lifetime(i64, i64),
    Household(i64, i64),
}

/// Which page to read relative to a key.
#[derive(Debug, Clone, PartialEq)]
pub enum PageAt {
    First,
    Last,
    After(SortKey),
    /// Starting at this row itself (a reload that keeps the selection).
    From(SortKey),
    Before(SortKey),
}

/// One line of the constituent list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConstituentRow {
    pub id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub city: Option<String>,
    pub zip: Option<String>,
    pub lifetime_cents: i64,
    pub sustainer_status: Option<String>,
    pub system_count: i64,
    /// The household's id, when the golden record has a home.
    pub household: Option<i64>,
    /// For a search that found the person by one of their source records: which record,
    /// and what of it matched ("email_engagement EM12: email").
    pub matched: Option<String>,
    pub key: SortKey,
}

impl ConstituentRow {
    pub fn display_name(&self) -> String {
        let first = self.first_name.as_deref().unwrap_or("");
        let last = self.last_name.as_deref().unwrap_or("");
        match (first.is_empty(), last.is_empty()) {
            (true, true) => "(no name)".into(),
            (false, true) => first.to_string(),
            (true, false) => last.to_string(),
            (false, false) => format!("{last}, {first}"),
        }
    }
}

const ROW_COLUMNS: &str = "c.id, c.first_name, c.last_name, c.email, c.city, c.zip,
    coalesce(s.lifetime_cents, 0), s.sustainer_status, coalesce(s.system_count, 0),
    c.sort_name, (SELECT household_id FROM household_member h WHERE h.constituent_id = c.id)";

fn read_row(r: &rusqlite::Row, sort: SortBy) -> rusqlite::Result<ConstituentRow> {
    let id: i64 = r.get(0)?;
    let lifetime: i64 = r.get(6)?;
    let household: Option<i64> = r.get(10)?;
    let key = match sort {
        SortBy::Name => SortKey::Name(r.get(9)?, id),
        SortBy::Id => SortKey::Id(id),
        SortBy::Lifetime => SortKey::Lifetime(lifetime, id),
        SortBy::Household => SortKey::Household(household.unwrap_or_default(), id),
    };
    Ok(ConstituentRow {
        id,
        first_name: r.get(1)?,
        last_name: r.get(2)?,
        email: r.get(3)?,
        city: r.get(4)?,
        zip: r.get(5)?,
        lifetime_cents: lifetime,
        sustainer_status: r.get(7)?,
        system_count: r.get(8)?,
        household,
        matched: None,
        key,
    })
}

/// A page of live golden records in `sort` order, starting at `at`. Rows always come back
/// in display order, also for `Before` and `Last` pages.
pub fn constituent_page(
    conn: &Connection,
    sort: SortBy,
    at: &PageAt,
    limit: usize,
) -> Result<Vec<ConstituentRow>> {
    // Lifetime is shown largest first, so "forward" walks the index backwards.
    let (key_cols, forward_desc) = match sort {
        SortBy::Name => ("(c.sort_name, c.id)", false),
        SortBy::Id => ("(c.id)", false),
        SortBy::Lifetime => ("(s.lifetime_cents, s.constituent_id)", true),
        SortBy::Household => ("(hm.household_id, hm.constituent_id)", false),
    };
    let backwards = matches!(at, PageAt::Last | PageAt::Before(_));
    let desc = forward_desc != backwards;
    let (mut cmp, dir) = if desc { ("<", "DESC") } else { (">", "ASC") };
    if matches!(at, PageAt::From(_)) {
        cmp = if desc { "<=" } else { ">=" };
    }
    let order_by = match sort {
        SortBy::Name => format!("c.sort_name {dir}, c.id {dir}"),
        SortBy::Id => format!("c.id {dir}"),
        SortBy::Lifetime => format!("s.lifetime_cents {dir}, s.constituent_id {dir}"),
        SortBy::Household => format!("hm.household_id {dir}, hm.constituent_id {dir}"),
    };
    let from = match sort {
        SortBy::Lifetime => {
            "constituent_summary s JOIN constituent c ON c.id = s.constituent_id AND c.retired_at IS NULL"
        }
        SortBy::Household => {
            "household_member hm JOIN constituent c ON c.id = hm.constituent_id
             LEFT JOIN constituent_summary s ON s.constituent_id = c.id"
        }
        _ => "constituent c LEFT JOIN constituent_summary s ON s.constituent_id = c.id",
    };
    let key = match at {
        PageAt::After(k) | PageAt::From(k) | PageAt::Before(k) => Some(k),
        PageAt::First | PageAt::Last => None,
    };
    let placeholders = match key {
        Some(SortKey::Id(_)) => "(?1)",
        Some(SortKey::Name(..) | SortKey::Lifetime(..) | SortKey::Household(..)) => "(?1, ?2)",
        None => "",
    };
    let condition = if key.is_some() {
        format!("AND {key_cols} {cmp} {placeholders}")
    } else {
        String::new()
    };
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM {from} WHERE c.retired_at IS NULL {condition}
         ORDER BY {order_by} LIMIT {limit}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    use rusqlite::types::Value;
    let bound: Vec<Value> = match key {
        Some(SortKey::Name(name, id)) => vec![name.clone().into(), (*id).into()],
        Some(SortKey::Id(id)) => vec![(*id).into()],
        Some(SortKey::Lifetime(cents, id)) => vec![(*cents).into(), (*id).into()],
        Some(SortKey::Household(household, id)) => vec![(*household).into(), (*id).into()],
        None => vec![],
    };
    let rows = stmt.query_map(rusqlite::params_from_iter(bound), |r| read_row(r, sort))?;
    let mut rows: Vec<ConstituentRow> = rows.collect::<rusqlite::Result<_>>()?;
    if backwards {
        rows.reverse();
    }
    Ok(rows)
}

/// How many live golden records there are, counting no further than `cap`.
pub fn count_capped(conn: &Connection, cap: i64) -> Result<Count> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM (SELECT 1 FROM constituent WHERE retired_at IS NULL LIMIT ?1)",
        [cap + 1],
        |r| r.get(0),
    )?;
    Ok(Count::capped(n, cap))
}

/// A count that stops early rather than scan a million rows to say "a lot".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Count {
    Exact(i64),
    AtLeast(i64),
}

impl Count {
    /// `n` rows were counted with `LIMIT cap + 1`.
    pub fn capped(n: i64, cap: i64) -> Count {
        if n > cap {
            Count::AtLeast(cap)
        } else {
            Count::Exact(n)
        }
    }

    /// `taken` fewer (pairs decided); a capped count stays what it was.
    pub fn minus(self, taken: i64) -> Count {
        match self {
            Count::Exact(n) => Count::Exact((n - taken).max(0)),
            at_least => at_least,
        }
    }

    pub fn is_zero(self) -> bool {
        self == Count::Exact(0)
    }
}

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Count::Exact(n) => write!(f, "{}", thousands(*n)),
            Count::AtLeast(n) => write!(f, "more than {}", crate::store::browse::thousands(*n)),
        }
    }
}

/// `12,345`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A golden record's id as people see and type it everywhere: `C-` and at least six
/// digits. [`SearchQuery::parse`] reads it back.
pub fn golden_id(id: i64) -> String {
    format!("C-{id:06}")
}

/// What a person typed, as an FTS5 query: every word must match as a prefix. A phone
/// number typed in any format becomes its digits; `C-123` or `123` looks up that id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchQuery {
    Id(i64),
    Text(String),
    Empty,
}

impl SearchQuery {
    pub fn parse(typed: &str) -> SearchQuery {
        let typed = typed.trim();
        let id_text = typed
            .strip_prefix("C-")
            .or_else(|| typed.strip_prefix("c-"))
            .unwrap_or(typed);
        let digits: String = typed.chars().filter(char::is_ascii_digit).collect();
        let phone_like = typed
            .chars()
            .all(|c| c.is_ascii_digit() || " ()-.+".contains(c));
        if let Ok(id) = id_text.parse::<i64>()
            && (typed.starts_with(['C', 'c']) || digits.len() < 7)
        {
            return SearchQuery::Id(id);
        }
        // The index holds a phone as its ten digits: any phone-like input is a prefix of them.
        if phone_like && digits.len() >= 3 {
            let ten = if digits.len() == 11 && digits.starts_with('1') {
                &digits[1..]
            } else {
                &digits[..]
            };
            return SearchQuery::Text(format!("phone : \"{ten}\"*"));
        }
        // A one-letter prefix matches a large share of the index and answers slowly;
        // it narrows nothing a longer word does not, so it is left out.
        let words: Vec<String> = typed
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 2)
            .map(|w| format!("\"{}\"*", w.to_lowercase()))
            .collect();
        if words.is_empty() {
            SearchQuery::Empty
        } else {
            SearchQuery::Text(words.join(" "))
        }
    }
}

/// Golden records matching what a person typed (name, email, phone or id), by name.
pub fn search(conn: &Connection, typed: &str, limit: usize) -> Result<Vec<ConstituentRow>> {
    let sort = SortBy::Name;
    let rows = match SearchQuery::parse(typed) {
        SearchQuery::Empty => Vec::new(),
        SearchQuery::Id(id) => conn
            .prepare_cached(&format!(
                "SELECT {ROW_COLUMNS} FROM constituent c LEFT JOIN constituent_summary s ON s.constituent_id = c.id
                 WHERE c.id = ?1 AND c.retired_at IS NULL"
            ))?
            .query_map([id], |r| read_row(r, sort))?
            .collect::<rusqlite::Result<_>>()?,
        SearchQuery::Text(fts) => conn
            .prepare_cached(&format!(
                "SELECT {ROW_COLUMNS} FROM (SELECT rowid AS id FROM constituent_fts WHERE constituent_fts MATCH ?1 LIMIT ?2) f
                 JOIN constituent c ON c.id = f.id AND c.retired_at IS NULL
                 LEFT JOIN constituent_summary s ON s.constituent_id = c.id
                 ORDER BY c.sort_name, c.id"
            ))?
            .query_map(params![fts, limit as i64], |r| read_row(r, sort))?
            .collect::<rusqlite::Result<_>>()?,
    };
    // Then whoever one of their source records names: another email or phone than the
    // golden record's, a source key. Each says which record matched.
    let mut rows: Vec<ConstituentRow> = rows;
    for (id, matched) in record_matches(conn, typed, limit)? {
        if rows.len() >= limit {
            break;
        }
        if let Some(row) = rows.iter_mut().find(|r| r.id == id) {
            row.matched.get_or_insert(matched);
            continue;
        }
        let found = conn
            .prepare_cached(&format!(
                "SELECT {ROW_COLUMNS} FROM constituent c LEFT JOIN constituent_summary s ON s.constituent_id = c.id
                 WHERE c.id = ?1 AND c.retired_at IS NULL"
            ))?
            .query_row([id], |r| read_row(r, sort))
            .optional()?;
        if let Some(mut row) = found {
            row.matched = Some(matched);
            rows.push(row);
        }
    }
    Ok(rows)
}

/// Golden records one of whose source records carries `typed` as its email, its phone
/// (see `phone_matches`) or its source key, with what matched.
fn record_matches(conn: &Connection, typed: &str, limit: usize) -> Result<Vec<(i64, String)>> {
    let typed = typed.trim();
    let mut lookups: Vec<(&str, String, &str)> = Vec::new();
    if typed.contains('@')
        && let Some(email) = crate::normalize::email(typed)
    {
        lookups.push(("sr.n_email = ?1", email, "email"));
    }
    if !typed.contains(char::is_whitespace) && typed.chars().count() >= 3 {
        lookups.push(("sr.source_key = ?1", typed.to_string(), "source key"));
    }
    let mut out = phone_record_matches(conn, typed, limit)?;
    for (clause, value, what) in lookups {
        let sql = format!(
            "SELECT cm.constituent_id, sr.source, sr.source_key FROM source_record sr
             JOIN constituent_member cm ON cm.source_record_id = sr.id
             WHERE {clause} LIMIT ?2"
        );
        let mut statement = conn.prepare_cached(&sql)?;
        let rows = statement.query_map(params![value, limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (id, source, key) = row?;
            out.push((id, format!("{source} {key}: {what}")));
        }
    }
    Ok(out)
}

/// How many records sharing a phone's last seven digits are read to find the ones that
/// match it whole (they are few: ten million local numbers).
const PHONE_CANDIDATES: i64 = 10_000;

/// Golden records one of whose source records has the phone `typed` (see `phone_matches`):
/// the records sharing its last seven digits (an index), then the whole number.
fn phone_record_matches(
    conn: &Connection,
    typed: &str,
    limit: usize,
) -> Result<Vec<(i64, String)>> {
    let digits: String = typed.chars().filter(char::is_ascii_digit).collect();
    let phone_like = typed
        .chars()
        .all(|c| c.is_ascii_digit() || " ()-.+".contains(c));
    if !phone_like || digits.len() < 7 {
        return Ok(Vec::new());
    }
    let normalised = crate::normalize::phone(typed);
    // `n_phone IS NOT NULL` lets SQLite use the partial index on the local digits.
    let mut statement = conn.prepare_cached(
        "SELECT cm.constituent_id, sr.source, sr.source_key, sr.n_phone FROM source_record sr
         JOIN constituent_member cm ON cm.source_record_id = sr.id
         WHERE sr.n_phone IS NOT NULL AND substr(sr.n_phone, -7) = ?1 LIMIT ?2",
    )?;
    let rows = statement.query_map(
        params![&digits[digits.len() - 7..], PHONE_CANDIDATES],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        },
    )?;
    let mut out = Vec::new();
    for row in rows {
        let (id, source, key, stored) = row?;
        if phone_matches(&stored, &digits, normalised.as_deref()) {
            out.push((id, format!("{source} {key}: phone")));
            if out.len() >= limit {
                break;
            }
        }
    }
    Ok(out)
}

/// Whether a stored phone (ten North American digits, or "+" and an international number)
/// is the one typed as `digits`: the local seven alone; ten or more as ingest would read
/// them (`normalised`), with the country code but no "+", or as dialled within the
/// number's own country, its trunk 0 first ("020 7946 0958" for "+442079460958"; Italy's
/// numbers keep the 0). A search does not know the country a national number is of, so
/// any country code before it will do.
fn phone_matches(stored: &str, digits: &str, normalised: Option<&str>) -> bool {
    if digits.len() < 10 {
        return stored.ends_with(digits);
    }
    if normalised == Some(stored) || stored.strip_prefix('+') == Some(digits) {
        return true;
    }
    let Some(international) = stored.strip_prefix('+') else {
        return false;
    };
    let within_country = [
        digits.strip_prefix('0'),
        Some(digits).filter(|d| d.starts_with('0')),
    ];
    within_country.into_iter().flatten().any(|national| {
        international
            .strip_suffix(national)
            .is_some_and(|code| (1..=3).contains(&code.len()))
    })
}

/// One side of a pair, as a steward sees it.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct RecordView {
    pub id: i64,
    pub source: String,
    pub source_key: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub zip: Option<String>,
    pub date_of_birth: Option<String>,
    /// A gender or title column's value, as written.
    pub gender: Option<String>,
}

/// One source record as a steward sees it; a birth date no calendar has, as matching
/// read it, and saying so (it was compared); a year or a year and month, as given.
pub fn record_view(conn: &Connection, id: i64) -> Result<RecordView> {
    Ok(conn
        .prepare_cached(
            "SELECT id, source, source_key, first_name, last_name, email, phone,
                trim(coalesce(address1, '') || ' ' || coalesce(address2, '')), city, zip,
                coalesce(date_of_birth, CASE WHEN length(n_dob_as_written) = 10
                    THEN n_dob_as_written || ' (no such date)' ELSE n_dob_as_written END),
                gender
         FROM source_record WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok(RecordView {
                id: r.get(0)?,
                source: r.get(1)?,
                source_key: r.get(2)?,
                first_name: r.get(3)?,
                last_name: r.get(4)?,
                email: r.get(5)?,
                phone: r.get(6)?,
                address: r.get::<_, Option<String>>(7)?.filter(|s| !s.is_empty()),
                city: r.get(8)?,
                zip: r.get(9)?,
                date_of_birth: r.get(10)?,
                gender: r.get(11)?,
            })
        })?)
}

/// A golden field, its value and the source record it survived from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoldenField {
    pub label: &'static str,
    pub value: Option<String>,
    /// "wbez_donations:D-000123" when known.
    pub from: Option<String>,
}

pub use super::summary::Summary;

/// Everything the detail view shows about one golden record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConstituentDetail {
    pub id: i64,
    pub retired_into: Option<i64>,
    pub fields: Vec<GoldenField>,
    pub summary: Summary,
    pub records: Vec<RecordView>,
    /// Succeeded giving per calendar year, oldest first.
    pub giving_by_year: Vec<(String, i64)>,
    pub history: Vec<AuditEvent>,
    /// The latest scores, if scoring has run.
    pub scores: Option<super::score::ScoreRow>,
    /// Per channel a record speaks to: the most restrictive answer, and whose it is.
    pub consent: Vec<super::consent::GoldenConsent>,
    /// The household this golden record lives in, with its other members.
    pub household: Option<super::household::HouseholdView>,
    /// Engagement (0-100) and its parts, as of the data's as-of date.
    pub engagement: Option<Engagement>,
    /// The models behind the scores ("churn: booster v3").
    pub score_models: Vec<String>,
    /// The golden record changed (a merge, an unmerge) after it was scored: its scores are
    /// from before, until the next scoring run.
    pub scores_stale: bool,
    /// The latest contacts: calls, campaign exports.
    pub contacts: Vec<super::contact::ContactEvent>,
}

/// A 0-100 engagement score and the parts it adds up from (`constituent_profile`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Engagement {
    pub score: i64,
    pub parts: Vec<(&'static str, i64)>,
}

impl Engagement {
    /// "72: giving recency 30, giving 20, email 12, events 0, newspaper 10".
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .parts
            .iter()
            .map(|(name, points)| format!("{name} {points}"))
            .collect();
        format!("{}: {}", self.score, parts.join(", "))
    }
}

/// A golden record's engagement, if it is a live golden record.
pub fn engagement(conn: &Connection, id: i64) -> Result<Option<Engagement>> {
    Ok(conn
        .prepare_cached(
            "SELECT engagement, engagement_recency, engagement_giving, engagement_email,
                    engagement_events, engagement_newspaper
             FROM constituent_profile WHERE constituent_id = ?1",
        )?
        .query_row([id], |r| {
            Ok(Engagement {
                score: r.get(0)?,
                parts: vec![
                    ("giving recency", r.get(1)?),
                    ("giving", r.get(2)?),
                    ("email", r.get(3)?),
                    ("events", r.get(4)?),
                    ("newspaper", r.get(5)?),
                ],
            })
        })
        .optional()?)
}

const GOLDEN: [(&str, &str); 10] = [
    ("first name", "first_name"),
    ("last name", "last_name"),
    ("email", "email"),
    ("phone", "phone"),
    ("address", "address1"),
    ("unit", "address2"),
    ("city", "city"),
    ("state", "state"),
    ("zip", "zip"),
    ("birth date", "date_of_birth"),
];

/// One golden record's 360-degree view, or `None` when there is no such id.
pub fn constituent_detail(conn: &Connection, id: i64) -> Result<Option<ConstituentDetail>> {
    let columns: Vec<String> = GOLDEN
        .iter()
        .map(|(_, c)| {
            format!(
                "c.{c}, (SELECT sr.source || ':' || sr.source_key FROM source_record sr WHERE sr.id = c.{c}_src)"
            )
        })
        .collect();
    let sql = format!(
        "SELECT c.merged_into, {} FROM constituent c WHERE c.id = ?1",
        columns.join(", ")
    );
    let found = conn
        .prepare_cached(&sql)?
        .query_row([id], |r| {
            let merged: Option<i64> = r.get(0)?;
            let mut fields = Vec::with_capacity(GOLDEN.len());
            for (i, (label, column)) in GOLDEN.iter().enumerate() {
                let value: Option<String> = r.get(1 + 2 * i)?;
                fields.push(GoldenField {
                    label,
                    // The golden phone in one form, whichever source's spelling survived.
                    value: match *column {
                        "phone" => value.map(|p| crate::normalize::display_phone(&p)),
                        _ => value,
                    },
                    from: r.get(2 + 2 * i)?,
                });
            }
            Ok((merged, fields))
        })
        .optional()?;
    let Some((retired_into, fields)) = found else {
        return Ok(None);
    };
    let member_ids: Vec<i64> = conn
        .prepare_cached(
            "SELECT source_record_id FROM constituent_member WHERE constituent_id = ?1 ORDER BY source_record_id",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let records = member_ids
        .iter()
        .map(|&rid| record_view(conn, rid))
        .collect::<Result<Vec<_>>>()?;
    let giving_by_year = conn
        .prepare_cached(
            "SELECT substr(d.gift_date, 1, 4) AS y, sum(d.amount_cents)
             FROM constituent_member cm JOIN donation d ON d.source_record_id = cm.source_record_id
             WHERE cm.constituent_id = ?1 AND d.status = 'succeeded'
             GROUP BY y ORDER BY y",
        )?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let scores = super::score::score_of(conn, id)?;
    Ok(Some(ConstituentDetail {
        id,
        retired_into,
        fields,
        summary: summary(conn, id)?,
        records,
        giving_by_year,
        history: audit::for_constituent(conn, id, 50)?,
        scores_stale: conn
            .prepare_cached(
                "SELECT c.updated_at > r.at FROM constituent c
                 JOIN constituent_score s ON s.constituent_id = c.id
                 JOIN score_run r ON r.id = s.run_id WHERE c.id = ?1",
            )?
            .query_row([id], |r| r.get(0))
            .optional()?
            .unwrap_or(false),
        score_models: match &scores {
            Some(s) => super::score::models_behind(conn, s)?,
            None => Vec::new(),
        },
        scores,
        consent: super::consent::golden_consent(conn, id)?,
        household: super::household::household_of(conn, id)?,
        engagement: engagement(conn, id)?,
        contacts: super::contact::history(conn, id, 5)?,
    }))
}

fn summary(conn: &Connection, id: i64) -> Result<Summary> {
    Ok(Summary::read(conn, id)?.unwrap_or_default())
}

/// Review decisions (approve, reject, skip) recorded since `day` began (UTC, YYYY-MM-DD).
pub fn decisions_since(conn: &Connection, day: &str) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM audit_event WHERE action IN ('approve', 'reject', 'skip') AND at >= ?1",
        [day],
        |r| r.get(0),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_becomes_prefix_words() {
        assert_eq!(
            SearchQuery::parse("  Mary-Ann O'Neil "),
            SearchQuery::Text("\"mary\"* \"ann\"* \"neil\"*".into())
        );
        assert_eq!(
            SearchQuery::parse("bob.smith@gm"),
            SearchQuery::Text("\"bob\"* \"smith\"* \"gm\"*".into())
        );
        assert_eq!(SearchQuery::parse(" ,, "), SearchQuery::Empty);
        assert_eq!(SearchQuery::parse("C-"), SearchQuery::Empty);
        assert_eq!(
            SearchQuery::parse("ann l"),
            SearchQuery::Text("\"ann\"*".into())
        );
    }

    #[test]
    fn a_phone_is_found_as_written_at_home_abroad_or_by_its_local_digits() {
        let uk = "+442079460958";
        for typed in [
            "020 7946 0958",
            "+44 20 7946 0958",
            "0044 20 7946 0958",
            "44 20 7946 0958",
        ] {
            let digits: String = typed.chars().filter(char::is_ascii_digit).collect();
            let normalised = crate::normalize::phone(typed);
            assert!(phone_matches(uk, &digits, normalised.as_deref()), "{typed}");
        }
        let italy = "+390612345678";
        assert!(
            phone_matches(italy, "0612345678", None),
            "Italy keeps its 0"
        );
        let us = "3125550101";
        for typed in ["(312) 555-0101", "1 312 555 0101", "555-0101"] {
            let digits: String = typed.chars().filter(char::is_ascii_digit).collect();
            let normalised = crate::normalize::phone(typed);
            assert!(phone_matches(us, &digits, normalised.as_deref()), "{typed}");
        }
        // Another number with the same local digits is not it.
        assert!(!phone_matches(
            "7735550101",
            "3125550101",
            Some("3125550101")
        ));
        assert!(!phone_matches(uk, "02179460958", None), "another area");
    }

    #[test]
    fn phones_in_any_format_become_digits_and_ids_become_lookups() {
        for typed in ["(312) 555-0101", "312.555.0101", "+1 312 555 0101"] {
            assert_eq!(
                SearchQuery::parse(typed),
                SearchQuery::Text("phone : \"3125550101\"*".into()),
                "{typed}"
            );
        }
        assert_eq!(
            SearchQuery::parse("312 555"),
            SearchQuery::Text("phone : \"312555\"*".into()),
            "the start of a number"
        );
        assert_eq!(SearchQuery::parse("C-123"), SearchQuery::Id(123));
        assert_eq!(SearchQuery::parse("4567"), SearchQuery::Id(4567));
    }
}
