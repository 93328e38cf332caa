//! `cpm config`: which configuration files are in effect, whether each is valid, and the
//! text of one, to read or to start an override from.

use crate::cli::*;
use cpm::config::CONFIG_FILES;
use cpm::ingest::draft::{DraftOptions, draft_files, render, render_entries};

#[derive(Subcommand, Debug)]
pub(crate) enum ConfigAction {
    /// Validate every configuration file as the commands that read it do: which file is in
    /// effect (the project's config/ folder, or built in) and the first error in each. Exit
    /// status 1 when one is invalid.
    Check,
    /// Print a configuration file as it is in effect (the project's, or the built-in one).
    Show { name: String },
    /// Write the built-in file into the project's config/ folder to edit: from then on it
    /// is the one in effect. Refused where the project has the file already.
    Init { name: String },
    /// Draft a sources.yaml entry for each file (CSV, JSON lines or Parquet) from its
    /// header and first rows: the person's key and fields, a fact table, consent columns,
    /// date formats, delimiter and encoding, each with the reason beside it. Nothing is
    /// loaded: read it, then add it (`--add`) and `cpm ingest`.
    Draft {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The column holding each file's person key, where the draft should not guess.
        #[arg(long)]
        key: Option<String>,
        /// The source's name (one file only; by default the file's name).
        #[arg(long)]
        name: Option<String>,
        /// How many rows of each file to read.
        #[arg(long, default_value_t = 10_000)]
        rows: usize,
        /// Add the drafts to the project's config/sources.yaml (created if missing) where
        /// the result is valid, instead of printing them.
        #[arg(long)]
        add: bool,
    },
}

/// One configuration file as `cpm config check` found it.
#[derive(serde::Serialize)]
struct Checked {
    file: &'static str,
    /// The file read, or "(built-in) config/NAME" where the project has none.
    path: String,
    built_in: bool,
    /// The first problem, with its file, line and key; `None` when the file is valid.
    error: Option<String>,
}

pub(crate) fn cmd_config(g: &Global, project: &Project, action: ConfigAction) -> Result<ExitCode> {
    match action {
        ConfigAction::Check => check(g, project),
        ConfigAction::Show { name } => {
            let name = known(&name)?;
            let (_, text) = project.read_config(name)?;
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        ConfigAction::Init { name } => {
            let path = init(project, known(&name)?)?;
            println!("wrote {}: edit it, then `cpm config check`", path.display());
            Ok(ExitCode::SUCCESS)
        }
        ConfigAction::Draft {
            files,
            key,
            name,
            rows,
            add,
        } => {
            if name.is_some() && files.len() > 1 {
                return Err(cpm::Error::Usage(
                    "--name names one file's source: draft one file".into(),
                )
                .into());
            }
            let options = DraftOptions { name, key, rows };
            let files: Vec<(PathBuf, PathBuf)> = files
                .iter()
                .map(|file| (file.clone(), as_the_project_finds_it(project, file)))
                .collect();
            let drafts = draft_files(&files, &options)?;
            if add {
                let (path, created) = add_to_project(project, &drafts)?;
                let names: Vec<&str> = drafts.iter().map(|d| d.source.name.as_str()).collect();
                println!(
                    "added {} to {}: read each line, then `cpm ingest --source {}`",
                    names.join(", "),
                    path.display(),
                    names[0]
                );
                if created {
                    println!(
                        "(the project had no sources.yaml: the built-in demo sources are no longer read here)"
                    );
                }
            } else if g.json {
                println!("{}", serde_json::to_string_pretty(&drafts)?);
            } else {
                print!("{}", render(&drafts));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Adds the drafted entries to the project's sources.yaml (a new one holds only them),
/// written only where the whole file then loads: a name used twice is refused. Returns the
/// file and whether it was created.
fn add_to_project(
    project: &Project,
    drafts: &[cpm::ingest::draft::Draft],
) -> Result<(PathBuf, bool)> {
    let path = project.config_file("sources.yaml");
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(cpm::Error::io(&path, e).into()),
    };
    let text = match &existing {
        Some(text) => format!("{}\n{}", text.trim_end(), render_entries(drafts)),
        None => render(drafts),
    };
    cpm::config::sources_from_text(&path, &text)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    // Written beside it and renamed over it: an interrupted write leaves the old file.
    let partial = path.with_extension("yaml.partial");
    std::fs::write(&partial, &text).with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok((path, existing.is_none()))
}

/// A file given on the command line as sources.yaml names it: relative to the project
/// where it is inside it, absolute otherwise.
fn as_the_project_finds_it(project: &Project, file: &std::path::Path) -> PathBuf {
    let (Ok(file_at), Ok(root_at)) = (file.canonicalize(), project.root.canonicalize()) else {
        return file.to_path_buf();
    };
    match file_at.strip_prefix(&root_at) {
        Ok(inside) => inside.to_path_buf(),
        Err(_) => file_at,
    }
}

/// Copies the built-in `name` into the project's config/ folder, never over a file there.
fn init(project: &Project, name: &str) -> Result<PathBuf> {
    let path = project.config_file(name);
    if path.exists() {
        anyhow::bail!(
            "{} is there already: edit it, or remove it to start again from the built-in one",
            path.display()
        );
    }
    let text = cpm::config::built_in(name).ok_or_else(|| anyhow::anyhow!("no built-in {name}"))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    // `create_new`: a file that appeared since the check above is not overwritten either.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("writing {}", path.display()))?;
    std::io::Write::write_all(&mut file, text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

fn check(g: &Global, project: &Project) -> Result<ExitCode> {
    let mut checked = Vec::with_capacity(CONFIG_FILES.len());
    for file in CONFIG_FILES {
        let own = project.config_file(file);
        let built_in = !own.exists();
        // A file that cannot be read is that file's problem (`validate` says so), not
        // the end of the check.
        let path = if built_in {
            cpm::config::built_in_label(file)
        } else {
            own
        };
        checked.push(Checked {
            file,
            path: path.display().to_string(),
            built_in,
            error: validate(project, file).err().map(|e| e.to_string()),
        });
    }
    let invalid = checked.iter().filter(|c| c.error.is_some()).count();
    if g.json {
        print_json(&checked)?;
    } else {
        for c in &checked {
            match &c.error {
                None => println!("ok       {}", c.path),
                Some(error) => println!("INVALID  {error}"),
            }
        }
        match invalid {
            0 => println!("every configuration file is valid"),
            n => println!("{n} of {} configuration files are invalid", checked.len()),
        }
    }
    Ok(if invalid == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Reads `file` with the loader its command uses, so that a file this passes is one the
/// command accepts.
fn validate(project: &Project, file: &str) -> cpm::error::Result<()> {
    match file {
        "sources.yaml" => cpm::config::load_sources(project).map(drop),
        "resolution.yaml" => ResolutionConfig::load(project).map(drop),
        "scoring.yaml" => ScoringConfig::load(project).map(drop),
        "quality_checks.yaml" => quality::checks::QualityConfig::load(project).map(drop),
        "metrics_definitions.yaml" => cpm::metrics::def::MetricsFile::load(project).map(drop),
        "segments.yaml" => cpm::segments::SegmentsFile::load(project).map(drop),
        other => Err(cpm::error::Error::Invalid(format!("no loader for {other}"))),
    }
}

fn known(name: &str) -> Result<&'static str> {
    CONFIG_FILES
        .into_iter()
        .find(|f| *f == name || f.strip_suffix(".yaml") == Some(name))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no configuration file named '{name}'; they are: {}",
                CONFIG_FILES.join(", ")
            )
        })
}
