-- Every function, procedure, view, table, sequence, schema and event trigger
-- of the extension has a comment: \df+ and \dv+ say what each is.
SELECT pg_describe_object(d.classid, d.objid, 0) AS uncommented
  FROM pg_depend d
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'cdccraft'
 WHERE d.deptype = 'e'
   AND d.classid IN ('pg_proc'::regclass, 'pg_class'::regclass, 'pg_event_trigger'::regclass,
                     'pg_namespace'::regclass)
   AND obj_description(d.objid, d.classid::regclass::text) IS NULL
 ORDER BY 1;
