# Sourced first by the matching benchmarks (bench/*/run.sh): sets `here` (the benchmark's
# folder), `repo` and `work` (the script's first argument, or /tmp/cpm-<benchmark>); the work
# folder becomes a project with this benchmark's sources.yaml (if it has one) and the checkout's
# resolution.yaml, and `cpm` runs the checkout's release build, or the binary CPM_BIN names
# (to measure another build on the same files).
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=${1:-/tmp/cpm-$(basename "$here")}
mkdir -p "$work/config" "$work/data"
# A benchmark without a sources.yaml drafts its own (`cpm config draft`).
if [ -f "$here/sources.yaml" ]; then cp "$here/sources.yaml" "$work/config/sources.yaml"; fi
cp "$repo/config/resolution.yaml" "$work/config/resolution.yaml"
cpm() { (cd "$repo" && if [ -n "${CPM_BIN:-}" ]; then "$CPM_BIN" "$@"; else cargo run --quiet --release -- "$@"; fi); }
# Install the pinned Python packages SPEC... into the work folder's py/ unless MODULE is
# there already (a benchmark's reader or generator; run it with PYTHONPATH="$work/py").
pip_once() {
    module=$1
    shift
    if [ ! -d "$work/py/$module" ]; then
        python3 -m pip install --quiet --disable-pip-version-check --target "$work/py" "$@"
    fi
}
# Download URL to FILE unless it is there (a benchmark's public file, at a fixed commit).
fetch_once() {
    [ -f "$2" ] || curl -fsSL -o "$2" "$1"
}
# A fresh store DB holding the work folder's sources (further arguments go to `ingest`,
# such as --source).
ingest_fresh() {
    db=$1
    shift
    rm -f "$db" "$db-wal" "$db-shm"
    cpm --db "$db" ingest --root "$work" "$@"
}
# Store DB resolved and evaluated against TRUTH under the heading TITLE.
evaluate() {
    db=$1 title=$2 truth=$3
    echo "== $title"
    cpm --db "$db" resolve --root "$work" --eval "$truth"
}
# Both, on a fresh store (arguments after TRUTH go to `ingest`).
evaluate_fresh() {
    db=$1 title=$2 truth=$3
    shift 3
    ingest_fresh "$db" "$@"
    evaluate "$db" "$title" "$truth"
}
# The benchmark's generator (its make_data.py, Faker's tables) writing data/ with ARGS
# (people, seed, ...), Faker fetched once into the work folder.
faker_data() {
    pip_once faker faker==40.63.0
    PYTHONPATH="$work/py" python3 "$here/make_data.py" "$work/data" "$@"
}
# The work folder's FILES mapped by `cpm config draft` alone, no YAML written by hand, then
# evaluated on a fresh store (named for the benchmark) under TITLE against data/truth.csv.
evaluate_drafted() {
    title=$1
    shift
    rm -f "$work/config/sources.yaml"
    cpm config draft --root "$work" --add "$@"
    evaluate_fresh "$work/$(basename "$here").db" "$title" "$work/data/truth.csv"
}
