# A stop reaches the run even when code of the run's role catches it: a
# trigger on the run's table that catches the cancel a stop sends (as
# PL/pgSQL can) and sleeps on. The step is terminated after the stop's grace
# (ten seconds), in a writer and in the leader (whose exit callback records
# the run stopped, as a stop made FATAL by exit_on_error), and a fast
# shutdown is not held up. With several writers, a writer that has
# written its share records its last commit position at once: mid-run no
# finished writer's last batch is without one, and the canary agrees.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('stop_caught');
$node->init(allows_streaming => 'logical');
$node->append_conf('postgresql.conf', 'max_prepared_transactions = 4');
$node->start;
$node->safe_psql('postgres', q{
    CREATE EXTENSION cdccraft;
    CREATE FUNCTION public.catch_stops() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('application_name') ~ TG_ARGV[0] THEN
            LOOP
                BEGIN
                    PERFORM pg_sleep(3600);
                EXCEPTION WHEN query_canceled THEN
                END;
            END LOOP;
        END IF;
        RETURN NULL;
    END $$;
    CREATE FUNCTION public.exit_on_error_then_wait() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_catalog.set_config('exit_on_error', 'on', false);
        PERFORM pg_advisory_lock(4242);
        RETURN NULL;
    END $$;
    CREATE FUNCTION public.slow_down() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('application_name') LIKE TG_ARGV[0] THEN PERFORM pg_sleep(0.5); END IF;
        RETURN NULL;
    END $$;
});

# $who: a regular expression for the application_name of the backend to
# catch in ($backend_type).
sub trapped_stop {
    my ($table, $who, $backend_type) = @_;
    my $run = start_run($node, table_name => "'$table'", total_records => 0, writers => 2, evolve => 'false',
        changes_per_second => 2000);
    wait_for_batches($node, $run, 5);
    $node->safe_psql('postgres', "CREATE TRIGGER catch AFTER INSERT ON $table FOR EACH STATEMENT "
          . "EXECUTE FUNCTION public.catch_stops('$who')");
    $node->poll_query_until('postgres',
        "SELECT count(*) > 0 FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND backend_type = '$backend_type'")
      or die "$table: the trigger never caught the run";
    my $started = time;
    $node->safe_psql('postgres', "SELECT cdccraft_stop($run)");
    my $took = time - $started;
    ok($took < 60, sprintf('%s: cdccraft_stop returns though the trigger catches the stop (%.1f s)', $table, $took));
    ok( $node->poll_query_until('postgres',
            "SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type IN ('cdccraft worker', 'cdccraft writer')"),
        "$table: no worker or writer is left");
    return $run;
}

my $run = trapped_stop('caught_in_writer', 'writer 1$', 'cdccraft writer');
is(state_of($node, $run), 'stopped', 'caught in a writer: the leader records the run stopped');
assert_exact($node, $run, 'caught in a writer');
ok($node->log_contains(qr/terminating background worker "cdccraft writer" due to administrator command/),
    'the writer was terminated');

$run = trapped_stop('caught_in_leader', '^cdccraft run \\d+$', 'cdccraft worker');
is(state_of($node, $run), 'stopped', 'caught in the leader: the run is recorded stopped as the leader exits');
assert_exact($node, $run, 'caught in the leader');

# A trigger that turns exit_on_error on and then waits: the stop's cancel
# is then a FATAL, and the leader exits at once, recording the run stopped
# on its way out (t/100 met this once as a race: interrupted).
my $held = $node->background_psql('postgres');
$held->query_safe('SELECT pg_advisory_lock(4242)');
my $fatal = start_run($node, table_name => "'exit_on_error'", total_records => 0, evolve => 'false',
    changes_per_second => 2000);
wait_for_batches($node, $fatal, 3);
$node->safe_psql('postgres', 'CREATE TRIGGER fatal AFTER INSERT ON exit_on_error FOR EACH STATEMENT '
      . 'EXECUTE FUNCTION public.exit_on_error_then_wait()');
