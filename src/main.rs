//! The `cpm` binary: parse the command line, run one library call, map errors to exit codes.

mod cli;

use std::process::ExitCode;

/// mimalloc rather than the system allocator: resolution and scoring build and free
/// millions of small strings and vectors, and glibc's free lists cost seconds of a
/// million-record run (measured in BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(err) => {
            // Broken pipe (e.g. `cpm ... | head`) is not a failure.
            if let Some(io) = err.downcast_ref::<std::io::Error>()
                && io.kind() == std::io::ErrorKind::BrokenPipe
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("cpm: error: {err:#}");
            ExitCode::from(1)
        }
    }
}
