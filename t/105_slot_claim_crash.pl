# A crash while setup creates the slot orphans nothing: the run's claim on its
# slot commits before the slot can outlive a crash. The worker is parked
# right after the slot's creation, at the catalog write that records the
# claim, and SIGKILLed there: after the restart either the slot is gone with
# the crash or the run claims it: cleanup leaves nothing behind.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('slot_claim');
$node->init(allows_streaming => 'logical');
$node->append_conf('postgresql.conf', "cdccraft.lock_timeout = '120s'\nrestart_after_crash = on\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

# Slot creation waits for every transaction holding an xid: this one parks
# the worker in it until the run's row is locked too.
my $xid_holder = $node->background_psql('postgres');
$xid_holder->query_safe('BEGIN; SELECT pg_current_xact_id();');
my $starter = $node->background_psql('postgres', on_error_stop => 0);
$starter->query_until(qr/starting/,
    "\\echo starting\nSELECT cdccraft_start(table_name => 'claimed', total_records => 0, seed => 1);\n");
$node->poll_query_until('postgres',
    "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'cdccraft worker' "
      . "AND query LIKE '%setup: creating the replication slot'")
  or die 'the worker never started creating its slot';
my $run = $node->safe_psql('postgres', "SELECT run_id FROM cdccraft_runs WHERE table_name = 'claimed'");

# Every catalog write of the run now waits for this lock: the next one is the
# write that follows the slot's creation. A table lock takes no xid, so the
# slot's creation does not wait for it.
my $locker = $node->background_psql('postgres');
$locker->query_safe('BEGIN; LOCK TABLE cdccraft.run IN SHARE MODE;');
$xid_holder->query_safe('COMMIT;');
$node->poll_query_until('postgres',
    "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'cdccraft worker' AND wait_event = 'relation'")
  or die 'the worker never waited for the run catalog';
ok($node->safe_psql('postgres', "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'claimed_slot'") == 1,
    'the slot exists while its claim waits to be written');

my $pid = $node->safe_psql('postgres', "SELECT pid FROM pg_stat_activity WHERE backend_type = 'cdccraft worker'");
kill 'KILL', $pid;
$_->{run}->kill_kill for ($xid_holder, $starter, $locker);
$node->poll_query_until('postgres', "SELECT state = 'interrupted' FROM cdccraft_runs WHERE run_id = $run")
  or die 'the run never showed as interrupted after the crash';

$node->safe_psql('postgres', "SELECT cdccraft_cleanup($run)");
assert_nothing_left($node, 'claimed', 'cleanup after the crash');

# The same start succeeds now: nothing is in its way.
my $again = start_run($node, table_name => "'claimed'", total_records => 100, seed => 1);
$node->safe_psql('postgres', "CALL cdccraft_wait($again)");
is(state_of($node, $again), 'completed', 'a new run on the same names completes');

done_testing();
