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

-- The server replaying a finished insert-only cdccraft run: the same rows
-- (keys, values, order) into a table of the same shape, with REPLICA IDENTITY
-- FULL, a publication and an unread slot; the run's snapshot rows are
-- inserted before the slot exists, as cdccraft inserts them.
CREATE PROCEDURE make_replay(source regclass, snapshot_rows bigint) LANGUAGE plpgsql AS $$
BEGIN
    -- ctid order is insertion order: the run inserted and never deleted.
    EXECUTE format('CREATE TABLE replay_rows AS SELECT row_number() OVER (ORDER BY ctid) AS n, * FROM %s', source);
    CREATE UNIQUE INDEX ON replay_rows (n);
    ANALYZE replay_rows;
    EXECUTE format('CREATE TABLE ref_sales (LIKE %s INCLUDING ALL)', source);
    ALTER TABLE ref_sales REPLICA IDENTITY FULL;
    EXECUTE replay_statement() USING 0, snapshot_rows;
    CREATE PUBLICATION ref_pub FOR TABLE ref_sales;
    COMMIT;
    PERFORM pg_create_logical_replication_slot('ref_slot', 'pgoutput');
END;
$$;

-- One batch: the rows numbered after $1 up to $2.
CREATE FUNCTION replay_statement() RETURNS text LANGUAGE sql AS $$
    SELECT format('INSERT INTO ref_sales SELECT %s FROM replay_rows WHERE n > $1 AND n <= $2',
                  string_agg(quote_ident(attname), ', ' ORDER BY attnum))
      FROM pg_attribute WHERE attrelid = to_regclass('ref_sales') AND attnum > 0 AND NOT attisdropped
$$;

-- One transaction per batch, as the run committed them.
CREATE PROCEDURE replay_batches(snapshot_rows bigint, batch_size int) LANGUAGE plpgsql AS $$
DECLARE
    statement text := replay_statement();
    total bigint := (SELECT max(n) FROM replay_rows);
BEGIN
    FOR done IN snapshot_rows .. total - 1 BY batch_size LOOP
        EXECUTE statement USING done, least(done + batch_size, total);
        COMMIT;
    END LOOP;
END;
$$;

CREATE PROCEDURE drop_replay() LANGUAGE plpgsql AS $$
BEGIN
    CALL drop_reference_table();
    DROP TABLE replay_rows;
END;
$$;

-- Per-batch cost from a pgoutput slot: commit-to-commit times from the BEGIN
-- messages, one transaction per batch, as medians around the 10th batch
-- (1..20) and the 1,000th (990..1010); per batch, and per row change (the
-- I, U and D messages of each transaction) for mixes whose batches differ.
CREATE FUNCTION flat_cost(slot name, publication text, OUT batch_10_us bigint, OUT batch_1000_us bigint,
                          OUT change_10_us numeric, OUT change_1000_us numeric)
LANGUAGE sql AS $$
    WITH messages AS (
        SELECT xid, get_byte(data, 0) AS kind, ('x' || encode(substr(data, 10, 8), 'hex'))::bit(64)::bigint AS stamp
          FROM pg_logical_slot_peek_binary_changes(slot, NULL, NULL, 'proto_version', '1',
                                                   'publication_names', publication)),
    commits AS (
        SELECT min(stamp) FILTER (WHERE kind = ascii('B')) AS committed_us,
               count(*) FILTER (WHERE kind IN (ascii('I'), ascii('U'), ascii('D'))) AS changes
          FROM messages GROUP BY xid),
    batches AS (
        SELECT row_number() OVER w AS batch, changes, committed_us - lag(committed_us) OVER w AS us
          FROM commits WINDOW w AS (ORDER BY committed_us)),
    windows AS (
        SELECT us, us::numeric / changes AS per_change,
               CASE WHEN batch BETWEEN 1 AND 20 THEN 10 WHEN batch BETWEEN 990 AND 1010 THEN 1000 END AS around
          FROM batches)
    SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY us) FILTER (WHERE around = 10))::bigint,
           round(percentile_cont(0.5) WITHIN GROUP (ORDER BY us) FILTER (WHERE around = 1000))::bigint,
           round((percentile_cont(0.5) WITHIN GROUP (ORDER BY per_change) FILTER (WHERE around = 10))::numeric, 2),
           round((percentile_cont(0.5) WITHIN GROUP (ORDER BY per_change) FILTER (WHERE around = 1000))::numeric, 2)
      FROM windows
$$;
