//! The console. One model ([`app::App`]), pure rendering ([`view`]), and this runtime: it
//! owns the terminal and a read connection, carries out effects, and gathers every event
//! (keys, job progress, saves) from one channel. Decisions are saved by a writer thread
//! with its own connection, so a long resolution commit never freezes the screen.

pub mod app;
pub mod bench;
pub mod headless;

pub mod keymap;
pub mod paged;
pub mod panes;
pub mod scroll;
pub mod theme;
pub mod view;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use ratatui::crossterm::event::{self as term, DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;

use crate::config::Project;
use crate::error::{Error, Result};
use crate::jobs::{self, JobContext, JobHandle};
use crate::resolve::review;
use crate::resolve::settings::ResolutionConfig;
use crate::store::Db;
use crate::store::browse::{self, golden_id};
use crate::vocab::access::Role;
use app::{App, AppOptions, Effect, Event, Loaded, WriteRequest};
use paged::PAGE;

/// How the console was started.
#[derive(Debug, Clone)]
pub struct ConsoleOptions {
    pub db_path: PathBuf,
    pub project: Project,
    pub actor: String,
    pub role: Role,
    pub read_only: bool,
    pub mouse: bool,
    pub no_color: bool,
}

/// Rows of the review queue held at once; stewards work from the top.
pub const REVIEW_WINDOW: usize = 200;
/// Counts stop here and show ">10000" rather than scan everything.
pub const COUNT_CAP: i64 = 10_000;
const SEARCH_LIMIT: usize = 200;
/// Rows of the risk list held at once (the export writes the whole filtered list).
pub const RISK_WINDOW: usize = 500;
/// Members shown for the selected segment (the export has them all).
const SEGMENT_MEMBERS: usize = 50;
const TICK: Duration = Duration::from_millis(250);

/// Open the console and run it until the user quits.
pub fn run(options: ConsoleOptions) -> Result<()> {
    let store_ready = options.db_path.exists();
    if options.read_only && !store_ready {
        return Err(Error::Usage(format!(
            "--read-only needs an existing store, and {} does not exist",
            options.db_path.display()
        )));
    }
    // Read before the terminal is taken over, so that a bad file's error is printed plainly.
    let keymap = keymap::Keymap::load(&options.project)?;
    let theme = theme::Theme::from_env(options.no_color);
    let (tx, rx) = mpsc::channel::<Event>();
    let mut app = App::new(AppOptions {
        role: options.role,
        read_only: options.read_only,
        actor: options.actor.clone(),
        store_ready,
    });
    app.session.keymap = keymap;
    let mut terminal = ratatui::init();
    if let Ok(size) = terminal.size() {
        app.width = size.width;
    }
    if options.mouse {
        let _ = execute!(std::io::stdout(), EnableMouseCapture);
    }
    spawn_input_thread(tx.clone());
    let mut runtime = Runtime::new(options.clone(), tx);
    let outcome = event_loop(&mut terminal, &mut app, &theme, &mut runtime, &rx);
    runtime.shut_down();
    if options.mouse {
        let _ = execute!(std::io::stdout(), DisableMouseCapture);
    }
    ratatui::restore();
    outcome
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    theme: &theme::Theme,
    runtime: &mut Runtime,
    rx: &Receiver<Event>,
) -> Result<()> {
    let draw = |terminal: &mut ratatui::DefaultTerminal, app: &App| {
        terminal
            .draw(|frame| view::render(app, theme, frame))
            .map(|_| ())
            .map_err(|e| Error::io("the terminal", e))
    };
    // The first frame shows at once, with loading placeholders; then load.
    draw(terminal, app)?;
    if app.store_ready {
        // Opening runs an older store's migrations, which can take seconds at a million
        // records: say so on screen while it does.
        let upgrade = Db::pending_upgrade(&runtime.options.db_path)
            .ok()
            .flatten()
            .filter(|_| !runtime.options.read_only);
        if let Some((from, to)) = upgrade {
            let notice = format!("Upgrading the store from schema version {from} to {to} (once)…");
            app.flash(app::Level::Info, notice);
            draw(terminal, app)?;
        }
        runtime.open_store()?;
        if let Some((_, to)) = upgrade {
            let done = format!("The store is upgraded to schema version {to}");
            app.flash(app::Level::Info, done);
        }
    }
    let effects = app.start();
    runtime.execute(app, effects);
    let mut last_tick = Instant::now();
    while !app.quit {
        draw(terminal, app)?;
        let ticking = app.active_job().is_some()
            || app.session.flash.is_some()
            || app.session.pending_saves > 0;
        let first = if ticking {
            match rx.recv_timeout(TICK.saturating_sub(last_tick.elapsed())) {
                Ok(event) => Some(event),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match rx.recv() {
                Ok(event) => Some(event),
                Err(_) => break,
            }
        };
        if !ticking {
            last_tick = Instant::now();
        }
        // Handle everything queued before drawing again.
        for event in first.into_iter().chain(rx.try_iter()) {
            let effects = app.handle(event);
            runtime.execute(app, effects);
        }
        if ticking && last_tick.elapsed() >= TICK {
            let effects = app.handle(Event::Tick(last_tick.elapsed()));
            runtime.execute(app, effects);
            last_tick = Instant::now();
        }
    }
    Ok(())
}

fn spawn_input_thread(tx: Sender<Event>) {
    let _ = std::thread::Builder::new()
        .name("input".into())
        .spawn(move || {
            while let Ok(event) = term::read() {
                let event = match event {
                    term::Event::Key(key) => Event::Key(key),
                    term::Event::Mouse(mouse) => Event::Mouse(mouse),
                    term::Event::Resize(w, h) => Event::Resize(w, h),
                    _ => continue,
                };
                if tx.send(event).is_err() {
                    break;
                }
            }
        });
}

/// Carries out effects: reads on this thread (bounded, indexed queries), writes on the
/// writer thread, pipelines as jobs.
pub struct Runtime {
    options: ConsoleOptions,
    tx: Sender<Event>,
    reader: Option<Db>,
    /// Reads that grow with the store (the review queue and its counts) run here, so the
    /// first frame and every key stay fast on a million records.
    loader: Option<Sender<(Effect, LoadContext)>>,
    /// Metric values, which take seconds on a large store, on a thread of their own: a
    /// value being computed never holds up the queue or the lists.
    metric_loader: Option<Sender<(Effect, LoadContext)>>,
    writer: Option<(Sender<WriteRequest>, std::thread::JoinHandle<()>)>,
    jobs: HashMap<u64, JobHandle>,
}

impl Runtime {
    fn new(options: ConsoleOptions, tx: Sender<Event>) -> Runtime {
        Runtime {
            options,
            tx,
            reader: None,
            loader: None,
            metric_loader: None,
            writer: None,
            jobs: HashMap::new(),
        }
    }

    fn open_store(&mut self) -> Result<()> {
        let db = if self.options.read_only {
            Db::open_read_only(&self.options.db_path)?
        } else {
            Db::open(&self.options.db_path)?
        };
        self.reader = Some(db);
        self.loader = spawn_loader("loader", &self.options, self.tx.clone());
        self.metric_loader = spawn_loader("metrics", &self.options, self.tx.clone());
        Ok(())
    }

    fn execute(&mut self, app: &mut App, effects: Vec<Effect>) {
        let mut queue: std::collections::VecDeque<Effect> = effects.into();
        while let Some(effect) = queue.pop_front() {
            if let Some(loaded) = self.perform(app, effect) {
                queue.extend(app.on_loaded(loaded));
            }
        }
    }

    fn perform(&mut self, app: &App, effect: Effect) -> Option<Loaded> {
        match effect {
            Effect::Save(request) => {
                self.save(request);
                None
            }
            Effect::StartJob { id, kind } => {
                let ctx = JobContext {
                    db_path: self.options.db_path.clone(),
                    project: self.options.project.clone(),
                    actor: self.options.actor.clone(),
                };
                let tx = self.tx.clone();
                let handle = jobs::spawn(
                    id,
                    kind,
                    ctx,
                    Box::new(move |event| {
                        let _ = tx.send(Event::Job(event));
                    }),
                );
                self.jobs.insert(id, handle);
                None
            }
            Effect::CancelJob(id) => {
                if let Some(job) = self.jobs.get(&id) {
                    job.cancel.cancel();
                }
                None
            }
            Effect::OpenStore => self
                .open_store()
                .err()
                .map(|e| Loaded::Failed(format!("cannot open the store: {e}"))),
            Effect::Quit => None,
            Effect::Copy(text) => {
                copy_to_clipboard(&text);
                None
            }
            metric @ Effect::ComputeMetric { .. } => {
                let loader = self.metric_loader.as_ref()?;
                let _ = loader.send((
                    metric,
                    LoadContext::of(app).in_project(&self.options.project),
                ));
                None
            }
            slow @ (Effect::LoadReview
            | Effect::LoadCount
            | Effect::LoadRisk
            | Effect::LoadRiskMore { .. }
            | Effect::LoadReviewMore { .. }
            | Effect::LoadQuality
            | Effect::LoadMetrics
            | Effect::LoadSegments
            | Effect::ExportRisk
            | Effect::ExportSegment { .. }
            | Effect::RevealSamples(_)) => {
                let loader = self.loader.as_ref()?;
                let _ = loader.send((
                    slow,
                    LoadContext::of(app)
                        .exporting_to(&self.options.db_path)
                        .in_project(&self.options.project),
                ));
                None
            }
            read => {
                let db = self.reader.as_ref()?;
                let context = LoadContext::of(app);
                Some(
                    load(&db.conn, &context, read)
                        .unwrap_or_else(|e| Loaded::Failed(e.to_string())),
                )
            }
        }
    }

    fn save(&mut self, request: WriteRequest) {
        if self.writer.is_none() {
            self.writer = spawn_writer(&self.options, self.tx.clone());
        }
        let sent = match &self.writer {
            Some((writer, _)) => writer.send(request.clone()).is_ok(),
            None => false,
        };
        if !sent {
            let _ = self.tx.send(Event::SaveFailed {
                request,
                message: "the writer is not running".into(),
            });
        }
    }

    /// Cancel running jobs and wait for them and for pending saves.
    fn shut_down(&mut self) {
        for job in self.jobs.values() {
            job.cancel.cancel();
        }
        for (_, job) in self.jobs.drain() {
            job.join();
        }
        if let Some((sender, thread)) = self.writer.take() {
            drop(sender);
            let _ = thread.join();
        }
    }
}

/// What a read needs to know about the model.
/// The quarantine and the fields stored empty, for the Quality tab (at most 200 rows: the
/// CLI's `cpm quarantine` lists and exports them all).
fn ingest_health(conn: &rusqlite::Connection, unredacted: bool) -> Result<app::IngestHealth> {
    use crate::store::source::{QuarantineFilter, field_issue_counts, quarantined};
    let filter = QuarantineFilter {
        include_resolved: true,
        ..QuarantineFilter::default()
    };
    let mut rows = quarantined(conn, &filter, unredacted)?;
    rows.truncate(200);
    Ok(app::IngestHealth {
        quarantined: rows,
        field_issues: field_issue_counts(conn)?,
    })
}

#[derive(Debug, Clone)]
pub struct LoadContext {
    pub order: review::QueueOrder,
    pub sort: browse::SortBy,
    pub risk_sort: crate::store::score::RiskSort,
    pub tier: Option<crate::score::settings::Tier>,
    /// Risk rows the pane holds: a reload brings at least as many back, so the selection
    /// stays where it was however far down the list it is.
    pub risk_rows: usize,
    /// Only the people whose triage is this.
    pub risk_status: Option<&'static str>,
    /// Only the people (Risk) and pairs (Review) holding what was typed at `/`.
    pub risk_text: Option<String>,
    pub review_text: Option<String>,
    /// Likewise the review pairs the queue holds.
    pub review_items: usize,
    /// Where exports are written: `exports/` next to the store.
    pub export_dir: Option<PathBuf>,
    pub metrics: Option<std::sync::Arc<crate::metrics::def::MetricsFile>>,
    pub project: Option<Project>,
    pub actor: String,
    /// The review pairs the user left marked are still to be restored.
    pub restore_marks: bool,
    /// Quarantined rows' raw text is shown whole (an admin) or as its shape.
    pub unredacted: bool,
}

impl LoadContext {
    /// A new export's file in the export directory: `stem`, kept to file-name letters (a
    /// segment's name is the key segments.yaml gives it), and the time.
    fn export_path(&self, stem: &str) -> Result<PathBuf> {
        let dir = self
            .export_dir
            .as_ref()
            .ok_or_else(|| Error::Invalid("no export directory".into()))?;
        let stem: String = stem
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
        Ok(dir.join(format!("{stem}-{stamp}.csv")))
    }

    pub fn of(app: &App) -> LoadContext {
        LoadContext {
            order: app.review.order(),
            sort: app.constituents.sort,
            risk_sort: app.risk.sort,
            tier: app.risk.tier,
            risk_rows: app.risk.rows.len(),
            risk_status: app.risk.status,
            risk_text: app.risk.filter.text().map(str::to_string),
            review_text: app.review.filter.text().map(str::to_string),
            review_items: app.review.items.len(),
            export_dir: None,
            metrics: app.metrics.file.clone(),
            project: None,
            actor: app.session.actor.clone(),
            restore_marks: !app.review.marks_restored,
            unredacted: app.session.role == Role::Admin,
        }
    }

    /// The Risk list as the pane filters it.
    fn risk_filter(&self) -> crate::store::score::RiskFilter<'_> {
        crate::store::score::RiskFilter {
            tier: self.tier.map(|t| t.name()),
            status: self.risk_status,
            text: self.risk_text.as_deref(),
        }
    }

    pub fn in_project(mut self, project: &Project) -> LoadContext {
        self.project = Some(project.clone());
        self
    }

    fn exporting_to(mut self, db_path: &std::path::Path) -> LoadContext {
        let dir = db_path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        self.export_dir = Some(dir.join("exports"));
        self
    }
}

/// A reader thread with its own connection; results come back as `Event::Loaded`.
fn spawn_loader(
    name: &str,
    options: &ConsoleOptions,
    events: Sender<Event>,
) -> Option<Sender<(Effect, LoadContext)>> {
    let (tx, rx) = mpsc::channel::<(Effect, LoadContext)>();
    let path = options.db_path.clone();
    let read_only = options.read_only;
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let db = if read_only {
                Db::open_read_only(&path)
            } else {
                Db::open(&path)
            };
            for (effect, context) in rx {
                let loaded = match &db {
                    Ok(db) => load(&db.conn, &context, effect)
                        .unwrap_or_else(|e| Loaded::Failed(e.to_string())),
                    Err(e) => Loaded::Failed(format!("cannot open the store: {e}")),
                };
                if events.send(Event::Loaded(loaded)).is_err() {
                    break;
                }
            }
        })
        .ok()?;
    Some(tx)
}

