# No free background worker slot: cdccraft_start fails with a clear error and
# a hint, and nothing is created or recorded.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $small = PostgreSQL::Test::Cluster->new('no_worker_slots');
$small->init(allows_streaming => 'logical');
$small->append_conf('postgresql.conf',
    "max_worker_processes = 1\nmax_logical_replication_workers = 0\nmax_parallel_workers_per_gather = 0\n");
$small->start;
$small->safe_psql('postgres', 'CREATE EXTENSION cdccraft');
my $first = start_run($small, table_name => "'first'", total_records => 0, seed => 6, changes_per_second => 1000);
my ($rc, $out, $err) = $small->psql('postgres', "SELECT cdccraft_start(table_name => 'second')");
like($err, qr/ERROR:  could not start a cdccraft worker: no background worker slot is free/,
    'no worker slot: a clear error');
like($err, qr/HINT:  Raise max_worker_processes \(now 1\)/, 'no worker slot: with a hint');
is( $small->safe_psql(
        'postgres', q{
        SELECT (SELECT count(*) FROM pg_class WHERE relname = 'second') || '/' ||
               (SELECT count(*) FROM pg_publication WHERE pubname = 'second_pub') || '/' ||
               (SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'second_slot') || '/' ||
               (SELECT count(*) FROM cdccraft_runs WHERE table_name = 'second')}),
    '0/0/0/0', 'no worker slot: nothing was created or recorded');
$small->safe_psql('postgres', "SELECT cdccraft_stop($first)");
$small->stop;

done_testing();
