#!/bin/sh
# Identity resolution on a British charity's two exports (`make_data.py`: Faker's en_GB
# tables, an error model of its own), mapped by `cpm config draft` alone, no YAML written
# by hand; then the same files without their phones (a file that has none).
#   bench/british/run.sh [WORK_DIR] [PEOPLE] [SEED]   (needs python3 and pip to fetch Faker once)
set -eu
. "$(dirname "$0")/../project.sh"
people=${2:-20000}
seed=${3:-5}
faker_data "$people" "$seed"
evaluate_drafted "british ($people people, seed $seed), drafted" \
    "$work/data/supporters.csv" "$work/data/event_bookings.csv"
sed -i '/phone/d' "$work/config/sources.yaml"
evaluate_fresh "$work/british.db" "british, without the phones" "$work/data/truth.csv"
