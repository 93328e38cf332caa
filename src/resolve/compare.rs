//! Comparing two source records: per-field similarity, each field's contribution (they
//! add up to the score), the deterministic rules and the household guard. Pure.

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use strsim::{jaro_winkler, normalized_levenshtein};

use super::normalize::{
    GivenNameId, NormalizedPerson, UNKNOWN_GIVEN_NAME, distinct_given_names_by_id,
    distinct_surnames, given_name_id, is_joint_mailbox, nickname_compatible,
    nickname_compatible_by_id,
};
use super::settings::{FIELDS, FieldWeight, ResolutionConfig};

/// A source record as matching sees it: normalised fields only.
#[derive(Debug, Clone, Default)]
pub struct Rec {
    pub id: i64,
    /// Shared by every record of the source (interned at load).
    pub source: Arc<str>,
    /// The normalised fields ingest stored.
    pub n: NormalizedPerson,
    pub dob: Option<String>,
    /// How many records share this normalised last name (0 = unknown, treated as rare).
    pub last_name_count: u32,
    /// How many other records in this record's ZIP are expected to carry its first and
    /// last name by chance, from the name and ZIP frequencies of the file (0 = unknown).
    pub name_coincidence: f64,
    /// The same, anywhere in the file.
    pub name_coincidence_in_file: f64,
    /// How many different first names the file has at this record's address with its
    /// surname (0 = no address): two or more is a family, where a same-named relative
    /// (a mother and daughter, a father and son) is far likelier than chance.
    pub family_first_names: u32,
    /// The first name's id in the name tables, looked up once at load (`None`: not yet).
    pub first_name_id: Option<GivenNameId>,
}

impl Rec {
    /// Look up the first name's id once, so comparing never hashes it again.
    pub fn with_first_name_id(mut self) -> Rec {
        self.first_name_id = self
            .n
            .first
            .as_deref()
            .map(|f| given_name_id(first_token(f)));
        self
    }

    pub(crate) fn first_id(&self) -> GivenNameId {
        match (self.first_name_id, &self.n.first) {
            (Some(id), _) => id,
            (None, Some(f)) => given_name_id(first_token(f)),
            (None, None) => UNKNOWN_GIVEN_NAME,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// Borrowed when computed (no allocation per compared pair), owned when read back.
    pub field: Cow<'static, str>,
    /// 0..1 similarity of the two values.
    pub similarity: f64,
    /// What this field adds to the score (may be negative for a guard).
    pub contribution: f64,
}

/// A candidate's contributions as the store keeps them: a JSON array of
/// `[field, similarity, contribution]` triples. A third the size of an array of objects
/// (the keys repeated on every one of the ~6 fields), which at a million records is
/// ~70 MB less for a first resolution to write. Still JSON, so `json_each` reads it in SQL.
pub fn encode_contributions(contributions: &[Contribution]) -> Result<String, serde_json::Error> {
    let triples: Vec<(&str, f64, f64)> = contributions
        .iter()
        .map(|c| (&*c.field, c.similarity, c.contribution))
        .collect();
    serde_json::to_string(&triples)
}

/// The contributions `encode_contributions` stored.
pub fn decode_contributions(stored: &str) -> Result<Vec<Contribution>, serde_json::Error> {
    let triples: Vec<(String, f64, f64)> = serde_json::from_str(stored)?;
    Ok(triples
        .into_iter()
        .map(|(field, similarity, contribution)| Contribution {
            field: Cow::Owned(field),
            similarity,
            contribution,
        })
        .collect())
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub score: f64,
    /// "email" / "phone" for a deterministic match, "names_only" when no identifier agrees,
    /// "weighted" otherwise.
    pub rule: &'static str,
    pub contributions: Vec<Contribution>,
    /// The names say these are different people (household guard): never link them.
    pub conflict: bool,
}

fn both<'a>(a: &'a Option<String>, b: &'a Option<String>) -> Option<(&'a str, &'a str)> {
    match (a, b) {
        (Some(x), Some(y)) if !x.is_empty() && !y.is_empty() => Some((x, y)),
        _ => None,
    }
}

pub(crate) fn first_token(name: &str) -> &str {
    name.split(' ').next().unwrap_or(name)
}

fn first_tokens<'a>(a: &'a Rec, b: &'a Rec) -> Option<(&'a str, &'a str)> {
    let (x, y) = both(&a.n.first, &b.n.first)?;
    Some((first_token(x), first_token(y)))
}

/// First-name similarity: nickname forms and initials count as the same name.
pub fn first_name_similarity(a: &Rec, b: &Rec) -> Option<f64> {
    let (x, y) = first_tokens(a, b)?;
    Some(given_name_similarity((x, a.first_id()), (y, b.first_id())))
}

/// `first_name_similarity` of two first tokens with their ids in the name tables.
pub(crate) fn given_name_similarity(
    (x, x_id): (&str, GivenNameId),
    (y, y_id): (&str, GivenNameId),
) -> f64 {
    if x == y || nickname_compatible_by_id(x_id, y_id) {
        return 1.0;
    }
    if (x.len() == 1 && y.starts_with(x)) || (y.len() == 1 && x.starts_with(y)) {
        return 0.9;
    }
    jaro_winkler(x, y)
}

fn last_name_similarity(a: &Rec, b: &Rec) -> Option<f64> {
    let (x, y) = both(&a.n.last, &b.n.last)?;
    Some(surname_similarity(x, y))
}

/// `last_name_similarity` of two surnames.
pub(crate) fn surname_similarity(x: &str, y: &str) -> f64 {
    if x == y {
        return 1.0;
    }
    // Double-barrelled and hyphenated names: a shared token is strong agreement.
    if x.split(' ')
        .any(|t| t.len() > 2 && y.split(' ').any(|u| u == t))
    {
        return 0.92;
    }
    jaro_winkler(x, y)
}

