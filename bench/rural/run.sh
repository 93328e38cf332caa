#!/bin/sh
# Identity resolution on a rural station's three exports (`make_data.py`: Faker's US tables,
# an error model of its own: joint memberships, post-office boxes, seven-digit phones, few
# towns and surnames, fathers and sons of one name on one farm), mapped by `cpm config
# draft` alone, no YAML written by hand.
#   bench/rural/run.sh [WORK_DIR] [PEOPLE] [SEED]   (needs python3 and pip to fetch Faker once)
set -eu
. "$(dirname "$0")/../project.sh"
people=${2:-20000}
seed=${3:-9}
faker_data "$people" "$seed"
evaluate_drafted "rural ($people people, seed $seed), drafted" \
    "$work/data/members.csv" "$work/data/newspaper.csv" "$work/data/tickets.csv"
