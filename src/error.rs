//! The library's error type. Variants say what a user can act on; none carries personal
//! data (record ids and file positions, never names or emails).

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration file is wrong. `line` is 0 when the position is unknown.
    #[error("{file}:{line}: {}{message}", key_prefix(.key))]
    Config {
        file: PathBuf,
        line: usize,
        key: String,
        message: String,
    },

    /// A whole input file is refused (nothing was written).
    #[error("{file}: {message}")]
    BadFile { file: PathBuf, message: String },

    /// A command-line value is wrong.
    #[error("{0}")]
    Usage(String),

    /// The store refused an operation (constraint, missing row ...).
    #[error("{0}")]
    Invalid(String),

    #[error("cancelled")]
    Cancelled,

    /// Too few outcomes to train or judge a model.
    #[error("not enough data: {0}")]
    NotEnoughData(String),

    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),

    /// Not marked as the error's source: `{:#}` would print the reason twice.
    #[error("{path}: {reason}")]
    Io {
        path: PathBuf,
        reason: std::io::Error,
    },

    #[error("csv: {0}")]
    Csv(#[from] csv::Error),

    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

/// "key: " before a configuration error's message, nothing where no key is known.
fn key_prefix(key: &str) -> String {
    if key.is_empty() {
        String::new()
    } else {
        format!("{key}: ")
    }
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, reason: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            reason,
        }
    }

    pub fn config(
        file: impl Into<PathBuf>,
        line: usize,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Config {
            file: file.into(),
            line,
            key: key.into(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_error_says_its_reason_once_as_the_command_line_prints_it() {
        let missing = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let printed = format!(
            "{:#}",
            anyhow::Error::from(Error::io("data/x.csv", missing))
        );
        assert_eq!(printed, "data/x.csv: no such file");
    }
}
