\echo Use "ALTER EXTENSION cdccraft UPDATE TO '0.3.0'" to load this file. \quit

-- 0.2.0 to 0.3.0: the truth of a run. As in the update to 0.2.0, every name
-- resolves in pg_catalog alone, and what this script creates in the
-- extension's schema it names so.
SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- Every change of a run, replayed from its seed and its ledger
-- (cdccraft.batch_commit). STABLE: it reads the catalog in the caller's
-- snapshot, and prints values as the calling session prints them.
CREATE FUNCTION @extschema@.cdccraft_changes(run_id bigint, from_lsn pg_lsn DEFAULT NULL, to_lsn pg_lsn DEFAULT NULL)
RETURNS TABLE (batch bigint, xid xid8, commit_lsn pg_lsn, seq integer, op text, key text, data jsonb, ddl text)
LANGUAGE C STABLE ROWS 100000
AS 'MODULE_PATHNAME', 'cdccraft_changes';
COMMENT ON FUNCTION @extschema@.cdccraft_changes IS
    'every change of a run in commit order, then statement order: its transaction (batch, xid, commit LSN), op, key, the columns it set as text, or the DDL statement; from_lsn and to_lsn bound the commit LSN, inclusive';

-- The columns of a run's table once the changes committed at or before
-- upto_lsn (NULL: all) were made: the original ones, plus those added, less
-- those dropped, by then. A column is never added twice.
CREATE FUNCTION cdccraft.columns_in_force(run_id bigint, upto_lsn pg_lsn)
RETURNS text[]
LANGUAGE sql STABLE
BEGIN ATOMIC
    WITH upto AS (
        SELECT max(b.batch) AS batch
          FROM @extschema@.cdccraft_batches b
         WHERE b.run_id OPERATOR(pg_catalog.=) columns_in_force.run_id
           AND (columns_in_force.upto_lsn IS NULL OR b.commit_lsn OPERATOR(pg_catalog.<=) columns_in_force.upto_lsn)),
    changed AS (
        SELECT c.action, c.column_name
          FROM @extschema@.cdccraft_schema_changes c, upto
         WHERE c.run_id OPERATOR(pg_catalog.=) columns_in_force.run_id
           AND c.batch OPERATOR(pg_catalog.<=) upto.batch)
    SELECT pg_catalog.array_agg(n.name ORDER BY n.name)
      FROM (SELECT o.column_def OPERATOR(pg_catalog.->>) 'name' AS name
              FROM @extschema@.cdccraft_runs v,
                   pg_catalog.jsonb_array_elements(v.original_schema) AS o(column_def)
             WHERE v.run_id OPERATOR(pg_catalog.=) columns_in_force.run_id
            UNION ALL
            SELECT c.column_name FROM changed c WHERE c.action OPERATOR(pg_catalog.=) 'ADD') n
     WHERE NOT EXISTS (SELECT FROM changed d
                        WHERE d.action OPERATOR(pg_catalog.=) 'DROP'
                          AND d.column_name OPERATOR(pg_catalog.=) n.name);
END;
COMMENT ON FUNCTION cdccraft.columns_in_force IS
    'the columns of a run''s table once the changes committed at or before a position were made';

