#!/bin/sh
# Identity resolution on a Chicago station's bilingual audience (`make_data.py`: Faker's
# en_US and es_MX tables, census name frequencies, Mexican-American naming, an error model of
# its own): three exports mapped by `cpm config draft` alone, no YAML written by hand.
# With COMMUNITY `vietnamese` the other four homes in ten are Vietnamese-American.
#   bench/bilingual/run.sh [WORK_DIR] [PEOPLE] [SEED] [mexican|vietnamese]   (python3, pip: Faker once)
set -eu
. "$(dirname "$0")/../project.sh"
people=${2:-20000}
seed=${3:-3}
community=${4:-mexican}
faker_data "$people" "$seed" "$community"
evaluate_drafted "bilingual, $community ($people people, seed $seed), drafted" \
    "$work/data/members.csv" "$work/data/tickets.csv" "$work/data/newsletter.csv"
