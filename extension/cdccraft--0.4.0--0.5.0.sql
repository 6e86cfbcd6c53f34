\echo Use "ALTER EXTENSION cdccraft UPDATE TO '0.5.0'" to load this file. \quit

-- 0.4.0 to 0.5.0: transaction shapes. Exact mixes (updates_per_batch,
-- deletes_per_batch) and the shapes of an update (update_kinds), among them
-- key updates, which the truth follows: a row keeps its history when its key
-- changes. Several writers (writers): backends writing one run at once, each
-- with its own batches, counters and chain of commit positions. Prepared
-- batches (prepare_fraction, two_phase) and a partitioned table
-- (partitioning), whose partition splits schema_change records. As in the
-- earlier updates, every name resolves in pg_catalog alone.
SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- Each writer of a run records its own batches (writer w's are numbered
-- w + 1, w + 1 + writers, ...), each with the commit LSN of that writer's
-- previous one, and keeps its own counters row. Rows recorded before 0.5.0
-- are writer 0's, the only one there was.
ALTER TABLE cdccraft.batch_commit ADD COLUMN writer integer NOT NULL DEFAULT 0;
CREATE INDEX batch_commit_writer_idx ON cdccraft.batch_commit (run_id, writer, batch);
COMMENT ON COLUMN cdccraft.batch_commit.writer IS
    'the writer that committed it (0 .. writers - 1); previous_commit_lsn is that writer''s previous transaction''s';
ALTER TABLE cdccraft.progress ADD COLUMN writer integer NOT NULL DEFAULT 0;
CREATE INDEX progress_writer_idx ON cdccraft.progress (run_id, writer, batches);
COMMENT ON COLUMN cdccraft.progress.writer IS 'the writer whose counters these are; a run''s are the sum of its writers''';
ALTER TABLE cdccraft.run ADD COLUMN writer_commit_lsns pg_lsn[], ADD COLUMN partition_oids oid[];
COMMENT ON COLUMN cdccraft.run.partition_oids IS
    'the partitions the run created (partitioning range), which cleanup drops with its table, and only those';
COMMENT ON COLUMN cdccraft.run.writer_commit_lsns IS
    'with several writers, the commit LSN of each one''s last transaction (by writer, from 1), written with the outcome; last_commit_lsn is the latest of them';

-- cdccraft_start gains updates_per_batch, deletes_per_batch, update_kinds,
-- writers, prepare_fraction, two_phase, partitioning, partition_every,
-- publish_via_partition_root and nontransactional_messages, so it is made anew as in the updates to 0.3.0 and 0.4.0: each grant it had given again by its own grantor, as the database's
-- own, and the old function moved aside, not dropped, if anything depends
-- on it.
DO $$
DECLARE
    old_acl aclitem[];
    old_owner oid;
    script_acl aclitem[];
    me name := current_user;
    grant_to record;
    done text[] := ARRAY[]::text[];
    progress boolean;
