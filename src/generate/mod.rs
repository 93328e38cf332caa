//! Seeded synthetic sources and their ground truth. The same seed, people and as-of date
//! give the same bytes, whatever the number of threads: every household draws from its
//! own random stream, derived from the seed and the household's index.

mod behaviour;
pub mod ceiling;
mod corrupt;
mod people;
mod tables;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use chrono::NaiveDate;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::progress::Progress;
use behaviour::{Behaviour, Systems};
use ceiling::ChurnOracle;
use corrupt::{Habits, View};
use people::Person;

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub seed: u64,
    pub people: u64,
    pub as_of: NaiveDate,
    pub out: PathBuf,
}

pub fn default_as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default()
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct GenerateReport {
    pub people: u64,
    pub households: u64,
    pub files: Vec<(String, u64)>,
    pub ground_truth_rows: u64,
}

pub const FILES: [&str; 4] = [
    "wbez_donations.csv",
    "suntimes_subscriptions.csv",
    "event_tickets.csv",
    "email_engagement.csv",
];

const HEADERS: [&str; 5] = [
    "donor_id,first_name,last_name,email,phone,street_address,address_line_2,city,state,zip,gift_id,gift_date,amount,gift_type,payment_status,payment_method,recurring_id,recurring_start,recurring_status,recurring_end,campaign,card_expires,solicit_codes,solicit_updated",
    "subscriber_id,first,last,email_address,phone_number,address,city,state,postal_code,subscription_id,plan,start_date,end_date,auto_renew,status,monthly_price,marketing_opt_out",
    "attendee_id,attendee_first_name,attendee_last_name,attendee_email,attendee_phone,billing_zip,ticket_id,event_name,event_date,ticket_price,ticket_status",
    "contact_id,first_name,last_name,email,zip,activity_id,period_start,sent,bounced,opened,clicked,unsubscribed,last_open_date",
    "source,source_key,person_id,household_id",
];

/// One chunk of households rendered to CSV text, per file (the 5th is ground truth).
#[derive(Default)]
struct Chunk {
    files: [Vec<u8>; 5],
    rows: [u64; 5],
    people: u64,
}

const HOUSEHOLDS_PER_CHUNK: usize = 2000;

fn household_sizes(seed: u64, people: u64) -> Vec<usize> {
    let mut sizes = Vec::new();
    let mut total = 0u64;
    let mut h = 0u64;
    while total < people {
        let mut rng = ChaCha8Rng::seed_from_u64(mix(seed ^ mix(h) ^ 0x5123));
        let size = people::household_size(&mut rng).min((people - total) as usize);
        sizes.push(size);
        total += size as u64;
        h += 1;
    }
    sizes
}

pub fn generate(options: &GenerateOptions, progress: &dyn Progress) -> Result<GenerateReport> {
    if options.people == 0 {
        return Err(Error::Usage("--people must be at least 1".into()));
    }
    std::fs::create_dir_all(&options.out).map_err(|e| Error::io(&options.out, e))?;
    let mut writers = Vec::new();
    let all_files: Vec<&str> = FILES.iter().copied().chain(["ground_truth.csv"]).collect();
    for (name, header) in all_files.iter().zip(HEADERS) {
        let path = options.out.join(name);
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        writeln!(w, "{header}").map_err(|e| Error::io(&path, e))?;
        writers.push((path, w));
    }
    // Household sizes come first, from their own stream, so the population is exactly
    // `people` (the last household is trimmed) and chunks can be generated in parallel.
    let sizes = household_sizes(options.seed, options.people);
    let mut report = GenerateReport {
        people: options.people,
        households: sizes.len() as u64,
        ..Default::default()
    };
    let chunk_starts: Vec<usize> = (0..sizes.len()).step_by(HOUSEHOLDS_PER_CHUNK).collect();
    let group = rayon::current_num_threads().max(1) * 4;
    let mut done_people = 0u64;
    for starts in chunk_starts.chunks(group) {
        let chunks: Vec<Chunk> = starts
            .par_iter()
            .map(|start| generate_chunk(options, &sizes, *start, None))
            .collect();
        for chunk in chunks {
            for (i, (path, w)) in writers.iter_mut().enumerate() {
                w.write_all(&chunk.files[i])
                    .map_err(|e| Error::io(path.as_path(), e))?;
                if i < 4 {
                    bump(&mut report.files, all_files[i], chunk.rows[i]);
                } else {
                    report.ground_truth_rows += chunk.rows[i];
                }
            }
            done_people += chunk.people;
        }
        progress.update("generate", done_people, options.people);
        if progress.is_cancelled() {
            return Err(Error::Cancelled);
        }
    }
    for (path, mut w) in writers {
        w.flush().map_err(|e| Error::io(&path, e))?;
    }
    Ok(report)
}

