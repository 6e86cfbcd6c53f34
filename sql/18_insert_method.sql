-- cdccraft.insert_method: copy (COPY FROM, the default) and insert (INSERT
-- ... SELECT) write the same rows. One seed's all_types run on each path:
-- each table is its expected state, every column as text, and the two hold
-- the same keys and values but for the clock's columns. A row trigger fires,
-- and changes what it inserts, on both; a rule runs on both (COPY ignores
-- rules: a table with one inserts as INSERT does); a CHECK constraint fails
-- the run alike on both.
SET client_min_messages = warning;
\set SHOW_CONTEXT never
CREATE EXTENSION IF NOT EXISTS hstore;

SET cdccraft.insert_method = insert;
SELECT cdccraft_start(table_name => 'by_insert', total_records => 3000, batch_size => 250, seed => 18,
                      column_profile => 'all_types', null_fraction => 0.2, create_slot => false,
                      evolution_interval => 3, evolution_probability => 0.5) AS by_insert \gset
SET cdccraft.insert_method = copy;
SELECT cdccraft_start(table_name => 'by_copy', total_records => 3000, batch_size => 250, seed => 18,
                      column_profile => 'all_types', null_fraction => 0.2, create_slot => false,
                      evolution_interval => 3, evolution_probability => 0.5) AS by_copy \gset
CALL cdccraft_wait(:by_insert) \gset
CALL cdccraft_wait(:by_copy) \gset
SELECT run_id = :by_copy AS by_copy, state, parameters->>'insert_method' AS insert_method
  FROM cdccraft_runs WHERE run_id IN (:by_insert, :by_copy) ORDER BY run_id;
RESET cdccraft.insert_method;
SHOW cdccraft.insert_method;
SET cdccraft.insert_method = bulk;

-- Each table is its expected state, every column as text.
SELECT count(*) FILTER (WHERE t.key IS NULL) AS only_expected, count(*) FILTER (WHERE e.key IS NULL) AS only_in_table,
       count(*) FILTER (WHERE t.row <> e.row) AS different, count(*) AS rows
  FROM (SELECT s.id::text AS key, hstore_to_jsonb(hstore(s)) AS row FROM by_insert s) t
  FULL JOIN cdccraft_expected_state(:by_insert) e ON e.key = t.key;
SELECT count(*) FILTER (WHERE t.key IS NULL) AS only_expected, count(*) FILTER (WHERE e.key IS NULL) AS only_in_table,
       count(*) FILTER (WHERE t.row <> e.row) AS different, count(*) AS rows
  FROM (SELECT s.id::text AS key, hstore_to_jsonb(hstore(s)) AS row FROM by_copy s) t
  FULL JOIN cdccraft_expected_state(:by_copy) e ON e.key = t.key;

-- The same keys and values on both paths, but for the clock's columns.
SELECT count(*) AS rows_apart
  FROM (SELECT to_jsonb(b) - '{created_at,updated_at,purchased_at}'::text[] AS j FROM by_insert b) i
  FULL JOIN (SELECT to_jsonb(c) - '{created_at,updated_at,purchased_at}'::text[] AS j FROM by_copy c) c USING (j)
 WHERE i.j IS NULL OR c.j IS NULL;
SELECT cdccraft_cleanup(:by_insert) IS NOT NULL AS cleaned, cdccraft_cleanup(:by_copy) IS NOT NULL AS cleaned;

-- The basic profile's rows go through COPY in binary (every value's bytes
-- the core's own), NULLs among them: the table is its expected state, and
-- the INSERT path's rows are the same.
-- Here the argument chooses, over the setting.
SET cdccraft.insert_method = insert;
SELECT cdccraft_start(table_name => 'basic_copy', total_records => 3000, batch_size => 250, seed => 20,
                      null_fraction => 0.2, create_slot => false, evolution_interval => 3,
                      evolution_probability => 0.5, insert_method => 'copy') AS basic_copy \gset
