# A worker SIGKILLed inside a batch: the postmaster restarts, the batch in
# flight is gone, the run is interrupted and says why, its counters match the
# table and the slot, no worker is left, and cleanup removes all it created.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('sigkill_mid_batch');
$node->init(allows_streaming => 'logical');
# The worker waits on the blocking lock until it is killed, not for
# cdccraft.lock_timeout; the postmaster restarts after the crash.
$node->append_conf('postgresql.conf', "cdccraft.lock_timeout = '60s'\nautovacuum = off\nrestart_after_crash = on\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

my $run = start_run($node, table_name => "'killed'", total_records => 0, seed => 1, evolve => 'false');
wait_for_batches($node, $run, 5);
my $session = block_worker($node, 'killed');
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
$node->stop;

done_testing();
