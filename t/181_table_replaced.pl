# The run knows its table by its oid, but its statements name it. Another
# table put in its place under the run's name (by the table's owner after a
# rename, or by the owner of its schema, who may rename the schema) must not
# take the run's writes, its DDL or its TRUNCATE, nor fire its triggers as
# the run's role: the batch refuses it, the run fails and says why. And a
# run that truncates needs a publication that publishes TRUNCATE, or its
# truth holds changes no consumer sees.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('table_replaced');
$node->init(allows_streaming => 'logical');
$node->append_conf('postgresql.conf', "cdccraft.lock_timeout = '500ms'\nautovacuum = off\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

sub wait_for_end {
    my ($run) = @_;
    $node->poll_query_until('postgres',
        "SELECT state NOT IN ('starting', 'running', 'stopping') FROM cdccraft_runs WHERE run_id = $run")
      or die "run $run did not end";
}

# The table's owner renames it and makes another under its name, holding a
# row of its own; the run truncates at every batch.
my $run = start_run($node, table_name => "'victim'", total_records => 300, batch_size => 5, snapshot_rows => 5,
    seed => 1, evolution_ops => "'{truncate}'", evolution_interval => 1, evolution_probability => 1,
    changes_per_second => 50);
wait_for_batches($node, $run, 2);
$node->safe_psql('postgres', q{
    BEGIN;
    ALTER TABLE public.victim RENAME TO victim_moved;
    CREATE TABLE public.victim (LIKE public.victim_moved INCLUDING ALL);
    INSERT INTO public.victim (id, customer_name) VALUES (gen_random_uuid(), 'precious');
    COMMIT;
});
wait_for_end($run);
is($node->safe_psql('postgres', "SELECT count(*) FROM public.victim WHERE customer_name = 'precious'"),
    '1', 'a table put in the place of the run\'s keeps its rows: no TRUNCATE of it');
is($node->safe_psql('postgres', "SELECT count(*) FROM public.victim"), '1',
    'nor does the run write into it');
is(state_of($node, $run), 'failed', 'the run whose table was replaced fails');
like($node->safe_psql('postgres', "SELECT last_error FROM cdccraft_runs WHERE run_id = $run"),
    qr/renamed or replaced/, 'and says why');
assert_no_worker($node, 'a replaced table');
$node->safe_psql('postgres', "DROP TABLE public.victim; SELECT cdccraft_cleanup($run)");

# The owner of the run's schema renames it and plants a table of its own,
# with a trigger, under the run's name: none of its code may run as the
# run's role.
$node->safe_psql('postgres', q{
    CREATE ROLE alice LOGIN REPLICATION;
    CREATE ROLE eve LOGIN;
    GRANT EXECUTE ON FUNCTION cdccraft_start TO alice;
    GRANT CREATE ON DATABASE postgres TO alice, eve;
    CREATE SCHEMA s AUTHORIZATION eve;
    GRANT USAGE, CREATE ON SCHEMA s TO alice;
    -- A sequence counts the calls: nextval is not undone by the rollback of
    -- the batch that made it.
    CREATE SEQUENCE public.foreign_calls;
    GRANT USAGE ON SEQUENCE public.foreign_calls TO PUBLIC;
});
$run = $node->safe_psql('postgres', "SET ROLE alice; SELECT cdccraft_start(schema_name => 's', "
      . "table_name => 'victim', total_records => 300, batch_size => 5, snapshot_rows => 5, seed => 2, "
      . "evolve => false, changes_per_second => 50)");
wait_for_batches($node, $run, 2);
$node->safe_psql('postgres', q{
    SET ROLE eve;
    BEGIN;
    ALTER SCHEMA s RENAME TO s_old;
    CREATE SCHEMA s;
    GRANT USAGE ON SCHEMA s TO alice;
    CREATE TABLE s.victim (id uuid PRIMARY KEY, customer_name text, item_id int, quantity int,
        total_amount float8, purchased_at timestamp, created_at timestamp DEFAULT now(),
        updated_at timestamp DEFAULT now());
    GRANT ALL ON s.victim TO alice;
    CREATE FUNCTION s.spy() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF current_user <> 'eve' THEN
            PERFORM nextval('public.foreign_calls');
        END IF;
        RETURN NULL;
    END $$;
    CREATE TRIGGER spy BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON s.victim
        FOR EACH STATEMENT EXECUTE FUNCTION s.spy();
    COMMIT;
});
wait_for_end($run);
is($node->safe_psql('postgres', "SELECT is_called FROM public.foreign_calls"), 'f',
    'the schema owner\'s table under the run\'s name: none of its code ran as the run\'s role');
like($node->safe_psql('postgres', "SELECT last_error FROM cdccraft_runs WHERE run_id = $run"),
    qr/renamed or replaced/, 'the run failed and says why');
assert_no_worker($node, 'a table planted by the schema owner');

# A run that truncates: its publication stops publishing TRUNCATE.
$run = start_run($node, table_name => "'trunc'", total_records => 1000, batch_size => 5, snapshot_rows => 5,
    seed => 3, evolution_ops => "'{truncate}'", evolution_interval => 1, evolution_probability => 1,
    changes_per_second => 50);
wait_for_batches($node, $run, 2);
$node->safe_psql('postgres', "ALTER PUBLICATION trunc_pub SET (publish = 'insert, update, delete')");
wait_for_end($run);
is(state_of($node, $run), 'failed', 'a truncating run whose publication no longer publishes TRUNCATE fails');
like($node->safe_psql('postgres', "SELECT last_error FROM cdccraft_runs WHERE run_id = $run"),
    qr/no longer publishes inserts, updates, deletes and truncates/, 'and says why');
$node->safe_psql('postgres', "SELECT cdccraft_cleanup($run)");

# A table that inherits the run's holds rows the run did not write: TRUNCATE
# of the run's table must leave them (TRUNCATE without ONLY empties every
# descendant).
$run = start_run($node, table_name => "'parent'", total_records => 300, batch_size => 5, snapshot_rows => 5,
    seed => 4, evolution_ops => "'{truncate}'", evolution_interval => 1, evolution_probability => 1,
    changes_per_second => 100);
wait_for_batches($node, $run, 1);
$node->safe_psql('postgres', q{
    CREATE TABLE public.heir () INHERITS (public.parent);
    INSERT INTO public.heir (id, customer_name) VALUES (gen_random_uuid(), 'precious');
});
wait_for_end($run);
is(state_of($node, $run), 'completed', 'a truncating run beside a table that inherits its table completes');
is($node->safe_psql('postgres', "SELECT count(*) FROM ONLY public.heir WHERE customer_name = 'precious'"), '1',
    'the inheriting table keeps its rows');
$node->safe_psql('postgres', "DROP TABLE public.heir; SELECT cdccraft_cleanup($run)");

# An empty element names no operation, alone as beside others.
for my $ops (q{'{""}'}, q{'{add,""}'}) {
    my ($rc, $out, $err) = $node->psql('postgres',
        "\\set VERBOSITY verbose\nSELECT cdccraft_start(table_name => 'empty_op', create_slot => false, "
          . "evolution_ops => $ops)");
    like($err, qr/ERROR:  22023: evolution_ops names an unknown operation ""/,
        "evolution_ops => $ops is refused with invalid_parameter_value");
}
is($node->safe_psql('postgres', "SELECT count(*) FROM cdccraft_runs WHERE table_name = 'empty_op'"), '0',
    'no run was recorded for them');

$node->stop;
done_testing();
