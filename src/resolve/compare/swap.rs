//! First and last names written the wrong way round in one record of a pair.

use super::similarity::jaro_winkler;
use super::*;
use crate::resolve::normalize::{
    given_name_id, misspelt_nickname_by_id, nickname_compatible, one_edit_apart,
};

/// Which record of a pair has first and last name the wrong way round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Swapped {
    Neither,
    First,
    Second,
}

/// Whether a record has first and last the wrong way round for this pair: each name
/// matches the other's opposite field (allowing a typo) better than its own. Which one is
/// told by the nickname, when one crossing is a nickname form; otherwise either reads the
/// same and the second is turned. `seen`: nicknames the file shows one person using (Bert
/// for Robert), which cross as one given name as the table's do.
pub(super) fn names_swapped(seen: &NicknamesSeen, a: &Rec, b: &Rec) -> Swapped {
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
pub(super) fn oriented<'a>(
    seen: &NicknamesSeen,
    a: &'a Rec,
    b: &'a Rec,
) -> (Cow<'a, Rec>, Cow<'a, Rec>) {
    let turned = |r: &Rec| Cow::Owned(r.with_names_swapped());
    match names_swapped(seen, a, b) {
        Swapped::Neither => (Cow::Borrowed(a), Cow::Borrowed(b)),
        Swapped::First => (turned(a), Cow::Borrowed(b)),
        Swapped::Second => (Cow::Borrowed(a), turned(b)),
    }
}
