//! One file per subcommand (as ripgrep and xsv keep theirs): its actions' arguments, its
//! handler and its printing. The top-level command list, the gates and shared printing
//! (`print_json`, the progress bar) live in `cli/mod.rs`.

mod bench;
mod browse;
mod config;
mod export;
mod generate;
mod ingest;
mod metrics;
mod quality;
mod resolve;
mod review;
mod risk;
mod score;
mod segment;

pub(crate) use self::{
    bench::*, browse::*, config::*, export::*, generate::*, ingest::*, metrics::*, quality::*,
    resolve::*, review::*, risk::*, score::*, segment::*,
};