BEGIN
    SELECT p.proacl, p.proowner INTO old_acl, old_owner FROM pg_proc p
     WHERE p.oid = '@extschema@.cdccraft_start(text, text, bigint, integer, integer, boolean, text, text, text, boolean, bigint, integer, double precision, double precision, integer, integer, double precision, double precision, double precision, text, bigint, text, boolean, double precision, text, text[], double precision, double precision, boolean, integer, integer)'::regprocedure;
    -- As in the update to 0.3.0: a function that depends on it moves it
    -- aside rather than holding the update back; the library refuses its
    -- calls (it has 31 arguments).
    IF EXISTS (SELECT FROM pg_depend d
                WHERE d.refclassid = 'pg_catalog.pg_proc'::regclass AND d.deptype = 'n'
                  AND d.refobjid = '@extschema@.cdccraft_start(text, text, bigint, integer, integer, boolean, text, text, text, boolean, bigint, integer, double precision, double precision, integer, integer, double precision, double precision, double precision, text, bigint, text, boolean, double precision, text, text[], double precision, double precision, boolean, integer, integer)'::regprocedure) THEN
        ALTER FUNCTION @extschema@.cdccraft_start(text, text, bigint, integer, integer, boolean, text, text, text, boolean, bigint, integer, double precision, double precision, integer, integer, double precision, double precision, double precision, text, bigint, text, boolean, double precision, text, text[], double precision, double precision, boolean, integer, integer) RENAME TO cdccraft_start_0_4_0;
        ALTER FUNCTION @extschema@.cdccraft_start_0_4_0(text, text, bigint, integer, integer, boolean, text, text, text, boolean, bigint, integer, double precision, double precision, integer, integer, double precision, double precision, double precision, text, bigint, text, boolean, double precision, text, text[], double precision, double precision, boolean, integer, integer) SET SCHEMA cdccraft;
        COMMENT ON FUNCTION cdccraft.cdccraft_start_0_4_0 IS
            '0.4.0''s cdccraft_start, kept for the objects that depend on it; the library refuses its calls';
    ELSE
        DROP FUNCTION @extschema@.cdccraft_start(text, text, bigint, integer, integer, boolean, text, text, text, boolean, bigint, integer, double precision, double precision, integer, integer, double precision, double precision, double precision, text, bigint, text, boolean, double precision, text, text[], double precision, double precision, boolean, integer, integer);
    END IF;
    CREATE FUNCTION @extschema@.cdccraft_start(
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
        key_order text DEFAULT 'random',
        verify boolean DEFAULT false,
        null_fraction double precision DEFAULT 0,
        column_profile text DEFAULT 'basic',
        evolution_ops text[] DEFAULT '{add,drop}',
        rollback_fraction double precision DEFAULT 0,
        savepoint_fraction double precision DEFAULT 0,
        emit_messages boolean DEFAULT false,
        huge_every integer DEFAULT 0,
        huge_rows integer DEFAULT 200000,
        updates_per_batch integer DEFAULT NULL,
        deletes_per_batch integer DEFAULT NULL,
        update_kinds text[] DEFAULT '{column}',
        writers integer DEFAULT 1,
        prepare_fraction double precision DEFAULT 0,
        two_phase boolean DEFAULT false,
        partitioning text DEFAULT 'none',
        partition_every integer DEFAULT 10,
        publish_via_partition_root boolean DEFAULT false,
        nontransactional_messages boolean DEFAULT false)
    RETURNS bigint
    LANGUAGE C VOLATILE
    AS 'MODULE_PATHNAME', 'cdccraft_start';
    -- A run takes a background worker slot and creates a table, a
    -- publication and slots: granted by a superuser, not to everyone.
    REVOKE EXECUTE ON FUNCTION @extschema@.cdccraft_start FROM PUBLIC;
    -- The extension's own initial privileges: what pg_dump leaves out.
    SELECT p.proacl INTO script_acl FROM pg_proc p
     WHERE p.oid = '@extschema@.cdccraft_start(text, text, bigint, integer, integer, boolean, text, text, text, boolean, bigint, integer, double precision, double precision, integer, integer, double precision, double precision, double precision, text, bigint, text, boolean, double precision, text, text[], double precision, double precision, boolean, integer, integer, integer, integer, text[], integer, double precision, boolean, text, integer, boolean, boolean)'::regprocedure;
    -- Each grant as it was, by its own grantor (the owner's as the new
    -- owner), so that revoking a grantor's privilege CASCADE still takes
    -- away what it granted: a grant made under a grant option once that
    -- option is given again.
    LOOP
        progress := false;
        FOR grant_to IN SELECT a.grantor, a.grantee, a.is_grantable FROM aclexplode(old_acl) a
                         WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> a.grantor
                           AND NOT (a.grantor || '/' || a.grantee) = ANY (done) LOOP
            IF grant_to.grantor <> old_owner AND NOT EXISTS (
                   SELECT FROM pg_proc p, aclexplode(p.proacl) b
                    WHERE p.oid = '@extschema@.cdccraft_start'::regproc
                      AND b.grantee = grant_to.grantor AND b.is_grantable) THEN
                CONTINUE;
            END IF;
            IF grant_to.grantor <> old_owner THEN
                EXECUTE format('SET LOCAL ROLE %s', grant_to.grantor::regrole);
            END IF;
            EXECUTE format('GRANT EXECUTE ON FUNCTION @extschema@.cdccraft_start TO %s%s',
                           CASE WHEN grant_to.grantee = 0 THEN 'PUBLIC' ELSE grant_to.grantee::regrole::text END,
                           CASE WHEN grant_to.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
            EXECUTE format('SET LOCAL ROLE %I', me);
            done := done || (grant_to.grantor || '/' || grant_to.grantee);
            progress := true;
        END LOOP;
        EXIT WHEN NOT progress;
    END LOOP;
    -- GRANT in an extension script records the grant as the extension's
    -- initial privilege, which pg_dump then omits: they are the database's.
    UPDATE pg_catalog.pg_init_privs i SET initprivs = script_acl
     WHERE i.objoid = '@extschema@.cdccraft_start'::regproc AND i.classoid = 'pg_catalog.pg_proc'::regclass
       AND i.objsubid = 0;
END;
$$;
COMMENT ON FUNCTION @extschema@.cdccraft_start IS
    'creates a table, its snapshot rows, publication and slot, and starts a worker that simulates its change traffic; returns the run id';

-- merged_rows as in 0.4.0, following key updates: a row's changes are
-- merged under the key it was inserted with, whatever keys it moved to
-- since, and it is returned under the last of them.
CREATE OR REPLACE FUNCTION cdccraft.merged_rows(run_id bigint, upto_lsn pg_lsn)
RETURNS TABLE (key text, columns jsonb)
LANGUAGE sql STABLE
BEGIN ATOMIC
    -- MATERIALIZED: evaluated once, wherever a caller's plan puts the body.
    WITH RECURSIVE upto AS MATERIALIZED (SELECT cdccraft.batch_at(merged_rows.run_id, merged_rows.upto_lsn) AS batch),
    since AS MATERIALIZED (
        SELECT coalesce(pg_catalog.max(c.batch), 0) AS batch
          FROM @extschema@.cdccraft_schema_changes c, upto
         WHERE c.run_id OPERATOR(pg_catalog.=) merged_rows.run_id AND c.action OPERATOR(pg_catalog.=) 'TRUNCATE'
           AND c.batch OPERATOR(pg_catalog.<=) upto.batch),
    renames AS MATERIALIZED (
        SELECT coalesce(pg_catalog.jsonb_object_agg(c.column_name, c.new_name), '{}') AS map
          FROM @extschema@.cdccraft_schema_changes c, upto
         WHERE c.run_id OPERATOR(pg_catalog.=) merged_rows.run_id AND c.action OPERATOR(pg_catalog.=) 'RENAME'
           AND c.batch OPERATOR(pg_catalog.<=) upto.batch),
    shape AS MATERIALIZED (SELECT cdccraft.table_shape(merged_rows.run_id, merged_rows.upto_lsn) AS blank),
    -- Each timestamp widened to timestamptz, under its names until then.
    widenings AS MATERIALIZED (
        SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                   'batch', w.batch,
                   'names', pg_catalog.jsonb_build_array(w.column_name) OPERATOR(pg_catalog.||) coalesce(
                       (SELECT pg_catalog.jsonb_agg(r.column_name)
                          FROM @extschema@.cdccraft_schema_changes r
                         WHERE r.run_id OPERATOR(pg_catalog.=) merged_rows.run_id
                           AND r.action OPERATOR(pg_catalog.=) 'RENAME'
                           AND r.new_name OPERATOR(pg_catalog.=) w.column_name
                           AND r.batch OPERATOR(pg_catalog.<) w.batch), '[]'))), '[]') AS list
          FROM @extschema@.cdccraft_schema_changes w, upto
         WHERE w.run_id OPERATOR(pg_catalog.=) merged_rows.run_id AND w.operation OPERATOR(pg_catalog.=) 'widen'
           AND w.column_type OPERATOR(pg_catalog.~~) 'pg_catalog.timestamptz%'
           AND w.batch OPERATOR(pg_catalog.<=) upto.batch),
    -- The replay, once: the moves below read it too.
    changes AS MATERIALIZED (
        SELECT c.batch, c.seq, c.op, c.key, c.data
          FROM @extschema@.cdccraft_changes(merged_rows.run_id, NULL, merged_rows.upto_lsn) c, since
         WHERE c.op OPERATOR(pg_catalog.=) ANY ('{insert,update,delete}')
           AND c.batch OPERATOR(pg_catalog.>=) since.batch),
    -- A key update (update_kinds key) moves its row from key to data's id;
    -- keys are never used twice, so each row's moves form one chain.
    moves AS MATERIALIZED (
        SELECT c.key AS from_key, c.data OPERATOR(pg_catalog.->>) 'id' AS to_key
          FROM changes c
         WHERE c.op OPERATOR(pg_catalog.=) 'update' AND c.data OPERATOR(pg_catalog.?) 'id'),
    walk (key, origin) AS (
        SELECT m.to_key, m.from_key FROM moves m
        UNION ALL
        SELECT w.key, m.from_key FROM walk w JOIN moves m ON m.to_key OPERATOR(pg_catalog.=) w.origin),
    -- Each key a row moved to, with the key it was inserted with.
    lineage AS MATERIALIZED (
        SELECT w.key, w.origin FROM walk w
         WHERE NOT EXISTS (SELECT FROM moves m WHERE m.to_key OPERATOR(pg_catalog.=) w.origin))
    SELECT m.columns OPERATOR(pg_catalog.->>) 'id', s.blank OPERATOR(pg_catalog.||) cdccraft.renamed_columns(m.columns, r.map)
      FROM (SELECT cdccraft.merged_row(CASE WHEN w.list OPERATOR(pg_catalog.=) '[]' THEN c.data
                                            ELSE cdccraft.utc_widened(c.data, c.batch, w.list) END
                                       ORDER BY c.batch, c.seq) AS columns,
                   pg_catalog.bool_or(c.op OPERATOR(pg_catalog.=) 'delete') AS deleted
              FROM changes c LEFT JOIN lineage l ON l.key OPERATOR(pg_catalog.=) c.key, widenings w
             GROUP BY coalesce(l.origin, c.key)) m, renames r, shape s
     WHERE NOT m.deleted;
