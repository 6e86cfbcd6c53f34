# huge_every: every n-th batch a transaction far larger than
# logical_decoding_work_mem (64kB here). The server spills it to disk when it
# decodes it whole (the canary: spill_txns grows) and streams it in progress
# to a protocol 2 consumer that asks (a copy of the run's slot: stream_txns
# grows, Stream Start messages come), and the canary still agrees with the
# truth change for change.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('huge');
$node->init(allows_streaming => 'logical');
$node->append_conf('postgresql.conf', "logical_decoding_work_mem = '64kB'\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

my $run = start_run($node, table_name => "'huge'", total_records => 8000, batch_size => 100, seed => 191,
    huge_every => 10, huge_rows => 3000, verify => 'true');
$node->safe_psql('postgres', "CALL cdccraft_wait($run)");
is(state_of($node, $run), 'completed', 'the run completes');
my $s = decode_json($node->safe_psql('postgres', "SELECT cdccraft_summary($run)"));
my $largest = $node->safe_psql('postgres',
    "SELECT max(n) FROM (SELECT count(*) AS n FROM cdccraft_changes($run) WHERE op = 'insert' GROUP BY batch) b");
is($largest, 3000, 'the huge batches insert 3000 rows each');

my $v = decode_json($node->safe_psql('postgres', "SELECT cdccraft_verify($run)"));
ok($v->{ok}, 'the canary agrees with the truth') or diag explain $v->{first_differences};
is($v->{checked}{insert}, $s->{inserts}, 'every insert checked');
my $canary = $s->{canary}{slot};
ok($node->safe_psql('postgres', "SELECT spill_txns FROM pg_stat_replication_slots WHERE slot_name = '$canary'") > 0,
    'decoding them whole, the server spilled transactions to disk');

$node->safe_psql('postgres',
    "SELECT pg_copy_logical_replication_slot('huge_slot', 'huge_streamed', false, 'pgoutput')");
my $starts = $node->safe_psql('postgres',
    "SELECT count(*) FROM pg_logical_slot_get_binary_changes('huge_streamed', NULL, NULL, 'proto_version', '2', "
      . "'publication_names', 'huge_pub', 'streaming', 'on') WHERE substr(data, 1, 1) = 'S'::bytea");
ok($starts > 0, "a protocol 2 consumer asking for streaming receives them in progress ($starts Stream Start messages)");
ok($node->safe_psql('postgres', "SELECT stream_txns FROM pg_stat_replication_slots WHERE slot_name = 'huge_streamed'")
      > 0, 'and the server counts them as streamed');
is($node->safe_psql('postgres', "SELECT count(*) FROM cdccraft_diff($run, 'huge')"), '0',
    'the expected state is the table');
done_testing();
