-- slot_plugin: a test_decoding slot, readable as text by pg_recvlogical,
-- reconciles with the summary line by line.
SET client_min_messages = warning;
-- PL/pgSQL line numbers are not part of the contract.
\set SHOW_CONTEXT never
SELECT cdccraft_start(table_name => 'plain_text', total_records => 4000, batch_size => 100, seed => 5,
                      evolution_interval => 5, slot_plugin => 'test_decoding') AS run_id \gset
CALL cdccraft_wait(:run_id) \gset
SELECT s->>'state' AS state, s->'parameters'->>'slot_plugin' AS slot_plugin
  FROM cdccraft_summary(:run_id) s;
SELECT plugin FROM pg_replication_slots WHERE slot_name = 'plain_text_slot';
SELECT count(*) FILTER (WHERE data LIKE 'table public.plain_text: INSERT:%') = (s->>'inserts')::bigint AS inserts_match,
       count(*) FILTER (WHERE data LIKE 'table public.plain_text: UPDATE:%') = (s->>'updates')::bigint AS updates_match,
       count(*) FILTER (WHERE data LIKE 'table public.plain_text: DELETE:%') = (s->>'deletes')::bigint AS deletes_match
  FROM pg_logical_slot_peek_changes('plain_text_slot', NULL, NULL), cdccraft_summary(:run_id) s
 GROUP BY s;
SELECT cdccraft_cleanup(:run_id);
-- An unknown plugin fails the setup, which removes what it had created. The
-- error depends on the server build: 58P01 (no such library) from a stock
-- server, 42501 from one that names the plugins it allows
-- (output_plugin_libraries); any other error fails the test.
DO $$
BEGIN
    PERFORM cdccraft_start(table_name => 'no_plugin', total_records => 10, slot_plugin => 'no_such_plugin');
    RAISE EXCEPTION 'an unknown plugin was accepted';
EXCEPTION WHEN undefined_file OR insufficient_privilege THEN
    NULL;
END;
$$;
SELECT count(*) AS tables_left FROM pg_class WHERE relname = 'no_plugin';
SELECT count(*) AS publications_left FROM pg_publication WHERE pubname = 'no_plugin_pub';
SELECT state, last_error IS NOT NULL AS has_error FROM cdccraft_runs WHERE table_name = 'no_plugin';
