//! The console without a terminal: the same model, effects and rendering, with reads,
//! saves and jobs carried out synchronously and frames drawn on ratatui's `TestBackend`.
//! Tests drive it key by key and snapshot the screen; `cpm bench tui` times it.

use std::path::Path;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, AppOptions, Effect, Event};
use super::keymap::Action;
use super::theme::Theme;
use super::{LoadContext, load, view, write};
use crate::config::Project;
use crate::error::{Error, Result};
use crate::jobs::{self, JobContext, JobEvent};
use crate::progress::Silent;
use crate::resolve::settings::ResolutionConfig;
use crate::store::Db;

pub struct Headless {
    pub app: App,
    pub theme: Theme,
    pub terminal: Terminal<TestBackend>,
    /// Every effect the model asked for, in order.
    pub effects: Vec<Effect>,
    db: Option<Db>,
    ctx: JobContext,
}

impl Headless {
    /// A console on the store at `db_path` (built as the demo store if missing), started and
    /// loaded, `width`×`height` cells.
    pub fn open(
        db_path: &Path,
        project: &Project,
        options: AppOptions,
        width: u16,
        height: u16,
    ) -> Result<Headless> {
        let mut headless = Headless::unstarted(db_path, project, options, width, height)?;
        headless.start()?;
        Ok(headless)
    }

    /// Load what the first screen shows (or build the store).
    pub fn start(&mut self) -> Result<()> {
        let effects = self.app.start();
        self.run(effects)
    }

    /// A console that has drawn nothing and loaded nothing yet.
    pub fn unstarted(
        db_path: &Path,
        project: &Project,
        options: AppOptions,
        width: u16,
        height: u16,
    ) -> Result<Headless> {
        let store_ready = db_path.exists();
        let ctx = JobContext {
            db_path: db_path.to_path_buf(),
            project: project.clone(),
            actor: options.actor.clone(),
        };
        let mut app = App::new(AppOptions {
            store_ready,
            ..options
        });
        app.session.keymap = crate::tui::keymap::Keymap::load(project)?;
        let headless = Headless {
            app,
            theme: Theme::mono(),
            terminal: Terminal::new(TestBackend::new(width, height))
                .map_err(|e| Error::Invalid(format!("test terminal: {e}")))?,
            effects: Vec::new(),
            db: if store_ready {
                Some(Db::open(db_path)?)
            } else {
                None
            },
            ctx,
        };
        Ok(headless)
    }

    pub fn db(&self) -> Option<&Db> {
        self.db.as_ref()
    }

    /// Feed an event and carry out everything it leads to.
    pub fn send(&mut self, event: Event) -> Result<()> {
        let effects = self.app.handle(event);
        self.run(effects)
    }

    /// Take an action as its key would, and carry out everything it leads to.
    pub fn act(&mut self, action: Action) -> Result<()> {
        let effects = self.app.act(action);
        self.run(effects)
    }

    pub fn press(&mut self, code: KeyCode) -> Result<()> {
        self.send(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    pub fn press_with(&mut self, code: KeyCode, modifiers: KeyModifiers) -> Result<()> {
        self.send(Event::Key(KeyEvent::new(code, modifiers)))
    }

    /// Press each character of `keys` in turn.
    pub fn type_keys(&mut self, keys: &str) -> Result<()> {
        for c in keys.chars() {
            self.press(KeyCode::Char(c))?;
        }
        Ok(())
    }

    pub fn resize(&mut self, width: u16, height: u16) {
        self.terminal.backend_mut().resize(width, height);
        self.app.handle(Event::Resize(width, height));
    }

    /// Draw a frame and return the screen as text, one line per row.
    pub fn render(&mut self) -> Result<String> {
        let (app, theme) = (&self.app, &self.theme);
        self.terminal
            .draw(|frame| view::render(app, theme, frame))
            .map_err(|e| Error::Invalid(format!("test terminal: {e}")))?;
        let buffer = self.terminal.backend().buffer();
        let width = buffer.area.width as usize;
        let cells: Vec<&str> = buffer.content.iter().map(|c| c.symbol()).collect();
        Ok(cells
            .chunks(width.max(1))
            .map(|row| row.concat().trim_end().to_string())
            .collect::<Vec<_>>()
            .join("\n"))
    }

    fn run(&mut self, effects: Vec<Effect>) -> Result<()> {
        let mut queue: std::collections::VecDeque<Effect> = effects.into();
        while let Some(effect) = queue.pop_front() {
            self.effects.push(effect.clone());
            let follow = self.perform(effect)?;
            queue.extend(follow);
        }
        Ok(())
    }

    fn perform(&mut self, effect: Effect) -> Result<Vec<Effect>> {
        Ok(match effect {
            Effect::Save(request) => {
                let db = self.db.as_mut().ok_or_else(no_store)?;
                let config = ResolutionConfig::load(&self.ctx.project)?;
                let event = match write(db, &config, &self.ctx.actor, &request) {
                    Ok(message) => Event::Saved { request, message },
                    Err(e) => Event::SaveFailed {
                        request,
                        message: e.to_string(),
                    },
                };
                self.app.handle(event)
            }
            Effect::StartJob { id, kind } => {
                let event = match jobs::run(kind, &self.ctx, &Silent) {
                    Ok(summary) => JobEvent::Finished { id, summary },
                    Err(e) => JobEvent::Failed {
                        id,
                        message: e.to_string(),
                    },
                };
                self.app.handle(Event::Job(event))
            }
            // Recorded in `effects`; there is no terminal to send it to.
            Effect::CancelJob(_) | Effect::Quit | Effect::Copy(_) => vec![],
            Effect::OpenStore => {
                self.db = Some(Db::open(&self.ctx.db_path)?);
                vec![]
            }
            read => {
                let db = self.db.as_ref().ok_or_else(no_store)?;
                let context = LoadContext::of(&self.app)
                    .exporting_to(&self.ctx.db_path)
                    .in_project(&self.ctx.project);
                let loaded = load(&db.conn, &context, read)?;
                self.app.on_loaded(loaded)
            }
        })
    }
}

fn no_store() -> Error {
    Error::Invalid("no store is open".into())
}
