# Snapshots held open during a run. CALL cdccraft_wait holds none while it
# waits, so a wait of hours keeps nothing from VACUUM. Under a snapshot that
# another session holds (a connector's initial snapshot, a long report), no
# row version of the run's can be pruned, yet no batch updates a row (which
# would add a version for every later lookup to walk): it inserts its
# counters and deletes the previous batch's, each one index entry; and the
# counters stay exact.
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

my $stats = q{
    SELECT sum(n_tup_upd) FILTER (WHERE relname = 'run') || ' ' || sum(n_tup_upd) FILTER (WHERE relname = 'progress')
           || ' ' || (SELECT idx_tup_read FROM pg_stat_all_indexes WHERE indexrelid = 'cdccraft.progress_pkey'::regclass)
      FROM pg_stat_all_tables WHERE schemaname = 'cdccraft'};
my ($run_updates, $progress_updates, $entries_read) = split / /, $node->safe_psql('postgres', $stats);
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
my @after = split / /, $node->safe_psql('postgres', $stats);
cmp_ok($after[0] - $run_updates, '<', 10, 'the run\'s catalog row is updated for its state only, not per batch');
is($after[1] - $progress_updates, 0, 'progress rows are never updated');
my $read = $after[2] - $entries_read;
cmp_ok($read, '<', 3 * $batches,
    "$batches batches and the waiter's looks read $read progress index entries: none walks the unprunable rows");
is($node->safe_psql('postgres', "SELECT batches FROM cdccraft_runs WHERE run_id = $run_id"),
    $batches, 'every batch is counted');
is($node->safe_psql('postgres', "SELECT count(*) FROM cdccraft.progress WHERE run_id = $run_id"),
    '1', 'one progress row is left for the run');
assert_exact($node, $run_id, 'under an open snapshot');

$holder->query_safe('COMMIT;');
$holder->quit;
$node->stop;
done_testing();
