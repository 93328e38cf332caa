//! How long work reports where it is, and learns it should stop. The CLI shows a progress
//! bar, the console's job runner forwards it over a channel, tests ignore it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub trait Progress: Sync {
    /// `done` of `total` units of `stage` are finished.
    fn update(&self, stage: &str, done: u64, total: u64);
    /// Work checks this between batches and stops with `Error::Cancelled`.
    fn is_cancelled(&self) -> bool {
        false
    }
}

/// Progress that goes nowhere.
pub struct Silent;

impl Progress for Silent {
    fn update(&self, _: &str, _: u64, _: u64) {}
}

/// A shared flag a job's owner sets to ask it to stop.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}
