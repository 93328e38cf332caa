//! Names: one spelling in Latin letters, a full name split in two, titles, degrees and
//! generation suffixes (the generation kept), placeholder names, a sex from a gender or
//! title column, and Soundex.

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
pub(super) fn in_latin_letters(raw: &str) -> String {
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
pub(super) const TITLES: &[&str] = &[
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
pub(super) const PLACEHOLDER_NAME_WORDS: &[&str] = &[
    "anonymous", "anon", "unknown", "guest", "customer", "valued", "current", "resident",
    "occupant", "friend", "dear", "donor", "test", "none", "null", "na", "tbd", "noname",
];

/// Generation suffixes as written after a name, and the generation each names: Jr and II
/// are both a second, Sr a first.
pub(super) const GENERATIONS: &[(&str, u8)] = &[
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
pub(super) const POST_NOMINALS: &[&str] =
    &["md", "dds", "dmd", "phd", "dvm", "esq", "cpa", "jd", "rn"];

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
        let raw = raw.unwrap_or("");
        let normalised = match is_given {
            true => name(&with_couples_and_spelled_out(raw)),
            false => name(raw),
        };
        let mut tokens: Vec<&str> = normalised.split(' ').filter(|t| !t.is_empty()).collect();
        if is_given {
            let titles = tokens.iter().take_while(|t| TITLES.contains(t)).count();
            sexes.extend(tokens.drain(..titles).filter_map(sex_of_word));
            // A couple's given names ("John & Mary", "John and Mary Smith"): the record is
            // the first named's, as a joint gift's is; the partner's name is no middle name.
            tokens.truncate(
                tokens
                    .iter()
                    .position(|t| *t == "and")
                    .unwrap_or(tokens.len()),
            );
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

/// A couple's "&" or "+" written as the word "and", which `name` would drop: "Mr. & Mrs.
/// John", "John & Mary" and "John and Mary" are read alike.
fn with_couples_and_spelled_out(raw: &str) -> String {
    raw.replace(['&', '+'], " and ")
}

/// The first person of a couple one column names in full, where that person's name has a
/// surname of its own ("John Smith & Mary Jones": John Smith). `None` where only the last
/// name has one ("John & Mary Smith": the given names read as a couple's) or nothing joins
/// two names.
fn first_of_a_couple(raw: &str) -> Option<String> {
    let spelled = with_couples_and_spelled_out(raw);
    let words: Vec<&str> = spelled.split_whitespace().collect();
    let at = (words.iter()).position(|w| w.eq_ignore_ascii_case("and"))?;
    let first = &words[..at];
    let names = (first.iter())
        .filter(|w| !TITLES.contains(&name(w).as_str()))
        .count();
    (names >= 2).then(|| first.join(" "))
}

/// Split a full name as one column holds it into (given names, surname), as written:
/// "Smith, John A." and "Dr. John A. Smith Jr." both give "John A." and "Smith"; a suffix
/// after a comma ("John Smith, Jr.") stays with the surname, surname particles with the
/// surname ("Maria de la Cruz"). One word is a surname.
pub fn split_full_name(raw: &str) -> (Option<String>, Option<String>) {
    let first_of_two = first_of_a_couple(raw).filter(|_| !raw.contains(','));
    let raw = first_of_two.as_deref().unwrap_or(raw);
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
pub const SURNAME_PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "del", "della", "la", "le", "da", "di", "du", "dos", "st",
    "bin", "ibn", "al", "ter", "ten",
];

/// A person's sex as a gender or a title column gives it: "m" or "f" ("M", "Male", "man",
/// "Mr."; "F", "Female", "woman", "Mrs", "Ms", "Miss"). Anything else says nothing to
/// compare: unknown ("U", "X", empty), another gender, a title that does not say one ("Dr",
/// "Rev", "Mx"), a couple ("Mr. and Mrs.") or two values ("female | male").
pub fn gender(raw: &str) -> Option<&'static str> {
    sex_of_word(&name(raw))
}

/// The sex a word of a gender column or a title says, if it says one.
pub(super) fn sex_of_word(word: &str) -> Option<&'static str> {
    match word {
        "m" | "male" | "man" | "mr" | "mister" | "sir" | "lord" => Some("m"),
        "f" | "female" | "woman" | "mrs" | "ms" | "miss" | "madam" | "dame" | "lady" => Some("f"),
        _ => None,
    }
}

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