fn bump(files: &mut Vec<(String, u64)>, name: &str, rows: u64) {
    match files.iter_mut().find(|(n, _)| n == name) {
        Some(entry) => entry.1 += rows,
        None => files.push((name.to_string(), rows)),
    }
}

/// A stable 64-bit mix (splitmix64) for per-household seeds and opaque record keys.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// One chunk's households simulated and written to text; `oracle` (the churn ceiling's)
/// watches each person's sustaining.
fn generate_chunk(
    options: &GenerateOptions,
    sizes: &[usize],
    start: usize,
    mut oracle: Option<&mut ChurnOracle>,
) -> Chunk {
    let mut chunk = Chunk::default();
    let end = (start + HOUSEHOLDS_PER_CHUNK).min(sizes.len());
    for (h, size) in sizes.iter().enumerate().take(end).skip(start) {
        let h = h as u64;
        let mut rng = ChaCha8Rng::seed_from_u64(mix(options.seed ^ mix(h)));
        // Person ids: household index * 8 + member (households have at most 4 people).
        let members = people::household(&mut rng, *size, h * 8, options.as_of);
        chunk.people += members.len() as u64;
        for person in &members {
            write_person(&mut chunk, &mut rng, options, person, oracle.as_deref_mut());
        }
    }
    chunk
}

fn key(options: &GenerateOptions, prefix: &str, person: u64, copy: u64) -> String {
    let salt = prefix
        .bytes()
        .fold(0u64, |a, b| a.wrapping_mul(31).wrapping_add(b as u64));
    format!(
        "{prefix}{:012X}",
        mix(options.seed ^ mix(person * 16 + copy) ^ salt) & 0xFFFF_FFFF_FFFF
    )
}

/// What a person told each system about being contacted. Drawn from a stream of its own
/// (by seed and person), so adding it changed none of the other columns.
struct Consent {
    /// The donor system's solicit codes: `DNC` (no calls), `DNM` (no mail), `NO EMAIL`,
    /// `NO SOLICIT` (no contact at all), and when they were set.
    solicit_codes: String,
    solicit_updated: String,
    /// The newspaper's marketing opt-out (email).
    marketing_opt_out: bool,
}

fn consent(options: &GenerateOptions, p: &Person) -> Consent {
    use rand::Rng;
    let mut rng = ChaCha8Rng::seed_from_u64(mix(options.seed ^ mix(p.id ^ 0xC0_45E7)));
    let mut codes = Vec::new();
    // About 1 % ask not to be called, fewer not to be mailed or emailed by the station,
    // and a handful not to be solicited at all.
    if rng.random_bool(0.002) {
        codes.push("NO SOLICIT");
    } else {
        if rng.random_bool(0.01) {
            codes.push("DNC");
        }
        if rng.random_bool(0.004) {
            codes.push("DNM");
        }
        if rng.random_bool(0.006) {
            codes.push("NO EMAIL");
        }
    }
    let updated = if codes.is_empty() {
        String::new()
    } else {
        let days = rng.random_range(0..1500);
        date(options.as_of - chrono::Days::new(days))
    };
    Consent {
        solicit_codes: codes.join(";"),
        solicit_updated: updated,
        marketing_opt_out: rng.random_bool(0.03),
    }
}

fn write_person(
    chunk: &mut Chunk,
    rng: &mut ChaCha8Rng,
    options: &GenerateOptions,
    p: &Person,
    mut oracle: Option<&mut ChurnOracle>,
) {
    let systems: Systems = behaviour::choose_systems(rng, p);
    let donor_key = key(options, "WB", p.id, 0);
    let b: Behaviour = behaviour::simulate(
        rng,
        p,
        systems,
        options.as_of,
        &donor_key,
        oracle.as_deref_mut(),
    );
    if systems.donor {
        write_donations(chunk, rng, options, p, &b, donor_key);
    }
    if systems.subscriber {
        write_subscriptions(chunk, rng, options, p, &b);
    }
    if systems.attendee {
        write_tickets(chunk, rng, options, p, &b);
    }
    if systems.emailed {
        write_email(chunk, rng, options, p, &b);
    }
    if let Some(oracle) = oracle {
        oracle.finish_person(&b);
    }
}

