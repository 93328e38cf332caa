//! Comparing two source records: the comparison vector (each field's level, see
//! [`super::model`]), the score the learned model gives it, and each field's part of that
//! score (they add up to it). Pure.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::model::{self, FIELD_COUNT, MISSING, MatchModel, Vector, field};
use super::nicknames_seen::NicknamesSeen;
use super::normalize::{
    clipped_form_by_id, distinct_given_names_by_id, distinct_surnames, given_name_id, house_number,
    is_joint_mailbox, misspelt_nickname_by_id, nickname_compatible, nickname_compatible_by_id,
    one_edit_apart,
};
use super::settings::ResolutionConfig;
pub use crate::vocab::record::{Rec, ValueCounts, WHOLE_DATE_LEN, first_token, system_id};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// Borrowed when computed (no allocation per compared pair), owned when read back.
    pub field: Cow<'static, str>,
    /// 0..1 similarity of the two values.
    pub similarity: f64,
    /// What this field adds to the score (negative when it is evidence against).
    pub contribution: f64,
}

/// A candidate's contributions as the store keeps them: a JSON array of
/// `[field, similarity, contribution]` triples. Still JSON, so `json_each` reads it in SQL.
///
/// Numbers are rounded (similarities to 3 places, contributions to 6: a million candidates
/// with ten rows each are some hundreds of megabytes less to write and hold), and the first
/// row takes up the rounding so that the stored rows still add up to the score.
pub fn encode_contributions(contributions: &[Contribution]) -> Result<String, serde_json::Error> {
    let round = |x: f64, places: i32| {
        let scale = 10f64.powi(places);
        (x * scale).round() / scale
    };
    let mut triples: Vec<(&str, f64, f64)> = contributions
        .iter()
        .map(|c| (&*c.field, round(c.similarity, 3), round(c.contribution, 6)))
        .collect();
    if let Some(first) = triples.first_mut() {
        let total: f64 = contributions.iter().map(|c| c.contribution).sum();
        let rest: f64 = contributions[1..]
            .iter()
            .map(|c| round(c.contribution, 6))
            .sum();
        first.2 = total - rest;
    }
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
    /// "email" / "phone" for a deterministic match, "model" for the learned model's.
    pub rule: &'static str,
    pub contributions: Vec<Contribution>,
    /// Two people the data says live together (a household) or differ in name and birth
    /// date: never linked through a chain of other matches in this run.
    pub conflict: bool,
}

/// The contribution row that holds the model's prior: how likely any compared pair is a
/// match before its fields are looked at.
pub const PRIOR: &str = "prior";

/// Both values, when both records have one.
fn both<'a>(a: Option<&'a str>, b: Option<&'a str>) -> Option<(&'a str, &'a str)> {
    a.zip(b)
}

/// A pair's comparison vector and, per field, the similarity shown for it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    pub vector: Vector,
    pub similarity: [f32; FIELD_COUNT],
}

/// `comparison_in` with every nickname pair the table relates taken as one name.
pub fn comparison(a: &Rec, b: &Rec) -> Comparison {
    comparison_in(&NicknamesSeen::All, a, b)
}

/// Compare two records field by field (`b` turned back first when its names are the wrong
/// way round), then set the levels that read several fields at once: what a household
/// shares, one home under two forms of a name, a changed surname. `seen`: the nickname
/// pairs the file shows one person using.
pub fn comparison_in(seen: &NicknamesSeen, a: &Rec, b: &Rec) -> Comparison {
    compare_fields(seen, a, b, true)
}

/// `comparison_in`'s levels alone: a name's likeness, where it only shows (its level
/// decided otherwise), is not computed. Most compared pairs are scored and dropped, and
/// their names' Jaro–Winkler was an eighth of a run.
pub fn levels_in(seen: &NicknamesSeen, a: &Rec, b: &Rec) -> Vector {
    compare_fields(seen, a, b, false).vector
}

/// The comparison, with each field's similarity where `show_similarity` (otherwise a
/// name's is 0 where it would only be shown).
fn compare_fields(seen: &NicknamesSeen, a: &Rec, b: &Rec, show_similarity: bool) -> Comparison {
    let (a, b) = oriented(seen, a, b);
    let (a, b) = (&*a, &*b);
    let mut vector = [MISSING; FIELD_COUNT];
    let mut similarity = [0.0f32; FIELD_COUNT];
    for (f, level) in [
        (field::FIRST, first_name_level(seen, a, b, show_similarity)),
        (field::LAST, last_name_level(a, b, show_similarity)),
        (field::DOB, dob_level(a, b)),
        (field::EMAIL, email_level(a, b)),
        (field::PHONE, phone_level(a, b)),
        (field::ADDRESS, address_level(a, b)),
        (field::CITY, city_level(a, b)),
        (field::ZIP, zip_level(a, b)),
        (field::MIDDLE, middle_name_level(a, b)),
        (field::GENDER, gender_level(a, b)),
        (field::SOURCE, Some(source_level(a, b))),
    ] {
        if let Some((level, s)) = level {
            vector[f] = level;
            similarity[f] = s as f32;
        }
    }
    let joint_mailbox =
        both(a.email(), b.email()).is_some_and(|(x, y)| x == y && is_joint_mailbox(x));
    set_household_levels(&mut vector, a, b, joint_mailbox);
    set_one_home_under_two_forms(&mut vector);
    set_surname_changed(&mut vector, joint_mailbox);
    set_gender_beside_the_name(&mut vector);
    set_home_beside_a_generation(&mut vector);
    set_family_mailbox(&mut vector, joint_mailbox);
    Comparison { vector, similarity }
}

/// The words after the given name's first ("john allen", "john a"): compared where both
/// records have them, by the first of them: the same word, one an initial of the other, or
/// different.
fn middle_name_level(a: &Rec, b: &Rec) -> Option<(u8, f64)> {
    fn middle(r: &Rec) -> Option<&str> {
        r.first()?.split(' ').nth(1)
    }
    let (x, y) = both(middle(a), middle(b))?;
    Some(if x == y {
        (1, 1.0)
    } else if one_is_the_others_initial(x, y) {
        (2, 0.8)
    } else {
        (3, 0.0)
    })
}

/// "j" beside "john" (either way round).
fn one_is_the_others_initial(x: &str, y: &str) -> bool {
    (x.len() == 1 && y.starts_with(x)) || (y.len() == 1 && x.starts_with(y))
}

fn gender_level(a: &Rec, b: &Rec) -> Option<(u8, f64)> {
    let (x, y) = a.female.zip(b.female)?;
    Some(if x == y { (1, 1.0) } else { (2, 0.0) })
}

/// One given name (the same, or but for a typo) already says one sex: the sex agreeing
/// too says nothing more, and counting it would weigh the name twice (most of all for two
/// namesakes, who share both). A sex that differs still counts (Chris and Chris of one
/// home), and one that agrees under two forms of a name (Alex beside Alexandra) does.
fn set_gender_beside_the_name(vector: &mut Vector) {
    let one_name = matches!(vector[field::FIRST], 1 | 3)
        || vector[field::FIRST] == model::GENERATION_ON_ONE_LEVEL;
    if one_name && vector[field::GENDER] == 1 {
        vector[field::GENDER] = MISSING;
    }
}

/// One name with Jr or Sr on one record only: the other record is the man's, or his
/// father's or son's, who live where he does. A city or ZIP they share then says little:
/// the donor file's compared pairs of both names exact share the ZIP in 77 % of one
/// person's and 6 % of two people's, but under a generation on one record 79 % and 60 %
/// (over all pairs it weighs +5.5 bits, and such pairs scored 0.85-0.99 were 45 % one
/// person). So a shared city and ZIP are left out there, as if not given; one that differs
/// still counts.
fn set_home_beside_a_generation(vector: &mut Vector) {
    if vector[field::FIRST] == model::GENERATION_ON_ONE_LEVEL {
        for f in [field::CITY, field::ZIP] {
            if vector[f] == 1 {
                vector[f] = MISSING;
            }
        }
    }
}

fn city_level(a: &Rec, b: &Rec) -> Option<(u8, f64)> {
    let (x, y) = both(a.city(), b.city())?;
    let s = if x == y { 1.0 } else { jaro_winkler(x, y) };
    Some((
        if s == 1.0 {
            1
        } else if s >= 0.9 {
            2
        } else {
            3
        },
        s,
    ))
}

/// Two postal codes: exact; in one area (all but their last two characters agree: a US
/// ZIP's first three digits, a UK postcode's sector "tq138"); in one district (the first
/// three characters: "tq1"; for a US ZIP the area already); or different.
fn zip_level(a: &Rec, b: &Rec) -> Option<(u8, f64)> {
    let (x, y) = both(a.zip(), b.zip())?;
    let agree_to = |end: usize| x.get(..end).is_some_and(|p| Some(p) == y.get(..end));
    Some(if x == y {
        (1, 1.0)
    } else if agree_to(x.len().saturating_sub(2).max(3)) {
        (2, 0.6)
    } else if agree_to(3) {
        (3, 0.3)
    } else {
        (4, 0.0)
    })
}

/// The source field's level for two records of one system.
const ONE_SOURCE_LEVEL: u8 = 2;

fn source_level(a: &Rec, b: &Rec) -> (u8, f64) {
    if a.source == b.source {
        (ONE_SOURCE_LEVEL, 1.0)
    } else {
        (1, 0.0)
    }
}

