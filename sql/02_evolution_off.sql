-- evolve => false: no schema change, the final schema is the original.
SET client_min_messages = warning;
-- PL/pgSQL line numbers are not part of the contract.
\set SHOW_CONTEXT never
SELECT cdccraft_start(table_name => 'static_sales', total_records => 15000, batch_size => 100, seed => 7,
                      evolve => false, evolution_interval => 1, evolution_probability => 1) AS run_id \gset
CALL cdccraft_wait(:run_id) \gset
SELECT s->>'state' AS state, s->'batches' AS batches, s->'inserts' AS inserts, s->'evolution' AS evolution,
       s->'schema_changes' AS schema_changes, s->'final_schema' = s->'original_schema' AS schema_unchanged
  FROM cdccraft_summary(:run_id) s;
SELECT (SELECT count(*) FROM static_sales) =
       (s->>'snapshot_rows')::bigint + (s->>'inserts')::bigint - (s->>'deletes')::bigint AS rows_add_up
  FROM cdccraft_summary(:run_id) s;
SELECT count(*) FILTER (WHERE chr(get_byte(data, 0)) = 'R') AS relation_messages
  FROM pg_logical_slot_peek_binary_changes('static_sales_slot', NULL, NULL, 'proto_version', '1',
                                           'publication_names', 'static_sales_pub');

-- With evolution on and forced every batch, the limits hold.
SELECT cdccraft_start(table_name => 'evolving', total_records => 5000, batch_size => 100, seed => 8,
                      evolution_interval => 1, evolution_probability => 1, max_additions => 4,
                      max_drops => 2) AS evolving_id \gset
CALL cdccraft_wait(:evolving_id) \gset
SELECT s->'evolution' AS evolution, jsonb_array_length(s->'schema_changes') AS schema_changes,
       jsonb_array_length(s->'final_schema') AS final_columns
  FROM cdccraft_summary(:evolving_id) s;
SELECT bool_and(c->>'column' NOT IN ('id', 'created_at', 'updated_at')) AS protected_columns_never_dropped
  FROM jsonb_array_elements(cdccraft_summary(:evolving_id)->'schema_changes') c WHERE c->>'action' = 'DROP';
SELECT cdccraft_cleanup(:run_id);
SELECT cdccraft_cleanup(:evolving_id);
