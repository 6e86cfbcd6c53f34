#!/usr/bin/env bash
# The main job on a fresh machine: a throwaway PostgreSQL 15 cluster with
# wal_level = logical, the extension installed, one simulation with progress
# lines, its report, and the truth's verdict on what the server emitted (the
# run's canary slot against cdccraft_changes). DEMO_RECORDS sets the run's
# size (default 1000000).
source "$(dirname "$0")/lib.sh"

records=${DEMO_RECORDS:-1000000}
port=${DEMO_PORT:-54329}

prepare_machine

start_throwaway_cluster demo "$port" </dev/null

cluster_psql -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION cdccraft;
\echo == cdccraft_start(total_records => $records, verify => true)
SELECT cdccraft_start(total_records => $records, verify => true) AS run_id \gset
\echo == run :run_id started; waiting for it, with progress
CALL cdccraft_wait(:run_id) \gset
\pset format unaligned
\pset tuples_only on
SELECT cdccraft_report(:run_id);
\echo
SELECT format('Slot %s holds %s of WAL for %s changes; %s changes/s.', slot_name,
              pg_size_pretty(slot_retained_bytes), inserts + updates + deletes, changes_per_second)
  FROM cdccraft_runs WHERE run_id = :run_id;
SELECT format('Row count %s = snapshot %s + inserts %s - deletes %s', (SELECT count(*) FROM sales), snapshot_rows,
              inserts, deletes)
  FROM cdccraft_runs WHERE run_id = :run_id;
SELECT format('The truth: %s changes (cdccraft_changes); the canary slot decoded against it: %s '
              '(%s transactions, %s inserts, %s updates, %s deletes checked)',
              (SELECT count(*) FROM cdccraft_changes(:run_id)), CASE WHEN (v->>'ok')::boolean THEN 'ok' ELSE 'NOT ok' END,
              v->'transactions', v->'checked'->'insert', v->'checked'->'update', v->'checked'->'delete')
  FROM cdccraft_verify(:run_id) v;
SQL
