# No escalation through code a role plants: a hostile role shadows the
# operators and functions that cdccraft's SQL uses (=, >, now(), unnest,
# count, on bigint, int, oid, uuid, text, name) with functions that log who
# runs them and make the role a superuser when run by one. It points
# search_path at them by its role settings, its own session and, through a
# trigger on its run's table, the worker's session. None of its code may ever
# run as another role.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('hostile');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql(
    'postgres', q{
    CREATE EXTENSION cdccraft;
    CREATE ROLE eve LOGIN REPLICATION;
    GRANT EXECUTE ON FUNCTION cdccraft_start TO eve;
    GRANT CREATE ON DATABASE postgres TO eve;
    GRANT CREATE ON SCHEMA public TO eve;
});

sub as_eve {
    my ($sql) = @_;
    my ($rc, $out, $err) = $node->psql('postgres', $sql, extra_params => [ '-U', 'eve' ]);
    return $rc == 0 ? $out : $err;
}

# The traps (CdccraftTest::trap_sql), and the trigger that points the
# worker's search_path at them.
as_eve(trap_sql('x') . q{
    CREATE FUNCTION x.point_path() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM x.trap('trigger');
        PERFORM pg_catalog.set_config('search_path', 'x, pg_catalog', false);
        RETURN NULL;
    END $$;
});

sub foreign_calls {
    return $node->safe_psql('postgres',
        "SELECT coalesce(string_agg(DISTINCT what || ' as ' || run_as, ', '), 'none') FROM x.calls "
          . "WHERE run_as <> 'eve'");
}

sub assert_not_escalated {
    my ($what) = @_;
    is(foreign_calls(), 'none', "$what: none of eve's code ran as another role");
    is($node->safe_psql('postgres', "SELECT rolsuper FROM pg_roles WHERE rolname = 'eve'"), 'f',
        "$what: eve is not a superuser");
}

# The reported attack: a trigger on the run's own table points the worker's
# search_path at eve's schema mid-run.
my $run = as_eve("SELECT cdccraft_start(table_name => 'bait', total_records => 0, batch_size => 10, "
      . "changes_per_second => 2000, seed => 1)");
like($run, qr/^\d+$/, 'eve starts a run');
as_eve(q{CREATE TRIGGER point_path AFTER INSERT ON public.bait FOR EACH STATEMENT EXECUTE FUNCTION x.point_path()});
my $batches = $node->safe_psql('postgres', "SELECT batches FROM cdccraft_runs WHERE run_id = $run");
# Each batch inserts: the trigger fires in every one from here on, and every
# batch writes the catalog; evolution steps alter the table too.
wait_for_batches($node, $run, $batches + 150);
ok($node->safe_psql('postgres', "SELECT count(*) FROM x.calls WHERE what = 'trigger'") > 100,
    "eve's trigger ran in the worker's batches");
as_eve("SELECT cdccraft_stop($run)");
is(state_of($node, $run), 'stopped', 'the run went on to a stop');
assert_exact($node, $run, 'the trigger attack');
assert_not_escalated('a trigger pointing the worker\'s search_path at eve\'s schema');

# A trigger that changes the worker session's other settings for the rest of
# the session: each worker transaction starts from the run's own settings
# again, so the run goes on and its account stays exact.
as_eve(q{
    CREATE FUNCTION x.unsettle() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM x.trap('unsettle');
        PERFORM pg_catalog.set_config('default_transaction_read_only', 'on', false);
        PERFORM pg_catalog.set_config('default_transaction_isolation', 'serializable', false);
        PERFORM pg_catalog.set_config('lock_timeout', '1ms', false);
        PERFORM pg_catalog.set_config('exit_on_error', 'on', false);
        PERFORM pg_catalog.set_config('TimeZone', 'Pacific/Kiritimati', false);
        RETURN NULL;
    END $$;
});
my $unsettled = as_eve("SELECT cdccraft_start(table_name => 'unsettled', total_records => 0, batch_size => 10, "
      . "changes_per_second => 2000, seed => 4)");
as_eve(q{CREATE TRIGGER unsettle AFTER INSERT ON public.unsettled FOR EACH STATEMENT EXECUTE FUNCTION x.unsettle()});
$batches = $node->safe_psql('postgres', "SELECT batches FROM cdccraft_runs WHERE run_id = $unsettled");
wait_for_batches($node, $unsettled, $batches + 50);
is(state_of($node, $unsettled), 'running', 'a trigger changing the worker\'s settings does not end the run');
as_eve("SELECT cdccraft_stop($unsettled)");
is($node->safe_psql('postgres', "SELECT state || ' ' || coalesce(last_error, '-') FROM cdccraft_runs WHERE run_id = $unsettled"),
    'stopped -', 'and the run is recorded as stopped, with no error');
