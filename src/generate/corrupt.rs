//! How one person looks in one source record: the corruptions real CRM data shows.
//! Typos, nicknames, case and whitespace noise, missing fields, a second email, a stale
//! address after a move, a maiden name, phone formats, spelled-out or abbreviated street
//! suffixes and directions, swapped name fields.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::people::{Address, Person};
use super::tables::tables;

/// The person fields a source record carries, as the source spelled them.
#[derive(Debug, Clone, Default)]
pub struct View {
    pub first: String,
    pub last: String,
    pub email: String,
    pub phone: String,
    pub address1: String,
    pub address2: String,
    pub city: String,
    pub state: String,
    pub zip: String,
}

/// Per-source habits: how often a field is missing there.
pub struct Habits {
    pub missing_email: f64,
    pub missing_phone: f64,
    pub unit_on_line1: bool,
}

pub fn typo(rng: &mut ChaCha8Rng, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    if chars.len() < 3 {
        return s.to_string();
    }
    let i = rng.random_range(1..chars.len() - 1);
    match rng.random_range(0..4) {
        0 => {
            chars.swap(i, i + 1);
        }
        1 => {
            chars.remove(i);
        }
        2 => {
            let c = chars[i];
            chars.insert(i, c);
        }
        _ => {
            chars[i] = (b'a' + rng.random_range(0..26u8)) as char;
        }
    }
    chars.into_iter().collect()
}

fn case_noise(rng: &mut ChaCha8Rng, s: String) -> String {
    match rng.random::<f64>() {
        x if x < 0.08 => s.to_uppercase(),
        x if x < 0.12 => s.to_lowercase(),
        x if x < 0.16 => format!(" {s}  "),
        _ => s,
    }
}

pub fn format_phone(rng: &mut ChaCha8Rng, ten: &str) -> String {
    let (a, b, c) = (&ten[0..3], &ten[3..6], &ten[6..10]);
    match rng.random_range(0..6) {
        0 => format!("({a}) {b}-{c}"),
        1 => format!("{a}.{b}.{c}"),
        2 => format!("+1 {a} {b} {c}"),
        3 => format!("{a}-{b}-{c}"),
        4 => format!("{a}{b}{c}"),
        _ => format!("1-{a}-{b}-{c}"),
    }
}

fn spell_direction(d: &str) -> &str {
    match d {
        "N" => "North",
        "S" => "South",
        "E" => "East",
        "W" => "West",
        other => other,
    }
}

fn abbreviate_suffix(s: &str) -> &str {
    match s {
        "Street" => "St",
        "Avenue" => "Ave",
        "Boulevard" => "Blvd",
        "Road" => "Rd",
        "Drive" => "Dr",
        "Parkway" => "Pkwy",
        other => other,
    }
}

fn format_address(rng: &mut ChaCha8Rng, a: &Address, unit_on_line1: bool) -> (String, String) {
    let direction = if a.direction.is_empty() {
        String::new()
    } else if rng.random_bool(0.3) {
        format!("{} ", spell_direction(&a.direction))
    } else if rng.random_bool(0.3) {
        format!("{}. ", a.direction)
    } else {
        format!("{} ", a.direction)
    };
    let suffix = if a.suffix.is_empty() {
        String::new()
    } else if rng.random_bool(0.5) {
        format!(" {}", a.suffix)
    } else if rng.random_bool(0.2) {
        format!(" {}.", abbreviate_suffix(&a.suffix))
    } else {
        format!(" {}", abbreviate_suffix(&a.suffix))
    };
    let line = format!("{} {direction}{}{suffix}", a.number, a.street);
    let unit = match &a.unit {
        None => String::new(),
        Some(u) => match rng.random_range(0..4) {
            0 => format!("Apt {u}"),
            1 => format!("#{u}"),
            2 => format!("Unit {u}"),
            _ => format!("Apt. {u}"),
        },
    };
    if unit_on_line1 && !unit.is_empty() {
        (format!("{line} {unit}"), String::new())
    } else {
        (line, unit)
    }
}

/// One appearance of `p` in a source.
pub fn view(rng: &mut ChaCha8Rng, p: &Person, habits: &Habits) -> View {
    let t = tables();
    let formal = crate::resolve::normalize::name(&p.first);
    let mut first = match t.nicknames_of.get(&formal) {
        Some(nicks) if rng.random_bool(0.2) => {
            super::tables::title_case(&nicks[rng.random_range(0..nicks.len())])
        }
        _ => p.first.clone(),
    };
    let mut last = match &p.maiden {
        Some(m) if rng.random_bool(0.4) => m.clone(),
        _ => p.last.clone(),
    };
    if rng.random_bool(0.03) {
        first = typo(rng, &first);
    }
    if rng.random_bool(0.04) {
        last = typo(rng, &last);
    }
    if rng.random_bool(0.01) {
        std::mem::swap(&mut first, &mut last);
    }
    let email = if rng.random_bool(habits.missing_email) {
        String::new()
    } else {
        let mut e = match &p.alt_email {
            Some(alt) if rng.random_bool(0.35) => alt.clone(),
            _ => p.email.clone(),
        };
        if rng.random_bool(0.05) {
            e = e.to_uppercase();
        }
        // Planted defect: a few addresses typed without their top-level domain.
        if rng.random_bool(0.002) {
            e = e
                .rsplit_once('.')
                .map(|(head, _)| head.to_string())
                .unwrap_or(e);
        }
        e
    };
    let phone = if rng.random_bool(habits.missing_phone) {
        String::new()
    } else if rng.random_bool(0.003) {
        // Planted defect: a phone without its area code.
        p.phone[3..].to_string()
    } else {
        format_phone(rng, &p.phone)
    };
    let address = match &p.old_address {
        Some((old, _)) if rng.random_bool(0.45) => old,
        _ => &p.address,
    };
    let (mut address1, address2) = format_address(rng, address, habits.unit_on_line1);
    if rng.random_bool(0.02) {
        address1 = String::new();
    }
    let zip = if rng.random_bool(0.05) {
        format!("{}-{:04}", address.zip, rng.random_range(0..10000))
    } else {
        address.zip.clone()
    };
    View {
        first: case_noise(rng, first),
        last: case_noise(rng, last),
        email,
        phone,
        address1,
        address2,
        city: address.city.clone(),
        state: "IL".to_string(),
        zip,
    }
}
