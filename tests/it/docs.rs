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
