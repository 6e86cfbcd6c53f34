# The original tool's example pipeline (examples/debezium-kafka/run.sh): Debezium's PostgreSQL
# connector (3.6.1.Final) in Kafka Connect (4.3.0, standalone) with the ExtractNewRecordState unwrap,
# into one Kafka broker in KRaft mode; the topic read back, turned into change events
# (topic_to_events.py) and reconciled with the run's truth by test/debezium/reconcile.py. On a default
# evolving run (deletes rewritten, no tombstones) and on a run of two writers whose transactions
# interleave (deletes rewritten, tombstones kept): every change checked, none repeated, the state the
# records build the expected state; nothing left behind. A TRUNCATE, which the unwrap drops, found
# missing. Then the reconciliation of the topic fails on a record lost, on a value changed, and on a
# value changed in the old row a rewritten delete carries.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use CdccraftTest;

my $example = "$FindBin::RealBin/../examples/debezium-kafka";
my $reconciler = "$FindBin::RealBin/../test/debezium/reconcile.py";
my $work = PostgreSQL::Test::Utils::tempdir;

my $node = tcp_node('kafka');
my $user = $node->safe_psql('postgres', 'SELECT current_user');

# run.sh on $table with %settings (its environment); returns its exit status, the verdict, the
# run's summary and the pipeline's directory (kept: WORK_DIR).
sub pipeline {
    my ($table, %settings) = @_;
    my $dir = "$work/$table";
    my ($out, $err);
    my $started = time;
    my $ok;
    {
        local %ENV = (%ENV, PGHOST => '127.0.0.1', PGPORT => $node->port, PGDATABASE => 'postgres',
            PGUSER => $user, RUN_TABLE => $table, WORK_DIR => $dir, IDLE_SECONDS => 3, %settings);
        $ok = IPC::Run::run([ 'bash', "$example/run.sh" ], '<', \undef, '>', \$out, '2>', \$err,
            IPC::Run::timeout(900));
    }
    note sprintf("run.sh on %s: %.1f s\n%s", $table, time - $started, $err);
    my ($line) = grep { /^\{/ } split /\n/, $out // '';
    note 'verdict: ' . ($line // 'none');
    my $verdict = defined $line ? decode_json($line) : {};
    my $run = $node->safe_psql('postgres', "SELECT max(run_id) FROM cdccraft_runs WHERE table_name = '$table'");
    my $summary = $run eq '' ? {} : decode_json($node->safe_psql('postgres', "SELECT cdccraft_summary($run)"));
    return ($ok, $verdict, $summary, $dir, $err);
}

sub lines_of { my @l = grep { length } split /\n/, slurp_file($_[0]); return @l }

sub nothing_left_running {
    my ($dir, $what) = @_;
    my @left = grep { index($_, $dir) >= 0 } split /\n/, `ps -eo pid=,args=`;
    is(scalar(@left), 0, "$what: no broker or Connect process left") or diag join("\n", @left);
}

my $started = time;

# A default evolving run, its schema changed often; the unwrap's deletes rewritten (no tombstones).
my ($ok, $v, $s, $dir, $err) = pipeline('kafka_evolving', RUN_RECORDS => 5000, RUN_BATCH => 100, RUN_SEED => 201,
    RUN_ARGS => 'evolution_interval => 5, evolution_probability => 0.5');
ok($ok, 'run.sh exits 0') or diag $err;
is($s->{state}, 'completed', 'the run completes');
ok($s->{evolution}{additions} + $s->{evolution}{drops} > 2, 'the run changes its schema');
is(scalar(lines_of("$dir/topic.jsonl")), $s->{inserts} + $s->{updates} + $s->{deletes},
    'the topic holds a record per change, no tombstone');
ok($v->{ok}, 'the topic reconciles with the truth') or diag explain $v;
is("$v->{checked}{insert}/$v->{checked}{update}/$v->{checked}{delete}", "$s->{inserts}/$s->{updates}/$s->{deletes}",
    'every change checked');
is($v->{repeats}, 0, 'no record repeated');
is($v->{tombstones}, 0, 'delete.tombstone.handling.mode=rewrite drops the tombstones');
ok($v->{final_rows} > 0, "the state the records build is the expected state ($v->{final_rows} rows)");
assert_nothing_left($node, 'kafka_evolving', 'after run.sh');
nothing_left_running($dir, 'after run.sh');

# Two writers, their transactions interleaved and committed out of begin order, paced so that the
# connector streams while they write; tombstones kept.
my ($ok2, $v2, $s2, $dir2, $err2) = pipeline('kafka_writers', RUN_RECORDS => 4000, RUN_BATCH => 100, RUN_SEED => 202,
    RUN_ARGS => "writers => 2, evolve => false, update_kinds => '{column,columns,same_value}', changes_per_second => 1000",
    DELETE_MODE => 'rewrite-with-tombstone');
ok($ok2, 'run.sh exits 0 on the run of two writers') or diag $err2;
ok($v2->{ok}, 'the two writers\' topic reconciles with the truth') or diag explain $v2;
is("$v2->{checked}{insert}/$v2->{checked}{update}/$v2->{checked}{delete}",
    "$s2->{inserts}/$s2->{updates}/$s2->{deletes}", 'every change of the two writers checked');
is($v2->{repeats}, 0, 'no record of theirs repeated');
is($v2->{tombstones}, $s2->{deletes}, 'rewrite-with-tombstone keeps a tombstone after each delete');
nothing_left_running($dir2, 'after the second run.sh');

# A TRUNCATE (skipped.operations=none: the connector sends it) never reaches the topic: Debezium
# 3.6.1's ExtractNewRecordState drops every truncate event, whatever it is configured with. The
# reconciler says so, and a sink fed from the topic keeps the rows the TRUNCATE removed.
my ($ok3, $v3, $s3, $dir3, $err3) = pipeline('kafka_truncate', RUN_RECORDS => 1500, RUN_BATCH => 100, RUN_SEED => 203,
    RUN_ARGS => "evolution_ops => '{truncate}', evolution_interval => 10, evolution_probability => 1");
is($s3->{evolution}{truncates}, 1, 'the run truncates its table once');
ok(!$ok3 && !$v3->{ok}, 'run.sh exits non-zero: the topic lacks the truncate');
is("$v3->{checked}{insert}/$v3->{checked}{update}/$v3->{checked}{delete}/" . ($v3->{checked}{truncate} // 0),
    "$s3->{inserts}/$s3->{updates}/$s3->{deletes}/0", 'every other change checked, the truncate not');
my %kinds = map { $_->{what} => 1 } @{ $v3->{first_differences} // [] };
is(join(', ', sort keys %kinds), 'a truncate no event carries, final state: an extra row',
    'the differences: the truncate missing, and the rows it removed still in the state') or diag explain $v3;
nothing_left_running($dir3, 'after the third run.sh');

# The reconciliation of the pipeline's topic finds a record lost and a value changed.
my @records = lines_of("$dir/topic.jsonl");
sub verdict_on {
    my ($name, @topic) = @_;
    open(my $fh, '>', "$work/$name.jsonl") or die $!;
    print $fh join("\n", @topic), "\n";
    close $fh;
    my ($events, $verdict, $error);
    IPC::Run::run([ 'python3', "$example/topic_to_events.py", "$work/$name.jsonl" ], '>', \$events, '2>', \$error)
      or die "topic_to_events.py: $error";
    open($fh, '>', "$work/$name.events.jsonl") or die $!;
    print $fh $events;
    close $fh;
    IPC::Run::run([ 'python3', $reconciler, "$dir/summary.json", "$dir/truth.jsonl", "$dir/expected.jsonl",
            "$work/$name.events.jsonl" ], '>', \$verdict, '2>', \$error);
    return decode_json($verdict);
}
ok(verdict_on('same', @records)->{ok}, 'the topic as read reconciles again');
ok(!verdict_on('lost', @records[ 0 .. 99 ], @records[ 101 .. $#records ])->{ok}, 'a record lost is a difference');
my @changed = @records;
my ($at) = grep { $changed[$_] =~ /"__op":"c"/ && $changed[$_] =~ /"quantity":\d+/ } 100 .. $#changed;
$changed[$at] =~ s/"quantity":(\d+)/'"quantity":' . ($1 + 1)/e;
ok(!verdict_on('changed', @changed)->{ok}, 'a value changed is a difference');
# A rewritten delete carries the old row, which the reconciler holds against the truth's (REPLICA
# IDENTITY FULL).
my @old_row = @records;
($at) = grep { $old_row[$_] =~ /"__op":"d"/ && $old_row[$_] =~ /"quantity":\d+/ } 100 .. $#old_row;
$old_row[$at] =~ s/"quantity":(\d+)/'"quantity":' . ($1 + 1)/e;
ok(!verdict_on('old_row', @old_row)->{ok}, "a value changed in a delete's old row is a difference");

note sprintf('t/201 wall time: %.1f s', time - $started);
done_testing();
