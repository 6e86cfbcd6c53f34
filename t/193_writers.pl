# writers: several backends writing one run at once. Their transactions
# interleave in the WAL and commit out of begin order (a huge one stays open
# across many others' commits), yet the account is exact: the counters, the
# canary (each transaction at its own xid and commit position), test_decoding
# of a copy of the slot, and the expected state all agree. A stop ends every
# writer; a writer terminated by another session stops the run and says so;
# a run whose writers do not all find a worker slot fails its start and
# leaves nothing behind.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;
use DecodeSlot;

my $node = PostgreSQL::Test::Cluster->new('writers');
$node->init(allows_streaming => 'logical');
$node->append_conf('postgresql.conf', "max_worker_processes = 12\nlogical_decoding_work_mem = '64kB'");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

sub writers_running {
    return $node->safe_psql('postgres',
        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cdccraft writer'");
}

# Four writers, every update kind, rollbacks, savepoints, messages, and every
# 17th batch huge.
my $run = start_run($node, table_name => "'many'", total_records => 40000, batch_size => 100, seed => 193,
    writers => 4, evolve => 'false', update_kinds => "'{all}'", rollback_fraction => 0.1,
    savepoint_fraction => 0.2, emit_messages => 'true', huge_every => 17, huge_rows => 3000, verify => 'true');
$node->safe_psql('postgres', "CALL cdccraft_wait($run)");
is(state_of($node, $run), 'completed', 'the run of four writers completes');
my $s = decode_json($node->safe_psql('postgres', "SELECT cdccraft_summary($run)"));
is($s->{inserts}, 40000, 'the writers insert the run\'s total between them');
assert_exact($node, $run, 'four writers');
is(writers_running(), '0', 'no writer is left');
is($node->safe_psql('postgres', "SELECT count(DISTINCT writer) FROM cdccraft_batches WHERE run_id = $run"), '4',
    'each writer committed batches');
is($node->safe_psql('postgres', "SELECT count(*) FROM cdccraft_batches WHERE run_id = $run AND commit_lsn IS NULL"),
    '0', 'every transaction has its commit position, each writer\'s last from the outcome');

my $v = decode_json($node->safe_psql('postgres', "SELECT cdccraft_verify($run)"));
ok($v->{ok}, 'the canary agrees with the truth, transaction by transaction') or diag explain $v->{first_differences};
is("$v->{checked}{insert}/$v->{checked}{update}/$v->{checked}{delete}",
    "$s->{inserts}/$s->{updates}/$s->{deletes}", 'every change checked, and no more');
is($node->safe_psql('postgres', "SELECT count(*) FROM cdccraft_diff($run, 'many')"), '0',
    'the expected state is the table');

# The slot, decoded independently: commit order is not begin order.
$node->safe_psql('postgres', "SELECT pg_copy_logical_replication_slot('many_slot', 'many_td', false, 'test_decoding')");
my $decoded = test_decoding_transactions($node, 'many_td', 'public.many');
my @xids = map { $_->{xid} } @$decoded;
my $out_of_order = grep { $xids[$_] < $xids[ $_ - 1 ] } 1 .. $#xids;
ok($out_of_order > 10, "transactions commit out of begin order ($out_of_order commit after one that began later)");
is( join(',', @xids),
    $node->safe_psql('postgres',
        "SELECT string_agg(xid::text, ',' ORDER BY commit_lsn) FROM cdccraft_batches WHERE run_id = $run AND batch > 0"),
    'test_decoding\'s transactions are the truth\'s, in the truth\'s commit order');
my %ops;
for my $c (map { @{ $_->{changes} } } @$decoded) { $ops{ $c->{op} }++ }
is(join('/', map { $ops{$_} // 0 } qw(insert update delete)), "$s->{inserts}/$s->{updates}/$s->{deletes}",
    'test_decoding decodes exactly the run\'s changes');

# A huge transaction stays open across others' commits: between its first
# change and its commit, other writers commit (not each one: a writer's last
# may run when the others have written their shares).
my $spans = $node->safe_psql('postgres', q{
    WITH c AS (SELECT lsn, xid, data FROM pg_logical_slot_peek_changes('many_td', NULL, NULL, 'include-xids', '1')),
    huge AS (SELECT xid, min(lsn) AS first FROM c WHERE data LIKE 'table public.many: INSERT%'
              GROUP BY xid HAVING count(*) >= 3000),
    ends AS (SELECT xid, lsn FROM c WHERE data LIKE 'COMMIT%')
    SELECT max((SELECT count(*) FROM ends o WHERE o.xid <> h.xid AND o.lsn > h.first AND o.lsn < e.lsn))
      FROM huge h JOIN ends e ON e.xid = h.xid});
ok($spans > 0, "a huge transaction stays open across other writers' commits ($spans of them)");

# A stop ends every writer, mid-run; the account stays exact.
my $stopped = start_run($node, table_name => "'halted'", total_records => 0, batch_size => 100, seed => 194,
    writers => 3, evolve => 'false', changes_per_second => 6000, verify => 'true');
wait_for_batches($node, $stopped, 30);
ok(writers_running() == 2, 'two writers run beside the leader');
$node->safe_psql('postgres', "SELECT cdccraft_stop($stopped)");
is(state_of($node, $stopped), 'stopped', 'cdccraft_stop stops a run of three writers');
is(writers_running(), '0', 'and every writer with it');
assert_exact($node, $stopped, 'stopped writers');
$v = decode_json($node->safe_psql('postgres', "SELECT cdccraft_verify($stopped)"));
ok($v->{ok}, 'the canary agrees with the truth of the stopped run') or diag explain $v->{first_differences};
is($node->safe_psql('postgres', "SELECT count(*) FROM cdccraft_diff($stopped, 'halted')"), '0',
    'the stopped run\'s expected state is the table');

# A writer terminated by another session stops the run, which says so.
my $cut = start_run($node, table_name => "'cut'", total_records => 0, batch_size => 100, seed => 195, writers => 2,
    evolve => 'false', changes_per_second => 4000);
wait_for_batches($node, $cut, 10);
$node->safe_psql('postgres',
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'cdccraft writer'");
$node->poll_query_until('postgres', "SELECT state <> 'running' FROM cdccraft_runs WHERE run_id = $cut")
  or die 'the run did not end';
is(state_of($node, $cut), 'stopped', 'a run whose writer was terminated stops');
like($node->safe_psql('postgres', "SELECT last_error FROM cdccraft_runs WHERE run_id = $cut"),
    qr/^writer 1 was terminated by a server shutdown or by pg_terminate_backend\(\)/, 'and says which writer');
assert_no_worker($node, 'after a writer was terminated');
assert_exact($node, $cut, 'a terminated writer');

# More writers than worker slots: the start fails and leaves nothing.
my ($rc, $out, $err) = $node->psql('postgres',
    "SELECT cdccraft_start(table_name => 'crowd', writers => 16, evolve => false, total_records => 0)");
like($err, qr/ERROR:  could not start writer \d+ of cdccraft run \d+: no background worker slot is free/,
    'a run of more writers than free worker slots fails its start');
like($err, qr/HINT:  A run of 16 writers takes as many background worker slots/, 'with a hint');
assert_nothing_left($node, 'crowd', 'the failed start of many writers');
is( $node->safe_psql('postgres',
        "SELECT batches || '/' || inserts || '/' || (SELECT count(*) FROM cdccraft_batches b WHERE b.run_id = r.run_id) "
          . "FROM cdccraft_runs r WHERE table_name = 'crowd'"),
    '0/0/1', 'no writer wrote a batch before every writer had started (the snapshot alone is in the ledger)');
assert_no_worker($node, 'the failed start of many writers');
is(writers_running(), '0', 'no writer of the failed start is left');
done_testing();
