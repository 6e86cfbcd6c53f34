# Dropping the extension or the database while runs are active orphans
# nothing: no worker, slot, publication or catalog row is left behind.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('drops');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

my $active = start_run($node, table_name => "'active'", total_records => 0, seed => 1, changes_per_second => 2000);
my $ended = start_run($node, table_name => "'ended'", total_records => 200, seed => 2);
$node->safe_psql('postgres', "CALL cdccraft_wait($ended)");
wait_for_batches($node, $active, 2);

# Without CASCADE: refused while runs hold objects.
my ($rc, $out, $err) = $node->psql('postgres', 'DROP EXTENSION cdccraft');
like($err, qr/ERROR:  cannot drop extension cdccraft while its runs hold tables, publications or slots/,
    'DROP EXTENSION is refused while runs hold objects');
like($err, qr/DETAIL:  Runs $active, $ended are active or have not been cleaned up\./, 'naming the runs');
is(state_of($node, $active), 'running', 'the refused drop leaves the active run going');

# Other ways of dropping the extension are guarded too.
($rc, $out, $err) = $node->psql('postgres', 'SET session_replication_role = replica; DROP EXTENSION cdccraft');
like($err, qr/ERROR:  cannot drop extension cdccraft while its runs hold/,
    'the guard holds under session_replication_role = replica');
($rc, $out, $err) = $node->psql('postgres', 'DROP SCHEMA public CASCADE');
like($err, qr/ERROR:  cannot drop extension cdccraft while its runs hold/,
    'DROP SCHEMA of the extension\'s schema is refused while runs hold objects');

# Releasing claims by hand releases nothing that still stands.
$node->safe_psql('postgres', "SELECT cdccraft.release_claims($ended)");
($rc, $out, $err) = $node->psql('postgres', 'DROP EXTENSION cdccraft');
like($err, qr/DETAIL:  Runs $active, $ended are active/, 'release_claims cannot disown objects that exist');

# CASCADE checks before it does anything that cannot be undone.
($rc, $out, $err) = $node->psql('postgres', 'BEGIN; DROP EXTENSION cdccraft CASCADE; ROLLBACK;');
like($err, qr/ERROR:  DROP EXTENSION cdccraft CASCADE cannot run inside a transaction block/,
    'CASCADE is refused inside a transaction block');
my $consumer = IPC::Run::start(
    [ 'pg_recvlogical', '-d', $node->connstr('postgres'), '--slot', 'ended_slot', '--start',
      '-o', 'proto_version=1', '-o', 'publication_names=ended_pub', '-f', '/dev/null' ]);
$node->poll_query_until('postgres', "SELECT active FROM pg_replication_slots WHERE slot_name = 'ended_slot'")
  or die 'the consumer never attached';
($rc, $out, $err) = $node->psql('postgres', 'DROP EXTENSION cdccraft CASCADE');
like($err, qr/ERROR:  cannot drop the replication slots of cdccraft runs while consumers read them/,
    'CASCADE is refused while a consumer reads a slot');
is($node->safe_psql('postgres', 'SELECT count(*) FROM pg_replication_slots'), '2',
    'and no slot was dropped');
$consumer->kill_kill;
$node->poll_query_until('postgres', "SELECT NOT active FROM pg_replication_slots WHERE slot_name = 'ended_slot'")
  or die 'the consumer never detached';
is(state_of($node, $active), 'stopped', 'the refused CASCADE had stopped the active run');

# With CASCADE: every run is stopped and cleaned up first.
($rc, $out, $err) = $node->psql('postgres', 'DROP EXTENSION cdccraft CASCADE');
is($rc, 0, 'DROP EXTENSION CASCADE succeeds');
like($err, qr/NOTICE:  stopping and cleaning up cdccraft runs $active, $ended/, 'and says what it does');
assert_no_worker($node, 'DROP EXTENSION CASCADE');
is( $node->safe_psql(
        'postgres', q{
        SELECT (SELECT count(*) FROM pg_class WHERE relname IN ('active', 'ended')) || '/' ||
               (SELECT count(*) FROM pg_publication) || '/' || (SELECT count(*) FROM pg_replication_slots) || '/' ||
               (SELECT count(*) FROM pg_namespace WHERE nspname = 'cdccraft')}),
    '0/0/0/0', 'DROP EXTENSION CASCADE leaves no table, publication, slot or catalog');