-- A row's columns once its changes are applied in order: each change's
-- columns replace the earlier values (a delete's NULL data is skipped).
CREATE AGGREGATE cdccraft.merged_row(jsonb) (SFUNC = pg_catalog.jsonb_concat, STYPE = jsonb);
COMMENT ON AGGREGATE cdccraft.merged_row(jsonb) IS
    'the columns of a row''s changes, applied in the aggregate''s order';

-- The live rows once the changes committed at or before upto_lsn were made,
-- each with its changes' columns merged in order, as they came: a column
-- added after the row's last change is absent, a dropped one may linger.
-- cdccraft_expected_state shapes them; cdccraft_diff reads the columns it
-- compares straight from them.
CREATE FUNCTION cdccraft.merged_rows(run_id bigint, upto_lsn pg_lsn)
RETURNS TABLE (key text, columns jsonb)
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT m.key, m.columns
      FROM (SELECT c.key,
                   cdccraft.merged_row(c.data ORDER BY c.batch, c.seq) AS columns,
                   pg_catalog.bool_or(c.op OPERATOR(pg_catalog.=) 'delete') AS deleted
              FROM @extschema@.cdccraft_changes(merged_rows.run_id, NULL, merged_rows.upto_lsn) c
             WHERE c.op OPERATOR(pg_catalog.<>) 'ddl'
             GROUP BY c.key) m
     WHERE NOT m.deleted;
END;
COMMENT ON FUNCTION cdccraft.merged_rows IS
    'the live rows at a position, each with its changes'' columns merged in order (cdccraft_expected_state shapes them)';

CREATE FUNCTION @extschema@.cdccraft_expected_state(run_id bigint, upto_lsn pg_lsn DEFAULT NULL)
RETURNS TABLE (key text, "row" jsonb)
LANGUAGE sql STABLE
BEGIN ATOMIC
    WITH in_force AS (
        SELECT cdccraft.columns_in_force(cdccraft_expected_state.run_id, cdccraft_expected_state.upto_lsn) AS names),
    blank AS (
        SELECT pg_catalog.jsonb_object(f.names, pg_catalog.array_fill(NULL::text, ARRAY[pg_catalog.cardinality(f.names)]))
               AS row_of_nulls
          FROM in_force f),
    -- Every column the run's schema changes name that is not in force: the
    -- dropped ones, which older changes still carry.
    gone AS (
        SELECT coalesce(pg_catalog.array_agg(DISTINCT c.column_name), '{}') AS names
          FROM @extschema@.cdccraft_schema_changes c, in_force f
         WHERE c.run_id OPERATOR(pg_catalog.=) cdccraft_expected_state.run_id
           AND c.column_name OPERATOR(pg_catalog.<>) ALL (f.names))
    SELECT m.key, (b.row_of_nulls OPERATOR(pg_catalog.||) m.columns) OPERATOR(pg_catalog.-) g.names
      FROM cdccraft.merged_rows(cdccraft_expected_state.run_id, cdccraft_expected_state.upto_lsn) m, blank b, gone g
     ORDER BY m.key;
END;
COMMENT ON FUNCTION @extschema@.cdccraft_expected_state IS
    'the rows a run''s table held once every change committed at or before upto_lsn (NULL: all) was made, every column in force then, as text';

-- What a sink holds against the truth: the rows of a table a pipeline filled
-- (local, or a foreign table on the sink), by the key column id, every
-- column in force compared by name as the sink's type prints it (its output
-- function, which format's %s calls, as cdccraft_changes prints). A
-- column the sink lacks or has besides is one row (key NULL), and is left
-- out of the rows' comparison. A key the sink holds twice is extra once more.
CREATE FUNCTION @extschema@.cdccraft_diff(run_id bigint, sink regclass, upto_lsn pg_lsn DEFAULT NULL)
RETURNS TABLE (key text, problem text, expected jsonb, actual jsonb)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    in_force text[];
    sink_columns text[];
    common text[];
BEGIN
    IF cdccraft_diff.run_id IS NULL OR cdccraft_diff.sink IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'run_id and sink must not be NULL';
    END IF;
    IF NOT EXISTS (SELECT FROM @extschema@.cdccraft_runs v WHERE v.run_id OPERATOR(pg_catalog.=) cdccraft_diff.run_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_object',
            MESSAGE = format('cdccraft run %s does not exist', cdccraft_diff.run_id);
    END IF;
    in_force := cdccraft.columns_in_force(cdccraft_diff.run_id, cdccraft_diff.upto_lsn);
    SELECT pg_catalog.array_agg(a.attname::text ORDER BY a.attnum) INTO sink_columns
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid OPERATOR(pg_catalog.=) cdccraft_diff.sink
       AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped;
    IF sink_columns IS NULL OR NOT 'id' OPERATOR(pg_catalog.=) ANY (sink_columns) THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_column',
            MESSAGE = format('the sink %s has no column id, the key of cdccraft''s tables', cdccraft_diff.sink);
    END IF;
    common := ARRAY(SELECT c FROM pg_catalog.unnest(in_force) c
                     WHERE c OPERATOR(pg_catalog.=) ANY (sink_columns) ORDER BY c);

    RETURN QUERY
        SELECT NULL::text, 'missing'::text, pg_catalog.jsonb_build_object('column', c), NULL::jsonb
          FROM pg_catalog.unnest(in_force) c
         WHERE c OPERATOR(pg_catalog.<>) ALL (sink_columns)
         ORDER BY c;
    RETURN QUERY
        SELECT NULL::text, 'extra'::text, NULL::jsonb, pg_catalog.jsonb_build_object('column', c)
          FROM pg_catalog.unnest(sink_columns) c
         WHERE c OPERATOR(pg_catalog.<>) ALL (in_force)
         ORDER BY c;
    -- Each side's common columns as one text (a row's text form keeps NULL
    -- apart from ''), compared; JSON is made only for the rows that differ.
    RETURN QUERY EXECUTE format(
        $sql$
        WITH actual AS (
            SELECT s.id::pg_catalog.text AS key, ROW(%1$s)::pg_catalog.text AS line, s,
                   pg_catalog.row_number() OVER (PARTITION BY s.id::pg_catalog.text) AS copy
              FROM %2$s s),
        expected AS (
            SELECT m.key, ROW(%3$s)::pg_catalog.text AS line, m.columns
              FROM cdccraft.merged_rows($2, $3) m)
        SELECT coalesce(e.key, a.key),
               CASE WHEN a.key IS NULL THEN 'missing' WHEN e.key IS NULL THEN 'extra' ELSE 'different' END,
               CASE WHEN e.key IS NOT NULL THEN pg_catalog.jsonb_object($1, ARRAY[%4$s]) END,
               CASE WHEN a.key IS NOT NULL THEN pg_catalog.jsonb_object($1, ARRAY[%5$s]) END
          FROM expected e
          FULL JOIN actual a ON a.key OPERATOR(pg_catalog.=) e.key AND a.copy OPERATOR(pg_catalog.=) 1
         WHERE a.key IS NULL OR e.key IS NULL OR a.line OPERATOR(pg_catalog.<>) e.line
         ORDER BY 1, 2
        $sql$,
        coalesce((SELECT pg_catalog.string_agg(
                             format('CASE WHEN s.%1$I IS NOT NULL THEN pg_catalog.format(''%%s'', s.%1$I) END', c),
                             ', ' ORDER BY c)
                    FROM pg_catalog.unnest(common) c), 'NULL::pg_catalog.text'),
        cdccraft_diff.sink,
        coalesce((SELECT pg_catalog.string_agg(format('m.columns OPERATOR(pg_catalog.->>) %L', c), ', ' ORDER BY c)
                    FROM pg_catalog.unnest(common) c), 'NULL::pg_catalog.text'),
        (SELECT pg_catalog.string_agg(format('e.columns OPERATOR(pg_catalog.->>) %L', c), ', ' ORDER BY c)
           FROM pg_catalog.unnest(common) c),
        (SELECT pg_catalog.string_agg(
                    format('CASE WHEN (a.s).%1$I IS NOT NULL THEN pg_catalog.format(''%%s'', (a.s).%1$I) END', c),
                    ', ' ORDER BY c)
           FROM pg_catalog.unnest(common) c))
        USING common, cdccraft_diff.run_id, cdccraft_diff.upto_lsn;
END;
$$;
COMMENT ON FUNCTION @extschema@.cdccraft_diff IS
    'a sink table against the expected state at upto_lsn, by key: missing, extra and different rows, and columns the sink lacks or has besides';

-- The canary slot (verify => true): a private pgoutput slot the worker
-- creates beside the run's, claimed by its own proof as the run's slot is
-- (cdccraft.claims_of); verified_lsn is where cdccraft_verify stopped.
ALTER TABLE cdccraft.run ADD COLUMN canary_slot name, ADD COLUMN canary_proof_lsn pg_lsn,
                         ADD COLUMN verified_lsn pg_lsn;
COMMENT ON COLUMN cdccraft.run.canary_slot IS 'the run''s canary slot (verify => true), read only by cdccraft_verify';
COMMENT ON COLUMN cdccraft.run.canary_proof_lsn IS
    'the canary''s proof: a slot of its name whose restart_lsn is below it is the run''s';
COMMENT ON COLUMN cdccraft.run.verified_lsn IS 'where cdccraft_verify stopped: the canary''s position it left';

-- The rule by which a slot is a run's, stated once in SQL for the run's
-- slot and its canary (slot_proven() states it in C): a slot of the name in
-- this database whose restart_lsn is below the proof. No proof (a run that
-- made no slot, or one restored from elsewhere) claims nothing.
CREATE FUNCTION cdccraft.slot_claim(slot_name name, proof pg_lsn, OUT names_slot boolean, OUT holds_slot boolean)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH slot AS (SELECT s.restart_lsn FROM pg_replication_slots s
                   WHERE slot_claim.proof IS NOT NULL AND s.slot_name = slot_claim.slot_name
                     AND s.database = current_database())
    SELECT EXISTS (SELECT FROM slot), EXISTS (SELECT FROM slot WHERE slot.restart_lsn < slot_claim.proof)
$$;
COMMENT ON FUNCTION cdccraft.slot_claim IS
    'whether a slot of this name stands in this database, and whether the proof shows it is the run''s';

-- claims_of as in 0.2.0, its slot by slot_claim.
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
                                   WHERE c.oid = r.relid AND c.relkind = 'r' AND c.relowner = r.owner),
           here.local AND EXISTS (SELECT FROM pg_publication p WHERE p.oid = r.publication_oid AND p.pubowner = r.owner),
           here.local AND EXISTS (SELECT FROM pg_namespace n WHERE n.oid = r.schema_oid AND n.nspowner = r.owner),
           slot.holds_slot,
           proof.lsn,
           slot.names_slot
      FROM here, proof, cdccraft.slot_claim(r.slot_name, proof.lsn) slot
