# evolution_ops => '{all}': every family of schema change, decoded. The
# canary (pgoutput) agrees with the truth change for change, with a Relation
# message of the new shape after each schema change and a Truncate message
# for each TRUNCATE; test_decoding, from a copy of the run's own slot, shows
# the names that break consumers (duration beside "Duration", "note" with its
# quotes, renamed columns) and no change for the rows a table rewrite
# (a volatile DEFAULT, a widened type) or a DEFAULT fills.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('evolution_ops');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

for my $case (
    [ 'all_types', q{column_profile => 'all_types', null_fraction => 0.1, seed => 27} ],
    [ 'basic', q{null_fraction => 0, seed => 180, replica_identity => 'default'} ])
{
    my ($name, $args) = @$case;
    my $table = "evolving_$name";
    my $run = $node->safe_psql('postgres',
        "SELECT cdccraft_start(table_name => '$table', total_records => 6000, batch_size => 100, "
          . "snapshot_rows => 200, evolution_ops => '{all}', evolution_interval => 1, evolution_probability => 1, "
          . "max_additions => 10, verify => true, $args)");
    $node->safe_psql('postgres', "CALL cdccraft_wait($run)");
    is(state_of($node, $run), 'completed', "$name: the run completes");
    my $s = decode_json($node->safe_psql('postgres', "SELECT cdccraft_summary($run)"));
    my %ops;
    $ops{ $_->{operation} }++ for @{ $s->{schema_changes} };
    ok(keys %ops >= 12, "$name: the run made " . scalar(keys %ops) . ' kinds of schema change: '
          . join(',', sort keys %ops));

    my $v = decode_json($node->safe_psql('postgres', "SELECT cdccraft_verify($run)"));
    ok($v->{ok}, "$name: the canary agrees with the truth")
      or diag explain $v->{first_differences};
    is("$v->{checked}{insert}/$v->{checked}{update}/$v->{checked}{delete}",
        "$s->{inserts}/$s->{updates}/$s->{deletes}", "$name: every insert, update and delete checked");
    # ALTER TYPE ... ADD VALUE changes no relation: pgoutput sends no Relation
    # for it, the hazard itself.
    my $relation_changes = grep { $_->{operation} ne 'enum_value' } @{ $s->{schema_changes} };
    is($v->{checked}{relation}, $relation_changes,
        "$name: a Relation message of the new shape after each schema change but enum_value");
    is($v->{checked}{truncate}, $s->{evolution}{truncates}, "$name: a Truncate message for each TRUNCATE");
    ok($s->{evolution}{truncates} > 0, "$name: there were TRUNCATEs ($s->{evolution}{truncates})");

    # The run's slot is unread: a copy decodes the run from its first batch.
    $node->safe_psql('postgres',
        "SELECT pg_copy_logical_replication_slot('${table}_slot', '${table}_td', false, 'test_decoding')");
    my $decoded = $node->safe_psql('postgres',
        "SELECT string_agg(data, E'\\n') FROM pg_logical_slot_get_changes('${table}_td', NULL, NULL)");
    my $inserts = () = $decoded =~ /^table public\.$table: INSERT:/mg;
    is($inserts, $s->{inserts},
        "$name: test_decoding shows the run's inserts and no more: rewrites and DEFAULTs emit nothing");
    my $truncates = () = $decoded =~ /^table public\.$table: TRUNCATE:/mg;
    is($truncates, $s->{evolution}{truncates}, "$name: and each TRUNCATE");
    for my $change (grep { $_->{operation} eq 'rename' } @{ $s->{schema_changes} }) {
        my $new = $change->{new_name};
        my $quoted = $new =~ /^[a-z_][a-z0-9_]*$/ ? $new : '"' . ($new =~ s/"/""/gr) . '"';
        ok($decoded =~ / \Q$quoted\E\[/, "$name: values go to the renamed column $new");
    }
    if ($ops{add_case_variant} && $ops{add_case_variant} == 2) {
        ok($decoded =~ / duration\[integer\]:\S+ .*"Duration"\[integer\]:/,
            "$name: duration and \"Duration\", side by side");
    }
    if ($ops{add_quoted_name}) {
        ok($decoded =~ / """note"""\[text\]:/, "$name: the column named \"note\", quotes and all");
    }
    # pgoutput, from another copy: a Relation message in the transaction of
    # every schema change; for an enum_value, the very Relation sent before
    # it: nothing in it (nor in the Type message) tells of the new label.
    my @enum_values = grep { $_->{operation} eq 'enum_value' } @{ $s->{schema_changes} };
    if (@enum_values) {
        $node->safe_psql('postgres',
            "SELECT pg_copy_logical_replication_slot('${table}_slot', '${table}_po', false, 'pgoutput')");
        my $hex = $node->safe_psql('postgres',
            "SELECT encode(data, 'hex') FROM pg_logical_slot_get_binary_changes('${table}_po', NULL, NULL, "
              . "'proto_version', '1', 'publication_names', '${table}_pub')");
        my ($xid, $last_relation, %relation_in, %previous_in);
        for my $m (map { pack('H*', $_) } split /\n/, $hex) {
            my $kind = substr($m, 0, 1);
            $xid = unpack('N', substr($m, 17, 4)) if $kind eq 'B';
            next unless $kind eq 'R';
            $previous_in{$xid} //= $last_relation;
            $relation_in{$xid} = $last_relation = $m;
        }
        my @others = grep { $_->{operation} ne 'enum_value' } @{ $s->{schema_changes} };
        is(scalar(grep { $relation_in{ $_->{xid} % 2**32 } } @others), scalar @others,
            "$name: a Relation message in the transaction of each schema change");
        my @same = grep {
            my $x = $_->{xid} % 2**32;
            $relation_in{$x} && defined $previous_in{$x} && $relation_in{$x} eq $previous_in{$x}
        } @enum_values;
        is(scalar @same, scalar @enum_values,
            "$name: for each of " . scalar(@enum_values) . ' enum_value changes, the Relation sent before it, unchanged');
    }
    my $diff = $node->safe_psql('postgres', "SELECT count(*) FROM cdccraft_diff($run, '$table')");
    is($diff, 0, "$name: the expected state is the table");
}
done_testing();
