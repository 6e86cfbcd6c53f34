# A stop is recorded as a stop, whenever it comes. Runs of one-row batches
# log a progress line every 10 batches; a stop that arrives between a batch's
# commit and such a line (or any other line the worker logs) must still end
# the run 'stopped', never kill the worker before it records its outcome.
# Each run is stopped after a random number of batches (fixed seed), many
# times, so stops land at every point of the loop.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $stops = 120;
srand(120);

my $node = PostgreSQL::Test::Cluster->new('stop_timing');
$node->init(allows_streaming => 'logical');
$node->append_conf('postgresql.conf', "autovacuum = off\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

my $log_start = -s $node->logfile;
my @wrong;
for my $i (1 .. $stops) {
    my $until = 1 + int(rand(60));
    # The wait and the stop in one session, so the stop follows the wait's
    # last look at once.
    my $id = $node->safe_psql('postgres',
        "SELECT cdccraft_start(table_name => 'timing', total_records => 0, batch_size => 1, snapshot_rows => 0, "
          . "seed => $i, create_slot => false)");
    # The wait and the stop in one session, so that the stop follows the
    # wait's last look at once. A worker that died is no longer active, and
    # the stop then fails: the run's row says what happened either way.
    $node->psql('postgres',
        "CALL cdccraft_wait($id, '60s', until_batch => $until); SELECT cdccraft_stop($id, '60s')");
    my ($state, $error) = split /\|/, $node->safe_psql('postgres',
        "SELECT state, coalesce(last_error, '<null>') FROM cdccraft_runs WHERE run_id = $id"), 2;
    push @wrong, "run $id (stopped after batch $until or later): $state, $error"
      unless $state eq 'stopped' && $error eq '<null>';
    $node->safe_psql('postgres', "SELECT cdccraft_cleanup($id)");
}
is(join("\n", @wrong), '', "all $stops stopped runs are recorded as stopped, with no last_error");

my $log = slurp_file($node->logfile, $log_start);
my @exits = $log =~ /^.*exited with exit code 1.*$/mg;
is(join("\n", @exits), '', 'no worker exited with exit code 1');
# A stop's cancel is caught inside the batch it aborts, never logged.
my @errors = $log =~ /^.*(?:ERROR|FATAL):.*$/mg;
is(join("\n", @errors), '', 'no ERROR or FATAL in the server log');
assert_no_worker($node, 'after the stops');

$node->stop;
done_testing();
