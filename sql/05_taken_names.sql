-- A start whose table, publication or slot name is taken by an object
-- cdccraft did not create is refused with a clear error, and creates and
-- records nothing.
SET client_min_messages = warning;
-- PL/pgSQL line numbers are not part of the contract.
\set SHOW_CONTEXT never

-- Names that are taken.
CREATE TABLE not_ours (id int);
SELECT cdccraft_start(table_name => 'not_ours');
CREATE PUBLICATION taken_pub;
SELECT cdccraft_start(table_name => 'fresh', publication_name => 'taken_pub');
SELECT 'taken_slot' FROM pg_create_logical_replication_slot('taken_slot', 'pgoutput');
SELECT cdccraft_start(table_name => 'fresh', slot_name => 'taken_slot');
-- all_types' own types are named after the table.
CREATE TYPE fresh_rating AS ENUM ('x');
SELECT cdccraft_start(table_name => 'fresh', column_profile => 'all_types');

-- Nothing was created by the refused starts.
SELECT count(*) AS fresh_tables FROM pg_class WHERE relname = 'fresh';
SELECT array_agg(pubname ORDER BY pubname) AS publications FROM pg_publication;
SELECT array_agg(slot_name ORDER BY slot_name) AS slots FROM pg_replication_slots;
SELECT count(*) AS runs_recorded FROM cdccraft_runs WHERE state NOT IN ('completed', 'stopped');
SELECT pg_drop_replication_slot('taken_slot');
DROP PUBLICATION taken_pub;
DROP TABLE not_ours;
SELECT count(*) AS fresh_types FROM pg_type WHERE typname LIKE '%fresh%';
DROP TYPE fresh_rating;