/// `None` also when both share a household's mailbox: it says nothing about which member
/// a record is. (Different addresses still disagree.)
fn email_similarity(a: &Rec, b: &Rec) -> Option<f64> {
    let (x, y) = both(&a.n.email, &b.n.email)?;
    if x == y {
        return (!is_joint_mailbox(x)).then_some(1.0);
    }
    // Compared on the stack: nearly every compared pair has two different emails.
    let (mut x_buffer, mut y_buffer) = ([0; EMAIL_NAME_MAX], [0; EMAIL_NAME_MAX]);
    let similarity = match (email_name(x, &mut x_buffer), email_name(y, &mut y_buffer)) {
        (Some(nx), Some(ny)) if nx == ny => return Some(0.9),
        (Some(nx), Some(ny)) => edit_similarity_of_bytes(nx, ny),
        _ => {
            let name = |e: &str| -> String { email_name_chars(e).collect() };
            let (nx, ny) = (name(x), name(y));
            if nx == ny {
                return Some(0.9);
            }
            edit_similarity(&nx, &ny)
        }
    };
    Some((similarity - 0.5).max(0.0))
}

const EMAIL_NAME_MAX: usize = 64;

/// An email's name (before the `@`) without the dots, underscores and hyphens people
/// vary: "j.o_smith@x.com" -> "josmith".
pub(crate) fn email_name_chars(email: &str) -> impl Iterator<Item = char> + '_ {
    let name = email.split('@').next().unwrap_or(email);
    name.chars().filter(|c| !matches!(c, '.' | '_' | '-'))
}

/// `email_name_chars` as bytes in `buffer`, when the name is ASCII and fits (where a byte
/// is a character, as `edit_similarity_of_bytes` needs); `None` otherwise.
fn email_name<'b>(email: &str, buffer: &'b mut [u8; EMAIL_NAME_MAX]) -> Option<&'b [u8]> {
    let mut n = 0;
    for c in email_name_chars(email) {
        *buffer.get_mut(n)? = u8::try_from(c).ok().filter(u8::is_ascii)?;
        n += 1;
    }
    Some(&buffer[..n])
}

/// Normalised Levenshtein similarity (1 - distance / longer length), as
/// `strsim::normalized_levenshtein` computes it for text, on the bytes of ASCII text: with
/// one row on the stack instead of an allocated one, since address tokens and email names
/// are compared tens of times per pair. Anything else goes to strsim.
fn edit_similarity(a: &str, b: &str) -> f64 {
    if a.is_ascii() && b.is_ascii() {
        edit_similarity_of_bytes(a.as_bytes(), b.as_bytes())
    } else {
        normalized_levenshtein(a, b)
    }
}

/// `edit_similarity` over the bytes of ASCII text (where a byte is a character).
fn edit_similarity_of_bytes(x: &[u8], y: &[u8]) -> f64 {
    const MAX: usize = 64;
    if x.is_empty() && y.is_empty() {
        return 1.0;
    }
    if y.len() > MAX {
        let distance = strsim::generic_levenshtein(&x.to_vec(), &y.to_vec());
        return 1.0 - distance as f64 / x.len().max(y.len()) as f64;
    }
    // row[j]: the distance between the first i bytes of x and the first j of y.
    let mut row = [0u16; MAX + 1];
    for (j, cell) in row.iter_mut().enumerate().take(y.len() + 1) {
        *cell = j as u16;
    }
    for (i, &xc) in x.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i as u16 + 1;
        for (j, &yc) in y.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + u16::from(xc != yc));
            diagonal = above;
        }
    }
    1.0 - f64::from(row[y.len()]) / x.len().max(y.len()) as f64
}

fn phone_similarity(a: &Rec, b: &Rec) -> Option<f64> {
    let (x, y) = both(&a.n.phone, &b.n.phone)?;
    Some(if x == y {
        1.0
    } else if x[3..] == y[3..] {
        0.6 // same number, different area code: a typo or an overlay code
    } else {
        0.0
    })
}

fn address_similarity(a: &Rec, b: &Rec) -> Option<f64> {
    let (x, y) = both(&a.n.address, &b.n.address)?;
    let street = if x == y { 1.0 } else { token_similarity(x, y) };
    let unit = match both(&a.n.unit, &b.n.unit) {
        Some((u, v)) if u != v => 0.7,
        _ => 1.0,
    };
    Some(street * unit)
}

/// Token-set similarity: the share of tokens in common, each matched by the best
/// normalised edit distance, so "123 n halsted st" ~ "123 halsted st".
fn token_similarity(x: &str, y: &str) -> f64 {
    let (mut x_buffer, mut y_buffer) = ([""; 16], [""; 16]);
    let (Some(xs), Some(ys)) = (tokens(x, &mut x_buffer), tokens(y, &mut y_buffer)) else {
        // A line of more than 16 words: not an address worth a fast path.
        let xs: Vec<&str> = x.split(' ').collect();
        let ys: Vec<&str> = y.split(' ').collect();
        return token_set_similarity(&xs, &ys);
    };
    token_set_similarity(xs, ys)
}