/// An identifier two people of one home share says nothing about which of them a record
/// is, and falls in a level of its own, "shared by a household", when the given names say
/// two people (and no birth date says one):
/// - an address or a landline: under two given names that are not one name (not the same,
///   a nickname form or a near spelling; a nickname form misspelt, Anie beside Anna, is at
///   one home likelier a relative's name), or under one name with Jr on one record only
///   or two middle names;
/// - a personal email: only under two different real given names, and not two one letter
///   apart (one mailbox shared by a nickname the table lacks, or under a typo that spells
///   another name, Micheal on michael.a.turner@, is likelier than by two people);
/// - a household's joint mailbox: under any two given names that are not one name (not
///   the same, a nickname form or a typo);
/// - any of them under two sexes (a gender or title column's: Chris and Chris, J. and J.).
fn set_household_levels(vector: &mut Vector, a: &Rec, b: &Rec, joint_mailbox: bool) {
    let first = vector[field::FIRST];
    let dob_agrees = matches!(vector[field::DOB], 1 | 2);
    let names_differ = (first == model::different_level(field::FIRST)
        || (first == 5 && misspelt_nickname(a, b)))
        && !dob_agrees;
    let real_names_differ = first != 2 && given_names_distinct(a, b) && !dob_agrees;
    let sexes_differ =
        vector[field::GENDER] == model::different_level(field::GENDER) && !dob_agrees;
    // Jr on one record only, at one home or on its landline: a Jr there means his father
    // is there too, and the record without the suffix is the father's as often as the
    // son's (the donor file: 26 such pairs two people, 7 one). Two middle names under one
    // given name there are two people of that name too.
    let two_men_of_one_name = (first == model::GENERATION_ON_ONE_LEVEL
        || vector[field::MIDDLE] == model::different_level(field::MIDDLE))
        && !dob_agrees;
    for f in [field::EMAIL, field::PHONE, field::ADDRESS] {
        let household = vector[f] == 1
            && (sexes_differ
                || match f {
                    field::EMAIL if joint_mailbox => !one_given_name(first),
                    field::EMAIL => real_names_differ && first != model::ANOTHER_GIVEN_NAME,
                    _ => names_differ || real_names_differ || two_men_of_one_name,
                });
        if household && let Some(level) = model::household_level(f) {
            vector[f] = level;
        }
    }
}

/// One given name: the same, a nickname form, or a slip of the keyboard (not another real
/// name one letter away).
fn one_given_name(first_level: u8) -> bool {
    matches!(first_level, 1..=3)
}

/// One home under two forms of a given name, with two emails or two phones: a level of
/// its own.
fn set_one_home_under_two_forms(vector: &mut Vector) {
    let two_contacts = [field::EMAIL, field::PHONE]
        .iter()
        .any(|&f| vector[f] == model::different_level(f));
    let two_forms =
        vector[field::FIRST] == 2 || vector[field::FIRST] == model::NICKNAME_UNSEEN_LEVEL;
    if vector[field::ADDRESS] == 1 && two_forms && two_contacts {
        vector[field::ADDRESS] = model::ADDRESS_NICKNAME_TWO_CONTACTS_LEVEL;
    }
}

/// One mailbox under one given name: a surname that differs has changed. A family's
/// mailbox too, under the very same given name ("davisfamily@" under Gina Davis and Gina
/// Buck: in the generated 200k all 171 such pairs were one person's, a married name); not
/// under a nickname there (Bill Williams and Billy Barrett on "thewilliamss@" were two).
/// (Run after the household rule: an exact email here is no household's.)
fn set_surname_changed(vector: &mut Vector, joint_mailbox: bool) {
    let first = vector[field::FIRST];
    if vector[field::LAST] == model::different_level(field::LAST)
        && vector[field::EMAIL] == 1
        && one_given_name(first)
        && (!joint_mailbox || first == 1)
    {
        vector[field::LAST] = model::SURNAME_CHANGED_LEVEL;
    }
}

/// A family's mailbox shared under one given name (under two it is a household's): a
/// home's, a level of its own (see `MatchModel::u_scored`). Run last: the steps before
/// read such a mailbox as shared exactly.
fn set_family_mailbox(vector: &mut Vector, joint_mailbox: bool) {
    if joint_mailbox && vector[field::EMAIL] == 1 {
        vector[field::EMAIL] = model::FAMILY_MAILBOX_LEVEL;
    }
}

fn misspelt_nickname(a: &Rec, b: &Rec) -> bool {
    both(a.first(), b.first()).is_some_and(|(x, y)| {
        misspelt_nickname_by_id(first_token(x), first_token(y), a.first_id(), b.first_id())
    })
}

/// Two different real given names (both in the name tables, not nickname forms of one
/// another): two people, unless something as personal as a birth date says otherwise.
fn given_names_distinct(a: &Rec, b: &Rec) -> bool {
    both(a.first(), b.first()).is_some_and(|(x, y)| {
        // Here a typo that spells another common name (Jon, Joan) counts as that name: at
        // one home it is likelier a relative than a slip of the keyboard.
        distinct_given_names_by_id(first_token(x), first_token(y), a.first_id(), b.first_id())
    })
}

fn first_name_level(seen: &NicknamesSeen, a: &Rec, b: &Rec, show: bool) -> Option<(u8, f64)> {
    let (x, y) = both(a.first(), b.first())?;
    let (x, y) = (first_token(x), first_token(y));
    let shown = || if show { jaro_winkler(x, y) } else { 0.0 };
    // Father and son (Sr and Jr, II and III) share a name and often a home: a generation
    // that differs makes their given names two.
    if let (Some(g), Some(h)) = (a.generation, b.generation)
        && g != h
    {
        return Some((model::different_level(field::FIRST), shown()));
    }
    if x == y {
        // Jr beside no suffix: the son's record beside his own without it, or his father's.
        let generation_on_one = a.generation.is_some() != b.generation.is_some();
        return Some(match generation_on_one {
            true => (model::GENERATION_ON_ONE_LEVEL, 1.0),
            false => (1, 1.0),
        });
    }
    let (ix, iy) = (a.first_id(), b.first_id());
    let by_the_table = nickname_compatible_by_id(ix, iy);
    if clipped_form_by_id(x, y, ix, iy)
        || mailbox_names_one(a, b, x, y)
        || (by_the_table && seen.shows(ix, iy))
    {
        return Some((2, 1.0));
    }
    if by_the_table {
        // Shown as the spellings' likeness: the file does not make them one name.
        return Some((model::NICKNAME_UNSEEN_LEVEL, shown()));
    }
    // Two real given names one letter apart (Micheal and Michael, Jon and Joan) are a
    // level of their own: a typo in one file, two relatives in another; the model learns
    // which from the data. Two real given names further apart, however alike they look
    // (Marc and Martha), are two names.
    let distinct = distinct_given_names_by_id(x, y, ix, iy);
    // Two names this file shows as one person's (Bert and Robert, Micheal and Michael on
    // several personal mailboxes each) are a nickname the table lacks, where their
    // spelling alone would make them two names or merely alike.
    let or_shown_as_one = |level: u8| match seen.shows_as_one(x, y) {
        true => 2,
        false => level,
    };
    if one_edit_apart(x, y) {
        return Some((if distinct { or_shown_as_one(4) } else { 3 }, shown()));
    }
    if distinct {
        return Some((or_shown_as_one(6), shown()));
    }
    let s = jaro_winkler(x, y);
    let initial = one_is_the_others_initial(x, y);
    Some(if s >= 0.92 {
        (3, s)
    } else if s >= 0.80 || initial || misspelt_nickname_by_id(x, y, ix, iy) {
        (or_shown_as_one(5), s)
    } else {
        (or_shown_as_one(6), s)
    })
}

/// Two given names that one personal mailbox, shared by both records, shows to be one:
/// its name spells the longer given name in full and the shorter is written with that
/// name's letters in order, as abbreviations and clipped forms are (Chas and Robt on
/// charles.prather@, Bert on robert759480@). A household's member with another name (Mary
/// on robert.belt@) is not; nor is any pair without the shared mailbox.
fn mailbox_names_one(a: &Rec, b: &Rec, x: &str, y: &str) -> bool {
    let Some((e, f)) = both(a.email(), b.email()) else {
        return false;
    };
    let (short, long) = if x.len() <= y.len() { (x, y) } else { (y, x) };
    if e != f || short.chars().count() < 4 || long.len() <= short.len() || is_joint_mailbox(e) {
        return false;
    }
    let mailbox = e.split('@').next().unwrap_or("");
    let mut letters = long.chars();
    mailbox.contains(long) && short.chars().all(|c| letters.any(|l| l == c))
}

fn last_name_level<'a>(a: &'a Rec, b: &'a Rec, show: bool) -> Option<(u8, f64)> {
    let (x, y) = both(a.last(), b.last())?;
    // One name spaced two ways is the same name: "De La Cruz" and "Delacruz", "Garcia-Lopez"
    // (a hyphen reads as a space) and "Garcialopez".
    let unspaced = |name: &'a str| name.bytes().filter(|b| *b != b' ');
    if x == y || ((x.contains(' ') || y.contains(' ')) && unspaced(x).eq(unspaced(y))) {
        return Some((1, 1.0));
    }
    if distinct_surnames(x, y, (a.surname_frequency(), b.surname_frequency())) {
        let level = match one_edit_apart(x, y) {
            true => model::ANOTHER_SURNAME_LEVEL,
            false => model::different_level(field::LAST),
        };
        return Some((level, if show { jaro_winkler(x, y) } else { 0.0 }));
    }
    let s = jaro_winkler(x, y);
    // Double-barrelled and hyphenated names: a shared token is strong agreement (looked
    // for only when the names are not alike already: it runs on millions of pairs).
    let shares_token = || {
        x.split(' ')
            .any(|t| t.len() > 2 && y.split(' ').any(|u| u == t))
    };
    Some(if s >= 0.92 || shares_token() {
        (2, s.max(0.92))
    } else if s >= 0.80 {
        (3, s)
    } else {
        (4, s)
    })
}

fn dob_level(a: &Rec, b: &Rec) -> Option<(u8, f64)> {
    let (x, y) = both(a.dob(), b.dob())?;
    if x == y {
        return Some((1, 1.0));
    }
    // A date given in part (a year, or a year and month) agrees as far as both go, weakly,
    // or differs: a year a digit off says nothing of a typo when there is nothing else.
    if x.len() != y.len() || x.len() < WHOLE_DATE_LEN {
        let common = x.len().min(y.len());
        return Some(if x.get(..common) == y.get(..common) {
            (4, 0.4)
        } else {
            (5, 0.0)
        });
    }
    // One mistyped digit, two neighbouring digits the wrong way round, or day and month
    // the wrong way round: a typo more than a different person. Two of year, month and
    // day (one part replaced, or mistyped past a digit): some agreement; the year alone,
    // weak agreement.
    let (xs, ys) = (x.as_bytes(), y.as_bytes());
    let mut differing = (0..xs.len().min(ys.len())).filter(|&i| xs[i] != ys[i]);
    let (first, second, third) = (differing.next(), differing.next(), differing.next());
    let one_digit = first.is_some() && second.is_none();
    let transposed = matches!((first, second, third), (Some(i), Some(j), None)
        if j == i + 1 && xs[i] == ys[j] && xs[j] == ys[i]);
    let swapped = x.len() == 10
        && y.len() == 10
        && x[..4] == y[..4]
        && x[5..7] == y[8..]
        && x[8..] == y[5..7];
    let parts_agreeing = [(0, 4), (5, 7), (8, 10)]
        .iter()
        .filter(|&&(from, to)| x.get(from..to) == y.get(from..to))
        .count();
    Some(if one_digit || transposed || swapped {
        (2, 0.8)
    } else if parts_agreeing == 2 {
        (3, 0.6)
    } else if x.get(..4) == y.get(..4) {
        (4, 0.4)
    } else {
        (5, 0.0)
    })
}

