-- Bad arguments: each is refused with a clear error and its SQLSTATE, before
-- anything is created or recorded.
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
    ('SELECT cdccraft_start(evolution_ops => ''{explode}'')'),
    ('SELECT cdccraft_start(evolution_ops => ''{add,NULL}'')'),
    ('SELECT cdccraft_start(evolution_ops => ''{{add},{drop}}'')'),
    ('SELECT cdccraft_start(evolution_ops => ''{"add,drop"}'')'),
    ('SELECT cdccraft_start(evolution_ops => ''{add,""}'')'),
    ('SELECT cdccraft_start(evolution_ops => ''{""}'')'),
    ('SELECT cdccraft_start(table_name => repeat(''t'', 57), column_profile => ''all_types'')'),
    ('SELECT cdccraft_start(evolution_ops => NULL)'),
    ('SELECT cdccraft_start(updates_per_batch => -1)'),
    ('SELECT cdccraft_start(deletes_per_batch => 100001)'),
    ('SELECT cdccraft_start(update_kinds => ''{}'')'),
    ('SELECT cdccraft_start(update_kinds => ''{column,sideways}'')'),
    ('SELECT cdccraft_start(update_kinds => ''{column,""}'')'),
    ('SELECT cdccraft_start(update_kinds => NULL)'),
    ('SELECT cdccraft_start(writers => 2)'),
    ('SELECT cdccraft_start(writers => 0, evolve => false)'),
    ('SELECT cdccraft_start(writers => 17, evolve => false)'),
    ('SELECT cdccraft_start(prepare_fraction => 1.5)'),
    ('SELECT cdccraft_start(two_phase => true, create_slot => false)'),
    ('SELECT cdccraft_start(partitioning => ''list'', evolve => false)'),
    ('SELECT cdccraft_start(partitioning => ''range'')'),
    ('SELECT cdccraft_start(partitioning => ''range'', evolve => false, replica_identity => ''index'')'),
    ('SELECT cdccraft_start(partitioning => ''range'', evolve => false, table_name => repeat(''t'', 52))'),
    ('SELECT cdccraft_start(partition_every => 0)'),
    ('SELECT cdccraft_start(insert_method => ''bulk'')'),
    ('SELECT cdccraft_start(insert_method => '''')'),
    ('SELECT cdccraft_start(insert_method => ''COPY'')'),
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

-- Nothing was created or recorded by the refused calls.
SELECT count(*) AS tables FROM pg_class WHERE relname IN ('sales', 'Mixed Case');
SELECT array_agg(pubname ORDER BY pubname) AS publications FROM pg_publication;
SELECT array_agg(slot_name ORDER BY slot_name) AS slots FROM pg_replication_slots;
SELECT count(*) AS runs_recorded FROM cdccraft_runs WHERE state NOT IN ('completed', 'stopped');
