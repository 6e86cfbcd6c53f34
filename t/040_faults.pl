# Exactness under faults: after a crash, an immediate shutdown, or another
# session dropping or locking what a run uses, the run's state says what
# happened, its counters match the table and the slot, and no worker is left.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('faults');
$node->init(allows_streaming => 'logical');
$node->append_conf('postgresql.conf', "cdccraft.lock_timeout = '500ms'\nautovacuum = off\nrestart_after_crash = on\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

# Holds a lock that blocks the run's next insert, so the worker is inside a
# batch when the fault strikes; returns the session.
sub block_worker {
    my ($table) = @_;
    my $session = $node->background_psql('postgres');
    $session->query_safe("BEGIN; LOCK TABLE $table IN SHARE MODE;");
    $node->poll_query_until('postgres',
        "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE backend_type = 'cdccraft worker'")
      or die 'the worker never waited for the lock';
    return $session;
}

# A SIGKILLed worker: the postmaster restarts; the batch in flight is gone.
{
    $node->safe_psql('postgres', "ALTER SYSTEM SET cdccraft.lock_timeout = '60s'");
    $node->reload;
    my $run = start_run($node, table_name => "'killed'", total_records => 0, seed => 1, evolve => 'false');
    wait_for_batches($node, $run, 5);
    my $session = block_worker('killed');
    my $pid = $node->safe_psql('postgres', "SELECT worker_pid FROM cdccraft_runs WHERE run_id = $run");
    kill 'KILL', $pid;
    $session->{run}->kill_kill;    # its backend dies with the crash-restart
    $node->poll_query_until('postgres', "SELECT state = 'interrupted' FROM cdccraft_runs WHERE run_id = $run")
      or die 'the run never showed as interrupted';
    like($node->safe_psql('postgres', "SELECT last_error FROM cdccraft_runs WHERE run_id = $run"),
        qr/the worker ended without recording an outcome/, 'SIGKILL: the run is interrupted, and says why');
    assert_no_worker($node, 'SIGKILL');
    assert_exact($node, $run, 'SIGKILL');
    is($node->safe_psql('postgres', "SELECT cdccraft_cleanup($run)->'dropped'"),
        '["table public.killed", "publication killed_pub", "slot killed_slot"]',
        'SIGKILL: cleanup removes all the run created');
}

# An immediate shutdown and restart mid-batch.
{
    my $run = start_run($node, table_name => "'crashed'", total_records => 0, seed => 2);
    wait_for_batches($node, $run, 5);
    my $session = block_worker('crashed');
    $node->stop('immediate');
    $session->{run}->kill_kill;
    $node->start;
    is(state_of($node, $run), 'interrupted', 'immediate shutdown: the run is interrupted after the restart');
    assert_no_worker($node, 'immediate shutdown');
    assert_exact($node, $run, 'immediate shutdown');
    # The next run to start records the interruption in the catalog.
    my $next = start_run($node, table_name => "'after_crash'", total_records => 100, seed => 3);
    $node->safe_psql('postgres', "CALL cdccraft_wait($next)");
    is($node->safe_psql('postgres', "SELECT cdccraft_summary($run)->>'state'"), 'interrupted',
        'immediate shutdown: still interrupted once settled');
    $node->safe_psql('postgres', "SELECT cdccraft_cleanup($run), cdccraft_cleanup($next)");
    $node->safe_psql('postgres', "ALTER SYSTEM SET cdccraft.lock_timeout = '500ms'");
    $node->reload;
}

# Another session removes or changes what the run uses.
my %interference = (
    'drops the table'           => 'DROP TABLE victim',
    'drops a column the run writes' => 'ALTER TABLE victim DROP COLUMN quantity',
    'drops the publication'     => 'DROP PUBLICATION victim_pub',
    'removes the table from the publication' => 'ALTER PUBLICATION victim_pub DROP TABLE victim',
    'drops the slot'            => "SELECT pg_drop_replication_slot('victim_slot')",
    'stops publishing deletes'  => "ALTER PUBLICATION victim_pub SET (publish = 'insert, update')",
    'adds a row filter'         => 'ALTER PUBLICATION victim_pub SET TABLE victim WHERE (quantity > 5)',
);
my %expected_error = (
    'drops the table'           => qr/does not exist/,
    'drops a column the run writes' => qr/column "quantity".* does not exist/,
    'drops the publication'     => qr/publication "victim_pub" of cdccraft run \d+ was dropped/,
    'removes the table from the publication' => qr/was removed from publication "victim_pub"/,
    'drops the slot'            => qr/replication slot "victim_slot" of cdccraft run \d+ was dropped/,
    'stops publishing deletes'  => qr/no longer publishes inserts, updates and deletes/,
    'adds a row filter'         => qr/now filters the rows or columns of public.victim/,
);
for my $what (sort keys %interference) {
    my $run = start_run($node, table_name => "'victim'", total_records => 0, seed => 4, evolve => 'false',
        changes_per_second => 5000);
    wait_for_batches($node, $run, 3);
    $node->safe_psql('postgres', $interference{$what});
    $node->poll_query_until('postgres', "SELECT state = 'failed' FROM cdccraft_runs WHERE run_id = $run")
      or die "another session $what: the run did not fail";
    like($node->safe_psql('postgres', "SELECT last_error FROM cdccraft_runs WHERE run_id = $run"),
        $expected_error{$what}, "another session $what: the run failed and says why");
    assert_no_worker($node, "another session $what");
    assert_exact($node, $run, "another session $what");
    $node->safe_psql('postgres', "SELECT cdccraft_cleanup($run)");
    is($node->safe_psql('postgres', q{
        SELECT (SELECT count(*) FROM pg_class WHERE relname = 'victim') + (SELECT count(*) FROM pg_publication)
             + (SELECT count(*) FROM pg_replication_slots)}),
        '0', "another session $what: cleanup leaves nothing behind");
}

# Another session holds a conflicting lock for longer than cdccraft.lock_timeout.
{
    my $run = start_run($node, table_name => "'locked'", total_records => 0, seed => 5,
        changes_per_second => 5000);
    wait_for_batches($node, $run, 3);
    my $session = $node->background_psql('postgres');
    $session->query_safe('BEGIN; LOCK TABLE locked IN SHARE MODE;');
    $node->poll_query_until('postgres', "SELECT state = 'failed' FROM cdccraft_runs WHERE run_id = $run")
      or die 'the run did not fail on the lock';
    like($node->safe_psql('postgres', "SELECT last_error FROM cdccraft_runs WHERE run_id = $run"),
        qr/a wait for a lock another session holds took longer than cdccraft.lock_timeout \(500 ms\)/,
        'a long-held lock: the run failed and says which wait');
    $session->query_safe('COMMIT;');
    $session->quit;
    assert_no_worker($node, 'a long-held lock');
    assert_exact($node, $run, 'a long-held lock');
    $node->safe_psql('postgres', "SELECT cdccraft_cleanup($run)");
}
$node->stop;

# No free background worker slot: a clear error, and nothing created.
my $small = PostgreSQL::Test::Cluster->new('no_worker_slots');
$small->init(allows_streaming => 'logical');
$small->append_conf('postgresql.conf',
    "max_worker_processes = 1\nmax_logical_replication_workers = 0\nmax_parallel_workers_per_gather = 0\n");
$small->start;
$small->safe_psql('postgres', 'CREATE EXTENSION cdccraft');
my $first = start_run($small, table_name => "'first'", total_records => 0, seed => 6, changes_per_second => 1000);
my ($rc, $out, $err) = $small->psql('postgres', "SELECT cdccraft_start(table_name => 'second')");
like($err, qr/ERROR:  could not start a cdccraft worker: no background worker slot is free/,
    'no worker slot: a clear error');
like($err, qr/HINT:  Raise max_worker_processes \(now 1\)/, 'no worker slot: with a hint');
is( $small->safe_psql(
        'postgres', q{
        SELECT (SELECT count(*) FROM pg_class WHERE relname = 'second') || '/' ||
               (SELECT count(*) FROM pg_publication WHERE pubname = 'second_pub') || '/' ||
               (SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'second_slot') || '/' ||
               (SELECT count(*) FROM cdccraft_runs WHERE table_name = 'second')}),
    '0/0/0/0', 'no worker slot: nothing was created or recorded');
$small->safe_psql('postgres', "SELECT cdccraft_stop($first)");
$small->stop;

done_testing();
