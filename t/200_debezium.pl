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
use Time::HiRes qw(sleep time);
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

# The run's truth and expected state exported as JSON lines ($tag names the
# files), then the reconciler's verdict on the captures' event files, in order.
sub reconcile {
    my ($run_id, $tag, @events) = @_;
    for my $export ([ "truth$tag", "SELECT row_to_json(c) FROM cdccraft_changes($run_id) c" ],
        [ "expected$tag", "SELECT row_to_json(e) FROM cdccraft_expected_state($run_id) e" ]) {
        my ($name, $query) = @$export;
        my $rows = $node->safe_psql('postgres',
            "COPY ($query) TO STDOUT WITH (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')");
        open(my $fh, '>', "$work/$name.jsonl") or die $!;
        print $fh $rows, "\n";
        close $fh;
    }
    my ($verdict, $error);
    IPC::Run::run([ 'python3', "$harness/reconcile.py", "$work/truth$tag.jsonl", "$work/expected$tag.jsonl", @events ],
        '>', \$verdict, '2>', \$error);
    return decode_json($verdict);
}

my $run = start_run($node, table_name => "'dbz'", total_records => 5000, batch_size => 100, seed => 200,
    evolution_interval => 5, evolution_probability => 0.5);
$node->safe_psql('postgres', "CALL cdccraft_wait($run)");
is(state_of($node, $run), 'completed', 'the run completes');
my $s = decode_json($node->safe_psql('postgres', "SELECT cdccraft_summary($run)"));
ok($s->{evolution}{additions} + $s->{evolution}{drops} > 2, 'the run changes its schema');

# Captured until 10 seconds pass without an event.
IPC::Run::run([ 'java', '-Dcdccraft.tables=public.dbz', '-cp', $classpath, 'cdccraft.CaptureRun', '127.0.0.1',
        $node->port, 'postgres', $user, 'dbz_slot', 'dbz_pub', "$work/offsets.dat", "$work/events.jsonl", 'no_data', '10' ],
    '>', \$out, '2>', \$err)
  or die "the capture failed: $err";
chomp $out;
is($out, $s->{inserts} + $s->{updates} + 2 * $s->{deletes},
    'Debezium emits an event per change and a tombstone per delete');

my $v = reconcile($run, '', "$work/events.jsonl");
ok($v->{ok}, 'the events reconcile with the truth') or diag explain $v;
is("$v->{checked}{insert}/$v->{checked}{update}/$v->{checked}{delete}", "$s->{inserts}/$s->{updates}/$s->{deletes}",
    'every change checked');
is($v->{repeats}, 0, 'no event repeated');
is($v->{tombstones}, $s->{deletes}, 'a tombstone after each delete');
ok($v->{final_rows} > 0, "the state the events build is the expected state ($v->{final_rows} rows)");

# Two writers, and the consumer restarted twice while the run writes, on
# the same offsets: stopped cleanly after 1,500 events, then killed
# (SIGKILL, offsets flushed at most a second before) after 1,500 more, then
# run until the stream is idle. Nothing is lost; what the kill makes the
# engine send again is counted as repeats.
my $two = start_run($node, table_name => "'dbzw'", total_records => 8000, batch_size => 100, seed => 201,
    writers => 2, evolve => 'false', update_kinds => "'{column,columns,same_value}'", changes_per_second => 800);
my @capture = ('java', '-Dcdccraft.tables=public.dbzw', '-cp', $classpath, 'cdccraft.CaptureRun', '127.0.0.1', $node->port, 'postgres', $user,
    'dbzw_slot', 'dbzw_pub', "$work/offsets2.dat");
IPC::Run::run([ @capture, "$work/events2a.jsonl", 'no_data', '10', '1500' ], '>', \$out, '2>', \$err)
  or die "the first capture failed: $err";
my $first = $out + 0;
is(state_of($node, $two), 'running', "the first capture stopped while the run wrote ($first events)");
my $killed = IPC::Run::start([ @capture, "$work/events2b.jsonl", 'no_data', '10' ], '>', \$out, '2>', \$err);
my $lines = sub { -e "$work/events2b.jsonl" ? scalar(my @l = split /\n/, slurp_file("$work/events2b.jsonl")) : 0 };
my $deadline = time + 120;
sleep 0.2 while $lines->() < 1500 && time < $deadline;
is(state_of($node, $two), 'running', 'the second was killed while the run wrote');
$killed->signal('KILL');
$killed->finish;
IPC::Run::run([ @capture, "$work/events2c.jsonl", 'no_data', '10' ], '>', \$out, '2>', \$err)
  or die "the last capture failed: $err";
$node->safe_psql('postgres', "CALL cdccraft_wait($two)");
is(state_of($node, $two), 'completed', 'the run of two writers completes');
my $s2 = decode_json($node->safe_psql('postgres', "SELECT cdccraft_summary($two)"));
my $v2 = reconcile($two, '2', map { "$work/events2$_.jsonl" } qw(a b c));
ok($v2->{ok}, "across two restarts nothing is lost ($v2->{repeats} events sent again, counted)") or diag explain $v2;
is("$v2->{checked}{insert}/$v2->{checked}{update}/$v2->{checked}{delete}",
    "$s2->{inserts}/$s2->{updates}/$s2->{deletes}", 'every change of the two writers checked');

# snapshot.mode initial, started while the run writes: the connector reads
# the table (a slot made before it means no exported snapshot to read it
# in), then streams from where its snapshot stood. The state the reads and
# the changes after them build is the expected state: no key lost or
# doubled at the hand-off.
my $late = start_run($node, table_name => "'dbzi'", total_records => 6000, batch_size => 100, seed => 202,
    evolve => 'false', changes_per_second => 1000);
wait_for_batches($node, $late, 10);
# Without an include list the snapshot would read every table the role may
# read: cdccraft's catalog too.
IPC::Run::run([ 'java', '-Dcdccraft.tables=public.dbzi', '-cp', $classpath, 'cdccraft.CaptureRun', '127.0.0.1',
        $node->port, 'postgres', $user, 'dbzi_slot', 'dbzi_pub', "$work/offsets3.dat", "$work/events3.jsonl", 'initial', '10' ],
    '>', \$out, '2>', \$err)
  or die "the capture failed: $err";
$node->safe_psql('postgres', "CALL cdccraft_wait($late)");
my $s3 = decode_json($node->safe_psql('postgres', "SELECT cdccraft_summary($late)"));
my $v3 = reconcile($late, '3', "$work/events3.jsonl");
ok($v3->{reads} > $s3->{snapshot_rows}, "the initial snapshot read the table mid-run ($v3->{reads} rows)");
ok($v3->{ok}, 'after it, the changes reconcile and the state is the expected state') or diag explain $v3;
ok($v3->{checked}{insert} > 0 && $v3->{checked}{insert} < $s3->{inserts},
    "the stream began where the snapshot stood: $v3->{checked}{insert} of $s3->{inserts} inserts came as changes, "
      . 'each checked');

# The reconciler finds a lost event and a changed value.
my @events = split /\n/, slurp_file("$work/events.jsonl");
open(my $lost, '>', "$work/lost.jsonl") or die $!;
print $lost join("\n", @events[ 0 .. 99 ], @events[ 101 .. $#events ]), "\n";
close $lost;
IPC::Run::run([ 'python3', "$harness/reconcile.py", "$work/truth.jsonl", "$work/expected.jsonl",
        "$work/lost.jsonl" ], '>', \$out, '2>', \$err);
ok(!decode_json($out)->{ok}, 'an event lost is a difference');
done_testing();
