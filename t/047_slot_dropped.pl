# Another session drops a running run's slot: the run fails and says why, no
# worker is left, its counters match the table, and cleanup leaves nothing.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('slot_dropped');
$node->init(allows_streaming => 'logical');
$node->append_conf('postgresql.conf', "cdccraft.lock_timeout = '500ms'\nautovacuum = off\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

assert_interference_fails_run($node, 'drops the slot', "SELECT pg_drop_replication_slot('victim_slot')",
    qr/replication slot "victim_slot" of cdccraft run \d+ was dropped/);
$node->stop;

done_testing();
