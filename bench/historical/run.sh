#!/bin/sh
# Identity resolution on Splink's historical_50k: people from Wikidata with errors added,
# each record's cluster (its person) the truth.
#   bench/historical/run.sh [WORK_DIR]   (fetches the file once from GitHub, at a fixed commit)
set -eu
. "$(dirname "$0")/../project.sh"
commit=75876d806d9eff72072d21878150ee50a96d5f41
fetch_once "https://raw.githubusercontent.com/moj-analytical-services/splink_datasets/$commit/data/historical_figures_with_errors_50k.parquet" \
    "$work/data/historical_figures_with_errors_50k.parquet"
db="$work/historical.db"
ingest_fresh "$db"
# A record's id is its cluster's, a hyphen and a number ("Q2296770-3" is Q2296770's).
python3 - "$db" "$work/truth.csv" <<'PY'
import csv, sqlite3, sys
db, truth = sys.argv[1:3]
with open(truth, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["source", "source_key", "entity_id"])
    for source, key in sqlite3.connect(db).execute("SELECT source, source_key FROM source_record"):
        w.writerow([source, key, key.rsplit("-", 1)[0]])
PY
evaluate "$db" "Splink's historical_50k" "$work/truth.csv"
