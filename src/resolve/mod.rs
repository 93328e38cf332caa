//! Identity resolution: normalise -> block -> compare -> score -> cluster -> survivorship.

pub mod normalize;
