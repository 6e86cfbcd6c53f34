# The canary slot's name must be unique in the cluster, as every slot name
# is, but run ids are per database (each database's cdccraft.run has its own
# identity sequence). A run with verify => true in one database must not be
# refused, or have its start fail, because a run of the same id in another
# database of the cluster has a canary: one database's users (who need no
# rights at all in the other) would otherwise stop every verified run there,
# by accident or on purpose.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('canary_dbs');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE one');
$node->safe_psql('postgres', 'CREATE DATABASE two');
$node->safe_psql($_, 'CREATE EXTENSION cdccraft') for qw(one two);

sub start_verified {
    my ($db, $table) = @_;
    my ($rc, $out, $err) = $node->psql($db,
        "SELECT cdccraft_start(table_name => '$table', total_records => 200, batch_size => 50, seed => 170, "
          . 'verify => true)');
    return $rc == 0 ? $out : $err;
}

my $run_one = start_verified('one', 'in_one');
like($run_one, qr/^\d+$/, 'a verified run starts in database one');
$node->safe_psql('one', "CALL cdccraft_wait($run_one)");

my $run_two = start_verified('two', 'in_two');
like($run_two, qr/^\d+$/, 'a verified run of the same id starts in database two')
  or diag($run_two);
SKIP: {
    skip 'the run in database two did not start', 3 unless $run_two =~ /^\d+$/;
    $node->safe_psql('two', "CALL cdccraft_wait($run_two)");
    is($node->safe_psql('two', "SELECT state FROM cdccraft_runs WHERE run_id = $run_two"), 'completed',
        'and completes');
    like($node->safe_psql('two', "SELECT cdccraft_verify($run_two)"), qr/"ok": true/,
        'and verifies against its own canary');
    like($node->safe_psql('one', "SELECT cdccraft_verify($run_one)"), qr/"ok": true/,
        'as the run in database one does against its own');
}
done_testing();
