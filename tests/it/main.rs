//! One integration-test binary (one link step) with a module per area.

mod cli;
mod common;
mod consent;
mod docs;
mod draft;
mod households;
mod ingest;
mod metrics;
mod quality;
mod resolve;
mod safety;
mod score;
mod segments;
mod tui;
mod warehouse;
