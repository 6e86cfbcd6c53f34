\echo Use "ALTER EXTENSION cdccraft UPDATE TO '0.4.0'" to load this file. \quit

-- 0.3.0 to 0.4.0: schema changes of every family (evolution_ops), each
-- recorded whole, and the truth following them: renamed columns, columns
-- added with a DEFAULT that existing rows take, timestamps widened to
-- timestamptz, TRUNCATE; all_types' own enum type and domain, claimed and
-- cleaned up as the table is; the primary key's index for REPLICA IDENTITY
-- USING INDEX. As in the earlier updates, every name resolves in pg_catalog
-- alone.
SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- Every schema change, whole: what it does to the table's shape (action),
-- which operation it is, the column (NULL for TRUNCATE and REPLICA
-- IDENTITY), a rename's new name, the text the rows existing when a
-- column is added take in it (fill: its DEFAULT as the type prints it;
-- NULL: they hold NULL), and the statement as the worker ran it. Rows
-- recorded before 0.4.0 have the operation their action names and no DDL.
ALTER TABLE cdccraft.schema_change
    DROP CONSTRAINT schema_change_action_check,
    ADD CONSTRAINT schema_change_action_check CHECK (action IN ('ADD', 'DROP', 'RENAME', 'ALTER', 'TRUNCATE')),
    ALTER COLUMN column_name DROP NOT NULL,
    ALTER COLUMN column_type DROP NOT NULL,
    ADD COLUMN operation text,
    ADD COLUMN new_name text,
    ADD COLUMN fill text,
    ADD COLUMN ddl text;
UPDATE cdccraft.schema_change SET operation = lower(action) WHERE operation IS NULL;
ALTER TABLE cdccraft.schema_change ALTER COLUMN operation SET NOT NULL;
COMMENT ON COLUMN cdccraft.schema_change.operation IS 'the evolution_ops operation: add, add_default, rename, truncate, ...';
COMMENT ON COLUMN cdccraft.schema_change.new_name IS 'a rename''s new name';
COMMENT ON COLUMN cdccraft.schema_change.fill IS
    'the text the rows existing when the column was added took (its DEFAULT); NULL: they hold NULL';
COMMENT ON COLUMN cdccraft.schema_change.ddl IS 'the statement as the worker ran it (NULL for changes recorded before 0.4.0)';

-- all_types' enum type and domain, made by the run with its table: claimed
-- by oid and owner as its table is (run_state's held_types), and dropped by
-- cleanup after the table, each only if nothing else uses it.
ALTER TABLE cdccraft.run ADD COLUMN type_oids oid[];
COMMENT ON COLUMN cdccraft.run.type_oids IS 'the types the run created (all_types'' enum and domain)';

-- Batches written whole, then rolled back (rollback_fraction), savepoints
-- rolled back in committed batches (savepoint_fraction), and the row changes
-- both held, as of the run's last committed batch.
ALTER TABLE cdccraft.progress ADD COLUMN rolled_back_batches bigint NOT NULL DEFAULT 0,
                              ADD COLUMN rolled_back_changes bigint NOT NULL DEFAULT 0,
                              ADD COLUMN rolled_back_savepoints bigint NOT NULL DEFAULT 0;

-- run_state and cdccraft_runs as in 0.3.0, with the run's types and its
-- rolled-back batches appended.
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
       -- The run's own types (all_types' enum and domain) that are still
       -- there, by oid and owner, in the database that made them.
       ARRAY(SELECT t.oid FROM pg_type t
              WHERE t.oid = ANY (r.type_oids) AND t.typowner = r.owner AND r.origin = cdccraft.origin()
              ORDER BY t.oid) AS held_types,
       coalesce(p.rolled_back_batches, 0) AS rolled_back_batches,
       coalesce(p.rolled_back_changes, 0) AS rolled_back_changes,
       coalesce(p.rolled_back_savepoints, 0) AS rolled_back_savepoints
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
       r.verified_lsn,
       r.held_types::regtype[] AS held_types,
       r.rolled_back_batches,
       r.rolled_back_changes,
       r.rolled_back_savepoints
  FROM cdccraft.run_state r
  LEFT JOIN pg_replication_slots s
         ON r.names_slot AND s.slot_name = r.slot_name AND s.database = current_database()
  LEFT JOIN pg_replication_slots k
         ON r.names_canary AND k.slot_name = r.canary_slot AND k.database = current_database()
 WHERE cdccraft.may_act_for(r.owner);


-- cdccraft_cleanup as in 0.3.0, dropping the run's types too.
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