fn csv_line(buf: &mut Vec<u8>, fields: &[&str]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        if f.contains([',', '"', '\n', '\r']) || f.starts_with(' ') || f.ends_with(' ') {
            buf.push(b'"');
            buf.extend_from_slice(f.replace('"', "\"\"").as_bytes());
            buf.push(b'"');
        } else {
            buf.extend_from_slice(f.as_bytes());
        }
    }
    buf.push(b'\n');
}

fn truth(chunk: &mut Chunk, source: &str, key: &str, p: &Person) {
    csv_line(
        &mut chunk.files[4],
        &[source, key, &p.id.to_string(), &(p.id / 8).to_string()],
    );
    chunk.rows[4] += 1;
}

fn date(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn dollars(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn write_donations(
    chunk: &mut Chunk,
    rng: &mut ChaCha8Rng,
    options: &GenerateOptions,
    p: &Person,
    b: &Behaviour,
    primary: String,
) {
    let habits = Habits {
        missing_email: 0.12,
        missing_phone: 0.3,
        unit_on_line1: false,
    };
    // A donor entered twice: later one-time gifts land on the second record.
    let duplicate = rand::Rng::random_bool(rng, 0.04).then(|| {
        let split = b.gifts.len() / 2;
        (
            key(options, "WB", p.id, 1),
            corrupt::view(rng, p, &habits),
            split,
        )
    });
    let primary_view = corrupt::view(rng, p, &habits);
    let said = consent(options, p);
    let (mut wrote_primary, mut wrote_dup) = (false, false);
    for (n, gift) in b.gifts.iter().enumerate() {
        let (donor_key, view): (&str, &View) = match &duplicate {
            Some((k, v, split)) if gift.recurring.is_none() && n >= *split => {
                wrote_dup = true;
                (k, v)
            }
            _ => {
                wrote_primary = true;
                (&primary, &primary_view)
            }
        };
        let recurring = gift.recurring.map(|i| &b.recurring[i]);
        // Planted defect: a rare gift exported with an unusable amount (quarantined at ingest).
        let amount = if rand::Rng::random_bool(rng, 0.00005) {
            "N/A".to_string()
        } else {
            dollars(gift.cents)
        };
        csv_line(
            &mut chunk.files[0],
            &[
                donor_key,
                &view.first,
                &view.last,
                &view.email,
                &view.phone,
                &view.address1,
                &view.address2,
                &view.city,
                &view.state,
                &view.zip,
                &format!("{donor_key}-G{n}"),
                &date(gift.date),
                &amount,
                if recurring.is_some() {
                    "recurring"
                } else {
                    "one_time"
                },
                gift.status,
                gift.method,
                recurring.map(|r| r.id.as_str()).unwrap_or(""),
                &recurring.map(|r| date(r.start)).unwrap_or_default(),
                recurring.map(|r| r.status).unwrap_or(""),
                &recurring.and_then(|r| r.end).map(date).unwrap_or_default(),
                gift.campaign,
                &gift.card_expires.map(date).unwrap_or_default(),
                &said.solicit_codes,
                &said.solicit_updated,
            ],
        );
        chunk.rows[0] += 1;
    }
    if wrote_primary {
        truth(chunk, "wbez_donations", &primary, p);
    }
    if let (true, Some((k, _, _))) = (wrote_dup, &duplicate) {
        truth(chunk, "wbez_donations", k, p);
    }
}

fn write_subscriptions(
    chunk: &mut Chunk,
    rng: &mut ChaCha8Rng,
    options: &GenerateOptions,
    p: &Person,
    b: &Behaviour,
) {
    let habits = Habits {
        missing_email: 0.08,
        missing_phone: 0.4,
        unit_on_line1: true,
    };
    let us_date = |d: chrono::NaiveDate| d.format("%m/%d/%Y").to_string();
    let said = consent(options, p);
    for (n, s) in b.subscriptions.iter().enumerate() {
        // A second subscription is sometimes booked under a new subscriber id.
        let copy = if n > 0 && rand::Rng::random_bool(rng, 0.5) {
            1
        } else {
            0
        };
        let k = key(options, "ST", p.id, copy);
        let view = corrupt::view(rng, p, &habits);
        csv_line(
            &mut chunk.files[1],
            &[
                &k,
                &view.first,
                &view.last,
                &view.email,
                &view.phone,
                &view.address1,
                &view.city,
                &view.state,
                &view.zip,
                &format!("{k}-S{n}"),
                s.plan,
                &us_date(s.start),
                &s.end.map(us_date).unwrap_or_default(),
                if s.auto_renew { "Y" } else { "N" },
                s.status,
                &dollars(s.price_cents),
                if said.marketing_opt_out { "Y" } else { "N" },
            ],
        );
        chunk.rows[1] += 1;
        if n == 0 || copy == 1 {
            truth(chunk, "suntimes_subscriptions", &k, p);
        }
    }
}

fn write_tickets(
    chunk: &mut Chunk,
    rng: &mut ChaCha8Rng,
    options: &GenerateOptions,
    p: &Person,
    b: &Behaviour,
) {
    let habits = Habits {
        missing_email: 0.02,
        missing_phone: 0.5,
        unit_on_line1: false,
    };
    let k = key(options, "EV", p.id, 0);
    let view = corrupt::view(rng, p, &habits);
    for (n, t) in b.tickets.iter().enumerate() {
        csv_line(
            &mut chunk.files[2],
            &[
                &k,
                &view.first,
                &view.last,
                &view.email,
                &view.phone,
                &view.zip,
                &format!("{k}-T{n}"),
                t.event,
                &date(t.date),
                &dollars(t.price_cents),
                t.status,
            ],
        );
        chunk.rows[2] += 1;
    }
    if !b.tickets.is_empty() {
        truth(chunk, "event_tickets", &k, p);
    }
}

fn write_email(
    chunk: &mut Chunk,
    rng: &mut ChaCha8Rng,
    options: &GenerateOptions,
    p: &Person,
    b: &Behaviour,
) {
    let habits = Habits {
        missing_email: 0.0,
        missing_phone: 1.0,
        unit_on_line1: false,
    };
    let k = key(options, "EM", p.id, 0);
    let mut view = corrupt::view(rng, p, &habits);
    if view.email.is_empty() {
        view.email = p.email.clone();
    }
    for (n, e) in b.email.iter().enumerate() {
        csv_line(
            &mut chunk.files[3],
            &[
                &k,
                &view.first,
                &view.last,
                &view.email,
                &view.zip,
                &format!("{k}-Q{n}"),
                &date(e.start),
                &e.sent.to_string(),
                &e.bounced.to_string(),
                &e.opened.to_string(),
                &e.clicked.to_string(),
                if e.unsubscribed { "1" } else { "0" },
                &e.last_open.map(date).unwrap_or_default(),
            ],
        );
        chunk.rows[3] += 1;
    }
    if !b.email.is_empty() {
        truth(chunk, "email_engagement", &k, p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Silent;

    fn run(seed: u64, people: u64, dir: &std::path::Path) -> GenerateReport {
        generate(
            &GenerateOptions {
                seed,
                people,
                as_of: default_as_of(),
                out: dir.to_path_buf(),
            },
            &Silent,
        )
        .unwrap()
    }

    #[test]
    fn same_seed_same_bytes_and_different_seed_differs() {
        let (a, b, c) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        run(7, 300, a.path());
        run(7, 300, b.path());
        run(8, 300, c.path());
        for f in FILES.iter().chain(&["ground_truth.csv"]) {
            let x = std::fs::read(a.path().join(f)).unwrap();
            assert_eq!(
                x,
                std::fs::read(b.path().join(f)).unwrap(),
                "{f} differs between runs"
            );
            assert_ne!(
                x,
                std::fs::read(c.path().join(f)).unwrap(),
                "{f} ignores the seed"
            );
        }
    }

    #[test]
    fn nothing_is_dated_after_the_as_of_date() {
        let dir = tempfile::tempdir().unwrap();
        run(3, 400, dir.path());
        let as_of = date(default_as_of());
        for f in FILES {
            let mut reader = csv::Reader::from_path(dir.path().join(f)).unwrap();
            let headers = reader.headers().unwrap().clone();
            for row in reader.records() {
                let row = row.unwrap();
                for (h, v) in headers.iter().zip(row.iter()) {
                    let iso = if v.len() == 10 && v.as_bytes()[2] == b'/' {
                        format!("{}-{}-{}", &v[6..10], &v[0..2], &v[3..5])
                    } else {
                        v.to_string()
                    };
                    if h.contains("date") || h.ends_with("_start") || h.ends_with("_end") {
                        assert!(iso.is_empty() || iso <= as_of, "{f} {h} {v} after {as_of}");
                    }
                }
            }
        }
    }
}
