//! Normalisers: the forms identity resolution compares. Pure functions, no I/O.
//! Ingest stores their output beside the raw fields so matching never re-parses.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::OnceLock;

use crate::stable_hash::Fnv1a;

/// The name tables are looked up several times per compared pair: a fast hash for short
/// keys (they are our own assets, not hostile input).
type NameMap<V> = HashMap<String, V, BuildHasherDefault<Fnv1a>>;

/// Normalised person fields as stored beside the raw ones and compared
/// by identity resolution.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NormalizedPerson {
    pub first: Option<String>,
    pub first_canon: Option<String>,
    pub last: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub unit: Option<String>,
    pub city: Option<String>,
    pub zip: Option<String>,
    /// The generation a suffix names (Sr 1, Jr and II 2, III 3 ...), see `person_name`.
    pub generation: Option<u8>,
    /// A birth date no calendar has, as `date_as_written` reads it, where the record's
    /// date of birth is stored empty: matching compares it, nothing shows it as a date.
    pub dob_as_written: Option<String>,
    /// "m" or "f" (see `gender`): compared, never shown on a golden record.
    pub gender: Option<&'static str>,
}

/// Lower-case, written in Latin letters, without accents and punctuation, whitespace
/// collapsed: "  O'Brien-Núñez " -> "obrien nunez", "Søren Østergaard" -> "soren
/// ostergaard", "Łukasz" -> "lukasz", "Strauß" -> "strauss", "Дмитрий" -> "dmitrii",
/// "张伟" -> "zhang wei". One system keeps a name's letters, another writes it in ASCII:
/// both are one spelling here.
pub fn name(raw: &str) -> String {
    let folded = if raw.is_ascii() {
        raw.to_lowercase()
    } else {
        in_latin_letters(raw).to_lowercase()
    };
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if (c == '-' || c.is_whitespace() || c == '.' || c == ',') && !out.ends_with(' ') {
            out.push(' ');
        }
        // apostrophes and other punctuation vanish: O'Brien == OBrien
    }
    out.trim().to_string()
}

/// Every letter outside ASCII transliterated (accents dropped, other scripts romanised,
/// by `deunicode`'s tables); other characters, which `name` drops or reads as spaces, as
/// they are.
fn in_latin_letters(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match deunicode::deunicode_char(c) {
            Some(latin) if !c.is_ascii() && c.is_alphabetic() => out.push_str(latin),
            _ => out.push(c),
        }
    }
    out
}

/// Courtesy, religious, military, civic and peerage titles, and the "and" of a couple, that
/// files write before a given name ("Dr. Ann", "Mr. and Mrs. John", "The Rt. Hon. Lady
/// Mary", "Capt. Ann"): not part of the name. A title alone leaves no given name.
#[rustfmt::skip]
const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "miss", "mx", "mister", "madam", "dr", "doctor", "prof", "professor",
    "rev", "revd", "reverend", "fr", "father", "sister", "rabbi", "pastor", "bishop",
    "sir", "dame", "lord", "lady", "hon", "honorable", "honourable", "rt", "right", "the",
    "capt", "captain", "col", "colonel", "gen", "general", "lt", "lieutenant", "sgt", "sergeant",
    "judge", "sen", "senator", "rep", "gov", "governor", "mayor",
    "and",
];

/// Words that stand in for a name a form or a system did not get: "Anonymous", "Guest
/// Guest", "Current Resident", "Valued Customer", "Unknown", "N/A". A name all of whose words
/// are these is nobody's (Christopher Guest keeps his surname).
#[rustfmt::skip]
const PLACEHOLDER_NAME_WORDS: &[&str] = &[
    "anonymous", "anon", "unknown", "guest", "customer", "valued", "current", "resident",
    "occupant", "friend", "dear", "donor", "test", "none", "null", "na", "tbd", "noname",
];

/// Generation suffixes as written after a name, and the generation each names: Jr and II
/// are both a second, Sr a first.
const GENERATIONS: &[(&str, u8)] = &[
    ("sr", 1),
    ("senior", 1),
    ("jr", 2),
    ("junior", 2),
    ("ii", 2),
    ("2nd", 2),
    ("iii", 3),
    ("3rd", 3),
    ("iv", 4),
    ("4th", 4),
    ("v", 5),
    ("5th", 5),
];

/// Degrees and post-nominal letters written after a surname ("Smith MD", "Jones, Esq.").
const POST_NOMINALS: &[&str] = &["md", "dds", "dmd", "phd", "dvm", "esq", "cpa", "jd", "rn"];

/// A person's given name and surname in the forms matching compares, with what files add
/// around them taken off: titles before the given name; a generation (Jr, III) and degrees
/// (MD, PhD) after either name. The generation is kept: Sr and Jr are father and son.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonName {
    pub given: Option<String>,
    pub surname: Option<String>,
    pub generation: Option<u8>,
    /// The sex the titles before the given name say ("Mrs. Ann": "f"), where they say one
    /// ("Dr." none, "Mr. and Mrs." none).
    pub sex: Option<&'static str>,
}

pub fn person_name(given: Option<&str>, surname: Option<&str>) -> PersonName {
    let mut generation = None;
    let mut sexes = Vec::new();
    let mut tokens_of = |raw: Option<&str>, is_given: bool| {
        let normalised = name(raw.unwrap_or(""));
        let mut tokens: Vec<&str> = normalised.split(' ').filter(|t| !t.is_empty()).collect();
        if is_given {
            let titles = tokens.iter().take_while(|t| TITLES.contains(t)).count();
            sexes.extend(tokens.drain(..titles).filter_map(sex_of_word));
        }
        // The name itself always stays: a surname "Sr" or "Junior" is a name.
        while tokens.len() > 1 {
            let last = tokens[tokens.len() - 1];
            // A lone letter after a given name is a middle initial, never a fifth generation.
            let written_generation = GENERATIONS
                .iter()
                .find(|(form, _)| *form == last && !(is_given && form.len() == 1));
            if let Some((_, g)) = written_generation {
                generation = generation.or(Some(*g));
            } else if !POST_NOMINALS.contains(&last) {
                break;
            }
            tokens.pop();
        }
        let joined = tokens.join(" ");
        (!joined.is_empty()).then_some(joined)
    };
    let given_name = tokens_of(given, true);
    let surname = tokens_of(surname, false);
    let placeholder = [&given_name, &surname].into_iter().flatten().all(|n| {
        n.split(' ')
            .all(|word| PLACEHOLDER_NAME_WORDS.contains(&word))
    });
    if placeholder {
        return PersonName::default();
    }
    let sex = sexes
        .first()
        .copied()
        .filter(|x| sexes.iter().all(|y| y == x));
    PersonName {
        given: given_name,
        surname,
        generation,
        sex,
    }
}

/// Split a full name as one column holds it into (given names, surname), as written:
/// "Smith, John A." and "Dr. John A. Smith Jr." both give "John A." and "Smith"; a suffix
/// after a comma ("John Smith, Jr.") stays with the surname, surname particles with the
/// surname ("Maria de la Cruz"). One word is a surname.
pub fn split_full_name(raw: &str) -> (Option<String>, Option<String>) {
    let is_suffix = |word: &str| {
        let w = name(word);
        !w.is_empty()
            && w.split(' ').all(|t| {
                GENERATIONS.iter().any(|(form, _)| *form == t) || POST_NOMINALS.contains(&t)
            })
    };
    let mut parts: Vec<&str> = raw
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let mut suffixes = Vec::new();
    while parts.len() > 1 && parts.last().is_some_and(|p| is_suffix(p)) {
        suffixes.extend(parts.pop());
    }
    suffixes.reverse();
    let with_suffixes = |surname: String| {
        std::iter::once(surname.as_str())
            .chain(suffixes.iter().copied())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    let some = |s: String| (!s.is_empty()).then_some(s);
    if parts.len() >= 2 {
        // "Surname, Given names"
        return (
            some(parts[1..].join(" ")),
            some(with_suffixes(parts[0].to_string())),
        );
    }
    let mut given = words(parts.first().copied().unwrap_or(""));
    let mut trailing = Vec::new();
    while given.len() > 1 && given.last().is_some_and(|w| is_suffix(w)) {
        trailing.extend(given.pop());
    }
    trailing.reverse();
    let Some(last) = given.pop() else {
        return (None, None);
    };
    let mut surname = vec![last];
    while given.len() > 1
        && given
            .last()
            .is_some_and(|w| SURNAME_PARTICLES.contains(&name(w).as_str()))
    {
        surname.extend(given.pop());
        surname.rotate_right(1);
    }
    surname.extend(trailing);
    (
        some(given.join(" ")),
        some(with_suffixes(surname.join(" "))),
    )
}

/// Words that begin a surname of several words (van der Berg, de la Cruz, O', St.).
const SURNAME_PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "del", "della", "la", "le", "da", "di", "du", "dos", "st",
    "bin", "ibn", "al", "ter", "ten",
];

