//! The command line: thin handlers, each calling one library function and printing its
//! report as a table, or as JSON with `--json`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};

use cpm::config::Project;
use cpm::generate::{self, GenerateOptions};
use cpm::ingest::{self, IngestOptions, IngestReport};
use cpm::jobs;
use cpm::progress::{Progress, Silent};
use cpm::quality;
use cpm::resolve::review::{self, Decision};
use cpm::resolve::{self, settings::ResolutionConfig};
use cpm::score::{self, settings::ScoringConfig};
use cpm::store::Db;
use cpm::store::browse::golden_id;
use cpm::tui::ConsoleOptions;
use cpm::tui::app::Role;

#[derive(Parser, Debug)]
#[command(name = "cpm", version, about = "Constituent stewardship console", long_about = None)]
pub struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(flatten)]
    console: ConsoleArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

/// With no subcommand `cpm` opens the console.
#[derive(Args, Debug, Clone)]
pub struct ConsoleArgs {
    /// Leave the mouse to the terminal (text selection) instead of scrolling and clicking.
    #[arg(long)]
    no_mouse: bool,
    /// No colours (also when NO_COLOR is set).
    #[arg(long)]
    no_color: bool,
}

fn parse_role(s: &str) -> std::result::Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("'{s}' is not a role: use steward, membership or admin"))
}

#[derive(Args, Debug, Clone)]
pub struct Global {
    /// The store to use.
    #[arg(long, global = true, default_value = "data/cpm.db")]
    db: PathBuf,
    /// Project directory holding config/ and data/ (relative source paths resolve here).
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    /// Machine-readable output.
    #[arg(long, global = true)]
    json: bool,
    /// Who the audit trail records for decisions (default: the OS user).
    #[arg(long = "as", global = true)]
    actor: Option<String>,
    /// Open the store for reading only: a command that would write it is refused and
    /// nothing is created.
    #[arg(long, global = true)]
    read_only: bool,
    /// Which actions are allowed: steward (review decisions), membership (triage) or admin
    /// (everything, including the pipelines).
    #[arg(long, global = true, default_value = "admin", value_parser = parse_role)]
    role: Role,
    /// Whether the command may create a missing store (a pipeline does; a read does not).
    #[arg(skip)]
    may_create_store: bool,
}

/// The longest actor name the audit trail takes.
const ACTOR_MAX_CHARS: usize = 64;

impl Global {
    fn actor(&self) -> String {
        self.actor
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .or_else(|| std::env::var("USERNAME").ok())
            .or_else(process_account)
            .unwrap_or_else(|| "unknown".into())
    }

    /// `--as`, checked: the audit trail attributes every change to a name a person can
    /// read back (not empty, short, no control characters).
    fn check_actor(&self) -> Result<()> {
        let Some(name) = &self.actor else {
            return Ok(());
        };
        let trimmed = name.trim();
        if trimmed.is_empty()
            || trimmed.chars().count() > ACTOR_MAX_CHARS
            || trimmed.chars().any(char::is_control)
        {
            return Err(cpm::Error::Usage(format!(
                "--as needs a name of 1 to {ACTOR_MAX_CHARS} printable characters"
            ))
            .into());
        }
        Ok(())
    }
}

/// What a command does to the store, which `--read-only` and `--role` gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Reads only (or writes no store at all).
    Read,
    /// A steward's work on merges: decisions, and re-running resolution.
    Decide,
    /// Runs a pipeline that rewrites the store (ingest, resolve, score, quality).
    Run,
}

impl Access {
    fn of(command: &Option<Command>) -> Access {
        match command {
            None
            | Some(
                Command::Status
                | Command::Search { .. }
                | Command::Show { .. }
                | Command::Generate { .. }
                | Command::Bench { .. },
            ) => Access::Read,
            Some(Command::Quarantine { .. }) => Access::Read,
            Some(Command::Review { action }) => match action {
                ReviewAction::List { .. } | ReviewAction::Audit { .. } => Access::Read,
                _ => Access::Decide,
            },
            Some(Command::Metrics { action }) => match action {
                MetricsAction::Value { .. } => Access::Run,
                _ => Access::Read,
            },
            Some(Command::Quality { action: Some(_) }) => Access::Read,
            Some(Command::Resolve {
                eval_only: true, ..
            })
            | Some(Command::Resolve {
                explain_model: true,
                ..
            }) => Access::Read,
            Some(Command::Score {
                explain: Some(_), ..
            }) => Access::Read,
            // Re-running resolution is a steward's as well as an admin's, as in the console.
            Some(Command::Resolve { .. }) => Access::Decide,
            Some(Command::Ingest { .. } | Command::Score { .. } | Command::Quality { .. }) => {
                Access::Run
            }
        }
    }

    /// Refuse the command before anything is opened when the flags forbid what it does.
    fn check(self, g: &Global, command: &str) -> Result<()> {
        if self == Access::Read {
            return Ok(());
        }
        if g.read_only {
            return Err(cpm::Error::Invalid(format!(
                "`cpm {command}` writes the store, and --read-only was given: nothing was changed"
            ))
            .into());
        }
        let allowed = match self {
            Access::Read => true,
            Access::Decide => matches!(g.role, Role::Steward | Role::Admin),
            Access::Run => g.role == Role::Admin,
        };
        if !allowed {
            return Err(cpm::Error::Invalid(format!(
                "the {} role cannot run `cpm {command}`: it needs the {} role",
                g.role.name(),
                if self == Access::Decide {
                    "steward or admin"
                } else {
                    "admin"
                }
            ))
            .into());
        }
        Ok(())
    }
}

/// The subcommand's words, for messages ("review approve").
fn command_words(command: &Option<Command>) -> &'static str {
    match command {
        None => "",
        Some(Command::Generate { .. }) => "generate",
        Some(Command::Ingest { .. }) => "ingest",
        Some(Command::Quarantine { .. }) => "quarantine",
        Some(Command::Status) => "status",
        Some(Command::Search { .. }) => "search",
        Some(Command::Show { .. }) => "show",
        Some(Command::Resolve { .. }) => "resolve",
        Some(Command::Score { .. }) => "score",
        Some(Command::Quality { .. }) => "quality",
        Some(Command::Metrics { action }) => match action {
            MetricsAction::Value { .. } => "metrics value",
            _ => "metrics",
        },
        Some(Command::Review { action }) => match action {
            ReviewAction::List { .. } => "review list",
            ReviewAction::Approve { .. } => "review approve",
            ReviewAction::Reject { .. } => "review reject",
            ReviewAction::Skip { .. } => "review skip",
            ReviewAction::Undo => "review undo",
            ReviewAction::Unmerge { .. } => "review unmerge",
            ReviewAction::Audit { .. } => "review audit",
        },
        Some(Command::Bench { .. }) => "bench",
    }
}

/// The account this process runs as, by its user id (the owner of `/proc/self`) in
/// `/etc/passwd`: a terminal without `$USER` (a service, some multiplexers) still
/// attributes a steward's decisions to someone.
fn process_account() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    account_name(&std::fs::read_to_string("/etc/passwd").ok()?, uid)
}