/// Run one read effect against the store.
pub fn load(conn: &rusqlite::Connection, context: &LoadContext, effect: Effect) -> Result<Loaded> {
    Ok(match effect {
        Effect::LoadReview => load_review(conn, context)?,
        Effect::LoadPage {
            at,
            edge,
            select_last,
        } => {
            let rows = browse::constituent_page(conn, context.sort, &at, PAGE)?;
            Loaded::Page {
                edge,
                select_last,
                full: rows.len() == PAGE,
                from_row: matches!(at, browse::PageAt::From(_)),
                rows,
            }
        }
        Effect::LoadCount => Loaded::Count(browse::count_capped(conn, COUNT_CAP)?),
        Effect::Search(typed) => Loaded::Search {
            rows: browse::search(conn, &typed, SEARCH_LIMIT)?,
            typed,
        },
        Effect::LoadPairContext(id) => {
            Loaded::PairContext(Box::new(review::pair_context(conn, id)?))
        }
        Effect::LoadDetail(id) => {
            Loaded::Detail(id, browse::constituent_detail(conn, id)?.map(Box::new))
        }
        Effect::LoadRisk => {
            let window = RISK_WINDOW.max(context.risk_rows);
            let rows = crate::store::score::risk_list_filtered(
                conn,
                context.risk_sort,
                &context.risk_filter(),
                window,
                0,
            )?;
            Loaded::Risk {
                complete: rows.len() < window,
                rows,
                tiers: crate::store::score::tier_counts(conn)?,
            }
        }
        Effect::LoadReviewMore { offset, to_end } => {
            let limit = if to_end {
                usize::MAX >> 1
            } else {
                REVIEW_WINDOW
            };
            let items = review::queue_matching(
                conn,
                context.order,
                context.review_text.as_deref(),
                limit,
                offset,
            )?;
            Loaded::ReviewMore {
                offset,
                complete: to_end || items.len() < limit,
                select_last: to_end,
                items,
            }
        }
        Effect::LoadRiskMore { offset, to_end } => {
            let limit = if to_end { usize::MAX >> 1 } else { RISK_WINDOW };
            let rows = crate::store::score::risk_list_filtered(
                conn,
                context.risk_sort,
                &context.risk_filter(),
                limit,
                offset,
            )?;
            Loaded::RiskMore {
                offset,
                complete: to_end || rows.len() < limit,
                select_last: to_end,
                rows,
            }
        }
        Effect::LoadQuality => load_quality(conn, context)?,
        Effect::LoadMetrics => {
            let project = context.project.clone().unwrap_or_else(|| Project::new("."));
            match crate::metrics::def::MetricsFile::load(&project) {
                Ok(file) => Loaded::Metrics {
                    lifecycle: crate::metrics::lifecycle::Kept::read(conn, &file)?,
                    file: Some(std::sync::Arc::new(file)),
                    as_of: crate::metrics::data_as_of(conn).ok(),
                    error: None,
                },
                Err(e) => Loaded::Metrics {
                    file: None,
                    as_of: None,
                    error: Some(e.to_string()),
                    lifecycle: Default::default(),
                },
            }
        }
        Effect::LoadSegments => load_segments(conn, context)?,
        Effect::ComputeMetric { name, by } => {
            let file = context
                .metrics
                .clone()
                .ok_or_else(|| Error::Invalid("the metric definitions are not loaded".into()))?;
            let as_of = crate::metrics::data_as_of(conn)?;
            Loaded::MetricValue(crate::metrics::value(
                conn,
                &file,
                &name,
                as_of,
                by.as_deref(),
                &context.actor,
            )?)
        }
        Effect::RevealSamples(check) => {
            use crate::store::quality as q;
            let run =
                q::latest_run(conn)?.ok_or_else(|| Error::Invalid("no quality run yet".into()))?;
            let samples = q::reveal_samples(conn, run.id, &check, &context.actor)?;
            Loaded::Revealed { check, samples }
        }
        Effect::ExportRisk => export_risk(conn, context)?,
        Effect::ExportSegment {
            name,
            one_per_household,
        } => export_segment(conn, context, &name, one_per_household)?,
        other => return Err(Error::Invalid(format!("{other:?} is not a read"))),
    })
}