-- The table's primary key index as the server named it: REPLICA IDENTITY
-- USING INDEX names it, in the worker's statement and in the truth's.
ALTER TABLE cdccraft.run ADD COLUMN key_index name;
COMMENT ON COLUMN cdccraft.run.key_index IS
    'the run''s table''s primary key index, which REPLICA IDENTITY USING INDEX names';

CREATE OR REPLACE VIEW @extschema@.cdccraft_schema_changes WITH (security_barrier) AS
SELECT c.run_id, c.batch, c.action, c.column_name, c.column_type, c.changed_at,
       c.operation, c.new_name, c.fill, c.ddl, b.xid, b.commit_lsn
  FROM cdccraft.schema_change c
  LEFT JOIN @extschema@.cdccraft_batches b ON b.run_id = c.run_id AND b.batch = c.batch
 WHERE c.run_id IN (SELECT v.run_id FROM @extschema@.cdccraft_runs v);
COMMENT ON VIEW @extschema@.cdccraft_schema_changes IS
    'schema changes made by the cdccraft runs visible to the current role: batch, operation, column, the DDL, its xid and commit LSN';

-- The run's last batch committed at or before upto_lsn (NULL: the last).
CREATE FUNCTION cdccraft.batch_at(run_id bigint, upto_lsn pg_lsn)
RETURNS bigint
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT max(b.batch)
      FROM @extschema@.cdccraft_batches b
     WHERE b.run_id OPERATOR(pg_catalog.=) batch_at.run_id
       AND (batch_at.upto_lsn IS NULL OR b.commit_lsn OPERATOR(pg_catalog.<=) batch_at.upto_lsn);
END;
COMMENT ON FUNCTION cdccraft.batch_at IS 'a run''s last batch committed at or before a position';

-- The run's table once the changes committed at or before upto_lsn were
-- made, as an object of its columns, each with the value a row that no
-- change since gave one holds (its fill, or null): the original columns,
-- then each schema change in order, renames following the column.
CREATE FUNCTION cdccraft.table_shape(run_id bigint, upto_lsn pg_lsn)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    shape jsonb;
    change record;
BEGIN
    SELECT coalesce(jsonb_object_agg(o.column_def->>'name', NULL::text), '{}') INTO shape
      FROM @extschema@.cdccraft_runs v, jsonb_array_elements(v.original_schema) AS o(column_def)
     WHERE v.run_id = table_shape.run_id;
    FOR change IN SELECT c.action, c.column_name, c.new_name, c.fill
                    FROM @extschema@.cdccraft_schema_changes c
                   WHERE c.run_id = table_shape.run_id
                     AND c.batch <= cdccraft.batch_at(table_shape.run_id, table_shape.upto_lsn)
                   ORDER BY c.batch LOOP
        IF change.action = 'ADD' THEN
            shape := shape || jsonb_build_object(change.column_name, change.fill);
        ELSIF change.action = 'DROP' THEN
            shape := shape - change.column_name;
        ELSIF change.action = 'RENAME' THEN
            shape := (shape - change.column_name) || jsonb_build_object(change.new_name, shape->change.column_name);
        END IF;
    END LOOP;
    RETURN shape;
END;
$$;
COMMENT ON FUNCTION cdccraft.table_shape IS
    'a run''s columns at a position, each with the value rows no change has set it in hold (its fill, or null)';

CREATE OR REPLACE FUNCTION cdccraft.columns_in_force(run_id bigint, upto_lsn pg_lsn)
RETURNS text[]
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT pg_catalog.array_agg(k.name ORDER BY k.name)
      FROM pg_catalog.jsonb_object_keys(cdccraft.table_shape(columns_in_force.run_id, columns_in_force.upto_lsn))
           AS k(name);
END;

-- A row's columns under the names in force: renames maps each renamed
-- column's old name to its new one. A column renamed after the row's
-- change is carried under its old name there; any value under the new name
-- came later, and wins.
CREATE FUNCTION cdccraft.renamed_columns(columns jsonb, renames jsonb)
RETURNS jsonb
LANGUAGE sql IMMUTABLE
BEGIN ATOMIC
    SELECT CASE WHEN renames OPERATOR(pg_catalog.=) '{}' THEN columns
                ELSE (SELECT coalesce(pg_catalog.jsonb_object_agg(
                                          coalesce(renames OPERATOR(pg_catalog.->>) e.key, e.key), e.value
                                          ORDER BY renames OPERATOR(pg_catalog.?) e.key DESC), '{}')
                        FROM pg_catalog.jsonb_each(columns) e) END;
END;
COMMENT ON FUNCTION cdccraft.renamed_columns IS 'a row''s columns under their new names, the later value winning';

