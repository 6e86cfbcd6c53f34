# cdccraft_verify: the canary slot (verify => true) decoded against the
# truth. Clean runs are ok, mid-run and at the end, each verify continuing
# where the last stopped and together checking every change; a transaction
# skipped on the canary (pg_replication_slot_advance past it) is named
# exactly; the canary is listed in the summary and dropped by cleanup, and by
# DROP EXTENSION CASCADE.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('verify');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

sub verify {
    my ($run) = @_;
    return decode_json($node->safe_psql('postgres', "SELECT cdccraft_verify($run)"));
}

# A paced, evolving run with NULLs, verified twice while it writes and once
# at its end.
my $run = start_run($node, table_name => "'canary'", total_records => 12000, batch_size => 100, seed => 160,
    evolution_interval => 4, evolution_probability => 1, changes_per_second => 8000, verify => 'true',
    null_fraction => 0.2);
my $summary = decode_json($node->safe_psql('postgres', "SELECT cdccraft_summary($run)"));
my $db_oid = $node->safe_psql('postgres', "SELECT oid FROM pg_database WHERE datname = 'postgres'");
is($summary->{canary}{slot}, "cdccraft_canary_${db_oid}_$run", 'the summary names the canary slot');
ok($summary->{canary}{held}, 'which the run holds');

my %checked = (insert => 0, update => 0, delete => 0, relation => 0);
my ($transactions, $last_upto) = (0, undef);
for my $until (20, 60, undef) {
    if (defined $until) {
        wait_for_batches($node, $run, $until);
    } else {
        $node->safe_psql('postgres', "CALL cdccraft_wait($run)");
    }
    my $v = verify($run);
    my $when = defined $until ? "after batch $until" : 'at the end';
    ok($v->{ok}, "$when: the canary agrees with the truth")
      or diag(encode_json($v->{first_differences}));
    is($v->{verified_from}, $last_upto, "$when: verifying continues where the last verify stopped")
      if defined $last_upto;
    ok($v->{transactions} > 0, "$when: it checked $v->{transactions} transactions");
    $checked{$_} += $v->{checked}{$_} for keys %checked;
    $transactions += $v->{transactions};
    $last_upto = $v->{verified_upto};
}
my ($batches, $inserts, $updates, $deletes, $schema_changes) = split /\|/, $node->safe_psql('postgres',
    "SELECT batches, inserts, updates, deletes, additions + drops FROM cdccraft_runs WHERE run_id = $run");
is($transactions, $batches, 'together the verifies checked every batch\'s transaction');
is("$checked{insert}/$checked{update}/$checked{delete}", "$inserts/$updates/$deletes",
    'and every insert, update and delete');
is($checked{relation}, $schema_changes, 'and a Relation message after each schema change');
is($last_upto, $node->safe_psql('postgres', "SELECT last_commit_lsn FROM cdccraft.run WHERE id = $run"),
    'up to the run\'s last commit');
is(verify($run)->{transactions}, 0, 'a verify with nothing new checks nothing, and is ok');

# Every type consumers decode differently, NULLs among them: what the server
# emitted is the truth, value for value (pgoutput's text of each).
my $typed = start_run($node, table_name => "'typed'", total_records => 3000, batch_size => 100, seed => 164,
    column_profile => "'all_types'", null_fraction => 0.1, verify => 'true', evolution_interval => 5,
    evolution_probability => 1);
$node->safe_psql('postgres', "CALL cdccraft_wait($typed)");
my $typed_verdict = verify($typed);
ok($typed_verdict->{ok}, 'all_types: the canary agrees with the truth, value for value')
  or diag(encode_json($typed_verdict->{first_differences}));
is($typed_verdict->{checked}{insert}, 3000, 'all_types: every insert checked');

# Under REPLICA IDENTITY DEFAULT, an update that leaves the large, out of
# line t_document alone sends it as an unchanged TOAST datum: exactly one for
# each such update, and none where the truth says the update set it.
my $toast = start_run($node, table_name => "'toasted'", total_records => 3000, batch_size => 100, seed => 165,
    column_profile => "'all_types'", replica_identity => "'default'", verify => 'true', evolve => 'false');