/// The review queue's first window, its counts and the marks kept for this steward.
fn load_review(conn: &rusqlite::Connection, context: &LoadContext) -> Result<Loaded> {
    Ok(Loaded::Review {
        items: review::queue_matching(
            conn,
            context.order,
            context.review_text.as_deref(),
            REVIEW_WINDOW.max(context.review_items),
            0,
        )?,
        pending: review::pending_count_capped(conn, COUNT_CAP)?,
        matching: context
            .review_text
            .as_deref()
            .map(|text| review::matching_count_capped(conn, text, COUNT_CAP))
            .transpose()?,
        decided_today: browse::decisions_since(conn, &crate::store::resolve::today())?,
        expected_one_person: crate::resolve::estimate::latest(conn)?
            .filter(|e| e.review.pairs > 0)
            .map(|e| e.review.one_person / e.review.pairs as f64),
        checks: crate::resolve::merge_check::results(conn)?,
        as_of: crate::store::resolve::newest_gift(conn)?,
        kept_marks: (context.restore_marks)
            .then(|| review::kept_marks(conn, &context.actor))
            .transpose()?,
    })
}

/// The latest quality run's results, each check's history and the ingest's health.
fn load_quality(conn: &rusqlite::Connection, context: &LoadContext) -> Result<Loaded> {
    use crate::store::quality as q;
    let run = q::latest_run(conn)?;
    let results = match &run {
        Some(run) => q::results_of(conn, run.id)?,
        None => Vec::new(),
    };
    let trends = results
        .iter()
        .map(|r| q::history(conn, &r.check_name, 30))
        .collect::<Result<_>>()?;
    Ok(Loaded::Quality {
        run,
        results,
        trends,
        ingest: ingest_health(conn, context.unredacted)?,
    })
}