$node->poll_query_until('postgres', "SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
  or die 'the trigger never waited';
$node->safe_psql('postgres', "SELECT cdccraft_stop($fatal)");
ok($node->poll_query_until('postgres', "SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'cdccraft worker'"),
    'exit_on_error: the worker is gone');
is($node->safe_psql('postgres', "SELECT state || ' ' || coalesce(last_error, '-') FROM cdccraft_runs WHERE run_id = $fatal"),
    'stopped -', 'a stop made FATAL by exit_on_error: the run is recorded stopped, with no error');
assert_exact($node, $fatal, 'exit_on_error');
$held->quit;

# The run's row is its worker's while the run is active: release_claims
# would lock it, and a transaction left open holding that lock would hold up
# the run's outcome, and a server shutdown with it.
my $claimed = start_run($node, table_name => "'claimed'", total_records => 0, evolve => 'false',
    changes_per_second => 2000);
wait_for_batches($node, $claimed, 2);
my ($rc, $out, $err) = $node->psql('postgres', "SELECT cdccraft.release_claims($claimed)");
like($err, qr/ERROR:  cdccraft run $claimed is still active/, 'release_claims refuses an active run');
$node->safe_psql('postgres', "SELECT cdccraft_stop($claimed)");
is(state_of($node, $claimed), 'stopped', 'and the run stops as ever');

# A role's deferred trigger that catches the stop in a prepared batch, then
# makes its transaction another role's (SET LOCAL role) and turns
# exit_on_error on: the batch rolls back in its own step, before any PREPARE,
# so no prepared transaction is left behind that the run's role could not
# end, and the run is recorded stopped.
$node->safe_psql('postgres', q{
    CREATE ROLE eve LOGIN REPLICATION;
    CREATE ROLE other;
    GRANT other TO eve;
    GRANT EXECUTE ON FUNCTION cdccraft_start TO eve;
    GRANT CREATE ON SCHEMA public TO eve;
    GRANT CREATE ON DATABASE postgres TO eve;
});
my ($erc, $eout, $eerr) = $node->psql('postgres', q{
    CREATE FUNCTION public.strand() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('application_name') ~ '^cdccraft run \d+$'
           AND coalesce(current_setting('eve.done', true), '') = '' THEN
            PERFORM set_config('eve.done', 'y', true);
            BEGIN
                PERFORM pg_sleep(60);
            EXCEPTION WHEN query_canceled THEN
                PERFORM set_config('role', 'other', true);
                PERFORM set_config('exit_on_error', 'on', false);
            END;
        END IF;
        RETURN NULL;
    END $$;}, extra_params => [ '-U', 'eve' ]);
is($erc, 0, 'eve makes her trigger function') or diag $eerr;
my $stranded = $node->safe_psql('postgres', "SELECT cdccraft_start(table_name => 'stranded', total_records => 0, "
      . "evolve => false, prepare_fraction => 1, changes_per_second => 2000)", extra_params => [ '-U', 'eve' ]);
wait_for_batches($node, $stranded, 3);
$node->safe_psql('postgres', 'CREATE CONSTRAINT TRIGGER strand AFTER INSERT ON stranded DEFERRABLE INITIALLY DEFERRED '
      . 'FOR EACH ROW EXECUTE FUNCTION public.strand()', extra_params => [ '-U', 'eve' ]);
$node->poll_query_until('postgres',
    "SELECT count(*) > 0 FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND backend_type = 'cdccraft worker'")
  or die 'the deferred trigger never caught the run';
$node->safe_psql('postgres', "SELECT cdccraft_stop($stranded)", extra_params => [ '-U', 'eve' ]);
ok($node->poll_query_until('postgres', "SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'cdccraft worker'"),
    'the stranding trigger: the worker is gone');
is($node->safe_psql('postgres', 'SELECT count(*) FROM pg_prepared_xacts'), '0', 'no prepared transaction is left behind');
is(state_of($node, $stranded), 'stopped', 'the run is recorded stopped');
assert_exact($node, $stranded, 'the stranding trigger');

# A prepared batch's deferred trigger fires in the batch's own step, which
# the stop ends, not at its PREPARE, where the cancel is held.
my $deferred = start_run($node, table_name => "'deferred'", total_records => 0, evolve => 'false',
    prepare_fraction => 1, changes_per_second => 2000);
wait_for_batches($node, $deferred, 5);
$node->safe_psql('postgres', q{CREATE CONSTRAINT TRIGGER catch AFTER INSERT ON deferred DEFERRABLE INITIALLY DEFERRED
                               FOR EACH ROW EXECUTE FUNCTION public.catch_stops('^cdccraft run \\d+$')});
$node->poll_query_until('postgres',
    "SELECT count(*) > 0 FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND backend_type = 'cdccraft worker'")
  or die 'the deferred trigger never caught the run';
my $t0 = time;
$node->safe_psql('postgres', "SELECT cdccraft_stop($deferred)");
ok(time - $t0 < 60, sprintf('a stop ends a prepared batch caught in its deferred trigger (%.1f s)', time - $t0));
is($node->safe_psql('postgres', 'SELECT count(*) FROM pg_prepared_xacts'), '0', 'and no prepared transaction is left');

# A fast shutdown with a run caught in its leader.
my $caught = start_run($node, table_name => "'at_shutdown'", total_records => 0, evolve => 'false',
    changes_per_second => 2000);
wait_for_batches($node, $caught, 5);
$node->safe_psql('postgres', q{CREATE TRIGGER catch AFTER INSERT ON at_shutdown FOR EACH STATEMENT
                                EXECUTE FUNCTION public.catch_stops('^cdccraft run \\d+$')});
$node->poll_query_until('postgres',
    "SELECT count(*) > 0 FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND backend_type = 'cdccraft worker'")
  or die 'the trigger never caught the run';
my $started = time;
$node->stop('fast');
ok(time - $started < 60, sprintf('a fast shutdown is not held up (%.1f s)', time - $started));
$node->start;

# A writer that has written its share records its last commit at once.
my $slow = start_run($node, table_name => "'uneven'", total_records => 4000, batch_size => 100, writers => 2,
    evolve => 'false', verify => 'true', changes_per_second => 1000);
$node->safe_psql('postgres', q{CREATE TRIGGER slow AFTER INSERT ON uneven FOR EACH STATEMENT
                               EXECUTE FUNCTION public.slow_down('%writer 1')});
# The leader's share: 2,000 rows, 20 batches, and the snapshot.
$node->poll_query_until('postgres',
    "SELECT count(commit_lsn) = 21 FROM cdccraft_batches WHERE run_id = $slow AND writer = 0")
  or die 'the leader\'s batches never all had their commit positions';
is(state_of($node, $slow), 'running',
    'the leader\'s last batch has its commit position while writer 1 still writes');
my $v = decode_json($node->safe_psql('postgres', "SELECT cdccraft_verify($slow)"));
ok($v->{ok}, 'the canary agrees with the truth mid-run') or diag explain $v->{first_differences};
$node->safe_psql('postgres', 'DROP TRIGGER slow ON uneven');
$node->safe_psql('postgres', "CALL cdccraft_wait($slow)");
is(state_of($node, $slow), 'completed', 'and the run completes');
done_testing();
