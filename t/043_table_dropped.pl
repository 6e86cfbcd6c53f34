# Another session drops a running run's table: the run fails and says why,
# no worker is left, its counters match the slot, and cleanup leaves nothing.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('table_dropped');
$node->init(allows_streaming => 'logical');
$node->append_conf('postgresql.conf', "cdccraft.lock_timeout = '500ms'\nautovacuum = off\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

assert_interference_fails_run($node, 'drops the table', 'DROP TABLE victim', qr/does not exist/);
$node->stop;

done_testing();