assert_exact($node, $unsettled, 'the settings attack');
# Inserted rows' created_at is now() in the worker's own time zone, batch
# after batch (this session's is the server's too), never 14 hours ahead.
is($node->safe_psql('postgres', 'SELECT max(created_at) <= LOCALTIMESTAMP FROM public.unsettled'), 't',
    'a trigger changing TimeZone does not move the timestamps of the batches after it');
as_eve("SELECT cdccraft_cleanup($unsettled)");

# Role settings: every session of eve's, the worker's included, starts with
# the hostile search_path.
$node->safe_psql('postgres', q{ALTER ROLE eve SET search_path = x, pg_catalog});
my $second = as_eve("SELECT public.cdccraft_start(table_name => 'bait2', total_records => 2000, batch_size => 50, seed => 2)");
like($second, qr/^\d+$/, 'eve starts a run with a hostile search_path in her role settings');
as_eve("CALL public.cdccraft_wait($second, '180s')");
is(state_of($node, $second), 'completed', 'that run completes');
assert_not_escalated('a search_path set by the role\'s settings');

# Eve's own session, through every cdccraft function she can call, the C
# functions that read the catalog as its owner among them. Each call must
# really run (its error, if any, is cdccraft's own), or it proves nothing.
sub hostile_calls {
    my ($who, $run, @calls) = @_;
    for my $call (@calls) {
        my ($sql, $expect) = @$call;
        my ($rc, $out, $err) = $node->psql('postgres', "SET search_path = x, pg_catalog; $sql",
            $who eq 'eve' ? (extra_params => [ '-U', 'eve' ]) : ());
        if ($expect eq 'ok') { is($rc, 0, "$who: $sql runs") or diag($err); }
        else { like($err, qr/$expect/, "$who: $sql fails as it should"); }
        is(foreign_calls(), 'none', "$who with eve's search_path: $sql ran none of her code as another role");
    }
}
hostile_calls('eve', $second,
    [ "SELECT public.cdccraft_start(table_name => 'bait2')", 'relation public.bait2 already exists' ],
    [ "SELECT cdccraft.release_claims($second)", 'ok' ],
    [ 'SELECT cdccraft.release_claims(0)', 'cdccraft run 0 does not exist' ],
    [ "CALL public.cdccraft_wait($second)", 'ok' ],
    [ "SELECT cdccraft.wait_for_run($second, NULL)", 'ok' ],
    [ "SELECT public.cdccraft_summary($second)", 'ok' ],
    [ 'SELECT public.cdccraft_summary()', 'ok' ],
    [ "SELECT public.cdccraft_report($second)", 'ok' ],
    [ "SELECT public.cdccraft_stop($second)", "cdccraft run $second is not active" ],
    [ 'SELECT public.cdccraft_stop()', 'there is no active cdccraft run' ],
    [ 'SELECT count(*) FROM public.cdccraft_runs', 'ok' ],
    [ 'SELECT count(*) FROM public.cdccraft_schema_changes', 'ok' ]);

# A superuser whose session has eve's path (as a database owner's
# ALTER DATABASE ... SET search_path would give it) reading and cleaning up
# eve's runs.
hostile_calls('a superuser', $second,
    [ "CALL public.cdccraft_wait($second)", 'ok' ],
    [ "SELECT cdccraft.wait_for_run($second, NULL)", 'ok' ],
    [ "SELECT public.cdccraft_summary($second)", 'ok' ],
    [ "SELECT public.cdccraft_report($second)", 'ok' ],
    [ 'SELECT pg_catalog.count(*) FROM public.cdccraft_runs', 'ok' ],
    [ "SELECT public.cdccraft_cleanup($run)", 'ok' ],
    [ "SELECT public.cdccraft_cleanup($second)", 'ok' ]);
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_class WHERE relname IN ('bait', 'bait2')"), '0',
    'the superuser cleaned up both runs');

# Dropping the extension with eve's path, with a run of hers holding objects.
my $third = as_eve("SELECT public.cdccraft_start(table_name => 'bait3', total_records => 0, batch_size => 10, "
      . "changes_per_second => 500, seed => 3)");
wait_for_batches($node, $third, 5);
$node->safe_psql('postgres', 'SET search_path = x, pg_catalog; DROP EXTENSION cdccraft CASCADE');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_extension WHERE extname = 'cdccraft'"), '0',
    'the extension was dropped');
assert_not_escalated('DROP EXTENSION CASCADE with eve\'s search_path');

done_testing();
