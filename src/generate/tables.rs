//! Reference data the generator samples from (embedded from `assets/`): census name
//! frequencies, Chicago-area streets and ZIPs, the nickname table.

use std::collections::HashMap;
use std::sync::OnceLock;

use rand::Rng;

/// Values with cumulative weights, sampled by binary search.
pub struct Weighted<T> {
    items: Vec<T>,
    cumulative: Vec<f64>,
}

impl<T> Weighted<T> {
    fn new(pairs: Vec<(T, f64)>) -> Self {
        let mut total = 0.0;
        let mut items = Vec::with_capacity(pairs.len());
        let mut cumulative = Vec::with_capacity(pairs.len());
        for (item, weight) in pairs {
            total += weight.max(0.0);
            items.push(item);
            cumulative.push(total);
        }
        Weighted { items, cumulative }
    }

    pub fn sample<R: Rng>(&self, rng: &mut R) -> &T {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let x = rng.random::<f64>() * total;
        let i = self.cumulative.partition_point(|c| *c <= x);
        &self.items[i.min(self.items.len() - 1)]
    }
}

fn frequency_list(text: &str) -> Weighted<String> {
    let pairs = text
        .lines()
        .skip(1)
        .filter_map(|l| {
            let (name, freq) = l.split_once(',')?;
            Some((title_case(name), freq.trim().parse::<f64>().ok()?))
        })
        .collect();
    Weighted::new(pairs)
}

pub fn title_case(s: &str) -> String {
    let lower = s.trim().to_lowercase();
    let mut out = String::with_capacity(lower.len());
    let mut upper_next = true;
    for c in lower.chars() {
        if upper_next {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        upper_next = c == ' ' || c == '-' || c == '\'';
    }
    // Mc/Mac surnames as people write them.
    if out.starts_with("Mc") && out.len() > 2 {
        let (head, tail) = out.split_at(2);
        let mut t = tail.chars();
        if let Some(c) = t.next() {
            return format!("{head}{}{}", c.to_uppercase(), t.as_str());
        }
    }
    out
}

pub struct Tables {
    pub last: Weighted<String>,
    pub male_first: Weighted<String>,
    pub female_first: Weighted<String>,
    pub streets: Vec<(String, String, String)>,
    pub zips: Weighted<(String, String)>,
    /// formal first name (lower-case) -> nicknames
    pub nicknames_of: HashMap<String, Vec<String>>,
}

pub fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let streets = include_str!("../../assets/chicago_streets.csv")
            .lines()
            .skip(1)
            .filter_map(|l| {
                let mut p = l.split(',');
                Some((
                    p.next()?.to_string(),
                    p.next()?.to_string(),
                    p.next().unwrap_or("").to_string(),
                ))
            })
            .collect();
        let zips = Weighted::new(
            include_str!("../../assets/chicago_zips.csv")
                .lines()
                .skip(1)
                .filter_map(|l| {
                    let mut p = l.split(',');
                    let zip = p.next()?.to_string();
                    let city = p.next()?.to_string();
                    let w = p.next()?.trim().parse().ok()?;
                    Some(((zip, city), w))
                })
                .collect(),
        );
        let mut nicknames_of: HashMap<String, Vec<String>> = HashMap::new();
        for line in include_str!("../../assets/generator_nicknames.csv")
            .lines()
            .skip(1)
        {
            if let Some((nick, formal)) = line.split_once(',') {
                nicknames_of
                    .entry(formal.to_string())
                    .or_default()
                    .push(nick.to_string());
            }
        }
        Tables {
            last: frequency_list(include_str!("../../assets/census_last_names.csv")),
            male_first: frequency_list(include_str!("../../assets/census_male_first_names.csv")),
            female_first: frequency_list(include_str!(
                "../../assets/census_female_first_names.csv"
            )),
            streets,
            zips,
            nicknames_of,
        }
    })
}
