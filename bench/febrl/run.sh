#!/bin/sh
# Identity resolution on the FEBRL benchmarks, with their known truth.
#   bench/febrl/run.sh [WORK_DIR]      (needs python3 and pip to fetch the data once)
set -eu
. "$(dirname "$0")/../project.sh"
. "$here/../febrl/data.sh"
febrl_data "$work"
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
