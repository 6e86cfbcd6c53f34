# prepare_fraction: batches PREPAREd, then COMMIT PREPARED, or ROLLBACK
# PREPARED when rolled back (rollback_fraction). A slot made with two_phase
# decodes each prepared batch at its PREPARE, changes included, and then
# its COMMIT PREPARED or ROLLBACK PREPARED; one without decodes the committed
# ones at COMMIT PREPARED, as ordinary transactions, and never the others.
# The canary agrees with the truth (each prepared batch at the end of its
# COMMIT PREPARED record), no prepared transaction is left, the run's own slot
# is two_phase when asked, and a server without prepared transactions
# refuses the start.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('two_phase');
$node->init(allows_streaming => 'logical');
$node->append_conf('postgresql.conf', 'max_prepared_transactions = 10');
$node->start;
$node->safe_psql('postgres', q{
    CREATE EXTENSION cdccraft;
    SELECT 'made' FROM pg_create_logical_replication_slot('at_prepare', 'test_decoding', false, true);
    SELECT 'made' FROM pg_create_logical_replication_slot('at_commit', 'test_decoding', false, false);
});

my $run = start_run($node, table_name => "'prepared'", total_records => 6000, batch_size => 100, seed => 194,
    prepare_fraction => 0.5, rollback_fraction => 0.3, two_phase => 'true', verify => 'true', evolve => 'false');
$node->safe_psql('postgres', "CALL cdccraft_wait($run)");
is(state_of($node, $run), 'completed', 'the run completes');
is($node->safe_psql('postgres', 'SELECT count(*) FROM pg_prepared_xacts'), '0', 'no prepared transaction is left');
is($node->safe_psql('postgres', "SELECT two_phase FROM pg_replication_slots WHERE slot_name = 'prepared_slot'"),
    't', 'the run\'s slot is two_phase');
is( $node->safe_psql('postgres',
        "SELECT (SELECT count(*) FROM prepared) = snapshot_rows + inserts - deletes FROM cdccraft_runs WHERE run_id = $run"),
    't', 'count(*) = snapshot_rows + inserts - deletes');
my $s = decode_json($node->safe_psql('postgres', "SELECT cdccraft_summary($run)"));
my $v = decode_json($node->safe_psql('postgres', "SELECT cdccraft_verify($run)"));
ok($v->{ok}, 'the canary agrees with the truth') or diag explain $v->{first_differences};
is($v->{transactions}, $s->{batches} - $s->{rolled_back}{batches}, 'one transaction per committed batch');
is($node->safe_psql('postgres', "SELECT count(*) FROM cdccraft_diff($run, 'prepared')"), '0',
    'the expected state is the table');

# What each slot decoded, by transaction. Each COMMIT PREPARED and ROLLBACK
# PREPARED names its prepared transaction (the name outlives the PREPARE).
sub decode {
    my ($slot) = @_;
    my @events;
    for my $line (split /\n/, $node->safe_psql('postgres',
            "SELECT data FROM pg_logical_slot_get_changes('$slot', NULL, NULL, 'skip-empty-xacts', '1')")) {
        if ($line =~ /^(PREPARE TRANSACTION|COMMIT PREPARED|ROLLBACK PREPARED) 'cdccraft_\d+_${run}_(\d+)_[0-9a-f]{16}'/) {
            push @events, [ $1, $2 ];
        }
        elsif ($line =~ /^table public\.prepared: (INSERT|UPDATE|DELETE)/) {
            $events[-1][2]++ if @events && $events[-1][0] eq 'open';
        }
        elsif ($line =~ /^BEGIN/) { push @events, ['open', undef, 0] }
        elsif ($line =~ /^COMMIT/) { $events[-1][0] = 'commit' if @events && $events[-1][0] eq 'open' }
    }
    return @events;
}
my @at_prepare = decode('at_prepare');
my %prepared = map { $_->[1] => 1 } grep { $_->[0] eq 'PREPARE TRANSACTION' } @at_prepare;
my %committed = map { $_->[1] => 1 } grep { $_->[0] eq 'COMMIT PREPARED' } @at_prepare;
my %rolled_back = map { $_->[1] => 1 } grep { $_->[0] eq 'ROLLBACK PREPARED' } @at_prepare;
ok(keys %committed > 5 && keys %rolled_back > 2,
    sprintf('a two-phase slot decodes COMMIT PREPARED (%d) and ROLLBACK PREPARED (%d)', scalar keys %committed,
        scalar keys %rolled_back));
is(scalar keys %prepared, keys(%committed) + keys(%rolled_back), 'each after its PREPARE TRANSACTION');
my $changes_before_prepare = 1;
for my $i (0 .. $#at_prepare) {
    next unless $at_prepare[$i][0] eq 'PREPARE TRANSACTION';
    $changes_before_prepare = 0 unless $i > 0 && $at_prepare[ $i - 1 ][0] eq 'open' && $at_prepare[ $i - 1 ][2] > 0;
}
ok($changes_before_prepare, 'each PREPARE comes with its changes, the rolled-back batches\' too');

# The truth's committed batches that were prepared are those COMMIT PREPARED
# names; the ledger has none of the rolled-back ones.
my %ledger = map { $_ => 1 } split /\n/,
  $node->safe_psql('postgres', "SELECT batch FROM cdccraft_batches WHERE run_id = $run AND batch > 0");
is(scalar(grep { !$ledger{$_} } keys %committed), 0, 'every batch COMMIT PREPARED is in the ledger');
is(scalar(grep { $ledger{$_} } keys %rolled_back), 0, 'no batch ROLLBACK PREPARED is');

# A slot without two_phase sees the committed ones as ordinary transactions.
my @at_commit = decode('at_commit');
is(scalar(grep { $_->[0] =~ /PREPARE/ } @at_commit), 0, 'a slot without two_phase decodes no PREPARE');
is(scalar(grep { $_->[0] eq 'commit' && $_->[2] > 0 } @at_commit), $v->{transactions} + 1,
    'and one transaction per committed batch (and the snapshot)');

# Without prepared transactions the start is refused.
$node->append_conf('postgresql.conf', 'max_prepared_transactions = 0');
$node->restart;
my ($rc, $out, $err) = $node->psql('postgres', "SELECT cdccraft_start(table_name => 'refused', prepare_fraction => 0.5)");
like($err, qr/ERROR:  prepare_fraction needs max_prepared_transactions above 0/, 'no prepared transactions: refused');
assert_nothing_left($node, 'refused', 'the refused start');
done_testing();
