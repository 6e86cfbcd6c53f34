-- A run until stopped: visible in pg_stat_activity while it runs, stopped
-- between or within a batch, and every committed batch accounted for.
SET client_min_messages = warning;
-- PL/pgSQL line numbers are not part of the contract.
\set SHOW_CONTEXT never
SELECT cdccraft_start(table_name => 'endless', total_records => 0, batch_size => 50, seed => 3,
                      changes_per_second => 2000) AS run_id \gset
SELECT state FROM cdccraft_runs WHERE run_id = :run_id;
-- Wait on the state, not the clock: until three batches have committed.
CALL cdccraft_wait(:run_id, '60s', until_batch => 3) \gset
SELECT (:'summary'::jsonb->>'batches')::int >= 3 AS three_batches;

SELECT a.backend_type, a.application_name = 'cdccraft run ' || :run_id AS named_for_run, a.usename = current_user AS runs_as_caller,
       a.state IN ('active', 'idle') AS has_state, a.query LIKE 'cdccraft run ' || :run_id || ': %' AS query_says_step
  FROM pg_stat_activity a JOIN cdccraft_runs r ON a.pid = r.worker_pid WHERE r.run_id = :run_id;

SELECT cdccraft_cleanup(:run_id);

-- Cancelling a wait (here by statement_timeout, as Ctrl+C would) leaves the run going.
SET statement_timeout = '100ms';
CALL cdccraft_wait(:run_id);
RESET statement_timeout;
SELECT state FROM cdccraft_runs WHERE run_id = :run_id;

SELECT s->>'state' AS state, (s->>'batches')::int >= 3 AS committed_batches_kept FROM cdccraft_stop(:run_id) s;
SELECT count(*) AS workers_left FROM pg_stat_activity WHERE backend_type = 'cdccraft worker';
SELECT (SELECT count(*) FROM endless) =
       (s->>'snapshot_rows')::bigint + (s->>'inserts')::bigint - (s->>'deletes')::bigint AS rows_add_up,
       (s->>'inserts')::bigint = (s->>'batches')::bigint * 50 AS whole_batches_only
  FROM cdccraft_summary(:run_id) s;
SELECT count(*) FILTER (WHERE chr(get_byte(data, 0)) = 'I') = (s->>'inserts')::bigint AS inserts_match,
       count(*) FILTER (WHERE chr(get_byte(data, 0)) = 'U') = (s->>'updates')::bigint AS updates_match,
       count(*) FILTER (WHERE chr(get_byte(data, 0)) = 'D') = (s->>'deletes')::bigint AS deletes_match
  FROM pg_logical_slot_peek_binary_changes('endless_slot', NULL, NULL, 'proto_version', '1',
                                           'publication_names', 'endless_pub'),
       cdccraft_summary(:run_id) s
 GROUP BY s;
-- Stopping again is an error; so is stopping when nothing runs.
SELECT cdccraft_stop(:run_id);
SELECT cdccraft_stop();
SELECT cdccraft_cleanup(:run_id);
