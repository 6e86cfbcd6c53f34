\echo Use "CREATE EXTENSION cdccraft" to load this file. \quit

-- The run catalog. Only the extension's owner writes it (the worker switches
-- to that role for these writes); roles read their own runs through the
-- cdccraft_runs view.
CREATE SCHEMA cdccraft;
GRANT USAGE ON SCHEMA cdccraft TO PUBLIC;

-- The states in which a run has (or should have) a worker: the one list of
-- them, for the catalog's index, the views, the functions and the C code.
CREATE FUNCTION cdccraft.state_is_active(state text)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN state IN ('starting', 'running', 'paused');

CREATE TABLE cdccraft.run (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner oid NOT NULL,
    schema_name text NOT NULL,
    table_name text NOT NULL,
    publication_name text NOT NULL,
    slot_name text,
    config text NOT NULL,
    parameters jsonb NOT NULL,
    seed bigint NOT NULL,
    state text NOT NULL DEFAULT 'starting'
        CHECK (state IN ('starting', 'running', 'paused', 'completed', 'stopped', 'failed', 'interrupted')),
    relid oid,
    created_schema boolean NOT NULL DEFAULT false,
    created_publication boolean NOT NULL DEFAULT false,
    created_slot boolean NOT NULL DEFAULT false,
    -- What the run itself created, kept after cleanup: a newer run takes over
    -- a name only if it created the object of that name.
    made_publication boolean NOT NULL DEFAULT false,
    made_slot boolean NOT NULL DEFAULT false,
    snapshot_rows bigint NOT NULL DEFAULT 0,
    original_schema jsonb,
    final_schema jsonb,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    worker_pid integer,
    worker_started_at timestamptz,
    last_error text
);
-- At most one active run per table, even when two starts race.
CREATE UNIQUE INDEX run_one_active_per_table ON cdccraft.run (schema_name, table_name)
    WHERE cdccraft.state_is_active(state);

CREATE TABLE cdccraft.schema_change (
    run_id bigint NOT NULL REFERENCES cdccraft.run ON DELETE CASCADE,
    batch bigint NOT NULL,
    action text NOT NULL CHECK (action IN ('ADD', 'DROP')),
    column_name text NOT NULL,
    column_type text NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, batch)
);

-- A run's counters after its last committed batch. Each batch, in its own
-- transaction (so the counters agree with the table after any crash), inserts
-- its totals and deletes the previous batch's row: never an update. Under a
-- snapshot that another session holds open nothing of the run's can be
-- pruned, yet a batch only adds a key at its run's end of the index and
-- looks up one other, and readers take the newest row from there; an updated
-- row would instead gain a version per batch for every lookup to walk.
CREATE TABLE cdccraft.progress (
    run_id bigint NOT NULL,
    batches bigint NOT NULL,
    inserts bigint NOT NULL,
    updates bigint NOT NULL,
    deletes bigint NOT NULL,
    additions integer NOT NULL,
    drops integer NOT NULL,
    PRIMARY KEY (run_id, batches)
);

REVOKE ALL ON cdccraft.run, cdccraft.schema_change, cdccraft.progress FROM PUBLIC;

-- What a run still holds: objects it created that still exist and that no
-- newer run has since created under the same name (the table by oid, the
-- slot in this database). Cleanup drops these; while any run holds
-- something, DROP EXTENSION is refused.
CREATE FUNCTION cdccraft.claims_of(r cdccraft.run, OUT holds_table boolean, OUT holds_publication boolean,
                                   OUT holds_slot boolean)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT r.relid IS NOT NULL AND EXISTS (SELECT FROM pg_class c WHERE c.oid = r.relid),
           r.created_publication
               AND EXISTS (SELECT FROM pg_publication p WHERE p.pubname = r.publication_name)
               AND NOT EXISTS (SELECT FROM cdccraft.run n
                                WHERE n.id > r.id AND n.made_publication AND n.publication_name = r.publication_name),
           r.created_slot
               AND EXISTS (SELECT FROM pg_replication_slots s
                            WHERE s.slot_name = r.slot_name AND s.database = current_database())
               AND NOT EXISTS (SELECT FROM cdccraft.run n
                                WHERE n.id > r.id AND n.made_slot AND n.slot_name = r.slot_name)
$$;
REVOKE EXECUTE ON FUNCTION cdccraft.claims_of FROM PUBLIC;

