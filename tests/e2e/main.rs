//! End to end: the real `cpm` binary in a real terminal (tmux), driven by keys and read
//! from the screen. Each test has its own tmux server and temp directory; it waits for
//! what the screen shows, never for a fixed time.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const CPM: &str = env!("CARGO_BIN_EXE_cpm");

fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A generated, ingested and resolved store, built through the CLI like a user would.
fn store(dir: &Path) -> PathBuf {
    let db = dir.join("cpm.db");
    let sources = dir.join("synthetic");
    let cpm = || {
        let mut c = Command::new(CPM);
        c.arg("--db").arg(&db).arg("--root").arg(dir);
        c
    };
    // A wide review band, so that a store this small has a queue to decide from.
    let config = dir.join("config");
    std::fs::create_dir_all(&config).expect("config dir");
    let resolution = include_str!("../../config/resolution.yaml")
        .replace("auto_match: 0.85", "auto_match: 0.999")
        .replace("review: 0.70", "review: 0.30");
    std::fs::write(config.join("resolution.yaml"), resolution).expect("resolution.yaml");
    run(cpm()
        .args(["generate", "--people", "500", "--seed", "7", "--out"])
        .arg(&sources));
    run(cpm().arg("ingest").arg("--dir").arg(&sources));
    run(cpm().arg("resolve"));
    db
}

struct Tmux {
    socket: String,
    dir: tempfile::TempDir,
    /// How many times cpm was started: each run prints its own exit line.
    runs: AtomicUsize,
}

static SERVERS: AtomicUsize = AtomicUsize::new(0);

fn timeout() -> Duration {
    if std::env::var_os("CI").is_some() {
        Duration::from_secs(60)
    } else {
        Duration::from_secs(20)
    }
}

impl Tmux {
    fn new() -> Tmux {
        let found = Command::new("tmux").arg("-V").output();
        assert!(
            found.is_ok_and(|o| o.status.success()),
            "tmux is needed for the end-to-end tests: install it (apt-get install -y tmux); .ci/run does"
        );
        let n = SERVERS.fetch_add(1, Ordering::SeqCst);
        Tmux {
            socket: format!("cpm-e2e-{}-{n}", std::process::id()),
            dir: tempfile::tempdir().expect("temp dir"),
            runs: AtomicUsize::new(0),
        }
    }

    fn tmux(&self, args: &[&str]) -> Output {
        let conf = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/tmux.conf");
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", conf])
            .args(args)
            .output()
            .expect("tmux runs")
    }

    /// Start `cpm ARGS` in a 100x30 terminal with no colour. The shell prints cpm's exit
    /// status when it ends (tmux's own #{pane_dead_status} is sometimes left empty).
    fn start(&self, args: &str) {
        let command = self.command(args);
        let home = self.dir.path().display().to_string();
        let out = self.tmux(&[
            "new-session",
            "-d",
            "-s",
            "app",
            "-x",
            "100",
            "-y",
            "30",
            "-e",
            "NO_COLOR=1",
            "-e",
            &format!("HOME={home}"),
            "-c",
            &home,
            &command,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn restart(&self, args: &str) {
        let command = self.command(args);
        let out = self.tmux(&["respawn-pane", "-k", "-t", "app", &command]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "app"]).stdout)
            .into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        // One key per call: "Escape x" in one call arrives as Alt-x.
        for key in keys {
            self.tmux(&["send-keys", "-t", "app", key]);
        }
    }

    fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            if start.elapsed() > timeout() {
                panic!(
                    "waited {:?} for '{text}'; the screen shows:\n{screen}",
                    timeout()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The exit status the shell printed. It may have scrolled into the history when
    /// tmux printed "Pane is dead" below it, so read the history too.
    fn wait_exit(&self) -> i32 {
        let mark = exit_mark(self.runs.load(Ordering::SeqCst));
        let start = Instant::now();
        loop {
            let out = self.tmux(&["capture-pane", "-p", "-S", "-", "-t", "app"]);
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            if let Some(status) = text
                .lines()
                .find_map(|l| l.trim().strip_prefix(&mark)?.parse().ok())
            {
                return status;
            }
            if start.elapsed() > timeout() {
                panic!("cpm did not exit; the screen shows:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn exit_mark(run: usize) -> String {
    format!("cpm run {run} exited with status ")
}

impl Tmux {
    fn command(&self, args: &str) -> String {
        let run = self.runs.fetch_add(1, Ordering::SeqCst) + 1;
        format!("sh -c '{CPM} {args}; echo \"{}$?\"'", exit_mark(run))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

/// The queue header "1,473 pending · 0 decided today …" → 1473.
fn pending(screen: &str) -> i64 {
    screen
        .lines()
        .find_map(|line| {
            let (count, _) = line.split_once(" pending ·")?;
            count.replace(',', "").trim().parse().ok()
        })
        .expect("a pending count on screen")
}

#[test]
fn a_steward_approves_a_pair_quits_reopens_and_finds_it_saved_and_attributed() {
    let t = Tmux::new();
    let db = store(t.dir.path());
    let args = format!("--db {} --as e2e-steward --role steward", db.display());
    t.start(&args);
    let screen = t.wait_for("● idle");
    let before = pending(&t.wait_for(" pending ·"));
    assert!(screen.contains("1 Review"), "{screen}");
    t.keys(&["a"]);
    t.wait_for("· u to undo");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0, "{}", t.screen());

    t.restart(&args);
    let screen = t.wait_for("decided today");
    assert!(pending(&screen) < before, "{screen}");
    assert!(screen.contains("1 decided today"), "{screen}");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);

    let audit = run(Command::new(CPM)
        .arg("--db")
        .arg(&db)
        .args(["--json", "review", "audit", "--limit", "5"]));
    let audit = String::from_utf8_lossy(&audit.stdout);
    assert!(audit.contains("\"actor\": \"e2e-steward\""), "{audit}");
    assert!(audit.contains("\"action\": \"approve\""), "{audit}");
}

#[test]
fn help_resizing_and_a_job_run_then_a_clean_exit() {
    let t = Tmux::new();
    let db = store(t.dir.path());
    t.start(&format!("--db {} --as e2e-admin", db.display()));
    t.wait_for("● idle");

    t.keys(&["?"]);
    t.wait_for("Keys · / search · j/k scroll");
    t.keys(&["Escape"]);
    t.wait_for("a approve");

    t.tmux(&["resize-window", "-t", "app", "-x", "60", "-y", "18"]);
    // Narrow, the tab bar names only the tab in view.
    t.wait_for("1 Review│2│3│4│5│6│7│");
    t.tmux(&["resize-window", "-t", "app", "-x", "50", "-y", "15"]);
    t.wait_for("Terminal too small");
    t.tmux(&["resize-window", "-t", "app", "-x", "100", "-y", "30"]);
    t.wait_for("a approve");

    t.keys(&["6"]);
    // A store built on the command line has no retention by lifecycle yet: the console
    // computed it in the background when it opened.
    t.wait_for("retention by lifecycle");
    t.wait_for("● idle");
    t.keys(&["r"]);
    t.wait_for("resolve identities finished");
    t.wait_for("● idle");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0, "{}", t.screen());

    let check = run(Command::new("sh")
        .arg("-c")
        .arg(format!("{CPM} --db {} --json status", db.display())));
    assert!(String::from_utf8_lossy(&check.stdout).contains("source_records"));
}
