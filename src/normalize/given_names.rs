//! Given names and surnames as matching weighs them: the vendored nickname table, given
//! name ids, how common a name is, and whether two names are one (a nickname, a clipped
//! form, a typo) or two.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::OnceLock;

use super::*;
use crate::stable_hash::Fnv1a;

/// The name tables are looked up several times per compared pair: a fast hash for short
/// keys (they are our own assets, not hostile input).
type NameMap<V> = HashMap<String, V, BuildHasherDefault<Fnv1a>>;

/// The rows of the nickname table `assets/nicknames/names.csv` (a curated public list, see
/// the README beside it): (name, nickname) for each "name has_nickname nickname". The list
/// relates names both ways round where people use both ("robert has_nickname bill" and
/// "bill has_nickname robert"). A diminutive's other spellings of its ending come with it
/// (see `diminutive_spellings`).
pub(super) fn nickname_rows() -> impl Iterator<Item = (String, String)> {
    include_str!("../../assets/nicknames/names.csv")
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.split(',');
            match (fields.next(), fields.next(), fields.next()) {
                (Some(x), Some("has_nickname"), Some(y)) => {
                    let (x, y) = (name(x), name(y));
                    (!x.is_empty() && !y.is_empty() && x != y).then_some((x, y))
                }
                _ => None,
            }
        })
        .flat_map(|(x, y)| {
            let mut rows: Vec<(String, String)> = diminutive_spellings(&y)
                .into_iter()
                .filter(|s| *s != x)
                .map(|s| (x.clone(), s))
                .collect();
            rows.push((x, y));
            rows
        })
}

/// The other spellings of a diminutive's ending: English writes one pet form with -y, -ie,
/// -i or -ey at will (Milly and Millie, Robby and Robbie, Suzie and Suzy, Terry and Terri),
/// and a list names only some of them. Only for a stem of three letters or more that ends in
/// a consonant (Joey, Kay and Amy keep their one spelling).
pub(super) fn diminutive_spellings(nickname: &str) -> Vec<String> {
    const ENDINGS: [&str; 4] = ["ie", "ey", "y", "i"];
    let Some(stem) = ENDINGS.iter().find_map(|e| nickname.strip_suffix(e)) else {
        return Vec::new();
    };
    let ends_in_consonant = stem
        .chars()
        .last()
        .is_some_and(|c| c.is_ascii_alphabetic() && !"aeiouy".contains(c));
    if stem.chars().count() < 3 || !ends_in_consonant {
        return Vec::new();
    }
    ENDINGS
        .iter()
        .map(|e| format!("{stem}{e}"))
        .filter(|s| s != nickname)
        .collect()
}

/// Each name -> the names the table relates it to, either way round.
pub(super) fn nicknames() -> &'static NameMap<Vec<String>> {
    static TABLE: OnceLock<NameMap<Vec<String>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut map: NameMap<Vec<String>> = NameMap::default();
        let mut relate = |x: &str, y: &str| {
            let related = map.entry(x.to_string()).or_default();
            if !related.iter().any(|r| r == y) {
                related.push(y.to_string());
            }
        };
        for (x, y) in nickname_rows() {
            relate(&x, &y);
            relate(&y, &x);
        }
        map
    })
}

/// The formal form of a normalised first name, for blocking: of the names the table lists
/// it as a nickname of, the commonest in the census where that is commoner than the name
/// itself ("bob" -> "robert", "jimmy" -> "james", "dick" -> "richard"), else the name itself
/// ("john", though the table lists it under "johnathan"). Where the census knows neither,
/// the longest formal name.
pub fn canonical_first(normalised: &str) -> String {
    let first_token = normalised.split(' ').next().unwrap_or("");
    let names = given_names();
    let id = given_name_id(first_token) as usize;
    let frequency = |id: usize| names.frequency[id].unwrap_or(0.0);
    let formal = (names.formals[id].iter().map(|&f| f as usize)).max_by(|&x, &y| {
        (frequency(x).total_cmp(&frequency(y)))
            .then(names.lengths[x].cmp(&names.lengths[y]))
            .then(names.spellings[y].cmp(&names.spellings[x]))
    });
    match formal {
        Some(f) if (frequency(f), names.lengths[f]) > (frequency(id), names.lengths[id]) => {
            names.spellings[f].clone()
        }
        _ => first_token.to_string(),
    }
}

