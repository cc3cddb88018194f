#!/bin/sh
# Task search on a cold cache: before each scenario, stop a PostgreSQL of your own, drop the OS page
# cache, start it again, then time every search of the first pass (see docs/benchmarks.md).
#
#   PGDATA=/path/to/private/cluster DATABASE_URL=postgres://postgres@127.0.0.1:5433/marketplace_bench \
#       scripts/benchmark_search_cold.sh [iterations] [scenario ...]
#
# SETTLE=seconds waits after each restart (for pg_prewarm's autoprewarm to reload what was cached).
# Never point it at a shared server: it restarts the cluster in $PGDATA (as the user owning it, through
# pg_ctl) and, as root, empties the whole machine's page cache.
set -eu
: "${PGDATA:?the data directory of a PostgreSQL cluster of your own}"
: "${DATABASE_URL:?the generated database in that cluster}"
iterations=${1:-100}
[ $# -gt 0 ] && shift
pg_ctl=$(ls /usr/lib/postgresql/*/bin/pg_ctl | tail -1)
owner=$(stat -c %U "$PGDATA")
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
    set -- "full-text, relevance" "full-text + filters, relevance" "full-text, newest" "full-text + filters, newest" \
        "browse, newest" "filters only, newest" "filters only, budget_high" "filters only, budget_low" \
        "filters only, deadline" "no filters" "full-text, budget" "full-text, deadline" "filters matching nothing" \
        "only exclusions" "page 51"
fi
for scenario in "$@"; do
    runuser -u "$owner" -- "$pg_ctl" -D "$PGDATA" -w -m fast stop >/dev/null
    sync
    if ! echo 3 2>/dev/null >/proc/sys/vm/drop_caches; then
        echo "(could not drop the OS page cache: only PostgreSQL's own cache is cold)"
    fi
    runuser -u "$owner" -- "$pg_ctl" -D "$PGDATA" -w start -l "$PGDATA/../cold.log" >/dev/null
    sleep "${SETTLE:-0}"
    .venv/bin/python scripts/benchmark_marketplace.py --cold --iterations "$iterations" --only "$scenario" \
        --skip-pages | grep -E " p50 "
done
