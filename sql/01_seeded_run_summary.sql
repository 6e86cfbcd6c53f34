-- The seeded run's summary: its state, batches, row changes and evolution are
-- the seed's, and its row in cdccraft_runs records the run (its owner, state,
-- names, seed and batches; no worker once it has completed).
-- cdccraft_wait's progress NOTICEs depend on timing.
SET client_min_messages = warning;
-- PL/pgSQL line numbers are not part of the contract.
\set SHOW_CONTEXT never

SELECT cdccraft_start(total_records => 20000, batch_size => 200, snapshot_rows => 300, seed => 42,
                      evolution_interval => 10) AS run_id \gset
CALL cdccraft_wait(:run_id) \gset
SELECT s->>'state' AS state, s->'batches' AS batches, s->'inserts' AS inserts, s->'updates' AS updates,
       s->'deletes' AS deletes, s->'evolution' AS evolution
  FROM cdccraft_summary(:run_id) s;

SELECT run_id, owner = current_user::regrole AS owned_by_caller, state, schema_name, table_name, publication_name, slot_name, seed, batches, worker_pid
  FROM cdccraft_runs WHERE run_id = :run_id;

SELECT cdccraft_cleanup(:run_id);
