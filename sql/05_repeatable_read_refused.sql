-- cdccraft_wait and cdccraft_stop are refused in a REPEATABLE READ
-- transaction, whose snapshot would keep them from seeing the run end; the
-- stop is refused before the worker is signalled.
SET client_min_messages = warning;
-- PL/pgSQL line numbers are not part of the contract.
\set SHOW_CONTEXT never

SELECT cdccraft_start(table_name => 'watched', total_records => 0, changes_per_second => 500, seed => 1) AS run_id \gset
-- Waits that a transaction-long snapshot would keep from seeing the run end;
-- the stop is refused before the worker is signalled.
BEGIN ISOLATION LEVEL REPEATABLE READ;
CALL cdccraft_wait(:run_id, '1s');
ROLLBACK;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT cdccraft_stop(:run_id);
ROLLBACK;
SELECT state FROM cdccraft_runs WHERE run_id = :run_id;
SELECT cdccraft_stop(:run_id)->>'state' AS state;
SELECT cdccraft_cleanup(:run_id);