-- Every run the current role may see (its own, its member roles', or all for
-- a superuser), with live progress. A run whose worker is gone without
-- recording an outcome shows as interrupted.
CREATE VIEW cdccraft_runs WITH (security_barrier) AS
SELECT r.id AS run_id,
       r.owner::regrole AS owner,
       CASE WHEN cdccraft.state_is_active(r.state) AND w.pid IS NULL THEN 'interrupted' ELSE r.state END AS state,
       r.schema_name,
       r.table_name,
       r.publication_name,
       r.slot_name,
       r.seed,
       r.snapshot_rows,
       coalesce(p.batches, 0) AS batches,
       coalesce(p.inserts, 0) AS inserts,
       coalesce(p.updates, 0) AS updates,
       coalesce(p.deletes, 0) AS deletes,
       coalesce(p.additions, 0) AS additions,
       coalesce(p.drops, 0) AS drops,
       r.started_at,
       r.finished_at,
       round(extract(epoch FROM coalesce(r.finished_at, clock_timestamp()) - r.started_at), 3) AS elapsed_seconds,
       round(coalesce(p.inserts + p.updates + p.deletes, 0)
             / nullif(extract(epoch FROM coalesce(r.finished_at, clock_timestamp()) - r.started_at), 0), 1)
           AS changes_per_second,
       CASE WHEN NOT pg_is_in_recovery()
            THEN pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint END AS slot_retained_bytes,
       CASE WHEN NOT pg_is_in_recovery()
            THEN greatest(pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn), 0)::bigint END
           AS slot_lag_bytes,
       w.pid AS worker_pid,
       w.backend_start AS worker_started_at,
       coalesce(r.last_error,
                CASE WHEN cdccraft.state_is_active(r.state) AND w.pid IS NULL
                     THEN 'the worker ended without recording an outcome (a crash, SIGKILL or immediate shutdown)'
                END) AS last_error,
       r.parameters,
       r.original_schema,
       r.final_schema,
       r.relid,
       r.created_schema,
       r.created_publication,
       r.created_slot
  FROM cdccraft.run r
  LEFT JOIN LATERAL (SELECT * FROM cdccraft.progress c WHERE c.run_id = r.id ORDER BY c.batches DESC LIMIT 1) p
         ON true
  LEFT JOIN pg_stat_activity w
         ON w.pid = r.worker_pid AND w.backend_start = r.worker_started_at AND w.backend_type = 'cdccraft worker'
  LEFT JOIN pg_replication_slots s
         ON r.created_slot AND s.slot_name = r.slot_name AND s.database = current_database()
 WHERE CASE WHEN EXISTS (SELECT FROM pg_roles o WHERE o.oid = r.owner) THEN pg_has_role(r.owner, 'USAGE')
            ELSE (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) END;
GRANT SELECT ON cdccraft_runs TO PUBLIC;
COMMENT ON VIEW cdccraft_runs IS 'cdccraft runs visible to the current role, with live progress';

CREATE VIEW cdccraft_schema_changes WITH (security_barrier) AS
SELECT c.run_id, c.batch, c.action, c.column_name, c.column_type, c.changed_at
  FROM cdccraft.schema_change c
 WHERE c.run_id IN (SELECT v.run_id FROM cdccraft_runs v);
GRANT SELECT ON cdccraft_schema_changes TO PUBLIC;
COMMENT ON VIEW cdccraft_schema_changes IS 'schema changes made by the cdccraft runs visible to the current role';

CREATE FUNCTION cdccraft_start(
    table_name text DEFAULT 'sales',
    schema_name text DEFAULT 'public',
    total_records bigint DEFAULT 1000000,
    batch_size integer DEFAULT 500,
    snapshot_rows integer DEFAULT 1000,
    evolve boolean DEFAULT true,
    replica_identity text DEFAULT 'full',
    publication_name text DEFAULT NULL,
    slot_name text DEFAULT NULL,
    create_slot boolean DEFAULT true,
    seed bigint DEFAULT NULL,
    evolution_interval integer DEFAULT 25,
    evolution_probability double precision DEFAULT 0.2,
    add_probability double precision DEFAULT 0.7,
    max_additions integer DEFAULT 7,
    max_drops integer DEFAULT 3,
    mutation_probability double precision DEFAULT 0.5,
    update_probability double precision DEFAULT 0.5,
    changes_per_second double precision DEFAULT 0,
    slot_plugin text DEFAULT 'pgoutput',
    max_slot_lag bigint DEFAULT NULL,
    key_order text DEFAULT 'random')
RETURNS bigint
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'cdccraft_start';
-- A run takes a background worker slot and creates a table, a publication
-- and a slot: granted by a superuser, not to everyone.
REVOKE EXECUTE ON FUNCTION cdccraft_start FROM PUBLIC;
COMMENT ON FUNCTION cdccraft_start IS
    'creates a table, its snapshot rows, publication and slot, and starts a worker that simulates its change traffic; returns the run id';

