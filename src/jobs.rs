//! Long-running work on its own thread: building the demo store and resolving identities
//! (scoring and quality runs join here as they land). A job opens its own connection,
//! reports throttled progress through a callback, stops at the next batch boundary when
//! its [`CancelToken`] is set, and commits its results in one transaction, so other
//! readers see all of it or none. No UI types: the console wraps [`JobEvent`] in its own
//! event, the CLI could print it.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::config::Project;
use crate::error::{Error, Result};
use crate::generate::{self, GenerateOptions};
use crate::ingest::{self, IngestOptions};
use crate::progress::{CancelToken, Progress};
use crate::quality::{self, checks::QualityConfig};
use crate::resolve::{self, settings::ResolutionConfig};
use crate::score::{self, ScoreOptions, ScoreReport, settings::ScoringConfig};
use crate::store::{Db, remove_store_files};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum JobKind {
    /// Generate, ingest and resolve the seeded demo data into a new store.
    BuildDemo,
    /// Load every configured source (a file unchanged since its last load is skipped).
    Ingest,
    /// Re-run identity resolution over the store.
    Resolve,
    /// Score churn risk and upgrade propensity (training models if none are saved).
    Score,
    /// Run the declared data-quality checks.
    Quality,
    /// Compute donor retention by lifecycle segment (`metrics::lifecycle`).
    Retention,
}

