# rollback_fraction: batches written whole, then rolled back, and
# savepoint_fraction: deletes inside savepoints rolled back in committed
# batches, never reach a consumer, nor do the rolled-back batches' messages
# (emit_messages): the canary agrees with the truth (the committed batches alone),
# and test_decoding, from a copy of the run's slot, decodes exactly the run's
# inserts, updates and deletes, in one transaction per committed batch,
# while the WAL held the rolled-back batches' rows as well.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('rollbacks');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

my $run = start_run($node, table_name => "'aborting'", total_records => 6000, batch_size => 100, seed => 190,
    rollback_fraction => 0.4, savepoint_fraction => 0.5, emit_messages => 'true', evolution_interval => 2, evolution_probability => 1, verify => 'true',
    replica_identity => "'default'");
$node->safe_psql('postgres', "CALL cdccraft_wait($run)");
is(state_of($node, $run), 'completed', 'the run completes');
my $s = decode_json($node->safe_psql('postgres', "SELECT cdccraft_summary($run)"));
ok($s->{rolled_back}{batches} > 10, "batches were rolled back ($s->{rolled_back}{batches})");
ok($s->{rolled_back}{savepoints} > 10, "savepoints were rolled back ($s->{rolled_back}{savepoints})");
ok($s->{rolled_back}{changes} > 1000, "with the changes they held ($s->{rolled_back}{changes})");
is($s->{inserts}, 6000, 'the run inserts its total in committed batches');

my $v = decode_json($node->safe_psql('postgres', "SELECT cdccraft_verify($run)"));
ok($v->{ok}, 'the canary agrees with the truth') or diag explain $v->{first_differences};
is($v->{transactions}, $s->{batches} - $s->{rolled_back}{batches}, 'one transaction per committed batch');
is("$v->{checked}{insert}/$v->{checked}{update}/$v->{checked}{delete}",
    "$s->{inserts}/$s->{updates}/$s->{deletes}", 'every change checked, and no more');

$node->safe_psql('postgres',
    "SELECT pg_copy_logical_replication_slot('aborting_slot', 'aborting_td', false, 'test_decoding')");
my $decoded = $node->safe_psql('postgres',
    "SELECT string_agg(data, E'\\n') FROM pg_logical_slot_get_changes('aborting_td', NULL, NULL, "
      . "'skip-empty-xacts', '1')");
