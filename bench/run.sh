#!/usr/bin/env bash
# Throughput of cdccraft against the server's own limit and against pgbench,
# side by side on one throwaway cluster: builds, installs, starts the
# cluster, runs each workload REPEAT times (median reported), prints a table.
#   BENCH_RECORDS  rows inserted per workload (default 200000)
#   BENCH_BATCH    batch size (default 500)
#   REPEAT         repetitions per workload (default 3)
# Every table has the same shape, REPLICA IDENTITY FULL, a publication and an
# unread slot, as cdccraft's have.
source "$(dirname "$0")/../scripts/lib.sh"

records=${BENCH_RECORDS:-200000}
batch=${BENCH_BATCH:-500}
repeat=${REPEAT:-3}
port=${BENCH_PORT:-54339}
batches=$((records / batch))
here=$(cd "$(dirname "$0")" && pwd)

prepare_machine

start_throwaway_cluster bench "$port" <<<"max_wal_size = 4GB"
sql() { PGOPTIONS="-c client_min_messages=warning" cluster_psql -At -v ON_ERROR_STOP=1 "$@"; }
sql -f "$here/limits.sql" >/dev/null

# cdccraft: row changes per second from the end of setup to the last commit.
run_cdccraft() {
    local args=$1
    sql <<SQL
SELECT cdccraft_start(table_name => 'bench', total_records => $records, batch_size => $batch, seed => 7 $args) AS id \gset
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
CALL cdccraft_wait(:id) \gset
SELECT round((inserts + updates + deletes) / (extract(epoch FROM finished_at) - :t0)) FROM cdccraft_runs WHERE run_id = :id;
SELECT cdccraft_cleanup(:id) IS NOT NULL AS cleaned \gset
SQL
}

# The server's own limit: a procedure committing one set-based batch per
# transaction; it returns the row changes it made.
run_limit() {
    local mutation_probability=$1
    sql <<SQL
CALL make_reference_table();
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
CALL limit_batches($batches, $batch, $mutation_probability, NULL);
SELECT round(changes / (extract(epoch FROM clock_timestamp()) - :t0)) FROM limit_result;
CALL drop_reference_table();
SQL
}

# pgbench from a client, one transaction per batch; changes counted by the
# server's own statistics (flushed when pgbench's session ends).
run_pgbench() {
    local mutation=$1 out tps
    sql <<<"CALL make_reference_table();"
    out=$(as_os_user "pgbench -n -h '$CLUSTER_DIR' -p $CLUSTER_PORT -U postgres -c 1 -t $batches -D batch=$batch \
        -D b=0 -D mutation=$mutation -f '$here/pgbench_batch.sql' postgres 2>&1")
    tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p')
    [ -n "$tps" ] || { echo "pgbench failed: $out" >&2; return 1; }
    sql <<SQL
SELECT pg_stat_force_next_flush();
SELECT round((n_tup_ins + n_tup_upd + n_tup_del) * $tps / $batches) FROM pg_stat_user_tables WHERE relname = 'ref_sales';
CALL drop_reference_table();
SQL
}

# column_profile => 'all_types', insert-only, beside the server inserting the
# very same rows (make_replay: a copy of the run's rows, inserted in the same
# batches into a table LIKE the run's, storage included). Prints cdccraft's
# rows per second, then the server's.
run_typed_pair() {
    sql <<SQL
SELECT cdccraft_start(table_name => 'bench', total_records => $records, batch_size => $batch, snapshot_rows => 0,
                      seed => 7, mutation_probability => 0, evolve => false, column_profile => 'all_types') AS id \gset
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
CALL cdccraft_wait(:id) \gset
SELECT round(inserts / (extract(epoch FROM finished_at) - :t0)) AS cdccraft FROM cdccraft_runs WHERE run_id = :id \gset
CALL make_replay('public.bench', 0);
SELECT cdccraft_cleanup(:id) IS NOT NULL AS cleaned \gset
SELECT extract(epoch FROM clock_timestamp()) AS t1 \gset
CALL replay_batches(0, $batch);
SELECT concat_ws(' ', :'cdccraft', round($records / (extract(epoch FROM clock_timestamp()) - :t1)));
CALL drop_replay();
-- The run's enum and domain outlive its first cleanup while the copies use them.
SELECT cdccraft_cleanup(:id) IS NOT NULL AS cleaned \gset
SQL
}

