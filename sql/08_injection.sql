-- SQL injection through every text parameter fails safely: names are quoted
-- and values are parameters, so the text is a name or a value, never SQL.
SET client_min_messages = warning;
-- PL/pgSQL line numbers are not part of the contract.
\set SHOW_CONTEXT never
CREATE TABLE victim (id int);
INSERT INTO victim VALUES (1);

-- Names become names, exactly as given.
SELECT cdccraft_start(table_name => 'x"; DROP TABLE victim; --', schema_name => 'y"; DROP TABLE victim; --',
                      publication_name => 'p''; DROP TABLE victim; --', total_records => 300, seed => 1)
       AS run_id \gset
CALL cdccraft_wait(:run_id) \gset
SELECT s->>'state' AS state, s->>'table' AS "table", s->>'publication' AS publication, s->>'slot' AS slot
  FROM cdccraft_summary(:run_id) s;
SELECT count(*) AS rows FROM "y""; DROP TABLE victim; --"."x""; DROP TABLE victim; --";
SELECT cdccraft_cleanup(:run_id)->'dropped' AS dropped;

-- Text that is not a valid value is refused.
SELECT cdccraft_start(slot_name => 'x''; DROP TABLE victim; --');
SELECT cdccraft_start(replica_identity => 'full; DROP TABLE victim');
-- A plugin name is a name: no such library (58P01 from a stock server,
-- 42501 from one that names the plugins it allows); any other error fails.
DO $$
BEGIN
    PERFORM cdccraft_start(table_name => 'plugin', slot_plugin => 'pgoutput''); DROP TABLE victim; --');
    RAISE EXCEPTION 'an injected plugin name was accepted';
EXCEPTION WHEN undefined_file OR insufficient_privilege THEN
    NULL;
END;
$$;

-- The victim stands, and nothing was left behind.
SELECT count(*) AS victim_rows FROM victim;
SELECT count(*) AS tables_left FROM pg_class WHERE relname IN ('plugin', 'x"; DROP TABLE victim; --');
SELECT count(*) AS slots_left FROM pg_replication_slots;
SELECT count(*) AS publications_left FROM pg_publication;
DROP TABLE victim;
