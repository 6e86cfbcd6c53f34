\echo Use "ALTER EXTENSION cdccraft UPDATE TO '0.2.0'" to load this file. \quit

-- 0.1.0 to 0.2.0: the changes of the security and exactness release, in the
-- order the install script makes them.

-- cdccraft_stop marks its stop as a user's with an advisory lock, so that the
-- worker can tell it from a server shutdown or pg_terminate_backend().
CREATE OR REPLACE FUNCTION cdccraft_stop(run_id bigint DEFAULT NULL, timeout interval DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target bigint := run_id;
    active bigint[];
    r record;
BEGIN
    -- Checked before the worker is signalled: the wait for it to exit could
    -- not see it go under a transaction-long snapshot.
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_transaction_state',
            MESSAGE = 'cdccraft_stop cannot see a run end in a REPEATABLE READ or SERIALIZABLE transaction',
            HINT = 'Call it in a READ COMMITTED transaction.';
    END IF;
    IF target IS NULL THEN
        SELECT array_agg(v.run_id ORDER BY v.run_id) INTO active
          FROM @extschema@.cdccraft_runs v WHERE cdccraft.state_is_active(v.state);
        IF active IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
                MESSAGE = 'there is no active cdccraft run';
        ELSIF cardinality(active) > 1 THEN
            RAISE EXCEPTION USING ERRCODE = 'ambiguous_parameter',
                MESSAGE = 'more than one cdccraft run is active',
                DETAIL = format('Active runs: %s.', array_to_string(active, ', ')),
                HINT = 'Pass the run_id to stop.';
        END IF;
        target := active[1];
    END IF;
    SELECT * INTO r FROM @extschema@.cdccraft_runs v WHERE v.run_id = target;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_object', MESSAGE = format('cdccraft run %s does not exist', target);
    END IF;
    IF NOT cdccraft.state_is_active(r.state) THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = format('cdccraft run %s is not active', target),
            DETAIL = format('Its state is %s.', r.state);
    END IF;
    -- Marks the stop as a user's, which the worker tells from a server
    -- shutdown or pg_terminate_backend() (those give the run a last_error):
    -- an advisory lock on (1667523427, the run id), whose first key is 'cdcc'
    -- in ASCII (kStopLockKey in src/pg/stop_lock.hpp), held from before the
    -- signal to the end of this transaction, so through the wait below; the
    -- worker tests it when it records the stop. The modulo keeps any run id
    -- within int4, as the worker computes it.
    PERFORM pg_advisory_xact_lock(1667523427, (target % 2147483648)::int4);
    -- The worker runs as the run's owner, so the caller may signal it exactly
    -- when it may see the run.
    PERFORM pg_terminate_backend(a.pid)
       FROM pg_stat_activity a
      WHERE a.pid = r.worker_pid AND a.backend_start = r.worker_started_at AND a.backend_type = 'cdccraft worker';
    RETURN cdccraft.wait_for_run(target, timeout);
END;
$$;
