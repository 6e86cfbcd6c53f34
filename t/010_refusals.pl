# Starting a run is refused, clearly and without leaving anything behind,
# when the server or the calling role cannot support it.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# wal_level below logical: refused before anything is created.
my $minimal = PostgreSQL::Test::Cluster->new('minimal_wal');
$minimal->init;
$minimal->start;
$minimal->safe_psql('postgres', 'CREATE EXTENSION cdccraft');
my ($rc, $out, $err) = $minimal->psql('postgres', 'SELECT cdccraft_start()');
isnt($rc, 0, 'start fails when wal_level is not logical');
like($err, qr/ERROR:  cdccraft needs wal_level = logical/, 'the error names wal_level');
like($err, qr/HINT:  Set wal_level = logical in postgresql.conf and restart the server/, 'with a hint');
is($minimal->safe_psql('postgres', "SELECT count(*) FROM pg_class WHERE relname = 'sales'"),
    '0', 'no table was created');
$minimal->stop;

my $node = PostgreSQL::Test::Cluster->new('logical');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql(
    'postgres', q{
    CREATE EXTENSION cdccraft;
    CREATE ROLE cannot_login NOLOGIN;
    GRANT CREATE ON SCHEMA public TO cannot_login;
    CREATE ROLE not_granted LOGIN;
    CREATE ROLE no_replication LOGIN;
    GRANT EXECUTE ON FUNCTION cdccraft_start TO cannot_login, no_replication;
    GRANT CREATE ON SCHEMA public TO no_replication;
    GRANT CREATE ON DATABASE postgres TO no_replication;
});

# Starting runs is not granted to PUBLIC.
($rc, $out, $err) = $node->psql('postgres', 'SELECT cdccraft_start()', extra_params => [ '-U', 'not_granted' ]);
like($err, qr/ERROR:  permission denied for function cdccraft_start/, 'cdccraft_start needs a grant');

# A role without LOGIN cannot be a background worker's user on PostgreSQL 15.
($rc, $out, $err) = $node->psql('postgres', 'SET ROLE cannot_login; SELECT cdccraft_start()');
like($err, qr/ERROR:  role "cannot_login" cannot start a cdccraft run because it cannot log in/,
    'a role without LOGIN gets a clear error');

# A role without REPLICATION cannot get a slot: refused before the worker is
# launched, so no snapshot row is inserted and nothing is recorded.
($rc, $out, $err) = $node->psql('postgres',
    "\\set VERBOSITY verbose\nSELECT cdccraft_start(table_name => 'mine', total_records => 100, snapshot_rows => 1000000)",
    extra_params => [ '-U', 'no_replication' ]);
like($err,
    qr/ERROR:  42501: role "no_replication" cannot start a cdccraft run with a replication slot because it lacks REPLICATION/,
    'a role without REPLICATION gets a clear 42501');
like($err, qr/DETAIL:  The cdccraft worker creates the run's replication slot as the role that starts the run/,
    'with the reason');
like($err, qr/HINT:  Start the run as a role with REPLICATION, or pass create_slot => false/, 'and a hint');
is( $node->safe_psql(
        'postgres', q{
        SELECT (SELECT count(*) FROM pg_class WHERE relname = 'mine') || '/' ||
               (SELECT count(*) FROM pg_publication WHERE pubname = 'mine_pub') || '/' ||
               (SELECT count(*) FROM pg_replication_slots) || '/' ||
               (SELECT count(*) FROM cdccraft.run WHERE table_name = 'mine')}),
    '0/0/0/0',
    'the refused start created and recorded nothing');

# Without a slot of its own, the same role may start a run.
my $slotless = $node->safe_psql('postgres',
    "SELECT cdccraft_start(table_name => 'mine', total_records => 100, create_slot => false)",
    extra_params => [ '-U', 'no_replication' ]);
$node->safe_psql('postgres', "CALL cdccraft_wait($slotless)", extra_params => [ '-U', 'no_replication' ]);
is($node->safe_psql('postgres', "SELECT state FROM cdccraft_runs WHERE run_id = $slotless"),
    'completed', 'with create_slot => false the role needs no REPLICATION');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cdccraft worker'"),
    '0', 'no worker is left');

$node->stop;
done_testing();
