\echo Use "ALTER EXTENSION cdccraft UPDATE TO '0.2.0'" to load this file. \quit

-- 0.1.0 to 0.2.0. A fresh CREATE EXTENSION runs cdccraft--0.1.0.sql and then
-- this script, so every object has one definition.
--
-- Every name in this script resolves in pg_catalog alone: an extension
-- script runs with the extension's schema first on the path, where any role
-- with CREATE there could have planted an operator or function that the
-- views and SQL functions below would bind to (an exact match beats
-- pg_catalog's through an implicit cast), and run by every reader of them.
-- What this script creates in the extension's schema it names so.
SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- What cleanup may drop is proven, no longer matched by name: the table,
-- schema and publication by oid, the slot by a WAL position (see
-- cdccraft.claims_of). Runs recorded by 0.1.0 keep their table (0.1.0
-- recorded its oid), and what else is below.

-- Where a run's row was written: this cluster's system identifier and this
-- database's oid. Oids and slots are facts of one database of one cluster;
-- a run restored elsewhere by pg_dump claims nothing there.
CREATE FUNCTION cdccraft.origin()
RETURNS text
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'cdccraft_origin';
COMMENT ON FUNCTION cdccraft.origin() IS
    'this cluster''s system identifier and this database''s oid, as the run catalog records where a run ran';

ALTER TABLE cdccraft.run
    ADD COLUMN schema_oid oid,
    ADD COLUMN publication_oid oid,
    ADD COLUMN slot_proof_lsn pg_lsn,
    ADD COLUMN origin text NOT NULL DEFAULT cdccraft.origin();
COMMENT ON COLUMN cdccraft.run.relid IS 'the table the run created and still claims (NULL once released)';
COMMENT ON COLUMN cdccraft.run.schema_oid IS 'the schema the run created and still claims';
COMMENT ON COLUMN cdccraft.run.publication_oid IS 'the publication the run created and still claims';
COMMENT ON COLUMN cdccraft.run.slot_proof_lsn IS
    'a WAL position at which the run saw its own slot: a slot of its name with restart_lsn below it is the run''s';
COMMENT ON COLUMN cdccraft.run.origin IS 'the cluster and database the run ran in (cdccraft.origin())';
ALTER TABLE cdccraft.progress ADD COLUMN slot_proof_lsn pg_lsn;
COMMENT ON COLUMN cdccraft.progress.slot_proof_lsn IS 'the run''s slot_proof_lsn as of this batch';

-- Runs recorded by 0.1.0 kept only names. A name proves nothing, so only
-- what 0.1.0's rules attributed to a run and its own role owns now is taken
-- as the run's (its role could drop it anyway). A slot has no owner: it is
-- marked '0/0' (no slot is below it), so cleanup leaves any slot of the
-- name and says that 0.1.0 could not prove it.
UPDATE cdccraft.run r
   SET schema_oid = CASE WHEN r.created_schema
                         THEN (SELECT n.oid FROM pg_namespace n
                                WHERE n.nspname = r.schema_name AND n.nspowner = r.owner) END,
       publication_oid = CASE WHEN c.holds_publication
                              THEN (SELECT p.oid FROM pg_publication p
                                     WHERE p.pubname = r.publication_name AND p.pubowner = r.owner) END,
       slot_proof_lsn = CASE WHEN r.created_slot THEN '0/0'::pg_lsn END
  FROM cdccraft.run o, cdccraft.claims_of(o) c
 WHERE o.id = r.id;

DROP FUNCTION @extschema@.cdccraft_cleanup(bigint);
DROP FUNCTION cdccraft.cleanup_claims(bigint);
DROP FUNCTION cdccraft.release_claims(bigint);
DROP VIEW @extschema@.cdccraft_schema_changes;
DROP VIEW @extschema@.cdccraft_runs;
DROP FUNCTION cdccraft.claims_of(cdccraft.run);
ALTER TABLE cdccraft.run
    DROP COLUMN created_schema,
    DROP COLUMN created_publication,
    DROP COLUMN created_slot,
    DROP COLUMN made_publication,
    DROP COLUMN made_slot,
    -- Never read: the parameters, the seed among them, are kept once, as
    -- JSON (0.1.0 wrote the seed there too).
    DROP COLUMN config,
    DROP COLUMN seed;

-- The run history is the user's data: pg_dump keeps it. A restored run's
-- origin is not the restoring database's, so it claims nothing there.
SELECT pg_catalog.pg_extension_config_dump('cdccraft.run', '');
SELECT pg_catalog.pg_extension_config_dump('cdccraft.run_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('cdccraft.schema_change', '');
SELECT pg_catalog.pg_extension_config_dump('cdccraft.progress', '');

-- Three rules, each stated once, for the views, the worker, cleanup, stop
-- and the drop guard. SQL-standard bodies: parsed here, so no caller's
-- search_path can change what they mean.
--
-- Who may see, wait for, stop and clean up a run: roles with the privileges
-- of its owner, or, once the owner is dropped, superusers.
CREATE FUNCTION cdccraft.may_act_for(owner oid)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT CASE WHEN EXISTS (SELECT FROM pg_catalog.pg_roles o WHERE o.oid OPERATOR(pg_catalog.=) may_act_for.owner)
                THEN pg_catalog.pg_has_role(may_act_for.owner, 'USAGE')
                ELSE (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER)
           END;
END;
COMMENT ON FUNCTION cdccraft.may_act_for IS
    'whether the current role may see and steer the runs of this owner (its privileges, or a superuser once the owner is dropped)';

-- Whether a run's worker is alive: the process recorded with the run, by pid
-- and start time together, so that a reused pid is never taken for it.
CREATE FUNCTION cdccraft.worker_alive(pid integer, started timestamptz)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT EXISTS (SELECT FROM pg_catalog.pg_stat_activity a
                    WHERE a.pid OPERATOR(pg_catalog.=) worker_alive.pid
                      AND a.backend_start OPERATOR(pg_catalog.=) worker_alive.started
                      AND a.backend_type OPERATOR(pg_catalog.=) 'cdccraft worker');
END;
COMMENT ON FUNCTION cdccraft.worker_alive IS 'whether the cdccraft worker recorded with a run (pid and start time) is alive';

-- What a run whose worker died without recording an outcome says.
CREATE FUNCTION cdccraft.interrupted_error()
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 'the worker ended without recording an outcome (a crash, SIGKILL or immediate shutdown)';
COMMENT ON FUNCTION cdccraft.interrupted_error IS 'the last_error of a run whose worker ended without recording an outcome';

-- What a run still holds, proven rather than matched by name: the table,
-- schema and publication it created, by oid; and its slot. A slot has no oid
-- in PostgreSQL 15, but its restart_lsn, set to the WAL insert position when
-- it is created, never moves back. The run's slot_proof_lsn is a WAL position
-- at which the run saw its own slot under that name (first the point at which
-- the slot became consistent, then the insert position at each batch's
-- check): a slot of that name in this database with restart_lsn below it
-- existed at that moment, and so is the run's; a slot made later under the
-- name never is. A consumer that confirms changes made after the run's last
-- batch may move the run's own slot past the proof; then nothing is proven,
-- and cleanup leaves the slot and says so. A run restored from another
-- database (by its origin) holds nothing. Cleanup drops what is held; while
-- any run holds something, DROP EXTENSION is refused.
-- latest_proof is the slot_proof_lsn of the run's newest progress row, which
-- the caller reads (the function itself reads no cdccraft table).
CREATE FUNCTION cdccraft.claims_of(r cdccraft.run, latest_proof pg_lsn, OUT holds_table boolean,
                                   OUT holds_publication boolean, OUT holds_schema boolean, OUT holds_slot boolean,
                                   OUT proof_lsn pg_lsn, OUT names_slot boolean)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH here AS (SELECT r.origin = cdccraft.origin() AS local),
         proof AS (SELECT CASE WHEN r.slot_proof_lsn IS NOT NULL AND here.local
                               THEN greatest(r.slot_proof_lsn, latest_proof) END AS lsn
                     FROM here),
         slot AS (SELECT s.restart_lsn FROM pg_replication_slots s, proof
                   WHERE proof.lsn IS NOT NULL AND s.slot_name = r.slot_name AND s.database = current_database())
    -- Owned by the run's role as well, as the run made them: an oid alone
    -- could, after oid wraparound, name something else.
    SELECT here.local AND EXISTS (SELECT FROM pg_class c
                                   WHERE c.oid = r.relid AND c.relkind = 'r' AND c.relowner = r.owner),
           here.local AND EXISTS (SELECT FROM pg_publication p WHERE p.oid = r.publication_oid AND p.pubowner = r.owner),
           here.local AND EXISTS (SELECT FROM pg_namespace n WHERE n.oid = r.schema_oid AND n.nspowner = r.owner),
           EXISTS (SELECT FROM slot WHERE slot.restart_lsn < proof.lsn),
           proof.lsn,
           EXISTS (SELECT FROM slot)
      FROM here, proof
$$;
COMMENT ON FUNCTION cdccraft.claims_of IS
    'what a run still holds and cleanup may drop: its table, publication and schema by oid, its slot by proof';

-- Every run with its newest counters and what it still holds: the one
-- reading of the catalog that the views, cleanup and the drop guard share.
-- Readable by the catalog's owner alone, like the tables under it.
CREATE VIEW cdccraft.run_state AS
SELECT r.*,
       coalesce(p.batches, 0) AS batches,
       coalesce(p.inserts, 0) AS inserts,
       coalesce(p.updates, 0) AS updates,
       coalesce(p.deletes, 0) AS deletes,
       coalesce(p.additions, 0) AS additions,
       coalesce(p.drops, 0) AS drops,
       r.origin <> cdccraft.origin() AS restored,
       cdccraft.worker_alive(r.worker_pid, r.worker_started_at) AS worker_alive,
       c.holds_table,
       c.holds_publication,
       c.holds_schema,
       c.holds_slot,
       c.names_slot,
       c.proof_lsn
  FROM cdccraft.run r
  LEFT JOIN LATERAL (SELECT * FROM cdccraft.progress g WHERE g.run_id = r.id ORDER BY g.batches DESC LIMIT 1) p
         ON true
  CROSS JOIN LATERAL cdccraft.claims_of(r, p.slot_proof_lsn) c;
REVOKE ALL ON cdccraft.run_state FROM PUBLIC;
COMMENT ON VIEW cdccraft.run_state IS
    'every cdccraft run with its newest counters and what it still holds (the catalog owner''s view)';

-- Every run the current role may see (its own, its member roles', or all for
-- a superuser), with live progress and what it still holds. A run whose
-- worker is gone without recording an outcome shows as interrupted; a run
-- restored from a dump (its origin is another database) as restored.
CREATE VIEW @extschema@.cdccraft_runs WITH (security_barrier) AS
SELECT r.id AS run_id,
       r.owner::regrole AS owner,
       CASE WHEN cdccraft.state_is_active(r.state) AND NOT r.worker_alive THEN 'interrupted' ELSE r.state END
           AS state,
       r.schema_name,
       r.table_name,
       r.publication_name,
       r.slot_name,
       (r.parameters->>'seed')::bigint AS seed,
       r.snapshot_rows,
       r.batches,
       r.inserts,
       r.updates,
       r.deletes,
       r.additions,
       r.drops,
       r.started_at,
       r.finished_at,
       round(extract(epoch FROM coalesce(r.finished_at, clock_timestamp()) - r.started_at), 3) AS elapsed_seconds,
       round((r.inserts + r.updates + r.deletes)
             / nullif(extract(epoch FROM coalesce(r.finished_at, clock_timestamp()) - r.started_at), 0), 1)
           AS changes_per_second,
       CASE WHEN NOT pg_is_in_recovery()
            THEN pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint END AS slot_retained_bytes,
       CASE WHEN NOT pg_is_in_recovery()
            THEN greatest(pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn), 0)::bigint END
           AS slot_lag_bytes,
       CASE WHEN r.worker_alive THEN r.worker_pid END AS worker_pid,
       CASE WHEN r.worker_alive THEN r.worker_started_at END AS worker_started_at,
       coalesce(r.last_error,
                CASE WHEN cdccraft.state_is_active(r.state) AND r.restored
                     THEN 'the run was restored from a dump of another database, where its worker ran'
                     WHEN cdccraft.state_is_active(r.state) AND NOT r.worker_alive
                     THEN cdccraft.interrupted_error()
                END) AS last_error,
       r.parameters,
       r.original_schema,
       r.final_schema,
       r.restored,
       r.relid,
       r.schema_oid,
       r.publication_oid,
       r.proof_lsn AS slot_proof_lsn,
       r.holds_table,
       r.holds_publication,
       r.holds_schema,
       r.holds_slot,
       r.names_slot
  FROM cdccraft.run_state r
  LEFT JOIN pg_replication_slots s
         ON r.names_slot AND s.slot_name = r.slot_name AND s.database = current_database()
 WHERE cdccraft.may_act_for(r.owner);
GRANT SELECT ON @extschema@.cdccraft_runs TO PUBLIC;
COMMENT ON VIEW @extschema@.cdccraft_runs IS 'cdccraft runs visible to the current role, with live progress and what they still hold';

CREATE VIEW @extschema@.cdccraft_schema_changes WITH (security_barrier) AS
SELECT c.run_id, c.batch, c.action, c.column_name, c.column_type, c.changed_at
  FROM cdccraft.schema_change c
 WHERE c.run_id IN (SELECT v.run_id FROM @extschema@.cdccraft_runs v);
GRANT SELECT ON @extschema@.cdccraft_schema_changes TO PUBLIC;
COMMENT ON VIEW @extschema@.cdccraft_schema_changes IS 'schema changes made by the cdccraft runs visible to the current role';

-- VOLATILE: it reads the clock and the WAL position, which move within a
-- statement.
CREATE OR REPLACE FUNCTION @extschema@.cdccraft_summary(run_id bigint DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
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
               'restored', v.restored,
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
COMMENT ON FUNCTION @extschema@.cdccraft_summary IS
    'what a run did, as jsonb: state, counts, schemas, schema changes, timing (NULL: the newest run)';

-- The report's body is 0.1.0's; like the summary it calls, it is VOLATILE.
ALTER FUNCTION @extschema@.cdccraft_report(bigint) VOLATILE;


-- Drops a run's slot if it is provably the run's (see claims_of), judged
-- and dropped with the slot acquired, so that nothing can replace it between.
CREATE FUNCTION cdccraft.drop_proven_slot(slot_name name, proof pg_lsn)
RETURNS boolean
LANGUAGE C STRICT VOLATILE
AS 'MODULE_PATHNAME', 'cdccraft_drop_proven_slot';
COMMENT ON FUNCTION cdccraft.drop_proven_slot IS
    'drops a logical slot of this database whose restart_lsn is below proof; returns whether it did';

-- Forgets, once cleanup has dropped them, the run's claims on what it no
-- longer holds (cdccraft.claims_of): the caller may not write the catalog.
CREATE FUNCTION cdccraft.release_claims(run_id bigint)
RETURNS void
LANGUAGE C STRICT VOLATILE
AS 'MODULE_PATHNAME', 'cdccraft_release_claims';
COMMENT ON FUNCTION cdccraft.release_claims IS
    'forgets a run''s claims on what it no longer holds (called by cdccraft_cleanup)';

CREATE FUNCTION @extschema@.cdccraft_cleanup(run_id bigint, keep_slot boolean DEFAULT false)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
    name text;
    slot record;
    dropped text[] := ARRAY[]::text[];
    kept jsonb := '[]';
    item jsonb;
    not_made text;
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
    -- Why an object under one of the run's names is not the run's to drop.
    not_made := CASE WHEN r.restored
                     THEN format('run %s was restored from a dump of another database: the run did not create this',
                                 r.run_id)
                     ELSE format('it is not the one run %s created, which is gone: cdccraft drops only what it '
                                 'can prove it made', r.run_id) END;
    -- Only what the run still holds (cdccraft.claims_of), under whatever name
    -- it has now; the drops run with the caller's own rights.
    IF r.holds_table THEN
        name := format('table %s', r.relid::regclass);
        EXECUTE format('DROP TABLE %s', r.relid::regclass);
        dropped := dropped || name;
    ELSIF (r.relid IS NOT NULL OR r.restored) AND to_regclass(format('%I.%I', r.schema_name, r.table_name)) IS NOT NULL THEN
        kept := kept || jsonb_build_object('object', format('table %I.%I', r.schema_name, r.table_name),
                                           'reason', not_made);
    END IF;
    IF r.holds_publication THEN
        SELECT p.pubname INTO name FROM pg_publication p WHERE p.oid = r.publication_oid;
        EXECUTE format('DROP PUBLICATION %I', name);
        dropped := dropped || format('publication %I', name);
    ELSIF (r.publication_oid IS NOT NULL OR r.restored)
          AND EXISTS (SELECT FROM pg_publication p WHERE p.pubname = r.publication_name) THEN
        kept := kept || jsonb_build_object('object', format('publication %I', r.publication_name), 'reason', not_made);
    END IF;
    -- The schema only if the run created it and nothing else lives in it now.
    IF r.holds_schema THEN
        SELECT n.nspname INTO name FROM pg_namespace n WHERE n.oid = r.schema_oid;
        BEGIN
            EXECUTE format('DROP SCHEMA %I', name);
            dropped := dropped || format('schema %I', name);
        EXCEPTION WHEN dependent_objects_still_exist THEN
            kept := kept || jsonb_build_object('object', format('schema %I', name),
                                               'reason', 'it holds objects that the run did not create');
        END;
    END IF;
    -- Last: dropping a slot cannot be rolled back, so it comes after every
    -- step that could still fail. keep_slot leaves it for a consumer (and
    -- for DROP EXTENSION CASCADE, which drops every run's slot only once
    -- everything else of every run is gone).
    SELECT s.active_pid, s.restart_lsn INTO slot
      FROM pg_replication_slots s WHERE s.slot_name = r.slot_name AND s.database = current_database();
    IF keep_slot THEN
        NULL;
    ELSIF r.holds_slot AND slot.active_pid IS NOT NULL THEN
        kept := kept || jsonb_build_object('object', format('slot %s', r.slot_name),
            'reason', format('a consumer (PID %s) is reading it; stop the consumer and clean up again',
                             slot.active_pid));
    ELSIF r.holds_slot THEN
        -- Proven again as it is dropped: the slot could have changed hands
        -- since the view was read.
        BEGIN
            IF cdccraft.drop_proven_slot(r.slot_name, r.slot_proof_lsn) THEN
                dropped := dropped || format('slot %s', r.slot_name);
            ELSE
                kept := kept || jsonb_build_object('object', format('slot %s', r.slot_name),
                    'reason', 'it changed while cleanup ran, and is no longer provably the run''s');
            END IF;
        EXCEPTION WHEN object_in_use THEN
            kept := kept || jsonb_build_object('object', format('slot %s', r.slot_name),
                'reason', 'a consumer attached to it while cleanup ran; stop the consumer and clean up again');
        WHEN undefined_object THEN
            NULL;  -- dropped by someone else meanwhile
        END;
    ELSIF r.names_slot AND r.slot_proof_lsn = '0/0' THEN
        kept := kept || jsonb_build_object('object', format('slot %s', r.slot_name),
            'reason', format('run %s was recorded by cdccraft 0.1.0, which kept only its slot''s name, and a name '
                             'proves nothing; if it is the run''s, drop it with SELECT pg_drop_replication_slot(%L)',
                             r.run_id, r.slot_name));
    ELSIF r.names_slot THEN
        kept := kept || jsonb_build_object('object', format('slot %s', r.slot_name),
            'reason', format('cannot prove it is the slot run %s created: its restart_lsn %s is not before %s, '
                             'where the run last saw its own slot (a slot made later under the name never is; '
                             'the run''s own slot moves past it once a consumer confirms changes made after the '
                             'run''s last batch); if it is the run''s, drop it with '
                             'SELECT pg_drop_replication_slot(%L)',
                             r.run_id, coalesce(slot.restart_lsn::text, 'unknown (the slot was invalidated)'),
                             r.slot_proof_lsn, r.slot_name));
    ELSIF r.slot_proof_lsn IS NOT NULL
          AND EXISTS (SELECT FROM pg_replication_slots s WHERE s.slot_name = r.slot_name) THEN
        kept := kept || jsonb_build_object('object', format('slot %s', r.slot_name),
            'reason', format('it is in database %s, not in the run''s',
                             (SELECT s.database FROM pg_replication_slots s WHERE s.slot_name = r.slot_name)));
    END IF;
    FOR item IN SELECT * FROM jsonb_array_elements(kept) LOOP
        RAISE NOTICE 'cdccraft run % left %', r.run_id, item->>'object'
            USING DETAIL = upper(left(item->>'reason', 1)) || substr(item->>'reason', 2) || '.';
    END LOOP;
    -- Forget the claims on what is gone now, or was never provably the run's;
    -- with keep_slot, the claim on the slot stays for a later cleanup.
    IF NOT keep_slot THEN
        PERFORM cdccraft.release_claims(r.run_id);
    END IF;
    RETURN jsonb_build_object('run_id', r.run_id, 'dropped', to_jsonb(dropped), 'left', kept);
END;
$$;
COMMENT ON FUNCTION @extschema@.cdccraft_cleanup IS
    'drops the table, publication, schema and slot that an ended run provably created (the original''s cleanup offer), and says what it left and why';

-- cdccraft_stop marks its stop as a user's with an advisory lock, so that the
-- worker can tell it from a server shutdown or pg_terminate_backend().
CREATE OR REPLACE FUNCTION @extschema@.cdccraft_stop(run_id bigint DEFAULT NULL, timeout interval DEFAULT NULL)
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
    -- Shared and never waited for: any role may take an advisory lock, and
    -- one that holds this one exclusively must not keep a stop from
    -- happening (the stop is then recorded as a termination). Stops of one
    -- run by several sessions share it.
    PERFORM pg_try_advisory_xact_lock_shared(1667523427, (target % 2147483648)::int4);
    -- The worker runs as the run's owner, so the caller may signal it exactly
    -- when it may see the run.
    -- The view shows the worker's pid only while that worker is alive.
    IF r.worker_pid IS NOT NULL THEN
        PERFORM pg_terminate_backend(r.worker_pid);
    END IF;
    RETURN cdccraft.wait_for_run(target, timeout);
END;
$$;

-- The start parameters as the library declares them (src/core/run_parameters.hpp):
-- a regression test holds cdccraft_start's signature against it.
CREATE FUNCTION cdccraft.start_parameters(OUT name text, OUT sql_type text, OUT sql_default text,
                                          OUT setting text, OUT description text)
RETURNS SETOF record
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'cdccraft_start_parameters';
COMMENT ON FUNCTION cdccraft.start_parameters IS
    'cdccraft_start''s parameters as the library declares them: name, SQL type and default, the setting that supplies a NULL, and what each means';

-- Every object the extension makes says what it is (\df+, \dt+ and \dv+ read well).
COMMENT ON SCHEMA cdccraft IS 'cdccraft''s run catalog and its internal functions';
COMMENT ON TABLE cdccraft.run IS
    'one row per cdccraft run: its owner, names, parameters, state, what it created and where it ran (owner-only)';
COMMENT ON TABLE cdccraft.progress IS
    'a run''s counters after its newest committed batch, inserted per batch, never updated (owner-only)';
COMMENT ON TABLE cdccraft.schema_change IS 'the columns each run added and dropped, by batch (owner-only)';
COMMENT ON SEQUENCE cdccraft.run_id_seq IS 'run ids';
COMMENT ON FUNCTION cdccraft.state_is_active(text) IS 'whether a run in this state has, or should have, a worker';
COMMENT ON FUNCTION cdccraft.wait_for_run(bigint, interval) IS
    'cdccraft_wait as a function, within the caller''s transaction (cdccraft_stop waits with it)';
COMMENT ON FUNCTION cdccraft.drop_guard() IS
    'refuses to drop the extension while runs hold objects; DROP EXTENSION cdccraft CASCADE stops and cleans them up first';
COMMENT ON EVENT TRIGGER cdccraft_drop_guard IS
    'guards DROP EXTENSION, DROP SCHEMA and DROP OWNED against orphaning what cdccraft runs created';

-- The truth of a run, what its seed cannot know: each committed transaction
-- that changed its table (batch 0 the snapshot rows), with its xid and the
-- transaction timestamp behind its now()-based values. A transaction learns
-- its own commit position only once it has committed, so each row carries
-- the commit LSN of the run's transaction before it, and the run's row the
-- last one's (written with the outcome). Inserted, never updated, like the
-- counters; the changes themselves follow from the seed.
CREATE TABLE cdccraft.batch_commit (
    run_id bigint NOT NULL,
    batch bigint NOT NULL,
    xid xid8 NOT NULL,
    now_at timestamptz NOT NULL,
    previous_commit_lsn pg_lsn,
    PRIMARY KEY (run_id, batch)
);
REVOKE ALL ON cdccraft.batch_commit FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('cdccraft.batch_commit', '');
COMMENT ON TABLE cdccraft.batch_commit IS
    'each committed transaction of a run: xid, transaction timestamp, the previous one''s commit LSN (owner-only)';
ALTER TABLE cdccraft.run ADD COLUMN last_commit_lsn pg_lsn, ADD COLUMN time_anchor timestamp, ADD COLUMN time_zone text;
COMMENT ON COLUMN cdccraft.run.last_commit_lsn IS 'the commit LSN of the run''s last transaction, written with its outcome';
COMMENT ON COLUMN cdccraft.run.time_anchor IS
    'the local time the run''s purchased_at values count back from (each is this minus an offset the seed draws)';
COMMENT ON COLUMN cdccraft.run.time_zone IS
    'the worker''s TimeZone, kept for the whole run: created_at and updated_at are now() in it';

-- Each committed transaction of the runs the current role may see, at the
-- end of its commit record (what a consumer that confirmed it has whole;
-- pgoutput's Commit end LSN). NULL for the newest batch of a run still
-- going, or of one whose worker died before recording its outcome.
CREATE VIEW @extschema@.cdccraft_batches WITH (security_barrier) AS
SELECT b.run_id,
       b.batch,
       b.xid,
       coalesce((SELECT n.previous_commit_lsn FROM cdccraft.batch_commit n
                  WHERE n.run_id = b.run_id AND n.batch > b.batch ORDER BY n.batch LIMIT 1),
                CASE WHEN NOT EXISTS (SELECT FROM cdccraft.batch_commit n
                                       WHERE n.run_id = b.run_id AND n.batch > b.batch)
                     THEN r.last_commit_lsn END) AS commit_lsn,
       b.now_at
  FROM cdccraft.batch_commit b
  JOIN cdccraft.run r ON r.id = b.run_id
 WHERE cdccraft.may_act_for(r.owner);
GRANT SELECT ON @extschema@.cdccraft_batches TO PUBLIC;
COMMENT ON VIEW @extschema@.cdccraft_batches IS
    'each committed transaction of the visible runs: batch, xid, commit LSN, the transaction timestamp behind now()';
