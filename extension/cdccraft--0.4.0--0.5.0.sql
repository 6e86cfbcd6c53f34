\echo Use "ALTER EXTENSION cdccraft UPDATE TO '0.5.0'" to load this file. \quit

-- 0.4.0 to 0.5.0: transaction shapes. Exact mixes (updates_per_batch,
-- deletes_per_batch) and the shapes of an update (update_kinds), among them
-- key updates, which the truth follows: a row keeps its history when its key
-- changes. As in the earlier updates, every name resolves in pg_catalog
-- alone.
SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- cdccraft_start gains updates_per_batch, deletes_per_batch and update_kinds,
-- so it is made anew as in the updates to 0.3.0 and 0.4.0: each grant it had given again by its own grantor, as the database's
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
        update_kinds text[] DEFAULT '{column}')
    RETURNS bigint
    LANGUAGE C VOLATILE
    AS 'MODULE_PATHNAME', 'cdccraft_start';
    -- A run takes a background worker slot and creates a table, a
    -- publication and slots: granted by a superuser, not to everyone.
    REVOKE EXECUTE ON FUNCTION @extschema@.cdccraft_start FROM PUBLIC;
    -- The extension's own initial privileges: what pg_dump leaves out.
    SELECT p.proacl INTO script_acl FROM pg_proc p
     WHERE p.oid = '@extschema@.cdccraft_start(text, text, bigint, integer, integer, boolean, text, text, text, boolean, bigint, integer, double precision, double precision, integer, integer, double precision, double precision, double precision, text, bigint, text, boolean, double precision, text, text[], double precision, double precision, boolean, integer, integer, integer, integer, text[])'::regprocedure;
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