/// The name of `uid` in a passwd file (`name:password:uid:...`).
fn account_name(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let id: u32 = fields.nth(1)?.parse().ok()?;
        (id == uid && !name.is_empty()).then(|| name.to_string())
    })
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Write seeded synthetic source files and their ground truth.
    Generate {
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long, default_value_t = 20_000)]
        people: u64,
        /// The data's "today" (YYYY-MM-DD); nothing is dated after it.
        #[arg(long, value_parser = parse_date)]
        as_of: Option<chrono::NaiveDate>,
        #[arg(long, default_value = "data/synthetic")]
        out: PathBuf,
    },
    /// Load every configured source into the store.
    Ingest {
        /// Only this source (repeatable).
        #[arg(long = "source")]
        sources: Vec<String>,
        /// Read the configured file names from this directory instead.
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Refuse a file with a mostly wrong column (see warn_failure_share) instead of
        /// loading it with a warning.
        #[arg(long)]
        strict: bool,
    },
    /// Rows that could not be loaded: list, show one, or export them to fix the file.
    Quarantine {
        #[command(subcommand)]
        action: QuarantineAction,
    },
    /// Show what the store holds.
    Status,
    /// Golden records by name, email, phone (any format, or its start) or id, as the
    /// console's search finds them.
    Search {
        query: String,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// One golden record's 360° view: its fields and where each came from, its source
    /// records, giving, and scores (id like C-000123 or 123).
    Show { id: String },
    /// Resolve source records into golden records (and evaluate against a truth file).
    Resolve {
        /// Ground truth CSV (source, source_key, person_id[, household_id]) to score against.
        #[arg(long)]
        eval: Option<PathBuf>,
        /// Only evaluate the store as it is; do not re-run resolution.
        #[arg(long, requires = "eval")]
        eval_only: bool,
        /// Fit the match model anew, even where the stored one still fits the data (no new
        /// steward decisions, and the file within a tenth of its size when it was fitted).
        #[arg(long)]
        relearn: bool,
        /// Print the match model the last run learned (per field and level: how often
        /// matches and non-matches fall there, and the weight that gives) and run nothing.
        #[arg(long, conflicts_with_all = ["eval", "eval_only"])]
        explain_model: bool,
    },
    /// Score churn risk and upgrade propensity (trains the models if none are saved).
    Score {
        /// Train new models even if saved ones exist.
        #[arg(long)]
        retrain: bool,
        /// Print one golden record's features, scores and reasons instead (id, e.g. 123 or C-000123).
        #[arg(long, value_name = "ID")]
        explain: Option<String>,
    },
    /// Run the declared data-quality checks (exit status 1 when a critical check fails).
    Quality {
        #[command(subcommand)]
        action: Option<QualityAction>,
    },
    /// Metric definitions: list, SQL per platform, live values, the data dictionary.
    Metrics {
        #[command(subcommand)]
        action: MetricsAction,
    },
    /// The stewards' review queue and decisions.
    Review {
        #[command(subcommand)]
        action: ReviewAction,
    },
    /// Measure speed and peak memory: generate + ingest, resolution, scoring, the console.
    Bench {
        /// What to measure: the ingest pipeline (default); or, on the store given with
        /// --db, resolution, scoring or the console.
        #[arg(value_enum, default_value = "pipeline")]
        target: BenchTarget,
        #[arg(long, default_value_t = 100_000)]
        people: u64,
        /// Where to write the generated files and the benchmark store.
        #[arg(long, default_value = "data/bench")]
        dir: PathBuf,
        /// How many times to run resolution or scoring (each on a fresh copy of the store).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
        rounds: u64,
    },
}

