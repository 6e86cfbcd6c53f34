-- The seed's keys are pinned, whatever the platform (their digest), and the
-- same seed and parameters replay the same run: the same counts, keys and
-- schema changes. Both runs' cleanups leave no slot or publication.
-- cdccraft_wait's progress NOTICEs depend on timing.
SET client_min_messages = warning;
-- PL/pgSQL line numbers are not part of the contract.
\set SHOW_CONTEXT never

SELECT cdccraft_start(total_records => 20000, batch_size => 200, snapshot_rows => 300, seed => 42,
                      evolution_interval => 10) AS run_id \gset
CALL cdccraft_wait(:run_id) \gset
SELECT s->'inserts' AS inserts, s->'updates' AS updates, s->'deletes' AS deletes
  FROM cdccraft_summary(:run_id) s;
-- Keys are the seed's, whatever the platform.
SELECT md5(string_agg(id::text, ',' ORDER BY id)) AS keys_digest FROM sales \gset
SELECT :'keys_digest' AS keys_digest;

-- The same seed replays the same run.
SELECT cdccraft_cleanup(:run_id);
SELECT cdccraft_start(total_records => 20000, batch_size => 200, snapshot_rows => 300, seed => 42,
                      evolution_interval => 10) AS replay_id \gset
CALL cdccraft_wait(:replay_id) \gset
SELECT s->'inserts' AS inserts, s->'updates' AS updates, s->'deletes' AS deletes
  FROM cdccraft_summary(:replay_id) s;
SELECT md5(string_agg(id::text, ',' ORDER BY id)) = :'keys_digest' AS same_keys FROM sales;
-- The same changes, each in its own transaction.
SELECT (SELECT jsonb_agg(c - 'xid' - 'commit_lsn') FROM jsonb_array_elements(cdccraft_summary(:replay_id)->'schema_changes') c)
     = (SELECT jsonb_agg(c - 'xid' - 'commit_lsn') FROM jsonb_array_elements(cdccraft_summary(:run_id)->'schema_changes') c)
       AS same_schema_changes;
SELECT cdccraft_cleanup(:replay_id);
SELECT count(*) AS slots_left FROM pg_replication_slots;
SELECT count(*) AS publications_left FROM pg_publication;
