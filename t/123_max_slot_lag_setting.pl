# cdccraft.max_slot_lag refuses, when it is set, a bound below one WAL
# segment (which could keep a paused run from ever resuming), so that no start
# fails later on a parameter its caller never passed; 0 still means no bound.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('max_slot_lag_setting');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');
my $segment = $node->safe_psql('postgres', "SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'");

my ($rc, $out, $err) = $node->psql('postgres', "LOAD 'cdccraft'; SET cdccraft.max_slot_lag = '1MB'");
like($err, qr/ERROR:  invalid value for parameter "cdccraft.max_slot_lag": 1024/, 'a bound below a segment is refused');
like($err, qr/DETAIL:  A bound below one WAL segment \($segment bytes\) could keep a paused run from ever resuming\./,
    'with the reason');
my $segment_mb = $segment / (1024 * 1024);
like($err, qr/HINT:  Set 0 for no bound, or at least ${segment_mb}MB\./, 'and a hint');

($rc, $out, $err) = $node->psql('postgres',
    "LOAD 'cdccraft'; SET cdccraft.max_slot_lag = 1; SELECT cdccraft_start(table_name => 'tiny', total_records => 10)");
like($err, qr/ERROR:  invalid value for parameter "cdccraft.max_slot_lag": 1\n/, 'one kB is refused too');
unlike($err, qr/must be at least one WAL segment/, 'no start fails on max_slot_lag');
is($node->safe_psql('postgres', "SELECT count(*) FROM cdccraft_runs"), '0', 'and no run was started');

# Set before the library is loaded, the value is refused when it loads.
($rc, $out, $err) = $node->psql('postgres',
    "SET cdccraft.max_slot_lag = '1MB'; SELECT cdccraft_start(table_name => 'early', total_records => 10) IS NOT NULL");
like($err, qr/WARNING:  invalid value for parameter "cdccraft.max_slot_lag": 1024/,
    'a bound set before the library loads is refused with a warning');
is($out, 't', 'and the start goes on without the bound');
is($node->safe_psql('postgres', "SELECT parameters->>'max_slot_lag' FROM cdccraft_runs WHERE table_name = 'early'"),
    '0', 'the run has no bound');

# 0 and one segment are accepted; the setting is the run's bound.
$node->safe_psql('postgres', "LOAD 'cdccraft'; SET cdccraft.max_slot_lag = 0");
my $run = $node->safe_psql('postgres',
    "SET cdccraft.max_slot_lag = '${segment}B'; SELECT cdccraft_start(table_name => 'bounded', total_records => 10)");
is($node->safe_psql('postgres', "SELECT cdccraft_summary($run)->'parameters'->>'max_slot_lag'"),
    $segment, 'one segment is accepted, and bounds the run');

$node->safe_psql('postgres', "CALL cdccraft_wait($run)");
$node->stop;
done_testing();