/// Each segment's counts, rule in words and most engaged members; or why the
/// definitions could not be read.
fn load_segments(conn: &rusqlite::Connection, context: &LoadContext) -> Result<Loaded> {
    let project = context.project.clone().unwrap_or_else(|| Project::new("."));
    let file = match crate::segments::SegmentsFile::load(&project) {
        Ok(file) => file,
        Err(e) => {
            return Ok(Loaded::Segments {
                segments: Vec::new(),
                error: Some(e.to_string()),
            });
        }
    };
    let segments = file
        .segments
        .iter()
        .map(|segment| {
            Ok(app::SegmentView {
                count: crate::segments::count(conn, segment)?,
                rule: segment.describe(),
                members: crate::segments::members(conn, segment, SEGMENT_MEMBERS)?,
            })
        })
        .collect::<Result<_>>()?;
    Ok(Loaded::Segments {
        segments,
        error: None,
    })
}

/// The call list as the Risk pane filters it, written to the exports folder.
fn export_risk(conn: &rusqlite::Connection, context: &LoadContext) -> Result<Loaded> {
    let tier = context.tier.map_or("all", |t| t.name());
    let path = context.export_path(&format!("risk-{tier}"))?;
    let export = crate::store::score::export_call_list(
        conn,
        context.risk_sort,
        &context.risk_filter(),
        false,
        &path,
        &context.actor,
    )?;
    Ok(Loaded::Exported {
        path,
        rows: export.rows,
        left_out: export.left_out_note(),
        recorded: export.recorded_note(),
    })
}

