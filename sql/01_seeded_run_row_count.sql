-- The seeded run's table holds exactly snapshot_rows + inserts - deletes rows.
-- cdccraft_wait's progress NOTICEs depend on timing.
SET client_min_messages = warning;
-- PL/pgSQL line numbers are not part of the contract.
\set SHOW_CONTEXT never

SELECT cdccraft_start(total_records => 20000, batch_size => 200, snapshot_rows => 300, seed => 42,
                      evolution_interval => 10) AS run_id \gset
CALL cdccraft_wait(:run_id) \gset
-- count(*) = snapshot_rows + inserts - deletes, exactly.
SELECT (SELECT count(*) FROM sales) AS rows_in_table,
       (s->>'snapshot_rows')::bigint + (s->>'inserts')::bigint - (s->>'deletes')::bigint AS rows_by_summary
  FROM cdccraft_summary(:run_id) s;

SELECT cdccraft_cleanup(:run_id);