# CASCADE drops the runs' slots only once everything else of every run is
# gone: an object that keeps one run's table from being dropped (a view of
# its role's) fails the command before any slot, the other run's included,
# is dropped.
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');
my $first = start_run($node, table_name => "'first_run'", total_records => 100, seed => 5);
my $second = start_run($node, table_name => "'second_run'", total_records => 100, seed => 6);
$node->safe_psql('postgres', "CALL cdccraft_wait($first); CALL cdccraft_wait($second)");
$node->safe_psql('postgres', 'CREATE VIEW second_view AS SELECT id FROM second_run');
($rc, $out, $err) = $node->psql('postgres', 'DROP EXTENSION cdccraft CASCADE');
like($err, qr/ERROR:  cannot drop table (public\.)?second_run because other objects depend on it/,
    'CASCADE fails on a table another object depends on');
is($node->safe_psql('postgres', 'SELECT count(*) FROM pg_replication_slots'), '2',
    'and no slot was dropped, the first run\'s included');
$node->safe_psql('postgres', 'DROP VIEW second_view');
($rc, $out, $err) = $node->psql('postgres', 'DROP EXTENSION cdccraft CASCADE');
is($rc, 0, 'once the view is gone, CASCADE succeeds');
is($node->safe_psql('postgres', 'SELECT count(*) FROM pg_replication_slots'), '0', 'and drops both slots');

# A reader of the public views, which any role may be, holding its lock:
# CASCADE takes the extension's locks before any slot goes, so the lock
# timeout fails it with every slot still there.
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');
my $held = start_run($node, table_name => "'held_run'", total_records => 100, seed => 7);
$node->safe_psql('postgres', "CALL cdccraft_wait($held)");
my $reader = $node->background_psql('postgres');
$reader->query_safe('BEGIN; SELECT count(*) FROM cdccraft_runs;');
($rc, $out, $err) = $node->psql('postgres', "SET lock_timeout = '1s'; DROP EXTENSION cdccraft CASCADE");
like($err, qr/ERROR:  canceling statement due to lock timeout/, 'CASCADE waits for a reader of the views, and times out');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'held_run_slot'"), '1',
    'with the run\'s slot still there');
$reader->query_safe('COMMIT;');
$reader->quit;
($rc, $out, $err) = $node->psql('postgres', 'DROP EXTENSION cdccraft CASCADE');
is($rc, 0, 'once the reader is done, CASCADE succeeds');

# A run without anything left to clean up does not hold the extension.
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');
my $cleaned = start_run($node, table_name => "'cleaned'", total_records => 100, seed => 3);
$node->safe_psql('postgres', "CALL cdccraft_wait($cleaned); SELECT cdccraft_cleanup($cleaned)");
($rc, $out, $err) = $node->psql('postgres', 'DROP EXTENSION cdccraft');
is($rc, 0, 'DROP EXTENSION succeeds once every run is cleaned up');

# DROP DATABASE WITH (FORCE) while a run is active: the worker is terminated
# and the database's slots go with it.
$node->safe_psql('postgres', 'CREATE DATABASE doomed');
$node->safe_psql('doomed', 'CREATE EXTENSION cdccraft');
my $doomed = $node->safe_psql('doomed',
    "SELECT cdccraft_start(total_records => 0, seed => 4, changes_per_second => 2000)");
$node->safe_psql('doomed', "CALL cdccraft_wait($doomed, '180s', until_batch => 2)");
$node->safe_psql('postgres', 'DROP DATABASE doomed WITH (FORCE)');
assert_no_worker($node, 'DROP DATABASE WITH (FORCE)');
is($node->safe_psql('postgres', 'SELECT count(*) FROM pg_replication_slots'), '0',
    'DROP DATABASE WITH (FORCE) leaves no slot');

$node->stop;
done_testing();