-- A change's columns as the table holds them since a timestamp column was
-- widened to timestamptz: widenings lists each such widen (its batch, and
-- the column's names before it), whose USING read each value as UTC. A
-- change from before it has the timestamp as this session prints it;
-- converted, the timestamptz as this session prints that.
CREATE FUNCTION cdccraft.utc_widened(data jsonb, batch bigint, widenings jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    widening jsonb;
    name text;
BEGIN
    IF data IS NULL THEN
        RETURN data;
    END IF;
    FOR widening IN SELECT * FROM jsonb_array_elements(widenings) LOOP
        CONTINUE WHEN utc_widened.batch >= (widening->>'batch')::bigint;
        FOR name IN SELECT jsonb_array_elements_text(widening->'names') LOOP
            IF data->>name IS NOT NULL THEN
                data := jsonb_set(data, ARRAY[name], to_jsonb(timezone('UTC', (data->>name)::timestamp)::text));
            END IF;
        END LOOP;
    END LOOP;
    RETURN data;
END;
$$;
COMMENT ON FUNCTION cdccraft.utc_widened IS
    'a change''s columns with the timestamps a later widen to timestamptz converted, as the table holds them';

-- merged_rows as in 0.3.0, with the table's changes since: only rows
-- changed after the last TRUNCATE, under the names in force, each column
-- that no change set holding its fill.
CREATE OR REPLACE FUNCTION cdccraft.merged_rows(run_id bigint, upto_lsn pg_lsn)
RETURNS TABLE (key text, columns jsonb)
LANGUAGE sql STABLE
BEGIN ATOMIC
    -- MATERIALIZED: evaluated once, wherever a caller's plan puts the body.
    WITH upto AS MATERIALIZED (SELECT cdccraft.batch_at(merged_rows.run_id, merged_rows.upto_lsn) AS batch),
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
           AND w.batch OPERATOR(pg_catalog.<=) upto.batch)
    SELECT m.key, s.blank OPERATOR(pg_catalog.||) cdccraft.renamed_columns(m.columns, r.map)
      FROM (SELECT c.key,
                   cdccraft.merged_row(CASE WHEN w.list OPERATOR(pg_catalog.=) '[]' THEN c.data
                                            ELSE cdccraft.utc_widened(c.data, c.batch, w.list) END
                                       ORDER BY c.batch, c.seq) AS columns,
                   pg_catalog.bool_or(c.op OPERATOR(pg_catalog.=) 'delete') AS deleted
              FROM @extschema@.cdccraft_changes(merged_rows.run_id, NULL, merged_rows.upto_lsn) c, since, widenings w
             WHERE c.op OPERATOR(pg_catalog.=) ANY ('{insert,update,delete}')
               AND c.batch OPERATOR(pg_catalog.>=) since.batch
             GROUP BY c.key) m, renames r, shape s
     WHERE NOT m.deleted;
END;
COMMENT ON FUNCTION cdccraft.merged_rows IS
    'the live rows at a position, each with its changes'' columns merged in order under the names in force, columns no change set holding their fill';

CREATE OR REPLACE FUNCTION @extschema@.cdccraft_expected_state(run_id bigint, upto_lsn pg_lsn DEFAULT NULL)
RETURNS TABLE (key text, "row" jsonb)
LANGUAGE sql STABLE
BEGIN ATOMIC
    WITH in_force AS MATERIALIZED (
        SELECT cdccraft.columns_in_force(cdccraft_expected_state.run_id, cdccraft_expected_state.upto_lsn) AS names),
    -- Every column a schema change names that is not in force: the dropped
    -- ones, which older changes still carry.
    gone AS MATERIALIZED (
        SELECT coalesce(pg_catalog.array_agg(DISTINCT c.column_name), '{}') AS names
          FROM @extschema@.cdccraft_schema_changes c, in_force f
         WHERE c.run_id OPERATOR(pg_catalog.=) cdccraft_expected_state.run_id
           AND c.column_name OPERATOR(pg_catalog.<>) ALL (f.names))
    SELECT m.key, m.columns OPERATOR(pg_catalog.-) g.names
      FROM cdccraft.merged_rows(cdccraft_expected_state.run_id, cdccraft_expected_state.upto_lsn) m, gone g
     ORDER BY m.key;
END;

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
                   SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                        'batch', c.batch, 'action', c.action, 'operation', c.operation,
                                        'column', c.column_name, 'type', c.column_type, 'new_name', c.new_name,
                                        'fill', c.fill, 'ddl', c.ddl, 'xid', c.xid, 'commit_lsn', c.commit_lsn))
                                    ORDER BY c.batch)
                     FROM @extschema@.cdccraft_schema_changes c WHERE c.run_id = v.run_id), '[]'),
               'evolution', jsonb_build_object('additions', v.additions, 'drops', v.drops,
                                               'truncates', (SELECT count(*) FROM @extschema@.cdccraft_schema_changes c
                                                              WHERE c.run_id = v.run_id AND c.action = 'TRUNCATE'),
                                               'max_additions', (v.parameters->'max_additions'),
                                               'max_drops', (v.parameters->'max_drops')),
               'rolled_back', jsonb_build_object('batches', v.rolled_back_batches, 'savepoints',
                                                 v.rolled_back_savepoints, 'changes', v.rolled_back_changes),
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


