-- cdccraft_report's layout, for the seeded run: its counts and seed, the
-- original schema, the schema changes, the final schema and the evolution.
-- cdccraft_wait's progress NOTICEs depend on timing.
SET client_min_messages = warning;
-- PL/pgSQL line numbers are not part of the contract.
\set SHOW_CONTEXT never

SELECT cdccraft_start(total_records => 20000, batch_size => 200, snapshot_rows => 300, seed => 42,
                      evolution_interval => 10) AS run_id \gset
CALL cdccraft_wait(:run_id) \gset
SELECT cdccraft_report(:run_id);

SELECT cdccraft_cleanup(:run_id);