/// An email is an exact identifier: the same address, the same name at another domain, or
/// one mistyped character; anything else is another address (even one built from the same
/// names, as namesakes' often are).
fn email_level(a: &Rec, b: &Rec) -> Option<(u8, f64)> {
    let (x, y) = both(a.email(), b.email())?;
    if x == y {
        return Some((1, 1.0));
    }
    if one_edit_apart(x, y) {
        return Some((3, 0.95));
    }
    // Compared on the stack: nearly every compared pair has two different emails.
    let (mut x_buffer, mut y_buffer) = ([0; EMAIL_NAME_MAX], [0; EMAIL_NAME_MAX]);
    let same_name = match (email_name(x, &mut x_buffer), email_name(y, &mut y_buffer)) {
        (Some(nx), Some(ny)) => nx == ny,
        _ => email_name_chars(x).eq(email_name_chars(y)),
    };
    Some(if same_name { (2, 0.9) } else { (4, 0.0) })
}

fn phone_level(a: &Rec, b: &Rec) -> Option<(u8, f64)> {
    let (x, y) = both(a.phone(), b.phone())?;
    Some(if x == y {
        (1, 1.0)
    } else if [x, y]
        .iter()
        .all(|p| crate::normalize::is_north_american(p))
        && x[3..] == y[3..]
    {
        (2, 0.7) // same number, different area code: a typo or an overlay code
    } else {
        (3, 0.0)
    })
}

/// Two street lines: nothing alike unless the house numbers agree (when both have one),
/// then the Jaro–Winkler similarity of the rest ("12 n halsted st" ~ "12 halsted st").
fn street_similarity(x: &str, y: &str) -> f64 {
    let ((nx, rx), (ny, ry)) = (house_number(x), house_number(y));
    match (nx, ny) {
        (Some(p), Some(q)) if p != q => 0.0,
        _ => jaro_winkler(rx, ry),
    }
}

fn address_level(a: &Rec, b: &Rec) -> Option<(u8, f64)> {
    let (x, y) = both(a.address(), b.address())?;
    let units_differ = both(a.unit(), b.unit()).is_some_and(|(u, v)| u != v);
    let street = if x == y { 1.0 } else { street_similarity(x, y) };
    let s = if units_differ { street * 0.7 } else { street };
    Some(if s == 1.0 {
        (1, 1.0)
    } else if s >= 0.85 {
        (2, s)
    } else if s >= 0.6 {
        (3, s)
    } else {
        (4, s)
    })
}

/// A level's weight (log2) at or below which it says two people.
const TWO_PEOPLE: f64 = -4.0;

/// Scores pairs with a learned model and the run's thresholds.
pub struct Comparer<'c> {
    pub model: &'c MatchModel,
    config: &'c ResolutionConfig,
    /// Records in the file: a name's count over it is how common the name is.
    records: f64,
    /// Each field's weight by level, looked up once rather than divided and logged for
    /// every pair.
    table: [[f64; LEVEL_SLOTS]; FIELD_COUNT],
    /// The same where the two records share a street address: the fields that follow an
    /// address weigh as the model learned them among such pairs.
    table_given_address: [[f64; LEVEL_SLOTS]; FIELD_COUNT],
    /// The same where their street addresses differ.
    table_apart_address: [[f64; LEVEL_SLOTS]; FIELD_COUNT],
    /// Two records of one system: its weight, by system (`MatchModel::one_system`).
    in_system: Vec<(u32, f64)>,
    prior: f64,
}

/// Room for every field's levels and `MISSING`.
const LEVEL_SLOTS: usize = 10;
const _: () = {
    let mut f = 0;
    while f < FIELD_COUNT {
        assert!(model::LEVELS[f].len() < LEVEL_SLOTS);
        f += 1;
    }
};

impl<'c> Comparer<'c> {
    pub fn new(
        model: &'c MatchModel,
        config: &'c ResolutionConfig,
        records: usize,
    ) -> Comparer<'c> {
        let mut table = [[0.0; LEVEL_SLOTS]; FIELD_COUNT];
        let mut table_given_address = [[0.0; LEVEL_SLOTS]; FIELD_COUNT];
        let mut table_apart_address = [[0.0; LEVEL_SLOTS]; FIELD_COUNT];
        for f in 0..FIELD_COUNT {
            for level in 0..=model::LEVELS[f].len() {
                let w = model.weight(f, level as u8);
                table[f][level] = w;
                table_given_address[f][level] =
                    model.weight_given_address(f, level as u8).unwrap_or(w);
                table_apart_address[f][level] =
                    model.weight_apart_address(f, level as u8).unwrap_or(w);
            }
        }
        Comparer {
            model,
            config,
            records: records.max(1) as f64,
            table,
            table_given_address,
            table_apart_address,
            in_system: (model.one_system.iter())
                .map(|share| (system_id(&share.system), share.weight()))
                .collect(),
            prior: model.prior_weight(),
        }
    }

    /// Two records' comparison, with the nickname pairs the model's file shows.
    pub fn comparison(&self, a: &Rec, b: &Rec) -> Comparison {
        comparison_in(&self.model.nicknames_seen, a, b)
    }

    /// Two records' comparison vector alone (see `levels_in`).
    pub fn levels(&self, a: &Rec, b: &Rec) -> Vector {
        levels_in(&self.model.nicknames_seen, a, b)
    }

    /// Each field's weight (log2 Bayes factor) for this pair, exact names and birth dates
    /// adjusted for how common the value is in the file, and an exact city where no ZIP
    /// is compared and no street address shared (Arbroath shared says more than London;
    /// beside a ZIP or an address, they have said where).
    pub fn weights(&self, a: ValueCounts, b: ValueCounts, v: &Vector) -> [f64; FIELD_COUNT] {
        let at_one_address = model::shares_street_address(v);
        let table = if at_one_address {
            &self.table_given_address
        } else if v[field::ADDRESS] == model::different_level(field::ADDRESS) {
            &self.table_apart_address
        } else {
            &self.table
        };
        let mut weights = [0.0; FIELD_COUNT];
        for (f, w) in weights.iter_mut().enumerate() {
            *w = table[f][v[f] as usize];
        }
        weights[field::SOURCE] = self.source_weight(v, a.system);
        let [first, last] = self.model.u_exact_random;
        let city_baseline = if v[field::ZIP] == MISSING && !at_one_address {
            self.model.u_exact_city_random
        } else {
            0.0
        };
        for (f, count, baseline) in [
            (field::FIRST, a.first.max(b.first), first),
            (field::LAST, a.last.max(b.last), last),
            (
                field::DOB,
                a.birth.max(b.birth),
                self.model.u_exact_birth_random,
            ),
            (field::CITY, a.city.max(b.city), city_baseline),
        ] {
            // One given name with Jr on one record only is still that name, as common.
            let same_value =
                v[f] == 1 || (f == field::FIRST && v[f] == model::GENERATION_ON_ONE_LEVEL);
            if same_value && count > 0 && baseline > 0.0 {
                let frequency = f64::from(count) / self.records;
                weights[f] += (baseline / frequency).log2();
            }
        }
        weights
    }

    /// The configured deterministic rule this pair meets: an exact personal email or phone
    /// (not a household's), with nothing meaningful disagreeing (names, birth date, sex).
    /// A joint mailbox never merges by itself.
    pub fn deterministic_rule(&self, a: &Rec, v: &Vector) -> Option<&'static str> {
        let first = v[field::FIRST];
        let surname_agrees = !model::disagrees(field::LAST, v[field::LAST]);
        let names_agree = matches!(first, 1..=3) && (surname_agrees || first == 1);
        // A record without a given name (a newsletter's sign-up: an address and nothing
        // else) says nothing against a personal mailbox it shares; a landline it shares
        // could be anyone's at that home.
        let no_given_name = first == MISSING && surname_agrees;
        let dob_ok = v[field::DOB] != model::different_level(field::DOB);
        let sex_ok = v[field::GENDER] != model::different_level(field::GENDER);
        if !((names_agree || no_given_name) && dob_ok && sex_ok) {
            return None;
        }
        self.config
            .deterministic
            .iter()
            .find_map(|rule| match rule.as_str() {
                "email" if v[field::EMAIL] == 1 && !a.email().is_some_and(is_joint_mailbox) => {
                    Some("email")
                }
                _ if no_given_name => None,
                // Two personal emails that differ make a shared phone a household's landline.
                "phone"
                    if v[field::PHONE] == 1
                        && v[field::EMAIL] != model::different_level(field::EMAIL) =>
                {
                    Some("phone")
                }
                _ => None,
            })
    }

    /// A pair's score and rule from its vector (the bulk pass: no contributions).
    pub fn score(&self, a: &Rec, b: &Rec, v: &Vector) -> (f64, &'static str) {
        if let Some(rule) = self.deterministic_rule(a, v) {
            return (1.0, rule);
        }
        let total = self.prior
            + self
                .weights(a.value_counts(), b.value_counts(), v)
                .iter()
                .sum::<f64>();
        (model::probability(total), "model")
    }

    /// Whether a pair that does not match is two people the run must keep apart: given
    /// names that this file's model finds strong evidence of two people (the level is at
    /// least sixteen times likelier between two people than within one: a different name
    /// where names are seldom replaced, two real names a letter apart where those are
    /// relatives), with a home shared or birth dates that differ; or two records of one
    /// system below the review band where this file's systems seldom hold a person twice.
    pub fn is_conflict(&self, v: &Vector, score: f64) -> bool {
        let first_differs = v[field::FIRST] != MISSING
            && self.table[field::FIRST][v[field::FIRST] as usize] <= TWO_PEOPLE;
        let household = model::shared_by_a_household(v);
        let dob_differs = v[field::DOB] == model::different_level(field::DOB);
        // Two records of one system that the model does not call one person, where this
        // file's systems seldom hold a person twice: a chain through other systems (an
        // email platform's record that matches both) must not join them. (Only below
        // 0.5 at first: up to the review band, 20k and 300k lost no recall and 3 and 13
        // over-merged golden records fewer.)
        let one_system_two_people = v[field::SOURCE] != MISSING
            && self.table[field::SOURCE][v[field::SOURCE] as usize] <= TWO_PEOPLE / 2.0;
        score < self.config.thresholds.review
            && (one_system_two_people || (first_differs && (household || dob_differs)))
    }

    /// The weight of one file or two: for two records of one system, as this system
    /// holds a person twice, where the model learned it (`system`: the first record's).
    fn source_weight(&self, v: &Vector, system: u32) -> f64 {
        let level = v[field::SOURCE];
        let learned = (level == ONE_SOURCE_LEVEL)
            .then(|| self.in_system.iter().find(|(s, _)| *s == system))
            .flatten();
        learned.map_or(self.table[field::SOURCE][level as usize], |(_, w)| *w)
    }

    /// Score a pair with each field's part of the score.
    pub fn compare(&self, a: &Rec, b: &Rec) -> Scored {
        let compared = self.comparison(a, b);
        let (score, rule) = self.score(a, b, &compared.vector);
        Scored {
            score,
            rule,
            contributions: self.contributions(
                a.value_counts(),
                b.value_counts(),
                &compared,
                score,
                rule,
            ),
            conflict: self.is_conflict(&compared.vector, score),
        }
    }

    /// Each field's part of a pair's `score` (and the prior's): the rows add up to it.
    pub fn contributions(
        &self,
        a: ValueCounts,
        b: ValueCounts,
        Comparison { vector, similarity }: &Comparison,
        score: f64,
        rule: &'static str,
    ) -> Vec<Contribution> {
        let present = |f: &usize| vector[*f] != MISSING;
        let row = |f: usize, contribution: f64| Contribution {
            field: Cow::Borrowed(model::FIELDS[f]),
            similarity: f64::from(similarity[f]),
            contribution,
        };
        if rule != "model" {
            // A deterministic rule: its field is the whole score.
            return (0..FIELD_COUNT)
                .filter(present)
                .map(|f| row(f, if model::FIELDS[f] == rule { score } else { 0.0 }))
                .collect();
        }
        let weights = self.weights(a, b, vector);
        let prior = model::probability(self.prior);
        let evidence: f64 = weights.iter().sum();
        // Each field's share of the move from the prior, in proportion to its weight of
        // evidence: the rows add up to the score and keep their weights' signs.
        let per_weight = if evidence.abs() > 1e-12 {
            (score - prior) / evidence
        } else {
            0.0
        };
        std::iter::once(Contribution {
            field: Cow::Borrowed(PRIOR),
            similarity: prior,
            contribution: prior,
        })
        .chain(
            (0..FIELD_COUNT)
                .filter(present)
                .map(|f| row(f, weights[f] * per_weight)),
        )
        .collect()
    }
}

