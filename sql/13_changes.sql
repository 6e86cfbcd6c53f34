-- cdccraft_changes: the run's every change, replayed from its seed and its
-- ledger; cdccraft_expected_state: the rows they leave. Both equal the table
-- exactly, every column compared as text; the changes are the seed's,
-- whatever the platform (a digest of all but the clock's columns), and
-- agree with the counters and the schema changes.
SET client_min_messages = warning;
\set SHOW_CONTEXT never
CREATE EXTENSION hstore;

SELECT cdccraft_start(table_name => 'truth', total_records => 5000, batch_size => 100, snapshot_rows => 200,
                      seed => 42, evolution_interval => 4, evolution_probability => 1) AS run_id \gset
CALL cdccraft_wait(:run_id) \gset

-- Every change is counted, and the counters count every change.
SELECT c.op, count(*), count(*) = CASE c.op WHEN 'insert' THEN r.snapshot_rows + r.inserts
                                            WHEN 'update' THEN r.updates WHEN 'delete' THEN r.deletes
                                            WHEN 'ddl' THEN r.additions + r.drops END AS counted
  FROM cdccraft_changes(:run_id) c, cdccraft_runs r
 WHERE r.run_id = :run_id
 GROUP BY c.op, r.snapshot_rows, r.inserts, r.updates, r.deletes, r.additions, r.drops
 ORDER BY c.op;

-- The changes are the seed's (the clock's columns aside: created_at and
-- updated_at are the transaction's now(), purchased_at counts back from the
-- run's start).
SELECT md5(string_agg(format('%s/%s/%s/%s/%s/%s', batch, seq, op, key,
                             data - '{created_at,updated_at,purchased_at}'::text[], ddl),
                      ',' ORDER BY batch, seq)) AS changes_digest
  FROM cdccraft_changes(:run_id);
SELECT batch, seq, op, key, data - '{created_at,updated_at,purchased_at}'::text[] AS data, ddl
  FROM cdccraft_changes(:run_id)
 WHERE (batch, seq) IN ((0, 1), (4, 1), (4, 2))
    OR (batch, seq) = (SELECT batch, seq FROM cdccraft_changes(:run_id) WHERE op = 'update' ORDER BY batch, seq LIMIT 1)
    OR (batch, seq) = (SELECT batch, seq FROM cdccraft_changes(:run_id) WHERE op = 'delete' ORDER BY batch, seq LIMIT 1)
 ORDER BY batch, seq;

-- The clock's columns: created_at and updated_at are the transaction's
-- now() in the worker's time zone, purchased_at the run's time anchor less
-- at most two years.
SELECT bool_and(c.data->>'created_at' = (b.now_at AT TIME ZONE r.time_zone)::text
                AND c.data->>'updated_at' = c.data->>'created_at') AS inserts_at_now,
       bool_and((c.data->>'purchased_at')::timestamp BETWEEN r.time_anchor - interval '730 days' AND r.time_anchor)
           AS purchased_within_two_years
  FROM cdccraft_changes(:run_id) c
  JOIN cdccraft_batches b USING (batch)
  JOIN cdccraft.run r ON r.id = b.run_id
 WHERE c.op = 'insert' AND b.run_id = :run_id;
SELECT bool_and(pg_catalog.array_length(ARRAY(SELECT jsonb_object_keys(c.data)), 1) = 2
                AND c.data->>'updated_at' = (b.now_at AT TIME ZONE r.time_zone)::text) AS updates_set_one_column_and_now
  FROM cdccraft_changes(:run_id) c
  JOIN cdccraft_batches b USING (batch)
  JOIN cdccraft.run r ON r.id = b.run_id
 WHERE c.op = 'update' AND b.run_id = :run_id;
SELECT count(*) FILTER (WHERE data IS NOT NULL) AS deletes_with_data, count(*) FILTER (WHERE key IS NULL) AS without_key
  FROM cdccraft_changes(:run_id) WHERE op = 'delete';

-- The DDL is the schema changes', batch for batch, first in its transaction.
SELECT count(*) AS ddl_not_a_schema_change
  FROM cdccraft_changes(:run_id) c
  FULL JOIN (SELECT * FROM cdccraft_schema_changes WHERE run_id = :run_id) s USING (batch)
 WHERE c.op = 'ddl' AND (s.batch IS NULL OR c.seq <> 1 OR c.ddl NOT LIKE '%' || s.action || ' COLUMN ' || s.column_name || '%')
    OR c.op IS NULL;

-- Each change carries its transaction's ledger.
SELECT count(*) AS changes_off_their_ledger
  FROM cdccraft_changes(:run_id) c
  LEFT JOIN cdccraft_batches b ON b.run_id = :run_id AND b.batch = c.batch
 WHERE b.xid IS DISTINCT FROM c.xid OR b.commit_lsn IS DISTINCT FROM c.commit_lsn;

-- The expected state at the end is the table, every column as text.
SELECT count(*) FILTER (WHERE t.key IS NULL) AS only_expected, count(*) FILTER (WHERE e.key IS NULL) AS only_in_table,
       count(*) FILTER (WHERE t.row <> e.row) AS different, count(*) AS rows
  FROM (SELECT s.id::text AS key, hstore_to_jsonb(hstore(s)) AS row FROM truth s) t
  FULL JOIN cdccraft_expected_state(:run_id) e ON e.key = t.key;

-- Replaying the changes in order, DDL included, on a table of the original
-- schema reproduces the table, every column compared as text.
SELECT format('CREATE TABLE truth_replay (%s)',
              string_agg(format('%I %s', c->>'name', c->>'type'), ', ' ORDER BY n)) AS create_replay
  FROM cdccraft_runs, jsonb_array_elements(original_schema) WITH ORDINALITY AS o(c, n)
 WHERE run_id = :run_id \gset
:create_replay;
DO $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT * FROM cdccraft_changes((SELECT max(run_id) FROM cdccraft_runs)) ORDER BY batch, seq LOOP
        CASE c.op
        WHEN 'ddl' THEN
            EXECUTE replace(c.ddl, 'public.truth ', 'public.truth_replay ');
        WHEN 'insert' THEN
            INSERT INTO truth_replay SELECT * FROM jsonb_populate_record(NULL::truth_replay, c.data);
        WHEN 'update' THEN
            EXECUTE format('UPDATE truth_replay t SET (%s) = (SELECT %s FROM jsonb_populate_record(NULL::truth_replay, $1) r) '
                           'WHERE t.id = $2::uuid',
                           (SELECT string_agg(format('%I', k), ', ') FROM jsonb_object_keys(c.data) k),
                           (SELECT string_agg(format('r.%I', k), ', ') FROM jsonb_object_keys(c.data) k))
                USING c.data, c.key;
        WHEN 'delete' THEN
            DELETE FROM truth_replay WHERE id = c.key::uuid;
        END CASE;
    END LOOP;
END;
$$;
SELECT count(*) FILTER (WHERE t.key IS NULL) AS only_replayed, count(*) FILTER (WHERE r.key IS NULL) AS only_in_table,
       count(*) FILTER (WHERE t.row <> r.row) AS different, count(*) AS rows
  FROM (SELECT s.id::text AS key, hstore_to_jsonb(hstore(s)) AS row FROM truth s) t
  FULL JOIN (SELECT s.id::text AS key, hstore_to_jsonb(hstore(s)) AS row FROM truth_replay s) r ON r.key = t.key;
SELECT (SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute
         WHERE attrelid = 'truth_replay'::regclass AND attnum > 0 AND NOT attisdropped)
     = (SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute
         WHERE attrelid = 'truth'::regclass AND attnum > 0 AND NOT attisdropped) AS same_columns;
DROP TABLE truth_replay;

-- Bounds: from_lsn and to_lsn are inclusive commit positions.
SELECT commit_lsn AS lsn4 FROM cdccraft_batches WHERE run_id = :run_id AND batch = 4 \gset
SELECT min(batch), max(batch) FROM cdccraft_changes(:run_id, to_lsn => :'lsn4');
SELECT min(batch), max(batch) FROM cdccraft_changes(:run_id, from_lsn => :'lsn4');
SELECT min(batch), max(batch) FROM cdccraft_changes(:run_id, :'lsn4', :'lsn4');
-- The expected state at batch 4 has the columns then in force, an added
-- column NULL in the rows that predate it.
SELECT count(*) AS rows_at_batch_4, min(jsonb_object_keys_count) AS columns, max(jsonb_object_keys_count) AS same
  FROM (SELECT (SELECT count(*) FROM jsonb_object_keys(e.row)) AS jsonb_object_keys_count
          FROM cdccraft_expected_state(:run_id, :'lsn4') e) x;
SELECT count(*) AS rows_with_the_added_column_null
  FROM cdccraft_expected_state(:run_id, :'lsn4') e
 WHERE e.row->(SELECT column_name FROM cdccraft_schema_changes WHERE run_id = :run_id AND batch = 4) = 'null';

-- The calling session's settings print the values.
SET DateStyle = 'SQL, DMY';
SELECT (data->>'created_at') ~ '^\d\d/\d\d/\d{4} ' AS sql_dmy FROM cdccraft_changes(:run_id) WHERE batch = 0 AND seq = 1;
RESET DateStyle;

-- cdccraft_diff: a faithful copy differs in nothing; a copy that lost a
-- row, changed one, holds one twice and one that never was, lacks a column
-- and has another besides, differs in exactly those.
CREATE TABLE truth_sink AS SELECT * FROM truth;
SELECT count(*) AS differences FROM cdccraft_diff(:run_id, 'truth_sink');
SELECT id::text AS lost FROM truth_sink ORDER BY id LIMIT 1 \gset
SELECT id::text AS doubled FROM truth_sink ORDER BY id LIMIT 1 OFFSET 1 \gset
SELECT id::text AS changed FROM truth_sink ORDER BY id DESC LIMIT 1 \gset
DELETE FROM truth_sink WHERE id = :'lost';
UPDATE truth_sink SET quantity = quantity + 1 WHERE id = :'changed';
INSERT INTO truth_sink SELECT * FROM truth_sink WHERE id = :'doubled';
INSERT INTO truth_sink (id, customer_name, created_at, updated_at)
    VALUES ('00000000-0000-4000-8000-000000000001', 'Nobody', now(), now());
ALTER TABLE truth_sink DROP COLUMN created_at, ADD COLUMN note text;
SELECT CASE d.key WHEN :'lost' THEN 'lost' WHEN :'doubled' THEN 'doubled' WHEN :'changed' THEN 'changed'
                  ELSE d.key END AS key,
       d.problem,
       coalesce(d.expected->>'column', d.actual->>'column') AS "column",
       CASE d.problem WHEN 'different'
           THEN (SELECT array_agg(e.name) FROM jsonb_each(d.expected) e(name, value)
                  WHERE d.actual->e.name IS DISTINCT FROM e.value) END AS columns_that_differ
  FROM cdccraft_diff(:run_id, 'truth_sink') d;
SELECT * FROM cdccraft_diff(:run_id, NULL);
SELECT * FROM cdccraft_diff(:run_id, 'pg_class');
DROP TABLE truth_sink;

-- Bad input.
SELECT * FROM cdccraft_changes(NULL);
SELECT * FROM cdccraft_changes(-1);
SELECT * FROM cdccraft_expected_state(-1);

-- A role that may not see the run finds no such run (42704; the run's id
-- depends on the tests before).
CREATE ROLE truth_stranger;
SET ROLE truth_stranger;
\set VERBOSITY sqlstate
SELECT * FROM cdccraft_changes(:run_id);
SELECT * FROM cdccraft_expected_state(:run_id);
SELECT * FROM cdccraft_diff(:run_id, 'pg_class');
\set VERBOSITY default
RESET ROLE;
DROP ROLE truth_stranger;

SELECT cdccraft_cleanup(:run_id) - 'run_id';

-- null_fraction: NULLs at that rate in every nullable column, inserts and
-- updates alike; the truth has each as JSON null, and the expected state is
-- the table.
SELECT cdccraft_start(table_name => 'nulls', total_records => 4000, batch_size => 100, snapshot_rows => 200,
                      seed => 43, evolution_interval => 4, evolution_probability => 1, null_fraction => 0.3)
       AS null_run \gset
CALL cdccraft_wait(:null_run) \gset
SELECT e.key AS name, round(avg((e.value = 'null')::int), 1) AS null_rate
  FROM cdccraft_changes(:null_run) c, jsonb_each(c.data) e
 WHERE c.op = 'insert'
   AND e.key IN ('customer_name', 'item_id', 'quantity', 'total_amount', 'purchased_at', 'created_at')
 GROUP BY e.key ORDER BY e.key;
SELECT count(*) > 0 AS updates_set_nulls FROM cdccraft_changes(:null_run) c, jsonb_each(c.data) e
 WHERE c.op = 'update' AND e.value = 'null';
SELECT count(*) FILTER (WHERE t.key IS NULL) AS only_expected, count(*) FILTER (WHERE e.key IS NULL) AS only_in_table,
       count(*) FILTER (WHERE t.row <> e.row) AS different, count(*) AS rows
  FROM (SELECT s.id::text AS key, hstore_to_jsonb(hstore(s)) AS row FROM nulls s) t
  FULL JOIN cdccraft_expected_state(:null_run) e ON e.key = t.key;
SELECT count(*) AS null_differences FROM cdccraft_diff(:null_run, 'nulls') WHERE key IS NOT NULL;
SELECT cdccraft_cleanup(:null_run) - 'run_id';
DROP EXTENSION hstore;
