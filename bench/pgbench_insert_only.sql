-- pgbench, one batch per transaction: what a user would otherwise write.
-- Run with -c 1 -D batch=N -D b=0; b counts this client's batches.
\set b :b + 1
INSERT INTO ref_sales (id, customer_name, item_id, quantity, total_amount, purchased_at)
SELECT md5(((:b - 1) * :batch + g)::text)::uuid,
       (ARRAY['James','Mary','Robert','Patricia','John','Jennifer','Emmanuel','Ngozi','Yuki','Wei','Priya','José'])[1 + floor(random() * 12)::int]
         || ' ' || (ARRAY['Smith','Johnson','Williams','Brown','Ogunwede','Okafor','Sato','Wang','Patel','Müller'])[1 + floor(random() * 10)::int],
       1 + floor(random() * 10000)::int, 1 + floor(random() * 10)::int, round((5 + random() * 9995)::numeric, 2)::float8,
       localtimestamp - floor(random() * 730 * 86400) * interval '1 second'
  FROM generate_series(1, :batch) g;
