//! Postal codes, street lines (a line holding its city, state and ZIP read in its parts),
//! house numbers and cities.

use super::*;

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
pub(super) const POSTCODE_MIN: usize = 5;
pub(super) const POSTCODE_MAX: usize = 7;

/// Street words in their USPS abbreviations, and numbered streets in figures.
pub(super) const STREET_WORDS: &[(&str, &str)] = &[
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
pub(super) const DIRECTIONS: &[(&str, &str)] = &[
    ("north", "n"),
    ("south", "s"),
    ("east", "e"),
    ("west", "w"),
    ("northeast", "ne"),
    ("northwest", "nw"),
    ("southeast", "se"),
    ("southwest", "sw"),
];
pub(super) const UNIT_WORDS: &[&str] = &[
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
    let words: Vec<&str> = cleaned.split(' ').filter(|t| !t.is_empty()).collect();
    let mut tokens = in_postal_forms(&words).into_iter().peekable();
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

/// A post-office box and a rural route in the forms USPS writes them (Publication 28): "P.O.
/// Box 12", "Post Office Box 12", "POB 12" and a line starting "Box 12" are "po box 12";
/// "Rural Route 2" and "R.R. 2" are "rr 2" (its "box 15" stays a box on the route).
fn in_postal_forms<'w>(words: &[&'w str]) -> Vec<&'w str> {
    let has_digit = |w: &str| w.bytes().any(|b| b.is_ascii_digit());
    let mut out = Vec::with_capacity(words.len() + 1);
    let mut i = 0;
    while i < words.len() {
        let rest = &words[i..];
        let (form, used): (&[&str], usize) = match rest {
            ["p", "o", "box", ..] | ["post", "office", "box", ..] => (&["po", "box"], 3),
            ["po" | "p", "box", ..] => (&["po", "box"], 2),
            ["pob", n, ..] if has_digit(n) => (&["po", "box"], 1),
            ["box", n, ..] if i == 0 && has_digit(n) => (&["po", "box"], 1),
            ["rural", "route", ..] | ["r", "r", ..] => (&["rr"], 2),
            _ => (&[], 0),
        };
        if used == 0 {
            out.push(words[i]);
            i += 1;
        } else {
            out.extend_from_slice(form);
            i += used;
        }
    }
    out
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
pub(super) const US_STATES: &[&str] = &[
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

pub(super) const CITY_WORDS: &[(&str, &str)] = &[
    ("saint", "st"),
    ("sainte", "ste"),
    ("fort", "ft"),
    ("mount", "mt"),
];