$$;

-- run_state and cdccraft_runs as in 0.2.0, with the canary appended.
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
       k.holds_canary
  FROM cdccraft.run r
  LEFT JOIN LATERAL (SELECT * FROM cdccraft.progress g WHERE g.run_id = r.id ORDER BY g.batches DESC LIMIT 1) p
         ON true
  CROSS JOIN LATERAL cdccraft.claims_of(r, p.slot_proof_lsn) c
  CROSS JOIN LATERAL cdccraft.slot_claim(r.canary_slot,
                                         CASE WHEN r.origin = cdccraft.origin() THEN r.canary_proof_lsn END)
                     AS k(names_canary, holds_canary);

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
       r.verified_lsn
  FROM cdccraft.run_state r
  LEFT JOIN pg_replication_slots s
         ON r.names_slot AND s.slot_name = r.slot_name AND s.database = current_database()
  LEFT JOIN pg_replication_slots k
         ON r.names_canary AND k.slot_name = r.canary_slot AND k.database = current_database()
 WHERE cdccraft.may_act_for(r.owner);

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
               'canary', CASE WHEN v.canary_slot IS NOT NULL THEN
                   jsonb_build_object('slot', v.canary_slot, 'held', v.holds_canary,
                                      'retained_bytes', v.canary_retained_bytes, 'verified_lsn', v.verified_lsn) END,
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

