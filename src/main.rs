//! The `cpm` binary: parse the command line, run one library call, map errors to exit codes.

mod cli;

use std::process::ExitCode;

/// mimalloc rather than the system allocator: resolution and scoring build and free
/// millions of small strings and vectors, and glibc's free lists cost seconds of a
/// million-record run (measured in BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    without_transparent_huge_pages();
    quiet_on_closed_pipe();
    match cli::run() {
        Ok(code) => code,
        Err(err) => {
            // Broken pipe (e.g. `cpm ... | head`) is not a failure.
            if let Some(io) = err.downcast_ref::<std::io::Error>()
                && io.kind() == std::io::ErrorKind::BrokenPipe
            {
                return ExitCode::SUCCESS;
            }
            // A script that asked for --json gets its error as JSON too.
            if std::env::args().any(|a| a == "--json") {
                let message = serde_json::json!({ "error": format!("{err:#}") });
                eprintln!("{message}");
            } else {
                eprintln!("cpm: error: {err:#}");
            }
            ExitCode::from(1)
        }
    }
}

/// `cpm … | head -1`: once the reader has gone, `println!` panics with "Broken pipe".
/// That is the reader's choice, not a failure: end quietly with success. Any other panic
/// is reported as usual.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

/// Ask Linux for ordinary 4 KiB pages only. mimalloc marks its arenas for transparent huge
/// pages, and on this project's machines the kernel's zeroing of a fresh 2 MiB page on
/// each first touch was a fifth of a million-record scoring run's samples: 3.5-4.4 s of
/// system time against 1.0-1.8 s with small pages, and 1.4 s more wall time
/// (BENCHMARKS.md, fourteenth session). The setting is the process's and its children's;
/// refused or unsupported, nothing changes.
fn without_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn the_process_asks_for_small_pages_only() {
        super::without_transparent_huge_pages();
        assert!(rustix::thread::transparent_huge_pages_are_disabled().expect("prctl"));
    }
}
