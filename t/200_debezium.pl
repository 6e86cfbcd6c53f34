# Debezium's PostgreSQL connector (3.6.1.Final, in its embedded engine:
# test/debezium) on a default evolving run's slot and publication, reconciled
# with the truth (test/debezium/reconcile.py): every insert, update and delete
# an event of its operation on its key, in order, with the truth's values
# after Debezium's conversions; a tombstone after each delete; the state the
# events build equal to the expected state. The first case of issue 14; the
# others (all_types, REPLICA IDENTITY DEFAULT, restarts, snapshot.mode
# initial) are to come.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $harness = "$FindBin::RealBin/../test/debezium";
my $work = PostgreSQL::Test::Utils::tempdir;

# The engine and its dependencies, from Maven Central.
my ($out, $err);
IPC::Run::run([ 'mvn', '-q', '-B', '-f', "$harness/pom.xml", 'package', '-DskipTests' ], '>', \$out, '2>', \$err)
  or BAIL_OUT("the Debezium harness did not build: $out $err");
IPC::Run::run([ 'mvn', '-q', '-B', '-f', "$harness/pom.xml", 'dependency:build-classpath',
        "-Dmdep.outputFile=$work/classpath" ], '>', \$out, '2>', \$err)
  or BAIL_OUT("no classpath for the Debezium harness: $out $err");
my $classpath = "$harness/target/debezium-harness-0.1.0.jar:" . slurp_file("$work/classpath");

# Debezium connects over TCP.
my $node = PostgreSQL::Test::Cluster->new('debezium');
$node->init(allows_streaming => 'logical');
$node->append_conf('postgresql.conf', "listen_addresses = '127.0.0.1'");
$node->append_conf('pg_hba.conf', "host all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');
my $user = $node->safe_psql('postgres', 'SELECT current_user');

my $run = start_run($node, table_name => "'dbz'", total_records => 5000, batch_size => 100, seed => 200,
    evolution_interval => 5, evolution_probability => 0.5);
$node->safe_psql('postgres', "CALL cdccraft_wait($run)");
is(state_of($node, $run), 'completed', 'the run completes');
my $s = decode_json($node->safe_psql('postgres', "SELECT cdccraft_summary($run)"));
ok($s->{evolution}{additions} + $s->{evolution}{drops} > 2, 'the run changes its schema');

# Captured until 10 seconds pass without an event.
IPC::Run::run([ 'java', '-cp', $classpath, 'cdccraft.CaptureRun', '127.0.0.1', $node->port, 'postgres', $user,
        'dbz_slot', 'dbz_pub', "$work/offsets.dat", "$work/events.jsonl", 'no_data', '10' ],
    '>', \$out, '2>', \$err)
  or die "the capture failed: $err";
chomp $out;
is($out, $s->{inserts} + $s->{updates} + 2 * $s->{deletes},
    'Debezium emits an event per change and a tombstone per delete');

for my $export ([ 'truth', "SELECT row_to_json(c) FROM cdccraft_changes($run) c" ],
    [ 'expected', "SELECT row_to_json(e) FROM cdccraft_expected_state($run) e" ]) {
    my ($name, $query) = @$export;
    my $lines = $node->safe_psql('postgres',
        "COPY ($query) TO STDOUT WITH (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')");
    open(my $fh, '>', "$work/$name.jsonl") or die $!;
    print $fh $lines, "\n";
    close $fh;
}
IPC::Run::run([ 'python3', "$harness/reconcile.py", "$work/events.jsonl", "$work/truth.jsonl",
        "$work/expected.jsonl" ], '>', \$out, '2>', \$err);
my $v = decode_json($out);
ok($v->{ok}, 'the events reconcile with the truth') or diag explain $v;
is("$v->{checked}{insert}/$v->{checked}{update}/$v->{checked}{delete}", "$s->{inserts}/$s->{updates}/$s->{deletes}",
    'every change checked');
is($v->{repeats}, 0, 'no event repeated');
is($v->{tombstones}, $s->{deletes}, 'a tombstone after each delete');
ok($v->{final_rows} > 0, "the state the events build is the expected state ($v->{final_rows} rows)");

# The reconciler finds a lost event and a changed value.
my @events = split /\n/, slurp_file("$work/events.jsonl");
open(my $lost, '>', "$work/lost.jsonl") or die $!;
print $lost join("\n", @events[ 0 .. 99 ], @events[ 101 .. $#events ]), "\n";
close $lost;
IPC::Run::run([ 'python3', "$harness/reconcile.py", "$work/lost.jsonl", "$work/truth.jsonl",
        "$work/expected.jsonl" ], '>', \$out, '2>', \$err);
ok(!decode_json($out)->{ok}, 'an event lost is a difference');
done_testing();
