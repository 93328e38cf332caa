//! The documentation keeps up with the code.

use std::path::Path;

/// Every `.rs` file under `dir`, as a path relative to `src/` with `/` separators.
fn modules(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            modules(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(root).unwrap();
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

#[test]
fn the_architecture_code_map_names_every_module() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let map =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md"))
            .unwrap();
    let mut all = Vec::new();
    modules(&root, &root, &mut all);
    assert!(all.len() > 50, "{all:?}");
    let missing: Vec<&String> = all
        .iter()
        .filter(|m| {
            let folder = m.rsplit_once('/').map(|(dir, _)| format!("`{dir}/*`"));
            !map.contains(&format!("`{m}`")) && !folder.is_some_and(|f| map.contains(&f))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md's code map does not name: {missing:?}"
    );
}

#[test]
fn the_readme_is_for_users_and_short() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(
        readme.lines().count() <= 450,
        "README.md has {} lines",
        readme.lines().count()
    );
    // The two commands come first.
    let first_block = readme.split("```").nth(1).unwrap_or_default();
    assert!(first_block.contains("cargo run --release") && first_block.contains("cargo test"));
}

/// The layers above the store: the pipelines, jobs and the two edges.
const ABOVE_THE_STORE: &[&str] = &[
    "crate::resolve",
    "crate::score",
    "crate::ingest",
    "crate::quality",
    "crate::metrics",
    "crate::generate",
    "crate::jobs",
    "crate::tui",
];

/// Each `(file, layer)` where one of `files` uses a path into one of `layers`.
fn imports_of(files: &[std::path::PathBuf], layers: &[&str]) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        for layer in layers {
            if text.contains(&format!("{layer}::")) || text.contains(&format!("{layer};")) {
                found.push((file.display().to_string(), layer.to_string()));
            }
        }
    }
    found
}

fn rust_files_in(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .collect()
}

/// The store is the ground floor (ARCHITECTURE.md): the vocabulary it persists lives in
/// `vocab`, `normalize`, `stable_hash` and `text` (and `prefetch`), below it.
#[test]
fn the_store_imports_nothing_from_the_layers_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = imports_of(&rust_files_in(&src.join("store")), ABOVE_THE_STORE);
    assert!(
        found.is_empty(),
        "src/store/ imports from above it: {found:?}"
    );
}

#[test]
fn the_ground_modules_import_nothing_from_the_store_or_above() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = rust_files_in(&src.join("vocab"));
    files.extend(rust_files_in(&src.join("normalize")));
    files.extend(["prefetch.rs", "stable_hash.rs", "text.rs"].map(|f| src.join(f)));
    let mut layers = ABOVE_THE_STORE.to_vec();
    layers.push("crate::store");
    let found = imports_of(&files, &layers);
    assert!(
        found.is_empty(),
        "a ground module imports from above it: {found:?}"
    );
}
