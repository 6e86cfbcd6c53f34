# An immediate shutdown and restart mid-batch: after the restart the run is
# interrupted, no worker is left, its counters match the table and the slot,
# and it is still interrupted once the next run's start has settled it in the
# catalog.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('immediate_shutdown');
$node->init(allows_streaming => 'logical');
# The worker waits on the blocking lock until the shutdown, not for
# cdccraft.lock_timeout.
$node->append_conf('postgresql.conf', "cdccraft.lock_timeout = '60s'\nautovacuum = off\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

my $run = start_run($node, table_name => "'crashed'", total_records => 0, seed => 2);
wait_for_batches($node, $run, 5);
my $session = block_worker($node, 'crashed');
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
$node->stop;

done_testing();
