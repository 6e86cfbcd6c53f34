# Debezium's PostgreSQL connector (3.6.1.Final, in its embedded engine:
# test/debezium) on cdccraft runs' slots and publications, every event
# reconciled with the truth (test/debezium/reconcile.py): a default evolving
# run; all_types with NULLs; REPLICA IDENTITY DEFAULT with the out-of-line
# value and key updates; every schema operation; rollbacks, savepoints, a huge
# transaction and messages, the engine restarted right after a transaction's
# last message; two writers with the engine stopped and killed mid-run; a
# stop among rows that share one WAL position (COPY), and its twin through
# INSERT; snapshot.mode initial started while a run writes. What Debezium does that it
# does not document is counted by name: each such case asserts it reproduced.
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

my $node = tcp_node('debezium');
my $user = $node->safe_psql('postgres', 'SELECT current_user');

# The run's summary, truth and expected state exported as JSON lines ($tag
# names the files), then the reconciler's verdict on the captures' event
# files, in order.
sub reconcile {
    my ($run_id, $tag, @events) = @_;
    for my $export ([ "summary$tag", "SELECT cdccraft_summary($run_id)" ],
        [ "truth$tag", "SELECT row_to_json(c) FROM cdccraft_changes($run_id) c" ],
        [ "expected$tag", "SELECT row_to_json(e) FROM cdccraft_expected_state($run_id) e" ]) {
        my ($name, $query) = @$export;
        my $rows = $node->safe_psql('postgres',
            "COPY ($query) TO STDOUT WITH (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')");
        open(my $fh, '>', "$work/$name.jsonl") or die $!;
        print $fh $rows, "\n";
        close $fh;
    }
    return verdict_of("$work/summary$tag.jsonl", "$work/truth$tag.jsonl", "$work/expected$tag.jsonl", @events);
}

sub verdict_of {
    my ($verdict, $error);
    IPC::Run::run([ 'python3', "$harness/reconcile.py", @_ ], '>', \$verdict, '2>', \$error);
    return decode_json($verdict);
}