/// The words of `s`, in `buffer` (no allocation); `None` when there are more than it holds.
fn tokens<'a, 'b>(s: &'a str, buffer: &'b mut [&'a str; 16]) -> Option<&'b [&'a str]> {
    let mut n = 0;
    for token in s.split(' ') {
        *buffer.get_mut(n)? = token;
        n += 1;
    }
    Some(&buffer[..n])
}

fn token_set_similarity(xs: &[&str], ys: &[&str]) -> f64 {
    // House numbers must agree exactly.
    if let (Some(nx), Some(ny)) = (xs.first(), ys.first())
        && nx.chars().all(|c| c.is_ascii_digit())
        && ny.chars().all(|c| c.is_ascii_digit())
        && nx != ny
    {
        return 0.0;
    }
    let best = |t: &str, others: &[&str]| {
        if others.contains(&t) {
            return 1.0;
        }
        others
            .iter()
            .map(|o| edit_similarity(t, o))
            .fold(0.0, f64::max)
    };
    let sx: f64 = xs.iter().map(|t| best(t, ys)).sum();
    let sy: f64 = ys.iter().map(|t| best(t, xs)).sum();
    (sx + sy) / (xs.len() + ys.len()) as f64
}

fn zip_similarity(a: &Rec, b: &Rec) -> Option<f64> {
    let (x, y) = both(&a.n.zip, &b.n.zip)?;
    Some(if x == y {
        1.0
    } else if x[..3] == y[..3] {
        0.3
    } else {
        0.0
    })
}

fn dob_similarity(a: &Rec, b: &Rec) -> Option<f64> {
    let (x, y) = both(&a.dob, &b.dob)?;
    if x == y {
        return Some(1.0);
    }
    // One mistyped digit, or day and month the wrong way round: a typo more than a
    // different person. The same year alone, or the same day and month: weak agreement.
    let differing = x.bytes().zip(y.bytes()).filter(|(p, q)| p != q).count();
    let swapped = x.len() == 10
        && y.len() == 10
        && x[..4] == y[..4]
        && x[5..7] == y[8..]
        && x[8..] == y[5..7];
    Some(if differing == 1 || swapped {
        0.7
    } else if x[..4] == y[..4] || x[5..] == y[5..] {
        0.4
    } else {
        0.0
    })
}

/// Swap first and last when the record has them the wrong way round for this pair: each
/// name matches the other's opposite field (allowing a typo) better than its own.
fn names_swapped(a: &Rec, b: &Rec) -> bool {
    match (
        both(&a.n.first, &b.n.last),
        both(&a.n.last, &b.n.first),
        both(&a.n.first, &b.n.first),
        both(&a.n.last, &b.n.last),
    ) {
        // Cheapest test first: on every compared pair, and almost always false. One
        // crossing pairs two surnames (alike, allowing a typo); the other two first names,
        // which may also be nickname forms ("omalley frank" / "francis omalley").
        (Some((af, bl)), Some((al, bf)), Some((x, y)), Some((u, v))) if x != y || u != v => {
            // Each crossing is one name, with its first letter right.
            let initial = |n: &str| n.as_bytes().first().copied();
            if initial(af) != initial(bl) || initial(al) != initial(bf) {
                return false;
            }
            let (crossed_first, crossed_last) = (jaro_winkler(af, bl), jaro_winkler(al, bf));
            if crossed_first < 0.9 && crossed_last < 0.9 {
                return false;
            }
            let as_given_names = |n: &str, m: &str, similarity: f64| {
                if similarity < 0.9 && nickname_compatible(first_token(n), first_token(m)) {
                    1.0
                } else {
                    similarity
                }
            };
            let crossed_first = as_given_names(af, bl, crossed_first);
            let crossed_last = as_given_names(al, bf, crossed_last);
            crossed_first >= 0.9
                && crossed_last >= 0.9
                && crossed_first + crossed_last > jaro_winkler(x, y) + jaro_winkler(u, v)
        }
        _ => false,
    }
}

/// A pair with no identifier in common (email, phone, address, date of birth) rests on its
/// names and ZIP, and is judged as a careful steward would:
/// - surnames that differ (not a typo of one another) or ZIPs that differ: not enough to
///   show one person — below the review band;
/// - the same names (nickname forms and typos allowed) in the same ZIP, from different
///   systems or with nothing contradicting, at most one identifier contradicting (people
///   keep a second email or phone), and a name rare enough there that a namesake is
///   unlikely: merged, scoring at least one minus the namesakes expected by chance
///   (`rare_name_below`, a quarter of it when an identifier contradicts);
/// - anything else: a person decides — at most the top of the review band, and less for a
///   common surname.
///
/// Returns the score, the rule's name and the similarity shown for it.
fn names_only(
    a: &Rec,
    b: &Rec,
    similar: &Similarities,
    score: f64,
    config: &ResolutionConfig,
) -> (f64, &'static str, f64) {
    let last = similar.last_name;
    // A household's shared mailbox names a home; the same given name on it names one
    // person in that home, through a move and a married name (partners sharing a mailbox
    // have different first names, and the guard has already caught those). Across
    // surnames only the same spelling will do: Jimmy Mitchell and Jamie Mooney (both
    // forms of James) on mitchellfamily@ are a couple.
    let same_given_name = if last.is_some_and(|s| s >= 0.9) {
        similar.first_name.is_some_and(|s| s >= 0.9)
    } else {
        first_tokens(a, b).is_some_and(|(x, y)| x == y)
    };
    if shared_household_mailbox(a, b) && same_given_name {
        let to = score.max(config.thresholds.auto_match + 0.05);
        return (to, "same_name_household_mailbox", 1.0);
    }
    let zip = similar.zip;
    let below_review = config.thresholds.review - 0.01;
    let surnames = both(&a.n.last, &b.n.last).zip(last);
    if surnames.is_some_and(|((x, y), similarity)| surnames_differ(x, y, similarity)) {
        return (
            score.min(below_review),
            "different_surnames",
            last.unwrap_or(0.0),
        );
    }
    let ceiling = config.thresholds.auto_match - 0.01;
    if zip.is_some_and(|z| z < 1.0) {
        // People move: a name rare in the whole file is worth a look; any other is not.
        let rare_anywhere =
            a.name_coincidence_in_file.max(b.name_coincidence_in_file) < config.rare_name_below;
        let cap = if rare_anywhere { ceiling } else { below_review };
        return (score.min(cap), "different_zip", zip.unwrap_or(0.0));
    }
    let same_first = first_tokens(a, b).is_some_and(|(x, y)| x == y);
    let names_agree =
        similar.first_name.is_some_and(|s| s >= 0.9) && last.is_some_and(|s| s >= 0.95);
    let contradictions = [similar.email, similar.phone, similar.address]
        .iter()
        .filter(|s| s.is_some_and(|s| s < 0.5))
        .count();
    // With a contradiction, only the same spelling of the first name will do: nickname
    // forms and typos of a rare name are as likely to be a relative or a namesake.
    // In a family (other first names with this surname at either record's address) a
    // same-named relative is no coincidence: a contradiction there is for a person to judge.
    let rare_below = match (contradictions, same_first && !in_family(a, b)) {
        (0, _) => config.rare_name_below,
        (1, true) => config.rare_name_below / 4.0,
        _ => 0.0,
    };
    let coincidence = a.name_coincidence.max(b.name_coincidence);
    let distinct_systems = a.source != b.source || contradictions == 0;
    if names_agree && zip == Some(1.0) && distinct_systems && coincidence < rare_below {
        return (
            (1.0 - coincidence).max(score),
            "rare_name",
            1.0 - coincidence,
        );
    }
    let commonness = a.last_name_count.max(b.last_name_count).max(1) as f64;
    let factor = (1.0 - 0.04 * commonness.ln()).clamp(0.75, 1.0);
    ((score * factor).min(ceiling), "common_name", factor)
}

/// Surnames that differ beyond a typo (`similarity` is their `surname_similarity`), or that
/// are two different real surnames however alike they look.
pub(crate) fn surnames_differ(x: &str, y: &str, similarity: f64) -> bool {
    similarity < 0.9 || distinct_surnames(x, y)
}

/// Both records give the same email, and it is a person's own (not a household's).
pub(crate) fn same_personal_email(a: &Rec, b: &Rec) -> bool {
    both(&a.n.email, &b.n.email).is_some_and(|(x, y)| x == y && !is_joint_mailbox(x))
}

/// Both records give the same household mailbox (`smithfamily@`, `thesmiths@`).
fn shared_household_mailbox(a: &Rec, b: &Rec) -> bool {
    both(&a.n.email, &b.n.email).is_some_and(|(x, y)| x == y && is_joint_mailbox(x))
}

/// Whether either record lives where the file shows a family of its surname: two or more
/// different first names at one address.
fn in_family(a: &Rec, b: &Rec) -> bool {
    a.family_first_names.max(b.family_first_names) >= 2
}

/// Each field's similarity for one pair; `None` where either record lacks the field.
#[derive(Debug, Clone, Copy)]
struct Similarities {
    first_name: Option<f64>,
    last_name: Option<f64>,
    email: Option<f64>,
    phone: Option<f64>,
    address: Option<f64>,
    zip: Option<f64>,
    date_of_birth: Option<f64>,
}

impl Similarities {
    /// `(field, similarity)` in `FIELDS` order.
    fn named(&self) -> impl Iterator<Item = (&'static str, Option<f64>)> {
        let values = [
            self.first_name,
            self.last_name,
            self.email,
            self.phone,
            self.address,
            self.zip,
            self.date_of_birth,
        ];
        FIELDS.into_iter().zip(values)
    }
}

/// Move a pair's score to `to` under a rule that is not a field, recording the move as the
/// rule's contribution so that the contributions still add up to the score.
pub fn apply_rule(
    contributions: &mut Vec<Contribution>,
    score: &mut f64,
    rule: &'static str,
    similarity: f64,
    to: f64,
) {
    contributions.push(Contribution {
        field: Cow::Borrowed(rule),
        similarity,
        contribution: to - *score,
    });
    *score = to;
}

/// `b` as `a` reads it: with first and last name swapped back when `b` has them the
/// wrong way round.
fn oriented<'a>(a: &Rec, b: &'a Rec) -> Cow<'a, Rec> {
    if names_swapped(a, b) {
        let mut swapped = b.clone();
        std::mem::swap(&mut swapped.n.first, &mut swapped.n.last);
        swapped.n.first_canon = None;
        swapped.first_name_id = None;
        Cow::Owned(swapped)
    } else {
        Cow::Borrowed(b)
    }
}

