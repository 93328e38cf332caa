//! `cpm`: the constituent stewardship console.
//!
//! Code map (dependencies point up this list, never down):
//! - [`domain`]: the vocabulary, no I/O.
//! - [`config`]: typed, validated `config/*.yaml`.
//! - [`store`]: every SQL statement against the local SQLite store.
//! - pipelines: [`generate`], [`ingest`], [`resolve`]; each takes a [`progress::Progress`].
//! - the edges: `cli` (in the binary), [`tui`] and [`bench`] (the speed targets).

pub mod bench;
pub mod config;
pub mod error;
pub mod generate;
pub mod ingest;
pub mod jobs;
pub mod metrics;
pub mod progress;
pub mod quality;
pub mod resolve;
pub mod score;
pub mod store;
pub mod tui;

pub use error::{Error, Result};