/// A segment's campaign file (one per household if asked), written to the exports folder.
fn export_segment(
    conn: &rusqlite::Connection,
    context: &LoadContext,
    name: &str,
    one_per_household: bool,
) -> Result<Loaded> {
    let project = context.project.clone().unwrap_or_else(|| Project::new("."));
    let file = crate::segments::SegmentsFile::load(&project)?;
    let segment = file.get(name)?;
    let path = context.export_path(&format!("segment-{name}"))?;
    let export = crate::segments::export(conn, segment, &path, one_per_household, &context.actor)?;
    Ok(Loaded::Exported {
        path,
        rows: export.rows,
        left_out: Some(export.left_out_note(segment.channel, one_per_household)),
        recorded: crate::store::contact::RECORDED_AS_CONTACTS,
    })
}

/// The writer thread: one connection, one request at a time, each its own transaction.
fn spawn_writer(
    options: &ConsoleOptions,
    events: Sender<Event>,
) -> Option<(Sender<WriteRequest>, std::thread::JoinHandle<()>)> {
    let (tx, rx) = mpsc::channel::<WriteRequest>();
    let path = options.db_path.clone();
    let project = options.project.clone();
    let actor = options.actor.clone();
    let thread = std::thread::Builder::new()
        .name("writer".into())
        .spawn(move || {
            let opened = Db::open(&path)
                .and_then(|db| ResolutionConfig::load(&project).map(|config| (db, config)));
            let (mut db, config) = match opened {
                Ok(pair) => pair,
                Err(e) => {
                    for request in rx {
                        let _ = events.send(Event::SaveFailed {
                            request,
                            message: e.to_string(),
                        });
                    }
                    return;
                }
            };
            for request in rx {
                let event = match write(&mut db, &config, &actor, &request) {
                    Ok(message) => Event::Saved { request, message },
                    Err(e) => Event::SaveFailed {
                        request,
                        message: e.to_string(),
                    },
                };
                if events.send(event).is_err() {
                    break;
                }
            }
        })
        .ok()?;
    Some((tx, thread))
}

