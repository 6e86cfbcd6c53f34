-- One table declares the start parameters (src/core/run_parameters.hpp):
-- cdccraft_start's installed signature must be exactly its arguments, in its
-- order, with its types and defaults. When they differ, both are shown.
WITH installed AS (SELECT pg_get_function_arguments('cdccraft_start'::regproc) AS signature),
     declared AS (SELECT string_agg(format('%s %s DEFAULT %s', name, sql_type, sql_default), ', '
                                    ORDER BY position) AS signature
                    FROM cdccraft.start_parameters() WITH ORDINALITY AS p(name, sql_type, sql_default, setting,
                                                                          description, position)
                   WHERE sql_type IS NOT NULL)
SELECT CASE WHEN installed.signature = declared.signature THEN 'the signature is the parameter table'
            ELSE format(E'installed: %s\ndeclared:  %s', installed.signature, declared.signature) END AS signature
  FROM installed, declared;
-- The table itself: the settings that supply NULL arguments, and the one
-- parameter that is a setting only.
SELECT name, sql_type, sql_default, setting FROM cdccraft.start_parameters() WHERE setting IS NOT NULL;
SELECT count(*) AS described FROM cdccraft.start_parameters() WHERE description <> '';
