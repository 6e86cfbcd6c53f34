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
    merged AS (
        SELECT c.key,
               cdccraft.merged_row(c.data ORDER BY c.batch, c.seq) AS columns,
               pg_catalog.bool_or(c.op OPERATOR(pg_catalog.=) 'delete') AS deleted
          FROM @extschema@.cdccraft_changes(cdccraft_expected_state.run_id, NULL, cdccraft_expected_state.upto_lsn) c
         WHERE c.op OPERATOR(pg_catalog.<>) 'ddl'
         GROUP BY c.key)
    SELECT m.key,
           (SELECT pg_catalog.jsonb_object_agg(e.key, e.value)
              FROM pg_catalog.jsonb_each(b.row_of_nulls OPERATOR(pg_catalog.||) m.columns) e,
                   in_force f
             WHERE e.key OPERATOR(pg_catalog.=) ANY (f.names))
      FROM merged m, blank b
     WHERE NOT m.deleted
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
    RETURN QUERY EXECUTE format(
        $sql$
        WITH actual AS (
            SELECT s.id::pg_catalog.text AS key, pg_catalog.jsonb_object($1, ARRAY[%s]::pg_catalog.text[]) AS row,
                   pg_catalog.row_number() OVER (PARTITION BY s.id::pg_catalog.text) AS copy
              FROM %s s),
        expected AS (
            SELECT e.key,
                   (SELECT pg_catalog.jsonb_object_agg(x.name, x.value)
                      FROM pg_catalog.jsonb_each(e.row) x(name, value)
                     WHERE x.name OPERATOR(pg_catalog.=) ANY ($1)) AS row
              FROM @extschema@.cdccraft_expected_state($2, $3) e)
        SELECT coalesce(e.key, a.key),
               CASE WHEN a.key IS NULL THEN 'missing' WHEN e.key IS NULL THEN 'extra' ELSE 'different' END,
               e.row, a.row
          FROM expected e
          FULL JOIN actual a ON a.key OPERATOR(pg_catalog.=) e.key AND a.copy OPERATOR(pg_catalog.=) 1
         WHERE a.key IS NULL OR e.key IS NULL OR a.row OPERATOR(pg_catalog.<>) e.row
         ORDER BY 1, 2
        $sql$,
        (SELECT pg_catalog.string_agg(format('CASE WHEN s.%1$I IS NOT NULL THEN pg_catalog.format(''%%s'', s.%1$I) END', c),
                                      ', ' ORDER BY c)
           FROM pg_catalog.unnest(common) c),
        cdccraft_diff.sink)
        USING common, cdccraft_diff.run_id, cdccraft_diff.upto_lsn;
END;
$$;
COMMENT ON FUNCTION @extschema@.cdccraft_diff IS
    'a sink table against the expected state at upto_lsn, by key: missing, extra and different rows, and columns the sink lacks or has besides';
