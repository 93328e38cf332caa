# Sourced by the matching benchmarks (bench/*/run.sh) once `here` (the benchmark's folder),
# `repo` and `work` are set: the work folder becomes a project with this benchmark's
# sources.yaml and the checkout's resolution.yaml, and `cpm` runs the checkout's release
# build, or the binary CPM_BIN names (to measure another build on the same files).
cp "$here/sources.yaml" "$work/config/sources.yaml"
cp "$repo/config/resolution.yaml" "$work/config/resolution.yaml"
cpm() { (cd "$repo" && if [ -n "${CPM_BIN:-}" ]; then "$CPM_BIN" "$@"; else cargo run --quiet --release -- "$@"; fi); }
# A fresh store DB holding the work folder's sources (further arguments go to `ingest`, such
# as --source), resolved and evaluated against TRUTH under the heading TITLE.
evaluate_fresh() {
    db=$1 title=$2 truth=$3
    shift 3
    rm -f "$db" "$db-wal" "$db-shm"
    cpm --db "$db" ingest --root "$work" "$@"
    echo "== $title"
    cpm --db "$db" resolve --root "$work" --eval "$truth"
}