source "$(dirname "$0")/measure.sh"

echo "== $records rows per workload, batches of $batch, median of $repeat"
measure limit_insert run_limit 0
measure cdccraft_insert run_cdccraft ", mutation_probability => 0, evolve => false"
measure pgbench_insert run_pgbench 0
measure cdccraft_insert_time run_cdccraft ", mutation_probability => 0, evolve => false, key_order => 'time'"
measure cdccraft_insert_sql run_cdccraft ", mutation_probability => 0, evolve => false, insert_method => 'insert'"
measure limit_mix run_limit 0.5
measure cdccraft_mix run_cdccraft ", evolve => false"
measure cdccraft_mix_sql run_cdccraft ", evolve => false, insert_method => 'insert'"
measure pgbench_mix run_pgbench 1
measure cdccraft_default run_cdccraft ""
for ((i = 1; i <= repeat; i++)); do
    read -r typed replayed < <(run_typed_pair | tail -n 1)
    results[cdccraft_typed]+="$typed "
    results[replay_typed]+="$replayed "
done

printf '\n%-36s %14s %12s %7s %12s\n' "workload" "cdccraft /s" "limit /s" "ratio" "pgbench /s"
printf '%-36s %14s %12s %7s %12s\n' "insert-only, rows" "$(m cdccraft_insert)" "$(m limit_insert)" \
    "$(ratio "$(m cdccraft_insert)" "$(m limit_insert)")" "$(m pgbench_insert)"
printf '%-36s %14s %12s %7s %12s\n' "insert-only, time-ordered keys" "$(m cdccraft_insert_time)" "$(m limit_insert)" \
    "$(ratio "$(m cdccraft_insert_time)" "$(m limit_insert)")" ""
printf '%-36s %14s %12s %7s %12s\n' "insert-only, insert_method insert" "$(m cdccraft_insert_sql)" "$(m limit_insert)" \
    "$(ratio "$(m cdccraft_insert_sql)" "$(m limit_insert)")" ""
printf '%-36s %14s %12s %7s %12s\n' "default mix (no DDL), row changes" "$(m cdccraft_mix)" "$(m limit_mix)" \
    "$(ratio "$(m cdccraft_mix)" "$(m limit_mix)")" "$(m pgbench_mix)"
printf '%-36s %14s %12s %7s %12s\n' "default mix, insert_method insert" "$(m cdccraft_mix_sql)" "$(m limit_mix)" \
    "$(ratio "$(m cdccraft_mix_sql)" "$(m limit_mix)")" ""
printf '%-36s %14s %12s %7s %12s\n' "default run (with DDL), row changes" "$(m cdccraft_default)" "" "" ""
printf '%-36s %14s %12s %7s %12s\n' "insert-only all_types, vs same rows" "$(m cdccraft_typed)" "$(m replay_typed)" \
    "$(ratio "$(m cdccraft_typed)" "$(m replay_typed)")" ""
echo
for k in limit_insert cdccraft_insert pgbench_insert cdccraft_insert_time cdccraft_insert_sql limit_mix cdccraft_mix \
    cdccraft_mix_sql pgbench_mix cdccraft_default \
    cdccraft_typed replay_typed; do
    printf 'runs %-22s [%s]\n' "$k" "${results[$k]% }"
done

