#!/usr/bin/env bash
# cdccraft's insert-only runs against binary COPY FROM of the very same rows
# (issue 15's reference), side by side on one throwaway cluster. For each
# batch size: the seeded insert-only run through COPY (insert_method copy,
# the default), then through INSERT, its rows exported in insertion order
# as binary COPY files of one batch each (and of 20,000 rows), then COPY FROM
# of each file in a transaction of its own into a fresh table of the same
# shape (LIKE ... INCLUDING ALL) with REPLICA IDENTITY FULL, a publication
# and an unread slot, as the run's table has. Then the default mix (no DDL)
# by each method: what the inserts gain, the mix should. REPEAT times each,
# the methods alternating, median.
#   BENCH_RECORDS  rows inserted per run (default 200000)
#   BENCH_BATCHES  batch sizes (default "500 5000")
#   REPEAT         repetitions (default 3)
source "$(dirname "$0")/../scripts/lib.sh"

records=${BENCH_RECORDS:-200000}
batch_sizes=${BENCH_BATCHES:-500 5000}
repeat=${REPEAT:-3}
port=${BENCH_PORT:-54343}
big=20000

prepare_machine
start_throwaway_cluster bench_copy "$port" <<<"max_wal_size = 4GB"
sql() { PGOPTIONS="-c client_min_messages=warning" cluster_psql -At -v ON_ERROR_STOP=1 "$@"; }
sql <<<"CREATE EXTENSION IF NOT EXISTS cdccraft;" >/dev/null
files="$CLUSTER_DIR/copy"
as_os_user "mkdir -p '$files'"

# A seeded run without DDL, kept: its row changes per second from the end of
# setup to the last commit, and its id (on stderr's side channel, the run
# file). Insert-only unless given a mutation probability (the default mix's
# is 0.5).
run_cdccraft() {  # batch size, insert method, mutation probability
    sql <<SQL
SELECT cdccraft_start(table_name => 'bench', total_records => $records, batch_size => $1, seed => 7,
                      evolve => false, mutation_probability => ${3:-0}, insert_method => '$2') AS id \gset
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
CALL cdccraft_wait(:id) \gset
\o $files/run_id
SELECT :id;
\o
SELECT round((inserts + updates + deletes) / (extract(epoch FROM finished_at) - :t0)) FROM cdccraft_runs
 WHERE run_id = :id;
SQL
}

# The run's inserted rows (the snapshot rows, written in setup, left out),
# in insertion order, as binary COPY files of $1 rows each.
export_rows() {  # rows per file, file name prefix
    local skip
    skip=$(sql -c "SELECT snapshot_rows FROM cdccraft_runs WHERE run_id = $(cat "$files/run_id")")
    sql <<SQL
CREATE TABLE bench_ordered AS SELECT row_number() OVER (ORDER BY ctid) AS n, * FROM bench;
DO \$\$
DECLARE
    columns text := (SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
                     WHERE attrelid = 'bench'::regclass AND attnum > 0 AND NOT attisdropped);
BEGIN
    FOR k IN 0 .. ($records - 1) / $1 LOOP
        EXECUTE format('COPY (SELECT %s FROM bench_ordered WHERE n > %s AND n <= %s ORDER BY n) TO %L (FORMAT binary)',
                       columns, $skip + k * $1, $skip + (k + 1) * $1, format('$files/$2_%s', k));
    END LOOP;
END
\$\$;
DROP TABLE bench_ordered;
SQL
}

# COPY FROM of each file, one transaction each, into a fresh table of the
# run's table's shape and setup; rows per second.
copy_back() {  # rows per file, file name prefix
    local n=$((((records - 1) / $1) + 1)) k
    {
        echo "CREATE TABLE copy_target (LIKE bench INCLUDING ALL);"
        echo "ALTER TABLE copy_target REPLICA IDENTITY FULL;"
        echo "CREATE PUBLICATION copy_pub FOR TABLE copy_target;"
        echo "SELECT 'made' AS made FROM pg_create_logical_replication_slot('copy_slot', 'pgoutput') \\gset"
        echo "CHECKPOINT;"
        echo "SELECT extract(epoch FROM clock_timestamp()) AS t0 \\gset"
        for ((k = 0; k < n; k++)); do echo "COPY copy_target FROM '$files/$2_$k' (FORMAT binary);"; done
        echo "SELECT round(count(*) / (extract(epoch FROM clock_timestamp()) - :t0)) AS rate FROM copy_target \\gset"
        echo "SELECT pg_drop_replication_slot('copy_slot');"
        echo "DROP PUBLICATION copy_pub;"
        echo "DROP TABLE copy_target;"
        echo "SELECT :rate;"
    } >"$files.sql"
    chmod a+r "$files.sql"
    sql -f "$files.sql" | tail -n 1
}

clean_run() { sql <<<"SELECT cdccraft_cleanup($(cat "$files/run_id")) IS NOT NULL;" >/dev/null; as_os_user "rm -f '$files'/*"; }

# results, median, ratio and m; the runs are interleaved per repetition
# (each COPY line needs its run's export), so measure() is not used.
source "$(dirname "$0")/measure.sh"

echo "== $records rows per run, batch sizes $batch_sizes, median of $repeat"
for b in $batch_sizes; do
    for ((i = 1; i <= repeat; i++)); do
        results[cdccraft_copy_$b]+="$(run_cdccraft "$b" copy | tail -n 1) "
        clean_run
        results[cdccraft_$b]+="$(run_cdccraft "$b" insert | tail -n 1) "
        export_rows "$b" batch
        export_rows "$big" big
        results[copy_$b]+="$(copy_back "$b" batch) "
        results[copy_big_$b]+="$(copy_back "$big" big) "
        clean_run
        results[mix_copy_$b]+="$(run_cdccraft "$b" copy 0.5 | tail -n 1) "
        clean_run
        results[mix_insert_$b]+="$(run_cdccraft "$b" insert 0.5 | tail -n 1) "
        clean_run
    done
done

printf '\n%-12s %14s %16s %7s %20s %7s %18s %7s\n' "batch size" "cdccraft /s" "COPY, same /s" "ratio" \
    "COPY, 20,000 /s" "ratio" "cdccraft copy /s" "ratio"
for b in $batch_sizes; do
    printf '%-12s %14s %16s %7s %20s %7s %18s %7s\n' "$b" "$(m cdccraft_$b)" "$(m copy_$b)" \
        "$(ratio "$(m cdccraft_$b)" "$(m copy_$b)")" "$(m copy_big_$b)" "$(ratio "$(m cdccraft_$b)" "$(m copy_big_$b)")" \
        "$(m cdccraft_copy_$b)" "$(ratio "$(m cdccraft_copy_$b)" "$(m copy_$b)")"
done
printf '\n%-12s %24s %26s %7s\n' "batch size" "default mix, copy /s" "default mix, insert /s" "ratio"
for b in $batch_sizes; do
    printf '%-12s %24s %26s %7s\n' "$b" "$(m mix_copy_$b)" "$(m mix_insert_$b)" \
        "$(ratio "$(m mix_copy_$b)" "$(m mix_insert_$b)")"
done
echo
for k in "${!results[@]}"; do printf 'runs %-16s [%s]\n' "$k" "${results[$k]% }"; done | sort