/// The rows of the nickname table `assets/nicknames/names.csv` (a curated public list, see
/// the README beside it): (name, nickname) for each "name has_nickname nickname". The list
/// relates names both ways round where people use both ("robert has_nickname bill" and
/// "bill has_nickname robert"). A diminutive's other spellings of its ending come with it
/// (see `diminutive_spellings`).
fn nickname_rows() -> impl Iterator<Item = (String, String)> {
    include_str!("../assets/nicknames/names.csv")
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
fn diminutive_spellings(nickname: &str) -> Vec<String> {
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
fn nicknames() -> &'static NameMap<Vec<String>> {
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
fn frequency_table(lists: &[&str]) -> NameMap<f64> {
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
struct GivenNames {
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

fn given_names() -> &'static GivenNames {
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
        let female = frequency_table(&[include_str!("../assets/census_female_first_names.csv")]);
        let male = frequency_table(&[include_str!("../assets/census_male_first_names.csv")]);
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
        .get_or_init(|| frequency_table(&[include_str!("../assets/census_last_names.csv")]))
        .get(normalised)
        .copied()
}

/// Two different spellings that are both real names name two people — Marc and Martha,
/// Mary and Marty, Barrett and Jarrett — however alike they look: a typo seldom lands on
/// another real name, and almost never on a common one. Names one edit apart count as
/// distinct only when both are at least `common_pct` percent of people.
fn distinct_names(
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
fn full_names_of_two_sexes(a: GivenNameId, b: GivenNameId) -> bool {
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
fn same_initial(a: GivenNameId, b: GivenNameId) -> bool {
    let names = given_names();
    names.initials[a as usize] == names.initials[b as usize]
}

/// Trim and lower-case; `None` unless it holds an address that looks like local@domain.tld.
/// As mail clients and CRMs export them: "Ann Lee <ann@x.com>" is ann@x.com, "mailto:"
/// comes off, and of a list ("ann@x.com; ann.lee@y.org") the first address is the one.
pub fn email(raw: &str) -> Option<String> {
    raw.to_lowercase().split([',', ';']).find_map(one_email)
}

fn one_email(written: &str) -> Option<String> {
    let written = written.trim();
    // "Ann Lee <ann@x.com>": the address is in the brackets.
    let address = match (written.rfind('<'), written.rfind('>')) {
        (Some(open), Some(close)) if open < close => &written[open + 1..close],
        _ => written,
    };
    let e = address.strip_prefix("mailto:").unwrap_or(address);
    // A sentence's full stop after "ann@x.com." (a domain cut short, "ann@x.", is kept:
    // one character off the whole address it still compares as a typo).
    let e = match e.trim_end_matches('.') {
        trimmed if trimmed.rsplit('@').next().is_some_and(|d| d.contains('.')) => trimmed,
        _ => e,
    };
    let (local, domain) = e.split_once('@')?;
    // A second "@" stays: a typo of one character, compared as one.
    if local.is_empty() || !domain.contains('.') || e.contains(char::is_whitespace) {
        return None;
    }
    // A "+tag" reaches the same mailbox (ann+news@ is ann@) at every large provider.
    match local.split_once('+') {
        Some((mailbox, _)) if !mailbox.is_empty() => Some(format!("{mailbox}@{domain}")),
        _ => Some(e.to_string()),
    }
}

/// A household's shared mailbox ("smithfamily@", "thesmiths@", "jonesHousehold@"): it
/// names a home, not a person, so matching does not treat it as a personal identifier.
pub fn is_joint_mailbox(normalised_email: &str) -> bool {
    let local = normalised_email.split('@').next().unwrap_or("");
    // "thesmiths", "theadamses12" (a number after, as taken names get): one word. Not
    // Theresa's or Theodore Adams's own mailbox (theresas@, theodoreadams12@): a given name
    // of six letters or more that it starts with makes it a person's (shorter ones, Thea,
    // Theo and Theda, begin too many families' plurals: theallens, theowens, thedavises;
    // of the census's 5,000 surnames one, Roney, still reads as Theron's).
    let name = local.trim_end_matches(|c: char| c.is_ascii_digit());
    let starts_with_a_given_name = || {
        (6..name.len())
            .filter(|&i| name.is_char_boundary(i))
            .any(|i| given_name_id(&name[..i]) != UNKNOWN_GIVEN_NAME)
    };
    let family_plural = name.len() > 5
        && name.starts_with("the")
        && name.ends_with('s')
        && name.chars().all(|c| c.is_alphanumeric())
        && !starts_with_a_given_name();
    ["family", "household", "joint"]
        .iter()
        .any(|word| local.contains(word))
        || family_plural
}

/// A phone as resolution compares it, its extension dropped. A North American number is
/// its ten digits: "(312) 555-0101", "312.555.0101", "+1 312 555 0101" -> "3125550101".
/// Another country's is "+", its country code and number, where the text gives the
/// country code: "+44 20 7946 0958", "0044 20 7946 0958", "011 44 20 7946 0958" ->
/// "+442079460958". `None` for anything else: a number without its country code
/// ("020 7946 0958") could be any country's (`phone_in` reads it as a file's country's).
pub fn phone(raw: &str) -> Option<String> {
    phone_in(raw, None)
}

/// A phone as `phone` reads it, and a number written without a country code as one of
/// `country`'s (a calling code, a file's `phone_country_code`): its trunk 0, dialled
/// only within the country, dropped ("020 7946 0958" in 44 is "+442079460958"), but in
/// Italy, 39, where the 0 is part of the number.
pub fn phone_in(raw: &str, country: Option<u16>) -> Option<String> {
    let number = without_extension(raw).0.trim();
    // "+44 (0)20 …": the bracketed trunk 0 is dialled only within the country.
    let digits: String = number
        .replacen("(0)", "", 1)
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect();
    // The international forms: "+", or an exit code (00 in most of the world, 011 in North
    // America, where no number starts with 0).
    let international = if number.starts_with('+') {
        Some(digits.as_str())
    } else {
        ["011", "00"]
            .into_iter()
            .find_map(|exit| digits.strip_prefix(exit))
    };
    match international {
        Some(d) if d.starts_with('1') => north_american(d),
        // E.164: a country code and number of at most 15 digits; the shortest in use have 8.
        Some(d) if (8..=15).contains(&d.len()) => Some(format!("+{d}")),
        Some(_) => None,
        None => match country {
            Some(code) if code != NORTH_AMERICA => national(&digits, code),
            _ => north_american(&digits),
        },
    }
}

/// North America's calling code: its numbers are read as ten digits, written with it or not.
const NORTH_AMERICA: u16 = 1;

/// A number dialled within the country `code` as "+", the code and the number.
fn national(digits: &str, code: u16) -> Option<String> {
    const ITALY: u16 = 39;
    let number = match code {
        ITALY => digits,
        _ => digits.strip_prefix('0').unwrap_or(digits),
    };
    let full = format!("{code}{number}");
    (!number.is_empty() && (8..=15).contains(&full.len())).then(|| format!("+{full}"))
}

/// Ten digits, or eleven after a 1: a North American number's ten.
fn north_american(digits: &str) -> Option<String> {
    let ten = match digits.len() {
        10 => digits,
        11 if digits.starts_with('1') => &digits[1..],
        _ => return None,
    };
    // North American numbers never start with 0 or 1.
    if ten.starts_with('0') || ten.starts_with('1') {
        return None;
    }
    Some(ten.to_string())
}

/// Whether a phone as `phone` gives it is a North American number (its ten digits).
pub fn is_north_american(phone: &str) -> bool {
    !phone.starts_with('+')
}

/// A phone in E.164, as a dialler takes it, from the form `phone` gives it (ten North
/// American digits, or "+" and a country code and number): "+13125550101", "+442079460958".
pub fn e164(phone: &str) -> String {
    if is_north_american(phone) {
        format!("+1{phone}")
    } else {
        phone.to_string()
    }
}

/// A phone as a person reads it, whatever form its source wrote it in: "(312) 555-0101"
/// for anything `phone` reads as a North American number, with its extension after it
/// ("x12"), else the text as written (another country's number groups its digits its
/// own way).
pub fn display_phone(raw: &str) -> String {
    match (
        phone(raw).filter(|p| is_north_american(p)),
        without_extension(raw).1,
    ) {
        (Some(ten), extension) => {
            let number = format!("({}) {}-{}", &ten[..3], &ten[3..6], &ten[6..]);
            match extension {
                Some(ext) => format!("{number} x{ext}"),
                None => number,
            }
        }
        (None, _) => raw.trim().to_string(),
    }
}

/// A phone as written, split from its extension ("312-555-0101 ext. 12", "x12", "#12"),
/// which is not part of the number: (the number, the extension's digits if any).
fn without_extension(raw: &str) -> (&str, Option<String>) {
    let lower = raw.to_ascii_lowercase();
    let Some(at) = ["ext", "x", "#"].iter().filter_map(|m| lower.find(m)).min() else {
        return (raw, None);
    };
    let digits: String = raw[at..].chars().filter(char::is_ascii_digit).collect();
    (&raw[..at], (!digits.is_empty()).then_some(digits))
}

/// First five digits of a US ZIP or ZIP+4; four digits get back the leading zero a
/// spreadsheet drops. A postcode of letters and digits (UK "TQ13 8DF", Canada "K1A 0B1",
/// the Netherlands "1234 AB") is kept whole, lower case, without its spaces and hyphens.
pub fn zip(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(|c| c.is_ascii_digit()).collect();
    if matches!(digits.len(), 5 | 9) {
        return Some(digits[..5].to_string()); // "IL 60614" too
    }
    let code: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let is_postcode = !digits.is_empty()
        && code.chars().any(|c| c.is_ascii_alphabetic())
        && code.chars().all(|c| c.is_ascii_alphanumeric())
        && (POSTCODE_MIN..=POSTCODE_MAX).contains(&code.len());
    if is_postcode {
        Some(code)
    } else if matches!(digits.len(), 4 | 8) {
        // A spreadsheet dropped the leading zero of a New England ZIP ("2119" is 02119,
        // "21191234" is 02119-1234).
        Some(format!("0{}", &digits[..4]))
    } else {
        None
    }
}

/// The lengths of the postcodes with letters that `zip` keeps (UK "w1a1aa" to "tq138df",
/// Canada's six, the Irish seven).
const POSTCODE_MIN: usize = 5;
const POSTCODE_MAX: usize = 7;

/// Street words in their USPS abbreviations, and numbered streets in figures.
const STREET_WORDS: &[(&str, &str)] = &[
    ("street", "st"),
    ("str", "st"),
    ("avenue", "ave"),
    ("av", "ave"),
    ("boulevard", "blvd"),
    ("road", "rd"),
    ("drive", "dr"),
    ("place", "pl"),
    ("court", "ct"),
    ("lane", "ln"),
    ("parkway", "pkwy"),
    ("pky", "pkwy"),
    ("terrace", "ter"),
    ("highway", "hwy"),
    ("square", "sq"),
    ("circle", "cir"),
    ("trail", "trl"),
    ("plaza", "plz"),
    ("expressway", "expy"),
    // Numbered streets as words: "West First Street" is "W 1st St".
    ("first", "1st"),
    ("second", "2nd"),
    ("third", "3rd"),
    ("fourth", "4th"),
    ("fifth", "5th"),
    ("sixth", "6th"),
    ("seventh", "7th"),
    ("eighth", "8th"),
    ("ninth", "9th"),
    ("tenth", "10th"),
    ("eleventh", "11th"),
    ("twelfth", "12th"),
];
const DIRECTIONS: &[(&str, &str)] = &[
    ("north", "n"),
    ("south", "s"),
    ("east", "e"),
    ("west", "w"),
    ("northeast", "ne"),
    ("northwest", "nw"),
    ("southeast", "se"),
    ("southwest", "sw"),
];
const UNIT_WORDS: &[&str] = &[
    "apt",
    "apartment",
    "unit",
    "suite",
    "ste",
    "fl",
    "floor",
    "rm",
    "room",
    "lot",
    "spc",
];

/// A normalised street line's leading house number and the street after it ("12 n
/// halsted st" is 12 and "n halsted st"; a line of figures alone is a number without its
/// street); a line that starts otherwise has no number. Read byte by byte: comparing runs
/// it on millions of pairs.
pub fn house_number(street: &str) -> (Option<&str>, &str) {
    let digits = street.bytes().take_while(u8::is_ascii_digit).count();
    match street.as_bytes().get(digits) {
        _ if digits == 0 => (None, street),
        None => (Some(street), ""),
        Some(b' ') => (Some(&street[..digits]), &street[digits + 1..]),
        Some(_) => (None, street),
    }
}

/// A normalised street address and its unit: USPS suffix and direction abbreviations,
/// units split off. "123 North Halsted Street, Apt. 4B" -> ("123 n halsted st", Some("4b")).
pub fn address(line1: &str, line2: &str) -> (Option<String>, Option<String>) {
    let mut street = Vec::new();
    let mut unit: Option<String> = None;
    let cleaned = name(&format!("{line1} {line2}").replace('#', " unitmark "));
    let mut tokens = cleaned.split(' ').filter(|t| !t.is_empty()).peekable();
    while let Some(token) = tokens.next() {
        if token == "unitmark" || UNIT_WORDS.contains(&token) {
            if let Some(next) = tokens.next() {
                unit = Some(next.to_string());
            }
            continue;
        }
        let token = STREET_WORDS
            .iter()
            .chain(DIRECTIONS)
            .find(|(long, _)| *long == token)
            .map(|(_, short)| *short)
            .unwrap_or(token);
        street.push(token.to_string());
    }
    let street = (!street.is_empty()).then(|| street.join(" "));
    (street, unit)
}

/// A US street address written on one line with its city, state and ZIP, as a mailing
/// list or a form exports it ("123 Main St, Springfield, IL 62701", Mailchimp's "123 Main
/// St  Springfield  IL  62701  US"), in its parts. `None` for a line that does not end in a
/// ZIP (a street alone, "12 Oak St, Apt 4").
#[derive(Debug, PartialEq, Eq)]
pub struct OneLineAddress<'a> {
    pub street: String,
    pub city: String,
    pub zip: &'a str,
}

pub fn one_line_address(line: &str) -> Option<OneLineAddress<'_>> {
    let mut parts: Vec<&str> = line
        .split(',')
        .flat_map(|part| part.split("  "))
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect();
    if parts
        .last()
        .is_some_and(|p| ["us", "usa", "united states"].contains(&p.to_lowercase().as_str()))
    {
        parts.pop();
    }
    let is_state = |word: &str| US_STATES.contains(&word.to_uppercase().as_str());
    let is_zip = |word: &str| {
        let digits = word.bytes().filter(u8::is_ascii_digit).count();
        word.bytes().all(|b| b.is_ascii_digit() || b == b'-') && matches!(digits, 5 | 9)
    };
    // The end of the line: "IL 62701", the state and the ZIP as parts of their own, or the
    // ZIP alone.
    let mut zip = None;
    let mut state = false;
    // The city, where the state and ZIP follow it in its part ("Springfield IL 62701").
    let mut city = None;
    while let Some(last) = parts.last().copied() {
        let words: Vec<&str> = last.split_whitespace().collect();
        match words.as_slice() {
            [town @ .., code, number]
                if !state && zip.is_none() && is_state(code) && is_zip(number) =>
            {
                (zip, state) = (Some(*number), true);
                city = (!town.is_empty()).then(|| town.join(" "));
            }
            [number] if !state && zip.is_none() && is_zip(number) => zip = Some(*number),
            [code] if !state && is_state(code) => state = true,
            _ => break,
        }
        parts.pop();
        if city.is_some() {
            break;
        }
    }
    // Without a ZIP, a last word like a state is as likely a street's direction ("NE").
    let zip = zip?;
    let city = match city {
        Some(city) => city,
        None if parts.len() >= 2 => parts.pop()?.to_string(),
        None => return None,
    };
    (!parts.is_empty()).then(|| OneLineAddress {
        street: parts.join(" "),
        city,
        zip,
    })
}

/// The USPS's two-letter codes of the states, DC and the territories.
#[rustfmt::skip]
const US_STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ",
    "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT",
    "VA", "WA", "WV", "WI", "WY", "DC", "PR", "GU", "VI", "AS", "MP",
];

/// A city's name as `name` gives it, with the words towns are written both ways with in
/// one form: "Saint Charles" and "St. Charles", "Fort Wayne" and "Ft Wayne", "Mount
/// Prospect" and "Mt. Prospect", "North Chicago" and "N Chicago".
pub fn city(raw: &str) -> Option<String> {
    let named = name(raw);
    let words: Vec<&str> = named
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|word| {
            CITY_WORDS
                .iter()
                .chain(DIRECTIONS)
                .find(|(long, _)| *long == word)
                .map_or(word, |(_, short)| short)
        })
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// A person's sex as a gender or a title column gives it: "m" or "f" ("M", "Male", "man",
/// "Mr."; "F", "Female", "woman", "Mrs", "Ms", "Miss"). Anything else says nothing to
/// compare: unknown ("U", "X", empty), another gender, a title that does not say one ("Dr",
/// "Rev", "Mx"), a couple ("Mr. and Mrs.") or two values ("female | male").
pub fn gender(raw: &str) -> Option<&'static str> {
    sex_of_word(&name(raw))
}

/// The sex a word of a gender column or a title says, if it says one.
fn sex_of_word(word: &str) -> Option<&'static str> {
    match word {
        "m" | "male" | "man" | "mr" | "mister" | "sir" | "lord" => Some("m"),
        "f" | "female" | "woman" | "mrs" | "ms" | "miss" | "madam" | "dame" | "lady" => Some("f"),
        _ => None,
    }
}

