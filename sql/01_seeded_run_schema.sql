-- The seeded run's schema changes are the seed's, and the summary's schemas
-- are the table's: the final one is the table as it stands.
-- cdccraft_wait's progress NOTICEs depend on timing.
SET client_min_messages = warning;
-- PL/pgSQL line numbers are not part of the contract.
\set SHOW_CONTEXT never

SELECT cdccraft_start(total_records => 20000, batch_size => 200, snapshot_rows => 300, seed => 42,
                      evolution_interval => 10) AS run_id \gset
CALL cdccraft_wait(:run_id) \gset
SELECT batch, action, "column", type
  FROM jsonb_to_recordset(cdccraft_summary(:run_id)->'schema_changes') AS c(batch int, action text, "column" text, type text);

-- The summary's schemas are the table's.
SELECT cdccraft_summary(:run_id)->'final_schema' =
       (SELECT jsonb_agg(jsonb_build_object('name', attname, 'type', format_type(atttypid, atttypmod)) ORDER BY attnum)
          FROM pg_attribute WHERE attrelid = 'public.sales'::regclass AND attnum > 0 AND NOT attisdropped)
       AS final_schema_is_the_tables;
SELECT jsonb_array_length(cdccraft_summary(:run_id)->'original_schema') AS original_columns;

SELECT cdccraft_cleanup(:run_id);