/// Two different real given names, or two wholly different dates of birth: two people,
/// whatever else they share. `compare` flags these pairs as conflicts and lets no
/// deterministic rule merge them.
fn decisive_differences(a: &Rec, b: &Rec) -> (bool, bool) {
    // Except one mistyped letter that happens to spell another real name (Jon for John,
    // Marta for Martha) on records that give the same personal email.
    let distinct_first = first_tokens(a, b).is_some_and(|(x, y)| {
        distinct_given_names_by_id(x, y, a.first_id(), b.first_id())
            && !(strsim::levenshtein(x, y) == 1 && same_personal_email(a, b))
    });
    (distinct_first, dob_similarity(a, b) == Some(0.0))
}

/// Whether `compare` would call this pair a conflict for a reason nothing else can
/// outweigh (see `decisive_differences`): the bulk pass needs no score for such a pair,
/// only the cannot-link, and half the pairs blocking yields are such (relatives,
/// neighbours with one surname).
pub fn clearly_two_people(a: &Rec, b: &Rec) -> bool {
    let (distinct_first, dob_conflict) = decisive_differences(a, &oriented(a, b));
    distinct_first || dob_conflict
}

/// Score a pair. Returns the score with each field's contribution.
pub fn compare(a: &Rec, b: &Rec, config: &ResolutionConfig) -> Scored {
    Comparer::new(config).compare(a, b)
}

/// Compares pairs under one configuration, with the fields' weights looked up once rather
/// than by name on every pair.
pub struct Comparer<'c> {
    config: &'c ResolutionConfig,
    /// In `FIELDS` order.
    weights: [FieldWeight; 7],
}

