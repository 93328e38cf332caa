//! What a load of one file came to: its outcome, counts, the columns that were mostly
//! wrong and the fields stored empty. Ingest makes them; the store keeps them.

use std::path::PathBuf;

use serde::Serialize;

/// A field stored empty because its value did not parse; the row was kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldIssue {
    /// The column as the file names it.
    pub column: String,
    pub reason: String,
    /// What was found: the value itself, or only its shape for a personal field.
    pub value: String,
}

/// How one parsed column fared over a file: the counts behind "more than 5 % of this
/// column's values are wrong".
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct ColumnCheck {
    pub column: String,
    /// What the column should hold ("a date as %Y-%m-%d", "an amount").
    pub expected: String,
    pub values: u64,
    pub failures: u64,
    /// Up to three of the failing values (shapes only for personal fields).
    pub examples: Vec<String>,
}

impl ColumnCheck {
    pub fn failure_share(&self) -> f64 {
        if self.values == 0 {
            0.0
        } else {
            self.failures as f64 / self.values as f64
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub enum BatchOutcome {
    Loaded,
    /// Loaded, but a column is mostly wrong (see the batch's warnings).
    LoadedWithWarnings,
    Unchanged,
}

impl BatchOutcome {
    pub fn label(&self) -> &'static str {
        match self {
            BatchOutcome::Loaded => "loaded",
            BatchOutcome::LoadedWithWarnings => "loaded with warnings",
            BatchOutcome::Unchanged => "unchanged",
        }
    }
}

/// A column whose values failed to parse more often than the source allows.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ColumnWarning {
    pub source: String,
    #[serde(flatten)]
    pub check: ColumnCheck,
}

impl std::fmt::Display for ColumnWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.check;
        write!(
            f,
            "{}: column '{}': {} of {} values ({:.0} %) are not {}; found values like {}",
            self.source,
            c.column,
            c.failures,
            c.values,
            100.0 * c.failure_share(),
            c.expected,
            c.examples
                .iter()
                .map(|e| format!("'{e}'"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct BatchReport {
    pub source: String,
    pub file: PathBuf,
    pub outcome: BatchOutcome,
    pub batch_id: Option<i64>,
    pub rows_read: u64,
    pub rows_loaded: u64,
    pub rows_quarantined: u64,
    pub records_new: u64,
    pub records_updated: u64,
    /// Optional fields stored empty because their values did not parse (rows kept).
    pub fields_blanked: u64,
    pub warnings: Vec<ColumnWarning>,
    pub millis: u64,
    /// Why rows were quarantined, commonest first (a dry run's; a load's are in the store).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub quarantine_reasons: Vec<ReasonCount>,
}

/// One reason rows were quarantined for, how many, and the first row's line.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReasonCount {
    pub reason: String,
    pub rows: u64,
    pub first_line: u64,
}

impl BatchReport {
    /// A report of nothing read yet from `file` for `source`.
    pub fn empty(source: &str, file: &std::path::Path) -> BatchReport {
        BatchReport {
            source: source.to_string(),
            file: file.to_path_buf(),
            outcome: BatchOutcome::Unchanged,
            batch_id: None,
            rows_read: 0,
            rows_loaded: 0,
            rows_quarantined: 0,
            records_new: 0,
            records_updated: 0,
            fields_blanked: 0,
            warnings: Vec::new(),
            millis: 0,
            quarantine_reasons: Vec::new(),
        }
    }
}
