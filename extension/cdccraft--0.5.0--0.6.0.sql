\echo Use "ALTER EXTENSION cdccraft UPDATE TO '0.6.0'" to load this file. \quit

-- 0.5.0 to 0.6.0: how a run inserts its rows (insert_method). COPY FROM,
-- many rows to a WAL record, or INSERT ... SELECT, one record a row; the
-- setting cdccraft.insert_method gives the default. As in the earlier
-- updates, every name resolves in pg_catalog alone.
SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- cdccraft_start gains insert_method, so it is made anew as in the updates
-- to 0.3.0, 0.4.0 and 0.5.0: each grant it had given again by its own
-- grantor, as the database's own, and the old function moved aside, not
-- dropped, if anything depends on it.
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
     WHERE p.oid = '@extschema@.cdccraft_start(text, text, bigint, integer, integer, boolean, text, text, text, boolean, bigint, integer, double precision, double precision, integer, integer, double precision, double precision, double precision, text, bigint, text, boolean, double precision, text, text[], double precision, double precision, boolean, integer, integer, integer, integer, text[], integer, double precision, boolean, text, integer, boolean, boolean)'::regprocedure;
    -- As in the update to 0.3.0: a function that depends on it moves it
    -- aside rather than holding the update back; the library refuses its
    -- calls (it has 41 arguments).
    IF EXISTS (SELECT FROM pg_depend d
                WHERE d.refclassid = 'pg_catalog.pg_proc'::regclass AND d.deptype = 'n'
                  AND d.refobjid = '@extschema@.cdccraft_start(text, text, bigint, integer, integer, boolean, text, text, text, boolean, bigint, integer, double precision, double precision, integer, integer, double precision, double precision, double precision, text, bigint, text, boolean, double precision, text, text[], double precision, double precision, boolean, integer, integer, integer, integer, text[], integer, double precision, boolean, text, integer, boolean, boolean)'::regprocedure) THEN
        ALTER FUNCTION @extschema@.cdccraft_start(text, text, bigint, integer, integer, boolean, text, text, text, boolean, bigint, integer, double precision, double precision, integer, integer, double precision, double precision, double precision, text, bigint, text, boolean, double precision, text, text[], double precision, double precision, boolean, integer, integer, integer, integer, text[], integer, double precision, boolean, text, integer, boolean, boolean) RENAME TO cdccraft_start_0_5_0;
        ALTER FUNCTION @extschema@.cdccraft_start_0_5_0(text, text, bigint, integer, integer, boolean, text, text, text, boolean, bigint, integer, double precision, double precision, integer, integer, double precision, double precision, double precision, text, bigint, text, boolean, double precision, text, text[], double precision, double precision, boolean, integer, integer, integer, integer, text[], integer, double precision, boolean, text, integer, boolean, boolean) SET SCHEMA cdccraft;
        COMMENT ON FUNCTION cdccraft.cdccraft_start_0_5_0 IS
            '0.5.0''s cdccraft_start, kept for the objects that depend on it; the library refuses its calls';
    ELSE
        DROP FUNCTION @extschema@.cdccraft_start(text, text, bigint, integer, integer, boolean, text, text, text, boolean, bigint, integer, double precision, double precision, integer, integer, double precision, double precision, double precision, text, bigint, text, boolean, double precision, text, text[], double precision, double precision, boolean, integer, integer, integer, integer, text[], integer, double precision, boolean, text, integer, boolean, boolean);
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
        nontransactional_messages boolean DEFAULT false,
        insert_method text DEFAULT NULL)
    RETURNS bigint
    LANGUAGE C VOLATILE
    AS 'MODULE_PATHNAME', 'cdccraft_start';
    -- A run takes a background worker slot and creates a table, a
    -- publication and slots: granted by a superuser, not to everyone.
    REVOKE EXECUTE ON FUNCTION @extschema@.cdccraft_start FROM PUBLIC;
    -- The extension's own initial privileges: what pg_dump leaves out.
    SELECT p.proacl INTO script_acl FROM pg_proc p
     WHERE p.oid = '@extschema@.cdccraft_start(text, text, bigint, integer, integer, boolean, text, text, text, boolean, bigint, integer, double precision, double precision, integer, integer, double precision, double precision, double precision, text, bigint, text, boolean, double precision, text, text[], double precision, double precision, boolean, integer, integer, integer, integer, text[], integer, double precision, boolean, text, integer, boolean, boolean, text)'::regprocedure;
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
