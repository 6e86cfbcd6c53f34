-- evolution_ops => '{all}': every family of schema change, on the all_types
-- table with NULLs, each recorded whole and followed by the truth. Seeded:
-- the same operations, on the same columns, in the same batches, every run.
SET client_min_messages = warning;
SET DateStyle = ISO;
SET TimeZone = 'UTC';
SELECT cdccraft_start(table_name => 'evolving', total_records => 6000, batch_size => 100, snapshot_rows => 200,
                      seed => 27, column_profile => 'all_types', null_fraction => 0.1, evolution_ops => '{all}',
                      evolution_interval => 1, evolution_probability => 1, max_additions => 10) AS run_id \gset
CALL cdccraft_wait(:run_id) \gset
SELECT state, last_error FROM cdccraft_runs WHERE run_id = :run_id;

-- Every operation, and what each did.
SELECT operation, count(*) FROM cdccraft_schema_changes WHERE run_id = :run_id GROUP BY operation ORDER BY operation;
SELECT batch, action, operation, column_name, new_name, fill, ddl
  FROM cdccraft_schema_changes WHERE run_id = :run_id ORDER BY batch;
-- Each at its transaction, as the truth has it: op ddl, or truncate.
SELECT count(*) AS changes_off_their_transaction
  FROM cdccraft_schema_changes s
  FULL JOIN (SELECT * FROM cdccraft_changes(:run_id) WHERE op IN ('ddl', 'truncate')) c USING (batch)
 WHERE s.run_id = :run_id
   AND (c.batch IS NULL OR c.seq <> 1 OR c.ddl <> s.ddl OR c.xid <> s.xid OR c.commit_lsn <> s.commit_lsn
        OR (c.op = 'truncate') <> (s.operation = 'truncate'));
SELECT s->'evolution'->'truncates' = to_jsonb((SELECT count(*) FROM cdccraft_changes(:run_id) WHERE op = 'truncate'))
       AS truncates_counted
  FROM cdccraft_summary(:run_id) s;