-- cdccraft_start gains verify, null_fraction and column_profile, so it is
-- made anew with its new signature, and the grants it had (a superuser's, to the roles that may
-- start runs) are given again, each by its grantor, as the database's own,
-- not the extension's initial privileges (which pg_dump leaves out).
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
     WHERE p.oid = '@extschema@.cdccraft_start(text, text, bigint, integer, integer, boolean, text, text, text, '
                   'boolean, bigint, integer, double precision, double precision, integer, integer, '
                   'double precision, double precision, double precision, text, bigint, text)'::regprocedure;
    -- Any role that may create a function can make one depend on it (a
    -- SQL-standard body binds at creation): then it is moved aside, not
    -- dropped, so that no role can hold the update back, and nothing of
    -- theirs is dropped; the library refuses its calls (it has 22 arguments).
    IF EXISTS (SELECT FROM pg_depend d
                WHERE d.refclassid = 'pg_catalog.pg_proc'::regclass AND d.deptype = 'n'
                  AND d.refobjid = '@extschema@.cdccraft_start(text, text, bigint, integer, integer, boolean, text, '
                                   'text, text, boolean, bigint, integer, double precision, double precision, integer, '
                                   'integer, double precision, double precision, double precision, text, bigint, '
                                   'text)'::regprocedure) THEN
        ALTER FUNCTION @extschema@.cdccraft_start(text, text, bigint, integer, integer, boolean, text, text, text,
                                                  boolean, bigint, integer, double precision, double precision,
                                                  integer, integer, double precision, double precision,
                                                  double precision, text, bigint, text)
            RENAME TO cdccraft_start_0_2_0;
        ALTER FUNCTION @extschema@.cdccraft_start_0_2_0(text, text, bigint, integer, integer, boolean, text, text,
                                                        text, boolean, bigint, integer, double precision,
                                                        double precision, integer, integer, double precision,
                                                        double precision, double precision, text, bigint, text)
            SET SCHEMA cdccraft;
        COMMENT ON FUNCTION cdccraft.cdccraft_start_0_2_0 IS
            '0.2.0''s cdccraft_start, kept for the objects that depend on it; the library refuses its calls';
    ELSE
        DROP FUNCTION @extschema@.cdccraft_start(text, text, bigint, integer, integer, boolean, text, text, text,
                                                 boolean, bigint, integer, double precision, double precision,
                                                 integer, integer, double precision, double precision,
                                                 double precision, text, bigint, text);
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
        column_profile text DEFAULT 'basic')
    RETURNS bigint
    LANGUAGE C VOLATILE
    AS 'MODULE_PATHNAME', 'cdccraft_start';
    -- A run takes a background worker slot and creates a table, a
    -- publication and slots: granted by a superuser, not to everyone.
    REVOKE EXECUTE ON FUNCTION @extschema@.cdccraft_start FROM PUBLIC;
    -- The extension's own initial privileges: what pg_dump leaves out.
    SELECT p.proacl INTO script_acl FROM pg_proc p
     WHERE p.oid = '@extschema@.cdccraft_start(text, text, bigint, integer, integer, boolean, text, text, text, '
                   'boolean, bigint, integer, double precision, double precision, integer, integer, '
                   'double precision, double precision, double precision, text, bigint, text, boolean, '
                   'double precision, text)'::regprocedure;
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

-- The canary's verdict: what the server emitted for the run's table, decoded
-- from the canary slot (which it consumes), against the truth. VOLATILE: it
-- advances the slot and records where it stopped.
CREATE FUNCTION @extschema@.cdccraft_verify(run_id bigint)
RETURNS jsonb
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'cdccraft_verify';
COMMENT ON FUNCTION @extschema@.cdccraft_verify IS
    'decodes the run''s canary slot (verify => true) from where the last verify stopped and compares it with the truth: ok, counts checked, the LSN verified up to, the first differences';