const CITY_WORDS: &[(&str, &str)] = &[
    ("saint", "st"),
    ("sainte", "ste"),
    ("fort", "ft"),
    ("mount", "mt"),
];

/// Parse a date in any of the listed chrono formats to ISO `YYYY-MM-DD`.
pub fn date(raw: &str, formats: &[String]) -> Option<String> {
    let raw = raw.trim();
    // Fast path for ISO dates, the common case, without chrono's format parser.
    let b = raw.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' && formats.iter().any(|f| f == "%Y-%m-%d") {
        let num = |s: &str| s.parse::<u32>().ok();
        if let (Some(y), Some(m), Some(d)) = (num(&raw[0..4]), num(&raw[5..7]), num(&raw[8..10]))
            && chrono::NaiveDate::from_ymd_opt(y as i32, m, d).is_some()
        {
            return Some(raw.to_string());
        }
    }
    read_date(raw, formats).map(|(d, _)| d.format("%Y-%m-%d").to_string())
}

/// `raw` read by `formats`, or, a timestamp as databases and APIs export one ("2024-05-01
/// 13:45:00", "2024-05-01T13:45:00Z", "5/1/2024 1:45 PM"), its date before the time of day.
fn read_date<'f>(raw: &str, formats: &'f [String]) -> Option<(chrono::NaiveDate, &'f str)> {
    read_by(raw, formats).or_else(|| read_by(without_time_of_day(raw)?, formats))
}

