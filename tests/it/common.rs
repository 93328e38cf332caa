//! Shared helpers: a temporary project directory with its own config and store.

use std::path::{Path, PathBuf};

use cpm::config::Project;
use cpm::store::Db;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub struct TempProject {
    pub dir: tempfile::TempDir,
}

impl TempProject {
    pub fn new() -> TempProject {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("config")).expect("config dir");
        TempProject { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn project(&self) -> Project {
        Project::new(self.dir.path())
    }

    pub fn write_config(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join("config").join(name), text).expect("write config");
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("data/cpm.db")
    }

    pub fn db(&self) -> Db {
        Db::open(&self.db_path()).expect("open store")
    }
}

/// The real binary, run in the project `p` with `args`.
pub fn cpm(p: &TempProject, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_cpm"))
        .current_dir(p.root())
        .args(args)
        .output()
        .expect("run cpm")
}

/// Standard output of a run that must succeed (its output and errors shown if not).
pub fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn count(db: &Db, sql: &str) -> i64 {
    db.conn.query_row(sql, [], |r| r.get(0)).expect(sql)
}

/// A sources.yaml with one donation source reading `file`.
pub fn donation_source(file: &Path) -> String {
    format!(
        "sources:
  - name: gifts
    system: wbez
    file: {}
    person_key: id
    person:
      first_name: first
      last_name: last
      email: email
      phone: phone
      zip: zip
    facts:
      table: donation
      columns:
        gift_key: gift_id
        gift_date: date
        amount: amount
",
        file.display()
    )
}

/// The generator's source files and truth for `people` people, in the project's
/// `data/synthetic`.
pub fn generated(p: &TempProject, people: u64, seed: u64) -> PathBuf {
    let dir = p.root().join("data/synthetic");
    cpm::generate::generate(
        &cpm::generate::GenerateOptions {
            seed,
            people,
            as_of: cpm::generate::default_as_of(),
            out: dir.clone(),
        },
        &cpm::progress::Silent,
    )
    .unwrap();
    dir
}

/// A store with `people` generated people (seed 11), ingested and resolved by "test-run".
pub fn resolved_store(people: u64) -> (TempProject, Db) {
    use cpm::ingest::{self, IngestOptions};
    use cpm::progress::Silent;
    use cpm::resolve::{self, settings::ResolutionConfig};

    let p = TempProject::new();
    let dir = generated(&p, people, 11);
    let mut db = p.db();
    ingest::ingest(
        &mut db,
        &p.project(),
        &IngestOptions {
            only: vec![],
            source_dir: Some(dir),
            strict: false,
        },
        &Silent,
    )
    .unwrap();
    // A wide review band, so that a store this small has a queue to work: the console and
    // CLI tests are about deciding pairs, not about where the band lies.
    let text = include_str!("../../config/resolution.yaml")
        .replace("auto_match: 0.85", "auto_match: 0.999")
        .replace("review: 0.70", "review: 0.30");
    p.write_config("resolution.yaml", &text);
    let config = ResolutionConfig::load(&p.project()).unwrap();
    resolve::run(&mut db, &config, "test-run", &Silent).unwrap();
    (p, db)
}

/// A resolved store of `people` people, scored with a scoring config whose minimum number
/// of outcomes suits a small test store.
pub fn scored_store(people: u64) -> (TempProject, Db) {
    let (p, mut db) = resolved_store(people);
    // A store this small has a handful of outcomes: let the models train and split anyway.
    let text = include_str!("../../config/scoring.yaml")
        .replace("min_outcomes: 20", "min_outcomes: 3")
        .replace("min_leaf_weight: 5.0", "min_leaf_weight: 1.0");
    p.write_config("scoring.yaml", &text);
    let config = cpm::score::settings::ScoringConfig::load(&p.project()).unwrap();
    cpm::score::run(
        &mut db,
        &config,
        "test-scorer",
        &cpm::score::ScoreOptions::default(),
        &cpm::progress::Silent,
    )
    .unwrap();
    (p, db)
}
