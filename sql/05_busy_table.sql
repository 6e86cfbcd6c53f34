-- A table a run is using: a second start on it is refused while the run is
-- active, and after it stops, while the table stands; the run's cleanup is
-- refused while it is active. The refused starts create and record nothing.
SET client_min_messages = warning;
-- PL/pgSQL line numbers are not part of the contract.
\set SHOW_CONTEXT never

-- A second run on a table that a run is using.
SELECT cdccraft_start(table_name => 'busy', total_records => 0, changes_per_second => 500, seed => 1) AS busy_id \gset
SELECT cdccraft_start(table_name => 'busy');
SELECT cdccraft_cleanup(:busy_id);
SELECT cdccraft_stop(:busy_id)->>'state' AS state;
SELECT cdccraft_start(table_name => 'busy');

-- Nothing was created or recorded by the refused starts.
SELECT array_agg(pubname ORDER BY pubname) AS publications FROM pg_publication;
SELECT array_agg(slot_name ORDER BY slot_name) AS slots FROM pg_replication_slots;
SELECT count(*) AS runs_on_busy FROM cdccraft_runs WHERE table_name = 'busy';
SELECT cdccraft_cleanup(:busy_id);