SET cdccraft.insert_method = copy;
SELECT cdccraft_start(table_name => 'basic_insert', total_records => 3000, batch_size => 250, seed => 20,
                      null_fraction => 0.2, create_slot => false, evolution_interval => 3,
                      evolution_probability => 0.5, insert_method => 'insert') AS basic_insert \gset
RESET cdccraft.insert_method;
CALL cdccraft_wait(:basic_copy) \gset
CALL cdccraft_wait(:basic_insert) \gset
SELECT run_id = :basic_copy AS basic_copy, parameters->>'insert_method' AS insert_method
  FROM cdccraft_runs WHERE run_id IN (:basic_copy, :basic_insert) ORDER BY run_id;
SELECT count(*) FILTER (WHERE t.key IS NULL) AS only_expected, count(*) FILTER (WHERE e.key IS NULL) AS only_in_table,
       count(*) FILTER (WHERE t.row <> e.row) AS different, count(*) AS rows
  FROM (SELECT s.id::text AS key, hstore_to_jsonb(hstore(s)) AS row FROM basic_copy s) t
  FULL JOIN cdccraft_expected_state(:basic_copy) e ON e.key = t.key;
SELECT count(*) AS rows_apart
  FROM (SELECT to_jsonb(b) - '{created_at,updated_at,purchased_at}'::text[] AS j FROM basic_insert b) i
  FULL JOIN (SELECT to_jsonb(c) - '{created_at,updated_at,purchased_at}'::text[] AS j FROM basic_copy c) c USING (j)
 WHERE i.j IS NULL OR c.j IS NULL;
SELECT count(*) FILTER (WHERE quantity IS NULL) > 0 AS nulls_written FROM basic_copy;
SELECT cdccraft_cleanup(:basic_copy) IS NOT NULL AS cleaned, cdccraft_cleanup(:basic_insert) IS NOT NULL AS cleaned;

-- Columns another session alters mid-run (integer to bigint, timestamp to
-- timestamptz, double precision to numeric, then to integer) take the
-- values as INSERT's casts do: a batch into a column of another type than
-- the run made it inserts as INSERT does. COPY would parse the values'
-- text with the new type's input function instead: 6638.5900000000001 as a
-- numeric, and an error for an integer. The run goes on, every row counted.
SET cdccraft.insert_method = copy;
SELECT cdccraft_start(table_name => 'altered', total_records => 0, batch_size => 50, seed => 21, evolve => false,
                      create_slot => false, changes_per_second => 2000) AS altered \gset
RESET cdccraft.insert_method;
CALL cdccraft_wait(:altered, '60s', until_batch => 2) \gset
ALTER TABLE altered ALTER COLUMN quantity TYPE bigint, ALTER COLUMN purchased_at TYPE timestamptz,
    ALTER COLUMN total_amount TYPE numeric;
SELECT batches + 5 AS later FROM cdccraft_runs WHERE run_id = :altered \gset
CALL cdccraft_wait(:altered, '60s', until_batch => :later) \gset
SELECT count(*) FILTER (WHERE total_amount <> round(total_amount, 2)) AS more_digits_than_written FROM altered;
ALTER TABLE altered ALTER COLUMN total_amount TYPE integer;
SELECT batches + 5 AS later FROM cdccraft_runs WHERE run_id = :altered \gset
CALL cdccraft_wait(:altered, '60s', until_batch => :later) \gset
SELECT cdccraft_stop(:altered) IS NOT NULL AS stopped;
SELECT state, last_error, (SELECT count(*) FROM altered) = snapshot_rows + inserts - deletes AS every_row_counted
  FROM cdccraft_runs WHERE run_id = :altered;
SELECT cdccraft_cleanup(:altered) IS NOT NULL AS cleaned;

-- A row trigger that rewrites a value, then a CHECK constraint no row meets.
CREATE FUNCTION public.mark_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.customer_name := 'set by the trigger';
    RETURN NEW;
