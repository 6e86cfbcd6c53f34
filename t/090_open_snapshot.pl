# Snapshots held open during a run. CALL cdccraft_wait holds none while it
# waits, so a wait of hours keeps nothing from VACUUM. Under a snapshot that
# another session holds (a connector's initial snapshot, a long report), no
# version of the run's catalog row can be pruned, yet each batch finds its
# row by where the last batch wrote it, not by walking every version through
# the index; and the counters stay exact.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('snapshot');
$node->init(allows_streaming => 'logical');
$node->append_conf('postgresql.conf', 'autovacuum = off');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

# The waiting session holds no snapshot while it waits.
my $slow = start_run(
    $node,
    table_name => "'slow'",
    total_records => 0,
    batch_size => 10,
    evolve => 'false',
    changes_per_second => 200,
    seed => 8);
my $waiter = $node->background_psql('postgres');
my $waiter_pid = $waiter->query_safe('SET client_min_messages = warning; SELECT pg_backend_pid()');
$waiter->query_until(qr/waiting/, "\\echo waiting\nCALL cdccraft_wait($slow, '180s');\n");
$node->poll_query_until('postgres', qq{
    SELECT state = 'active' AND query LIKE 'CALL cdccraft_wait%' AND backend_xmin IS NULL AND backend_xid IS NULL
      FROM pg_stat_activity WHERE pid = $waiter_pid})
  or die 'the waiting session never showed without a snapshot';
pass('CALL cdccraft_wait holds no snapshot and no transaction id while it waits');
is($node->safe_psql('postgres', "SELECT cdccraft_stop($slow)->>'state'"), 'stopped', 'the slow run stops');
like($waiter->query_safe('SELECT 1'), qr/"state": "stopped"/, 'and the wait returns its summary');
$waiter->quit;

my $holder = $node->background_psql('postgres');
$holder->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM pg_class;');
my $holder_pid = $holder->query_safe('SELECT pg_backend_pid()');
is($node->safe_psql('postgres', "SELECT backend_xmin IS NOT NULL FROM pg_stat_activity WHERE pid = $holder_pid"),
    't', 'another session holds a snapshot open');

my $index_scans = "SELECT idx_scan FROM pg_stat_all_tables WHERE relid = 'cdccraft.run'::regclass";
my $before = $node->safe_psql('postgres', $index_scans);
my $batches = 400;
my $run_id = start_run(
    $node,
    table_name => "'held'",
    total_records => $batches * 20,
    batch_size => 20,
    evolve => 'false',
    seed => 9);
$node->safe_psql('postgres', "CALL cdccraft_wait($run_id, '180s')");
is(state_of($node, $run_id), 'completed', 'the run completes');
assert_no_worker($node, 'after the run');
my $scans = $node->safe_psql('postgres', $index_scans) - $before;
cmp_ok($scans, '<', $batches / 4,
    "$batches batches look their catalog row up through its index $scans times, not once each");
is($node->safe_psql('postgres', "SELECT batches FROM cdccraft_runs WHERE run_id = $run_id"),
    $batches, 'every batch is counted');
assert_exact($node, $run_id, 'under an open snapshot');

$holder->query_safe('COMMIT;');
$holder->quit;
$node->stop;
done_testing();
