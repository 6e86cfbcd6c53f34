-- cdccraft_summary and cdccraft_report read the clock and the WAL position,
-- which move within a statement: they are VOLATILE, so that a query calling
-- them twice is not given one answer for both.
SELECT p.proname, p.provolatile
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'cdccraft'
 WHERE p.proname IN ('cdccraft_summary', 'cdccraft_report')
 ORDER BY p.proname;