-- The report as in 0.1.0, each schema change by its operation.
CREATE OR REPLACE FUNCTION @extschema@.cdccraft_report(run_id bigint DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE
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
        IF col->>'operation' IN ('add', 'drop') THEN
            lines := lines || format(' - %s: %s (batch %s)', col->>'action', col->>'column', col->>'batch');
        ELSE
            lines := lines || format(' - %s (batch %s): %s', upper(col->>'operation'), col->>'batch',
                                     coalesce(col->>'ddl', col->>'column'));
        END IF;
    END LOOP;
    lines := lines || ''::text || 'Final Schema:'::text;
    FOR col IN SELECT * FROM jsonb_array_elements(s->'final_schema') LOOP
        lines := lines || format(' - %s: %s', col->>'name', upper(col->>'type'));
    END LOOP;
    lines := lines || ''::text || 'Schema Evolution Summary:'::text;
    lines := lines || format(' - Additions: %s', s->'evolution'->>'additions');
    lines := lines || format(' - Drops: %s', s->'evolution'->>'drops');
    IF (s->'evolution'->>'truncates')::bigint > 0 THEN
        lines := lines || format(' - Truncates: %s', s->'evolution'->>'truncates');
    END IF;
    RETURN array_to_string(lines, E'\n');
END;
$$;

-- cdccraft_start gains evolution_ops, so it is made anew as in the update to
-- 0.3.0: each grant it had given again by its own grantor, as the database's
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
     WHERE p.oid = '@extschema@.cdccraft_start(text, text, bigint, integer, integer, boolean, text, text, text, boolean, bigint, integer, double precision, double precision, integer, integer, double precision, double precision, double precision, text, bigint, text, boolean, double precision, text)'::regprocedure;
    -- As in the update to 0.3.0: a function that depends on it moves it
    -- aside rather than holding the update back; the library refuses its
    -- calls (it has 25 arguments).
    IF EXISTS (SELECT FROM pg_depend d
                WHERE d.refclassid = 'pg_catalog.pg_proc'::regclass AND d.deptype = 'n'
                  AND d.refobjid = '@extschema@.cdccraft_start(text, text, bigint, integer, integer, boolean, text, text, text, boolean, bigint, integer, double precision, double precision, integer, integer, double precision, double precision, double precision, text, bigint, text, boolean, double precision, text)'::regprocedure) THEN
        ALTER FUNCTION @extschema@.cdccraft_start(text, text, bigint, integer, integer, boolean, text, text, text, boolean, bigint, integer, double precision, double precision, integer, integer, double precision, double precision, double precision, text, bigint, text, boolean, double precision, text) RENAME TO cdccraft_start_0_3_0;
        ALTER FUNCTION @extschema@.cdccraft_start_0_3_0(text, text, bigint, integer, integer, boolean, text, text, text, boolean, bigint, integer, double precision, double precision, integer, integer, double precision, double precision, double precision, text, bigint, text, boolean, double precision, text) SET SCHEMA cdccraft;
        COMMENT ON FUNCTION cdccraft.cdccraft_start_0_3_0 IS
            '0.3.0''s cdccraft_start, kept for the objects that depend on it; the library refuses its calls';
    ELSE
        DROP FUNCTION @extschema@.cdccraft_start(text, text, bigint, integer, integer, boolean, text, text, text, boolean, bigint, integer, double precision, double precision, integer, integer, double precision, double precision, double precision, text, bigint, text, boolean, double precision, text);
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
        huge_rows integer DEFAULT 200000)
    RETURNS bigint
    LANGUAGE C VOLATILE
    AS 'MODULE_PATHNAME', 'cdccraft_start';
    -- A run takes a background worker slot and creates a table, a
    -- publication and slots: granted by a superuser, not to everyone.
    REVOKE EXECUTE ON FUNCTION @extschema@.cdccraft_start FROM PUBLIC;
    -- The extension's own initial privileges: what pg_dump leaves out.
    SELECT p.proacl INTO script_acl FROM pg_proc p
     WHERE p.oid = '@extschema@.cdccraft_start(text, text, bigint, integer, integer, boolean, text, text, text, boolean, bigint, integer, double precision, double precision, integer, integer, double precision, double precision, double precision, text, bigint, text, boolean, double precision, text, text[], double precision, double precision, boolean, integer, integer)'::regprocedure;
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

