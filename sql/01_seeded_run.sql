-- A seeded run from start to wait to summary: deterministic counts, schema
-- changes and values; the table, the summary and the slot agree.
CREATE EXTENSION cdccraft;
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
-- What the wait returns is the summary (but for the slot's figures, which
-- move with any WAL written since).
SELECT (:'summary'::jsonb - 'slot_lag_bytes' - 'slot_retained_bytes') =
       (cdccraft_summary(:run_id) - 'slot_lag_bytes' - 'slot_retained_bytes') AS wait_returns_summary;

SELECT batch, action, "column", type
  FROM jsonb_to_recordset(cdccraft_summary(:run_id)->'schema_changes') AS c(batch int, action text, "column" text, type text);

-- The summary's schemas are the table's.
SELECT cdccraft_summary(:run_id)->'final_schema' =
       (SELECT jsonb_agg(jsonb_build_object('name', attname, 'type', format_type(atttypid, atttypmod)) ORDER BY attnum)
          FROM pg_attribute WHERE attrelid = 'public.sales'::regclass AND attnum > 0 AND NOT attisdropped)
       AS final_schema_is_the_tables;
SELECT jsonb_array_length(cdccraft_summary(:run_id)->'original_schema') AS original_columns;

-- count(*) = snapshot_rows + inserts - deletes, exactly.
SELECT (SELECT count(*) FROM sales) AS rows_in_table,
       (s->>'snapshot_rows')::bigint + (s->>'inserts')::bigint - (s->>'deletes')::bigint AS rows_by_summary
  FROM cdccraft_summary(:run_id) s;

-- The slot: pgoutput's Insert/Update/Delete messages equal the summary's
-- counts (the snapshot rows predate the slot), one transaction per batch.
CREATE TEMP TABLE messages AS
SELECT n, chr(get_byte(data, 0)) AS kind
  FROM pg_logical_slot_peek_binary_changes('sales_slot', NULL, NULL, 'proto_version', '1',
                                           'publication_names', 'sales_pub')
       WITH ORDINALITY AS m(lsn, xid, data, n);
SELECT count(*) FILTER (WHERE kind = 'I') = (s->>'inserts')::bigint AS inserts_match,
       count(*) FILTER (WHERE kind = 'U') = (s->>'updates')::bigint AS updates_match,
       count(*) FILTER (WHERE kind = 'D') = (s->>'deletes')::bigint AS deletes_match,
       count(*) FILTER (WHERE kind = 'B') = (s->>'batches')::bigint AS one_transaction_per_batch
  FROM messages, cdccraft_summary(:run_id) s
 GROUP BY s;
-- A Relation message in the transaction of every schema change.
WITH numbered AS (
    SELECT kind, count(*) FILTER (WHERE kind = 'B') OVER (ORDER BY n) AS batch FROM messages)
SELECT c.batch, c.action, c.column_name, EXISTS (SELECT FROM numbered m WHERE m.batch = c.batch AND m.kind = 'R')
       AS relation_sent
  FROM cdccraft_schema_changes c WHERE c.run_id = :run_id ORDER BY c.batch;

-- Keys and generated values are the seed's, whatever the platform.
SELECT md5(string_agg(id::text, ',' ORDER BY id)) AS keys_digest FROM sales \gset
SELECT :'keys_digest' AS keys_digest;
SELECT to_jsonb(t) - '{created_at,updated_at,purchased_at}'::text[] AS first_rows FROM sales t ORDER BY id LIMIT 3;
-- purchased_at lies within the two years before the run started (in the
-- server's time zone, as created_at).
SELECT bool_and(purchased_at BETWEEN created_at - interval '730 days 1 hour' AND created_at) AS purchased_in_last_two_years,
       bool_and(updated_at >= created_at) AS updated_after_created
  FROM sales;

SELECT cdccraft_report(:run_id);

SELECT run_id, owner = current_user::regrole AS owned_by_caller, state, schema_name, table_name, publication_name, slot_name, seed, batches, worker_pid
  FROM cdccraft_runs WHERE run_id = :run_id;

-- The same seed replays the same run.
SELECT cdccraft_cleanup(:run_id);
SELECT cdccraft_start(total_records => 20000, batch_size => 200, snapshot_rows => 300, seed => 42,
                      evolution_interval => 10) AS replay_id \gset
CALL cdccraft_wait(:replay_id) \gset
SELECT s->'inserts' AS inserts, s->'updates' AS updates, s->'deletes' AS deletes
  FROM cdccraft_summary(:replay_id) s;
SELECT md5(string_agg(id::text, ',' ORDER BY id)) = :'keys_digest' AS same_keys FROM sales;
SELECT cdccraft_summary(:replay_id)->'schema_changes' = cdccraft_summary(:run_id)->'schema_changes'
       AS same_schema_changes;
-- From PL/pgSQL the summary comes back through a variable.
DO $$
DECLARE
    newest bigint := (SELECT max(run_id) FROM cdccraft_runs);
    summary jsonb;
BEGIN
    CALL cdccraft_wait(newest, summary => summary);
    ASSERT summary->>'state' = 'completed', 'cdccraft_wait returned ' || coalesce(summary::text, 'NULL');
END;
$$;
SELECT cdccraft_cleanup(:replay_id);
SELECT count(*) AS slots_left FROM pg_replication_slots;
SELECT count(*) AS publications_left FROM pg_publication;
