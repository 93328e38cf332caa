#!/usr/bin/env python3
"""A steward simulated by a truth file: draws N of the run's merges to check, keeps each one
the truth makes one person and splits the others, then prints what `cpm review check`
measures. Against the truth's own figure this shows whether the interval holds it.

    bench/check_merges.py STORE TRUTH N [--root DIR]    (CPM_BIN: the cpm to run)
"""
import csv
import json
import os
import subprocess
import sys

store, truth_path, n = sys.argv[1], sys.argv[2], sys.argv[3]
here = os.path.dirname(os.path.abspath(__file__))
cpm = [os.environ.get("CPM_BIN", os.path.join(here, "..", "target", "release", "cpm")), "--db", store]
cpm += sys.argv[4:]


def run(*args):
    return subprocess.run(cpm + list(args), capture_output=True, text=True, check=True).stdout


truth = {}
for row in csv.DictReader(open(truth_path)):
    truth[(row["source"], row["source_key"])] = row.get("person_id") or row.get("entity_id")
run("review", "--as", "simulated-steward", "check", "--draw", n)
keep, split = [], []
for item in json.loads(run("review", "list", "--limit", "1000000", "--json")):
    if item["check"]:
        a, b = item["a"], item["b"]
        one = truth.get((a["source"], a["source_key"])) == truth.get((b["source"], b["source_key"]))
        (keep if one else split).append(str(item["candidate_id"]))
for verb, ids in (("approve", keep), ("reject", split)):
    if ids:
        run("review", "--as", "simulated-steward", verb, *ids)
print(run("review", "check"), end="")
