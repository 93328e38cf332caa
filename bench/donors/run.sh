#!/bin/sh
# Identity resolution on a donor file this project did not generate (`make_data.py`:
# Faker's US name and address tables, an error model of its own), with its truth.
#   bench/donors/run.sh [WORK_DIR] [PEOPLE] [SEED]   (needs python3 and pip to fetch Faker once)
set -eu
. "$(dirname "$0")/../project.sh"
people=${2:-20000}
seed=${3:-7}
faker_data "$people" "$seed"
evaluate_fresh "$work/donors.db" "donors ($people people, seed $seed)" "$work/data/truth.csv"