END $$;
\set method copy
SET cdccraft.insert_method = :method;
SELECT cdccraft_start(table_name => 'shaped_' || :'method', total_records => 0, batch_size => 50, seed => 19,
                      evolve => false, create_slot => false, changes_per_second => 2000) AS run \gset
CALL cdccraft_wait(:run, '60s', until_batch => 2) \gset
SELECT format('CREATE TRIGGER mark BEFORE INSERT ON %I FOR EACH ROW EXECUTE FUNCTION public.mark_row()',
              'shaped_' || :'method') \gexec
SELECT format('CREATE TABLE %I (id uuid)', 'ruled_' || :'method') \gexec
SELECT format('CREATE RULE keep_ids AS ON INSERT TO %I DO ALSO INSERT INTO %I VALUES (NEW.id)',
              'shaped_' || :'method', 'ruled_' || :'method') \gexec
SELECT batches + 3 AS marked_until FROM cdccraft_runs WHERE run_id = :run \gset
CALL cdccraft_wait(:run, '60s', until_batch => :marked_until) \gset
SELECT format('ALTER TABLE %I ADD CONSTRAINT none_meets CHECK (quantity < 0) NOT VALID', 'shaped_' || :'method') \gexec
CALL cdccraft_wait(:run, '60s') \gset
SELECT :'method' AS method, state, replace(split_part(last_error, ' (Failing', 1), 'shaped_' || :'method', 'shaped_*')
       AS last_error
  FROM cdccraft_runs WHERE run_id = :run;
SELECT format('SELECT count(*) FILTER (WHERE customer_name = %L) >= 150 AS marked_by_the_trigger FROM %I',
              'set by the trigger', 'shaped_' || :'method') \gexec
SELECT format('SELECT count(*) >= 150 AS kept_by_the_rule, count(*) = count(DISTINCT id) AS each_once FROM %I',
              'ruled_' || :'method') \gexec
SELECT cdccraft_cleanup(:run) IS NOT NULL AS cleaned;

\set method insert
SET cdccraft.insert_method = :method;
SELECT cdccraft_start(table_name => 'shaped_' || :'method', total_records => 0, batch_size => 50, seed => 19,
                      evolve => false, create_slot => false, changes_per_second => 2000) AS run \gset
CALL cdccraft_wait(:run, '60s', until_batch => 2) \gset
SELECT format('CREATE TRIGGER mark BEFORE INSERT ON %I FOR EACH ROW EXECUTE FUNCTION public.mark_row()',
              'shaped_' || :'method') \gexec
SELECT format('CREATE TABLE %I (id uuid)', 'ruled_' || :'method') \gexec
SELECT format('CREATE RULE keep_ids AS ON INSERT TO %I DO ALSO INSERT INTO %I VALUES (NEW.id)',
              'shaped_' || :'method', 'ruled_' || :'method') \gexec
SELECT batches + 3 AS marked_until FROM cdccraft_runs WHERE run_id = :run \gset
CALL cdccraft_wait(:run, '60s', until_batch => :marked_until) \gset
SELECT format('ALTER TABLE %I ADD CONSTRAINT none_meets CHECK (quantity < 0) NOT VALID', 'shaped_' || :'method') \gexec
CALL cdccraft_wait(:run, '60s') \gset
SELECT :'method' AS method, state, replace(split_part(last_error, ' (Failing', 1), 'shaped_' || :'method', 'shaped_*')
       AS last_error
  FROM cdccraft_runs WHERE run_id = :run;
SELECT format('SELECT count(*) FILTER (WHERE customer_name = %L) >= 150 AS marked_by_the_trigger FROM %I',
              'set by the trigger', 'shaped_' || :'method') \gexec
SELECT format('SELECT count(*) >= 150 AS kept_by_the_rule, count(*) = count(DISTINCT id) AS each_once FROM %I',
              'ruled_' || :'method') \gexec
SELECT cdccraft_cleanup(:run) IS NOT NULL AS cleaned;
RESET cdccraft.insert_method;
DROP TABLE ruled_copy, ruled_insert;