impl<'c> Comparer<'c> {
    pub fn new(config: &'c ResolutionConfig) -> Comparer<'c> {
        Comparer {
            config,
            weights: FIELDS.map(|field| config.weight(field)),
        }
    }

    /// Score a pair. Returns the score with each field's contribution.
    pub fn compare(&self, a: &Rec, b: &Rec) -> Scored {
        let config = self.config;
        let b = &*oriented(a, b);
        let first = first_name_similarity(a, b);
        let last = last_name_similarity(a, b);
        let dob = dob_similarity(a, b);
        let (distinct_first, dob_conflict) = decisive_differences(a, b);
        // The same date of birth outweighs a badly spelled first name (relatives seldom
        // share one; twins have different names, which `distinct_first` still catches).
        let same_dob = dob == Some(1.0);
        let conflict = (first.is_some_and(|s| s < config.guards.first_name_conflict_below)
            && !same_dob)
            || distinct_first
            || dob_conflict;
        let similar = Similarities {
            first_name: first,
            last_name: last,
            email: email_similarity(a, b),
            phone: phone_similarity(a, b),
            address: address_similarity(a, b),
            zip: zip_similarity(a, b),
            date_of_birth: dob,
        };
        if let Some(rule) = deterministic_rule(
            a,
            b,
            &similar,
            distinct_first || dob_conflict,
            conflict,
            config,
        ) {
            let contributions = similar
                .named()
                .filter_map(|(f, s)| s.map(|s| (f, s)))
                .map(|(f, s)| Contribution {
                    field: Cow::Borrowed(f),
                    similarity: s,
                    contribution: if f == rule { 1.0 } else { 0.0 },
                })
                .collect();
            return Scored {
                score: 1.0,
                rule,
                contributions,
                conflict: false,
            };
        }
        let (mut contributions, mut score) = self.weighted(&similar);
        let identifier_agrees = identifier_agrees(&similar);
        let (agreement, pair) = ((identifier_agrees, conflict), (a, b));
        self.apply_rules(pair, &similar, agreement, &mut contributions, &mut score);
        Scored {
            score,
            rule: if identifier_agrees || conflict {
                "weighted"
            } else {
                "names_only"
            },
            contributions,
            conflict,
        }
    }

    /// Weighted: agreement earns a field's full weight, disagreement keeps only part of
    /// it; missing fields do not count. Too little evidence scales the score down.
    fn weighted(&self, similar: &Similarities) -> (Vec<Contribution>, f64) {
        let config = self.config;
        let mut effective = Vec::with_capacity(FIELDS.len());
        let mut nominal = 0.0;
        for ((field, similarity), w) in similar.named().zip(&self.weights) {
            if let Some(s) = similarity {
                nominal += w.weight;
                effective.push((field, s, w.weight * (s + (1.0 - s) * w.disagreement)));
            }
        }
        let total: f64 = effective.iter().map(|(_, _, w)| w).sum();
        let evidence = if config.min_evidence > 0.0 {
            (nominal / config.min_evidence).min(1.0)
        } else {
            1.0
        };
        let contributions: Vec<Contribution> = effective
            .iter()
            .map(|(field, s, w)| Contribution {
                field: Cow::Borrowed(field),
                similarity: *s,
                contribution: if total > 0.0 {
                    w * s / total * evidence
                } else {
                    0.0
                },
            })
            .collect();
        let score = contributions.iter().map(|c| c.contribution).sum();
        (contributions, score)
    }

    /// The rules a weighted score answers to: identifiers a household shares, a pair
    /// resting on its names, the household guard. Each move is a contribution.
    /// `identifier_agrees`: an email, phone, address or date of birth agrees; `conflict`:
    /// the household guard's.
    fn apply_rules(
        &self,
        (a, b): (&Rec, &Rec),
        similar: &Similarities,
        (identifier_agrees, conflict): (bool, bool),
        contributions: &mut Vec<Contribution>,
        score: &mut f64,
    ) {
        let config = self.config;
        // Weak evidence: when no identifier agrees, a pair rests on its names, and a
        // common surname is weak evidence of one person.
        // An address or a landline is shared by a household: when nothing personal (an
        // email, a date of birth) agrees and an email or phone contradicts, a relative with
        // the same name is as likely as one person (a father and son, both Robert). A
        // person decides.
        let personal_agrees = agrees(similar.email) || agrees(similar.date_of_birth);
        let contradicts = [similar.email, similar.phone]
            .iter()
            .any(|s| s.is_some_and(|s| s < 0.5));
        let ceiling = config.thresholds.auto_match - 0.01;
        let same_first = first_tokens(a, b).is_some_and(|(x, y)| x == y);
        let relative_possible = !same_first || (a.source == b.source && in_family(a, b));
        if identifier_agrees
            && !personal_agrees
            && contradicts
            && relative_possible
            && *score > ceiling
        {
            let rule = "household_identifiers_only";
            apply_rule(contributions, score, rule, 0.0, ceiling);
        }
        if !identifier_agrees && !conflict {
            let (adjusted, reason, similarity) = names_only(a, b, similar, *score, config);
            if adjusted != *score {
                apply_rule(contributions, score, reason, similarity, adjusted);
            }
        }
        if conflict && *score > config.guards.cap {
            let cap = config.guards.cap;
            apply_rule(contributions, score, "household_guard", 0.0, cap);
        }
    }
}

/// A similarity that counts as agreement.
fn agrees(similarity: Option<f64>) -> bool {
    similarity.is_some_and(|s| s >= 0.9)
}

/// An identifier (email, phone, address, date of birth) agrees.
fn identifier_agrees(similar: &Similarities) -> bool {
    [
        similar.email,
        similar.phone,
        similar.address,
        similar.date_of_birth,
    ]
    .into_iter()
    .any(agrees)
}

/// The configured deterministic rule (`email` or `phone`) this pair meets, if any.
///
/// An exact phone is the same person unless the names conflict or the surnames clearly
/// differ (a household landline). An exact personal email (not a household's shared
/// mailbox) is too, through a typo or an unlisted nickname in the first name; across
/// surnames only with the same first name (a married name). Two real, different first
/// names or dates of birth (`decisive`) always stop it.
fn deterministic_rule(
    a: &Rec,
    b: &Rec,
    similar: &Similarities,
    decisive: bool,
    conflict: bool,
    config: &ResolutionConfig,
) -> Option<&'static str> {
    similar.first_name?;
    let same_surname = similar.last_name.is_none_or(|s| s >= 0.85);
    let email_rule = || {
        same_personal_email(a, b) && !decisive && (same_surname || similar.first_name == Some(1.0))
    };
    // Two personal emails that differ make a shared phone a household's landline.
    let emails_differ = || {
        both(&a.n.email, &b.n.email)
            .is_some_and(|(x, y)| x != y && !is_joint_mailbox(x) && !is_joint_mailbox(y))
    };
    let phone_rule = || {
        both(&a.n.phone, &b.n.phone).is_some_and(|(x, y)| x == y)
            && !conflict
            && same_surname
            && !emails_differ()
    };
    config
        .deterministic
        .iter()
        .find_map(|rule| match rule.as_str() {
            "email" => email_rule().then_some("email"),
            "phone" => phone_rule().then_some("phone"),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::Band;

    fn config() -> ResolutionConfig {
        ResolutionConfig::shipped()
    }

    fn rec(first: &str, last: &str, email: &str, phone: &str, address: &str, zip: &str) -> Rec {
        let s = |v: &str| (!v.is_empty()).then(|| v.to_string());
        Rec {
            id: 0,
            source: "t".into(),
            n: NormalizedPerson {
                first: s(first),
                first_canon: s(&super::super::normalize::canonical_first(first)),
                last: s(last),
                email: s(email),
                phone: s(phone),
                address: s(address),
                zip: s(zip),
                ..NormalizedPerson::default()
            },
            ..Rec::default()
        }
    }

    /// Robert Smith with a phone and Bob Smyth with an email, at one address: a pair that
    /// uses most fields.
    fn robert_and_bob() -> (Rec, Rec) {
        (
            rec(
                "robert",
                "smith",
                "",
                "3125550101",
                "12 n halsted st",
                "60614",
            ),
            rec("bob", "smyth", "bob@x.com", "", "12 n halsted st", "60614"),
        )
    }

    #[test]
    fn stored_contributions_read_back_as_computed() {
        let (a, b) = robert_and_bob();
        let scored = compare(&a, &b, &config());
        assert!(
            scored.contributions.len() >= 4,
            "{:?}",
            scored.contributions
        );
        let stored = encode_contributions(&scored.contributions).unwrap();
        assert!(stored.starts_with("[[\"first_name\","), "{stored}");
        assert_eq!(decode_contributions(&stored).unwrap(), scored.contributions);
    }

    #[test]
    fn contributions_add_up_to_the_score() {
        let c = config();
        let pairs = [
            robert_and_bob(),
            (
                rec("mary", "jones", "mj@x.com", "", "", "60657"),
                rec("mary", "jones", "mjones@y.com", "", "", "60657"),
            ),
            (
                rec("ann", "lee", "", "3125550101", "5 w elm st", "60201"),
                rec("tom", "lee", "", "3125550101", "5 w elm st", "60201"),
            ),
        ];
        for (a, b) in pairs {
            let s = compare(&a, &b, &c);
            let sum: f64 = s.contributions.iter().map(|x| x.contribution).sum();
            assert!((sum - s.score).abs() < 1e-9, "{sum} vs {}", s.score);
        }
    }

    #[test]
    fn household_members_sharing_everything_but_a_first_name_do_not_match() {
        let c = config();
        let a = rec(
            "ann",
            "lee",
            "leefamily@x.com",
            "3125550101",
            "5 w elm st",
            "60201",
        );
        let b = rec(
            "thomas",
            "lee",
            "leefamily@x.com",
            "3125550101",
            "5 w elm st",
            "60201",
        );
        let s = compare(&a, &b, &c);
        assert!(s.conflict);
        assert!(s.score <= c.guards.cap, "{s:?}");
        assert_eq!(
            s.rule, "weighted",
            "a shared mailbox is not a deterministic match"
        );
    }

    #[test]
    fn nicknames_and_exact_email_are_a_deterministic_match() {
        let c = config();
        let a = rec("elizabeth", "brown", "lizb@x.com", "", "", "60614");
        let b = rec("liz", "brown", "lizb@x.com", "", "", "");
        let s = compare(&a, &b, &c);
        assert_eq!((s.score, s.rule), (1.0, "email"));
    }

    #[test]
    fn a_common_name_and_zip_alone_is_not_a_match() {
        let c = config();
        let a = rec(
            "john",
            "smith",
            "js1@x.com",
            "3125550101",
            "1 n clark st",
            "60614",
        );
        let b = rec(
            "john",
            "smith",
            "john.smith@y.com",
            "7735550199",
            "900 w belmont ave",
            "60614",
        );
        assert!(compare(&a, &b, &c).score < c.thresholds.review);
    }

    #[test]
    fn swapped_first_and_last_names_still_match() {
        let c = config();
        let a = rec("garcia", "maria", "", "3125550101", "1 n clark st", "60614");
        let b = rec("maria", "garcia", "", "3125550101", "1 n clark st", "60614");
        assert_eq!(compare(&a, &b, &c).score, 1.0);
    }

    #[test]
    fn address_token_similarity_needs_the_same_house_number() {
        assert_eq!(token_similarity("12 n halsted st", "14 n halsted st"), 0.0);
        assert!(token_similarity("12 n halsted st", "12 halsted st") > 0.7);
    }

    /// `rec` with its name frequencies: `in_zip` namesakes expected in its ZIP.
    fn with_rarity(mut r: Rec, in_zip: f64) -> Rec {
        r.name_coincidence = in_zip;
        r.name_coincidence_in_file = in_zip * 50.0;
        r.last_name_count = 3;
        r
    }

    fn from(mut r: Rec, source: &str) -> Rec {
        r.source = source.into();
        r
    }

    #[test]
    fn real_first_names_that_look_alike_are_two_people() {
        let c = config();
        for (x, y) in [
            ("marc", "martha"),
            ("michelle", "michael"),
            ("mary", "marty"),
        ] {
            let a = rec(
                x,
                "hopson",
                "",
                "3125550101",
                "6471 washington blvd",
                "60647",
            );
            let b = rec(
                y,
                "hopson",
                "",
                "3125550101",
                "6471 washington blvd",
                "60647",
            );
            let s = compare(&a, &b, &c);
            assert!(s.conflict, "{x}/{y}: {s:?}");
            assert!(s.score <= c.guards.cap, "{x}/{y}");
        }
        // Nickname forms and a typo are one person.
        for (x, y) in [("bob", "robert"), ("jessiie", "jessie")] {
            let a = rec(x, "hopson", "", "3125550101", "", "60647");
            let b = rec(y, "hopson", "", "3125550101", "", "60647");
            assert_eq!(compare(&a, &b, &c).score, 1.0, "{x}/{y}");
        }
    }

    #[test]
    fn a_rare_name_in_one_zip_merges_and_a_common_one_goes_to_review() {
        let c = config();
        let donor = rec(
            "christine",
            "reynolds",
            "ccreynolds2@comcast.net",
            "8476437583",
            "6736 s archer ave",
            "60647",
        );
        let reader = rec(
            "christine",
            "reynolds",
            "c.reynolds@example.com",
            "",
            "",
            "60647",
        );
        let rare = compare(
            &from(with_rarity(donor.clone(), 0.002), "wbez"),
            &from(with_rarity(reader.clone(), 0.002), "email"),
            &c,
        );
        assert!(rare.score >= c.thresholds.auto_match, "{rare:?}");
        assert!(rare.contributions.iter().any(|x| x.field == "rare_name"));
        let sum: f64 = rare.contributions.iter().map(|x| x.contribution).sum();
        assert!((sum - rare.score).abs() < 1e-9);

        let common = compare(
            &from(with_rarity(donor.clone(), 0.4), "wbez"),
            &from(with_rarity(reader.clone(), 0.4), "email"),
            &c,
        );
        assert_eq!(Band::of(common.score, &c), Band::Review, "{common:?}");

        // The same rare name in another ZIP, or another surname, is not enough to look at.
        let mut moved = reader.clone();
        moved.n.zip = Some("60614".into());
        let elsewhere = compare(
            &from(with_rarity(donor.clone(), 0.4), "wbez"),
            &from(with_rarity(moved, 0.4), "email"),
            &c,
        );
        assert!(elsewhere.score < c.thresholds.review, "{elsewhere:?}");
        let mut other = reader;
        other.n.last = Some("reyes".into());
        let namesake = compare(
            &from(with_rarity(donor, 0.002), "wbez"),
            &from(with_rarity(other, 0.002), "email"),
            &c,
        );
        assert!(namesake.score < c.thresholds.review, "{namesake:?}");
    }

    #[test]
    fn a_shared_landline_and_address_with_different_emails_is_for_a_person_to_decide() {
        // Father and son, both Robert, one home: the emails are the only difference.
        let c = config();
        let a = rec(
            "robert",
            "adams",
            "robert.adams5075@gmail.com",
            "7737309157",
            "3797 n milwaukee ave",
            "60402",
        );
        let b = rec(
            "rob",
            "adams",
            "radams5078@gmail.com",
            "7737309157",
            "3797 n milwaukee ave",
            "60402",
        );
        let s = compare(&a, &b, &c);
        assert_eq!(
            s.rule, "weighted",
            "a landline is not a deterministic match here"
        );
        assert_eq!(Band::of(s.score, &c), Band::Review, "{s:?}");
    }

    #[test]
    fn a_joint_mailbox_is_not_an_identifier_and_a_personal_email_survives_a_married_name() {
        let c = config();
        assert!(is_joint_mailbox("thesmiths@example.com"));
        assert!(is_joint_mailbox("kellyhousehold@yahoo.com"));
        assert!(!is_joint_mailbox("theo.smith@example.com"));
        let maiden = rec(
            "kathleen",
            "oliveira",
            "kathleen.z.oliveira45@uchicago.edu",
            "",
            "",
            "60629",
        );
        let married = rec(
            "kathleen",
            "ferguson",
            "kathleen.z.oliveira45@uchicago.edu",
            "",
            "",
            "60629",
        );
        assert_eq!(compare(&maiden, &married, &c).rule, "email");
    }

    #[test]
    fn names_entered_the_wrong_way_round_with_a_typo_still_match() {
        let c = config();
        let a = rec(
            "wallace",
            "kenneth",
            "kenneth.wallace465@gmail.com",
            "",
            "",
            "60641",
        );
        let b = rec(
            "kenneth",
            "wllace",
            "kenneth.wallace465@gmail.com",
            "",
            "",
            "60641",
        );
        let s = compare(&a, &b, &c);
        assert!(!s.conflict, "{s:?}");
        assert!(s.score >= c.thresholds.auto_match, "{s:?}");
    }

    #[test]
    fn a_mistyped_date_of_birth_is_not_a_different_person() {
        let c = config();
        let mut a = rec("edith", "norman", "", "", "1830 n harlem ave", "60804");
        let mut b = a.clone();
        for (x, y, conflict) in [
            ("1966-03-06", "1966-03-07", false), // one digit
            ("1966-03-06", "1966-06-03", false), // day and month swapped
            ("1966-03-06", "1913-06-29", true),  // another person: a mother and daughter
        ] {
            a.dob = Some(x.into());
            b.dob = Some(y.into());
            assert_eq!(compare(&a, &b, &c).conflict, conflict, "{x} {y}");
        }
    }

    #[test]
    fn clearly_two_people_only_where_compare_sees_an_unmovable_conflict() {
        let c = config();
        let base = rec(
            "ann",
            "lee",
            "ann@x.com",
            "3125550101",
            "5 w elm st",
            "60201",
        );
        let cases = [
            (
                rec(
                    "thomas",
                    "lee",
                    "ann@x.com",
                    "3125550101",
                    "5 w elm st",
                    "60201",
                ),
                true,
            ),
            (
                rec("annie", "lee", "", "3125550101", "5 w elm st", "60201"),
                false,
            ),
            (rec("lee", "ann", "", "", "5 w elm st", "60201"), false), // names swapped
            (rec("anm", "lee", "ann@x.com", "", "", "60201"), false),  // a typo, same email
            (rec("ann", "lee", "", "", "", "60201"), false),
        ];
        for (other, two) in cases {
            assert_eq!(clearly_two_people(&base, &other), two, "{other:?}");
            if two {
                let s = compare(&base, &other, &c);
                assert!(s.conflict && s.score < c.thresholds.review, "{s:?}");
            }
        }
        let (mut a, mut b) = (base.clone(), base.clone());
        a.dob = Some("1966-03-06".into());
        b.dob = Some("1913-06-29".into());
        assert!(clearly_two_people(&a, &b) && compare(&a, &b, &c).conflict);
    }

    #[test]
    fn swapped_names_with_a_nickname_are_turned_back() {
        let c = config();
        let a = rec(
            "omalley",
            "frank",
            "fiomalley3889@icloud.com",
            "",
            "",
            "60632",
        );
        let b = rec(
            "francis",
            "omalley",
            "fiomalley3889@icloud.com",
            "",
            "",
            "60632",
        );
        assert!(names_swapped(&a, &b));
        assert_eq!(compare(&a, &b, &c).rule, "email");
        // Two different people whose names merely cross are not swapped.
        let x = rec("frank", "omalley", "", "", "", "60632");
        assert!(!names_swapped(&x, &b));
    }

    #[test]
    fn a_typo_that_spells_another_real_name_is_one_person_on_the_same_personal_email() {
        let c = config();
        let a = rec("jon", "valenti", "jvalenti9452@icloud.com", "", "", "60611");
        let b = rec(
            "john",
            "valenti",
            "jvalenti9452@icloud.com",
            "",
            "",
            "60611",
        );
        assert!(!clearly_two_people(&a, &b));
        assert_eq!(compare(&a, &b, &c).score, 1.0);
        // Without the shared email, Jon and John stay two people; so do names further apart.
        let other_email = rec("john", "valenti", "john.v@x.com", "", "", "60611");
        assert!(clearly_two_people(&a, &other_email));
        let joan = rec(
            "joan",
            "valenti",
            "jvalenti9452@icloud.com",
            "",
            "",
            "60611",
        );
        let jane = rec(
            "jane",
            "valenti",
            "jvalenti9452@icloud.com",
            "",
            "",
            "60611",
        );
        assert!(clearly_two_people(&jane, &b), "jane/john: two edits");
        assert!(
            !clearly_two_people(&joan, &a),
            "joan/jon: one letter, one mailbox"
        );
    }

    #[test]
    fn the_same_name_on_a_household_mailbox_is_one_person_and_a_partner_is_not() {
        let c = config();
        let event = rec(
            "sharon",
            "bailey",
            "baileyfamily@gmail.com",
            "",
            "",
            "60618",
        );
        let paper = rec(
            "sharon",
            "bailey",
            "baileyfamily@gmail.com",
            "",
            "2645 w devon ave",
            "60618",
        );
        // A common name: without the mailbox it would be for a person to judge.
        let (event, paper) = (with_rarity(event, 0.4), with_rarity(paper, 0.4));
        let s = compare(&event, &paper, &c);
        assert_eq!(Band::of(s.score, &c), Band::Auto, "{s:?}");
        let sum: f64 = s.contributions.iter().map(|x| x.contribution).sum();
        assert!((sum - s.score).abs() < 1e-9);
        let mut no_mailbox = event.clone();
        no_mailbox.n.email = None;
        let without = compare(&no_mailbox, &paper, &c);
        assert_eq!(Band::of(without.score, &c), Band::Review, "{without:?}");
        // A married name on the family mailbox: still the same first name in that home.
        let married = rec(
            "gilda",
            "taylor",
            "taylorhousehold@gmail.com",
            "",
            "",
            "60624",
        );
        let maiden = rec(
            "gilda",
            "ingram",
            "taylorhousehold@gmail.com",
            "",
            "",
            "60624",
        );
        assert_eq!(
            Band::of(compare(&married, &maiden, &c).score, &c),
            Band::Auto
        );
        // Across surnames, nickname forms of one name on a family mailbox are a couple.
        let jimmy = rec(
            "jimmy",
            "mitchell",
            "mitchellfamily@aol.com",
            "",
            "",
            "60608",
        );
        let jamie = rec("jamie", "mooney", "mitchellfamily@aol.com", "", "", "60608");
        let couple = compare(&jimmy, &jamie, &c);
        assert!(couple.score < c.thresholds.review, "{couple:?}");
        // The partner on the same mailbox is someone else.
        let partner = rec(
            "thomas",
            "bailey",
            "baileyfamily@gmail.com",
            "",
            "",
            "60618",
        );
        let s = compare(&event, &partner, &c);
        assert!(s.conflict && s.score < c.thresholds.review, "{s:?}");
    }

    /// `r` living where the file shows `n` first names with its surname.
    fn in_family_of(mut r: Rec, n: u32) -> Rec {
        r.family_first_names = n;
        r
    }

    #[test]
    fn a_same_named_relative_in_a_family_goes_to_review() {
        let c = config();
        // Two Edith Normans in one family's home, one system, different personal emails.
        let a = rec(
            "edith",
            "norman",
            "edith.s.norman91@icloud.com",
            "",
            "1830 n harlem ave",
            "60804",
        );
        let b = rec(
            "edith",
            "norman",
            "norman.edith.2592@icloud.com",
            "8725825332",
            "1830 n harlem ave",
            "60804",
        );
        let alone = compare(&a, &b, &c);
        let family = compare(&in_family_of(a.clone(), 2), &in_family_of(b.clone(), 2), &c);
        assert_eq!(Band::of(alone.score, &c), Band::Auto, "{alone:?}");
        assert_eq!(Band::of(family.score, &c), Band::Review, "{family:?}");
        // Across systems, a names-only match with a contradicting email: a rare name merges
        // on its own, and is for a person to judge when the other record's home is a family.
        let reader = from(
            with_rarity(
                rec(
                    "barb",
                    "johnson",
                    "barbara37511@comcast.net",
                    "",
                    "",
                    "60644",
                ),
                0.001,
            ),
            "email",
        );
        let donor = from(
            with_rarity(
                rec(
                    "barb",
                    "johnson",
                    "barbarajohnson7512@hotmail.com",
                    "",
                    "5889 forest ave",
                    "60644",
                ),
                0.001,
            ),
            "wbez",
        );
        let single = compare(&reader, &donor, &c);
        let related = compare(&reader, &in_family_of(donor, 2), &c);
        assert_eq!(Band::of(single.score, &c), Band::Auto, "{single:?}");
        assert_eq!(Band::of(related.score, &c), Band::Review, "{related:?}");
    }

    proptest::proptest! {
        #[test]
        fn edit_similarity_is_strsims_normalised_levenshtein(
            x in "[a-z0-9 .]{0,70}",
            y in "[a-z0-9 .]{0,70}",
            z in "\\PC{0,8}",
        ) {
            for (a, b) in [(x.as_str(), y.as_str()), (x.as_str(), z.as_str())] {
                let ours = edit_similarity(a, b);
                let theirs = normalized_levenshtein(a, b);
                proptest::prop_assert!((ours - theirs).abs() < 1e-12, "{a:?} {b:?}: {ours} vs {theirs}");
            }
        }

        #[test]
        fn email_similarity_on_the_stack_is_as_on_strings(
            // Names around the buffer's 64 bytes, and short ones with separators.
            x in "[a-c]{60,68}[._-]?[a-c]{0,3}@[a-z]{1,3}\\.com",
            y in "([a-c]{60,68}|[a-z._-]{0,12})@[a-z]{1,3}\\.com",
            z in "[a-z\u{e9}._]{0,8}@x\\.com",
        ) {
            // The names as plain strings, compared as before the stack buffers.
            let on_strings = |a: &str, b: &str| {
                let name = |e: &str| -> String { email_name_chars(e).collect() };
                let (na, nb) = (name(a), name(b));
                if a == b { None } else if na == nb { Some(0.9) } else { Some((normalized_levenshtein(&na, &nb) - 0.5).max(0.0)) }
            };
            for (a, b) in [(&x, &y), (&x, &z), (&z, &y)] {
                let (ra, rb) = (rec("", "", a, "", "", ""), rec("", "", b, "", "", ""));
                let ours = if a == b { None } else { email_similarity(&ra, &rb) };
                let theirs = on_strings(a, b);
                proptest::prop_assert!(
                    ours.zip(theirs).is_none_or(|(o, t)| (o - t).abs() < 1e-12) && ours.is_some() == theirs.is_some(),
                    "{a:?} {b:?}: {ours:?} vs {theirs:?}"
                );
            }
        }
    }
}
