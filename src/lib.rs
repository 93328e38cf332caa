//! `cpm`: the constituent stewardship console.
//!
//! Code map:
//! - [`error`], [`config`]: the error type; typed, validated `config/*.yaml`.
//! - [`store`]: the local SQLite store: opening it, migrations, and most of each
//!   pipeline's SQL (a module per pipeline, over the pipeline's own types).
//! - pipelines: [`generate`], [`ingest`], [`resolve`], [`score`], [`quality`], [`metrics`];
//!   each takes a [`progress::Progress`], and [`jobs`] runs them in the background.
//! - the edges: `cli` (in the binary), [`tui`] and [`mod@bench`] (the speed targets).

pub mod bench;
pub mod config;
pub mod error;
pub mod export;
pub mod generate;
pub mod ingest;
pub mod jobs;
pub mod metrics;
pub mod normalize;
pub mod prefetch;
pub mod progress;
pub mod quality;
pub mod resolve;
pub mod score;
pub mod segments;
pub mod stable_hash;
pub mod store;
pub mod text;
pub mod tui;
pub mod vocab;

pub use error::{Error, Result};

/// Free `value` on a thread of its own. A run's last structures hold millions of small
/// allocations (a million golden records' fields, the candidate rows' strings, every
/// golden record's facts for scoring): freeing them took a tenth to half a second of a
/// run's single-threaded end, which the caller need not wait for. (If no thread can be
/// started, `spawn` drops the closure, and `value` with it, here.)
pub(crate) fn drop_elsewhere<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("free".into())
        .spawn(move || drop(value));
}