END;
COMMENT ON FUNCTION cdccraft.merged_rows IS
    'the live rows at a position, each with its changes'' columns merged in order (across its key updates) under the names in force, columns no change set holding their fill';

-- claims_of as in 0.3.0, a partitioned table (partitioning range) a table too.
CREATE OR REPLACE FUNCTION cdccraft.claims_of(r cdccraft.run, latest_proof pg_lsn, OUT holds_table boolean,
                                              OUT holds_publication boolean, OUT holds_schema boolean,
                                              OUT holds_slot boolean, OUT proof_lsn pg_lsn, OUT names_slot boolean)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH here AS (SELECT r.origin = cdccraft.origin() AS local),
         proof AS (SELECT CASE WHEN r.slot_proof_lsn IS NOT NULL AND here.local
                               THEN greatest(r.slot_proof_lsn, latest_proof) END AS lsn
                     FROM here)
    -- Owned by the run's role as well, as the run made them: an oid alone
    -- could, after oid wraparound, name something else.
    SELECT here.local AND EXISTS (SELECT FROM pg_class c
                                   WHERE c.oid = r.relid AND c.relkind IN ('r', 'p') AND c.relowner = r.owner),
           here.local AND EXISTS (SELECT FROM pg_publication p WHERE p.oid = r.publication_oid AND p.pubowner = r.owner),
           here.local AND EXISTS (SELECT FROM pg_namespace n WHERE n.oid = r.schema_oid AND n.nspowner = r.owner),
           slot.holds_slot,
           proof.lsn,
           slot.names_slot
      FROM here, proof, cdccraft.slot_claim(r.slot_name, proof.lsn) slot
