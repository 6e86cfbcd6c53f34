-- What cdccraft_wait returns is the run's summary: to psql (\gset) and to
-- PL/pgSQL (through a variable).
-- cdccraft_wait's progress NOTICEs depend on timing.
SET client_min_messages = warning;
-- PL/pgSQL line numbers are not part of the contract.
\set SHOW_CONTEXT never

SELECT cdccraft_start(total_records => 20000, batch_size => 200, snapshot_rows => 300, seed => 42,
                      evolution_interval => 10) AS run_id \gset
CALL cdccraft_wait(:run_id) \gset
-- What the wait returns is the summary (but for the slot's figures, which
-- move with any WAL written since).
SELECT (:'summary'::jsonb - 'slot_lag_bytes' - 'slot_retained_bytes') =
       (cdccraft_summary(:run_id) - 'slot_lag_bytes' - 'slot_retained_bytes') AS wait_returns_summary;
-- From PL/pgSQL the summary comes back through a variable.
DO $$
DECLARE
    newest bigint := (SELECT max(run_id) FROM cdccraft_runs);
    summary jsonb;
BEGIN
    CALL cdccraft_wait(newest, summary => summary);
    ASSERT summary->>'state' = 'completed', 'cdccraft_wait returned ' || coalesce(summary::text, 'NULL');
END;
$$;

SELECT cdccraft_cleanup(:run_id);
