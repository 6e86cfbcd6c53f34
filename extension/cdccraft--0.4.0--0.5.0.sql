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
ALTER TABLE cdccraft.run ADD COLUMN writer_commit_lsns pg_lsn[];
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
       coalesce(p.rolled_back_savepoints, 0) AS rolled_back_savepoints
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
