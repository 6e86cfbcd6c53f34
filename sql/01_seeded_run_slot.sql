-- The seeded run's slot reconciles with its summary: pgoutput's Insert,
-- Update and Delete messages equal the summary's counts, one transaction per
-- batch, and a Relation message in the transaction of every schema change.
-- cdccraft_wait's progress NOTICEs depend on timing.
SET client_min_messages = warning;
-- PL/pgSQL line numbers are not part of the contract.
\set SHOW_CONTEXT never

SELECT cdccraft_start(total_records => 20000, batch_size => 200, snapshot_rows => 300, seed => 42,
                      evolution_interval => 10) AS run_id \gset
CALL cdccraft_wait(:run_id) \gset
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

SELECT cdccraft_cleanup(:run_id);
