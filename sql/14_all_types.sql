-- column_profile => 'all_types': a column of every type consumers decode
-- differently, with the values that break them (limits, NaN and infinities,
-- BC dates, NULL array elements and empty arrays, numbers beyond double
-- precision, text in many scripts), and NULLs. The truth prints each value
-- as PostgreSQL stored it: the expected state is the table, and replaying
-- the changes reproduces it, every column compared as text.
SET client_min_messages = warning;
\set SHOW_CONTEXT never
-- pg_regress runs in DateStyle Postgres and PST8PDT, where a timestamptz
-- from before 1883 prints in local mean time ("... LMT BC"), which
-- PostgreSQL cannot read back: a hazard of its own, but not this test's.
SET DateStyle = ISO;
SET TimeZone = 'UTC';
CREATE EXTENSION hstore;

SELECT cdccraft_start(table_name => 'typed', total_records => 3000, batch_size => 100, snapshot_rows => 100,
                      seed => 14, column_profile => 'all_types', null_fraction => 0.1, evolve => false) AS run_id \gset
CALL cdccraft_wait(:run_id) \gset
SELECT state FROM cdccraft_runs WHERE run_id = :run_id;

-- The columns, as the table has them.
SELECT string_agg(format('%s %s', attname, format_type(atttypid, atttypmod)), ', ' ORDER BY attnum) AS columns
  FROM pg_attribute WHERE attrelid = 'typed'::regclass AND attnum > 8 AND NOT attisdropped;

-- The large document is stored out of line, and is large.
SELECT attstorage FROM pg_attribute WHERE attrelid = 'typed'::regclass AND attname = 't_document';
SELECT min(octet_length(t_document)) >= 4096 AS past_the_toast_threshold FROM typed;

-- The values that break pipelines are there.
SELECT bool_or(t_smallint IN (-32768, 32767)) AS smallint_limits,
       bool_or(t_integer IN (-2147483648, 2147483647)) AS integer_limits,
       bool_or(t_bigint IN (-9223372036854775808, 9223372036854775807)) AS bigint_limits,
       bool_or(t_numeric_12_2 < 0) AS negative_numeric,
       bool_or(t_numeric = 'NaN') AS numeric_nan,
       bool_or(length(t_numeric::text) > 30) AS numeric_beyond_double,
       bool_or(t_real = 'NaN') AND bool_or(t_real = 'Infinity') AND bool_or(t_real = '-Infinity') AS real_specials,
       bool_or(t_double = 'NaN') AND bool_or(t_double = 'Infinity') AND bool_or(t_double = '-Infinity')
           AS double_specials,
       bool_or(t_date::text LIKE '% BC') AND bool_or(t_date = 'infinity') AS dates_bc_and_infinity,
       bool_or(t_timestamp_3 = '-infinity') AND bool_or(t_timestamptz_6::text LIKE '% BC') AS timestamps,
       bool_or(array_position(t_text_array, NULL) IS NOT NULL) AND bool_or(t_text_array = '{}')
           AS text_arrays_with_nulls_and_empty,
       bool_or(array_position(t_int_array, NULL) IS NOT NULL) AS int_arrays_with_nulls,
       bool_or(family(t_inet) = 6) AND bool_or(family(t_inet) = 4) AS inet_v4_and_v6,
       bool_or(t_text ~ '[\U00010000-\U0010FFFF]') AND bool_or(t_text ~ '[\u0590-\u06FF]') AS text_scripts,
       bool_or(length((t_jsonb->'tags'->>2)) > 300) AS jsonb_number_beyond_double,
       bool_or(t_money::numeric = -92233720368547758.08) AND bool_or(t_money::numeric = 92233720368547758.07)
           AND bool_or(t_money < 0::money) AS money_limits_and_negatives,
       bool_or(t_uuid IS NULL) AND bool_or(t_json IS NULL) AS nulls
  FROM typed;

