//! The true population: households of people with names, addresses, contact details and
//! the hidden traits (engagement, capacity) that drive their behaviour.

use chrono::NaiveDate;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::tables::tables;

#[derive(Debug, Clone)]
pub struct Address {
    pub number: u32,
    pub direction: String,
    pub street: String,
    pub suffix: String,
    pub unit: Option<String>,
    pub city: String,
    pub zip: String,
}

#[derive(Debug, Clone)]
pub struct Person {
    pub id: u64,
    #[allow(dead_code)] // kept for debugging generated data
    pub household: u64,
    pub female: bool,
    pub first: String,
    pub last: String,
    /// A former surname still used by older records.
    pub maiden: Option<String>,
    pub dob: NaiveDate,
    pub email: String,
    pub alt_email: Option<String>,
    pub phone: String,
    pub address: Address,
    /// The address before a move, and when they moved.
    pub old_address: Option<(Address, NaiveDate)>,
    /// Hidden: 0..1, drives giving, opening emails, attending events, staying.
    pub engagement: f64,
    /// Hidden: what they could give in a year, dollars.
    pub capacity: f64,
}

const DOMAINS: &[(&str, f64)] = &[
    ("gmail.com", 36.0),
    ("yahoo.com", 14.0),
    ("outlook.com", 9.0),
    ("hotmail.com", 8.0),
    ("comcast.net", 8.0),
    ("icloud.com", 8.0),
    ("aol.com", 5.0),
    ("sbcglobal.net", 5.0),
    ("uchicago.edu", 2.0),
    ("northwestern.edu", 2.0),
    ("att.net", 3.0),
];
const AREA_CODES: &[&str] = &["312", "773", "872", "847", "708", "630", "224"];

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn domain(rng: &mut ChaCha8Rng) -> &'static str {
    let total: f64 = DOMAINS.iter().map(|d| d.1).sum();
    let mut x = rng.random::<f64>() * total;
    for (d, w) in DOMAINS {
        if x < *w {
            return d;
        }
        x -= w;
    }
    "gmail.com"
}

pub fn random_phone(rng: &mut ChaCha8Rng) -> String {
    format!(
        "{}{}{:04}",
        pick(rng, AREA_CODES),
        rng.random_range(201..=989),
        rng.random_range(0..10000)
    )
}

/// A plausible personal address. Mailboxes are unique in the real world, so every local
/// part carries something of this person's own (a number, an initial) taken from `id`:
/// two John Smiths never share jsmith@gmail.com by accident here.
fn email_for(rng: &mut ChaCha8Rng, id: u64, first: &str, last: &str, birth_year: i32) -> String {
    let f = crate::resolve::normalize::name(first).replace(' ', "");
    let l = crate::resolve::normalize::name(last).replace(' ', "");
    let fi = f.chars().next().unwrap_or('x');
    let n = id % 9973;
    let initial = (b'a' + (id % 26) as u8) as char;
    let local = match rng.random_range(0..7) {
        0 => format!("{f}.{initial}.{l}{}", n % 100),
        1 => format!("{f}{l}{n}"),
        2 => format!("{fi}{initial}{l}{n}"),
        3 => format!("{f}.{l}{n}"),
        4 => format!("{f}{}{n}", birth_year % 100),
        5 => format!("{l}.{f}.{n}"),
        _ => format!("{fi}{l}{n}"),
    };
    format!("{local}@{}", domain(rng))
}

pub fn random_address(rng: &mut ChaCha8Rng) -> Address {
    let t = tables();
    let (street, suffix, direction) = pick(rng, &t.streets).clone();
    let (zip, city) = t.zips.sample(rng).clone();
    let unit = rng.random_bool(0.35).then(|| {
        if rng.random_bool(0.5) {
            format!("{}", rng.random_range(1..30))
        } else {
            format!(
                "{}{}",
                rng.random_range(1..12),
                ['A', 'B', 'C', 'D', 'E', 'F'][rng.random_range(0..6)]
            )
        }
    });
    Address {
        number: rng.random_range(100..7000),
        direction,
        street,
        suffix,
        unit,
        city,
        zip,
    }
}

fn first_name(rng: &mut ChaCha8Rng, female: bool) -> String {
    let t = tables();
    if female {
        t.female_first.sample(rng).clone()
    } else {
        t.male_first.sample(rng).clone()
    }
}

fn birth_date(rng: &mut ChaCha8Rng, as_of: NaiveDate, age_lo: i32, age_hi: i32) -> NaiveDate {
    let age = rng.random_range(age_lo..=age_hi);
    let year = chrono::Datelike::year(&as_of) - age;
    let day = rng.random_range(0..365);
    NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.checked_add_days(chrono::Days::new(day)))
        .unwrap_or(as_of)
}