my %ops;
$ops{ lc $1 }++ while $decoded =~ /^table public\.aborting: (INSERT|UPDATE|DELETE):/mg;
is(join('/', map { $ops{$_} // 0 } qw(insert update delete)), "$s->{inserts}/$s->{updates}/$s->{deletes}",
    'test_decoding decodes the committed changes alone');
my $transactions = () = $decoded =~ /^BEGIN/mg;
my $truth_transactions = $node->safe_psql('postgres',
    "SELECT count(DISTINCT xid) FROM cdccraft_changes($run) WHERE batch > 0");
ok($transactions >= $truth_transactions, "the truth's $truth_transactions transactions are among those decoded");
# emit_messages: a watermark in each committed batch, and in no other.
is($v->{checked}{message}, $v->{transactions}, 'the canary checked the message of every committed batch');
my @watermarks = $decoded =~ /^message: transactional: 1 prefix: cdccraft, sz: \d+ content:\{"run_id": $run, "batch": (\d+)\}$/mg;
is( join(',', @watermarks),
    $node->safe_psql('postgres',
        "SELECT string_agg(batch::text, ',' ORDER BY batch) FROM cdccraft_changes($run) WHERE op = 'message'"),
    'test_decoding shows the messages of the committed batches, as the truth has them');
is(scalar @watermarks, $s->{batches} - $s->{rolled_back}{batches}, 'one per committed batch');
is($node->safe_psql('postgres', "SELECT count(*) FROM cdccraft_diff($run, 'aborting')"), '0',
    'the expected state is the table');

# nontransactional_messages: each batch begins with a non-transactional
# message, decoded as soon as it is written, before its transaction (decoded
# at its commit) and whether or not the batch then rolls back.
my $nt = start_run($node, table_name => "'watermarked'", total_records => 3000, batch_size => 100, seed => 197,
    rollback_fraction => 0.3, nontransactional_messages => 'true', evolve => 'false', verify => 'true');
$node->safe_psql('postgres', "CALL cdccraft_wait($nt)");
is(state_of($node, $nt), 'completed', 'a run with non-transactional messages completes');
my $ns = decode_json($node->safe_psql('postgres', "SELECT cdccraft_summary($nt)"));
$node->safe_psql('postgres',
    "SELECT pg_copy_logical_replication_slot('watermarked_slot', 'watermarked_td', false, 'test_decoding')");
my @lines = split /\n/, $node->safe_psql('postgres',
    "SELECT lsn || ' ' || data FROM pg_logical_slot_get_changes('watermarked_td', NULL, NULL, 'include-xids', '1')");
my (%message_at, %commit_of, $xid);
for (@lines) {
    my ($lsn, $data) = split / /, $_, 2;
    $message_at{$1} = $lsn if $data =~ /^message: transactional: 0 prefix: cdccraft, sz: \d+ content:\{"run_id": $nt, "batch": (\d+)\}$/;
    $xid = $1 if $data =~ /^BEGIN (\d+)/;
    $commit_of{$xid} = $lsn if $data =~ /^COMMIT/;
}
is(scalar keys %message_at, $ns->{batches} + 0, 'test_decoding shows one non-transactional message per batch, '
      . "rolled back ($ns->{rolled_back}{batches}) or not");
my $ordered = 1;
for my $row (split /\n/, $node->safe_psql('postgres',
        "SELECT DISTINCT batch || ' ' || xid FROM cdccraft_changes($nt) WHERE batch > 0")) {
    my ($batch, $bxid) = split / /, $row;
    $ordered = 0 unless defined $message_at{$batch} && defined $commit_of{$bxid}
      && $node->safe_psql('postgres', "SELECT '$message_at{$batch}'::pg_lsn < '$commit_of{$bxid}'::pg_lsn") eq 't';
}
ok($ordered, 'each committed batch\'s message comes before its commit');
is($node->safe_psql('postgres',
        "SELECT count(*) FROM cdccraft_changes($nt) WHERE op = 'message' AND seq = 1 AND NOT (data->>'transactional')::boolean"),
    $ns->{batches} - $ns->{rolled_back}{batches}, 'the truth lists each committed batch\'s, first, not transactional');
my $nv = decode_json($node->safe_psql('postgres', "SELECT cdccraft_verify($nt)"));
ok($nv->{ok}, 'the canary agrees') or diag explain $nv->{first_differences};
is($nv->{checked}{nontransactional_message}, $ns->{batches} + 0,
    'and checked every batch\'s non-transactional message, the rolled-back ones\' too');

# Long runs of rolled-back batches between commits: each one's message is
# accounted for, however many come in a row.
my $long = start_run($node, table_name => "'mostly_aborted'", total_records => 200, batch_size => 10, seed => 198,
    rollback_fraction => 0.99, nontransactional_messages => 'true', evolve => 'false', verify => 'true');
$node->safe_psql('postgres', "CALL cdccraft_wait($long)");
my $ls = decode_json($node->safe_psql('postgres', "SELECT cdccraft_summary($long)"));
ok($ls->{rolled_back}{batches} > 20 * 65, "batches were rolled back by the thousand ($ls->{rolled_back}{batches})");
my $lv = decode_json($node->safe_psql('postgres', "SELECT cdccraft_verify($long)"));
ok($lv->{ok}, 'the canary agrees') or diag explain $lv->{first_differences};
is($lv->{checked}{nontransactional_message}, $ls->{batches} + 0,
    'and checked the message of every batch, rolled back or not');
done_testing();
