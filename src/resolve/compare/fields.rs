//! Each field's level on its own: the given names, surname, birth date, email, phone,
//! street address, city, postal code, middle name, sex and source of two records.

use super::similarity::{
    EMAIL_NAME_MAX, email_name, email_name_chars, jaro_winkler, spelled_from_names,
};
use super::*;
use crate::resolve::normalize::{
    SURNAME_PARTICLES, clipped_form_by_id, distinct_given_names_by_id, distinct_surnames,
    house_number, misspelt_nickname_by_id, nickname_compatible, nickname_compatible_by_id,
    one_edit_apart,
};

/// The words after the given name's first ("john allen", "john a"): compared where both
/// records have them, by the first of them: the same word, one an initial of the other, or
/// different.
pub(super) fn middle_name_level(a: &Rec, b: &Rec) -> Option<(u8, f64)> {
    fn middle(r: &Rec) -> Option<&str> {
        r.first()?.split(' ').nth(1)
    }
    let (x, y) = both(middle(a), middle(b))?;
    // A word after the given name that is the other record's surname is a surname the
    // record's whole name put among its given names, not a middle name.
    if in_surname(x, b) || in_surname(y, a) {
        return None;
    }
    Some(if x == y {
        (1, 1.0)
    } else if one_is_the_others_initial(x, y) {
        (2, 0.8)
    } else {
        (3, 0.0)
    })
}

/// "j" beside "john" (either way round).
pub(super) fn one_is_the_others_initial(x: &str, y: &str) -> bool {
    (x.len() == 1 && y.starts_with(x)) || (y.len() == 1 && x.starts_with(y))
}

pub(super) fn gender_level(a: &Rec, b: &Rec) -> Option<(u8, f64)> {
    let (x, y) = a.female.zip(b.female)?;
    Some(if x == y { (1, 1.0) } else { (2, 0.0) })
}

