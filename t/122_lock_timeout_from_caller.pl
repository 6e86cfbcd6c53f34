# cdccraft.lock_timeout is the caller's: cdccraft_start reads it in the
# calling session (so a SET there counts, for any role), carries it in the
# run's parameters, and the run's worker bounds its lock waits by it, not by
# whatever the server's setting is.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('lock_timeout');
$node->init(allows_streaming => 'logical');
# A server-wide bound so long that a run using it would never fail here.
$node->append_conf('postgresql.conf', "cdccraft.lock_timeout = '1h'\n");
$node->start;
$node->safe_psql(
    'postgres', q{
    CREATE EXTENSION cdccraft;
    CREATE ROLE runner LOGIN REPLICATION;
    GRANT EXECUTE ON FUNCTION cdccraft_start TO runner;
    GRANT CREATE ON DATABASE postgres TO runner;
    GRANT CREATE ON SCHEMA public TO runner;
});

# The caller's SET: in the parameters, and the bound of the worker's waits.
my $run = $node->safe_psql('postgres',
    "SET cdccraft.lock_timeout = '1234ms'; SELECT cdccraft_start(table_name => 'locked', total_records => 0, "
      . "seed => 5, evolve => false, changes_per_second => 5000)");
is($node->safe_psql('postgres', "SELECT cdccraft_summary($run)->'parameters'->>'lock_timeout_ms'"),
    '1234', 'the summary\'s parameters show the caller\'s cdccraft.lock_timeout');
wait_for_batches($node, $run, 3);
my $session = $node->background_psql('postgres');
$session->query_safe('BEGIN; LOCK TABLE locked IN SHARE MODE;');
$node->poll_query_until('postgres', "SELECT state = 'failed' FROM cdccraft_runs WHERE run_id = $run")
  or die 'the run did not fail on the lock within its 1234 ms bound';
like($node->safe_psql('postgres', "SELECT last_error FROM cdccraft_runs WHERE run_id = $run"),
    qr/^a wait for a lock another session holds took longer than cdccraft.lock_timeout \(1234 ms\)/,
    'the worker gave up after the caller\'s 1234 ms, and says so');
$session->query_safe('COMMIT;');
$session->quit;
assert_exact($node, $run, 'the caller\'s lock_timeout');

# Any role may bound its own run's waits.
my $own = $node->safe_psql('postgres',
    "SET cdccraft.lock_timeout = '2s'; SELECT cdccraft_start(table_name => 'runners', total_records => 100, seed => 6)",
    extra_params => [ '-U', 'runner' ]);
is($node->safe_psql('postgres', "SELECT cdccraft_summary($own)->'parameters'->>'lock_timeout_ms'"),
    '2000', 'a role without superuser sets cdccraft.lock_timeout for its own run');
$node->safe_psql('postgres', "CALL cdccraft_wait($own)");

# Without a SET, the run takes the setting as the caller's session has it.
my $default = $node->safe_psql('postgres',
    "SELECT cdccraft_start(table_name => 'defaults', total_records => 100, seed => 7)");
is($node->safe_psql('postgres', "SELECT cdccraft_summary($default)->'parameters'->>'lock_timeout_ms'"),
    '3600000', 'without a SET, the server\'s setting');
$node->safe_psql('postgres', "CALL cdccraft_wait($default)");

$node->stop;
done_testing();