# Flat cost per batch: commit-to-commit times around the 10th and the
# 1,000th batch (flat_cost in limits.sql), each REPEAT times. Insert-only
# runs are set beside the server inserting the very same rows in the same
# batches (make_replay), so that what the table's own indexes add as it
# grows shows apart from what cdccraft adds. Mixed batches differ in size,
# so mixes are compared per row change.
flat_batches=1020
flat_snapshot=1000
# The SQL that starts the flat-cost run (extra cdccraft_start arguments) and
# waits for it, its id in :id; every flat-cost run has the same shape.
flat_start_sql() {
    cat <<SQL
SELECT cdccraft_start(table_name => 'flat', total_records => $((flat_batches * batch)), batch_size => $batch,
                      snapshot_rows => $flat_snapshot, evolve => false, seed => 8 $1) AS id \gset
CALL cdccraft_wait(:id) \gset
SQL
}
flat_run() {  # extra cdccraft_start arguments; prints flat_cost's four figures
    sql <<SQL
$(flat_start_sql "$1")
SELECT concat_ws(' ', batch_10_us, batch_1000_us, change_10_us, change_1000_us) FROM flat_cost('flat_slot', 'flat_pub');
SELECT cdccraft_cleanup(:id) IS NOT NULL AS cleaned \gset
SQL
}
flat_insert_pair() {  # key order; prints cdccraft's then the server's batch figures
    sql <<SQL
$(flat_start_sql ", mutation_probability => 0, key_order => '$1'")
SELECT concat_ws(' ', batch_10_us, batch_1000_us) AS cdccraft FROM flat_cost('flat_slot', 'flat_pub') \gset
CALL make_replay('public.flat', $flat_snapshot);
SELECT cdccraft_cleanup(:id) IS NOT NULL AS cleaned \gset
CALL replay_batches($flat_snapshot, $batch);
SELECT concat_ws(' ', :'cdccraft', batch_10_us, batch_1000_us) FROM flat_cost('ref_slot', 'ref_pub');
CALL drop_replay();
SQL
}
flat_limit() {
    sql <<SQL
CALL make_reference_table();
CALL limit_batches($flat_batches, $batch, 0.5, NULL);
SELECT concat_ws(' ', batch_10_us, batch_1000_us, change_10_us, change_1000_us) FROM flat_cost('ref_slot', 'ref_pub');
CALL drop_reference_table();
SQL
}
declare -A flat
flat_measure() {  # name, command...; keeps each repetition's figures
    local name=$1 i
    shift
    for ((i = 1; i <= repeat; i++)); do flat[$name]+="$("$@" | tail -n 1);"; done
}
flat_line() {  # label, name, first field (1-based) of the early/late pair
    local early late
    early=$(echo "${flat[$2]}" | tr ';' '\n' | awk -v f="$3" 'NF {printf "%s ", $f}' | median)
    late=$(echo "${flat[$2]}" | tr ';' '\n' | awk -v f="$(($3 + 1))" 'NF {printf "%s ", $f}' | median)
    printf '%-48s %10s %12s %7s\n' "$1" "$early" "$late" "$(ratio "$late" "$early")"
}
flat_measure insert_random flat_insert_pair random
flat_measure insert_time flat_insert_pair time
flat_measure mix_random flat_run ""
flat_measure mix_time flat_run ", key_order => 'time'"
flat_measure mix_limit flat_limit

printf '\n%-48s %10s %12s %7s\n' "cost per batch (us, median)" "batch 10" "batch 1000" "ratio"
flat_line "insert-only, random keys: cdccraft" insert_random 1
flat_line "  the server inserting the same rows" insert_random 3
flat_line "insert-only, time-ordered keys: cdccraft" insert_time 1
flat_line "  the server inserting the same rows" insert_time 3
printf '%-48s %10s %12s %7s\n' "cost per row change (us, median)" "batch 10" "batch 1000" "ratio"
flat_line "default mix (no DDL), random keys: cdccraft" mix_random 3
flat_line "default mix (no DDL), time-ordered keys" mix_time 3
flat_line "the server's set-based mix, random keys" mix_limit 3
echo
for k in insert_random insert_time mix_random mix_time mix_limit; do
    printf 'flat %-16s [%s]\n' "$k" "${flat[$k]%;}"
done
printf '\n%s, %s cores, %s\n' "$(date -u +%Y-%m-%d)" "$(nproc)" "$(psql --version | head -1)"
