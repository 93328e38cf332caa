//! The vocabulary the layers share, below the store: what a fact table and a person's
//! fields are, what a load came to, a golden record's fields. Types and pure functions
//! only; the store persists them, the pipelines make them.

pub mod access;
pub mod batch;
pub mod consent;
pub mod facts;
pub mod golden;
pub mod history;
pub mod person;
pub mod reasons;
pub mod record;