/// The text before a time of day: a space or a "T" followed by one or two digits and ":".
fn without_time_of_day(raw: &str) -> Option<&str> {
    raw.char_indices()
        .filter(|&(i, c)| i > 0 && (c == ' ' || c == 'T'))
        .find_map(|(i, _)| {
            let rest = raw[i + 1..].trim_start();
            let hours = rest.bytes().take_while(u8::is_ascii_digit).count();
            ((1..=2).contains(&hours) && rest.as_bytes().get(hours) == Some(&b':'))
                .then(|| raw[..i].trim_end())
        })
}

/// The date the first of `formats` that reads `raw` gives, and that format. A year read
/// from fewer than four digits under `%Y` is no reading: `%Y` takes "45" as the year 45,
/// where a later `%y` would read 1945 or 2045 ("0650", written so, is the year 650).
fn read_by<'f>(raw: &str, formats: &'f [String]) -> Option<(chrono::NaiveDate, &'f str)> {
    use chrono::Datelike;
    formats.iter().find_map(|f| {
        chrono::NaiveDate::parse_from_str(raw, f)
            .ok()
            .filter(|d| {
                !f.contains("%Y") || d.year() >= 1000 || raw.contains(&format!("{:04}", d.year()))
            })
            .map(|d| (d, f.as_str()))
    })
}

/// A date of birth as `date` reads it, but a two-digit year (a format's `%y`: "03/02/45",
/// which chrono reads as 2045) in the century that puts it on or before `today`: nobody
/// is born in the future.
pub fn birth_date(raw: &str, formats: &[String], today: chrono::NaiveDate) -> Option<String> {
    use chrono::Datelike;
    let read = date(raw, formats)?;
    match read_date(raw.trim(), formats) {
        Some((born, format)) if format.contains("%y") && born > today => Some(
            born.with_year(born.year() - 100)
                .map_or(read, |d| d.format("%Y-%m-%d").to_string()),
        ),
        _ => Some(read),
    }
}

/// A date no calendar has, read by one of the formats as its year, month and day
/// ("1950 2 30" under "%Y %m %d" -> "1950-02-30"), for matching alone: one mistyped digit
/// ("1950-02-20") or a day and month the wrong way round make such dates, and they still
/// say which person wrote them. Read only where the year is a year and exactly one of the
/// month and day is out of range, so placeholders ("9999-99-99", "0000-00-00") stay
/// unread; formats with anything but `%Y`, `%m`, `%d` and literal characters are skipped.
pub fn date_as_written(raw: &str, formats: &[String]) -> Option<String> {
    let raw = raw.trim();
    formats.iter().find_map(|format| {
        let (year, month, day) = match read_date_parts(raw, format)? {
            (Some(year), Some(month), Some(day)) => (year, month, day),
            _ => return None,
        };
        let month_in_range = (1..=12).contains(&month);
        let day_in_range = (1..=31).contains(&day)
            && (!month_in_range
                || chrono::NaiveDate::from_ymd_opt(year as i32, month, day).is_some());
        (PLAUSIBLE_YEARS.contains(&year) && month_in_range != day_in_range)
            .then(|| format!("{year:04}-{month:02}-{day:02}"))
    })
}

