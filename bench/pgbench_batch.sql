-- pgbench, one cdccraft batch per transaction: what a user would otherwise
-- write. Each batch inserts :batch rows and, when -D mutation=1, with
-- probability 0.5 updates or deletes (even odds) 1 .. batch/2 random live
-- keys. Run with -c 1 -D batch=N -D b=0 -D mutation=0|1; b counts batches.
\set b :b + 1
\set mutate random(1, 4) * :mutation
\set k random(1, :batch / 2)
BEGIN;
INSERT INTO ref_sales (id, customer_name, item_id, quantity, total_amount, purchased_at)
SELECT md5(((:b - 1) * :batch + g)::text)::uuid,
       (ARRAY['James','Mary','Robert','Patricia','John','Jennifer','Emmanuel','Ngozi','Yuki','Wei','Priya','José'])[1 + floor(random() * 12)::int]
         || ' ' || (ARRAY['Smith','Johnson','Williams','Brown','Ogunwede','Okafor','Sato','Wang','Patel','Müller'])[1 + floor(random() * 10)::int],
       1 + floor(random() * 10000)::int, 1 + floor(random() * 10)::int, round((5 + random() * 9995)::numeric, 2)::float8,
       localtimestamp - floor(random() * 730 * 86400) * interval '1 second'
  FROM generate_series(1, :batch) g;
\if :mutate = 1
UPDATE ref_sales SET quantity = 1 + floor(random() * 10)::int, updated_at = now()
 WHERE id = ANY (ARRAY(SELECT md5((1 + floor(random() * :b * :batch))::bigint::text)::uuid FROM generate_series(1, :k)));
\elif :mutate = 2
DELETE FROM ref_sales
 WHERE id = ANY (ARRAY(SELECT md5((1 + floor(random() * :b * :batch))::bigint::text)::uuid FROM generate_series(1, :k)));
\endif
END;
