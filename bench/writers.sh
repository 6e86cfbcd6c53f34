#!/usr/bin/env bash
# writers => 2 against one writer, on one throwaway cluster: the aggregate
# row changes per second of a run, for an insert-only run and the default mix
# without DDL, and beside them two independent one-writer runs on two tables
# at once (what two backends reach without sharing a run). REPEAT times
# each, median reported.
#   BENCH_RECORDS  rows inserted per run (default 400000)
#   BENCH_BATCH    batch size (default 500)
#   REPEAT         repetitions (default 3)
source "$(dirname "$0")/../scripts/lib.sh"

records=${BENCH_RECORDS:-400000}
batch=${BENCH_BATCH:-500}
repeat=${REPEAT:-3}
port=${BENCH_PORT:-54341}

prepare_machine
start_throwaway_cluster bench_writers "$port" <<<"max_wal_size = 4GB"
sql() { PGOPTIONS="-c client_min_messages=warning" cluster_psql -At -v ON_ERROR_STOP=1 "$@"; }
sql <<<"CREATE EXTENSION IF NOT EXISTS cdccraft;" >/dev/null

# One run: row changes per second from the end of setup to the last commit.
run() {  # writers, extra cdccraft_start arguments
    sql <<SQL
SELECT cdccraft_start(table_name => 'bench', total_records => $records, batch_size => $batch, seed => 7,
                      evolve => false, writers => $1 $2) AS id \gset
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
CALL cdccraft_wait(:id) \gset
SELECT round((inserts + updates + deletes) / (extract(epoch FROM finished_at) - :t0)) FROM cdccraft_runs WHERE run_id = :id;
SELECT cdccraft_cleanup(:id) IS NOT NULL AS cleaned \gset
SQL
}

# Two one-writer runs of half the rows each, on two tables at once: their
# changes over the time from the first start to the last commit.
pair() {  # extra cdccraft_start arguments
    sql <<SQL
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
SELECT cdccraft_start(table_name => 'bench_a', total_records => $((records / 2)), batch_size => $batch, seed => 7,
                      evolve => false $1) AS a \gset
SELECT cdccraft_start(table_name => 'bench_b', total_records => $((records / 2)), batch_size => $batch, seed => 8,
                      evolve => false $1) AS b \gset
CALL cdccraft_wait(:a) \gset
CALL cdccraft_wait(:b) \gset
SELECT round(sum(inserts + updates + deletes) / (extract(epoch FROM max(finished_at)) - :t0))
  FROM cdccraft_runs WHERE run_id IN (:a, :b);
SELECT cdccraft_cleanup(:a) IS NOT NULL AND cdccraft_cleanup(:b) IS NOT NULL AS cleaned \gset
SQL
}

source "$(dirname "$0")/measure.sh"
insert_only=", mutation_probability => 0"
echo "== $records rows per run, batches of $batch, median of $repeat"
measure insert_1 run 1 "$insert_only"
measure insert_2 run 2 "$insert_only"
measure insert_pair pair "$insert_only"
measure mix_1 run 1 ""
measure mix_2 run 2 ""
measure mix_pair pair ""

printf '\n%-34s %12s %12s %7s %16s %7s\n' "workload (row changes /s)" "1 writer" "2 writers" "ratio" "2 separate runs" "ratio"
for w in insert mix; do
    label=$([ $w = insert ] && echo "insert-only" || echo "default mix (no DDL)")
    printf '%-34s %12s %12s %7s %16s %7s\n' "$label" "$(m ${w}_1)" "$(m ${w}_2)" "$(ratio "$(m ${w}_2)" "$(m ${w}_1)")" \
        "$(m ${w}_pair)" "$(ratio "$(m ${w}_pair)" "$(m ${w}_1)")"
done
echo
for k in insert_1 insert_2 insert_pair mix_1 mix_2 mix_pair; do printf 'runs %-12s [%s]\n' "$k" "${results[$k]% }"; done
