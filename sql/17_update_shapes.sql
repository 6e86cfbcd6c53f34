-- Exact mixes and the shapes of an update. updates_per_batch and
-- deletes_per_batch: every batch makes exactly that many of each (as far as
-- the live rows go), whatever mutation_probability says. update_kinds: one
-- column (the original's), several columns in one UPDATE, a column set to the
-- value it has (a row changed in nothing), the primary key. The truth
-- follows each: a key update moves its row, and the expected state is the
-- table.
SET client_min_messages = warning;
SELECT cdccraft_start(table_name => 'shapes', total_records => 3000, batch_size => 100, seed => 17,
                      updates_per_batch => 40, deletes_per_batch => 15, update_kinds => '{all}',
                      column_profile => 'all_types', null_fraction => 0.1, evolution_interval => 4,
                      evolution_probability => 1, evolution_ops => '{all}', verify => true) AS run_id \gset
CALL cdccraft_wait(:run_id) \gset
SELECT state, last_error FROM cdccraft_runs WHERE run_id = :run_id;

-- Exact: 30 batches, each 100 inserts, 40 updates, 15 deletes (the first
-- batches too: the 1,000 snapshot rows are live; and the batch that
-- truncates the table, whose own 100 rows are enough).
SELECT s->'batches' AS batches, s->'inserts' AS inserts, s->'updates' AS updates, s->'deletes' AS deletes,
       s->'evolution'->'truncates' AS truncates
  FROM cdccraft_summary(:run_id) s;
SELECT count(*) AS batches, count(*) FILTER (WHERE updates <> 40 OR deletes <> 15 OR inserts <> 100) AS inexact_batches
  FROM (SELECT c.batch,
               count(*) FILTER (WHERE c.op = 'insert') AS inserts,
               count(*) FILTER (WHERE c.op = 'update') AS updates,
               count(*) FILTER (WHERE c.op = 'delete') AS deletes
          FROM cdccraft_changes(:run_id) c
         WHERE c.batch > 0
         GROUP BY c.batch) b;

-- Each kind, as the truth lists it: a key update names the row's key before
-- it and its new key as data's id; same_value sets nothing new; columns sets
-- two or more columns besides updated_at.
SELECT count(*) FILTER (WHERE c.data ? 'id' AND c.data->>'id' <> c.key) AS key_updates,
       count(*) FILTER (WHERE c.data = '{}') AS same_value_updates,
       count(*) FILTER (WHERE NOT c.data ? 'id' AND (SELECT count(*) FROM jsonb_object_keys(c.data)) >= 3) AS several_column_updates,
       count(*) FILTER (WHERE NOT c.data ? 'id' AND (SELECT count(*) FROM jsonb_object_keys(c.data)) = 2) AS one_column_updates
  FROM cdccraft_changes(:run_id) c
 WHERE c.op = 'update';
-- A moved row is under its new key, not its old one.
SELECT count(*) FILTER (WHERE t.id IS NOT NULL) AS old_keys_still_in_the_table
  FROM cdccraft_changes(:run_id) c LEFT JOIN shapes t ON t.id = c.key::uuid
 WHERE c.op = 'update' AND c.data ? 'id';

-- The table is the expected state; the canary agrees; the seed replays it
-- (keys, operations and the columns each change sets; the times differ).
SELECT (SELECT count(*) FROM shapes) AS table_rows, (SELECT count(*) FROM cdccraft_expected_state(:run_id)) AS expected_rows;
SELECT count(*) AS differences FROM cdccraft_diff(:run_id, 'shapes');
SELECT v->'ok' AS verified, v->'checked'->'update' AS updates_checked, v->'differences' AS differences
  FROM cdccraft_verify(:run_id) v;
CREATE FUNCTION pg_temp.truth_digest(run_id bigint) RETURNS text LANGUAGE sql AS $$
    SELECT md5(string_agg(concat_ws(' ', c.batch, c.seq, c.op, c.key, c.data->>'id',
                                    (SELECT string_agg(k, ' ' ORDER BY k) FROM jsonb_object_keys(c.data) k)),
                          ',' ORDER BY c.batch, c.seq))
      FROM cdccraft_changes(run_id) c
$$;
SELECT pg_temp.truth_digest(:run_id) AS truth \gset first_
SELECT cdccraft_cleanup(:run_id) IS NOT NULL AS cleaned;
SELECT cdccraft_start(table_name => 'shapes', total_records => 3000, batch_size => 100, seed => 17,
                      updates_per_batch => 40, deletes_per_batch => 15, update_kinds => '{all}',
                      column_profile => 'all_types', null_fraction => 0.1, evolution_interval => 4,
                      evolution_probability => 1, evolution_ops => '{all}') AS again \gset
CALL cdccraft_wait(:again) \gset
SELECT pg_temp.truth_digest(:again) = :'first_truth' AS same_truth,
       (SELECT count(*) FROM cdccraft_diff(:again, 'shapes')) AS differences;
SELECT cdccraft_cleanup(:again) IS NOT NULL AS cleaned;
