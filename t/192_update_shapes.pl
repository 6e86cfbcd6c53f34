# update_kinds and exact mixes, decoded independently: test_decoding, from a
# copy of the run's slot, shows every key update as an UPDATE whose old key
# is the truth's key and whose new row has the truth's new key (under
# REPLICA IDENTITY DEFAULT, where only a key update sends the old key, and
# FULL); every same_value update under FULL as an UPDATE whose old and new
# rows are equal; every update that sets several columns with their new
# values; and each batch with exactly updates_per_batch updates and
# deletes_per_batch deletes. The canary agrees, and the table is the truth's
# expected state.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;
use DecodeSlot;

my $node = PostgreSQL::Test::Cluster->new('update_shapes');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

for my $identity (qw(default full)) {
    my $table = "shapes_$identity";
    my $run = start_run($node, table_name => "'$table'", total_records => 4000, batch_size => 100, seed => 192,
        updates_per_batch => 30, deletes_per_batch => 10, update_kinds => "'{all}'", evolve => 'false',
        replica_identity => "'$identity'", verify => 'true');
    $node->safe_psql('postgres', "CALL cdccraft_wait($run)");
    is(state_of($node, $run), 'completed', "$identity: the run completes");
    my $v = decode_json($node->safe_psql('postgres', "SELECT cdccraft_verify($run)"));
    ok($v->{ok}, "$identity: the canary agrees with the truth") or diag explain $v->{first_differences};
    is($v->{checked}{update}, 40 * 30, "$identity: every update checked");
    is($node->safe_psql('postgres', "SELECT count(*) FROM cdccraft_diff($run, '$table')"), '0',
        "$identity: the expected state is the table");

    $node->safe_psql('postgres',
        "SELECT pg_copy_logical_replication_slot('${table}_slot', '${table}_td', false, 'test_decoding')");
    my $decoded = test_decoding_transactions($node, "${table}_td", "public.$table");
    is(scalar @$decoded, 40, "$identity: one transaction per batch");
    my @inexact = grep {
        my @c = @{ $_->{changes} };
        (grep { $_->{op} eq 'update' } @c) != 30 || (grep { $_->{op} eq 'delete' } @c) != 10
    } @$decoded;
    is(scalar @inexact, 0, "$identity: every batch decodes to exactly 30 updates and 10 deletes");

    # The truth's updates by kind, each by "xid key" (a row may be updated in
    # several batches, never twice in one): the new key, or the column set.
    my %moves = map { split /\|/ } split /\n/, $node->safe_psql('postgres',
        "SELECT xid || ' ' || key || '|' || (data->>'id') FROM cdccraft_changes($run) WHERE op = 'update' AND data ? 'id'");
    my %same = map { $_ => 1 } split /\n/, $node->safe_psql('postgres',
        "SELECT xid || ' ' || key FROM cdccraft_changes($run) WHERE op = 'update' AND data = '{}'");
    # Bytes, as test_decoding's text is.
    my $json_bytes = JSON::PP->new;
    my %several = map { my ($k, $j) = split /\|/, $_, 2; ($k => $json_bytes->decode($j)) } split /\n/,
      $node->safe_psql('postgres',
        "SELECT xid || ' ' || key || '|' || data::text FROM cdccraft_changes($run) WHERE op = 'update' "
          . "AND NOT data ? 'id' AND (SELECT count(*) FROM jsonb_object_keys(data)) >= 3");
    ok(keys %moves > 100 && keys %same > 100 && keys %several > 100,
        sprintf('%s: the run updates keys (%d), values to themselves (%d) and several columns (%d)',
            $identity, scalar keys %moves, scalar keys %same, scalar keys %several));

    my (%moved, %same_seen, %several_seen, $old_keys_sent);
    for my $txn (@$decoded) {
      for my $change (@{ $txn->{changes} }) {
        next unless $change->{op} eq 'update';
        my ($old, $new) = ($change->{old}, $change->{new});
        $old_keys_sent++ if $old;
        my $key = "$txn->{xid} " . ($old ? $old->{id} : $new->{id});
        $moved{$key} = $new->{id} if $key ne "$txn->{xid} $new->{id}";
        if ($same{$key} && $old) {
            $same_seen{$key} = 1 if join("\0", map { "$_=" . ($old->{$_} // 'NULL') } sort keys %$old) eq
              join("\0", map { "$_=" . ($new->{$_} // 'NULL') } sort keys %$new);
        }
        if (my $set = $several{$key}) {
            $several_seen{$key} = 1 unless grep { ($new->{$_} // 'NULL') ne ($set->{$_} // 'NULL') }
              grep { $_ ne 'updated_at' } keys %$set;
        }
      }
    }
    is_deeply(\%moved, \%moves, "$identity: the decoded key updates are the truth's, old key to new");
    is(scalar keys %several_seen, scalar keys %several,
        "$identity: each update of several columns decodes with the truth's values for all of them");
    if ($identity eq 'full') {
        is(scalar keys %same_seen, scalar keys %same,
            'full: each same_value update decodes with an old row equal to its new row');
    }
    else {
        is($old_keys_sent, scalar keys %moves, 'default: an old key is sent for the key updates alone');
    }
}
done_testing();