/// Jaro–Winkler similarity, as `strsim::jaro_winkler` computes it, with its match flags on
/// the stack for ASCII text of up to 64 bytes (every name): names are compared several
/// times per pair, tens of millions of times a run. Anything else goes to strsim.
pub(crate) fn jaro_winkler(a: &str, b: &str) -> f64 {
    const MAX: usize = 64;
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !(a.is_ascii() && b.is_ascii()) || x.len() > MAX || y.len() > MAX {
        return strsim::jaro_winkler(a, b);
    }
    if x.is_empty() && y.is_empty() {
        return 1.0;
    }
    if x.is_empty() || y.is_empty() {
        return 0.0;
    }
    let range = (x.len().max(y.len()) / 2).saturating_sub(1);
    let (mut x_flags, mut y_flags) = ([false; MAX], [false; MAX]);
    let mut matches = 0usize;
    for (i, xc) in x.iter().enumerate() {
        let lo = i.saturating_sub(range);
        let hi = (i + range + 1).min(y.len());
        for j in lo..hi {
            if !y_flags[j] && *xc == y[j] {
                x_flags[i] = true;
                y_flags[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut k = 0;
    for xc in x
        .iter()
        .enumerate()
        .filter(|(i, _)| x_flags[*i])
        .map(|(_, c)| c)
    {
        while !y_flags[k] {
            k += 1;
        }
        if *xc != y[k] {
            transpositions += 1;
        }
        k += 1;
    }
    let m = matches as f64;
    let jaro =
        (m / x.len() as f64 + m / y.len() as f64 + (m - (transpositions / 2) as f64) / m) / 3.0;
    if jaro > 0.7 {
        let prefix = x.iter().take(4).zip(y).take_while(|(p, q)| p == q).count();
        jaro + 0.1 * prefix as f64 * (1.0 - jaro)
    } else {
        jaro
    }
}

const EMAIL_NAME_MAX: usize = 64;

/// An email's name (before the `@`) without the dots, underscores and hyphens people
/// vary: "j.o_smith@x.com" -> "josmith".
pub(crate) fn email_name_chars(email: &str) -> impl Iterator<Item = char> + '_ {
    let name = email.split('@').next().unwrap_or(email);
    name.chars().filter(|c| !varies_in_email_names(*c))
}

/// The characters people put in or leave out of one email name ("jo.smith", "jo_smith").
fn varies_in_email_names(c: char) -> bool {
    matches!(c, '.' | '_' | '-')
}

/// `email_name_chars` as bytes in `buffer`, when the name is ASCII and fits (where a byte
/// is a character, as `edit_similarity_of_bytes` needs); `None` otherwise.
fn email_name<'b>(email: &str, buffer: &'b mut [u8; EMAIL_NAME_MAX]) -> Option<&'b [u8]> {
    // Byte by byte up to the `@`: nearly every compared pair has two emails to read.
    let mut n = 0;
    for b in email.bytes() {
        match b {
            b'@' => break,
            b if varies_in_email_names(char::from(b)) => {}
            b if b.is_ascii() => {
                *buffer.get_mut(n)? = b;
                n += 1;
            }
            _ => return None,
        }
    }
    Some(&buffer[..n])
}

/// Which record of a pair has first and last name the wrong way round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Swapped {
    Neither,
    First,
    Second,
}

/// Whether a record has first and last the wrong way round for this pair: each name
/// matches the other's opposite field (allowing a typo) better than its own. Which one is
/// told by the nickname, when one crossing is a nickname form; otherwise either reads the
/// same and the second is turned. `seen`: nicknames the file shows one person using (Bert
/// for Robert), which cross as one given name as the table's do.
fn names_swapped(seen: &NicknamesSeen, a: &Rec, b: &Rec) -> Swapped {
    match (
        both(a.first(), b.last()),
        both(a.last(), b.first()),
        both(a.first(), b.first()),
        both(a.last(), b.last()),
    ) {
        // Cheapest test first: on every compared pair, and almost always false. One
        // crossing pairs two surnames: alike (allowing a typo), with their first letter
        // right. The other pairs two first names, alike or nickname forms of one name
        // ("omalley frank" / "francis omalley"), whose first letters may differ where the
        // surnames cross exactly ("robinson rebecca" / "becky robinson").
        (Some((af, bl)), Some((al, bf)), Some((x, y)), Some((u, v))) if x != y || u != v => {
            let initial = |n: &str| n.as_bytes().first().copied();
            // A slip of the keyboard crosses as well as a spelling alike (Bovd and Boyd).
            let alike = |x: &str, y: &str| match jaro_winkler(x, y) {
                s if s < 0.9 && one_edit_apart(x, y) => 0.9,
                s => s,
            };
            let (crossed_first, crossed_last) =
                match (initial(af) == initial(bl), initial(al) == initial(bf)) {
                    (true, true) => (alike(af, bl), alike(al, bf)),
                    // A nickname form with another first letter: the surnames cross exactly.
                    (true, false) if af == bl => (1.0, 0.0),
                    (false, true) if al == bf => (0.0, 1.0),
                    _ => return Swapped::Neither,
                };
            if crossed_first < 0.9 && crossed_last < 0.9 {
                return Swapped::Neither;
            }
            // A nickname form, or one misspelt (Tnoy for Anthony), crosses as one given name.
            let as_given_names = |n: &str, m: &str, similarity: f64| {
                let (n, m) = (first_token(n), first_token(m));
                let one_name = || {
                    nickname_compatible(n, m)
                        || misspelt_nickname_by_id(n, m, given_name_id(n), given_name_id(m))
                        || seen.shows_as_one(n, m)
                };
                if similarity < 0.9 && one_name() {
                    1.0
                } else {
                    similarity
                }
            };
            // A nickname form across `a`'s surname field: `a` holds its given name there.
            let a_turned = crossed_last < 0.9;
            let crossed_first = as_given_names(af, bl, crossed_first);
            let crossed_last = as_given_names(al, bf, crossed_last);
            let swapped = crossed_first >= 0.9
                && crossed_last >= 0.9
                && crossed_first + crossed_last > jaro_winkler(x, y) + jaro_winkler(u, v);
            match (swapped, a_turned) {
                (false, _) => Swapped::Neither,
                (true, true) => Swapped::First,
                (true, false) => Swapped::Second,
            }
        }
        _ => Swapped::Neither,
    }
}