/// Percent of people by normalised name, from census frequency lists (`name,frequency_pct`).
pub(super) fn frequency_table(lists: &[&str]) -> NameMap<f64> {
    let mut map: NameMap<f64> = NameMap::default();
    for list in lists {
        for line in list.lines().skip(1) {
            if let Some((name, pct)) = line.split_once(',') {
                let pct: f64 = pct.trim().parse().unwrap_or(0.0);
                *map.entry(self::name(name)).or_default() += pct;
            }
        }
    }
    map
}

/// A given name as the tables know it: a small id, so that the checks run on every compared
/// pair compare integers instead of hashing strings. `UNKNOWN_GIVEN_NAME` is a name in no
/// table (no nickname forms, no census frequency).
pub type GivenNameId = u32;
pub const UNKNOWN_GIVEN_NAME: GivenNameId = 0;

/// Every given name in the nickname table (both columns) and the census lists, by id.
pub(super) struct GivenNames {
    ids: NameMap<GivenNameId>,
    /// By id: the names the nickname table relates it to (either way round).
    related: Vec<Vec<GivenNameId>>,
    /// By id: the names the table lists it as a nickname of.
    formals: Vec<Vec<GivenNameId>>,
    /// By id: the name's length in characters.
    lengths: Vec<usize>,
    /// By id: the name itself.
    spellings: Vec<String>,
    /// By id: the name's first character.
    initials: Vec<char>,
    /// By id: percent of people with the name, from the census lists.
    frequency: Vec<Option<f64>>,
    /// By id: the share of the census's people of the name who are women.
    female_share: Vec<Option<f64>>,
}

pub(super) fn given_names() -> &'static GivenNames {
    static TABLE: OnceLock<GivenNames> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut names = GivenNames {
            ids: NameMap::default(),
            related: vec![Vec::new()],
            formals: vec![Vec::new()],
            lengths: vec![0],
            spellings: vec![String::new()],
            initials: vec!['\0'],
            frequency: vec![None],
            female_share: vec![None],
        };
        let id_of = |names: &mut GivenNames, name: &str| -> GivenNameId {
            if let Some(id) = names.ids.get(name) {
                return *id;
            }
            let id = names.related.len() as GivenNameId;
            names.ids.insert(name.to_string(), id);
            names.related.push(Vec::new());
            names.formals.push(Vec::new());
            names.lengths.push(name.chars().count());
            names.spellings.push(name.to_string());
            names.initials.push(name.chars().next().unwrap_or('\0'));
            names.frequency.push(None);
            names.female_share.push(None);
            id
        };
        for (name, related) in nicknames() {
            let id = id_of(&mut names, name);
            for r in related {
                let r = id_of(&mut names, r);
                names.related[id as usize].push(r);
            }
        }
        for (formal, nick) in nickname_rows() {
            let (formal, nick) = (id_of(&mut names, &formal), id_of(&mut names, &nick));
            names.formals[nick as usize].push(formal);
        }
        let female = frequency_table(&[include_str!("../../assets/census_female_first_names.csv")]);
        let male = frequency_table(&[include_str!("../../assets/census_male_first_names.csv")]);
        for name in female.keys().chain(male.keys()) {
            let id = id_of(&mut names, name);
            let (f, m) = (
                female.get(name).copied().unwrap_or(0.0),
                male.get(name).copied().unwrap_or(0.0),
            );
            names.frequency[id as usize] = Some(f + m);
            names.female_share[id as usize] = Some(f / (f + m)).filter(|s| s.is_finite());
        }
        names
    })
}