/// The numbers `%Y` (four digits), `%m` and `%d` (one or two) read from `raw` in the
/// format's layout, every other character of the format matched as written (a space as
/// any run of spaces); a part the format does not hold is `None`.
type DateParts = (Option<u32>, Option<u32>, Option<u32>);
fn read_date_parts(raw: &str, format: &str) -> Option<DateParts> {
    let (mut year, mut month, mut day) = (None, None, None);
    let mut rest = raw.as_bytes();
    let mut spec = format.as_bytes();
    while let Some((&c, after)) = spec.split_first() {
        if c == b'%' {
            let (&kind, after) = after.split_first()?;
            let (min, max, slot) = match kind {
                b'Y' => (4, 4, &mut year),
                b'm' => (1, 2, &mut month),
                b'd' => (1, 2, &mut day),
                _ => return None,
            };
            let digits = rest
                .iter()
                .take(max)
                .take_while(|b| b.is_ascii_digit())
                .count();
            if digits < min {
                return None;
            }
            let number = rest[..digits]
                .iter()
                .fold(0, |n, b| n * 10 + u32::from(b - b'0'));
            *slot = Some(number);
            rest = &rest[digits..];
            spec = after;
        } else if c == b' ' {
            let spaces = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
            if spaces == 0 {
                return None;
            }
            rest = &rest[spaces..];
            spec = after;
        } else {
            rest = rest.strip_prefix(&[c])?;
            spec = after;
        }
    }
    rest.is_empty().then_some(())?;
    Some((year, month, day))
}

/// A birth date a file gives only in part, as matching compares it: a year ("1985" ->
/// "1985"), or a year and month under a configured format without a day ("03/1985" under
/// "%m/%Y" -> "1985-03"). A bare four-digit year is read whatever the formats: it can be
/// nothing else. Compared as far as it goes (the year, or the year and month), never
/// shown as a date.
pub fn partial_date(raw: &str, formats: &[String]) -> Option<String> {
    let raw = raw.trim();
    let year_only = String::from("%Y");
    std::iter::once(&year_only)
        .chain(formats.iter().filter(|f| !f.contains("%d")))
        .find_map(|format| match read_date_parts(raw, format)? {
            (Some(year), None, None) if PLAUSIBLE_YEARS.contains(&year) => {
                Some(format!("{year:04}"))
            }
            (Some(year), Some(month), None)
                if PLAUSIBLE_YEARS.contains(&year) && (1..=12).contains(&month) =>
            {
                Some(format!("{year:04}-{month:02}"))
            }
            _ => None,
        })
}

/// Years a date of birth can be written with (as `date_as_written` reads them too).
const PLAUSIBLE_YEARS: std::ops::RangeInclusive<u32> = 1000..=2999;