-- The run's own enum type and domain: every initial label used, ratings
-- inside the CHECK, no other role may use them (nor the table's row type),
-- and the run holds them: its cleanup drops them after the table.
SELECT string_agg(t_enum::text, ',' ORDER BY t_enum) AS labels
  FROM (SELECT DISTINCT t_enum FROM typed WHERE t_enum IS NOT NULL) e;
SELECT min(t_rating), max(t_rating), pg_typeof(min(t_rating)) AS domain_base FROM typed;
SELECT t.typname, t.typtype, has_type_privilege('public', t.oid, 'USAGE') AS public_usage,
       t.oid = ANY (r.held_types) AS held_by_the_run
  FROM pg_type t, cdccraft_runs r
 WHERE t.typname IN ('typed_status', 'typed_rating', 'typed') AND r.run_id = :run_id ORDER BY t.typname;

-- The seed's values, whatever the platform (a digest of every typed value
-- the truth has, in order).
SELECT md5(string_agg(format('%s/%s/%s/%s', batch, seq, op,
                             (SELECT jsonb_object_agg(k, v) FROM jsonb_each(data) e(k, v) WHERE k LIKE 't\_%')),
                      ',' ORDER BY batch, seq)) AS typed_digest
  FROM cdccraft_changes(:run_id);

-- The expected state is the table.
SELECT count(*) FILTER (WHERE t.key IS NULL) AS only_expected, count(*) FILTER (WHERE e.key IS NULL) AS only_in_table,
       count(*) FILTER (WHERE t.row <> e.row) AS different, count(*) AS rows
  FROM (SELECT s.id::text AS key, hstore_to_jsonb(hstore(s)) AS row FROM typed s) t
  FULL JOIN cdccraft_expected_state(:run_id) e ON e.key = t.key;
SELECT count(*) AS differences FROM cdccraft_diff(:run_id, 'typed');

-- Replaying the changes on an empty copy reproduces the table: each value's
-- text cast to its column's type (json's text is a JSON document, not a
-- string, so jsonb_populate_record would not do).
CREATE TABLE typed_replay (LIKE typed);
DO $$
DECLARE
    c record;
    columns text;
    expressions text;
BEGIN
    FOR c IN SELECT * FROM cdccraft_changes((SELECT max(run_id) FROM cdccraft_runs)) ORDER BY batch, seq LOOP
        SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),
               string_agg(format('($1->>%L)::%s', a.attname, format_type(a.atttypid, a.atttypmod)), ', '
                          ORDER BY a.attnum)
          INTO columns, expressions
          FROM pg_attribute a
         WHERE a.attrelid = 'typed_replay'::regclass AND c.data ? a.attname;
        CASE c.op
        WHEN 'insert' THEN
            EXECUTE format('INSERT INTO typed_replay (%s) SELECT %s', columns, expressions) USING c.data;
        WHEN 'update' THEN
            EXECUTE format('UPDATE typed_replay SET (%s) = (SELECT %s) WHERE id = $2::uuid', columns, expressions)
                USING c.data, c.key;
        WHEN 'delete' THEN
            DELETE FROM typed_replay WHERE id = c.key::uuid;
        END CASE;
    END LOOP;
END;
$$;
SELECT count(*) FILTER (WHERE t.row IS DISTINCT FROM r.row) AS different, count(*) AS rows
  FROM (SELECT s.id::text AS key, hstore_to_jsonb(hstore(s)) AS row FROM typed s) t
  FULL JOIN (SELECT s.id::text AS key, hstore_to_jsonb(hstore(s)) AS row FROM typed_replay s) r ON r.key = t.key;
DROP TABLE typed_replay;

-- A profile that is not one.
SELECT cdccraft_start(table_name => 'nope', column_profile => 'everything');

SELECT cdccraft_cleanup(:run_id) - 'run_id';
SELECT count(*) AS types_left FROM pg_type WHERE typname IN ('typed_status', 'typed_rating', '_typed_status', '_typed_rating');
DROP EXTENSION hstore;
