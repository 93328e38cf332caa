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
use cpm::vocab::access::{Access, Refusal, Role};

mod cmd;
use cmd::*;

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
    /// Whether the command may create a missing store (ingest does; nothing else).
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

/// What a command does, as the one access policy (`cpm::vocab::access`) names it.
fn access_of(command: &Option<Command>) -> Access {
    match command {
        None
        | Some(
            Command::Status
            | Command::Config { .. }
            | Command::Search { .. }
            | Command::Show { .. }
            | Command::Generate { .. }
            | Command::Bench { .. },
        ) => Access::Read,
        Some(Command::Quarantine { .. }) => Access::Read,
        Some(Command::Export { .. }) => Access::Export,
        Some(Command::Risk { action }) => match action {
            RiskAction::Export { .. } => Access::CallList,
            RiskAction::Assign { .. } => Access::Contact,
            RiskAction::List { .. } => Access::Read,
        },
        Some(Command::Segment { action }) => match action {
            SegmentAction::Export { .. } => Access::Contact,
            _ => Access::Read,
        },
        Some(Command::Review { action }) => match action {
            ReviewAction::List { .. }
            | ReviewAction::Audit { .. }
            | ReviewAction::Check { draw: None } => Access::Read,
            _ => Access::Decide,
        },
        Some(Command::Metrics { action }) => match action {
            MetricsAction::Value { .. } | MetricsAction::Lifecycle { .. } => Access::Compute,
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
        Some(Command::Ingest { dry_run: true, .. }) => Access::Read,
        Some(Command::Ingest { .. } | Command::Score { .. } | Command::Quality { .. }) => {
            Access::Run
        }
    }
}

/// Refuse the command before anything is opened when the flags forbid what it does.
fn check_access(access: Access, g: &Global, command: &str) -> Result<()> {
    let message = match access.refusal(g.role, g.read_only) {
        None => return Ok(()),
        Some(Refusal::ReadOnly) => format!(
            "`cpm {command}` writes the store, and --read-only was given: nothing was changed"
        ),
        Some(Refusal::Role { needs }) => format!(
            "the {} role cannot run `cpm {command}`: it needs the {needs} role",
            g.role.name()
        ),
    };
    Err(cpm::Error::Invalid(message).into())
}

/// The subcommand's words, for messages ("review approve").
fn command_words(command: &Option<Command>) -> &'static str {
    match command {
        None => "",
        Some(Command::Generate { .. }) => "generate",
        Some(Command::Ingest { .. }) => "ingest",
        Some(Command::Quarantine { .. }) => "quarantine",
        Some(Command::Export { .. }) => "export",
        Some(Command::Risk { action }) => match action {
            RiskAction::Export { .. } => "risk export",
            RiskAction::Assign { .. } => "risk assign",
            RiskAction::List { .. } => "risk list",
        },
        Some(Command::Segment { action }) => match action {
            SegmentAction::Export { .. } => "segment export",
            _ => "segment",
        },
        Some(Command::Status) => "status",
        Some(Command::Config { .. }) => "config",
        Some(Command::Search { .. }) => "search",
        Some(Command::Show { .. }) => "show",
        Some(Command::Resolve { .. }) => "resolve",
        Some(Command::Score { .. }) => "score",
        Some(Command::Quality { .. }) => "quality",
        Some(Command::Metrics { action }) => match action {
            MetricsAction::Value { .. } => "metrics value",
            MetricsAction::Lifecycle { .. } => "metrics lifecycle",
            _ => "metrics",
        },
        Some(Command::Review { action }) => match action {
            ReviewAction::List { .. } => "review list",
            ReviewAction::Approve { .. } => "review approve",
            ReviewAction::Reject { .. } => "review reject",
            ReviewAction::Household { .. } => "review household",
            ReviewAction::Skip { .. } => "review skip",
            ReviewAction::Undo => "review undo",
            ReviewAction::Unmerge { .. } => "review unmerge",
            ReviewAction::Audit { .. } => "review audit",
            ReviewAction::Check { .. } => "review check",
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
        /// Read every file through its mapping and say what would load, be quarantined
        /// (and why) and warn; write nothing (no store is needed).
        #[arg(long, conflicts_with = "strict")]
        dry_run: bool,
    },
    /// Rows that could not be loaded: list, show one, or export them to fix the file.
    Quarantine {
        #[command(subcommand)]
        action: QuarantineAction,
    },
    /// Audience segments from config/segments.yaml: counts, members, and a campaign export
    /// that leaves out who may not be contacted on the segment's channel.
    Segment {
        #[command(subcommand)]
        action: SegmentAction,
    },
    /// Write the warehouse tables (every table of `cpm metrics schemas`) as Parquet, one
    /// folder per table, with a manifest; or print the SQL that loads them.
    Export {
        /// The destination folder; each table is replaced whole once written.
        #[arg(long)]
        to: PathBuf,
        /// Replace names, emails, phones, addresses and birth dates by a keyed hash.
        #[arg(long)]
        pseudonymise: bool,
        /// After exporting, print the statements that load the export on this platform.
        #[arg(long, value_parser = ["standard", "snowflake", "databricks"])]
        load_sql: Option<String>,
        /// Only what changed since the last export to the same folder (a change set under
        /// changes/; with --load-sql, the statements that apply it).
        #[arg(long)]
        changes: bool,
    },
    /// At-risk sustainers as the Risk tab lists them (every row), and the call list.
    Risk {
        #[command(subcommand)]
        action: RiskAction,
    },
    /// Show what the store holds.
    Status,
    /// The configuration files: check them all, or show one as it is in effect.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
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
        /// matches and non-matches fall there, and the weight that gives), the stewards'
        /// decisions against the scores, and what other auto thresholds would trade; run
        /// nothing.
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

pub(crate) fn parse_date(s: &str) -> std::result::Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a date like 2026-06-30"))
}

pub fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    let mut g = cli.global.clone();
    // Only loading data makes a store: a pipeline run on none would leave an empty one
    // behind and say something about gifts instead of about the store.
    g.may_create_store = matches!(cli.command, Some(Command::Ingest { dry_run: false, .. }));
    let project = Project::new(&g.root);
    let gate = g
        .check_actor()
        .and_then(|()| check_access(access_of(&cli.command), &g, command_words(&cli.command)));
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
            dry_run,
        }) => cmd_ingest(
            &g,
            &project,
            IngestOptions {
                only: sources,
                source_dir: dir,
                strict,
            },
            dry_run,
        ),
        Some(Command::Quarantine { action }) => cmd_quarantine(&g, action),
        Some(Command::Export {
            to,
            pseudonymise,
            load_sql,
            changes,
        }) => cmd_export(&g, &to, pseudonymise, load_sql.as_deref(), changes),
        Some(Command::Risk { action }) => cmd_risk(&g, action),
        Some(Command::Segment { action }) => cmd_segment(&g, &project, action),
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
        }) => cmd_explain_model(&g, &project),
        Some(Command::Resolve {
            eval,
            eval_only,
            relearn,
            ..
        }) => cmd_resolve(&g, &project, eval.as_deref(), eval_only, relearn),
        Some(Command::Review { action }) => cmd_review(&g, &project, action),
        Some(Command::Score { retrain, explain }) => cmd_score(&g, &project, retrain, explain),
        Some(Command::Metrics { action }) => cmd_metrics(&g, &project, action),
        Some(Command::Config { action }) => return cmd_config(&g, &project, action),
        Some(Command::Quality { action }) => match action {
            Some(QualityAction::Suggest { table }) => cmd_quality_suggest(&g, &table),
            None => return cmd_quality(&g, &project),
        },
    };
    result.map(|()| ExitCode::SUCCESS)
}

/// A progress bar on a terminal; nothing when piped or with --json.
pub(crate) fn progress_for(g: &Global) -> Box<dyn Progress> {
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
