# cdccraft_stop cancels a batch in flight, even one waiting for another
# session's lock: the batch rolls back whole, every committed batch stays
# counted, and the table, the summary and the slot still agree.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('stop');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

my $run_id = $node->safe_psql('postgres',
    "SELECT cdccraft_start(table_name => 'blocked', total_records => 0, batch_size => 50, seed => 4, "
      . "evolve => false, changes_per_second => 2000)");
$node->safe_psql('postgres', "CALL cdccraft_wait($run_id, '60s', until_batch => 2)");

# Another session takes a lock that blocks the worker's next insert.
my $locker = $node->background_psql('postgres');
$locker->query_safe('BEGIN; LOCK TABLE blocked IN SHARE MODE;');
$node->poll_query_until('postgres',
    "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE backend_type = 'cdccraft worker'")
  or die 'the worker never waited for the lock';
my $committed = $node->safe_psql('postgres', "SELECT batches FROM cdccraft_runs WHERE run_id = $run_id");

my $summary = $node->safe_psql('postgres',
    "SELECT concat_ws(' ', s->>'state', s->>'batches') FROM cdccraft_stop($run_id, '60s') s");
is($summary, "stopped $committed", 'the stop cancels the blocked batch; committed batches stay counted');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cdccraft worker'"),
    '0', 'the worker has exited');
$locker->query_safe('COMMIT;');
$locker->quit;

is( $node->safe_psql(
        'postgres', qq{
        SELECT (SELECT count(*) FROM blocked) = snapshot_rows + inserts - deletes AND inserts = batches * 50
          FROM cdccraft_runs WHERE run_id = $run_id}),
    't',
    'count(*) = snapshot_rows + inserts - deletes, in whole batches');
is( $node->safe_psql(
        'postgres', qq{
        SELECT count(*) FILTER (WHERE chr(get_byte(data, 0)) = 'I') = min(r.inserts)
           AND count(*) FILTER (WHERE chr(get_byte(data, 0)) = 'U') = min(r.updates)
           AND count(*) FILTER (WHERE chr(get_byte(data, 0)) = 'D') = min(r.deletes)
          FROM pg_logical_slot_peek_binary_changes('blocked_slot', NULL, NULL, 'proto_version', '1',
                                                   'publication_names', 'blocked_pub'),
               cdccraft_runs r WHERE r.run_id = $run_id}),
    't',
    'the slot holds exactly the committed changes');

$node->stop;
done_testing();