$node->safe_psql('postgres', "CALL cdccraft_wait($toast)");
my $toast_verdict = verify($toast);
ok($toast_verdict->{ok}, 'all_types under REPLICA IDENTITY DEFAULT: the canary agrees with the truth')
  or diag(encode_json($toast_verdict->{first_differences}));
my ($leaving, $setting) = split /\|/, $node->safe_psql('postgres',
    "SELECT count(*) FILTER (WHERE NOT data ? 't_document'), count(*) FILTER (WHERE data ? 't_document') "
      . "FROM cdccraft_changes($toast) WHERE op = 'update'");
ok($leaving > 0 && $setting > 0, "updates leave the document alone ($leaving) and set it ($setting)");
is($toast_verdict->{unchanged_toast}, $leaving,
    'an unchanged TOAST datum exactly for each update that left the document alone');

# A transaction the canary skips: advanced past batch 5's commit after
# verifying up to batch 4's.
my $skipping = start_run($node, table_name => "'skipping'", total_records => 3000, batch_size => 100, seed => 161,
    verify => 'true', changes_per_second => 2000);
wait_for_batches($node, $skipping, 10);
my ($lsn4, $lsn5, $xid5) = split /\|/, $node->safe_psql('postgres',
    "SELECT (SELECT commit_lsn FROM cdccraft_batches WHERE run_id = $skipping AND batch = 4), "
      . "commit_lsn, xid FROM cdccraft_batches WHERE run_id = $skipping AND batch = 5");
$node->safe_psql('postgres', "SELECT pg_replication_slot_advance('cdccraft_canary_${db_oid}_$skipping', '$lsn4')");
$node->safe_psql('postgres', "UPDATE cdccraft.run SET verified_lsn = '$lsn4' WHERE id = $skipping");
$node->safe_psql('postgres', "SELECT pg_replication_slot_advance('cdccraft_canary_${db_oid}_$skipping', '$lsn5')");
$node->safe_psql('postgres', "CALL cdccraft_wait($skipping)");
my $v = verify($skipping);
ok(!$v->{ok}, 'a verify after a skipped transaction is not ok');
is($v->{differences}, 1, 'with one difference');
is($v->{first_differences}[0]{expected}{batch}, 5, 'naming the batch skipped');
is($v->{first_differences}[0]{expected}{xid}, $xid5 % 2**32, 'its xid');
is($v->{first_differences}[0]{lsn}, $lsn5, 'and its commit LSN');
like($v->{first_differences}[0]{actual}{skipped}, qr/advanced past it/, 'as skipped on the canary');
is_deeply($v->{gap}, { from => $lsn4, to => $lsn5 }, 'the gap is where the canary was advanced');
ok($v->{transactions} > 0, 'every other transaction is checked');

# Refusals.
my ($rc, $out, $err) = $node->psql('postgres', 'SELECT cdccraft_verify(NULL)');
like($err, qr/run_id must not be NULL/, 'NULL is refused');
my $plain = start_run($node, table_name => "'plain'", total_records => 100, seed => 162);
$node->safe_psql('postgres', "CALL cdccraft_wait($plain)");
($rc, $out, $err) = $node->psql('postgres', "SELECT cdccraft_verify($plain)");
like($err, qr/cdccraft run $plain has no canary slot/, 'a run without verify => true has nothing to verify');
$node->safe_psql('postgres', 'CREATE ROLE stranger LOGIN');
($rc, $out, $err) = $node->psql('postgres', "SET ROLE stranger; SELECT cdccraft_verify($run)");
like($err, qr/cdccraft run $run does not exist/, 'another role\'s run does not exist for a stranger');

# Cleanup drops the canary; DROP EXTENSION CASCADE drops every run's.
like($node->safe_psql('postgres', "SELECT cdccraft_cleanup($run)"), qr/"slot cdccraft_canary_${db_oid}_$run"/,
    'cleanup drops the canary slot');
($rc, $out, $err) = $node->psql('postgres', "SELECT cdccraft_verify($run)");
like($err, qr/was cleaned up/, 'and verify then says so');
my $left = start_run($node, table_name => "'left_behind'", total_records => 0, seed => 163, verify => 'true',
    changes_per_second => 500);
wait_for_batches($node, $left, 2);
$node->safe_psql('postgres', 'DROP EXTENSION cdccraft CASCADE');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'cdccraft_canary_%'"),
    '0', 'DROP EXTENSION CASCADE leaves no canary slot');
done_testing();