/// The id of a normalised given name (one token), `UNKNOWN_GIVEN_NAME` if no table has it.
pub fn given_name_id(first_token: &str) -> GivenNameId {
    given_names()
        .ids
        .get(first_token)
        .copied()
        .unwrap_or(UNKNOWN_GIVEN_NAME)
}

/// The given name whose id is `id` ("" for an unknown one).
pub fn given_name_spelling(id: GivenNameId) -> &'static str {
    given_names()
        .spellings
        .get(id as usize)
        .map_or("", String::as_str)
}

/// The census frequencies (percent of people) of two given names by id; a name in
/// neither list is absent.
pub fn given_name_frequencies(a: GivenNameId, b: GivenNameId) -> (Option<f64>, Option<f64>) {
    let frequency = &given_names().frequency;
    (frequency[a as usize], frequency[b as usize])
}

/// How common a surname is (percent of people, census list in `assets/`).
pub fn surname_frequency(normalised: &str) -> Option<f64> {
    static TABLE: OnceLock<NameMap<f64>> = OnceLock::new();
    TABLE
        .get_or_init(|| frequency_table(&[include_str!("../../assets/census_last_names.csv")]))
        .get(normalised)
        .copied()
}

/// Two different spellings that are both real names name two people — Marc and Martha,
/// Mary and Marty, Barrett and Jarrett — however alike they look: a typo seldom lands on
/// another real name, and almost never on a common one. Names one edit apart count as
/// distinct only when both are at least `common_pct` percent of people.
pub(super) fn distinct_names(
    a: &str,
    b: &str,
    frequencies: (Option<f64>, Option<f64>),
    common_pct: f64,
) -> bool {
    let (Some(fa), Some(fb)) = frequencies else {
        return false;
    };
    a != b && (fa.min(fb) >= common_pct || !one_edit_apart(a, b))
}

/// Whether two different strings are one edit apart: a character added, dropped or
/// changed, or two neighbours swapped (Damerau's optimal string alignment distance 1).
/// Linear and allocation-free: it runs on millions of compared pairs.
pub fn one_edit_apart(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a == b || a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[prefix..], &b[prefix..]);
    match a.len().cmp(&b.len()) {
        std::cmp::Ordering::Equal => {
            a[1..] == b[1..] || (a.len() >= 2 && a[0] == b[1] && a[1] == b[0] && a[2..] == b[2..])
        }
        std::cmp::Ordering::Less => a == &b[1..],
        std::cmp::Ordering::Greater => &a[1..] == b,
    }
}

/// Given names this common (percent of people) are distinct even one edit apart.
pub const COMMON_GIVEN_NAME_PCT: f64 = 0.01;

/// A short form that spells the start or the end of a longer given name, as diminutives
/// do where the table lacks them: Barb of Barbara, Dan of Daniel, Bert of Herbert. The
/// longer name has at least three letters more and an end form at least four, so that two
/// full names (Eric and Erica, Paul and Paula, Don and Donna, Ella and Stella) stay two
/// names.
pub fn clipped_form(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short.len() >= 3
        && long.len() >= short.len() + 3
        && (long.starts_with(short) || (short.len() >= 4 && long.ends_with(short)))
}

/// Distinct given names (see `distinct_names`), by their ids in the name tables; nickname
/// forms of one name (in the table, or clipped from it) are not.
pub fn distinct_given_names_by_id(a: &str, b: &str, ida: GivenNameId, idb: GivenNameId) -> bool {
    if a == b || nickname_compatible_by_id(ida, idb) || clipped_form_by_id(a, b, ida, idb) {
        return false;
    }
    distinct_names(
        a,
        b,
        given_name_frequencies(ida, idb),
        COMMON_GIVEN_NAME_PCT,
    )
}

/// Distinct surnames (see `distinct_names`), given their census frequencies.
pub fn distinct_surnames(a: &str, b: &str, frequencies: (Option<f64>, Option<f64>)) -> bool {
    a != b && distinct_names(a, b, frequencies, 0.01)
}