-- The table follows: renamed columns under their new names, the DEFAULTs,
-- NOT NULL and replica identity as the last changes left them.
SELECT string_agg(format('%I %s%s%s', a.attname, format_type(a.atttypid, a.atttypmod),
                         CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END,
                         CASE WHEN d.adbin IS NOT NULL THEN ' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid) ELSE '' END),
                  ', ' ORDER BY a.attnum) AS final_table,
       (SELECT relreplident FROM pg_class WHERE oid = 'evolving'::regclass) AS replica_identity
  FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE a.attrelid = 'evolving'::regclass AND a.attnum > 0 AND NOT a.attisdropped;
SELECT (SELECT array_agg(attname::text ORDER BY attname::text) FROM pg_attribute
         WHERE attrelid = 'evolving'::regclass AND attnum > 0 AND NOT attisdropped)
       = cdccraft.columns_in_force(:run_id, NULL) AS columns_in_force_are_the_tables;

-- The expected state is the table: the rows since the last TRUNCATE, every
-- column in force, those added with a DEFAULT holding it where no change
-- set them.
SELECT (SELECT count(*) FROM evolving) AS table_rows, (SELECT count(*) FROM cdccraft_expected_state(:run_id)) AS expected_rows;
SELECT count(*) AS differences FROM cdccraft_diff(:run_id, 'evolving');

-- The same seed replays the same run: every change the same, but for its
-- transaction and the values counted from its clock (now(), and
-- purchased_at back from the run's start).
\set clocked '{created_at,updated_at,purchased_at,purchased_at_renamed}'
SELECT md5(string_agg(concat_ws('|', batch, seq, op, key, data - :'clocked'::text[], replace(ddl, 'evolving', 'T')), E'\n'
                      ORDER BY batch, seq)) AS changes_digest
  FROM cdccraft_changes(:run_id) \gset
SELECT cdccraft_cleanup(:run_id) IS NOT NULL AS cleaned;
SELECT cdccraft_start(table_name => 'evolving_again', total_records => 6000, batch_size => 100, snapshot_rows => 200,
                      seed => 27, column_profile => 'all_types', null_fraction => 0.1, evolution_ops => '{all}',
                      evolution_interval => 1, evolution_probability => 1, max_additions => 10) AS again_id \gset
CALL cdccraft_wait(:again_id) \gset
SELECT md5(string_agg(concat_ws('|', batch, seq, op, key, data - :'clocked'::text[], replace(ddl, 'evolving_again', 'T')), E'\n'
                      ORDER BY batch, seq)) = :'changes_digest' AS same_changes
  FROM cdccraft_changes(:again_id);
SELECT count(*) AS differences FROM cdccraft_diff(:again_id, 'evolving_again');
SELECT cdccraft_cleanup(:again_id) IS NOT NULL AS cleaned;

-- '{add,drop}', the default, is the original's: a seed's run is the one it
-- was before evolution_ops existed (01_seeded_run_* pin it); '{}' changes
-- nothing.
-- replica_identity => 'index' starts the table under USING INDEX, its
-- primary key's.
SELECT cdccraft_start(table_name => 'still', total_records => 2000, batch_size => 100, seed => 15,
                      evolution_ops => '{}', evolution_interval => 1, evolution_probability => 1,
                      replica_identity => 'index') AS still_id \gset
CALL cdccraft_wait(:still_id) \gset
SELECT count(*) AS schema_changes FROM cdccraft_schema_changes WHERE run_id = :still_id;
SELECT c.relreplident, i.indexrelid::regclass AS identity_index
  FROM pg_class c JOIN pg_index i ON i.indrelid = c.oid AND i.indisreplident
 WHERE c.oid = 'still'::regclass;
SELECT cdccraft_summary(:still_id)->'parameters'->'evolution_ops' AS evolution_ops;
SELECT cdccraft_cleanup(:still_id) IS NOT NULL AS cleaned;

-- SET NOT NULL needs a column without NULLs: with null_fraction 0, one
-- there from the start, or added with a DEFAULT.
SELECT cdccraft_start(table_name => 'tightening', total_records => 2000, batch_size => 100, seed => 15,
                      evolution_ops => '{set_not_null,drop_not_null,add_default}', evolution_interval => 2, add_probability => 0.3,
                      evolution_probability => 1) AS tight_id \gset
CALL cdccraft_wait(:tight_id) \gset
SELECT batch, operation, column_name, fill FROM cdccraft_schema_changes WHERE run_id = :tight_id ORDER BY batch;
SELECT count(*) AS differences FROM cdccraft_diff(:tight_id, 'tightening');
SELECT cdccraft_cleanup(:tight_id) IS NOT NULL AS cleaned;

-- Widened types, timestamps among them: to timestamptz, each value read as
-- UTC (USING), so the expected state converts those from before the same
-- way, and equals the table in any session's TimeZone and DateStyle.
SELECT cdccraft_start(table_name => 'widening', total_records => 3000, batch_size => 100, seed => 9,
                      column_profile => 'all_types', evolution_ops => '{widen,rename}', evolution_interval => 2,
                      evolution_probability => 1, null_fraction => 0.1) AS wide_id \gset
CALL cdccraft_wait(:wide_id) \gset
SELECT batch, column_name, column_type, ddl FROM cdccraft_schema_changes
 WHERE run_id = :wide_id AND operation = 'widen' ORDER BY batch;
SELECT count(*) AS differences FROM cdccraft_diff(:wide_id, 'widening');
SET TimeZone = 'America/New_York';
SET DateStyle = 'SQL, DMY';
SELECT count(*) AS differences_in_another_session FROM cdccraft_diff(:wide_id, 'widening');
RESET TimeZone;
RESET DateStyle;
SELECT cdccraft_cleanup(:wide_id) IS NOT NULL AS cleaned;
