#!/bin/sh
# Identity resolution on Splink's demonstration file of 20,000 fake people, with its known
# clusters (the `group` column).
#   bench/splink/run.sh [WORK_DIR]      (fetches the file once from GitHub, at a fixed commit)
set -eu
. "$(dirname "$0")/../project.sh"
commit=583cdf98dec72926f6ad81711ae2405eaa77b035
fetch_once "https://raw.githubusercontent.com/moj-analytical-services/splink/$commit/benchmarking/fake_20000_from_splink_demos.csv" \
    "$work/data/fake_20000.csv"
python3 - "$work" <<'PY'
import csv, sys, os
work = sys.argv[1]
with open(os.path.join(work, "truth.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["source", "source_key", "entity_id"])
    for row in csv.DictReader(open(os.path.join(work, "data", "fake_20000.csv"))):
        w.writerow(["fake20k", row["unique_id"], row["group"]])
PY
evaluate_fresh "$work/fake20k.db" "Splink's fake_20000" "$work/truth.csv"
