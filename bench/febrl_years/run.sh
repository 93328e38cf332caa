#!/bin/sh
# Identity resolution on FEBRL3 and FEBRL4 with birth dates cut to their year ("19560409"
# -> "1956"): every record's, half the records' (chosen by a seeded draw), and FEBRL4's
# file B's beside file A's whole dates. CUT=blank empties those dates instead: what a
# value no date format reads became before a year was read.
#   bench/febrl_years/run.sh [WORK_DIR]      (needs python3 and pip to fetch the data once)
set -eu
. "$(dirname "$0")/../project.sh"
. "$here/../febrl/data.sh"
febrl_data "$work"
python3 - "$work" "${CUT:-year}" <<'PY'
import csv, os, random, sys
data = os.path.join(sys.argv[1], "data")
blank = sys.argv[2] == "blank"
def cut(source, into, share, seed):
    draw = random.Random(seed)
    with open(os.path.join(data, source)) as f:
        rows = list(csv.reader(f, skipinitialspace=True))
    dob = rows[0].index("date_of_birth")
    if into:
        with open(os.path.join(data, into), "w", newline="") as f:
            out = csv.writer(f)
            out.writerow(rows[0])
            for row in rows[1:]:
                if len(row[dob]) == 8 and draw.random() < share:
                    row[dob] = "" if blank else row[dob][:4]
                out.writerow(row)
    # Truth: rec-<entity>-org and rec-<entity>-dup-<n> are one entity.
    return [(row[0], row[0].split("-")[1]) for row in rows[1:]]
def truth(name, parts):
    with open(os.path.join(sys.argv[1], name + "_truth.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["source", "source_key", "entity_id"])
        for source, keys in parts:
            w.writerows((source, key, entity) for key, entity in keys)
truth("febrl3_years", [("febrl3_years", cut("dataset3.csv", "dataset3_years.csv", 1.0, 0))])
truth("febrl3_half_years", [("febrl3_half_years", cut("dataset3.csv", "dataset3_half_years.csv", 0.5, 5))])
truth("febrl4_years", [("febrl4a", cut("dataset4a.csv", None, 0.0, 0)),
                       ("febrl4b_years", cut("dataset4b.csv", "dataset4b_years.csv", 1.0, 0))])
PY
evaluate_fresh "$work/febrl3_years.db" "FEBRL3, every birth date a year" "$work/febrl3_years_truth.csv" --source febrl3_years
evaluate_fresh "$work/febrl3_half.db" "FEBRL3, half the birth dates a year" "$work/febrl3_half_years_truth.csv" --source febrl3_half_years
evaluate_fresh "$work/febrl4_years.db" "FEBRL4, file B's birth dates a year" "$work/febrl4_years_truth.csv" --source febrl4a --source febrl4b_years
