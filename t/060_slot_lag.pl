# max_slot_lag: a run whose slot falls further behind than the bound pauses
# (state 'paused', visible), resumes when the consumer catches up, and every
# change is still accounted for.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('slot_lag');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

my $bound = 32 * 1024 * 1024;
my ($rc, $out, $err);
my $run = start_run($node, total_records => 0, seed => 7, max_slot_lag => $bound);
$node->poll_query_until('postgres', "SELECT state = 'paused' FROM cdccraft_runs WHERE run_id = $run")
  or die 'the run never paused';
my ($paused_batches, $lag) = split /\|/,
  $node->safe_psql('postgres', "SELECT batches, slot_lag_bytes FROM cdccraft_runs WHERE run_id = $run");
cmp_ok($lag, '>', $bound, 'the run paused once its slot was further behind than max_slot_lag');
cmp_ok($lag, '<', $bound + 1024 * 1024, 'generation stopped within a batch of the bound');
is($node->safe_psql('postgres', "SELECT cdccraft_summary($run)->>'state'"), 'paused', 'the summary says paused');

# The consumer catches up: the run resumes on its own.
my %consumed = (I => 0, U => 0, D => 0);
sub consume {
    for my $row (split /\n/, $node->safe_psql('postgres', q{
        SELECT kind || ' ' || count(*)
          FROM (SELECT chr(get_byte(data, 0)) AS kind
                  FROM pg_logical_slot_get_binary_changes('sales_slot', NULL, NULL, 'proto_version', '1',
                                                          'publication_names', 'sales_pub')) m
         GROUP BY kind}))
    {
        my ($kind, $n) = split / /, $row;
        $consumed{$kind} += $n if exists $consumed{$kind};
    }
}
consume();
$node->poll_query_until('postgres',
    "SELECT state IN ('running', 'paused') AND batches > $paused_batches FROM cdccraft_runs WHERE run_id = $run")
  or die 'the run never resumed';
pass('the run resumed after the consumer caught up');

# Stopped, every change is in what was consumed plus what the slot still holds.
is($node->safe_psql('postgres', "SELECT cdccraft_stop($run)->>'state'"), 'stopped', 'the run stops');
consume();
is("$consumed{I}/$consumed{U}/$consumed{D}",
    $node->safe_psql('postgres', "SELECT inserts || '/' || updates || '/' || deletes FROM cdccraft_runs WHERE run_id = $run"),
    'the consumer received exactly the counted inserts, updates and deletes');
is($node->safe_psql('postgres',
        "SELECT (SELECT count(*) FROM sales) = snapshot_rows + inserts - deletes FROM cdccraft_runs WHERE run_id = $run"),
    't', 'count(*) = snapshot_rows + inserts - deletes');

# A bound below one WAL segment could never let the run resume.
($rc, $out, $err) = $node->psql('postgres', "SELECT cdccraft_start(table_name => 'tiny', max_slot_lag => 1)");
like($err, qr/ERROR:  max_slot_lag must be at least one WAL segment/, 'max_slot_lag below a segment is refused');

# max_slot_lag needs the run's own slot.
($rc, $out, $err) = $node->psql('postgres',
    "SELECT cdccraft_start(table_name => 'no_slot', create_slot => false, max_slot_lag => 64 * 1024 * 1024)");
like($err, qr/ERROR:  max_slot_lag needs the run's own slot/, 'max_slot_lag without a slot is refused');

$node->stop;
done_testing();
