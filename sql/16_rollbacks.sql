-- rollback_fraction: batches written whole, then rolled back; and
-- savepoint_fraction: deletes inside a savepoint rolled back in committed
-- batches. Counted, with the changes they held; absent from the truth, whose
-- transactions are the committed batches alone, and whose rows are those the
-- savepoints kept; the table is the expected state all the same.
SET client_min_messages = warning;
SELECT cdccraft_start(table_name => 'aborting', total_records => 5000, batch_size => 100, seed => 16,
                      rollback_fraction => 0.3, savepoint_fraction => 0.5, evolution_interval => 3,
                      evolution_probability => 1, verify => true) AS run_id \gset
CALL cdccraft_wait(:run_id) \gset
SELECT state, last_error FROM cdccraft_runs WHERE run_id = :run_id;
SELECT s->'rolled_back' AS rolled_back, s->'inserts' AS inserts, s->'batches' AS last_batch
  FROM cdccraft_summary(:run_id) s;

-- Every batch number is a committed transaction of the truth, or a batch
-- rolled back; the truth's inserts are the run's.
SELECT count(DISTINCT c.batch) FILTER (WHERE c.batch > 0) AS committed_batches,
       count(*) FILTER (WHERE c.op = 'insert' AND c.batch > 0) AS truth_inserts,
       count(DISTINCT c.batch) FILTER (WHERE c.batch > 0) + r.rolled_back_batches = r.batches AS every_batch_accounted
  FROM cdccraft_changes(:run_id) c, cdccraft_runs r
 WHERE r.run_id = :run_id
 GROUP BY r.rolled_back_batches, r.batches;
-- A rolled-back batch makes no schema change.
SELECT count(*) AS schema_changes_outside_the_ledger
  FROM cdccraft_schema_changes c
 WHERE c.run_id = :run_id
   AND NOT EXISTS (SELECT FROM cdccraft_batches b WHERE b.run_id = c.run_id AND b.batch = c.batch);

-- The table is the truth's expected state, and the canary saw no rolled-back work.
SELECT (SELECT count(*) FROM aborting) AS table_rows, (SELECT count(*) FROM cdccraft_expected_state(:run_id)) AS expected_rows;
SELECT count(*) AS differences FROM cdccraft_diff(:run_id, 'aborting');
SELECT v->'ok' AS verified, v->'checked'->'insert' AS inserts_checked, v->'differences' AS differences
  FROM cdccraft_verify(:run_id) v;
SELECT cdccraft_cleanup(:run_id) IS NOT NULL AS cleaned;
