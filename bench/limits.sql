-- The server's own limit for cdccraft's workloads: the same row shape and
-- setup (REPLICA IDENTITY FULL, a publication, an unread slot), rows made by
-- INSERT ... SELECT, and updates and deletes of random live keys by primary
-- key, set-based, one transaction per batch. Keys are md5 of a counter, so
-- that random live keys can be named without scanning for them.
CREATE EXTENSION IF NOT EXISTS cdccraft;
CREATE TABLE limit_result (changes bigint);

CREATE PROCEDURE make_reference_table() LANGUAGE plpgsql AS $$
BEGIN
    CREATE TABLE ref_sales (id uuid PRIMARY KEY, customer_name text NOT NULL, item_id integer, quantity integer,
                            total_amount double precision, purchased_at timestamp,
                            created_at timestamp NOT NULL DEFAULT now(), updated_at timestamp NOT NULL DEFAULT now());
    ALTER TABLE ref_sales REPLICA IDENTITY FULL;
    CREATE PUBLICATION ref_pub FOR TABLE ref_sales;
    COMMIT;
    PERFORM pg_create_logical_replication_slot('ref_slot', 'pgoutput');
END;
$$;

CREATE PROCEDURE drop_reference_table() LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_drop_replication_slot('ref_slot');
    DROP PUBLICATION ref_pub;
    DROP TABLE ref_sales;
END;
$$;

-- One batch of rows numbered from first + 1.
CREATE FUNCTION insert_batch(first bigint, batch_size int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    given text[] := ARRAY['James','Mary','Robert','Patricia','John','Jennifer','Michael','Linda','David',
                          'Elizabeth','Emmanuel','Ngozi','Yuki','Wei','Priya','José','Zoë','Søren'];
    family text[] := ARRAY['Smith','Johnson','Williams','Brown','Ogunwede','Okafor','Sato','Wang','Patel',
                           'Fernández','Müller','O''Brien','Nguyen','Kowalski','Rossi','Dubois'];
    n bigint;
BEGIN
    INSERT INTO ref_sales (id, customer_name, item_id, quantity, total_amount, purchased_at)
    SELECT md5((first + g)::text)::uuid,
           given[1 + floor(random() * cardinality(given))::int] || ' ' || family[1 + floor(random() * cardinality(family))::int],
           1 + floor(random() * 10000)::int, 1 + floor(random() * 10)::int,
           round((5 + random() * 9995)::numeric, 2)::float8,
           localtimestamp - floor(random() * 730 * 86400) * interval '1 second'
      FROM generate_series(1, batch_size) g;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END;
$$;

-- cdccraft's batches: each inserts batch_size rows and, with probability
-- mutation_probability, updates or deletes (even odds) 1 .. batch_size / 2
-- random live keys. 0 gives the insert-only workload, 0.5 the default mix.
CREATE PROCEDURE limit_batches(batches int, batch_size int, mutation_probability float8, INOUT changes bigint)
LANGUAGE plpgsql AS $$
DECLARE
    k int;
    n bigint;
    keys uuid[];
BEGIN
    changes := 0;
    FOR b IN 0 .. batches - 1 LOOP
        changes := changes + insert_batch(b::bigint * batch_size, batch_size);
        IF random() < mutation_probability THEN
            k := 1 + floor(random() * (batch_size / 2))::int;
            keys := ARRAY(SELECT md5((1 + floor(random() * (b + 1) * batch_size))::bigint::text)::uuid
                            FROM generate_series(1, k));
            IF random() < 0.5 THEN
                UPDATE ref_sales SET quantity = 1 + floor(random() * 10)::int, updated_at = now()
                 WHERE id = ANY (keys);
            ELSE
                DELETE FROM ref_sales WHERE id = ANY (keys);
            END IF;
            GET DIAGNOSTICS n = ROW_COUNT;
            changes := changes + n;
        END IF;
        COMMIT;
    END LOOP;
    TRUNCATE limit_result;
    INSERT INTO limit_result VALUES (changes);
END;
$$;

-- Per-batch cost from the commit timestamps in a pgoutput slot's BEGIN
-- messages: the median commit-to-commit time around the 10th batch (1..20)
-- and the 1,000th (990..1010), one transaction per batch.
CREATE FUNCTION flat_cost(slot name, publication text, OUT batch_10_us bigint, OUT batch_1000_us bigint)
LANGUAGE sql AS $$
    WITH commits AS (
        SELECT row_number() OVER () AS batch,
               ('x' || encode(substr(data, 10, 8), 'hex'))::bit(64)::bigint AS committed_us
          FROM pg_logical_slot_peek_binary_changes(slot, NULL, NULL, 'proto_version', '1',
                                                   'publication_names', publication)
         WHERE get_byte(data, 0) = ascii('B')),
    durations AS (
        SELECT batch, committed_us - lag(committed_us) OVER (ORDER BY batch) AS us FROM commits)
    SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY us) FILTER (WHERE batch BETWEEN 1 AND 20))::bigint,
           round(percentile_cont(0.5) WITHIN GROUP (ORDER BY us) FILTER (WHERE batch BETWEEN 990 AND 1010))::bigint
      FROM durations
$$;