/// The pair with first and last name turned back in the record that has them the wrong
/// way round.
fn oriented<'a>(seen: &NicknamesSeen, a: &'a Rec, b: &'a Rec) -> (Cow<'a, Rec>, Cow<'a, Rec>) {
    let turned = |r: &Rec| Cow::Owned(r.with_names_swapped());
    match names_swapped(seen, a, b) {
        Swapped::Neither => (Cow::Borrowed(a), Cow::Borrowed(b)),
        Swapped::First => (turned(a), Cow::Borrowed(b)),
        Swapped::Second => (Cow::Borrowed(a), turned(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::Band;

    fn config() -> ResolutionConfig {
        ResolutionConfig::shipped()
    }

    /// A record from `source` with these normalised fields ("" = absent).
    fn rec(first: &str, last: &str, email: &str, phone: &str, address: &str, dob: &str) -> Rec {
        let canonical = super::super::normalize::canonical_first(first);
        let values = [
            first, &canonical, last, email, phone, address, "", "chicago", "60614", dob,
        ];
        Rec::new(0, "a".into(), values.map(Some))
    }

    fn from(mut r: Rec, source: &str) -> Rec {
        r.source = source.into();
        r
    }

    #[test]
    fn a_phone_under_another_area_code_is_a_north_american_numbers_level_only() {
        let level = |x: &str, y: &str| {
            let with = |phone: &str| rec("ann", "lee", "", phone, "", "");
            phone_level(&with(x), &with(y)).map(|(level, _)| level)
        };
        let other_area_code = model::level_named(field::PHONE, "same number, other area code");
        let different = model::different_level(field::PHONE);
        assert_eq!(level("3125550101", "7735550101"), Some(other_area_code));
        assert_eq!(level("+442079460958", "+442079460958"), Some(1));
        // "+44" and "+33" before the same digits are two countries' numbers.
        assert_eq!(level("+442079460958", "+332079460958"), Some(different));
        assert_eq!(level("3125550101", "+443125550101"), Some(different));
    }

    #[test]
    fn the_levels_alone_are_the_comparisons_levels_and_its_similarities_stay() {
        let names = [
            ("michael", "smith"),
            ("micheal", "smith"),
            ("mike", "smyth"),
            ("marc", "jones"),
            ("martha", "johnson"),
            ("robert", "smithe"),
            ("bob", "smith-jones"),
            ("m", "smith"),
            ("michael jr", "smith"),
            ("michael sr", "smith"),
        ];
        let records: Vec<Rec> = names
            .iter()
            .map(|(first, last)| {
                let mut r = rec(first, last, "", "", "1 n clark st", "1980-01-02");
                r.generation = first
                    .ends_with("jr")
                    .then_some(2)
                    .or(first.ends_with("sr").then_some(1));
                r
            })
            .collect();
        for a in &records {
            for b in &records {
                let b = from(b.clone(), "b");
                let full = comparison(a, &b);
                assert_eq!(levels_in(&NicknamesSeen::All, a, &b), full.vector);
                // The shown similarity of two given names at a level that is not one
                // name's is still their likeness.
                let one_name = [1, 2, model::GENERATION_ON_ONE_LEVEL];
                if !one_name.contains(&full.vector[field::FIRST]) {
                    let (x, y) = (
                        first_token(a.first().unwrap()),
                        first_token(b.first().unwrap()),
                    );
                    assert_eq!(full.similarity[field::FIRST], jaro_winkler(x, y) as f32);
                }
                let two_surnames = [
                    model::different_level(field::LAST),
                    model::ANOTHER_SURNAME_LEVEL,
                ];
                if two_surnames.contains(&full.vector[field::LAST]) {
                    let (x, y) = (a.last().unwrap(), b.last().unwrap());
                    assert_eq!(full.similarity[field::LAST], jaro_winkler(x, y) as f32);
                }
            }
        }
    }

    fn assert_shared_by_a_household(v: &Vector, fields: &[usize]) {
        for &f in fields {
            assert_eq!(
                Some(v[f]),
                model::household_level(f),
                "{}",
                model::FIELDS[f]
            );
        }
    }

    /// The comparison vector of `a` and `b`, `b` read from another source.
    fn across_sources(a: &Rec, b: Rec) -> Vector {
        comparison(a, &from(b, "b")).vector
    }

    /// The model before any data has spoken (agreement for, disagreement against).
    fn score(a: &Rec, b: &Rec) -> Scored {
        let model = MatchModel::untrained();
        let config = config();
        Comparer::new(&model, &config, 1000).compare(a, b)
    }

    /// Robert Smith with a phone and Bob Smyth with an email, at one address, born the
    /// same day: a pair that uses most fields.
    fn robert_and_bob() -> (Rec, Rec) {
        (
            rec(
                "robert",
                "smith",
                "",
                "3125550101",
                "12 n halsted st",
                "1970-03-07",
            ),
            rec(
                "bob",
                "smyth",
                "bob@x.com",
                "",
                "12 n halsted st",
                "1970-03-07",
            ),
        )
    }

    #[test]
    fn stored_contributions_are_short_and_still_add_up() {
        let (a, b) = robert_and_bob();
        let b = from(b, "b");
        let scored = score(&a, &b);
        let stored = encode_contributions(&scored.contributions).unwrap();
        assert!(stored.starts_with("[[\"prior\","), "{stored}");
        let read = decode_contributions(&stored).unwrap();
        let sum: f64 = read.iter().map(|c| c.contribution).sum();
        assert!(
            (sum - scored.score).abs() < 1e-12,
            "{sum} vs {}",
            scored.score
        );
        assert!(
            read[1..]
                .iter()
                .all(|c| c.contribution.to_string().len() <= 9),
            "{stored}"
        );
    }

    #[test]
    fn contributions_add_up_to_the_score_and_keep_their_signs() {
        let pairs = [
            robert_and_bob(),
            (
                rec("mary", "jones", "mj@x.com", "", "", ""),
                rec("mary", "jones", "mjones@y.com", "", "", ""),
            ),
            (
                rec("ann", "lee", "", "3125550101", "5 w elm st", "1980-01-01"),
                rec("tom", "lee", "", "3125550101", "5 w elm st", "1950-06-30"),
            ),
        ];
        for (a, b) in pairs {
            let s = score(&a, &from(b, "b"));
            let sum: f64 = s.contributions.iter().map(|c| c.contribution).sum();
            assert!((sum - s.score).abs() < 1e-9, "{sum} vs {}", s.score);
            let email = s.contributions.iter().find(|c| c.field == "email");
            if let Some(email) = email.filter(|c| c.similarity < 0.5) {
                assert!(
                    email.contribution <= 0.0,
                    "a different email counts against"
                );
            }
        }
    }

    #[test]
    fn a_pair_that_agrees_on_everything_but_a_mistyped_birth_date_merges() {
        let a = rec(
            "maria",
            "garcia",
            "mg@x.com",
            "3125550101",
            "1 n clark st",
            "1984-07-03",
        );
        let b = from(
            rec(
                "maria",
                "garcia",
                "mgarcia@y.com",
                "3125550101",
                "1 n clark st",
                "1984-07-08",
            ),
            "b",
        );
        let s = score(&a, &b);
        assert_eq!(Band::of(s.score, &config()), Band::Auto, "{s:?}");
        // Day and month the wrong way round too.
        let c = from(
            rec("maria", "garcia", "", "", "1 n clark st", "1984-03-07"),
            "c",
        );
        assert_eq!(comparison(&a, &c).vector[field::DOB], 2);
        // Two neighbouring digits the wrong way round, and a date no calendar has.
        for typo in ["1984-07-30", "1984-70-03", "1948-07-03"] {
            let d = from(rec("maria", "garcia", "", "", "1 n clark st", typo), "d");
            assert_eq!(comparison(&a, &d).vector[field::DOB], 2, "{typo}");
        }
        let e = from(
            rec("maria", "garcia", "", "", "1 n clark st", "1985-07-30"),
            "e",
        );
        assert_eq!(
            comparison(&a, &e).vector[field::DOB],
            model::different_level(field::DOB)
        );
    }

    #[test]
    fn a_different_birth_date_is_evidence_not_a_veto() {
        // Everything else agrees: still the same person.
        let a = rec(
            "maria",
            "garcia",
            "mg@x.com",
            "3125550101",
            "1 n clark st",
            "1984-07-03",
        );
        let b = from(
            rec(
                "maria",
                "garcia",
                "mg@x.com",
                "3125550101",
                "1 n clark st",
                "1951-11-23",
            ),
            "b",
        );
        let s = score(&a, &b);
        assert_eq!(
            s.rule, "model",
            "a different birth date stops the deterministic rule"
        );
        assert_eq!(Band::of(s.score, &config()), Band::Auto, "{s:?}");
        // A different first name as well: two people.
        let c = from(
            rec(
                "thomas",
                "garcia",
                "",
                "3125550101",
                "1 n clark st",
                "1951-11-23",
            ),
            "b",
        );
        assert_eq!(Band::of(score(&a, &c).score, &config()), Band::NoMatch);
    }

    #[test]
    fn household_members_on_one_landline_and_one_mailbox_do_not_merge() {
        let a = rec(
            "ann",
            "lee",
            "leefamily@x.com",
            "3125550101",
            "5 w elm st",
            "",
        );
        let b = from(
            rec(
                "thomas",
                "lee",
                "leefamily@x.com",
                "3125550101",
                "5 w elm st",
                "",
            ),
            "b",
        );
        let v = comparison(&a, &b).vector;
        assert_shared_by_a_household(&v, &[field::EMAIL, field::PHONE, field::ADDRESS]);
        let s = score(&a, &b);
        assert_eq!(Band::of(s.score, &config()), Band::NoMatch, "{s:?}");
        assert!(s.conflict, "kept apart through any chain of other matches");
        // A joint mailbox is a home, not a person: under one given name (mistyped too) it is
        // a family's mailbox shared, for the model to weigh as a home's; under another real
        // name one letter away, a household's.
        let family = Some(model::FAMILY_MAILBOX_LEVEL);
        for (first, level) in [
            ("ann", family),
            ("anm", family),
            ("jan", model::household_level(field::EMAIL)),
        ] {
            let c = from(rec(first, "lee", "leefamily@x.com", "", "", ""), "b");
            assert_eq!(
                Some(comparison(&a, &c).vector[field::EMAIL]),
                level,
                "{first}"
            );
        }
        let c = from(rec("ann", "lee", "leefamily@x.com", "", "", ""), "b");
        assert_eq!(
            score(&a, &c).rule,
            "model",
            "a joint mailbox is no deterministic match"
        );
    }

    #[test]
    fn a_sex_counts_where_the_given_names_leave_it_something_to_say() {
        let born = |first: &str, female: Option<bool>, dob: &str| {
            let mut r = rec(
                first,
                "lee",
                "leefamily@x.com",
                "3125550101",
                "5 w elm st",
                dob,
            );
            r.female = female;
            r
        };
        let with = |first: &str, female: Option<bool>| born(first, female, "");
        let gender = |a: &Rec, b: &Rec| comparison(a, b).vector[field::GENDER];
        let different = model::different_level(field::GENDER);
        // One given name already says one sex: agreeing again is no new evidence.
        assert_eq!(
            gender(&with("ann", Some(true)), &with("ann", Some(true))),
            MISSING
        );
        // Under an initial, or two forms one name shares between the sexes, it is.
        let j = with("j", Some(true));
        assert_eq!(gender(&j, &with("j", Some(true))), MISSING);
        assert_eq!(gender(&j, &with("jane", Some(true))), 1);
        assert_eq!(
            gender(&with("alex", Some(true)), &with("alexandra", Some(true))),
            1
        );
        assert_eq!(gender(&j, &with("jane", None)), MISSING);
        // Two sexes on one home's mailbox, landline and address: two people of the home,
        // whatever the given names (Chris and Chris, J. and J.).
        for first in ["chris", "j"] {
            let (a, b) = (with(first, Some(false)), from(with(first, Some(true)), "b"));
            let v = comparison(&a, &b).vector;
            assert_eq!(v[field::GENDER], different, "{first}");
            assert_shared_by_a_household(&v, &[field::EMAIL, field::PHONE, field::ADDRESS]);
            assert_eq!(
                Band::of(score(&a, &b).score, &config()),
                Band::NoMatch,
                "{first}"
            );
        }
        // Unless one birth date says one person: then the sex is the slip.
        let a = born("chris", Some(false), "1970-03-04");
        let b = from(born("chris", Some(true), "1970-03-04"), "b");
        assert_eq!(
            comparison(&a, &b).vector[field::EMAIL],
            model::FAMILY_MAILBOX_LEVEL
        );
    }

    #[test]
    fn a_middle_name_is_compared_where_both_records_give_one() {
        let with = |first: &str| rec(first, "scott", "", "4256792355", "21 elm st", "");
        let middle = |a: &str, b: &str| comparison(&with(a), &with(b)).vector[field::MIDDLE];
        assert_eq!(middle("zachary m", "zachary"), MISSING);
        assert_eq!(middle("zachary m", "zachary m"), 1);
        assert_eq!(middle("zachary m", "zachary mark"), 2);
        assert_eq!(middle("zachary mark", "zachary paul"), 3);
        // Two middle names at one home and on one landline: two men of one name there.
        let v = comparison(&with("zachary m"), &from(with("zachary p"), "b")).vector;
        assert_shared_by_a_household(&v, &[field::PHONE, field::ADDRESS]);
        let v = comparison(&with("zachary m"), &from(with("zachary"), "b")).vector;
        assert_eq!((v[field::PHONE], v[field::ADDRESS]), (1, 1));
    }

    #[test]
    fn father_and_son_named_apart_only_by_a_suffix_do_not_merge() {
        let named = |first: &str, last: &str| {
            let n = crate::normalize::person_name(Some(first), Some(last));
            let (given, surname) = (n.given.unwrap_or_default(), n.surname.unwrap_or_default());
            let mut r = rec(&given, &surname, "", "3125550101", "5 w elm st", "");
            r.generation = n.generation;
            r
        };
        let senior = named("John", "Smith Sr.");
        let junior = from(named("John", "Smith, Jr."), "b");
        let v = comparison(&senior, &junior).vector;
        assert_eq!(v[field::FIRST], model::different_level(field::FIRST));
        assert_shared_by_a_household(&v, &[field::PHONE, field::ADDRESS]);
        assert_eq!(
            Band::of(score(&senior, &junior).score, &config()),
            Band::NoMatch
        );
        // One record without the suffix (and with a title): the father's or the son's, a
        // level the model weighs; the home and landline they share are the home's, unless
        // a birth date says one man.
        let titled = from(named("Dr. John", "Smith"), "b");
        let v = comparison(&senior, &titled).vector;
        assert_eq!(v[field::FIRST], model::GENERATION_ON_ONE_LEVEL);
        assert_shared_by_a_household(&v, &[field::PHONE, field::ADDRESS]);
        let born = |r: &Rec| {
            r.clone()
                .with(crate::vocab::record::Value::Dob, "1950-02-03")
        };
        let v = comparison(&born(&senior), &born(&titled)).vector;
        assert_eq!((v[field::PHONE], v[field::ADDRESS]), (1, 1));
        let plain = from(named("John", "Smith"), "b");
        assert_eq!(comparison(&titled, &plain).vector[field::FIRST], 1);
        // The city and ZIP a father and son share say nothing between them; one that
        // differs still counts.
        let v = comparison(&senior, &titled).vector;
        assert_eq!((v[field::CITY], v[field::ZIP]), (MISSING, MISSING));
        let moved = from(
            titled
                .clone()
                .with(crate::vocab::record::Value::Zip, "60201"),
            "b",
        );
        assert_eq!(
            comparison(&senior, &moved).vector[field::ZIP],
            model::different_level(field::ZIP)
        );
        assert_eq!(comparison(&titled, &plain).vector[field::ZIP], 1);
    }

    #[test]
    fn an_exact_personal_email_with_a_nickname_is_a_deterministic_match() {
        let a = rec("elizabeth", "brown", "lizb@x.com", "", "", "");
        let b = from(rec("liz", "brown", "lizb@x.com", "", "", ""), "b");
        let s = score(&a, &b);
        assert_eq!((s.score, s.rule), (1.0, "email"));
        assert_eq!(comparison(&a, &b).vector[field::FIRST], 2, "nickname level");
        // Two different personal emails make a shared phone a household's landline.
        let c = rec(
            "robert",
            "adams",
            "robert.adams@x.com",
            "3125550101",
            "",
            "",
        );
        let d = from(
            rec("rob", "adams", "radams77@y.com", "3125550101", "", ""),
            "b",
        );
        assert_eq!(score(&c, &d).rule, "model");
    }

    #[test]
    fn a_nickname_the_file_never_shows_in_use_is_a_level_of_its_own() {
        let mary = rec("mary", "hammons", "mary7@x.com", "", "12 n halsted st", "");
        let maria = from(
            rec(
                "maria",
                "hammons",
                "maria4@y.com",
                "",
                "12 n halsted st",
                "",
            ),
            "b",
        );
        let tells = |records: &[Rec]| NicknamesSeen::of(records);
        let mut linked = Vec::new();
        for (i, name) in ["mary", "maria"].iter().cycle().take(8).enumerate() {
            let email = format!("{name}{}@z.com", i / 2);
            linked.push(rec(name, "other", &email, "", "", ""));
            linked.push(rec(name, "other", &email, "", "", ""));
        }
        let v = comparison_in(&tells(&linked), &mary, &maria).vector;
        assert_eq!(v[field::FIRST], model::NICKNAME_UNSEEN_LEVEL);
        // One home under the two forms with two emails, as for any nickname.
        assert_eq!(
            v[field::ADDRESS],
            model::ADDRESS_NICKNAME_TWO_CONTACTS_LEVEL
        );
        // A file that shows Mary written for Maria, or the table alone, makes them one name.
        linked.push(rec("mary", "cruz", "mcruz@z.com", "", "", ""));
        linked.push(rec("maria", "cruz", "mcruz@z.com", "", "", ""));
        assert_eq!(
            comparison_in(&tells(&linked), &mary, &maria).vector[field::FIRST],
            2
        );
        assert_eq!(comparison(&mary, &maria).vector[field::FIRST], 2);
    }

    #[test]
    fn two_names_the_file_shows_as_one_on_a_shared_mailbox_are_no_household() {
        let bert = rec("bert", "johnson", "rijohnson91@x.com", "", "", "");
        let robert = from(
            rec("robert", "johnson", "rijohnson91@x.com", "", "", ""),
            "b",
        );
        let v = comparison(&bert, &robert).vector;
        assert_eq!(v[field::FIRST], model::different_level(field::FIRST));
        assert_eq!(Some(v[field::EMAIL]), model::household_level(field::EMAIL));
        // A file where Bert and Robert share many more personal mailboxes than chance.
        let mut file = Vec::new();
        for i in 0..400 {
            let (h, w) = (format!("husband{}", i % 20), format!("wife{}", i / 20));
            file.push(rec(&h, "lee", &format!("c{i}@y.com"), "", "", ""));
            file.push(rec(&w, "lee", &format!("c{i}@y.com"), "", "", ""));
        }
        for i in 0..4 {
            file.push(rec("bert", "kyle", &format!("b{i}@y.com"), "", "", ""));
            file.push(rec("robert", "kyle", &format!("b{i}@y.com"), "", "", ""));
        }
        let seen = NicknamesSeen::of(&file);
        let v = comparison_in(&seen, &bert, &robert).vector;
        assert_eq!((v[field::FIRST], v[field::EMAIL]), (2, 1));
        // Such a nickname crosses as one given name where a record has its names the wrong
        // way round ("Johnson Robert" beside Bert Johnson), as the table's do.
        let turned = from(
            rec("johnson", "robert", "rijohnson91@x.com", "", "", ""),
            "b",
        );
        let v = comparison_in(&seen, &bert, &turned).vector;
        assert_eq!((v[field::FIRST], v[field::LAST]), (2, 1));
        let v = comparison(&bert, &turned).vector;
        assert_eq!(v[field::LAST], model::different_level(field::LAST));
    }

    #[test]
    fn a_sign_up_with_only_an_email_joins_the_mailboxs_owner_but_not_on_a_landline() {
        let donor = rec(
            "nicole",
            "knight",
            "nknight5@x.com",
            "3125550101",
            "12 n halsted st",
            "",
        );
        let sign_up = from(rec("", "", "nknight5@x.com", "", "", ""), "newsletter");
        let s = score(&donor, &sign_up);
        assert_eq!((s.score, s.rule), (1.0, "email"));
        // A surname that differs still says two people; so does a joint mailbox.
        let other_surname = from(rec("", "baker", "nknight5@x.com", "", "", ""), "b");
        assert_eq!(score(&donor, &other_surname).rule, "model");
        let joint = rec("nicole", "knight", "theknights@x.com", "", "", "");
        let joint_sign_up = from(rec("", "", "theknights@x.com", "", "", ""), "b");
        assert_eq!(score(&joint, &joint_sign_up).rule, "model");
        // A landline is shared by a home: without a given name it is no one's in particular.
        let caller = from(rec("", "knight", "", "3125550101", "", ""), "b");
        assert_eq!(score(&donor, &caller).rule, "model");
    }

    #[test]
    fn a_shared_mailbox_that_spells_the_full_name_makes_an_abbreviation_one_name() {
        let first_level = |x: &str, y: &str, ex: &str, ey: &str| {
            let a = rec(x, "prather", ex, "", "", "");
            let b = from(rec(y, "prather", ey, "", "", ""), "b");
            comparison(&a, &b).vector
        };
        for (short, long, mailbox) in [
            ("chas", "charles", "charlesp5440@x.com"),
            ("bert", "robert", "robert75@x.com"),
        ] {
            let v = first_level(short, long, mailbox, mailbox);
            assert_eq!(v[field::FIRST], 2, "{short}/{long}");
            assert_eq!(v[field::EMAIL], 1, "a personal mailbox, not a household's");
        }
        // Without the shared mailbox the abbreviation is not believed; nor is another name
        // on the mailbox (a relative using it), nor a household's joint mailbox.
        assert_eq!(
            first_level("chas", "charles", "charlesp@x.com", "chas9@y.com")[field::FIRST],
            model::different_level(field::FIRST)
        );
        let relative = first_level("mary", "robert", "robert75@x.com", "robert75@x.com");
        assert_eq!(relative[field::FIRST], model::different_level(field::FIRST));
        assert_eq!(
            Some(relative[field::EMAIL]),
            model::household_level(field::EMAIL)
        );
        let joint = first_level("bert", "robert", "robertfamily@x.com", "robertfamily@x.com");
        assert_ne!(joint[field::FIRST], 2);
    }

    #[test]
    fn swapped_first_and_last_names_are_turned_back() {
        let a = rec("garcia", "maria", "", "3125550101", "1 n clark st", "");
        let b = from(
            rec("maria", "garcia", "", "3125550101", "1 n clark st", ""),
            "b",
        );
        let v = comparison(&a, &b).vector;
        assert_eq!((v[field::FIRST], v[field::LAST]), (1, 1));
        // A nickname form need not start with its name's letter.
        let c = rec("robinson", "rebecca", "", "3125550101", "", "");
        let v = across_sources(&c, rec("becky", "robinson", "", "3125550101", "", ""));
        assert_eq!((v[field::FIRST], v[field::LAST]), (2, 1));
        // Two people of one family sharing no name are not turned round.
        let v = across_sources(&c, rec("robinson", "mary", "", "3125550101", "", ""));
        assert_eq!(v[field::LAST], model::different_level(field::LAST));
        // Turned round with a slip of the keyboard in the surname (Bovd), or in a nickname
        // form (Tnoy for Tony, Anthony's).
        let d = rec("chau", "boyd", "chau.boyd43@x.com", "", "", "");
        let v = across_sources(&d, rec("bovd", "chau", "chau.boyd43@x.com", "", "", ""));
        assert_eq!(v[field::FIRST], 1);
        assert!(
            matches!(v[field::LAST], 2 | 3),
            "a typo or alike: {}",
            v[field::LAST]
        );
        let e = rec("anthony", "brown", "abrown58@x.com", "", "", "");
        let v = across_sources(&e, rec("brown", "tnoy", "abrown58@x.com", "", "", ""));
        assert_eq!((v[field::FIRST], v[field::LAST]), (5, 1));
    }

    #[test]
    fn two_real_given_names_that_look_alike_are_different_names() {
        for (x, y) in [("marc", "martha"), ("michelle", "michael")] {
            let v = comparison(
                &rec(x, "hopson", "", "", "", ""),
                &rec(y, "hopson", "", "", "", ""),
            )
            .vector;
            assert_eq!(
                v[field::FIRST],
                model::different_level(field::FIRST),
                "{x}/{y}"
            );
        }
        for (x, y, level) in [
            ("micheal", "michael", 4),
            ("nan", "nancy", 2),
            ("ronnie", "veronica", 2),
            // A nickname form misspelt is like the name (Nicky, James); two real names
            // one slip from each other's forms are still two names (Tim, Tommy).
            ("ncky", "nicholas", 5),
            ("jmes", "jamie", 5),
            ("tim", "tommy", 6),
            ("ncky", "robert", 6),
            ("sm", "samuel", 6),
        ] {
            let v = comparison(
                &rec(x, "hopson", "", "", "", ""),
                &rec(y, "hopson", "", "", "", ""),
            )
            .vector;
            assert_eq!(v[field::FIRST], level, "{x}/{y}");
        }
    }

    #[test]
    fn a_misspelt_nickname_is_one_name_on_a_mailbox_and_a_relatives_at_a_home() {
        let mailbox = "nicholas.s.wright68@x.com";
        let a = rec("nicholas", "wright", mailbox, "", "", "");
        let v = across_sources(&a, rec("ncky", "wright", mailbox, "", "", ""));
        assert_eq!((v[field::FIRST], v[field::EMAIL]), (5, 1));
        let c = rec("anna", "lee", "", "3125550101", "5 w elm st", "");
        let v = across_sources(&c, rec("anie", "lee", "", "3125550101", "5 w elm st", ""));
        assert_eq!(v[field::FIRST], 5);
        assert_shared_by_a_household(&v, &[field::PHONE, field::ADDRESS]);
    }

    #[test]
    fn a_typo_that_spells_another_name_is_a_relatives_at_a_home_not_on_a_personal_mailbox() {
        let mailbox = "michael.a.turner9@x.com";
        let michael = rec("michael", "turner", mailbox, "", "", "");
        let micheal = from(rec("micheal", "turner", mailbox, "", "", ""), "b");
        let v = comparison(&michael, &micheal).vector;
        assert_eq!((v[field::FIRST], v[field::EMAIL]), (4, 1));
        let band = Band::of(score(&michael, &micheal).score, &config());
        assert_ne!(band, Band::NoMatch);
        // At one home and on one landline the same two names are Michael and his sister.
        let home = rec("michael", "turner", "", "3125550101", "5 w elm st", "");
        let v = across_sources(
            &home,
            rec("micheal", "turner", "", "3125550101", "5 w elm st", ""),
        );
        assert_shared_by_a_household(&v, &[field::PHONE, field::ADDRESS]);
        // Two names further apart on one personal mailbox are still a household's.
        let v = across_sources(&michael, rec("martha", "turner", mailbox, "", "", ""));
        assert_shared_by_a_household(&v, &[field::EMAIL]);
    }

    #[test]
    fn one_home_under_two_forms_of_a_name_with_two_emails_or_phones_is_a_level_of_its_own() {
        let home = "6095 n glenwood ave";
        let james = rec("james", "sanchez", "james.sanchez45@x.com", "", home, "");
        let address_level = |first: &str, email: &str| {
            across_sources(&james, rec(first, "sanchez", email, "", home, ""))[field::ADDRESS]
        };
        let level = model::ADDRESS_NICKNAME_TWO_CONTACTS_LEVEL;
        assert_eq!(address_level("jim", "jimsanchez9946@y.com"), level);
        assert_eq!(address_level("jim", ""), 1, "one email");
        assert_eq!(
            address_level("jim", "james.sanchez45@x.com"),
            1,
            "one email address"
        );
        assert_eq!(
            address_level("james", "jimsanchez9946@y.com"),
            1,
            "one name"
        );
        // Two phones say the same as two emails.
        let home = "6769 w jackson blvd";
        let barbara = rec("barbara", "hardman", "", "8473116241", home, "");
        let bobby = rec("bobby", "hardman", "", "8474942128", home, "");
        assert_eq!(across_sources(&barbara, bobby)[field::ADDRESS], level);
        assert!(model::shares_street_address(&{
            let mut v = [MISSING; FIELD_COUNT];
            v[field::ADDRESS] = level;
            v
        }));
    }

    #[test]
    fn a_surname_that_differs_on_one_mailbox_under_one_given_name_has_changed() {
        let last_level = |first: &str, last: &str, email: &str| {
            let a = rec("carolyn", "kraft", email, "", "", "");
            across_sources(&a, rec(first, last, email, "", "", ""))[field::LAST]
        };
        let changed = model::SURNAME_CHANGED_LEVEL;
        assert_eq!(
            last_level("caroyln", "dunn", "carolyn.kraft28@x.com"),
            changed
        );
        assert_eq!(
            last_level("carolyn", "dunn", "carolyn.kraft28@x.com"),
            changed
        );
        let different = model::different_level(field::LAST);
        // A family's mailbox: under the very same given name, not under a nickname or a
        // typo (a relative's name there as likely).
        assert_eq!(last_level("carolyn", "dunn", "thekrafts@x.com"), changed);
        assert_eq!(
            last_level("caroyln", "dunn", "thekrafts@x.com"),
            different,
            "a typo on a joint mailbox"
        );
        assert_eq!(
            last_level("mary", "dunn", "carolyn.kraft28@x.com"),
            different,
            "two names"
        );
        assert_eq!(last_level("caroyln", "dunn", ""), different, "no mailbox");
        assert!(model::disagrees(field::LAST, changed));
    }

    #[test]
    fn emails_are_the_same_another_domain_one_typo_or_different() {
        let level = |x: &str, y: &str| {
            comparison(&rec("a", "b", x, "", "", ""), &rec("a", "b", y, "", "", "")).vector
                [field::EMAIL]
        };
        assert_eq!(level("ann.lee@x.com", "ann.lee@x.com"), 1);
        assert_eq!(
            level("thelees12@x.com", "thelees12@x.com"),
            model::FAMILY_MAILBOX_LEVEL,
            "a family's, under one given name"
        );
        assert_eq!(level("ann.lee@x.com", "annlee@y.com"), 2);
        assert_eq!(level("ann.lee@x.com", "ann.lea@x.com"), 3);
        assert_eq!(level("john.r.jones51@x.com", "john.u.jones56@y.com"), 4);
    }

    #[test]
    fn different_given_names_keep_two_people_apart_only_where_the_file_says_names_are_seldom_replaced()
     {
        // Different first names and birth dates: a conflict where the model learned that a
        // different first name is strong evidence of two people...
        let a = rec("ann", "lee", "", "", "", "1970-01-02");
        let b = from(rec("mary", "lee", "", "", "", "1981-05-06"), "b");
        let v = comparison(&a, &b).vector;
        let config = config();
        let strict = MatchModel::untrained();
        assert!(Comparer::new(&strict, &config, 1000).is_conflict(&v, 0.1));
        // ...and not in a file whose records often carry a replaced first name (FEBRL's),
        // where a chain of other matches may join them.
        let mut lenient = MatchModel::untrained();
        let different = model::different_level(field::FIRST) as usize - 1;
        lenient.m[field::FIRST][different] = lenient.u_random[field::FIRST][different] / 4.0;
        assert!(!Comparer::new(&lenient, &config, 1000).is_conflict(&v, 0.1));
    }

    #[test]
    fn two_records_of_one_system_below_review_stay_apart_where_systems_seldom_repeat_a_person() {
        let a = rec("sherry", "connors", "sherry@x.com", "", "", "");
        let b = rec("sheryl", "connors", "sheryl@y.com", "", "", "");
        let v = comparison(&a, &b).vector;
        assert_eq!(v[field::SOURCE], 2, "one source");
        let config = config();
        let mut model = MatchModel::untrained();
        model.m[field::SOURCE] = vec![0.99, 0.01]; // one system seldom holds a person twice
        let comparer = Comparer::new(&model, &config, 1000);
        assert!(comparer.is_conflict(&v, 0.3), "likelier two people");
        assert!(comparer.is_conflict(&v, 0.6), "not called one person");
        assert!(
            !comparer.is_conflict(&v, 0.75),
            "in the review band: the steward's call, not a conflict"
        );
        let b_elsewhere = from(b.clone(), "b");
        let v_elsewhere = comparison(&a, &b_elsewhere).vector;
        assert!(!comparer.is_conflict(&v_elsewhere, 0.3), "two systems");
        // A file of one system (FEBRL's): the source says nothing, so nothing is kept apart.
        let mut one_file = MatchModel::untrained();
        one_file.m[field::SOURCE] = one_file.u_random[field::SOURCE].clone();
        assert!(!Comparer::new(&one_file, &config, 1000).is_conflict(&v, 0.3));
    }

    #[test]
    fn two_records_of_one_system_weigh_as_that_system_holds_a_person_twice() {
        let config = config();
        let mut model = MatchModel::untrained();
        model.one_system = vec![
            model::SystemShare {
                system: "email".into(),
                m: 0.0001,
                u: 0.25,
            },
            model::SystemShare {
                system: "crm".into(),
                m: 0.05,
                u: 0.1,
            },
        ];
        let comparer = Comparer::new(&model, &config, 1000);
        let weight = |system: &str| {
            let a = from(rec("ann", "lee", "", "", "", ""), system);
            let b = from(rec("ann", "lee", "", "", "", ""), system);
            let v = comparison(&a, &b).vector;
            let source = comparer.weights(a.value_counts(), b.value_counts(), &v)[field::SOURCE];
            (comparer.compare(&a, &b).score, source)
        };
        let (email, crm, other) = (weight("email"), weight("crm"), weight("tickets"));
        assert_eq!(email.1, (0.0001f64 / 0.25).log2());
        assert_eq!(crm.1, -1.0);
        // A system the model does not know weighs as one source over all systems.
        assert_eq!(other.1, model.weight(field::SOURCE, ONE_SOURCE_LEVEL));
        assert!(email.0 < crm.0, "{email:?} {crm:?}");
    }

    #[test]
    fn a_common_name_in_a_zip_weighs_less_than_a_rare_one() {
        let model = MatchModel {
            u_exact_random: [0.01, 0.01],
            ..MatchModel::untrained()
        };
        let config = config();
        let comparer = Comparer::new(&model, &config, 10_000);
        let pair = |count: u32| {
            let mut a = rec("john", "smith", "", "", "", "");
            let mut b = from(rec("john", "smith", "", "", "", ""), "b");
            for r in [&mut a, &mut b] {
                r.first_name_count = count;
                r.last_name_count = count;
            }
            comparer.compare(&a, &b).score
        };
        assert!(pair(500) < pair(2), "Smith agreeing says less than Okonkwo");
    }

    /// Two common surnames one letter apart are a level of their own, for each file's EM to
    /// weigh (a typo in FEBRL, two families in another); a slip that makes no surname is a
    /// typo, and two surnames far apart are different.
    #[test]
    fn another_surname_one_letter_away_is_its_own_level() {
        let level = |x: &str, y: &str| {
            let v = comparison(
                &rec("ann", x, "", "", "", ""),
                &from(rec("ann", y, "", "", "", ""), "b"),
            )
            .vector;
            v[field::LAST]
        };
        assert_eq!(level("davis", "davies"), model::ANOTHER_SURNAME_LEVEL);
        assert_eq!(level("hansen", "hanson"), model::ANOTHER_SURNAME_LEVEL);
        assert_eq!(level("smith", "smiht"), 2);
        assert_eq!(
            level("davis", "okafor"),
            model::different_level(field::LAST)
        );
        assert!(model::disagrees(field::LAST, model::ANOTHER_SURNAME_LEVEL));
        // One name spaced two ways is one name; a part of it is not the whole.
        assert_eq!(level("de la cruz", "delacruz"), 1);
        assert_eq!(level("garcia lopez", "garcialopez"), 1);
        assert_ne!(level("de la cruz", "cruz"), 1);
        assert_eq!(level("van der berg", "vander berg"), 1);
    }

    /// Postal codes agree exactly, in their area (all but the last two characters: a US
    /// ZIP's first three digits, a UK postcode's sector), in their first three characters
    /// (a UK district), or not at all.
    #[test]
    fn postal_codes_agree_by_area_and_district() {
        let level = |x: &str, y: &str| {
            let with_zip = |zip: &str| Rec::default().with(crate::vocab::record::Value::Zip, zip);
            zip_level(&with_zip(x), &with_zip(y)).map(|(level, _)| level)
        };
        let different = model::different_level(field::ZIP);
        assert_eq!(level("60614", "60614"), Some(1));
        assert_eq!(level("60614", "60657"), Some(2));
        assert_eq!(level("60614", "46614"), Some(different));
        assert_eq!(level("tq138df", "tq138jr"), Some(2));
        assert_eq!(level("tq138df", "tq145ab"), Some(3));
        assert_eq!(level("tq138df", "ex201sg"), Some(different));
        assert_eq!(level("tq138df", ""), None);
    }

    /// A date many records hold (a year known alone, kept as 1 January; a placeholder)
    /// says less than a date one person's records hold; a model stored before dates were
    #[test]
    fn a_birth_date_given_in_part_agrees_as_far_as_it_goes() {
        let level = |x: &str, y: &str| {
            let a = rec("ann", "lee", "", "", "", x);
            let b = from(rec("ann", "lee", "", "", "", y), "b");
            comparison(&a, &b).vector[field::DOB]
        };
        assert_eq!(level("1985", "1985"), 1, "weighed by how many hold it");
        assert_eq!(level("1985", "1985-03-02"), 4, "the year agrees, weakly");
        assert_eq!(level("1985-03", "1985-03-02"), 4);
        assert_eq!(level("1985-03", "1985"), 4);
        // A digit off is a typo in a whole date, where month and day agree; a year alone
        // a digit off, or a month, is another year or month.
        assert_eq!(level("1985", "1986-03-02"), 5);
        assert_eq!(level("1985", "1986"), 5);
        assert_eq!(level("1985-03", "1985-04-02"), 5);
        assert_eq!(level("1985-03-02", "1986-03-02"), 2);
        // Whole dates: two of year, month and day (one part replaced), or the year alone.
        assert_eq!(level("1985-03-02", "1985-11-02"), 3);
        assert_eq!(level("1985-03-02", "1985-03-27"), 3);
        assert_eq!(level("1985-03-02", "1991-03-02"), 3);
        assert_eq!(level("1985-03-02", "1985-11-27"), 4);
        assert_eq!(level("1985-03-02", "1991-11-02"), 5);
    }

    /// counted (no baseline) weighs every date alike.
    #[test]
    fn a_birth_date_many_records_hold_weighs_less() {
        let counted = MatchModel {
            u_exact_birth_random: 0.001,
            ..MatchModel::untrained()
        };
        let config = config();
        let score = |model: &MatchModel, count: u32| {
            let comparer = Comparer::new(model, &config, 10_000);
            let mut a = rec("john", "smith", "", "", "", "1862-01-01");
            let mut b = from(rec("jon", "smith", "", "", "", "1862-01-01"), "b");
            for r in [&mut a, &mut b] {
                r.birth_date_count = count;
            }
            comparer.compare(&a, &b).score
        };
        assert!(score(&counted, 500) < score(&counted, 2));
        let uncounted = MatchModel::untrained();
        assert_eq!(score(&uncounted, 500), score(&uncounted, 2));
    }

    /// A city says where only when nothing else does: with a ZIP beside it, how common the
    /// city is does not count.
    #[test]
    fn a_city_many_records_hold_weighs_less_where_no_zip_is_compared() {
        let model = MatchModel {
            u_exact_city_random: 0.05,
            ..MatchModel::untrained()
        };
        let config = config();
        let comparer = Comparer::new(&model, &config, 10_000);
        let score = |count: u32, zip: Option<&str>| {
            let mut a = rec("john", "smith", "", "", "", "");
            let mut b = from(rec("jon", "smith", "", "", "", ""), "b");
            for r in [&mut a, &mut b] {
                r.city_count = count;
                r.set(crate::vocab::record::Value::Zip, zip);
            }
            comparer.compare(&a, &b).score
        };
        assert!(
            score(3000, None) < score(3, None),
            "London says less than Arbroath"
        );
        assert_eq!(score(3000, Some("60614")), score(3, Some("60614")));
    }

    proptest::proptest! {
        #[test]
        fn jaro_winkler_on_the_stack_is_strsims(x in "[a-e]{0,12}", y in "[a-e]{0,12}", z in "\\PC{0,6}") {
            for (a, b) in [(x.as_str(), y.as_str()), (x.as_str(), z.as_str())] {
                let (ours, theirs) = (jaro_winkler(a, b), strsim::jaro_winkler(a, b));
                proptest::prop_assert!((ours - theirs).abs() < 1e-12, "{a:?} {b:?}: {ours} vs {theirs}");
            }
        }
    }
}
