#!/bin/sh
# Identity resolution on RLdata10000 (R package RecordLinkage) against its identity vector.
#   bench/rldata/run.sh [WORK_DIR]   (fetches the data file once from GitHub's CRAN mirror at a
#   fixed commit, and pyreadr and pandas with pip to read it)
set -eu
. "$(dirname "$0")/../project.sh"
commit=cf8ad322f90c8f0894353740892bf1129b28ac3d
fetch_once "https://raw.githubusercontent.com/cran/RecordLinkage/$commit/data/RLdata10000.rda" \
    "$work/data/RLdata10000.rda"
pip_once pyreadr pyreadr==0.5.8 pandas==3.1.1
PYTHONPATH="$work/py" python3 - "$work" <<'PY'
import csv, os, sys
import pyreadr
work = sys.argv[1]
data = pyreadr.read_r(os.path.join(work, "data", "RLdata10000.rda"))
records, identity = data["RLdata10000"], data["identity.RLdata10000"].iloc[:, 0]
with open(os.path.join(work, "data", "RLdata10000.csv"), "w", newline="") as f, \
        open(os.path.join(work, "truth.csv"), "w", newline="") as t:
    rows, truth = csv.writer(f), csv.writer(t)
    rows.writerow(["id", *records.columns])
    truth.writerow(["source", "source_key", "entity_id"])
    for i, record in enumerate(records.itertuples(index=False), start=1):
        rows.writerow([i, *("" if value != value else value for value in record)])
        truth.writerow(["rldata", i, int(identity.iloc[i - 1])])
PY
evaluate_fresh "$work/rldata.db" "RLdata10000" "$work/truth.csv"
