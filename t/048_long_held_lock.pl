# Another session holds a lock the run needs for longer than
# cdccraft.lock_timeout: the run fails and says which wait, no worker is left,
# and its counters match the table and the slot.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('long_held_lock');
$node->init(allows_streaming => 'logical');
$node->append_conf('postgresql.conf', "cdccraft.lock_timeout = '500ms'\nautovacuum = off\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

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
$node->stop;

done_testing();