$$;

-- run_state as in 0.4.0, its counters summed over the run's writers: each
-- writer's newest row, taken from the end of its writer's index (as one
-- writer's newest was before). Writer w's batch b is its ((b - 1) / writers
-- + 1)-th. In the view itself, not a function, so that its tables are read
-- with the view owner's rights, as the view's own are.
CREATE OR REPLACE VIEW cdccraft.run_state AS
SELECT r.id, r.owner, r.schema_name, r.table_name, r.publication_name, r.slot_name, r.parameters, r.state, r.relid,
       r.snapshot_rows, r.original_schema, r.final_schema, r.started_at, r.finished_at, r.worker_pid,
       r.worker_started_at, r.last_error, r.schema_oid, r.publication_oid, r.slot_proof_lsn, r.origin,
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
       c.proof_lsn,
       r.canary_slot,
       r.canary_proof_lsn,
       r.verified_lsn,
       k.names_canary,
       k.holds_canary,
       ARRAY(SELECT t.oid FROM pg_type t
              WHERE t.oid = ANY (r.type_oids) AND t.typowner = r.owner AND r.origin = cdccraft.origin()
              ORDER BY t.oid) AS held_types,
       coalesce(p.rolled_back_batches, 0) AS rolled_back_batches,
       coalesce(p.rolled_back_changes, 0) AS rolled_back_changes,
       coalesce(p.rolled_back_savepoints, 0) AS rolled_back_savepoints,
       r.partition_oids
  FROM cdccraft.run r
  CROSS JOIN LATERAL (
        SELECT sum(CASE WHEN g.batches = 0 THEN 0 ELSE (g.batches - 1) / n.writers + 1 END)::bigint AS batches,
               sum(g.inserts)::bigint AS inserts, sum(g.updates)::bigint AS updates,
               sum(g.deletes)::bigint AS deletes, max(g.additions) AS additions, max(g.drops) AS drops,
               max(g.slot_proof_lsn) AS slot_proof_lsn, sum(g.rolled_back_batches)::bigint AS rolled_back_batches,
               sum(g.rolled_back_changes)::bigint AS rolled_back_changes,
               sum(g.rolled_back_savepoints)::bigint AS rolled_back_savepoints
          FROM (SELECT coalesce((r.parameters->>'writers')::integer, 1) AS writers) n
         CROSS JOIN LATERAL generate_series(0, n.writers - 1) w
         CROSS JOIN LATERAL (SELECT * FROM cdccraft.progress g
                              WHERE g.run_id = r.id AND g.writer = w ORDER BY g.batches DESC LIMIT 1) g) p
  CROSS JOIN LATERAL cdccraft.claims_of(r, p.slot_proof_lsn) c
  CROSS JOIN LATERAL cdccraft.slot_claim(r.canary_slot,
                                         CASE WHEN r.origin = cdccraft.origin() THEN r.canary_proof_lsn END)
                     AS k(names_canary, holds_canary);

-- cdccraft_batches as in 0.2.0, each transaction's commit LSN from its own
-- writer's next one (or that writer's last, recorded with the outcome), and
-- which writer it was.
CREATE OR REPLACE VIEW @extschema@.cdccraft_batches WITH (security_barrier) AS
SELECT b.run_id,
       b.batch,
       b.xid,
       coalesce((SELECT n.previous_commit_lsn FROM cdccraft.batch_commit n
                  WHERE n.run_id = b.run_id AND n.writer = b.writer AND n.batch > b.batch ORDER BY n.batch LIMIT 1),
                CASE WHEN NOT EXISTS (SELECT FROM cdccraft.batch_commit n
                                       WHERE n.run_id = b.run_id AND n.writer = b.writer AND n.batch > b.batch)
                     THEN coalesce(r.writer_commit_lsns[b.writer + 1],
                                   CASE WHEN r.writer_commit_lsns IS NULL THEN r.last_commit_lsn END) END) AS commit_lsn,
       b.now_at,
       b.writer
  FROM cdccraft.batch_commit b
  JOIN cdccraft.run r ON r.id = b.run_id
 WHERE cdccraft.may_act_for(r.owner);
