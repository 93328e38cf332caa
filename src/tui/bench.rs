//! `cpm bench tui`: how fast the console answers on a given store. Frames are drawn on a
//! 200×60 `TestBackend` through the same model, effects, queries and rendering as the
//! terminal console; only the terminal's own write is left out.

use std::path::Path;
use std::time::Instant;

use ratatui::crossterm::event::KeyCode;
use serde::Serialize;

use super::app::AppOptions;
use super::headless::Headless;
use crate::config::Project;
use crate::error::{Error, Result};
use crate::vocab::access::Role;

#[derive(Debug, Clone, Serialize)]
pub struct Timing {
    pub what: String,
    pub count: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TuiBenchReport {
    pub golden_records: i64,
    /// From nothing to the first frame (placeholders), as the console draws it.
    pub first_frame_ms: f64,
    /// From nothing to the first frame with the review queue and list loaded.
    pub first_loaded_frame_ms: f64,
    pub timings: Vec<Timing>,
}

fn timing(what: &str, mut samples: Vec<f64>) -> Timing {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples.get(i).copied().unwrap_or(0.0)
    };
    Timing {
        what: what.into(),
        count: samples.len(),
        p50_ms: at(0.50),
        p99_ms: at(0.99),
        max_ms: samples.last().copied().unwrap_or(0.0),
    }
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// Time one key: the update, every effect it leads to (page queries included) and the frame.
fn key(console: &mut Headless, code: KeyCode) -> Result<f64> {
    let t = Instant::now();
    console.press(code)?;
    console.render()?;
    Ok(ms(t))
}

fn keys(console: &mut Headless, code: KeyCode, n: usize) -> Result<Vec<f64>> {
    (0..n).map(|_| key(console, code)).collect()
}

pub fn run(db_path: &Path, project: &Project) -> Result<TuiBenchReport> {
    if !db_path.exists() {
        return Err(Error::Usage(format!(
            "no store at {}: build one first (cpm bench --people N, then cpm --db … resolve)",
            db_path.display()
        )));
    }
    let options = AppOptions {
        role: Role::Admin,
        read_only: false,
        actor: "bench".into(),
        store_ready: true,
    };
    let t = Instant::now();
    let mut console = Headless::unstarted(db_path, project, options, 200, 60)?;
    console.render()?;
    let first_frame_ms = ms(t);
    console.start()?;
    console.render()?;
    let first_loaded_frame_ms = ms(t);
    let golden_records = console
        .db()
        .map(|db| {
            db.conn.query_row(
                "SELECT count(*) FROM constituent WHERE retired_at IS NULL",
                [],
                |r| r.get(0),
            )
        })
        .transpose()?
        .unwrap_or(0);

    let mut timings = Vec::new();
    // Review: move through the queue (every key redraws the side-by-side comparison).
    timings.push(timing(
        "review: j",
        keys(&mut console, KeyCode::Char('j'), 300)?,
    ));
    // Constituents: scroll deep (pages load as the cursor nears the window's edge).
    key(&mut console, KeyCode::Char('2'))?;
    let mut list = keys(&mut console, KeyCode::Char('j'), 3000)?;
    list.extend(keys(&mut console, KeyCode::PageDown, 500)?);
    list.extend(keys(&mut console, KeyCode::Char('k'), 1000)?);
    timings.push(timing("list by name: j / PgDn / k", list));
    let mut jumps = Vec::new();
    for _ in 0..20 {
        jumps.push(key(&mut console, KeyCode::Char('G'))?);
        jumps.push(key(&mut console, KeyCode::Char('g'))?);
    }
    timings.push(timing("list: G / g (first, last page)", jumps));
    key(&mut console, KeyCode::Char('o'))?;
    key(&mut console, KeyCode::Char('o'))?;
    timings.push(timing(
        "list by lifetime giving: PgDn",
        keys(&mut console, KeyCode::PageDown, 1000)?,
    ));
    let mut details = Vec::new();
    for _ in 0..100 {
        details.push(key(&mut console, KeyCode::Enter)?);
        key(&mut console, KeyCode::Esc)?;
        key(&mut console, KeyCode::Char('j'))?;
    }
    timings.push(timing("open a golden record: Enter", details));
    let (per_key, per_search) = search_keys(&mut console)?;
    timings.push(timing("search, per typed key", per_key));
    timings.extend(per_search);
    Ok(TuiBenchReport {
        golden_records,
        first_frame_ms,
        first_loaded_frame_ms,
        timings,
    })
}

/// Type searches a steward would: surnames, first names, an email, a phone, an id. Each
/// search also gets its own row (its slowest key), to show which kind of search costs.
fn search_keys(console: &mut Headless) -> Result<(Vec<f64>, Vec<Timing>)> {
    let mut all = Vec::new();
    let mut per_search = Vec::new();
    for typed in [
        "smith", "johnson", "garcia", "mary", "robert", "jo", "gmail", "312", "3125550",
        "C-123456", "ann lee",
    ] {
        key(console, KeyCode::Char('/'))?;
        let mut samples = Vec::new();
        for c in typed.chars() {
            samples.push(key(console, KeyCode::Char(c))?);
        }
        key(console, KeyCode::Esc)?;
        per_search.push(timing(&format!("  search '{typed}'"), samples.clone()));
        all.extend(samples);
    }
    Ok((all, per_search))
}
