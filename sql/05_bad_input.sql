-- Bad input: a clear error with its SQLSTATE, and nothing left behind.
SET client_min_messages = warning;
-- PL/pgSQL line numbers are not part of the contract.
\set SHOW_CONTEXT never
CREATE FUNCTION pg_temp.outcome(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END;
$$;
SELECT statement, pg_temp.outcome(statement) FROM (VALUES
    ('SELECT cdccraft_start(batch_size => 0)'),
    ('SELECT cdccraft_start(batch_size => -5)'),
    ('SELECT cdccraft_start(total_records => -1)'),
    ('SELECT cdccraft_start(snapshot_rows => -1)'),
    ('SELECT cdccraft_start(mutation_probability => 1.5)'),
    ('SELECT cdccraft_start(evolution_probability => -0.1)'),
    ('SELECT cdccraft_start(evolution_interval => 0)'),
    ('SELECT cdccraft_start(max_additions => 11)'),
    ('SELECT cdccraft_start(batch_size => 100001)'),
    ('SELECT cdccraft_start(snapshot_rows => 100000001)'),
    ('SELECT cdccraft_start(add_probability => 1.01)'),
    ('SELECT cdccraft_start(update_probability => -1)'),
    ('SELECT cdccraft_start(evolution_probability => ''Infinity'')'),
    ('SELECT cdccraft_start(max_additions => -1)'),
    ('SELECT cdccraft_start(max_drops => 16)'),
    ('SELECT cdccraft_start(evolution_interval => -25)'),
    ('SELECT cdccraft_start(max_slot_lag => -1)'),
    ('SELECT cdccraft_start(changes_per_second => -1)'),
    ('SELECT cdccraft_start(changes_per_second => ''NaN'')'),
    ('SELECT cdccraft_start(replica_identity => ''nothing'')'),
    ('SELECT cdccraft_start(key_order => ''sideways'')'),
    ('SELECT cdccraft_start(table_name => NULL)'),
    ('SELECT cdccraft_start(batch_size => NULL)'),
    ('SELECT cdccraft_start(evolve => NULL)'),
    ('SELECT cdccraft_start(replica_identity => NULL)'),
    ('SELECT cdccraft_start(slot_plugin => NULL)'),
    ('SELECT cdccraft_start(publication_name => '''')'),
    ('SELECT cdccraft_start(slot_name => '''')'),
    ('SELECT cdccraft_start(publication_name => repeat(''p'', 64))'),
    ('SELECT cdccraft_start(slot_plugin => '''')'),
    ('SELECT cdccraft_start(table_name => '''')'),
    ('SELECT cdccraft_start(table_name => repeat(''t'', 64))'),
    ('SELECT cdccraft_start(schema_name => repeat(''s'', 64))'),
    ('SELECT cdccraft_start(slot_name => ''Bad-Slot'')'),
    ('SELECT cdccraft_start(table_name => ''Mixed Case'', slot_name => repeat(''x'', 64))'),
    ('SELECT cdccraft_summary(424242)'),
    ('SELECT cdccraft_stop(424242)'),
    ('SELECT cdccraft_cleanup(424242)'),
    ('SELECT cdccraft_cleanup(NULL)'),
    ('CALL cdccraft_wait(424242)'),
    ('CALL cdccraft_wait(NULL)'),
    ('CALL cdccraft_wait(1, timeout => ''-1 second'')'),
    ('CALL cdccraft_wait(1, until_batch => -1)'),
    ('SELECT cdccraft_report(424242)')
) AS t(statement);

-- Names that are taken.
CREATE TABLE not_ours (id int);
SELECT cdccraft_start(table_name => 'not_ours');
CREATE PUBLICATION taken_pub;
SELECT cdccraft_start(table_name => 'fresh', publication_name => 'taken_pub');
SELECT 'taken_slot' FROM pg_create_logical_replication_slot('taken_slot', 'pgoutput');
SELECT cdccraft_start(table_name => 'fresh', slot_name => 'taken_slot');

-- A second run on a table that a run is using.
SELECT cdccraft_start(table_name => 'busy', total_records => 0, changes_per_second => 500, seed => 1) AS busy_id \gset
SELECT cdccraft_start(table_name => 'busy');
SELECT cdccraft_cleanup(:busy_id);
-- Waits that a transaction-long snapshot would keep from seeing the run end;
-- the stop is refused before the worker is signalled.
BEGIN ISOLATION LEVEL REPEATABLE READ;
CALL cdccraft_wait(:busy_id, '1s');
ROLLBACK;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT cdccraft_stop(:busy_id);
ROLLBACK;
SELECT state FROM cdccraft_runs WHERE run_id = :busy_id;
SELECT cdccraft_stop(:busy_id)->>'state' AS state;
SELECT cdccraft_start(table_name => 'busy');

-- A transaction that has written cannot wait for its own slot.
BEGIN;
CREATE TABLE written (id int);
SELECT cdccraft_start(table_name => 'fresh');
ROLLBACK;

-- Nothing was created by the refused starts.
SELECT count(*) AS fresh_tables FROM pg_class WHERE relname = 'fresh';
SELECT array_agg(pubname ORDER BY pubname) AS publications FROM pg_publication;
SELECT array_agg(slot_name ORDER BY slot_name) AS slots FROM pg_replication_slots;
SELECT count(*) AS runs_recorded FROM cdccraft_runs WHERE table_name <> 'busy' AND state NOT IN ('completed', 'stopped');
SELECT cdccraft_cleanup(:busy_id);
SELECT pg_drop_replication_slot('taken_slot');
DROP PUBLICATION taken_pub;
DROP TABLE not_ours;