/// A name in no table, of three letters or more, one slip of the keyboard from a name the
/// table relates the other to (Ncky and Nicholas through Nicky, Jmes and Jamie through
/// James): a nickname form, misspelt.
pub fn misspelt_nickname_by_id(a: &str, b: &str, ida: GivenNameId, idb: GivenNameId) -> bool {
    let names = given_names();
    let misspelt = |typo: &str, typo_id: GivenNameId, name_id: GivenNameId| {
        typo_id == UNKNOWN_GIVEN_NAME
            && typo.len() >= 3
            && names.related[name_id as usize]
                .iter()
                .any(|r| one_edit_apart(typo, &names.spellings[*r as usize]))
    };
    misspelt(a, ida, idb) || misspelt(b, idb, ida)
}

/// Whether two normalised first names can denote the same person through the nickname
/// table ("bob"/"robert", "liz"/"beth" via elizabeth, "chris"/"christine").
pub fn nickname_compatible(a: &str, b: &str) -> bool {
    a == b || nickname_compatible_by_id(given_name_id(a), given_name_id(b))
}

/// `nickname_compatible` for two different names by id: the table relates them, or both
/// are nicknames of one longer name (Liz and Beth of Elizabeth). Two names that only share
/// a nickname (William and Robert are both Bill, Mary and Paul both Polly, Alexander and
/// Alexandra both Alex) are two people's names. A name no table knows has no nickname forms.
pub fn nickname_compatible_by_id(a: GivenNameId, b: GivenNameId) -> bool {
    if a == UNKNOWN_GIVEN_NAME || b == UNKNOWN_GIVEN_NAME {
        return false;
    }
    let names = given_names();
    let (la, lb) = (names.lengths[a as usize], names.lengths[b as usize]);
    // Both nicknames of one name: one longer than both (Liz and Beth of Elizabeth), or one
    // that starts as both do and is at least as long as the shorter (Jim and Jamie of
    // James, Jack and Johnny of John), not a shorter name two longer ones share (William
    // and Robert are both Bill).
    let formal_of_both = |m: &GivenNameId| {
        let lm = names.lengths[*m as usize];
        lm > la.max(lb) || (lm >= la.min(lb) && same_initial(a, b) && same_initial(a, *m))
    };
    let (fa, fb) = (&names.formals[a as usize], &names.formals[b as usize]);
    a == b
        || names.related[a as usize].contains(&b)
        || fa.iter().any(|m| fb.contains(m) && formal_of_both(m))
}

/// Two names the census gives to people of opposite sexes, nine in ten of each, that the
/// nickname table does not relate: Joseph and Josephine, George and Georgette are two
/// people, however one spells the start of the other. (Alex beside Alexandra is listed: a
/// diminutive, though the census counts its people as men; Mel beside Missy shares
/// Melissa.)
pub(super) fn full_names_of_two_sexes(a: GivenNameId, b: GivenNameId) -> bool {
    const MOSTLY: f64 = 0.9;
    let names = given_names();
    let share = |id: GivenNameId| names.female_share[id as usize];
    match (share(a), share(b)) {
        (Some(x), Some(y)) => {
            ((x >= MOSTLY && y <= 1.0 - MOSTLY) || (y >= MOSTLY && x <= 1.0 - MOSTLY))
                && !names.related[a as usize].contains(&b)
        }
        _ => false,
    }
}

/// `clipped_form` of two given names that are not full names of two sexes (see
/// `full_names_of_two_sexes`: Joseph is the start of Josephine, not her nickname).
pub fn clipped_form_by_id(a: &str, b: &str, ida: GivenNameId, idb: GivenNameId) -> bool {
    clipped_form(a, b) && !full_names_of_two_sexes(ida, idb)
}

/// Whether two given names (by id) start with the same letter.
pub(super) fn same_initial(a: GivenNameId, b: GivenNameId) -> bool {
    let names = given_names();
    names.initials[a as usize] == names.initials[b as usize]
}
