-- cdccraft_start is refused in a transaction that has written, which its
-- slot's creation would wait for; it creates and records nothing.
SET client_min_messages = warning;
-- PL/pgSQL line numbers are not part of the contract.
\set SHOW_CONTEXT never

-- A transaction that has written cannot wait for its own slot.
BEGIN;
CREATE TABLE written (id int);
SELECT cdccraft_start(table_name => 'fresh');
ROLLBACK;

-- Nothing was created by the refused start.
SELECT count(*) AS fresh_tables FROM pg_class WHERE relname = 'fresh';
SELECT array_agg(pubname ORDER BY pubname) AS publications FROM pg_publication;
SELECT array_agg(slot_name ORDER BY slot_name) AS slots FROM pg_replication_slots;
SELECT count(*) AS runs_recorded FROM cdccraft_runs WHERE state NOT IN ('completed', 'stopped');