# CaptureRun on a run's slot and publication (named after its table) until
# the stream has been idle for 10 seconds, or the limit; capture returns the
# count of events. Each run has one consumer, its offsets in one file: a
# capture after another resumes from where that one stopped.
sub capture_command {
    my ($table, $tag, %o) = @_;
    return ('java', "-Dcdccraft.tables=public.$table", @{ $o{java} // [] }, '-cp', $classpath, 'cdccraft.CaptureRun',
        '127.0.0.1', $node->port, 'postgres', $user, "${table}_slot", "${table}_pub", "$work/offsets-$table.dat",
        "$work/events$tag.jsonl", $o{snapshot} // 'no_data', '10', defined $o{max} ? ($o{max}) : ());
}

sub capture {
    my ($count, $error);
    IPC::Run::run([ capture_command(@_) ], '>', \$count, '2>', \$error) or die "the capture of $_[0] failed: $error";
    chomp $count;
    return $count;
}

sub events_of { map { decode_json($_) } split /\n/, slurp_file($_[0]) }

sub summary_of { decode_json($node->safe_psql('postgres', "SELECT cdccraft_summary($_[0])")) }

sub checked_all {
    my ($v, $s, $what) = @_;
    is("$v->{checked}{insert}/$v->{checked}{update}/$v->{checked}{delete}", "$s->{inserts}/$s->{updates}/$s->{deletes}",
        "$what: every change checked ($s->{inserts} inserts, $s->{updates} updates, $s->{deletes} deletes)");
}

# A copy of an event file with one event's value changed by $edit.
sub tampered {
    my ($from, $to, $edit) = @_;
    my @events = split /\n/, slurp_file($from);
    my $done = 0;
    for my $line (@events) {
        next if $done;
        my $e = decode_json($line);
        next unless $e->{value} && $edit->($e->{value});
        $line = encode_json($e);
        $done = 1;
    }
    open(my $fh, '>', $to) or die $!;
    print $fh join("\n", @events), "\n";
    close $fh;
    return $done;
}

my $run = start_run($node, table_name => "'dbz'", total_records => 5000, batch_size => 100, seed => 200,
    evolution_interval => 5, evolution_probability => 0.5);
$node->safe_psql('postgres', "CALL cdccraft_wait($run)");
is(state_of($node, $run), 'completed', 'the run completes');
my $s = summary_of($run);
ok($s->{evolution}{additions} + $s->{evolution}{drops} > 2, 'the run changes its schema');
is(capture('dbz', ''), $s->{inserts} + $s->{updates} + 2 * $s->{deletes},
    'Debezium emits an event per change and a tombstone per delete');
my $v = reconcile($run, '', "$work/events.jsonl");
ok($v->{ok}, 'the events reconcile with the truth') or diag explain $v;
checked_all($v, $s, 'the default run');
is($v->{repeats}, 0, 'no event repeated');
is($v->{tombstones}, $s->{deletes}, 'a tombstone after each delete');
ok($v->{final_rows} > 0, "the state the events build is the expected state ($v->{final_rows} rows)");

# all_types with NULLs, under REPLICA IDENTITY FULL (every old row whole, and
# compared): every value after Debezium's conversion for its type, and what
# Debezium does that it does not document counted by name.
my $types = start_run($node, table_name => "'dbzt'", column_profile => "'all_types'", null_fraction => 0.2,
    total_records => 2000, batch_size => 100, seed => 203, evolve => 'false');
$node->safe_psql('postgres', "CALL cdccraft_wait($types)");
capture('dbzt', 't');
my $st = summary_of($types);
my $vt = reconcile($types, 't', "$work/eventst.jsonl");
ok($vt->{ok}, 'all_types: every value is the truth\'s after Debezium\'s conversion') or diag explain $vt;
checked_all($vt, $st, 'all_types');
for my $deviation ("date 'infinity' as day -2147472692, before '-infinity' (dbz#2524)",
    "date '-infinity' as day -2147472691 (dbz#2524)", 'interval[] left out of the events (no converter for _interval)') {
    ok(($vt->{known_deviations}{$deviation} // 0) > 0, "reproduced: $deviation ($vt->{known_deviations}{$deviation})");
}
ok(tampered("$work/eventst.jsonl", "$work/tamperedt.jsonl",
        sub { my $e = shift; $e->{op} eq 'c' && defined $e->{after}{t_time} && ($e->{after}{t_time} += 1) }),
    'one time value moved by a microsecond');
ok(!verdict_of(map("$work/$_", qw(summaryt.jsonl trutht.jsonl expectedt.jsonl tamperedt.jsonl)))->{ok},
    'a value off by a microsecond is a difference');

# REPLICA IDENTITY DEFAULT with the out-of-line value (t_document), and every
# update kind: Debezium's placeholder exactly where an update left the value
# in TOAST (not set, or set to itself), a key update as a delete and a
# create that carries the placeholder too.
my $rid = start_run($node, table_name => "'dbzr'", column_profile => "'all_types'", replica_identity => "'default'",
    update_kinds => "'{column,columns,same_value,key}'", null_fraction => 0.1, total_records => 2000, batch_size => 100,
    seed => 204, evolve => 'false');
$node->safe_psql('postgres', "CALL cdccraft_wait($rid)");
capture('dbzr', 'r');
my $sr = summary_of($rid);
my $vr = reconcile($rid, 'r', "$work/eventsr.jsonl");
ok($vr->{ok}, "REPLICA IDENTITY DEFAULT: the placeholder exactly where the truth says ($vr->{placeholders} times)")
  or diag explain $vr;
ok($vr->{placeholders} > 0 && $vr->{checked}{key_move} > 0,
    "placeholders and key moves seen ($vr->{checked}{key_move} key updates as a delete and a create)");
checked_all($vr, $sr, 'REPLICA IDENTITY DEFAULT');
ok(tampered("$work/eventsr.jsonl", "$work/tamperedr.jsonl",
        sub { my $e = shift; $e->{op} eq 'u' && ($e->{after}{t_document} // '') eq '__debezium_unavailable_value'
              && ($e->{after}{t_document} = 'the sink got something else') }),
    'one placeholder replaced');
ok(!verdict_of(map("$work/$_", qw(summaryr.jsonl truthr.jsonl expectedr.jsonl tamperedr.jsonl)))->{ok},
    'a value where the placeholder belongs is a difference');

# Every schema operation (seed 21 draws all sixteen), on all_types.
my $ops = start_run($node, table_name => "'dbzo'", column_profile => "'all_types'", null_fraction => 0,
    total_records => 3000, batch_size => 30, seed => 21, evolution_interval => 2, evolution_probability => 1,
    add_probability => 0.35, max_additions => 8,
    evolution_ops => "'{add,add_default,add_not_null,add_volatile_default,add_case_variant,add_quoted_name,drop,rename,"
      . "widen,set_not_null,drop_not_null,set_default,drop_default,replica_identity,truncate,enum_value}'");
$node->safe_psql('postgres', "CALL cdccraft_wait($ops)");
capture('dbzo', 'o');
my $so = summary_of($ops);
my %operations = map { $_->{operation} => 1 } @{ $so->{schema_changes} };
is(scalar(keys %operations), 16, 'the run makes every schema operation: ' . join(' ', sort keys %operations));
my $vo = reconcile($ops, 'o', "$work/eventso.jsonl");
ok($vo->{ok}, 'every schema operation: the events reconcile, each under the columns in force at its batch')
  or diag explain $vo;
checked_all($vo, $so, 'every schema operation');
ok($vo->{checked}{truncate} > 0, "each TRUNCATE a truncate event ($vo->{checked}{truncate})");
my $unquoted = 'a column named with its double quotes ("note") arrives without them (dbz#1235)';
ok(($vo->{known_deviations}{$unquoted} // 0) > 0, "reproduced: $unquoted ($vo->{known_deviations}{$unquoted} events)");

# An enum's new labels (ALTER TYPE ... ADD VALUE) while the connector
# streams, each event written with its schema: Debezium declares an enum
# column with its allowed labels, and keeps declaring the old ones after a
# label is added (dbz#304): nothing on the wire tells of the new label.
my $enum = start_run($node, table_name => "'dbze'", column_profile => "'all_types'", total_records => 2000,
    batch_size => 50, seed => 208, evolution_interval => 8, evolution_probability => 1, evolution_ops => "'{enum_value}'",
    changes_per_second => 100);
capture('dbze', 'e', java => ['-Dcdccraft.schemas=true']);
$node->safe_psql('postgres', "CALL cdccraft_wait($enum)");
my ($stale, $labelled) = (0, 0);
for my $e (events_of("$work/eventse.jsonl")) {
    my $value = $e->{value} // next;
    next unless $value->{payload}{after} && defined $value->{payload}{after}{t_enum};
    my ($after) = grep { $_->{field} eq 'after' } @{ $value->{schema}{fields} };
    my ($field) = grep { $_->{field} eq 't_enum' } @{ $after->{fields} };
    my %allowed = map { $_ => 1 } split /,/, $field->{parameters}{allowed};
    $labelled++;
    $stale++ unless $allowed{ $value->{payload}{after}{t_enum} };
}
my $labels = () = grep { $_->{operation} eq 'enum_value' } @{ summary_of($enum)->{schema_changes} };
ok($labels > 1 && $stale > 0,
    "reproduced (dbz#304): of $labelled values, $stale are labels the schema's allowed list lacks ($labels labels added)");

# NULLs in columns that gain a DEFAULT, one run captured as CaptureRun does
# (replace.null.with.default=false), its twin (the same seed plans the same
# run) with the JSON converter's default: a NULL then arrives as the
# DEFAULT, the catalog's when Debezium read it, even for changes made before
# that DEFAULT was set.
my %nulls = (null_fraction => 0.3, total_records => 2000, batch_size => 100, seed => 207, evolution_interval => 2,
    evolution_probability => 1, evolution_ops => "'{set_default}'");
my $kept = start_run($node, table_name => "'dbzk'", %nulls);
my $replaced = start_run($node, table_name => "'dbzn'", %nulls);
$node->safe_psql('postgres', "CALL cdccraft_wait($_)") for $kept, $replaced;
capture('dbzk', 'k');
capture('dbzn', 'n', java => ['-Dcdccraft.replace_null_with_default=true']);
my $vk = reconcile($kept, 'k', "$work/eventsk.jsonl");
ok($vk->{ok}, 'NULLs in columns with a DEFAULT arrive as NULLs with replace.null.with.default=false') or diag explain $vk;
my $vn = reconcile($replaced, 'n', "$work/eventsn.jsonl");
my @not_null = grep { my $d = $_; grep { defined $d->{actual}{$_}[0] } keys %{ $d->{actual} } } @{ $vn->{first_differences} };
ok(!$vn->{ok} && @not_null == 0,
    "reproduced: with replace.null.with.default=true, NULLs arrive as the DEFAULT ($vn->{differences} events)")
  or diag explain $vn;

# Rollbacks, savepoints, a huge transaction, both kinds of messages; the
# engine stopped right after the third transactional message, the last event
# of its transaction, while the run writes, and started again on its offsets.
my $tx = start_run($node, table_name => "'dbzx'", total_records => 3000, batch_size => 100, seed => 206,
    evolve => 'false', rollback_fraction => 0.2, savepoint_fraction => 0.5, huge_every => 7, huge_rows => 1500,
    emit_messages => 'true', nontransactional_messages => 'true', changes_per_second => 150);
capture('dbzx', 'xa', java => ['-Dcdccraft.stop_after_messages=3']);
my @before = events_of("$work/eventsxa.jsonl");
my $last = $before[-1]{value};
ok($last->{op} eq 'm' && defined $last->{source}{txId}, 'the first capture stopped right after a transactional message');
capture('dbzx', 'xb');
$node->safe_psql('postgres', "CALL cdccraft_wait($tx)");
my $sx = summary_of($tx);
my $vx = reconcile($tx, 'x', "$work/eventsxa.jsonl", "$work/eventsxb.jsonl");
ok($vx->{ok}, 'rollbacks, savepoints, messages: the events reconcile') or diag explain $vx;
checked_all($vx, $sx, 'rollbacks and savepoints');
ok($sx->{rolled_back}{batches} > 0 && $sx->{rolled_back}{savepoints} > 0, 'batches and savepoints rolled back');
is($vx->{rolled_back_messages}, $sx->{rolled_back}{batches},
    'a non-transactional message of each rolled-back batch, and no other change of it');
is($vx->{checked}{message}, 2 * ($sx->{batches} - $sx->{rolled_back}{batches}), 'every message of the truth checked');
ok($node->safe_psql('postgres', "SELECT max(n) FROM (SELECT count(*) n FROM cdccraft_changes($tx) WHERE batch > 0 GROUP BY batch) b")
      >= 1500, 'a huge transaction committed');
# Debezium resumes after the message's LSN, or now and then sends that
# transaction's last event again (dbz#2004's kind): never more.
ok($vx->{repeats} == 0 || ($vx->{repeats} == 1 && "@{ $vx->{repeated_transactions} }" eq $last->{source}{txId}),
    "after a restart right after a transaction's last message, at most that event comes again "
      . "($vx->{repeats} this time)");

# Two writers, and the consumer restarted twice while the run writes, on
# the same offsets: stopped cleanly after 1,500 events, then killed
# (SIGKILL, offsets flushed at most a second before) after 1,500 more, then
# run until the stream is idle. Nothing is lost; what the kill makes the
# engine send again is counted as repeats. Through INSERT, each row its own
# WAL position: a stop among rows that share one loses the rest of them
# (dbz#1554, the case after this).
my $two = start_run($node, table_name => "'dbzw'", total_records => 8000, batch_size => 100, seed => 201,
    writers => 2, evolve => 'false', update_kinds => "'{column,columns,same_value}'", changes_per_second => 800,
    insert_method => "'insert'");
my $first = capture('dbzw', '2a', max => 1500);
is(state_of($node, $two), 'running', "the first capture stopped while the run wrote ($first events)");
my $killed = IPC::Run::start([ capture_command('dbzw', '2b') ], '>', \$out, '2>', \$err);
my $lines = sub { -e "$work/events2b.jsonl" ? scalar(my @l = split /\n/, slurp_file("$work/events2b.jsonl")) : 0 };
my $deadline = time + 120;
sleep 0.2 while $lines->() < 1500 && time < $deadline;
is(state_of($node, $two), 'running', 'the second was killed while the run wrote');
$killed->signal('KILL');
$killed->finish;
capture('dbzw', '2c');
$node->safe_psql('postgres', "CALL cdccraft_wait($two)");
is(state_of($node, $two), 'completed', 'the run of two writers completes');
my $s2 = summary_of($two);
my $v2 = reconcile($two, '2', map { "$work/events2$_.jsonl" } qw(a b c));
ok($v2->{ok}, "across two restarts nothing is lost ($v2->{repeats} events sent again, counted)") or diag explain $v2;
checked_all($v2, $s2, 'the two writers');
# Rows of one transaction share its commit LSN: the first stop cut one.
my %cut = map { ($_->{value} ? $_->{value}{source}{txId} // '' : '') => 1 } events_of("$work/events2a.jsonl");
my ($resumed) = grep { $_->{value} && $_->{value}{op} ne 'm' } events_of("$work/events2b.jsonl");
ok($cut{ $resumed->{value}{source}{txId} },
    'the first restart fell inside a transaction (events sharing a commit LSN), and nothing of it was lost');

# Rows one multi-insert wrote share its WAL position (insert_method copy).
# The engine is stopped right after the fifth event at one LSN, mid-
# transaction, then started again on its offsets. Debezium 3.6.1 takes an
# event's LSN as wholly processed and resumes after it (dbz#1554): the other
# rows at that LSN are lost, and only those. test_decoding, on a slot made
# before the run, names the rows at each LSN. The same run through INSERT,
# each row its own LSN, stopped after as many events, loses nothing.
# The runs before have their slots: a cluster has ten.
$node->safe_psql('postgres', "SELECT count(cdccraft_cleanup(run_id)) FROM cdccraft_runs");
$node->safe_psql('postgres', "SELECT 'made' FROM pg_create_logical_replication_slot('dbzg_rows', 'test_decoding')");
my %grouped_run = (total_records => 4000, batch_size => 1000, seed => 209, evolve => 'false',
    mutation_probability => 0);
my $grouped = start_run($node, table_name => "'dbzg'", %grouped_run, insert_method => "'copy'");
$node->safe_psql('postgres', "CALL cdccraft_wait($grouped)");
capture('dbzg', 'ga', java => [ '-Dcdccraft.stop_in_lsn_group=5', '-Dcdccraft.stop_in_lsn_group_after=1500' ]);
my @part = events_of("$work/eventsga.jsonl");
my $stop_lsn = $part[-1]{value}{source}{lsn};
my %done_at_stop = map { ($_->{value}{after}{id} => 1) } grep { $_->{value}{source}{lsn} == $stop_lsn } @part;
ok(keys %done_at_stop >= 5 && @part < 2000,
    'the first capture stopped after ' . scalar(keys %done_at_stop) . " inserts at LSN $stop_lsn, inside a transaction");
capture('dbzg', 'gb');
my @at_stop = split /\n/, $node->safe_psql('postgres', sprintf(q{
    SELECT substring(data FROM 'id\[uuid\]:''([^'']+)''') FROM pg_logical_slot_peek_changes('dbzg_rows', NULL, NULL)
     WHERE data LIKE 'table public.dbzg: INSERT:%%' AND lsn - '0/0' = %s}, $stop_lsn));
my @not_done = sort grep { !$done_at_stop{$_} } @at_stop;
ok(@not_done > 0, scalar(@at_stop) . ' inserts share that LSN in test_decoding, ' . scalar(@not_done)
      . ' of them after the stop');
my $vg = reconcile($grouped, 'g', "$work/eventsga.jsonl", "$work/eventsgb.jsonl");
is_deeply([ sort map { $_->{key} } @{ $vg->{missing_changes} } ], \@not_done,
    'reproduced (dbz#1554): the restart lost exactly the inserts at that LSN after the stop, '
      . scalar(@not_done) . ' of them');
is($vg->{differences}, 2 * @not_done, 'and nothing else: each lost insert is a row the final state lacks too');
is($vg->{repeats}, 0, 'no event came twice');

my $single = start_run($node, table_name => "'dbzs'", %grouped_run, insert_method => "'insert'");
$node->safe_psql('postgres', "CALL cdccraft_wait($single)");
capture('dbzs', 'sa', max => scalar(@part));
my %lsns = map { ($_->{value}{source}{lsn} => 1) } events_of("$work/eventssa.jsonl");
is(scalar(keys %lsns), scalar(@part), 'through INSERT the first capture stopped after as many events, each at its own LSN');
capture('dbzs', 'sb');
my $vs = reconcile($single, 's', "$work/eventssa.jsonl", "$work/eventssb.jsonl");
ok($vs->{ok} && $vs->{repeats} == 0, 'and after its restart nothing is lost or repeated') or diag explain $vs;
$node->safe_psql('postgres', "SELECT pg_drop_replication_slot('dbzg_rows')");

# snapshot.mode initial, started while the run writes: the connector reads
# the table (a slot made before it means no exported snapshot to read it
# in), then streams from where its snapshot stood. The state the reads and
# the changes after them build is the expected state: no key lost or
# doubled at the hand-off. Without an include list the snapshot would read
# every table the role may read: cdccraft's catalog too.
my $late = start_run($node, table_name => "'dbzi'", total_records => 6000, batch_size => 100, seed => 202,
    evolve => 'false', changes_per_second => 1000);
wait_for_batches($node, $late, 10);
capture('dbzi', '3', snapshot => 'initial');
$node->safe_psql('postgres', "CALL cdccraft_wait($late)");
my $s3 = summary_of($late);
my $v3 = reconcile($late, '3', "$work/events3.jsonl");
ok($v3->{reads} > $s3->{snapshot_rows}, "the initial snapshot read the table mid-run ($v3->{reads} rows)");
ok($v3->{ok}, 'after it, the changes reconcile and the state is the expected state') or diag explain $v3;
ok($v3->{checked}{insert} > 0 && $v3->{checked}{insert} < $s3->{inserts},
    "the stream began where the snapshot stood: $v3->{checked}{insert} of $s3->{inserts} inserts came as changes, "
      . 'each checked');

# The reconciler finds a lost event.
my @events = split /\n/, slurp_file("$work/events.jsonl");
open(my $lost, '>', "$work/lost.jsonl") or die $!;
print $lost join("\n", @events[ 0 .. 99 ], @events[ 101 .. $#events ]), "\n";
close $lost;
ok(!verdict_of(map("$work/$_", qw(summary.jsonl truth.jsonl expected.jsonl lost.jsonl)))->{ok},
    'an event lost is a difference');
done_testing();
