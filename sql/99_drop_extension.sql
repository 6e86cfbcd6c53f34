-- Every run of the suite was cleaned up: the extension drops without
-- CASCADE and nothing of cdccraft's remains.
DROP EXTENSION cdccraft;
SELECT (SELECT count(*) FROM pg_replication_slots) AS slots,
       (SELECT count(*) FROM pg_publication) AS publications,
       (SELECT count(*) FROM pg_namespace WHERE nspname = 'cdccraft') AS catalog_schemas,
       (SELECT count(*) FROM pg_event_trigger WHERE evtname LIKE 'cdccraft%') AS event_triggers;
