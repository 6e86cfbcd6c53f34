-- key_order => 'time': UUIDv7-like keys, sorting in insert order, as exact
-- and as reproducible as random ones.
SET client_min_messages = warning;
\set SHOW_CONTEXT never
SELECT cdccraft_start(table_name => 'ordered', total_records => 5000, batch_size => 250, seed => 9,
                      key_order => 'time') AS run_id \gset
CALL cdccraft_wait(:run_id) \gset
SELECT s->>'state' AS state, s->'inserts' AS inserts, s->'updates' AS updates, s->'deletes' AS deletes,
       s->'parameters'->>'key_order' AS key_order
  FROM cdccraft_summary(:run_id) s;
SELECT bool_and(substr(id::text, 15, 1) = '7') AS version_7,
       bool_and(substr(id::text, 20, 1) IN ('8', '9', 'a', 'b')) AS rfc_variant
  FROM ordered;
-- Rows inserted by later batches have greater keys: ordering by key is
-- ordering by the inserting transaction.
SELECT count(*) AS out_of_order
  FROM (SELECT id, xmin, lag(xmin) OVER (ORDER BY id) AS previous_xmin
          FROM ordered WHERE updated_at = created_at) t
 WHERE xmin::text::bigint < previous_xmin::text::bigint;
SELECT (SELECT count(*) FROM ordered) = snapshot_rows + inserts - deletes AS rows_add_up
  FROM cdccraft_runs WHERE run_id = :run_id;
SELECT md5(string_agg(id::text, ',' ORDER BY id)) AS keys_digest FROM ordered;
SELECT cdccraft_cleanup(:run_id)->'dropped' AS dropped;
