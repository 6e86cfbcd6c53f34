-- cdccraft_cleanup drops only what the run created and still owns, and a
-- second cleanup finds nothing left to drop.
SET client_min_messages = warning;
-- PL/pgSQL line numbers are not part of the contract.
\set SHOW_CONTEXT never
SELECT cdccraft_start(table_name => 'first', publication_name => 'shared_pub', slot_name => 'shared_slot',
                      total_records => 500, seed => 1) AS first_id \gset
CALL cdccraft_wait(:first_id) \gset
SELECT :'summary'::jsonb->>'state' AS state;
-- Someone removes the first run's publication and slot by hand; a newer run
-- takes their names.
DROP PUBLICATION shared_pub;
SELECT pg_drop_replication_slot('shared_slot');
SELECT cdccraft_start(table_name => 'second', publication_name => 'shared_pub', slot_name => 'shared_slot',
                      total_records => 500, seed => 2) AS second_id \gset
CALL cdccraft_wait(:second_id) \gset
SELECT :'summary'::jsonb->>'state' AS state;
-- Cleaning up the first run leaves the second run's publication and slot,
-- and says so.
SELECT c->'dropped' AS dropped, jsonb_path_query_array(c->'left', '$[*].object') AS left_objects
  FROM cdccraft_cleanup(:first_id) c;
SELECT (SELECT count(*) FROM pg_publication WHERE pubname = 'shared_pub') AS publications,
       (SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'shared_slot') AS slots,
       (SELECT count(*) FROM pg_class WHERE relname = 'second') AS second_tables;
SELECT cdccraft_cleanup(:first_id);
-- A newer run that failed to take a name does not disown the older run's slot.
SELECT cdccraft_start(table_name => 'older', slot_name => 'dup_slot', total_records => 100, seed => 4) AS older_id \gset
CALL cdccraft_wait(:older_id) \gset
SELECT :'summary'::jsonb->>'state' AS state;
SELECT cdccraft_start(table_name => 'newer', slot_name => 'dup_slot', total_records => 100, seed => 5);
SELECT cdccraft_cleanup(:older_id)->'dropped' AS dropped;
SELECT count(*) AS dup_slots_left FROM pg_replication_slots WHERE slot_name = 'dup_slot';
-- A table re-created under the run's name is not the run's table.
SELECT cdccraft_cleanup(:second_id);
SELECT cdccraft_start(table_name => 'third', total_records => 100, seed => 3) AS third_id \gset
CALL cdccraft_wait(:third_id) \gset
SELECT :'summary'::jsonb->>'state' AS state;
DROP TABLE third;
CREATE TABLE third (id int);
SELECT cdccraft_cleanup(:third_id);
SELECT count(*) AS third_tables FROM pg_class WHERE relname = 'third';
DROP TABLE third;
-- The user drops the run's publication and slot and makes their own under the
-- same names, a publication for another table among them: cleanup proves
-- neither is the run's (the publication by oid, the slot by its WAL
-- position), leaves both and says why.
SELECT cdccraft_start(table_name => 'fourth', total_records => 100, seed => 6) AS fourth_id \gset
CALL cdccraft_wait(:fourth_id) \gset
SELECT :'summary'::jsonb->>'state' AS state;
DROP PUBLICATION fourth_pub;
SELECT pg_drop_replication_slot('fourth_slot');
CREATE TABLE users_table (id int PRIMARY KEY);
CREATE PUBLICATION fourth_pub FOR TABLE users_table;
SELECT 'created' FROM pg_create_logical_replication_slot('fourth_slot', 'pgoutput');
SELECT holds_table, holds_publication, holds_slot, names_slot FROM cdccraft_runs WHERE run_id = :fourth_id;
SELECT c->'dropped' AS dropped, jsonb_path_query_array(c->'left', '$[*].object') AS left_objects,
       c->'left'->1->>'reason' LIKE 'cannot prove it is the slot run % created: its restart_lsn % is not before %'
           AS slot_reason_says_why
  FROM cdccraft_cleanup(:fourth_id) c;
SELECT (SELECT count(*) FROM pg_publication WHERE pubname = 'fourth_pub') AS users_publications,
       (SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'fourth_slot') AS users_slots;
-- What was left is not claimed again.
SELECT cdccraft_cleanup(:fourth_id);
SELECT pg_drop_replication_slot('fourth_slot');
DROP PUBLICATION fourth_pub;
DROP TABLE users_table;
-- A slot the run made and a consumer has read from is still provably its own.
SELECT cdccraft_start(table_name => 'fifth', total_records => 100, seed => 7) AS fifth_id \gset
CALL cdccraft_wait(:fifth_id) \gset
SELECT count(*) > 0 AS consumed FROM pg_logical_slot_get_binary_changes('fifth_slot', NULL, NULL,
    'proto_version', '1', 'publication_names', 'fifth_pub');
SELECT cdccraft_cleanup(:fifth_id)->'dropped' AS dropped;