-- A procedure, so that CALLed outside a transaction block it can commit
-- before it waits and hold no snapshot however long the run.
CREATE PROCEDURE cdccraft_wait(run_id bigint, timeout interval DEFAULT NULL, until_batch bigint DEFAULT NULL,
                               INOUT summary jsonb DEFAULT NULL)
LANGUAGE C
AS 'MODULE_PATHNAME', 'cdccraft_wait';
COMMENT ON PROCEDURE cdccraft_wait IS
    'waits until a run ends, has committed until_batch batches, or the timeout passes, with a progress NOTICE at most once a second; returns its summary';
-- The same wait inside a function (cdccraft_stop's, for a worker to exit).
CREATE FUNCTION cdccraft.wait_for_run(run_id bigint, timeout interval)
RETURNS jsonb
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'cdccraft_wait';

CREATE FUNCTION cdccraft_summary(run_id bigint DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target bigint := run_id;
    result jsonb;
BEGIN
    IF target IS NULL THEN
        SELECT max(v.run_id) INTO target FROM @extschema@.cdccraft_runs v;
        IF target IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'undefined_object', MESSAGE = 'there is no cdccraft run',
                HINT = 'Start one with cdccraft_start().';
        END IF;
    END IF;
    SELECT jsonb_build_object(
               'run_id', v.run_id,
               'state', v.state,
               'owner', v.owner::text,
               'table', quote_ident(v.schema_name) || '.' || quote_ident(v.table_name),
               'publication', v.publication_name,
               'slot', v.slot_name,
               'seed', v.seed,
               'snapshot_rows', v.snapshot_rows,
               'batches', v.batches,
               'inserts', v.inserts,
               'updates', v.updates,
               'deletes', v.deletes,
               'original_schema', coalesce(v.original_schema, '[]'),
               'final_schema', coalesce(v.final_schema, '[]'),
               'schema_changes', coalesce((
                   SELECT jsonb_agg(jsonb_build_object('batch', c.batch, 'action', c.action,
                                                       'column', c.column_name, 'type', c.column_type)
                                    ORDER BY c.batch)
                     FROM @extschema@.cdccraft_schema_changes c WHERE c.run_id = v.run_id), '[]'),
               'evolution', jsonb_build_object('additions', v.additions, 'drops', v.drops,
                                               'max_additions', (v.parameters->'max_additions'),
                                               'max_drops', (v.parameters->'max_drops')),
               'parameters', v.parameters,
               'started_at', v.started_at,
               'finished_at', v.finished_at,
               'elapsed_seconds', v.elapsed_seconds,
               'changes_per_second', v.changes_per_second,
               'slot_retained_bytes', v.slot_retained_bytes,
               'slot_lag_bytes', v.slot_lag_bytes,
               'last_error', v.last_error)
      INTO result
      FROM @extschema@.cdccraft_runs v
     WHERE v.run_id = target;
    IF result IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_object', MESSAGE = format('cdccraft run %s does not exist', target);
    END IF;
    RETURN result;
END;
$$;
COMMENT ON FUNCTION cdccraft_summary IS
    'what a run did, as jsonb: state, counts, schemas, schema changes, timing (NULL: the newest run)';

CREATE FUNCTION cdccraft_report(run_id bigint DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s jsonb := @extschema@.cdccraft_summary(run_id);
    lines text[] := ARRAY[]::text[];
    col jsonb;
BEGIN
    lines := lines || format('CDC Simulation %s! (run %s, %s)',
        CASE s->>'state' WHEN 'completed' THEN 'Complete' WHEN 'running' THEN 'Running'
             WHEN 'starting' THEN 'Starting' ELSE initcap(s->>'state') END, s->>'run_id', s->>'table');
    lines := lines || format('Batches: %s, Inserts: %s, Updates: %s, Deletes: %s',
        s->>'batches', s->>'inserts', s->>'updates', s->>'deletes');
    lines := lines || format('Seed: %s (the same seed and parameters replay this run)', s->>'seed');
    IF s->>'last_error' IS NOT NULL THEN
        lines := lines || format('Error: %s', s->>'last_error');
    END IF;
    lines := lines || ''::text || 'Original Schema:'::text;
    FOR col IN SELECT * FROM jsonb_array_elements(s->'original_schema') LOOP
        lines := lines || format(' - %s: %s', col->>'name', upper(col->>'type'));
    END LOOP;
    lines := lines || ''::text || 'Schema Changes:'::text;
    FOR col IN SELECT * FROM jsonb_array_elements(s->'schema_changes') LOOP
        lines := lines || format(' - %s: %s (batch %s)', col->>'action', col->>'column', col->>'batch');
    END LOOP;
    lines := lines || ''::text || 'Final Schema:'::text;
    FOR col IN SELECT * FROM jsonb_array_elements(s->'final_schema') LOOP
        lines := lines || format(' - %s: %s', col->>'name', upper(col->>'type'));
    END LOOP;
    lines := lines || ''::text || 'Schema Evolution Summary:'::text;
    lines := lines || format(' - Additions: %s', s->'evolution'->>'additions');
    lines := lines || format(' - Drops: %s', s->'evolution'->>'drops');
    RETURN array_to_string(lines, E'\n');
END;
$$;
COMMENT ON FUNCTION cdccraft_report IS 'a run''s summary as text, in the original CDCraft report layout';

CREATE FUNCTION cdccraft_stop(run_id bigint DEFAULT NULL, timeout interval DEFAULT NULL)
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
COMMENT ON FUNCTION cdccraft_stop IS
    'stops a run (NULL: the only active one); the batch in flight rolls back whole; returns the summary once the worker has exited';

-- What cleanup may drop, judged against every run, and the release of those
-- claims once dropped: the caller cannot read or write the catalog itself.
CREATE FUNCTION cdccraft.cleanup_claims(run_id bigint, OUT table_ boolean, OUT publication boolean, OUT slot boolean)
LANGUAGE C STRICT VOLATILE
AS 'MODULE_PATHNAME', 'cdccraft_cleanup_claims';
CREATE FUNCTION cdccraft.release_claims(run_id bigint)
RETURNS void
LANGUAGE C STRICT VOLATILE
AS 'MODULE_PATHNAME', 'cdccraft_release_claims';

CREATE FUNCTION cdccraft_cleanup(run_id bigint)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
    claims record;
    dropped text[] := ARRAY[]::text[];
BEGIN
    IF run_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'run_id must not be NULL';
    END IF;
    SELECT * INTO r FROM @extschema@.cdccraft_runs v WHERE v.run_id = cdccraft_cleanup.run_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_object',
            MESSAGE = format('cdccraft run %s does not exist', cdccraft_cleanup.run_id);
    END IF;
    IF cdccraft.state_is_active(r.state) THEN
        RAISE EXCEPTION USING ERRCODE = 'object_in_use',
            MESSAGE = format('cdccraft run %s is still active', r.run_id),
            HINT = format('Stop it first with cdccraft_stop(%s).', r.run_id);
    END IF;
    claims := cdccraft.cleanup_claims(r.run_id);
    -- Drop only what this run created and still stands as it left it: the
    -- table by oid, the publication and slot unless a newer run took the name.
    -- The drops run with the caller's own rights.
    IF claims.table_ AND to_regclass(format('%I.%I', r.schema_name, r.table_name)) = r.relid THEN
        EXECUTE format('DROP TABLE %I.%I', r.schema_name, r.table_name);
        dropped := dropped || format('table %I.%I', r.schema_name, r.table_name);
    END IF;
    IF claims.publication THEN
        EXECUTE format('DROP PUBLICATION %I', r.publication_name);
        dropped := dropped || format('publication %I', r.publication_name);
    END IF;
    -- The schema only if cdccraft created it and nothing else lives in it now.
    IF r.created_schema THEN
        BEGIN
            EXECUTE format('DROP SCHEMA IF EXISTS %I', r.schema_name);
            dropped := dropped || format('schema %I', r.schema_name);
        EXCEPTION WHEN dependent_objects_still_exist THEN
            NULL;
        END;
    END IF;
    -- Last: dropping a slot cannot be rolled back, so it comes after every
    -- step that could still fail.
    IF claims.slot THEN
        PERFORM pg_drop_replication_slot(r.slot_name);
        dropped := dropped || format('slot %s', r.slot_name);
    END IF;
    -- Forget the claims on what is gone now.
    PERFORM cdccraft.release_claims(r.run_id);
    RETURN jsonb_build_object('run_id', r.run_id, 'dropped', to_jsonb(dropped));
END;
$$;
COMMENT ON FUNCTION cdccraft_cleanup IS
    'drops the slot, publication and table that an ended run created (the original''s cleanup offer)';

-- Dropping the extension must not orphan what runs created (a slot keeps WAL
-- for ever): every command that can drop it is refused while runs hold
-- objects, and DROP EXTENSION cdccraft CASCADE stops and cleans up every run
-- first. ENABLE ALWAYS: the guard holds under session_replication_role too.
CREATE FUNCTION cdccraft.drop_guard()
RETURNS event_trigger
LANGUAGE C
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'cdccraft_drop_guard';
CREATE EVENT TRIGGER cdccraft_drop_guard ON ddl_command_start
    WHEN TAG IN ('DROP EXTENSION', 'DROP SCHEMA', 'DROP OWNED')
    EXECUTE FUNCTION cdccraft.drop_guard();
ALTER EVENT TRIGGER cdccraft_drop_guard ENABLE ALWAYS;
