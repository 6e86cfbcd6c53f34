-- The seeded run's generated values are the seed's, whatever the platform
-- (its first rows, but for the clock's columns), and lie in their ranges:
-- purchased_at within the two years before the run started, updated_at never
-- before created_at.
-- cdccraft_wait's progress NOTICEs depend on timing.
SET client_min_messages = warning;
-- PL/pgSQL line numbers are not part of the contract.
\set SHOW_CONTEXT never

SELECT cdccraft_start(total_records => 20000, batch_size => 200, snapshot_rows => 300, seed => 42,
                      evolution_interval => 10) AS run_id \gset
CALL cdccraft_wait(:run_id) \gset
-- Generated values are the seed's, whatever the platform.
SELECT to_jsonb(t) - '{created_at,updated_at,purchased_at}'::text[] AS first_rows FROM sales t ORDER BY id LIMIT 3;
-- purchased_at lies within the two years before the run started (in the
-- server's time zone, as created_at).
SELECT bool_and(purchased_at BETWEEN created_at - interval '730 days 1 hour' AND created_at) AS purchased_in_last_two_years,
       bool_and(updated_at >= created_at) AS updated_after_created
  FROM sales;

-- Names mix scripts: four-byte UTF-8 (outside the Basic Multilingual Plane,
-- an emoji among them), right-to-left (Hebrew, Arabic), CJK, and combining
-- marks (decomposed accents), beside the Latin names with their accents.
SELECT bool_or(customer_name ~ '[\U00010000-\U0010FFFF]') AS four_byte,
       bool_or(customer_name ~ '[\u0590-\u06FF]') AS right_to_left,
       bool_or(customer_name ~ '[\u3040-\u9FFF\uAC00-\uD7AF]') AS cjk,
       bool_or(customer_name ~ '[\u0300-\u036F]') AS combining,
       bool_or(customer_name ~ '[\u00C0-\u017F]') AS latin_accents
  FROM sales;
SELECT cdccraft_cleanup(:run_id);
