//! One module per tab: each renders its part of the model.

pub mod constituents;
pub mod jobs;
pub mod metrics;
pub mod quality;
pub mod review;
pub mod risk;