/// Ask the terminal to put `text` on the system clipboard (OSC 52: most terminals, and
/// tmux with `set-clipboard on`, honour it; over SSH too, since it travels with the
/// output). A terminal that does not support it ignores the sequence.
fn copy_to_clipboard(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout();
    let _ = write!(out, "{}", osc52(text));
    let _ = out.flush();
}

/// The OSC 52 sequence that sets the clipboard to `text` (base64, as the sequence wants).
pub fn osc52(text: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut encoded = String::new();
    for chunk in text.as_bytes().chunks(3) {
        let bytes = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from_be_bytes([0, bytes[0], bytes[1], bytes[2]]);
        for i in 0..4 {
            if i <= chunk.len() {
                encoded.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                encoded.push('=');
            }
        }
    }
    format!("\x1b]52;c;{encoded}\x07")
}

/// Save one steward change; the message says what happened.
pub fn write(
    db: &mut Db,
    config: &ResolutionConfig,
    actor: &str,
    request: &WriteRequest,
) -> Result<String> {
    let golden = |ids: &[i64]| {
        ids.iter()
            .map(|id| golden_id(*id))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Ok(match request {
        WriteRequest::Decide {
            candidate_ids,
            decision,
            note,
        } => {
            let mut decided =
                review::decide_each(db, config, *decision, candidate_ids, actor, note.as_deref());
            if let Some(e) = decided.error() {
                return Err(e);
            }
            let mut golden_records: Vec<i64> = decided
                .done
                .into_iter()
                .flat_map(|result| result.constituents)
                .collect();
            golden_records.sort_unstable();
            golden_records.dedup();
            let saved = candidate_ids.len();
            match candidate_ids.as_slice() {
                [one] => format!(
                    "{} pair #{one} → {} · u to undo",
                    decision.past(),
                    golden(&golden_records)
                ),
                _ => format!(
                    "{} {saved} pairs → {} golden records · u undoes one at a time",
                    decision.past(),
                    golden_records.len()
                ),
            }
        }
        WriteRequest::Undo => {
            let result = review::undo(db, config, actor)?;
            let decision = result.undid.as_deref().unwrap_or("decision");
            format!(
                "Undid your last {decision} → {}",
                golden(&result.constituents)
            )
        }
        WriteRequest::DrawMergeChecks(n) => {
            let drawn = crate::resolve::merge_check::draw(db, *n, actor)?;
            match drawn {
                0 => "No merge left to draw: every merge of the run is checked or drawn".into(),
                n => format!("Drew {n} of the run's merges to check, at the head of the queue"),
            }
        }
        WriteRequest::KeepMarks { candidate_ids } => {
            review::keep_marks(db, actor, candidate_ids)?;
            String::new()
        }
        WriteRequest::Assign {
            constituent_id,
            assignee,
            follow_up_days,
        } => {
            let follow_up = match follow_up_days {
                None => crate::store::score::follow_up_of(&db.conn, *constituent_id)?,
                Some(None) => None,
                Some(Some(days)) => Some(
                    (chrono::Local::now().date_naive() + chrono::Days::new(u64::from(*days)))
                        .to_string(),
                ),
            };
            crate::store::score::assign(
                &mut db.conn,
                *constituent_id,
                assignee.as_deref(),
                follow_up.as_deref(),
                actor,
            )?;
            format!(
                "{} assigned to {}{}, saved",
                golden_id(*constituent_id),
                assignee.as_deref().unwrap_or("nobody"),
                follow_up
                    .map(|d| format!(", follow up {d}"))
                    .unwrap_or_default()
            )
        }
        WriteRequest::Triage {
            constituent_id,
            status,
            note,
        } => {
            crate::store::score::set_triage(
                &mut db.conn,
                *constituent_id,
                status,
                note.as_deref(),
                actor,
            )?;
            format!("{} → {status}, saved", golden_id(*constituent_id))
        }
        WriteRequest::Unmerge { record_id, .. } => {
            let result = review::unmerge(db, config, *record_id, actor, None)?;
            format!(
                "Unmerged record {record_id} → {} · u to undo",
                golden(&result.constituents)
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::osc52;

    #[test]
    fn the_clipboard_sequence_carries_the_text_in_base64() {
        assert_eq!(osc52("C-000123"), "\x1b]52;c;Qy0wMDAxMjM=\x07");
        for (text, encoded) in [("", ""), ("a", "YQ=="), ("ab", "YWI="), ("abc", "YWJj")] {
            assert_eq!(osc52(text), format!("\x1b]52;c;{encoded}\x07"), "{text:?}");
        }
        assert_eq!(osc52("Zoë"), "\x1b]52;c;Wm/Dqw==\x07");
    }
}