pub(super) fn city_level(a: &Rec, b: &Rec) -> Option<(u8, f64)> {
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
pub(super) fn zip_level(a: &Rec, b: &Rec) -> Option<(u8, f64)> {
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
pub(super) const ONE_SOURCE_LEVEL: u8 = 2;

pub(super) fn source_level(a: &Rec, b: &Rec) -> (u8, f64) {
    if a.source == b.source {
        (ONE_SOURCE_LEVEL, 1.0)
    } else {
        (1, 0.0)
    }
}

pub(super) fn first_name_level(
    seen: &NicknamesSeen,
    a: &Rec,
    b: &Rec,
    show: bool,
) -> Option<(u8, f64)> {
    let (x, y) = both(a.first(), b.first())?;
    let (x, y) = (first_token(x), first_token(y));
    // Father and son (Sr and Jr, II and III) share a name and often a home: a generation
    // that differs makes their given names two.
    if let (Some(g), Some(h)) = (a.generation, b.generation)
        && g != h
    {
        let shown = if show { jaro_winkler(x, y) } else { 0.0 };
        return Some((model::different_level(field::FIRST), shown));
    }
    let (level, similarity) = given_name_level(seen, a, b, (x, y), show);
    // Jr beside no suffix under one name, however written (the same, a nickname form or
    // a slip: Andrew Jr beside Adnrew): the son's record beside his own without it, or
    // his father's.
    let generation_on_one = a.generation.is_some() != b.generation.is_some();
    Some(match level {
        1..=3 if generation_on_one => (model::GENERATION_ON_ONE_LEVEL, similarity),
        _ => (level, similarity),
    })
}

/// Two given names' level and shown similarity, generations aside (`first_name_level`).
fn given_name_level(
    seen: &NicknamesSeen,
    a: &Rec,
    b: &Rec,
    (x, y): (&str, &str),
    show: bool,
) -> (u8, f64) {
    let shown = || if show { jaro_winkler(x, y) } else { 0.0 };
    if x == y {
        return (1, 1.0);
    }
    let (ix, iy) = (a.first_id(), b.first_id());
    let by_the_table = nickname_compatible_by_id(ix, iy);
    if clipped_form_by_id(x, y, ix, iy)
        || mailbox_names_one(a, b, x, y)
        || (by_the_table && seen.shows(ix, iy))
    {
        return (2, 1.0);
    }
    if by_the_table {
        // Shown as the spellings' likeness: the file does not make them one name.
        return (model::NICKNAME_UNSEEN_LEVEL, shown());
    }
    if second_given_name_of_the_other(a, b) || second_given_name_of_the_other(b, a) {
        return (model::SECOND_GIVEN_NAME_LEVEL, shown());
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
        return (if distinct { or_shown_as_one(4) } else { 3 }, shown());
    }
    if distinct {
        return (or_shown_as_one(6), shown());
    }
    let s = jaro_winkler(x, y);
    let initial = one_is_the_others_initial(x, y);
    if s >= 0.92 {
        (3, s)
    } else if s >= 0.80 || initial || misspelt_nickname_by_id(x, y, ix, iy) {
        (or_shown_as_one(5), s)
    } else {
        (or_shown_as_one(6), s)
    }
}

/// Whether `a`'s given name is `b`'s second (José Antonio and Antonio), or a nickname of it
/// (María Guadalupe and Lupe).
fn second_given_name_of_the_other(a: &Rec, b: &Rec) -> bool {
    let Some((first, given_names)) = both(a.first(), b.first()) else {
        return false;
    };
    let Some(second) = given_names
        .split(' ')
        .skip(1)
        .find(|w| w.len() > 1 && !SURNAME_PARTICLES.contains(w))
    else {
        return false;
    };
    let first = first_token(first);
    first == second || nickname_compatible(first, second)
}

/// Two given names that one personal mailbox, shared by both records, shows to be one:
/// its name spells the longer given name in full and the shorter is written with that
/// name's letters in order, as abbreviations and clipped forms are (Chas and Robt on
/// charles.prather@, Bert on robert759480@). A household's member with another name (Mary
/// on robert.belt@) is not; nor is any pair without the shared mailbox.
pub(super) fn mailbox_names_one(a: &Rec, b: &Rec, x: &str, y: &str) -> bool {
    let Some((e, f)) = both(a.email(), b.email()) else {
        return false;
    };
    let (short, long) = if x.len() <= y.len() { (x, y) } else { (y, x) };
    if e != f
        || short.chars().count() < 4
        || long.len() <= short.len()
        || is_households_mailbox(e, [a.last(), b.last()])
    {
        return false;
    }
    let mailbox = e.split('@').next().unwrap_or("");
    let mut letters = long.chars();
    mailbox.contains(long) && short.chars().all(|c| letters.any(|l| l == c))
}

pub(super) fn last_name_level<'a>(a: &'a Rec, b: &'a Rec, show: bool) -> Option<(u8, f64)> {
    let (x, y) = both(a.last(), b.last())?;
    // One name spaced two ways is the same name: "De La Cruz" and "Delacruz", "Garcia-Lopez"
    // (a hyphen reads as a space) and "Garcialopez".
    let unspaced = |name: &'a str| name.bytes().filter(|b| *b != b' ');
    if x == y || ((x.contains(' ') || y.contains(' ')) && unspaced(x).eq(unspaced(y))) {
        return Some((1, 1.0));
    }
    if surname_among_the_given_names(a, b) || surname_among_the_given_names(b, a) {
        return Some((
            2,
            if show {
                jaro_winkler(x, y).max(0.92)
            } else {
                0.92
            },
        ));
    }
    if distinct_surnames(x, y, (a.surname_frequency(), b.surname_frequency())) {
        let level = match one_edit_apart(x, y) {
            true => model::ANOTHER_SURNAME_LEVEL,
            false => model::different_level(field::LAST),
        };
        return Some((level, if show { jaro_winkler(x, y) } else { 0.0 }));
    }
    let s = jaro_winkler(x, y);
    if x.contains(' ') || y.contains(' ') {
        match compound_surnames(x, y) {
            Compound::OneWrittenInPart => return Some((2, s.max(0.92))),
            Compound::EachHasANameTheOtherLacks => {
                return Some((model::different_level(field::LAST), s));
            }
            Compound::Unrelated => {}
        }
    }
    Some(if s >= 0.92 {
        (2, s)
    } else if s >= 0.80 {
        (3, s)
    } else {
        (4, s)
    })
}

/// Whether a word of `a`'s given names after the first is `b`'s surname or one of its
/// names: a whole name split where a surname of two names begins ("Delia Gonzalez
/// Gutierrez" read as Delia Gonzalez, Gutierrez, beside Delia, Gonzalez), one surname
/// written in part.
fn surname_among_the_given_names(a: &Rec, b: &Rec) -> bool {
    let Some(given) = a.first() else {
        return false;
    };
    given.split(' ').skip(1).any(|word| in_surname(word, b))
}

/// Whether `word` is `r`'s surname or one of its names (not a particle, three letters or
/// more).
fn in_surname(word: &str, r: &Rec) -> bool {
    word.len() > 2
        && !SURNAME_PARTICLES.contains(&word)
        && r.last()
            .is_some_and(|last| last.split(' ').any(|name| name == word))
}

/// How two surnames of which one at least has several words relate.
enum Compound {
    /// One is the other's names, or some of them: "Garcia Lopez" and "Garcia" (a father's
    /// and a mother's surname, written both or the first alone), "Smith Jones" and "Jones".
    OneWrittenInPart,
    /// They share a name but each has one the other lacks, not a slip of the keyboard:
    /// "Castro Mares" and "Castro Ramirez", a father and his son, whose mothers differ.
    EachHasANameTheOtherLacks,
    /// They share no name.
    Unrelated,
}

/// How surnames `x` and `y` relate by their names (particles aside), looked for only where
/// one has several (most surnames have one, and this runs on millions of pairs).
fn compound_surnames(x: &str, y: &str) -> Compound {
    fn words(name: &str) -> Vec<&str> {
        name.split(' ')
            .filter(|w| !SURNAME_PARTICLES.contains(w))
            .collect()
    }
    let (xs, ys) = (words(x), words(y));
    if !xs.iter().any(|w| w.len() > 2 && ys.contains(w)) {
        return Compound::Unrelated;
    }
    let only_x: Vec<&str> = xs.iter().filter(|w| !ys.contains(w)).copied().collect();
    let only_y: Vec<&str> = ys.iter().filter(|w| !xs.contains(w)).copied().collect();
    let alike = |a: &str, b: &str| one_edit_apart(a, b) || jaro_winkler(a, b) >= 0.92;
    if only_x.is_empty()
        || only_y.is_empty()
        || only_x.iter().any(|a| only_y.iter().any(|b| alike(a, b)))
    {
        Compound::OneWrittenInPart
    } else {
        Compound::EachHasANameTheOtherLacks
    }
}

pub(super) fn dob_level(a: &Rec, b: &Rec) -> Option<(u8, f64)> {
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
pub(super) fn email_level(a: &Rec, b: &Rec) -> Option<(u8, f64)> {
    let (x, y) = both(a.email(), b.email())?;
    if x == y {
        return Some((1, 1.0));
    }
    if one_edit_apart(x, y) {
        let same_mailbox = match (x.rsplit_once('@'), y.rsplit_once('@')) {
            (Some((p, _)), Some((q, _))) => p == q,
            _ => false,
        };
        return Some(if same_mailbox {
            (model::MAILBOX_DOMAIN_TYPO_LEVEL, 0.95)
        } else {
            (3, 0.95)
        });
    }
    // Compared on the stack: nearly every compared pair has two different emails.
    let (mut x_buffer, mut y_buffer) = ([0; EMAIL_NAME_MAX], [0; EMAIL_NAME_MAX]);
    let same_name = match (email_name(x, &mut x_buffer), email_name(y, &mut y_buffer)) {
        (Some(nx), Some(ny)) if nx == ny => {
            let names_alone = spelled_from_names(nx, a) && spelled_from_names(nx, b);
            return Some(match names_alone {
                true => (model::NAMES_AT_ANOTHER_DOMAIN_LEVEL, 0.9),
                false => (2, 0.9),
            });
        }
        (Some(_), Some(_)) => false,
        _ => email_name_chars(x).eq(email_name_chars(y)),
    };
    Some(if same_name { (2, 0.9) } else { (4, 0.0) })
}

pub(super) fn phone_level(a: &Rec, b: &Rec) -> Option<(u8, f64)> {
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
pub(super) fn street_similarity(x: &str, y: &str) -> f64 {
    let ((nx, rx), (ny, ry)) = (house_number(x), house_number(y));
    match (nx, ny) {
        (Some(p), Some(q)) if p != q => 0.0,
        _ => jaro_winkler(rx, ry),
    }
}

pub(super) fn address_level(a: &Rec, b: &Rec) -> Option<(u8, f64)> {
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
