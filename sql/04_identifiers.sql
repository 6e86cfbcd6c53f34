-- Names with capitals, spaces and quotes are quoted everywhere.
SET client_min_messages = warning;
-- PL/pgSQL line numbers are not part of the contract.
\set SHOW_CONTEXT never
SELECT cdccraft_start(table_name => 'Order "Lines" 2024', schema_name => 'My Schema', total_records => 3000,
                      batch_size => 100, seed => 11, evolution_interval => 3, evolution_probability => 1)
       AS run_id \gset
CALL cdccraft_wait(:run_id) \gset
SELECT s->>'state' AS state, s->>'table' AS "table", s->>'publication' AS publication, s->>'slot' AS slot
  FROM cdccraft_summary(:run_id) s;
SELECT (SELECT count(*) FROM "My Schema"."Order ""Lines"" 2024") =
       (s->>'snapshot_rows')::bigint + (s->>'inserts')::bigint - (s->>'deletes')::bigint AS rows_add_up
  FROM cdccraft_summary(:run_id) s;
SELECT cdccraft_cleanup(:run_id);
SELECT count(*) AS schema_left FROM pg_namespace WHERE nspname = 'My Schema';
