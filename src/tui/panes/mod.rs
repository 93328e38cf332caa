//! One module per tab: each renders its part of the model.

pub mod constituents;
pub mod jobs;
pub mod not_built;
pub mod quality;
pub mod review;
pub mod risk;