/// Soundex code, used as a blocking key tolerant of spelling ("Smith"/"Smyth" -> S530).
pub fn soundex(normalised: &str) -> String {
    let mut chars = normalised.chars().filter(|c| c.is_ascii_alphabetic());
    let Some(first) = chars.next() else {
        return String::new();
    };
    let code = |c: char| match c {
        'b' | 'f' | 'p' | 'v' => '1',
        'c' | 'g' | 'j' | 'k' | 'q' | 's' | 'x' | 'z' => '2',
        'd' | 't' => '3',
        'l' => '4',
        'm' | 'n' => '5',
        'r' => '6',
        _ => '0',
    };
    let mut out = String::from(first.to_ascii_uppercase());
    let mut last = code(first);
    for c in chars {
        let d = code(c);
        if d != '0' && d != last {
            out.push(d);
            if out.len() == 4 {
                break;
            }
        }
        if c != 'h' && c != 'w' {
            last = d;
        }
    }
    while out.len() < 4 {
        out.push('0');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(given: &str, surname: &str) -> (Option<String>, Option<String>, Option<u8>) {
        let n = person_name(Some(given), Some(surname));
        (n.given, n.surname, n.generation)
    }

    #[test]
    fn a_name_a_form_put_in_for_nobody_is_no_name() {
        let some = |s: &str| Some(s.to_string());
        for (given, surname) in [
            ("Guest", "Guest"),
            ("", "Anonymous"),
            ("Anonymous", "Donor"),
            ("Current", "Resident"),
            ("Valued", "Customer"),
            ("Unknown", "UNKNOWN"),
            ("N/A", "n/a"),
            ("Mr.", "Guest"),
        ] {
            assert_eq!(
                named(given, surname),
                (None, None, None),
                "{given} {surname}"
            );
        }
        // A real name among the words keeps both.
        assert_eq!(
            named("Christopher", "Guest"),
            (some("christopher"), some("guest"), None)
        );
        assert_eq!(
            named("Guest", "Okafor"),
            (some("guest"), some("okafor"), None)
        );
        assert_eq!(named("Ann", "Friend"), (some("ann"), some("friend"), None));
    }

    #[test]
    fn titles_suffixes_and_degrees_come_off_a_name_and_the_generation_is_kept() {
        let some = |s: &str| Some(s.to_string());
        assert_eq!(named("Dr. Ann", "Lee"), (some("ann"), some("lee"), None));
        assert_eq!(
            named("The Rt. Hon. Lady Mary", "Lee"),
            (some("mary"), some("lee"), None)
        );
        assert_eq!(named("Reverend", "Lee"), (None, some("lee"), None));
        assert_eq!(
            named("Mr. and Mrs. John", "Smith"),
            (some("john"), some("smith"), None)
        );
        assert_eq!(
            named("John", "Smith, Jr."),
            (some("john"), some("smith"), Some(2))
        );
        assert_eq!(
            named("John", "Smith II"),
            (some("john"), some("smith"), Some(2))
        );
        assert_eq!(
            named("John", "Smith Sr"),
            (some("john"), some("smith"), Some(1))
        );
        assert_eq!(
            named("John", "Smith III MD"),
            (some("john"), some("smith"), Some(3))
        );
        assert_eq!(named("Ann", "Lee, PhD"), (some("ann"), some("lee"), None));
        assert_eq!(
            named("John Jr", "Smith"),
            (some("john"), some("smith"), Some(2))
        );
        // A middle initial is not a fifth generation; a surname's own letters stay.
        assert_eq!(
            named("John V", "Smith"),
            (some("john v"), some("smith"), None)
        );
        assert_eq!(
            named("Ann", "Smith V"),
            (some("ann"), some("smith"), Some(5))
        );
        // What is only a title or a suffix is the name itself, or no name.
        assert_eq!(named("Mrs", "Sr"), (None, some("sr"), None));
        assert_eq!(
            named("Junior", "Jones"),
            (some("junior"), some("jones"), None)
        );
    }

    #[test]
    fn a_full_name_splits_into_given_names_and_surname_as_it_is_written() {
        let split = |raw: &str| {
            let (g, s) = split_full_name(raw);
            (g.unwrap_or_default(), s.unwrap_or_default())
        };
        let pair = |g: &str, s: &str| (g.to_string(), s.to_string());
        assert_eq!(split("Smith, John A."), pair("John A.", "Smith"));
        assert_eq!(
            split("Dr. John A. Smith Jr."),
            pair("Dr. John A.", "Smith Jr.")
        );
        assert_eq!(split("John Smith, Jr."), pair("John", "Smith Jr."));
        assert_eq!(split("Smith, John, III"), pair("John", "Smith III"));
        assert_eq!(split("John Smith Jr., MD"), pair("John", "Smith Jr. MD"));
        assert_eq!(split("Núñez, José"), pair("José", "Núñez"));
        assert_eq!(split("Maria de la Cruz"), pair("Maria", "de la Cruz"));
        assert_eq!(
            split("Ludwig van Beethoven"),
            pair("Ludwig", "van Beethoven")
        );
        assert_eq!(split("  Ann   Lee  "), pair("Ann", "Lee"));
        assert_eq!(split("Cher"), pair("", "Cher"));
        assert_eq!(split(" , "), pair("", ""));
        // Read back through the normaliser, both forms are one person's name.
        let normalised = |raw: &str| {
            let (g, s) = split_full_name(raw);
            person_name(g.as_deref(), s.as_deref())
        };
        let (plain, titled) = (normalised("Smith, John"), normalised("Mr. John Smith"));
        assert_eq!((plain.given, plain.surname), (titled.given, titled.surname));
        assert_eq!(titled.sex, Some("m"));
        assert_eq!(normalised("John Smith, Jr.").generation, Some(2));
    }

    #[test]
    fn names_fold_case_accents_and_punctuation() {
        assert_eq!(name("  O'Brien-Núñez "), "obrien nunez");
        assert_eq!(name("JOSÉ  luis"), "jose luis");
        assert_eq!(name("Smith, Jr."), "smith jr");
        assert_eq!(name(""), "");
        assert_eq!(
            name("Jose\u{301}"),
            "jose",
            "an accent written as its own mark"
        );
        assert_eq!(name("Ann\u{a0}Lee 🎉"), "ann lee", "a symbol is no letter");
    }

    #[test]
    fn a_name_in_letters_ascii_lacks_reads_as_it_is_written_in_ascii() {
        for (written, ascii) in [
            ("Søren Østergaard", "soren ostergaard"),
            ("Łukasz Wałęsa", "lukasz walesa"),
            ("Strauß", "strauss"),
            ("Ðorđević", "dordevic"),
            ("İsmail Yıldız", "ismail yildiz"),
            ("Nguyễn Thị", "nguyen thi"),
            ("Дмитрий", "dmitrii"),
            ("Κώστας", "kostas"),
            ("张伟", "zhang wei"),
            ("Ｊｏｈｎ", "john"),
        ] {
            assert_eq!(name(written), ascii, "{written}");
        }
        // Soundex, the blocking keys' spelling code, then reads the whole name.
        assert_eq!(soundex(&name("Łukasz")), soundex("lukasz"));
    }

    #[test]
    fn only_names_the_table_relates_or_that_share_a_longer_name_are_nickname_forms() {
        assert!(nickname_compatible("nancy", "nan"));
        assert!(nickname_compatible("veronica", "ronnie"));
        assert!(nickname_compatible("alex", "alexandra"));
        assert!(nickname_compatible("alex", "alexander"));
        assert!(
            !nickname_compatible("alexander", "alexandra"),
            "they share only Alex"
        );
        assert!(
            !nickname_compatible("william", "robert"),
            "they share only Bill"
        );
        assert!(!nickname_compatible("mary", "rosemarie"));
        assert!(
            !nickname_compatible("mary", "paul"),
            "they share only Polly"
        );
        // Two nicknames of one name that starts as they do: Jim and Jamie of James.
        assert!(nickname_compatible("jim", "jamie"));
        assert!(nickname_compatible("jack", "johnny"));
        assert_eq!(canonical_first("bob"), "robert");
        assert_eq!(canonical_first("robert"), "robert");
    }

    #[test]
    fn one_edit_apart_is_damerau_distance_one() {
        for (a, b) in [
            ("michael", "micheal"),
            ("jon", "john"),
            ("ann", "an"),
            ("x", "y"),
            ("mary", "marty"),
            ("jessie", "jessiie"),
        ] {
            assert!(one_edit_apart(a, b), "{a}/{b}");
            assert!(one_edit_apart(b, a), "{b}/{a}");
        }
        for (a, b) in [
            ("ann", "ann"),
            ("marc", "martha"),
            ("abc", "cba"),
            ("", "ab"),
        ] {
            assert!(!one_edit_apart(a, b), "{a}/{b}");
        }
    }

    proptest::proptest! {
        #[test]
        fn one_edit_apart_agrees_with_strsim(a in "[ab]{0,6}", b in "[ab]{0,6}") {
            let theirs = a != b && strsim::osa_distance(&a, &b) == 1;
            proptest::prop_assert_eq!(one_edit_apart(&a, &b), theirs, "{} {}", a, b);
        }
    }

    #[test]
    fn a_diminutive_spelled_with_another_ending_is_still_the_nickname() {
        // The table has Milly, Robby, Suzie and Patty; people also write these.
        for (formal, nick) in [
            ("mildred", "millie"),
            ("robert", "robbie"),
            ("susan", "suzy"),
            ("patricia", "pattie"),
            ("teresa", "terri"),
        ] {
            assert!(nickname_compatible(formal, nick), "{formal}/{nick}");
        }
        // Short stems and vowel stems keep their one spelling; names stay apart.
        assert!(diminutive_spellings("joey").is_empty());
        assert!(diminutive_spellings("amy").is_empty());
        assert!(!nickname_compatible("robert", "william"));
        assert!(!nickname_compatible("mildred", "emily"));
    }

    #[test]
    fn a_short_form_clipped_from_a_longer_name_is_a_nickname_two_full_names_are_not() {
        for (short, long) in [("barb", "barbara"), ("bert", "herbert"), ("dan", "daniel")] {
            assert!(
                clipped_form(short, long) && clipped_form(long, short),
                "{short}"
            );
            let (a, b) = (given_name_id(short), given_name_id(long));
            assert!(!distinct_given_names_by_id(short, long, a, b), "{short}");
        }
        for (a, b) in [
            ("eric", "erica"),
            ("paul", "paula"),
            ("don", "donna"),
            ("ella", "stella"),
            ("al", "albert"),
        ] {
            assert!(!clipped_form(a, b), "{a} and {b} are two names");
        }
        // A man's full name at the start of a woman's is hers alone; a diminutive both
        // sexes use, or two the table relates, stay one name.
        let by_id = |a: &str, b: &str| {
            let (ia, ib) = (given_name_id(a), given_name_id(b));
            (
                clipped_form_by_id(a, b, ia, ib) || nickname_compatible_by_id(ia, ib),
                distinct_given_names_by_id(a, b, ia, ib),
            )
        };
        for (his, hers) in [("joseph", "josephine"), ("george", "georgette")] {
            assert!(clipped_form(his, hers));
            assert_eq!(by_id(his, hers), (false, true), "{his} and {hers}");
        }
        for (short, long) in [
            ("alex", "alexandra"),
            ("chris", "christine"),
            ("sam", "samantha"),
            ("dan", "daniel"),
            ("mel", "missy"),
        ] {
            assert_eq!(by_id(short, long), (true, false), "{short} and {long}");
        }
    }

    #[test]
    fn nicknames_map_to_formal_names() {
        assert_eq!(canonical_first("bob"), "robert");
        assert_eq!(canonical_first("robert"), "robert");
        assert_eq!(canonical_first("liz"), "elizabeth");
        // The commonest name a nickname is short for; a common name is its own.
        for (nickname, formal) in [
            ("jimmy", "james"),
            ("jimmie", "james"),
            ("james", "james"),
            ("dick", "richard"),
            ("ricky", "richard"),
            ("will", "william"),
            ("johnny", "john"),
            ("john", "john"),
            ("dan", "daniel"),
            ("ted", "edward"),
        ] {
            assert_eq!(canonical_first(nickname), formal, "{nickname}");
        }
        assert_eq!(canonical_first("zebedeex"), "zebedeex");
        assert!(nickname_compatible("liz", "beth"));
        assert!(nickname_compatible("chris", "christine"));
        assert!(nickname_compatible("chris", "christopher"));
        assert!(!nickname_compatible("robert", "mary"));
    }

    #[test]
    fn phones_are_displayed_in_one_form_and_anything_else_as_written() {
        for raw in [
            "2242291530",
            "(224) 229-1530",
            "+1 224.229.1530",
            " 224-229-1530 ",
        ] {
            assert_eq!(display_phone(raw), "(224) 229-1530", "{raw}");
        }
        assert_eq!(display_phone("+44 20 7946 0958"), "+44 20 7946 0958");
        assert_eq!(display_phone("224-229-1530 ext. 12 "), "(224) 229-1530 x12");
        assert_eq!(display_phone("not a phone"), "not a phone");
    }

    #[test]
    fn phones_in_every_format_become_ten_digits_without_the_extension() {
        for raw in [
            "(312) 555-0101",
            "312.555.0101",
            "+1 312 555 0101",
            "1-312-555-0101",
            "312-555-0101 ext. 12",
            "(312) 555-0101 x9",
            "312 555 0101 #4",
        ] {
            assert_eq!(phone(raw).as_deref(), Some("3125550101"), "{raw}");
        }
        assert_eq!(phone("555-0101"), None);
        assert_eq!(phone("012 555 0101"), None);
        // North American in an international form.
        for raw in [
            "+1 (312) 555-0101",
            "001 312 555 0101",
            "011 1 312 555 0101",
        ] {
            assert_eq!(phone(raw).as_deref(), Some("3125550101"), "{raw}");
        }
    }

    #[test]
    fn another_countrys_phone_is_compared_where_its_country_code_is_written() {
        for raw in [
            "+44 20 7946 0958",
            "+44 (0)20 7946 0958 ext. 4",
            "0044 20 7946 0958",
            "011 44 20 7946 0958",
        ] {
            assert_eq!(phone(raw).as_deref(), Some("+442079460958"), "{raw}");
        }
        // Without a country code it could be any country's.
        assert_eq!(phone("020 7946 0958"), None);
        // Too short or too long for E.164.
        assert_eq!(phone("+44 123"), None);
        assert_eq!(phone("+44 1234 5678 9012 345"), None);
        let dialled = |raw: &str| phone(raw).as_deref().map(e164);
        assert_eq!(
            dialled("+44 20 7946 0958").as_deref(),
            Some("+442079460958")
        );
        assert_eq!(dialled("(312) 555-0101").as_deref(), Some("+13125550101"));
        assert_eq!(dialled("020 7946 0958"), None);
    }

    #[test]
    fn a_number_written_without_its_country_code_is_read_as_its_files_country() {
        let uk = Some(44);
        assert_eq!(
            phone_in("020 7946 0958", uk).as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            phone_in("(020) 7946-0958 x12", uk).as_deref(),
            Some("+442079460958")
        );
        // Written with a country code, the code written is the number's.
        assert_eq!(
            phone_in("+33 1 23 45 67 89", uk).as_deref(),
            Some("+33123456789")
        );
        assert_eq!(
            phone_in("+1 312 555 0101", uk).as_deref(),
            Some("3125550101")
        );
        // Australia's trunk 0 goes; Italy's 0 is part of the number.
        assert_eq!(
            phone_in("(02) 9374 4000", Some(61)).as_deref(),
            Some("+61293744000")
        );
        assert_eq!(
            phone_in("06 6982 1234", Some(39)).as_deref(),
            Some("+390669821234")
        );
        // North America's are ten digits, told or not; a short number is none.
        assert_eq!(
            phone_in("312-555-0101", Some(1)).as_deref(),
            Some("3125550101")
        );
        assert_eq!(phone_in("0123", uk), None);
        assert_eq!(phone_in("", uk), None);
    }

    #[test]
    fn a_households_mailbox_is_known_by_its_name_numbered_or_not() {
        for joint in [
            "smithfamily@x.com",
            "thesmiths@x.com",
            "thesmiths1207@x.com",
            "leehousehold88@x.com",
        ] {
            assert!(is_joint_mailbox(joint), "{joint}");
        }
        for joint in [
            "thejoneses@x.com",
            "theallens@x.com",
            "theowens4@x.com",
            "thedavises@x.com",
        ] {
            assert!(is_joint_mailbox(joint), "{joint}");
        }
        for personal in [
            "thomas12@x.com",
            "thes@x.com",
            "tess1207@x.com",
            "theo.smiths@x.com",
            "theodoreadams12@x.com",
            "theresas@x.com",
            "thelmas@x.com",
        ] {
            assert!(!is_joint_mailbox(personal), "{personal}");
        }
    }

    #[test]
    fn emails_are_trimmed_lowercased_and_untagged_or_refused() {
        assert_eq!(
            email("  Ann.Lee@Example.COM ").as_deref(),
            Some("ann.lee@example.com")
        );
        assert_eq!(email("not-an-email"), None);
        assert_eq!(email("a@b"), None);
        assert_eq!(email("a b@c.com"), None);
        // A tag reaches the same mailbox; a mailbox that is only a tag stays as written.
        assert_eq!(email("Ann+News@x.com").as_deref(), Some("ann@x.com"));
        assert_eq!(email("+news@x.com").as_deref(), Some("+news@x.com"));
    }

    #[test]
    fn an_email_is_read_as_mail_clients_and_crms_export_it() {
        let ann = Some("ann@x.com");
        for written in [
            "Ann Lee <Ann@X.com>",
            "\"Lee, Ann\" <ann@x.com>",
            "mailto:ann@x.com",
            "ann@x.com.",
            "ann@x.com; ann.lee@y.org",
            "ann@x.com,ann.lee@y.org",
            "not an address; ann@x.com",
        ] {
            assert_eq!(email(written).as_deref(), ann, "{written}");
        }
        // A domain cut short stays as written.
        assert_eq!(email("ann@x.").as_deref(), Some("ann@x."));
        for refused in ["Ann Lee", "<>", "a@b; c@d", ";"] {
            assert_eq!(email(refused), None, "{refused}");
        }
    }

    #[test]
    fn a_street_line_starts_with_its_house_number_or_has_none() {
        assert_eq!(
            house_number("12 n halsted st"),
            (Some("12"), "n halsted st")
        );
        assert_eq!(house_number("n halsted st"), (None, "n halsted st"));
        assert_eq!(house_number("12b halsted st"), (None, "12b halsted st"));
        assert_eq!(house_number("1200"), (Some("1200"), ""));
        assert_eq!(house_number(""), (None, ""));
    }

    #[test]
    fn addresses_use_usps_abbreviations_and_split_units() {
        assert_eq!(
            address("123 North Halsted Street", "Apt. 4B"),
            (Some("123 n halsted st".into()), Some("4b".into()))
        );
        assert_eq!(
            address("123 N. Halsted St #4b", ""),
            (Some("123 n halsted st".into()), Some("4b".into()))
        );
        assert_eq!(
            address("55 W Diversey Pkwy", "Unit 2"),
            address("55 West Diversey Parkway", "unit 2")
        );
        assert_eq!(address("", ""), (None, None));
        assert_eq!(
            address("100 West First Street", "Room 12"),
            (Some("100 w 1st st".into()), Some("12".into()))
        );
    }

    #[test]
    fn an_address_on_one_line_is_read_in_its_parts() {
        let springfield = |street: &str, zip: &'static str| {
            Some(OneLineAddress {
                street: street.to_string(),
                city: "Springfield".to_string(),
                zip,
            })
        };
        for line in [
            "123 Main St, Springfield, IL 62701",
            "123 Main St  Springfield  IL  62701  US",
            "123 Main St, Springfield, IL, 62701",
            "123 Main St,Springfield,il 62701,USA",
            "123 Main St, Springfield IL 62701",
        ] {
            assert_eq!(
                one_line_address(line),
                springfield("123 Main St", "62701"),
                "{line}"
            );
        }
        assert_eq!(
            one_line_address("123 Main St, Apt 4, Springfield, IL 62701-1234"),
            springfield("123 Main St Apt 4", "62701-1234")
        );
        assert_eq!(
            one_line_address("PO Box 12, Springfield, 62701"),
            springfield("PO Box 12", "62701")
        );
        // A street alone, with its unit or its quadrant ("NE" is also Nebraska's code), a
        // line without its ZIP, or a city without a street, is no such line.
        for line in [
            "12 Main St  NE",
            "PO Box 12, Springfield, IL",
            "123 Main St",
            "12 Oak St, Apt 4",
            "Springfield, IL 62701",
            "12 Oak St, Suite 5, 60614 Chicago",
        ] {
            assert_eq!(one_line_address(line), None, "{line}");
        }
    }

    #[test]
    fn a_town_written_two_ways_is_one_city() {
        for (one, other) in [
            ("Saint Charles", "St. Charles"),
            ("FORT WAYNE", "Ft Wayne"),
            ("Mount Prospect", "Mt. Prospect"),
            ("North Chicago", "N Chicago"),
        ] {
            assert_eq!(city(one), city(other), "{one}");
        }
        assert_eq!(city("Chicago").as_deref(), Some("chicago"));
        assert_eq!(
            city("Fortville").as_deref(),
            Some("fortville"),
            "a word, not a prefix"
        );
        assert_eq!(city(" . "), None);
    }

    #[test]
    fn a_gender_or_a_title_reads_as_a_sex_and_anything_else_as_none() {
        for male in ["M", "male", " Male ", "MAN", "Mr.", "mr", "Mister"] {
            assert_eq!(gender(male), Some("m"), "{male}");
        }
        for female in ["F", "female", "Woman", "Mrs.", "Ms", "MISS"] {
            assert_eq!(gender(female), Some("f"), "{female}");
        }
        for nothing in [
            "",
            "U",
            "X",
            "unknown",
            "Dr.",
            "Rev",
            "Mx",
            "Mr. and Mrs.",
            "female | male",
            "1",
        ] {
            assert_eq!(gender(nothing), None, "{nothing}");
        }
        // A title before the given name says it too, where the titles agree.
        let sex = |given: &str| person_name(Some(given), Some("Lee")).sex;
        assert_eq!(sex("Mrs. Ann"), Some("f"));
        assert_eq!(sex("The Rt. Hon. Lady Mary"), Some("f"));
        assert_eq!(sex("Sir John"), Some("m"));
        for none in ["Ann", "Dr. Ann", "Mr. and Mrs. John", "Mx Sam", "Ann Miss"] {
            assert_eq!(sex(none), None, "{none}");
        }
    }

    #[test]
    fn zips_keep_five_digits() {
        assert_eq!(zip("60614-1234").as_deref(), Some("60614"));
        assert_eq!(zip("60614").as_deref(), Some("60614"));
        assert_eq!(zip("2119").as_deref(), Some("02119"));
        assert_eq!(
            zip("21191234").as_deref(),
            Some("02119"),
            "ZIP+4 without its zero"
        );
        assert_eq!(zip("614"), None);
    }

    #[test]
    fn postcodes_with_letters_are_kept_whole() {
        assert_eq!(zip("TQ13 8DF").as_deref(), Some("tq138df"));
        assert_eq!(zip("k1a-0b1").as_deref(), Some("k1a0b1"));
        assert_eq!(zip("W1A 1AA").as_deref(), Some("w1a1aa"));
        // A state before the ZIP is still the ZIP; words are no postcode.
        assert_eq!(zip("IL 60614").as_deref(), Some("60614"));
        assert_eq!(zip("none"), None);
        assert_eq!(zip("n/a"), None);
    }

    #[test]
    fn dates_try_each_format() {
        let formats = vec!["%Y-%m-%d".to_string(), "%m/%d/%Y".to_string()];
        assert_eq!(date("03/07/1970", &formats).as_deref(), Some("1970-03-07"));
        assert_eq!(date("1970-03-07", &formats).as_deref(), Some("1970-03-07"));
        assert_eq!(date("7 March 1970", &formats), None);
    }

    #[test]
    fn a_timestamp_is_read_as_its_date() {
        let formats = ["%Y-%m-%d".to_string(), "%m/%d/%Y".to_string()];
        for stamp in [
            "2024-05-01 13:45:00",
            "2024-05-01T13:45:00Z",
            "2024-05-01T09:05:00.123+02:00",
            "5/1/2024 1:45 PM",
            " 05/01/2024  00:00 ",
        ] {
            assert_eq!(
                date(stamp, &formats).as_deref(),
                Some("2024-05-01"),
                "{stamp}"
            );
        }
        // Only a time of day comes off: anything else after a date is no date.
        assert_eq!(date("2024-05-01 approx", &formats), None);
        assert_eq!(date("2024-05-01 2024", &formats), None);
    }

    #[test]
    fn a_two_digit_birth_year_is_in_the_century_before_today() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let formats = ["%m/%d/%Y".to_string(), "%m/%d/%y".to_string()];
        let born = |raw: &str| birth_date(raw, &formats, today);
        assert_eq!(
            born("03/02/45").as_deref(),
            Some("1945-03-02"),
            "chrono reads 2045"
        );
        assert_eq!(born("03/02/05").as_deref(), Some("2005-03-02"));
        assert_eq!(
            born("12/06/26").as_deref(),
            Some("2026-12-06"),
            "born today"
        );
        assert_eq!(born("12/07/26").as_deref(), Some("1926-12-07"));
        // Four digits are the year written, even a mistyped one.
        assert_eq!(born("03/02/2045").as_deref(), Some("2045-03-02"));
        assert_eq!(born("02/29/48").as_deref(), Some("1948-02-29"));
        assert_eq!(born("not a date"), None);
        // A two-digit year under a four-digit format is no year 45.
        assert_eq!(date("03/02/45", &formats[..1]), None);
        // Written with four digits, a year is that year (Wikidata's people of the 7th century).
        assert_eq!(
            date("0650-03-02", &["%Y-%m-%d".to_string()]).as_deref(),
            Some("0650-03-02")
        );
        assert_eq!(
            date("03/02/0650", &formats[..1]).as_deref(),
            Some("0650-03-02")
        );
    }

    #[test]
    fn a_birth_date_in_part_is_read_as_far_as_it_goes() {
        let formats = ["%m/%d/%Y".to_string(), "%m/%Y".to_string()];
        assert_eq!(partial_date(" 1985 ", &formats).as_deref(), Some("1985"));
        assert_eq!(partial_date("3/1985", &formats).as_deref(), Some("1985-03"));
        assert_eq!(
            partial_date("1985", &[]).as_deref(),
            Some("1985"),
            "a year is a year"
        );
        assert_eq!(
            partial_date("3/1985", &[]),
            None,
            "a month only under a format"
        );
        for not_a_part in ["0000", "9999", "13/1985", "03/02/1985", "85", "1985-03"] {
            assert_eq!(partial_date(not_a_part, &formats), None, "{not_a_part}");
        }
    }

    #[test]
    fn a_date_no_calendar_has_is_read_as_written_for_matching() {
        let formats = vec![
            "%Y %m %d".to_string(),
            "%m/%d/%Y".to_string(),
            "%Y%m%d".to_string(),
        ];
        let read = |raw: &str| date_as_written(raw, &formats);
        assert_eq!(read("1950 2 30").as_deref(), Some("1950-02-30"));
        assert_eq!(read("1950  13 5").as_deref(), Some("1950-13-05"));
        assert_eq!(read("19560230").as_deref(), Some("1956-02-30"));
        // Day and month the wrong way round for the format.
        assert_eq!(read("25/12/1980").as_deref(), Some("1980-25-12"));
        assert_eq!(read("1949 0 13").as_deref(), Some("1949-00-13"));
        // Placeholders and words are no date, as written or otherwise.
        assert_eq!(read("9999 99 99"), None);
        assert_eq!(read("0000 00 00"), None);
        assert_eq!(read("1950 0 0"), None);
        assert_eq!(read("1950 2 30 x"), None);
        assert_eq!(read("7 March 1970"), None);
        assert_eq!(
            date_as_written("1950-02-30", &["%d %B %Y".to_string()]),
            None
        );
    }

    #[test]
    fn soundex_tolerates_spelling() {
        assert_eq!(soundex("smith"), "S530");
        assert_eq!(soundex("smyth"), "S530");
        assert_eq!(soundex("robert"), "R163");
        assert_eq!(soundex("rupert"), "R163");
        assert_eq!(soundex("ashcraft"), "A261");
    }
}