COMMENT ON VIEW @extschema@.cdccraft_batches IS
    'each committed transaction of the visible runs: batch, xid, commit LSN, the transaction timestamp behind now(), the writer that made it';

-- cdccraft_runs as in 0.4.0, with the partitions the run created.
CREATE OR REPLACE VIEW @extschema@.cdccraft_runs WITH (security_barrier) AS
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
       r.names_slot,
       r.canary_slot,
       r.holds_canary,
       r.names_canary,
       r.canary_proof_lsn,
       CASE WHEN NOT pg_is_in_recovery() THEN pg_wal_lsn_diff(pg_current_wal_lsn(), k.restart_lsn)::bigint END
           AS canary_retained_bytes,
       r.verified_lsn,
       r.held_types::regtype[] AS held_types,
       r.rolled_back_batches,
       r.rolled_back_changes,
       r.rolled_back_savepoints,
       r.partition_oids::pg_catalog.oid[] AS partition_oids
  FROM cdccraft.run_state r
  LEFT JOIN pg_replication_slots s
         ON r.names_slot AND s.slot_name = r.slot_name AND s.database = current_database()
  LEFT JOIN pg_replication_slots k
         ON r.names_canary AND k.slot_name = r.canary_slot AND k.database = current_database()
 WHERE cdccraft.may_act_for(r.owner);