/// Public-media audiences skew older: adults 22-92, most between 45 and 75.
fn adult_age(rng: &mut ChaCha8Rng) -> (i32, i32) {
    let center =
        58.0 + 13.0 * (rng.random::<f64>() + rng.random::<f64>() + rng.random::<f64>() - 1.5);
    let age = center.clamp(22.0, 92.0) as i32;
    (age, age)
}

/// One household: a primary adult, perhaps a partner, perhaps adult relatives. They share
/// an address and often a landline or a joint mailbox: the hard negatives for matching.
pub fn household_size(rng: &mut ChaCha8Rng) -> usize {
    match rng.random::<f64>() {
        x if x < 0.55 => 1,
        x if x < 0.88 => 2,
        x if x < 0.96 => 3,
        _ => 4,
    }
}

pub fn household(
    rng: &mut ChaCha8Rng,
    size: usize,
    first_id: u64,
    as_of: NaiveDate,
) -> Vec<Person> {
    let t = tables();
    let household = first_id / 8;
    let address = random_address(rng);
    let moved = rng.random_bool(0.12).then(|| {
        let days = rng.random_range(30..1800);
        (random_address(rng), as_of - chrono::Days::new(days))
    });
    let landline = rng.random_bool(0.35).then(|| random_phone(rng));
    let family_last = t.last.sample(rng).clone();
    let mut people: Vec<Person> = Vec::with_capacity(size);
    for member in 0..size {
        let female = if member == 1 {
            // partners: mostly the other sex
            people
                .first()
                .map(|p| !p.female ^ rng.random_bool(0.12))
                .unwrap_or(true)
        } else {
            rng.random_bool(0.55)
        };
        let (lo, hi) = if member < 2 {
            let base = people
                .first()
                .map(|p| as_of.signed_duration_since(p.dob).num_days() as i32 / 365);
            match base {
                Some(a) => ((a - 6).max(22), (a + 6).min(92)),
                None => adult_age(rng),
            }
        } else {
            (22, 40)
        };
        let dob = birth_date(rng, as_of, lo, hi);
        let mut first = first_name(rng, female);
        // Relatives rarely share a first name, but it happens (Jr./Sr.).
        while people.iter().any(|p| p.first == first) && !rng.random_bool(0.05) {
            first = first_name(rng, female);
        }
        let shares_surname = member == 0 || member >= 2 || rng.random_bool(0.65);
        let last = if shares_surname {
            family_last.clone()
        } else {
            t.last.sample(rng).clone()
        };
        let maiden = (member == 1 && female && shares_surname && rng.random_bool(0.3))
            .then(|| t.last.sample(rng).clone());
        let birth_year = chrono::Datelike::year(&dob);
        let use_maiden = rng.random_bool(0.5);
        let email_last = maiden
            .as_deref()
            .filter(|_| use_maiden)
            .unwrap_or(&last)
            .to_string();
        let email = email_for(
            rng,
            first_id + member as u64,
            &first,
            &email_last,
            birth_year,
        );
        let alt_email = rng.random_bool(0.15).then(|| {
            email_for(
                rng,
                (first_id + member as u64) * 7 + 3,
                &first,
                &last,
                birth_year,
            )
        });
        let phone = match &landline {
            Some(l) if rng.random_bool(0.6) => l.clone(),
            _ => random_phone(rng),
        };
        let engagement = (rng.random::<f64>() * 0.7 + rng.random::<f64>() * 0.3).powf(1.2);
        let capacity = (4.4 + 1.05 * normal(rng)).exp();
        people.push(Person {
            id: first_id + member as u64,
            household,
            female,
            first,
            last,
            maiden,
            dob,
            email,
            alt_email,
            phone,
            address: address.clone(),
            old_address: moved.clone(),
            engagement,
            capacity,
        });
    }
    // A joint mailbox for some couples: "smithfamily@..." used by both. Like every
    // mailbox it is this home's alone (numbered by the household: 13 % of the joint
    // mailboxes of 200,000 people were two homes' when it was not).
    if people.len() >= 2 && rng.random_bool(0.12) {
        let l = crate::resolve::normalize::name(&family_last).replace(' ', "");
        let joint = match rng.random_range(0..3) {
            0 => format!("{l}family{household}@{}", domain(rng)),
            1 => format!("the{l}s{household}@{}", domain(rng)),
            _ => format!("{l}household{household}@{}", domain(rng)),
        };
        for p in people.iter_mut().take(2) {
            p.email = joint.clone();
        }
    }
    people
}

/// A standard normal draw (Box-Muller).
pub fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-12);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}
