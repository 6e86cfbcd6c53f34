# Two sessions start runs on the same table at the same moment: exactly one
# run starts, the other session gets a clear error, and nothing is doubled.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('concurrent_start');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

for my $round (1 .. 3) {
    my @sessions = map { $node->background_psql('postgres', on_error_stop => 0) } 1 .. 2;
    # Both statements are sent before either result is read.
    $_->query_until(qr/sent/,
        "\\echo sent\nSELECT cdccraft_start(table_name => 'same', total_records => 0, seed => $round, "
          . "changes_per_second => 1000);\n")
      for @sessions;
    $_->quit for @sessions;
    my @outcomes = map { $_->{stdout} . $_->{stderr} } @sessions;
    my @started = grep { /^\d+$/m } @outcomes;
    my @refused = grep { /ERROR:  table public.same already has an active cdccraft run/ } @outcomes;
    is(scalar(@started) . '/' . scalar(@refused), '1/1', "round $round: one start wins, the other is refused clearly");
    is($node->safe_psql('postgres',
            "SELECT count(*) FROM cdccraft_runs WHERE table_name = 'same' AND state IN ('starting', 'running')"),
        '1', "round $round: one active run");
    is($node->safe_psql('postgres', 'SELECT count(*) FROM pg_replication_slots'), '1', "round $round: one slot");
    my ($run) = $started[0] =~ /^(\d+)$/m;
    $node->safe_psql('postgres', "SELECT cdccraft_stop($run), cdccraft_cleanup($run)");
}
assert_no_worker($node, 'concurrent starts');

$node->stop;
done_testing();
