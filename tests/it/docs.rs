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

/// What `src/store/` may borrow from the layers above it: nothing. The store is the ground
/// floor (ARCHITECTURE.md); the vocabulary it persists lives in `vocab`, `normalize`,
/// `stable_hash` and `text`, below it. An import of a pipeline, a job or the console from
/// the store fails this test.
const STORE_IMPORTS_STILL_TO_MOVE: &[(&str, &str)] = &[];

#[test]
fn the_store_imports_nothing_new_from_the_layers_above_it() {
    const ABOVE: &[&str] = &[
        "crate::resolve",
        "crate::score",
        "crate::ingest",
        "crate::quality",
        "crate::metrics",
        "crate::jobs",
        "crate::tui",
    ];
    let store = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store");
    let mut found: Vec<(String, &str)> = Vec::new();
    for entry in std::fs::read_dir(&store).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        for layer in ABOVE {
            if text.contains(&format!("{layer}::")) || text.contains(&format!("{layer};")) {
                found.push((file.clone(), layer));
            }
        }
    }
    found.sort();
    let allowed: Vec<(String, &str)> = STORE_IMPORTS_STILL_TO_MOVE
        .iter()
        .map(|(f, l)| (f.to_string(), *l))
        .collect();
    assert_eq!(
        found, allowed,
        "src/store/ must not take on imports from the pipelines, jobs or the console"
    );
}

#[test]
fn the_ground_modules_import_nothing_from_the_store_or_above() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![
        src.join("normalize.rs"),
        src.join("stable_hash.rs"),
        src.join("text.rs"),
    ];
    for entry in std::fs::read_dir(src.join("vocab")).unwrap() {
        files.push(entry.unwrap().path());
    }
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for above in [
            "crate::store",
            "crate::resolve",
            "crate::score",
            "crate::ingest",
            "crate::quality",
            "crate::metrics",
            "crate::jobs",
            "crate::tui",
        ] {
            assert!(
                !text.contains(&format!("{above}::")),
                "{} imports {above}",
                file.display()
            );
        }
    }
}
