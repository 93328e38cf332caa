//! Emails (the address out of what mail clients export; a family's joint mailbox) and
//! phones (extensions off, national or with the country code).

use super::*;

/// Trim and lower-case; `None` unless it holds an address that looks like local@domain.tld.
/// As mail clients and CRMs export them: "Ann Lee <ann@x.com>" is ann@x.com, "mailto:"
/// comes off, and of a list ("ann@x.com; ann.lee@y.org") the first address is the one.
pub fn email(raw: &str) -> Option<String> {
    raw.to_lowercase().split([',', ';']).find_map(one_email)
}

pub(super) fn one_email(written: &str) -> Option<String> {
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
        || names_a_couple(name)
}

/// A couple's mailbox: two given names joined by "and" ("johnandmary@", "bob.and.sue@"),
/// where the whole is not one person's name run together (Christian Davis's
/// "christiandavis@" holds "christi", "and" and "avis"; "alexandria@" "alex", "and" and
/// "ria"; "megan.davis@" "meg", "and" and "avis").
fn names_a_couple(local: &str) -> bool {
    if !local.contains("and") {
        return false;
    }
    let name: String = local.chars().filter(char::is_ascii_alphabetic).collect();
    let given = |w: &str| w.len() >= 3 && given_name_id(w) != UNKNOWN_GIVEN_NAME;
    let surname = |w: &str| w.len() >= 2 && surname_frequency(w).is_some();
    let two_given_names =
        (name.match_indices("and")).any(|(i, _)| given(&name[..i]) && given(&name[i + 3..]));
    // Asked only of a name that holds two: every split of it is looked up.
    let one_persons = || {
        given(&name)
            || (2..name.len().saturating_sub(1)).any(|i| {
                let (x, y) = name.split_at(i);
                (given(x) && surname(y)) || (surname(x) && given(y))
            })
    };
    two_given_names && !one_persons()
}

/// A mailbox named for a family's home: the surname with "home" after it, "the" before it
/// or not, numbered or not ("ortizhome@", "thegarciahome12@" of a García López). A word
/// before "home" that is not the record's surname ("moviehome@") is a person's handle.
pub fn names_a_home(normalised_email: &str, surname: Option<&str>) -> bool {
    let Some(surname) = surname else {
        return false;
    };
    let local = normalised_email.split('@').next().unwrap_or("");
    let Some(family) = local
        .trim_end_matches(|c: char| c.is_ascii_digit())
        .strip_suffix("home")
    else {
        return false;
    };
    let named = |family: &str| {
        family.len() > 2
            && (surname.split(' ').any(|word| word == family)
                || surname.bytes().filter(|b| *b != b' ').eq(family.bytes()))
    };
    named(family) || family.strip_prefix("the").is_some_and(named)
}

/// A mailbox that names a household, not a person: by its name alone (`is_joint_mailbox`)
/// or as the home of the family of one of `surnames` (`names_a_home`).
pub fn is_households_mailbox<'s>(
    normalised_email: &str,
    surnames: impl IntoIterator<Item = Option<&'s str>>,
) -> bool {
    is_joint_mailbox(normalised_email)
        || surnames
            .into_iter()
            .any(|surname| names_a_home(normalised_email, surname))
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
    // America, where no number starts with 0; elsewhere "0113 496 0000" is a Leeds number).
    let exits: &[&str] = match country {
        Some(code) if code != NORTH_AMERICA => &["00"],
        _ => &["011", "00"],
    };
    let international = if number.starts_with('+') {
        Some(digits.as_str())
    } else {
        exits.iter().find_map(|exit| digits.strip_prefix(exit))
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

/// How a file writes its phones: the country of the numbers it writes without a country
/// code (`phone_country_code`), and the North American area of those it writes without an
/// area code, seven digits dialled locally (`phone_area_code`: a county paper's "555-1234").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PhonePlan<'a> {
    pub country: Option<u16>,
    pub area: Option<&'a str>,
}

impl PhonePlan<'_> {
    /// A phone of the file as matching compares it (see `phone_in`); a local number in the
    /// file's area where one is named.
    pub fn read(&self, raw: &str) -> Option<String> {
        phone_in(raw, self.country).or_else(|| {
            let area = self.area?;
            north_american(&format!("{area}{}", local_number(raw)?))
        })
    }
}

/// The seven digits of a North American number written without its area code, dialled
/// locally ("555-1234", "555 1234 ext 9"); none written with a "+" is.
pub fn local_number(raw: &str) -> Option<String> {
    let number = without_extension(raw).0.trim();
    let digits: String = number.chars().filter(|c| c.is_ascii_digit()).collect();
    (digits.len() == 7 && !number.starts_with('+')).then_some(digits)
}

/// North America's calling code: its numbers are read as ten digits, written with it or not.
pub(super) const NORTH_AMERICA: u16 = 1;

/// A number dialled within the country `code` as "+", the code and the number.
pub(super) fn national(digits: &str, code: u16) -> Option<String> {
    const ITALY: u16 = 39;
    let number = match code {
        ITALY => digits,
        _ => digits.strip_prefix('0').unwrap_or(digits),
    };
    let full = format!("{code}{number}");
    (!number.is_empty() && (8..=15).contains(&full.len())).then(|| format!("+{full}"))
}

/// Ten digits, or eleven after a 1: a North American number's ten.
pub(super) fn north_american(digits: &str) -> Option<String> {
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
pub(super) fn without_extension(raw: &str) -> (&str, Option<String>) {
    let lower = raw.to_ascii_lowercase();
    let Some(at) = ["ext", "x", "#"].iter().filter_map(|m| lower.find(m)).min() else {
        return (raw, None);
    };
    let digits: String = raw[at..].chars().filter(char::is_ascii_digit).collect();
    (&raw[..at], (!digits.is_empty()).then_some(digits))
}