impl JobKind {
    pub fn label(self) -> &'static str {
        match self {
            JobKind::BuildDemo => "build demo store",
            JobKind::Ingest => "ingest the sources",
            JobKind::Resolve => "resolve identities",
            JobKind::Score => "score risk & upgrades",
            JobKind::Quality => "data-quality checks",
            JobKind::Retention => "retention by lifecycle",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum JobEvent {
    Progress {
        id: u64,
        stage: String,
        done: u64,
        total: u64,
    },
    /// Committed; `summary` is one line for a person.
    Finished {
        id: u64,
        summary: String,
    },
    Cancelled {
        id: u64,
    },
    Failed {
        id: u64,
        message: String,
    },
}

/// What a job needs to know about where it runs.
#[derive(Debug, Clone)]
pub struct JobContext {
    pub db_path: PathBuf,
    pub project: Project,
    pub actor: String,
}

/// A started job: cancel it, or wait for it.
pub struct JobHandle {
    pub id: u64,
    pub kind: JobKind,
    pub cancel: CancelToken,
    thread: Option<JoinHandle<()>>,
}

impl JobHandle {
    /// Wait for the thread to end (after it has sent its last event).
    pub fn join(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

type Notify = Box<dyn Fn(JobEvent) + Send + Sync>;

/// Start `kind` on a new thread; every event goes to `notify`, the last one being
/// `Finished`, `Cancelled` or `Failed`.
pub fn spawn(id: u64, kind: JobKind, ctx: JobContext, notify: Notify) -> JobHandle {
    let cancel = CancelToken::default();
    let token = cancel.clone();
    let thread = std::thread::Builder::new()
        .name(format!("job-{id}"))
        .spawn(move || {
            let progress = Reporter {
                id,
                notify,
                cancel: token,
                last: Mutex::new(None),
            };
            let outcome = run(kind, &ctx, &progress);
            let event = match outcome {
                Ok(summary) => JobEvent::Finished { id, summary },
                Err(Error::Cancelled) => JobEvent::Cancelled { id },
                Err(e) => JobEvent::Failed {
                    id,
                    message: e.to_string(),
                },
            };
            (progress.notify)(event);
        })
        .ok();
    JobHandle {
        id,
        kind,
        cancel,
        thread,
    }
}

/// Run a job on the calling thread.
pub fn run(kind: JobKind, ctx: &JobContext, progress: &dyn Progress) -> Result<String> {
    match kind {
        JobKind::BuildDemo => build_demo_store(&ctx.db_path, &ctx.project, &ctx.actor, progress),
        JobKind::Ingest => {
            let mut db = Db::open(&ctx.db_path)?;
            let options = IngestOptions {
                only: vec![],
                source_dir: None,
                strict: false,
            };
            let report = ingest::ingest(&mut db, &ctx.project, &options, progress)?;
            Ok(ingest_summary(&report))
        }
        JobKind::Resolve => {
            let config = ResolutionConfig::load(&ctx.project)?;
            let mut db = Db::open(&ctx.db_path)?;
            let s = resolve::run(&mut db, &config, &ctx.actor, progress)?;
            // The queue's count: a review-band pair whose records other matches joined
            // already is not asked about.
            Ok(format!(
                "{} records → {} golden records; {} pairs auto-merged (the model expects {:.0} of them to be two people), {} to review",
                s.records,
                s.write.constituents,
                s.auto_pairs,
                s.expected.auto.two_people(),
                resolve::review::pending_count(&db.conn)?
            ))
        }
        JobKind::Score => {
            let config = ScoringConfig::load(&ctx.project)?;
            let mut db = Db::open(&ctx.db_path)?;
            let r = score::run(
                &mut db,
                &config,
                &ctx.actor,
                &ScoreOptions::default(),
                progress,
            )?;
            Ok(score_summary(&r))
        }
        JobKind::Quality => {
            let (path, text) = ctx.project.read_config("quality_checks.yaml")?;
            let config = QualityConfig::parse(&path, &text)?.with_metrics(&ctx.project)?;
            let mut db = Db::open(&ctx.db_path)?;
            let r = quality::run(&mut db, &config, (&path, &text), &ctx.actor, progress)?;
            let failing = r.results.iter().filter(|x| x.status != "pass").count();
            Ok(format!(
                "run {}: {} · {failing} of {} checks not passing",
                r.run_id,
                r.status.to_uppercase(),
                r.results.len()
            ))
        }
        JobKind::Retention => {
            let db = Db::open(&ctx.db_path)?;
            compute_retention(&db, &ctx.project, &ctx.actor, progress)
        }
    }
}

/// Compute and keep retention by lifecycle segment; one line of the rates for a person.
fn compute_retention(
    db: &Db,
    project: &Project,
    actor: &str,
    progress: &dyn Progress,
) -> Result<String> {
    let file = crate::metrics::def::MetricsFile::load(project)?;
    let as_of = crate::metrics::data_as_of(&db.conn)?;
    let segments = crate::metrics::lifecycle::compute(&db.conn, &file, as_of, actor, progress)?;
    let rates: Vec<String> = segments
        .iter()
        .map(|s| match s.rate {
            Some(r) => format!("{} {:.1}%", s.label, r * 100.0),
            None => format!("{} –", s.label),
        })
        .collect();
    Ok(format!("retention by lifecycle: {}", rates.join(", ")))
}

/// The demo store's size and seed: big enough to be realistic, small enough to build in
/// well under a minute on two cores.
pub const DEMO_PEOPLE: u64 = 20_000;
pub const DEMO_SEED: u64 = 42;

/// Generate, ingest and resolve the seeded demo data into `db_path`. The store is built
/// under a temporary name and renamed at the end, so an interrupted build never leaves a
/// half-built store behind that looks finished.
pub fn build_demo_store(
    db_path: &Path,
    project: &Project,
    actor: &str,
    progress: &dyn Progress,
) -> Result<String> {
    let dir = db_path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let sources = dir.join("synthetic");
    let partial = db_path.with_extension("building");
    remove_store_files(&partial);
    generate::generate(
        &GenerateOptions {
            seed: DEMO_SEED,
            people: DEMO_PEOPLE,
            as_of: generate::default_as_of(),
            out: sources.clone(),
        },
        progress,
    )?;
    let summary = {
        let mut db = Db::open(&partial)?;
        ingest::ingest(
            &mut db,
            project,
            &IngestOptions {
                only: vec![],
                source_dir: Some(sources),
                strict: false,
            },
            progress,
        )?;
        let config = ResolutionConfig::load(project)?;
        let s = resolve::run(&mut db, &config, actor, progress)?;
        let scored = score::run(
            &mut db,
            &ScoringConfig::load(project)?,
            actor,
            &ScoreOptions::default(),
            progress,
        )?;
        // The console shows retention by lifecycle from the first screen.
        compute_retention(&db, project, actor, progress)?;
        format!(
            "demo store built: {} source records → {} golden records, {} pairs to review; {}",
            s.records,
            s.write.constituents,
            resolve::review::pending_count(&db.conn)?,
            score_summary(&scored)
        )
    };
    // The connection is closed: the WAL has been checkpointed into the main file.
    std::fs::rename(&partial, db_path).map_err(|e| Error::io(db_path, e))?;
    Ok(summary)
}

/// One line for a person: what each file's load came to, and what to look at next.
fn ingest_summary(report: &ingest::IngestReport) -> String {
    let unchanged = report
        .batches
        .iter()
        .filter(|b| b.outcome == ingest::BatchOutcome::Unchanged)
        .count();
    let warned = report
        .batches
        .iter()
        .filter(|b| !b.warnings.is_empty())
        .count();
    let files = report.batches.len();
    let mut summary = format!(
        "{files} file{}: {} rows loaded, {} quarantined; {unchanged} unchanged",
        crate::text::plural(files),
        report.rows_loaded(),
        report.rows_quarantined()
    );
    if warned > 0 {
        summary.push_str(&format!("; {warned} with warnings (Quality tab)"));
    }
    if report.rows_loaded() > 0 {
        summary.push_str("; resolve to bring them into the golden records");
    }
    summary
}

fn score_summary(r: &ScoreReport) -> String {
    let tier = |t: &str| r.tiers.get(t).copied().unwrap_or(0);
    let baselines: Vec<&str> = r
        .models
        .iter()
        .filter(|m| m.in_use == "baseline")
        .map(|m| m.target.as_str())
        .collect();
    let mut summary = format!(
        "{} sustainers scored: {} critical, {} high, {} medium, {} low",
        r.sustainers_scored,
        tier("critical"),
        tier("high"),
        tier("medium"),
        tier("low")
    );
    if !baselines.is_empty() {
        summary.push_str(&format!("; baseline in use for {}", baselines.join(", ")));
    }
    // A target without enough outcomes to evaluate is not scored, and the person is told.
    for why in &r.skipped {
        summary.push_str(&format!("; not scored: {why}"));
    }
    summary
}

/// Progress forwarded to a callback at most ten times a second (stage changes always go
/// through), so a fast loop cannot flood the console's event queue.
struct Reporter {
    id: u64,
    notify: Notify,
    cancel: CancelToken,
    last: Mutex<Option<(Instant, String)>>,
}

const MIN_INTERVAL: Duration = Duration::from_millis(100);

impl Progress for Reporter {
    fn update(&self, stage: &str, done: u64, total: u64) {
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        let due = match last.as_ref() {
            Some((at, s)) => s != stage || at.elapsed() >= MIN_INTERVAL || done >= total,
            None => true,
        };
        if due {
            *last = Some((Instant::now(), stage.to_string()));
            (self.notify)(JobEvent::Progress {
                id: self.id,
                stage: stage.to_string(),
                done,
                total,
            });
        }
    }

    fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn a_failing_job_reports_why_and_a_cancelled_one_says_so() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the store should be: opening it fails.
        let ctx = JobContext {
            db_path: dir.path().to_path_buf(),
            project: Project::new(dir.path()),
            actor: "test".into(),
        };
        let (tx, rx) = mpsc::channel();
        let handle = spawn(
            7,
            JobKind::Resolve,
            ctx,
            Box::new(move |e| {
                let _ = tx.send(e);
            }),
        );
        handle.join();
        let events: Vec<JobEvent> = rx.try_iter().collect();
        assert!(
            matches!(events.last(), Some(JobEvent::Failed { id: 7, .. })),
            "{events:?}"
        );

        let reporter = Reporter {
            id: 1,
            notify: Box::new(|_| {}),
            cancel: CancelToken::default(),
            last: Mutex::new(None),
        };
        assert!(!reporter.is_cancelled());
        reporter.cancel.cancel();
        assert!(reporter.is_cancelled());
    }

    #[test]
    fn progress_is_throttled_but_stage_changes_always_pass() {
        let (tx, rx) = mpsc::channel();
        let reporter = Reporter {
            id: 1,
            notify: Box::new(move |e| {
                let _ = tx.send(e);
            }),
            cancel: CancelToken::default(),
            last: Mutex::new(None),
        };
        for i in 0..1000 {
            reporter.update("compare", i, 10_000);
        }
        reporter.update("write", 0, 10);
        let events: Vec<JobEvent> = rx.try_iter().collect();
        assert!(events.len() < 10, "{} events", events.len());
        assert!(
            matches!(events.last(), Some(JobEvent::Progress { stage, .. }) if stage == "write")
        );
    }
}
