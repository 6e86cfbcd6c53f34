# Another session changes a running run's publication so that it no longer
# publishes every change of the table (removes the table, stops publishing
# deletes, adds a row filter): the run fails and says why, no worker is left,
# its counters match the table and the slot, and cleanup leaves nothing.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('publication_altered');
$node->init(allows_streaming => 'logical');
$node->append_conf('postgresql.conf', "cdccraft.lock_timeout = '500ms'\nautovacuum = off\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

my %interference = (
    'removes the table from the publication' => 'ALTER PUBLICATION victim_pub DROP TABLE victim',
    'stops publishing deletes'  => "ALTER PUBLICATION victim_pub SET (publish = 'insert, update')",
    'adds a row filter'         => 'ALTER PUBLICATION victim_pub SET TABLE victim WHERE (quantity > 5)',
);
my %expected_error = (
    'removes the table from the publication' => qr/was removed from publication "victim_pub"/,
    'stops publishing deletes'  => qr/no longer publishes inserts, updates and deletes/,
    'adds a row filter'         => qr/now filters the rows or columns of public.victim/,
);
for my $what (sort keys %interference) {
    assert_interference_fails_run($node, $what, $interference{$what}, $expected_error{$what});
}
$node->stop;

done_testing();
