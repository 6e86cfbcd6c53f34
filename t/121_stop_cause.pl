# Every SIGTERM stops a run, but only a user's stop is an unremarkable end:
# a run stopped with cdccraft_stop has no last_error, while one whose worker
# was terminated by a server shutdown or pg_terminate_backend() says so.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('stop_cause');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

my $terminated = qr/^the worker was terminated by a server shutdown or by pg_terminate_backend\(\), not stopped with cdccraft_stop\(\)$/;

sub outcome {
    my ($run) = @_;
    return $node->safe_psql('postgres',
        "SELECT state || '|' || coalesce(last_error, '<null>') FROM cdccraft_runs WHERE run_id = $run");
}

sub new_run {
    my ($table) = @_;
    my $run = start_run($node, table_name => "'$table'", total_records => 0, seed => 1, changes_per_second => 5000);
    wait_for_batches($node, $run, 3);
    return $run;
}

# pg_terminate_backend() on the run's worker, and the wait for the run to end.
sub terminate_worker {
    my ($run) = @_;
    $node->safe_psql('postgres', "SELECT pg_terminate_backend(worker_pid) FROM cdccraft_runs WHERE run_id = $run");
    $node->poll_query_until('postgres',
        "SELECT state = 'stopped' AND worker_pid IS NULL FROM cdccraft_runs WHERE run_id = $run")
      or die 'the terminated run never showed as stopped';
}

# cdccraft_stop: the user's stop.
{
    my $run = new_run('by_stop');
    is($node->safe_psql('postgres',
            "SELECT s->>'state' || '|' || coalesce(s->>'last_error', '<null>') FROM cdccraft_stop($run) s"),
        'stopped|<null>', 'cdccraft_stop: stopped, with no last_error');
    is(outcome($run), 'stopped|<null>', 'cdccraft_stop: so the run\'s row says');
    assert_exact($node, $run, 'cdccraft_stop');
}

# pg_terminate_backend() on the worker.
{
    my $run = new_run('by_terminate');
    terminate_worker($run);
    my ($state, $error) = split /\|/, outcome($run), 2;
    is($state, 'stopped', 'pg_terminate_backend: the run is stopped');
    like($error, $terminated, 'pg_terminate_backend: last_error says the worker was terminated');
    assert_exact($node, $run, 'pg_terminate_backend');
}

# A server restart (fast shutdown) mid-run.
{
    my $run = new_run('by_restart');
    $node->restart;    # fast mode
    my ($state, $error) = split /\|/, outcome($run), 2;
    is($state, 'stopped', 'server restart: the run is stopped');
    like($error, $terminated, 'server restart: last_error says the worker was terminated');
    assert_exact($node, $run, 'server restart');
}

# cdccraft_stop inside a transaction block holds its lock to the end of the
# block; the run is still the user's stop.
{
    my $run = new_run('in_block');
    $node->safe_psql('postgres', "BEGIN; SELECT cdccraft_stop($run); COMMIT;");
    is(outcome($run), 'stopped|<null>', 'cdccraft_stop in a transaction block: no last_error');
}

# Any role may take an advisory lock: one that may not stop the run holding
# the stop lock does not make a termination look like cdccraft_stop.
{
    $node->safe_psql('postgres', 'CREATE ROLE bystander LOGIN');
    my $run = new_run('by_bystander');
    my $bystander = $node->background_psql('postgres', extra_params => [ '-U', 'bystander' ]);
    $bystander->query_safe("SELECT pg_advisory_lock(1667523427, $run)");
    terminate_worker($run);
    my ($state, $error) = split /\|/, outcome($run), 2;
    like($error, $terminated, 'a bystander holding the stop lock: last_error still says the worker was terminated');
    $bystander->quit;
}

# A role squatting on the stop lock's key cannot keep cdccraft_stop waiting:
# the stop goes on, and is recorded as a termination.
{
    my $run = new_run('squatted');
    my $squatter = $node->background_psql('postgres', extra_params => [ '-U', 'bystander' ]);
    $squatter->query_safe("SELECT pg_advisory_lock(1667523427, $run)");
    is($node->safe_psql('postgres', "SET statement_timeout = '60s'; SELECT cdccraft_stop($run)->>'state'"),
        'stopped', 'a squatter on the stop lock: cdccraft_stop still stops the run');
    $squatter->quit;
}

assert_no_worker($node, 'after the stops');
$node->stop;
done_testing();