#[derive(Subcommand, Debug)]
enum MetricsAction {
    /// Every metric with its category, type and version.
    List,
    /// The SQL for one metric on one platform.
    Sql {
        name: String,
        #[arg(long, default_value = "sqlite", value_parser = ["sqlite", "standard", "snowflake", "databricks"])]
        platform: String,
        /// As of this date (default: the data's as-of date, or 2026-06-30 without a store).
        #[arg(long, value_parser = parse_date)]
        as_of: Option<chrono::NaiveDate>,
        #[arg(long)]
        by: Option<String>,
    },
    /// Compute a metric on the local store (kept with its definition version).
    Value {
        name: String,
        /// Break down by one of the metric's dimensions.
        #[arg(long)]
        by: Option<String>,
        #[arg(long, value_parser = parse_date)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// The Markdown data dictionary (owners, definitions, SQL per platform, versions).
    Dictionary {
        /// Write the committed copy, sql/metrics_dictionary.md, instead of printing.
        #[arg(long)]
        write: bool,
    },
    /// Write the warehouse schemas to sql/schemas/{standard,snowflake,databricks}/schema.sql.
    Schemas,
}

#[derive(Subcommand, Debug)]
enum QuarantineAction {
    /// Quarantined rows of each source's latest batch (and, with --all, earlier ones).
    List {
        #[arg(long)]
        source: Option<String>,
        /// Also rows of earlier batches, which a later load of the file resolved.
        #[arg(long)]
        all: bool,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// One quarantined row with its raw text (redacted for roles other than admin).
    Show { id: i64 },
    /// Every open quarantined row as CSV (source, file, line, reason, raw) on stdout.
    Export {
        #[arg(long)]
        source: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum QualityAction {
    /// Profile a table and print check YAML to review and adopt.
    Suggest { table: String },
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum BenchTarget {
    /// Generate + ingest `--people` people.
    Pipeline,
    /// Key-to-frame, first-frame and search times of the console on `--db`.
    Tui,
    /// A first resolution and a re-run on a copy of `--db` (ingested, not yet resolved).
    Resolve,
    /// A scoring run on a copy of `--db` (resolved, with saved models).
    Score,
    /// The best churn ranking any model could reach on the pipeline's `--people`: each
    /// sustainer's churn probability from the generator's hidden state, against what
    /// happened (no store is read or written).
    Ceiling,
}

#[derive(Subcommand, Debug)]
enum ReviewAction {
    /// List pending pairs (most at stake first).
    List {
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Order by score instead of what is at stake.
        #[arg(long)]
        by_score: bool,
    },
    /// Approve pairs: each pair's two golden records merge.
    Approve {
        /// The pairs' numbers, as `cpm review list` shows them; each is decided, saved and
        /// audited on its own.
        #[arg(required = true)]
        candidates: Vec<i64>,
        /// Why: saved with each decision in the audit trail.
        #[arg(long)]
        note: Option<String>,
    },
    /// Reject pairs: never merge each pair's two records.
    Reject {
        /// The pairs' numbers, as `cpm review list` shows them; each is decided, saved and
        /// audited on its own.
        #[arg(required = true)]
        candidates: Vec<i64>,
        /// Why: saved with each decision in the audit trail.
        #[arg(long)]
        note: Option<String>,
    },
    /// Skip pairs for now.
    Skip {
        /// The pairs' numbers, as `cpm review list` shows them.
        #[arg(required = true)]
        candidates: Vec<i64>,
    },
    /// Undo your latest decision.
    Undo,
    /// Take a source record out of its golden record.
    Unmerge {
        /// The source record's id in the store (`cpm review list --json` and `cpm review audit`
        /// show it).
        record: i64,
        /// Why: saved with the decision in the audit trail.
        #[arg(long)]
        note: Option<String>,
    },
    /// Show the audit trail (latest first).
    Audit {
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
}

fn parse_date(s: &str) -> std::result::Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a date like 2026-06-30"))
}

pub fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    let mut g = cli.global.clone();
    g.may_create_store = Access::of(&cli.command) == Access::Run;
    let project = Project::new(&g.root);
    let gate = g
        .check_actor()
        .and_then(|()| Access::of(&cli.command).check(&g, command_words(&cli.command)));
    let result = match gate {
        Err(e) => Err(e),
        Ok(()) => dispatch(cli, &g, &project),
    };
    match result {
        Ok(code) => Ok(code),
        Err(e) => match e.downcast_ref::<cpm::Error>() {
            Some(cpm::Error::Usage(msg)) => {
                eprintln!("cpm: {}", cpm::text::terminal_safe(msg));
                Ok(ExitCode::from(2))
            }
            _ => Err(e),
        },
    }
}

fn dispatch(cli: Cli, g: &Global, project: &Project) -> Result<ExitCode> {
    let (g, project) = (g.clone(), project.clone());
    let result = match cli.command {
        None => console(&g, &project, &cli.console),
        Some(Command::Generate {
            seed,
            people,
            as_of,
            out,
        }) => {
            let options = GenerateOptions {
                seed,
                people,
                as_of: as_of.unwrap_or_else(generate::default_as_of),
                out: project.resolve(&out),
            };
            cmd_generate(&g, &options)
        }
        Some(Command::Ingest {
            sources,
            dir,
            strict,
        }) => cmd_ingest(
            &g,
            &project,
            IngestOptions {
                only: sources,
                source_dir: dir,
                strict,
            },
        ),
        Some(Command::Quarantine { action }) => cmd_quarantine(&g, action),
        Some(Command::Status) => cmd_status(&g),
        Some(Command::Search { query, limit }) => cmd_search(&g, &query, limit),
        Some(Command::Show { id }) => cmd_show(&g, &id),
        Some(Command::Bench {
            target: BenchTarget::Pipeline,
            people,
            dir,
            ..
        }) => cmd_bench(&g, people, &project.resolve(&dir)),
        Some(Command::Bench {
            target: BenchTarget::Tui,
            ..
        }) => cmd_bench_tui(&g, &project),
        Some(Command::Bench {
            target: BenchTarget::Resolve,
            rounds,
            ..
        }) => cmd_bench_resolve(&g, rounds as usize),
        Some(Command::Bench {
            target: BenchTarget::Score,
            rounds,
            ..
        }) => cmd_bench_score(&g, rounds as usize),
        Some(Command::Bench {
            target: BenchTarget::Ceiling,
            people,
            ..
        }) => cmd_bench_ceiling(&g, &project, people),
        Some(Command::Resolve {
            explain_model: true,
            ..
        }) => cmd_explain_model(&g),
        Some(Command::Resolve {
            eval,
            eval_only,
            relearn,
            ..
        }) => cmd_resolve(&g, &project, eval.as_deref(), eval_only, relearn),
        Some(Command::Review { action }) => cmd_review(&g, &project, action),
        Some(Command::Score { retrain, explain }) => cmd_score(&g, &project, retrain, explain),
        Some(Command::Metrics { action }) => cmd_metrics(&g, &project, action),
        Some(Command::Quality { action }) => match action {
            Some(QualityAction::Suggest { table }) => cmd_quality_suggest(&g, &table),
            None => return cmd_quality(&g, &project),
        },
    };
    result.map(|()| ExitCode::SUCCESS)
}

/// A progress bar on a terminal; nothing when piped or with --json.
fn progress_for(g: &Global) -> Box<dyn Progress> {
    if g.json || !std::io::stderr().is_terminal() {
        return Box::new(Silent);
    }
    Box::new(Bar::new())
}

struct Bar(indicatif::ProgressBar);

impl Bar {
    fn new() -> Bar {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg:>28} [{bar:30}] {percent:>3}% {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        Bar(bar)
    }
}

impl Progress for Bar {
    fn update(&self, stage: &str, done: u64, total: u64) {
        if self.0.message() != stage {
            self.0.set_message(stage.to_string());
        }
        self.0.set_length(total.max(1));
        self.0.set_position(done);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn cmd_generate(g: &Global, options: &GenerateOptions) -> Result<()> {
    let report = generate::generate(options, progress_for(g).as_ref())?;
    if g.json {
        return print_json(&report);
    }
    println!(
        "generated {} people in {} households into {}",
        report.people,
        report.households,
        options.out.display()
    );
    for (file, rows) in &report.files {
        println!("  {file:<28} {rows:>10} rows");
    }
    println!(
        "  {:<28} {:>10} rows",
        "ground_truth.csv", report.ground_truth_rows
    );
    Ok(())
}

fn open_db(g: &Global) -> Result<Db> {
    let context = || format!("opening the store {}", g.db.display());
    if g.read_only {
        if !g.db.exists() {
            return Err(cpm::Error::Invalid(format!(
                "there is no store at {} (--read-only creates none)",
                g.db.display()
            ))
            .into());
        }
        return Db::open_read_only(&g.db).with_context(context);
    }
    if !g.may_create_store && !g.db.exists() {
        return Err(cpm::Error::Invalid(format!(
            "there is no store at {}: check --db, or build one with `cpm ingest` (or `cpm` alone for the demo)",
            g.db.display()
        ))
        .into());
    }
    // A migration can rewrite every row of a large table: say why the command waits. (A
    // store this cannot read is left to `Db::open`, whose error says what is wrong.)
    if let Ok(Some((from, to))) = Db::pending_upgrade(&g.db)
        && std::io::stderr().is_terminal()
    {
        eprintln!("upgrading the store from schema version {from} to {to} (once)…");
    }
    Db::open(&g.db).with_context(context)
}

fn cmd_ingest(g: &Global, project: &Project, options: IngestOptions) -> Result<()> {
    let mut db = open_db(g)?;
    let report = ingest::ingest(&mut db, project, &options, progress_for(g).as_ref())?;
    if g.json {
        return print_json(&report);
    }
    print_ingest(&report);
    Ok(())
}

fn print_ingest(report: &IngestReport) {
    println!(
        "{:<24} {:>20} {:>10} {:>9} {:>11} {:>8} {:>8} {:>8}",
        "source", "outcome", "rows read", "loaded", "quarantined", "blanked", "new", "ms"
    );
    for b in &report.batches {
        println!(
            "{:<24} {:>20} {:>10} {:>9} {:>11} {:>8} {:>8} {:>8}",
            b.source,
            b.outcome.label(),
            b.rows_read,
            b.rows_loaded,
            b.rows_quarantined,
            b.fields_blanked,
            b.records_new,
            b.millis
        );
    }
    println!(
        "rows read {} = loaded {} + quarantined {}",
        report.rows_read(),
        report.rows_loaded(),
        report.rows_quarantined()
    );
    if report.fields_blanked() > 0 {
        println!(
            "{} optional fields did not parse and were stored empty (their rows were kept): see the Quality tab",
            report.fields_blanked()
        );
    }
    if report.rows_quarantined() > 0 {
        println!(
            "quarantined rows: `cpm quarantine list` shows them, `cpm quarantine export` writes them out"
        );
    }
    for warning in report.warnings() {
        eprintln!(
            "warning: {warning} (check date_formats in config/sources.yaml; --strict refuses such a file)"
        );
    }
}

fn cmd_quarantine(g: &Global, action: QuarantineAction) -> Result<()> {
    use cpm::store::source::{QuarantineFilter, quarantined};
    let db = open_db(g)?;
    // The raw text is a row of personal data: whole for an admin, its shape for the rest.
    let unredacted = g.role == Role::Admin;
    match action {
        QuarantineAction::List { source, all, limit } => {
            let filter = QuarantineFilter {
                source: source.as_deref(),
                include_resolved: all,
                id: None,
            };
            let rows = quarantined(&db.conn, &filter, unredacted)?;
            if g.json {
                return print_json(&rows.iter().take(limit).collect::<Vec<_>>());
            }
            println!("{} quarantined rows", rows.len());
            for r in rows.iter().take(limit) {
                println!(
                    "#{:<6} {:<9} {:<22} line {:<7} {}",
                    r.id,
                    r.status,
                    r.source,
                    r.line,
                    cpm::text::terminal_safe(&r.reason)
                );
            }
            if rows.len() > limit {
                println!("… {} more (--limit)", rows.len() - limit);
            }
        }
        QuarantineAction::Show { id } => {
            let filter = QuarantineFilter {
                source: None,
                include_resolved: true,
                id: Some(id),
            };
            let Some(row) = quarantined(&db.conn, &filter, unredacted)?
                .into_iter()
                .next()
            else {
                return Err(cpm::Error::Usage(format!("no quarantined row #{id}")).into());
            };
            if g.json {
                return print_json(&row);
            }
            println!("#{} {} ({})", row.id, row.source, row.status);
            println!("file   {}", cpm::text::terminal_safe(&row.file));
            println!("line   {}", row.line);
            println!("reason {}", cpm::text::terminal_safe(&row.reason));
            println!("raw    {}", cpm::text::terminal_safe(&row.raw));
        }
        QuarantineAction::Export { source } => {
            let filter = QuarantineFilter {
                source: source.as_deref(),
                include_resolved: false,
                id: None,
            };
            let rows = quarantined(&db.conn, &filter, unredacted)?;
            let mut out = csv::Writer::from_writer(std::io::stdout().lock());
            out.write_record(["id", "source", "file", "line", "reason", "raw"])?;
            for r in rows {
                out.write_record([
                    r.id.to_string(),
                    r.source,
                    cpm::text::spreadsheet_cell(&r.file).into_owned(),
                    r.line.to_string(),
                    cpm::text::spreadsheet_cell(&r.reason).into_owned(),
                    cpm::text::spreadsheet_cell(&r.raw).into_owned(),
                ])?;
            }
            out.flush()?;
        }
    }
    Ok(())
}

fn cmd_search(g: &Global, query: &str, limit: usize) -> Result<()> {
    let db = open_db(g)?;
    let rows = cpm::store::browse::search(&db.conn, query, limit)?;
    if g.json {
        let rows: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": golden_id(r.id), "first_name": r.first_name, "last_name": r.last_name,
                    "email": r.email, "city": r.city, "zip": r.zip,
                    "lifetime_cents": r.lifetime_cents, "sustainer_status": r.sustainer_status,
                    "systems": r.system_count,
                })
            })
            .collect();
        return print_json(&rows);
    }
    let safe =
        |v: &Option<String>| cpm::text::terminal_safe(v.as_deref().unwrap_or("")).into_owned();
    println!("{} found", rows.len());
    for r in &rows {
        println!(
            "{:<9} {:<28} {:<34} {:<16} ${:>10.2}",
            golden_id(r.id),
            cpm::text::terminal_safe(&r.display_name()),
            safe(&r.email),
            safe(&r.city),
            r.lifetime_cents as f64 / 100.0
        );
    }
    Ok(())
}

fn cmd_show(g: &Global, id: &str) -> Result<()> {
    let db = open_db(g)?;
    let id = parse_constituent_id(id)?;
    let Some(detail) = cpm::store::browse::constituent_detail(&db.conn, id)? else {
        return Err(
            cpm::Error::Invalid(format!("there is no golden record {}", golden_id(id))).into(),
        );
    };
    if g.json {
        let mut value = serde_json::to_value(&detail)?;
        value["id"] = serde_json::json!(golden_id(detail.id));
        value["retired_into"] = serde_json::json!(detail.retired_into.map(golden_id));
        return print_json(&value);
    }
    let safe = |v: &str| cpm::text::terminal_safe(v).into_owned();
    match detail.retired_into {
        Some(into) => println!("{} (merged into {})", golden_id(detail.id), golden_id(into)),
        None => println!("{}", golden_id(detail.id)),
    }
    for f in &detail.fields {
        if let Some(value) = &f.value {
            println!(
                "  {:<11} {:<36} {}",
                f.label,
                safe(value),
                safe(f.from.as_deref().unwrap_or(""))
            );
        }
    }
    let s = &detail.summary;
    println!(
        "  giving: ${:.2} lifetime, ${:.2} in 12 months, {} gifts, last {}; sustainer {}",
        s.lifetime_cents as f64 / 100.0,
        s.trailing_12m_cents as f64 / 100.0,
        s.gift_count,
        s.last_gift_date.as_deref().unwrap_or("never"),
        s.sustainer_status.as_deref().unwrap_or("no")
    );
    println!("  source records ({}):", detail.records.len());
    for r in &detail.records {
        let name = format!(
            "{} {}",
            r.first_name.as_deref().unwrap_or(""),
            r.last_name.as_deref().unwrap_or("")
        );
        println!(
            "    #{:<8} {:<22} {:<16} {:<24} {}",
            r.id,
            r.source,
            safe(&r.source_key),
            safe(name.trim()),
            safe(r.email.as_deref().unwrap_or(""))
        );
    }
    Ok(())
}

fn cmd_status(g: &Global) -> Result<()> {
    let db = open_db(g)?;
    let counts = cpm::store::source::counts(&db.conn)?;
    if g.json {
        return print_json(&counts);
    }
    println!("store {}", g.db.display());
    println!("  ingest batches   {:>10}", counts.batches);
    println!("  source records   {:>10}", counts.source_records);
    println!("  quarantined rows {:>10}", counts.quarantined);
    println!("  donations        {:>10}", counts.donations);
    println!("  subscriptions    {:>10}", counts.subscriptions);
    println!("  event tickets    {:>10}", counts.event_tickets);
    println!("  email periods    {:>10}", counts.email_events);
    Ok(())
}

fn cmd_resolve(
    g: &Global,
    project: &Project,
    eval: Option<&std::path::Path>,
    eval_only: bool,
    relearn: bool,
) -> Result<()> {
    let config = ResolutionConfig::load(project)?;
    // The truth file is a path like --db's (from the working directory), read before the
    // run so that a mistyped one costs nothing.
    let truth = match eval {
        Some(path) => Some(resolve::evaluate::read_truth(path)?),
        None => None,
    };
    let mut db = open_db(g)?;
    let summary = if eval_only {
        None
    } else {
        Some(resolve::run_with(
            &mut db,
            &config,
            &g.actor(),
            progress_for(g).as_ref(),
            resolve::RunOptions { relearn },
        )?)
    };
    let evaluation = match &truth {
        Some(truth) => {
            let mut e = resolve::evaluate::evaluate(&db.conn, truth)?;
            let (recall, missed) = resolve::evaluate::blocking_recall(&db.conn, truth, &config)?;
            e.blocking_recall = Some(recall);
            e.true_pairs_never_compared = Some(missed);
            Some(e)
        }
        None => None,
    };
    if g.json {
        return print_json(&serde_json::json!({
            "run": summary, "evaluation": evaluation, "peak_rss_mib": cpm::bench::peak_rss_mib(),
        }));
    }
    if let Some(s) = &summary {
        println!(
            "records {}  candidate pairs {}  auto {}  review {}  household conflicts {}",
            s.records, s.candidate_pairs, s.auto_pairs, s.review_pairs, s.conflict_pairs
        );
        let m = &s.model;
        if s.model_reused {
            println!(
                "match model: the stored one still fits ({} records, {} decisions when fitted; --relearn fits anew)",
                m.records, m.decisions
            );
        } else {
            println!(
                "match model: learned from {} of {} compared pairs and {} steward decisions (cpm resolve --explain-model)",
                m.fitted_pairs,
                m.compared_pairs,
                m.labelled_matches + m.labelled_non_matches
            );
        }
        println!(
            "golden records {} (kept ids {}, new {}, retired {}, members changed {}, already up to date {})",
            s.write.constituents,
            s.write.kept,
            s.write.created,
            s.write.retired,
            s.write.changed,
            s.write.unchanged
        );
        // The largest few, and how many there are by key (all of them with --json).
        let mut capped: Vec<_> = s.capped_blocks.iter().collect();
        capped.sort_by_key(|c| std::cmp::Reverse(c.size));
        if !capped.is_empty() {
            let mut by_key: std::collections::BTreeMap<&str, usize> = Default::default();
            for c in &capped {
                *by_key.entry(c.key.as_str()).or_default() += 1;
            }
            let counts: Vec<String> = by_key.iter().map(|(k, n)| format!("{k} {n}")).collect();
            println!(
                "capped blocks (compared on their other keys only): {} — {}",
                capped.len(),
                counts.join(", ")
            );
            for c in capped.iter().take(5) {
                println!("  largest: {} key shared by {} records", c.key, c.size);
            }
        }
        println!(
            "time ms: load {} block {} compare {} cluster {} write {}",
            s.millis_load, s.millis_block, s.millis_compare, s.millis_cluster, s.millis_write
        );
    }
    if let Some(e) = &evaluation {
        println!(
            "evaluation against {} truth rows ({} found in the store)",
            e.records_in_truth, e.records_matched_to_store
        );
        println!(
            "  pairwise precision {:.4}  recall {:.4}  F1 {:.4}",
            e.precision, e.recall, e.f1
        );
        println!(
            "  true pairs {}  predicted {}  correct {}",
            e.true_pairs, e.predicted_pairs, e.true_positive_pairs
        );
        let households = if e.has_households {
            e.household_merges.to_string()
        } else {
            "n/a (the truth file has no household_id)".into()
        };
        println!(
            "  entities {}  golden records {}  exactly resolved {}  over-merged {}  household merges {households}",
            e.entities, e.constituents, e.entities_exactly_resolved, e.overmerged_constituents,
        );
        println!(
            "  review pairs {} ({:.2}% of records; {} are true matches); recall if all approved {:.4}",
            e.review_pairs,
            100.0 * e.review_share_of_records,
            e.review_pairs_true,
            e.recall_after_review
        );
        if let (Some(recall), Some(missed)) = (e.blocking_recall, e.true_pairs_never_compared) {
            println!(
                "  blocking recall {recall:.4} ({missed} true pairs share no blocking key and were never compared)"
            );
        }
    }
    Ok(())
}

/// `cpm resolve --explain-model`: the learned model, field by field.
fn cmd_explain_model(g: &Global) -> Result<()> {
    use cpm::resolve::model::{FIELDS, LEVELS};
    let db = open_db(g)?;
    let Some(model) = cpm::resolve::model::MatchModel::latest(&db.conn)? else {
        return Err(cpm::Error::Invalid(
            "no resolution run has learned a match model yet: run `cpm resolve`".into(),
        )
        .into());
    };
    if g.json {
        return print_json(&model);
    }
    let fit = &model.fit;
    println!(
        "match model learned from {} records: {} compared pairs ({} distinct comparison vectors), {} random pairs",
        fit.records, fit.compared_pairs, fit.distinct_vectors, fit.random_pairs
    );
    println!(
        "steward decisions used as labels: {} approved, {} rejected; EM {} after {} iterations",
        fit.labelled_matches,
        fit.labelled_non_matches,
        if fit.converged {
            "converged"
        } else {
            "stopped"
        },
        fit.iterations
    );
    println!(
        "prior: {:.4} of compared pairs are matches; {:.3e} of all pairs (log2 odds {:.2})",
        model.lambda,
        model.lambda_random,
        model.prior_weight()
    );
    println!(
        "{:<14} {:<32} {:>8} {:>10} {:>8}",
        "field", "level", "m", "u", "weight"
    );
    for (f, field) in FIELDS.iter().enumerate() {
        let home = cpm::resolve::model::HOME_FIELDS.contains(&f);
        for (l, level) in LEVELS[f].iter().enumerate() {
            let u = if home {
                model.u[f][l]
            } else {
                model.u_random[f][l]
            };
            println!(
                "{:<14} {:<32} {:>8.4} {:>10.6} {:>+8.2}",
                if l == 0 { *field } else { "" },
                level,
                model.m[f][l],
                u,
                model.weight(f, l as u8 + 1)
            );
        }
    }
    println!(
        "weight: log2(m/u), added to the prior for each field both records have; u is the random \
         pairs' for personal fields and the compared pairs' for email, phone and address (a \
         household's). An exact first or last name also weighs by how common it is in the file."
    );
    Ok(())
}

fn cmd_review(g: &Global, project: &Project, action: ReviewAction) -> Result<()> {
    let config = ResolutionConfig::load(project)?;
    let mut db = open_db(g)?;
    let actor = g.actor();
    let result = match action {
        ReviewAction::List { limit, by_score } => {
            let order = if by_score {
                review::QueueOrder::Score
            } else {
                review::QueueOrder::Stake
            };
            let items = review::queue(&db.conn, order, limit, 0)?;
            if g.json {
                return print_json(&items);
            }
            println!("{} pending", review::pending_count(&db.conn)?);
            for i in items {
                let name = |r: &review::RecordView| {
                    let name = format!(
                        "{} {}",
                        r.first_name.as_deref().unwrap_or_default(),
                        r.last_name.as_deref().unwrap_or_default()
                    );
                    cpm::text::terminal_safe(&name).into_owned()
                };
                println!(
                    "#{:<7} {:.3} ${:>9.2}{} {:<22} [{}] ~ {:<22} [{}]",
                    i.candidate_id,
                    i.score,
                    i.stake_cents as f64 / 100.0,
                    if i.sustainer { " S" } else { "  " },
                    name(&i.a),
                    i.a.source,
                    name(&i.b),
                    i.b.source
                );
            }
            return Ok(());
        }
        ReviewAction::Approve { candidates, note } => {
            return decide_each(g, &mut db, &config, Decision::Approve, &candidates, note);
        }
        ReviewAction::Reject { candidates, note } => {
            return decide_each(g, &mut db, &config, Decision::Reject, &candidates, note);
        }
        ReviewAction::Skip { candidates } => {
            return decide_each(g, &mut db, &config, Decision::Skip, &candidates, None);
        }
        ReviewAction::Undo => review::undo(&mut db, &config, &actor)?,
        ReviewAction::Unmerge { record, note } => {
            review::unmerge(&mut db, &config, record, &actor, note.as_deref())?
        }
        ReviewAction::Audit { limit } => {
            let events = cpm::store::audit::recent(&db.conn, limit)?;
            if g.json {
                return print_json(&events);
            }
            for e in events {
                let records = match (e.record_a, e.record_b) {
                    (Some(a), Some(b)) => format!("records {a} ⇄ {b}"),
                    (Some(one), None) | (None, Some(one)) => format!("record {one}"),
                    (None, None) => String::new(),
                };
                let safe = cpm::text::terminal_safe;
                println!(
                    "{} {:<10} {:<17} {:<9} {:<24} {}",
                    e.at,
                    safe(&e.actor),
                    e.action,
                    e.constituent_id.map(golden_id).unwrap_or_default(),
                    records,
                    safe(e.reason.as_deref().unwrap_or_default())
                );
            }
            return Ok(());
        }
    };
    if g.json {
        return print_json(&result);
    }
    print_decision(&result, &actor);
    Ok(())
}

fn print_decision(result: &review::DecisionResult, actor: &str) {
    let golden: Vec<String> = result.constituents.iter().copied().map(golden_id).collect();
    let golden = match golden.len() {
        0 => String::new(),
        1 => format!(": golden record {}", golden[0]),
        _ => format!(": golden records {}", golden.join(", ")),
    };
    println!(
        "{} by {actor}{golden} (audit #{})",
        result.action, result.audit_id
    );
}

/// `cpm review approve|reject|skip N...`: every pair decided on its own; the ones that
/// could not be are listed with their reasons, and then the command fails.
fn decide_each(
    g: &Global,
    db: &mut Db,
    config: &ResolutionConfig,
    decision: Decision,
    candidates: &[i64],
    note: Option<String>,
) -> Result<()> {
    let actor = g.actor();
    let mut decided =
        review::decide_each(db, config, decision, candidates, &actor, note.as_deref());
    let error = decided.error();
    if g.json {
        match (candidates.len(), decided.done.as_slice()) {
            // One pair asked for: its object, or (when it failed) only its error.
            (1, [one]) => print_json(one)?,
            (1, _) => {}
            (_, done) => print_json(&done)?,
        }
    } else {
        for result in &decided.done {
            print_decision(result, &actor);
        }
    }
    match error {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// `cpm` with no subcommand: build the demo store if missing, then show it.
/// `cpm` with no subcommand: the console on a terminal; otherwise (piped, scripted) build
/// the demo store if it is missing and print what the store holds.
fn console(g: &Global, project: &Project, args: &ConsoleArgs) -> Result<()> {
    if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        return Ok(cpm::tui::run(ConsoleOptions {
            db_path: g.db.clone(),
            project: project.clone(),
            actor: g.actor(),
            role: g.role,
            read_only: g.read_only,
            mouse: !args.no_mouse,
            no_color: args.no_color,
        })?);
    }
    if !g.db.exists() {
        eprintln!(
            "building the demo store at {} (first run only)...",
            g.db.display()
        );
        let summary = jobs::build_demo_store(&g.db, project, &g.actor(), progress_for(g).as_ref())?;
        eprintln!("{summary}");
    }
    cmd_status(g)
}

fn cmd_metrics(g: &Global, project: &Project, action: MetricsAction) -> Result<()> {
    use cpm::metrics::{self, def::MetricsFile, render::Dialect};
    let file = MetricsFile::load(project)?;
    match action {
        MetricsAction::List => {
            if g.json {
                return print_json(&file.metrics);
            }
            println!(
                "{:<36} {:<14} {:<8} {:>3}  display name",
                "metric", "category", "type", "v"
            );
            for m in &file.metrics {
                println!(
                    "{:<36} {:<14} {:<8} {:>3}  {}",
                    m.name,
                    m.category,
                    format!("{:?}", m.kind).to_lowercase(),
                    m.version(),
                    m.display_name
                );
            }
        }
        MetricsAction::Sql {
            name,
            platform,
            as_of,
            by,
        } => {
            let dialect = Dialect::parse(&platform)
                .ok_or_else(|| cpm::Error::Usage(format!("unknown platform '{platform}'")))?;
            // The data's as-of date when a store exists (opened read-only: rendering SQL
            // never creates or changes one), else a fixed date.
            let as_of = match as_of {
                Some(d) => d,
                None => match g
                    .db
                    .exists()
                    .then(|| Db::open_read_only(&g.db).ok())
                    .flatten()
                    .and_then(|db| metrics::data_as_of(&db.conn).ok())
                {
                    Some(d) => d,
                    None => chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default(),
                },
            };
            let sql = metrics::render::render(&file, &name, dialect, as_of, by.as_deref())?;
            if g.json {
                return print_json(&serde_json::json!({
                    "metric": name, "platform": dialect.name(), "as_of": as_of.to_string(),
                    "by": by, "sql": sql,
                }));
            }
            println!("{sql}");
        }
        MetricsAction::Value { name, by, as_of } => {
            let db = open_db(g)?;
            let as_of = match as_of {
                Some(d) => d,
                None => metrics::data_as_of(&db.conn)?,
            };
            let v = metrics::value(&db.conn, &file, &name, as_of, by.as_deref(), &g.actor())?;
            if g.json {
                return print_json(&v);
            }
            let show = |x: Option<f64>| {
                x.map_or("–".to_string(), |x| {
                    format!("{x:.4}")
                        .trim_end_matches('0')
                        .trim_end_matches('.')
                        .to_string()
                })
            };
            println!(
                "{} = {} (as of {}, definition v{})",
                v.metric,
                show(v.value),
                v.as_of,
                v.version
            );
            for (dim, value) in &v.breakdown {
                println!(
                    "  {:<28} {}",
                    dim.as_deref().unwrap_or("(none)"),
                    show(*value)
                );
            }
        }
        MetricsAction::Dictionary { write } => {
            let text = metrics::dictionary(&file)?;
            if write {
                let path = project.resolve(std::path::Path::new("sql/metrics_dictionary.md"));
                std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?;
                println!("wrote {}", path.display());
            } else {
                print!("{text}");
            }
        }
        MetricsAction::Schemas => {
            let db = Db::open_in_memory()?;
            for dialect in [Dialect::Standard, Dialect::Snowflake, Dialect::Databricks] {
                let dir = project
                    .resolve(std::path::Path::new("sql/schemas"))
                    .join(dialect.name());
                std::fs::create_dir_all(&dir)?;
                let path = dir.join("schema.sql");
                std::fs::write(&path, metrics::schemas::render(&db.conn, dialect)?)?;
                println!("wrote {}", path.display());
            }
        }
    }
    Ok(())
}

fn cmd_quality_suggest(g: &Global, table: &str) -> Result<()> {
    let db = open_db(g)?;
    print!("{}", quality::suggest(&db, table)?);
    Ok(())
}

/// Runs the checks; the exit status is 1 when a critical check failed, so a pipeline can
/// stop on it.
fn cmd_quality(g: &Global, project: &Project) -> Result<ExitCode> {
    let (path, text) = project.read_config("quality_checks.yaml")?;
    let config = quality::checks::QualityConfig::parse(&path, &text)?.with_metrics(project)?;
    let mut db = open_db(g)?;
    let report = quality::run(
        &mut db,
        &config,
        (&path, &text),
        &g.actor(),
        progress_for(g).as_ref(),
    )?;
    if g.json {
        print_json(&report)?;
    } else {
        let checks: Vec<String> = report
            .results
            .iter()
            .map(|r| format!("{}: {}", r.table_name, r.check_name))
            .collect();
        // The check column as wide as its longest name, so the figures stay in line.
        let width = checks.iter().map(|c| c.chars().count()).max().unwrap_or(0);
        println!(
            "{:<6} {:<9} {:<width$} {:>9} {:>10} {:<10} threshold",
            "status", "severity", "check", "failing", "of", "change"
        );
        for (r, check) in report.results.iter().zip(&checks) {
            let anomaly = if r.anomaly.is_some() {
                " · outside its usual band"
            } else {
                ""
            };
            println!(
                "{:<6} {:<9} {check:<width$} {:>9} {:>10} {:<10} {}{anomaly}",
                r.status.to_uppercase(),
                r.severity,
                if r.check_type == "row_count"
                    || r.check_type == "freshness"
                    || r.check_type == "reconciliation"
                {
                    format!("{:.0}", r.measured)
                } else {
                    r.failing.to_string()
                },
                r.total,
                r.change.as_deref().unwrap_or(""),
                r.threshold
            );
        }
        println!(
            "run {} · {} · {} checks in {} ms",
            report.run_id,
            report.status.to_uppercase(),
            report.results.len(),
            report.millis
        );
    }
    Ok(if report.blocks() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn parse_constituent_id(text: &str) -> Result<i64> {
    let digits = text
        .trim()
        .trim_start_matches(['C', 'c'])
        .trim_start_matches('-');
    digits.parse().map_err(|_| {
        cpm::Error::Usage(format!(
            "'{text}' is not a golden record id (like 123 or C-000123)"
        ))
        .into()
    })
}

fn cmd_score(g: &Global, project: &Project, retrain: bool, explain: Option<String>) -> Result<()> {
    let config = ScoringConfig::load(project)?;
    let mut db = open_db(g)?;
    if let Some(id) = explain {
        let e = score::explain(&db, &config, parse_constituent_id(&id)?)?;
        if g.json {
            return print_json(&e);
        }
        println!("{} as of {}", golden_id(e.constituent_id), e.as_of);
        match &e.scores {
            Some(s) => {
                if let (Some(p), Some(tier)) = (s.churn_probability, &s.churn_tier) {
                    println!("  churn risk {:.1}% ({tier})", p * 100.0);
                } else {
                    println!("  churn risk: not an active sustainer");
                }
                for reason in &e.reasons {
                    let sign = if reason.contribution > 0.0 {
                        "raises"
                    } else {
                        "lowers"
                    };
                    println!(
                        "    {sign} risk {:+.2}: {}",
                        reason.contribution, reason.text
                    );
                }
                if s.churn_probability.is_some() {
                    println!("  retention call: {}", score::retention_ask(&e.reasons));
                }
                if let Some(action) = &s.upgrade_action {
                    println!("  next step: {action}");
                }
            }
            None => println!("  not scored yet: run `cpm score`"),
        }
        println!("  features:");
        // One column for the names, as wide as the longest.
        let width = e
            .features
            .iter()
            .map(|(name, ..)| name.len())
            .max()
            .unwrap_or(0);
        for (name, value, words) in &e.features {
            println!("    {name:<width$} {value:>10.2}  {words}");
        }
        return Ok(());
    }
    let report = score::run(
        &mut db,
        &config,
        &g.actor(),
        &score::ScoreOptions {
            retrain,
            ..Default::default()
        },
        progress_for(g).as_ref(),
    )?;
    if g.json {
        let mut json = serde_json::to_value(&report)?;
        json["peak_rss_mib"] = serde_json::json!(cpm::bench::peak_rss_mib());
        return print_json(&json);
    }
    println!(
        "scored {} golden records as of {} ({} active sustainers)",
        report.golden_records, report.as_of, report.sustainers_scored
    );
    println!(
        "{:<17} {:>7} {:>7} {:>5} {:>6} {:>15} {:>15} {:>8} {:>7} {:>7} {:>8} {:>7} {:>6}",
        "model",
        "version",
        "rows",
        "trees",
        "rate",
        "ROC-AUC (base)",
        "PR-AUC (base)",
        "logloss",
        "Brier",
        "lift@10",
        "capture",
        "train s",
        "fit s"
    );
    let opt = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.3}"));
    for m in &report.models {
        println!(
            "{:<17} {:>7} {:>7} {:>5} {:>5.1}% {:>7} ({:>5}) {:>7} ({:>5}) {:>8.4} {:>7.4} {:>7} {:>8} {:>7.2} {:>6.2}",
            m.target,
            format!(
                "{}{}",
                m.model_version,
                if m.trained_now { "*" } else { "" }
            ),
            m.train_rows,
            m.trees,
            m.model.base_rate * 100.0,
            opt(m.model.roc_auc),
            opt(m.baseline.roc_auc),
            opt(m.model.pr_auc),
            opt(m.baseline.pr_auc),
            m.model.log_loss,
            m.model.brier,
            m.model
                .top_decile_lift
                .map_or("–".into(), |l| format!("{l:.2}x")),
            m.model
                .top_decile_capture
                .map_or("–".into(), |c| format!("{:.0}%", c * 100.0)),
            m.millis_train as f64 / 1000.0,
            m.millis_fit as f64 / 1000.0,
        );
    }
    println!(
        "  (* trained now: train cutoff {}, evaluated out of time at {})",
        report
            .models
            .first()
            .map_or("", |m| m.train_cutoff.as_str()),
        report.models.first().map_or("", |m| m.test_cutoff.as_str())
    );
    for why in &report.skipped {
        println!("  no model: {why}");
    }
    let tiers: Vec<String> = ["low", "medium", "high", "critical"]
        .iter()
        .map(|t| format!("{t} {}", report.tiers.get(*t).copied().unwrap_or(0)))
        .collect();
    println!("churn tiers: {}", tiers.join(" · "));
    let paths: Vec<String> = report
        .upgrade_paths
        .iter()
        .map(|(p, n)| format!("{p} {n}"))
        .collect();
    println!("best upgrade path: {}", paths.join(" · "));
    println!(
        "ms: load {} train {} score {} write {}",
        report.millis_load, report.millis_train, report.millis_score, report.millis_write
    );
    Ok(())
}

fn cmd_bench_tui(g: &Global, project: &Project) -> Result<()> {
    let report = cpm::tui::bench::run(&g.db, project)?;
    if g.json {
        return print_json(&report);
    }
    println!(
        "console on {} ({} golden records), 200x60 frames",
        g.db.display(),
        report.golden_records
    );
    println!(
        "  first frame (placeholders)  {:>8.1} ms",
        report.first_frame_ms
    );
    println!(
        "  first frame with data       {:>8.1} ms",
        report.first_loaded_frame_ms
    );
    println!(
        "{:<36} {:>6} {:>9} {:>9} {:>9}",
        "key → next frame", "keys", "p50 ms", "p99 ms", "max ms"
    );
    for t in &report.timings {
        println!(
            "{:<36} {:>6} {:>9.2} {:>9.2} {:>9.2}",
            t.what, t.count, t.p50_ms, t.p99_ms, t.max_ms
        );
    }
    Ok(())
}

/// One run of `cpm <args> --json` on `db` in a child process, as a user would run it: its
/// wall time (process start to exit, the store's close included) and its JSON report.
fn timed_child(
    g: &Global,
    db: &std::path::Path,
    args: &[&str],
) -> Result<(f64, serde_json::Value)> {
    let exe = std::env::current_exe().context("finding the cpm binary")?;
    let start = Instant::now();
    let out = std::process::Command::new(exe)
        .arg("--db")
        .arg(db)
        .arg("--root")
        .arg(&g.root)
        .args(["--as", "cpm-bench"])
        .args(args)
        .arg("--json")
        .output()
        .context("running cpm")?;
    let wall = start.elapsed().as_secs_f64();
    if !out.status.success() {
        anyhow::bail!(
            "cpm {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok((wall, serde_json::from_slice(&out.stdout)?))
}

/// Say what a long benchmark is doing, on a terminal only.
fn bench_step(g: &Global, what: &str) {
    if !g.json && std::io::stderr().is_terminal() {
        eprintln!("{what}…");
    }
}

/// A child's report as a benchmark row: wall time, peak memory and the report itself.
fn bench_row(wall_s: f64, report: serde_json::Value) -> serde_json::Value {
    let peak = report["peak_rss_mib"].clone();
    serde_json::json!({ "wall_s": wall_s, "peak_rss_mib": peak, "report": report })
}

fn seconds(v: &serde_json::Value) -> f64 {
    v.as_f64().unwrap_or(0.0) / 1000.0
}

fn megabytes(v: &serde_json::Value) -> String {
    v.as_f64()
        .map(|m| format!("{m:.0}"))
        .unwrap_or_else(|| "?".into())
}

fn cmd_bench_resolve(g: &Global, rounds: usize) -> Result<()> {
    cpm::bench::ensure_unresolved(&cpm::bench::settled(&g.db)?)?;
    let mut report = Vec::new();
    for round in 1..=rounds {
        let scratch = cpm::bench::Scratch::copy_of(&g.db)?;
        bench_step(g, &format!("round {round}: first run"));
        let (wall, first) = timed_child(g, scratch.path(), &["resolve"])?;
        let first = bench_row(wall, first);
        bench_step(g, &format!("round {round}: re-run"));
        let (wall, rerun) = timed_child(g, scratch.path(), &["resolve"])?;
        report.push(serde_json::json!({ "first": first, "rerun": bench_row(wall, rerun) }));
    }
    if g.json {
        return print_json(&report);
    }
    println!(
        "| run | source records | candidate pairs | load s | block s | compare s | cluster s | write s | wall s | pairs/s compared | peak RSS (MiB) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for round in &report {
        for (name, row) in [("first", &round["first"]), ("re-run", &round["rerun"])] {
            let run = &row["report"]["run"];
            let pairs = run["candidate_pairs"].as_u64().unwrap_or(0);
            println!(
                "| {name} | {} | {pairs} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.0} | {} |",
                run["records"],
                seconds(&run["millis_load"]),
                seconds(&run["millis_block"]),
                seconds(&run["millis_compare"]),
                seconds(&run["millis_cluster"]),
                seconds(&run["millis_write"]),
                row["wall_s"].as_f64().unwrap_or(0.0),
                pairs as f64 / seconds(&run["millis_compare"]).max(0.001),
                megabytes(&row["peak_rss_mib"])
            );
        }
    }
    let records = report
        .first()
        .and_then(|r| r["first"]["report"]["run"]["records"].as_u64())
        .unwrap_or(0);
    for (name, key, per_million) in [
        (
            "first run",
            "first",
            cpm::bench::RESOLVE_SECONDS_PER_MILLION,
        ),
        ("re-run", "rerun", cpm::bench::RERUN_SECONDS_PER_MILLION),
    ] {
        let walls = report.iter().filter_map(|r| r[key]["wall_s"].as_f64());
        print_verdict(records, "records", per_million, name, walls);
    }
    Ok(())
}

/// The target for `count` things at `per_million` seconds a million, against the best of
/// `walls`.
fn print_verdict(
    count: u64,
    things: &str,
    per_million: f64,
    run: &str,
    walls: impl Iterator<Item = f64>,
) {
    let best = walls.fold(f64::INFINITY, f64::min);
    let (target, met) = cpm::bench::target(count, per_million, best);
    println!(
        "target for {count} {things} ({per_million} s a million): {target:.2} s; best {run} {best:.2} s: {}",
        if met { "met" } else { "not met" }
    );
}

fn cmd_bench_score(g: &Global, rounds: usize) -> Result<()> {
    drop(cpm::bench::settled(&g.db)?);
    let mut report = Vec::new();
    for round in 1..=rounds {
        let scratch = cpm::bench::Scratch::copy_of(&g.db)?;
        bench_step(g, &format!("round {round}: score"));
        let (wall, run) = timed_child(g, scratch.path(), &["score"])?;
        report.push(bench_row(wall, run));
    }
    if g.json {
        return print_json(&report);
    }
    println!(
        "| run | golden records | sustainers | load s | train s | score s | write s | wall s | peak RSS (MiB) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (i, row) in report.iter().enumerate() {
        let r = &row["report"];
        println!(
            "| {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
            i + 1,
            r["golden_records"],
            r["sustainers_scored"],
            seconds(&r["millis_load"]),
            seconds(&r["millis_train"]),
            seconds(&r["millis_score"]),
            seconds(&r["millis_write"]),
            row["wall_s"].as_f64().unwrap_or(0.0),
            megabytes(&row["peak_rss_mib"])
        );
    }
    let golden = report
        .first()
        .and_then(|r| r["report"]["golden_records"].as_u64())
        .unwrap_or(0);
    let walls = report.iter().filter_map(|r| r["wall_s"].as_f64());
    let per_million = cpm::bench::SCORE_SECONDS_PER_MILLION;
    print_verdict(golden, "golden records", per_million, "run", walls);
    let trained = report.iter().any(|r| {
        r["report"]["models"]
            .as_array()
            .is_some_and(|models| models.iter().any(|m| m["trained_now"] == true))
    });
    if trained {
        println!(
            "(models were trained in a run: the store had none saved; `cpm score` once saves them)"
        );
    }
    Ok(())
}

/// Forward runs per sustainer for the churn ceiling: enough that the probabilities' noise
/// (a standard error of ~0.005 at a 6 % rate) costs the ranking almost nothing.
const CEILING_SAMPLES: u32 = 2000;

fn cmd_bench_ceiling(g: &Global, project: &Project, people: u64) -> Result<()> {
    let config = ScoringConfig::load(project)?;
    let options = GenerateOptions {
        seed: cpm::bench::PIPELINE_SEED,
        people,
        as_of: generate::default_as_of(),
        out: PathBuf::new(),
    };
    bench_step(g, "churn ceiling: simulating twice");
    let report =
        generate::ceiling::churn_ceiling(&options, score::window(&config), CEILING_SAMPLES)?;
    if g.json {
        return print_json(&report);
    }
    let figure = |x: Option<f64>| x.map_or_else(|| "n/a".to_string(), |x| format!("{x:.3}"));
    println!(
        "| the oracle knows | test cutoff | active sustainers | churned | rate | ROC-AUC | PR-AUC | lift@10 |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for (knows, e) in [
        ("the hidden state", &report.knowing_drift),
        (
            "all but drift, which it infers from the email file",
            &report.drift_from_email,
        ),
    ] {
        println!(
            "| {knows} | {} | {} | {} | {:.1} % | {} | {} | {} |",
            report.cutoff,
            e.rows,
            e.positives,
            e.base_rate * 100.0,
            figure(e.roc_auc),
            figure(e.pr_auc),
            e.top_decile_lift
                .map_or_else(|| "n/a".to_string(), |x| format!("{x:.2}x"))
        );
    }
    println!(
        "({} people, {} forward runs of the generator's rules per sustainer: no model of the \
         source files ranks better except by chance; compare `cpm score`'s churn line on \
         `cpm bench --people {}`)",
        report.people, report.samples, report.people
    );
    Ok(())
}

fn cmd_bench(g: &Global, people: u64, dir: &std::path::Path) -> Result<()> {
    let sources = dir.join("synthetic");
    let db_path = dir.join("bench.db");
    cpm::store::remove_store_files(&db_path);
    let t = Instant::now();
    let generated = generate::generate(
        &GenerateOptions {
            seed: cpm::bench::PIPELINE_SEED,
            people,
            as_of: generate::default_as_of(),
            out: sources.clone(),
        },
        progress_for(g).as_ref(),
    )?;
    let generate_s = t.elapsed().as_secs_f64();
    let generate_rss = cpm::bench::peak_rss_mib().unwrap_or(0.0);
    let mut db = Db::open(&db_path)?;
    let t = Instant::now();
    let report = ingest::ingest(
        &mut db,
        &Project::new("."),
        &IngestOptions {
            only: vec![],
            source_dir: Some(sources),
            strict: false,
        },
        progress_for(g).as_ref(),
    )?;
    let ingest_s = t.elapsed().as_secs_f64();
    let rows: u64 = generated.files.iter().map(|(_, r)| r).sum();
    let rows_in = report.rows_read();
    let rss = cpm::bench::peak_rss_mib().unwrap_or(0.0);
    if g.json {
        return print_json(&serde_json::json!({
            "people": people, "rows": rows, "generate_s": generate_s, "ingest_s": ingest_s,
            "ingest_rows_per_s": rows_in as f64 / ingest_s, "peak_rss_mib": rss,
        }));
    }
    println!("| stage | people | rows | seconds | rows/s | peak RSS (MiB) |");
    println!("|---|---:|---:|---:|---:|---:|");
    println!(
        "| generate | {people} | {rows} | {generate_s:.2} | {:.0} | {generate_rss:.0} |",
        rows as f64 / generate_s
    );
    println!(
        "| ingest | {people} | {rows_in} | {ingest_s:.2} | {:.0} | {rss:.0} |",
        rows_in as f64 / ingest_s
    );
    println!(
        "| end to end | {people} | {rows} | {:.2} | {:.0} | {rss:.0} |",
        generate_s + ingest_s,
        rows as f64 / (generate_s + ingest_s)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::account_name;

    #[test]
    fn the_account_is_found_by_its_user_id() {
        let passwd =
            "root:x:0:0:root:/root:/bin/bash\n# a comment\nana:x:1000:1000:Ana:/home/ana:/bin/sh\n";
        assert_eq!(account_name(passwd, 1000).as_deref(), Some("ana"));
        assert_eq!(account_name(passwd, 0).as_deref(), Some("root"));
        assert_eq!(account_name(passwd, 42), None);
    }
}