-- cdccraft_cleanup as in 0.4.0, a partitioned run's table with its own
-- partitions only: a table someone else attached is detached first and left,
-- and a partition of the run's that someone detached is dropped all the same
-- (by oid and owner, as the table is).
CREATE OR REPLACE FUNCTION @extschema@.cdccraft_cleanup(run_id bigint, keep_slot boolean DEFAULT false)
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
    type_oid regtype;
    part regclass;
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
        FOR part IN SELECT i.inhrelid::regclass FROM pg_inherits i
                     WHERE i.inhparent = r.relid AND i.inhrelid <> ALL (coalesce(r.partition_oids, '{}'))
                     ORDER BY i.inhrelid LOOP
            EXECUTE format('ALTER TABLE %s DETACH PARTITION %s', r.relid::regclass, part);
            kept := kept || jsonb_build_object('object', format('table %s', part),
                'reason', 'a partition the run did not create: detached from the run''s table and left');
        END LOOP;
        name := format('table %s', r.relid::regclass);
        EXECUTE format('DROP TABLE %s', r.relid::regclass);
        dropped := dropped || name;
        FOR part IN SELECT c.oid::regclass FROM pg_class c
                     WHERE c.oid = ANY (r.partition_oids) AND c.relowner = r.owner::oid AND c.relkind = 'r'
                     ORDER BY c.oid LOOP
            name := format('table %s', part);
            EXECUTE format('DROP TABLE %s', part);
            dropped := dropped || name;
        END LOOP;
    ELSIF (r.relid IS NOT NULL OR r.restored) AND to_regclass(format('%I.%I', r.schema_name, r.table_name)) IS NOT NULL THEN
        kept := kept || jsonb_build_object('object', format('table %I.%I', r.schema_name, r.table_name),
                                           'reason', not_made);
    END IF;
    -- The run's own types, after the table that used them, each only if
    -- nothing else uses it now.
    FOR type_oid IN SELECT * FROM unnest(r.held_types) LOOP
        name := format('type %s', type_oid);
        BEGIN
            EXECUTE format('DROP %s %s',
                           CASE WHEN (SELECT t.typtype FROM pg_type t WHERE t.oid = type_oid) = 'd'
                                THEN 'DOMAIN' ELSE 'TYPE' END, type_oid);
            dropped := dropped || name;
        EXCEPTION WHEN dependent_objects_still_exist THEN
            kept := kept || jsonb_build_object('object', name, 'reason', 'objects the run did not create use it');
        END;
    END LOOP;
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
    -- The canary slot (verify => true) by the same rule, under its own
    -- proof; cdccraft_verify is its only reader.
    SELECT s.active_pid INTO slot
      FROM pg_replication_slots s WHERE s.slot_name = r.canary_slot AND s.database = current_database();
    IF keep_slot OR r.canary_slot IS NULL THEN
        NULL;
    ELSIF r.holds_canary AND slot.active_pid IS NOT NULL THEN
        kept := kept || jsonb_build_object('object', format('slot %s', r.canary_slot),
            'reason', format('it is being read (PID %s); clean up again once it is not', slot.active_pid));
    ELSIF r.holds_canary THEN
        BEGIN
            IF cdccraft.drop_proven_slot(r.canary_slot, r.canary_proof_lsn) THEN
                dropped := dropped || format('slot %s', r.canary_slot);
            ELSE
                kept := kept || jsonb_build_object('object', format('slot %s', r.canary_slot),
                    'reason', 'it changed while cleanup ran, and is no longer provably the run''s');
            END IF;
        EXCEPTION WHEN object_in_use THEN
            kept := kept || jsonb_build_object('object', format('slot %s', r.canary_slot),
                'reason', 'it was being read while cleanup ran; clean up again once it is not');
        WHEN undefined_object THEN
            NULL;
        END;
    ELSIF r.names_canary THEN
        kept := kept || jsonb_build_object('object', format('slot %s', r.canary_slot),
            'reason', format('cannot prove it is the canary slot run %s created; if it is, drop it with '
                             'SELECT pg_drop_replication_slot(%L)', r.run_id, r.canary_slot));
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
