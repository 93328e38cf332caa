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
pip_once faker faker==40.63.0
PYTHONPATH="$work/py" python3 "$here/make_data.py" "$work/data" "$people" "$seed" "$community"
rm -f "$work/config/sources.yaml"
cpm config draft --root "$work" --add "$work/data/members.csv" "$work/data/tickets.csv" "$work/data/newsletter.csv"
evaluate_fresh "$work/bilingual.db" "bilingual, $community ($people people, seed $seed), drafted" "$work/data/truth.csv"
