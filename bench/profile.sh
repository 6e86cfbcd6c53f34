#!/usr/bin/env bash
# Where one run's worker spends its time and how much memory it takes: builds,
# starts a throwaway cluster, runs a default run of PROFILE_RECORDS rows,
# samples the worker's private memory (RssAnon) every 50 ms and, when perf is
# installed (Debian: linux-perf), records its CPU profile; prints the peak
# memory and perf's shares by library and by cdccraft function.
#   PROFILE_RECORDS  rows to insert (default 1000000)
#   PROFILE_ARGS     more cdccraft_start arguments, e.g.
#                    ", column_profile => 'all_types', mutation_probability => 0"
source "$(dirname "$0")/../scripts/lib.sh"

records=${PROFILE_RECORDS:-1000000}
port=${PROFILE_PORT:-54341}

prepare_machine
start_throwaway_cluster profile "$port" <<<"max_wal_size = 4GB"
sql() { cluster_psql -At -v ON_ERROR_STOP=1 "$@"; }
sql <<<'CREATE EXTENSION cdccraft;' >/dev/null

run_id=$(sql <<<"SELECT cdccraft_start(total_records => $records, seed => 3 ${PROFILE_ARGS:-});")
pid=$(sql <<<"SELECT worker_pid FROM cdccraft_runs WHERE run_id = $run_id;")
profile="$CLUSTER_DIR/perf.data"
if command -v perf >/dev/null; then
    as_root perf record -e cpu-clock -F 2000 -g -o "$profile" -p "$pid" >/dev/null 2>&1 &
    perf_pid=$!
fi
peak=0
while kill -0 "$pid" 2>/dev/null; do
    rss=$(awk '/^RssAnon/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    if [ -n "$rss" ] && [ "$rss" -gt "$peak" ]; then peak=$rss; fi
    sleep 0.05
done
[ -n "${perf_pid:-}" ] && wait "$perf_pid" 2>/dev/null

sql <<SQL
SELECT format('run %s: %s, %s inserts, %s updates, %s deletes, %s live rows, %s changes/s', run_id, state,
              inserts, updates, deletes, snapshot_rows + inserts - deletes, changes_per_second)
  FROM cdccraft_runs WHERE run_id = $run_id;
SQL
echo "worker peak private memory (RssAnon): $peak kB"
if [ -n "${perf_pid:-}" ]; then
    echo "== worker CPU by library"
    as_root perf report -i "$profile" --no-children --sort dso -g none -q 2>/dev/null | head -8
    echo "== worker CPU in cdccraft.so by function"
    as_root perf report -i "$profile" --no-children --dso cdccraft.so --sort sym -g none -q 2>/dev/null | head -12
else
    echo "perf is not installed (apt-get install linux-perf): no CPU profile"
fi
