# cdccraft_changes, the truth of a run replayed from its seed and ledger, is
# exactly what the server emitted, decoded independently twice: the run's
# own pgoutput slot as protocol 1's binary messages, and a test_decoding copy
# of it as text (DecodeSlot.pm). Transaction by transaction (xid, commit
# LSN), statement by statement, key by key and value by value, with nothing
# missing and nothing extra; under REPLICA IDENTITY FULL and DEFAULT, with a
# schema change every third batch and NULLs in a fifth of the nullable values.
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

my $node = PostgreSQL::Test::Cluster->new('changes');
$node->init(allows_streaming => 'logical');
# The worker's time zone, half an hour off UTC's and with summer time.
$node->append_conf('postgresql.conf', "timezone = 'America/St_Johns'\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

# The truth: the snapshot's inserts (batch 0, made before the slot, so not
# in it), and every later transaction with its changes in seq order. Read in
# another time zone than the worker's: the now() behind created_at and
# updated_at is printed in the worker's, whoever asks.
sub truth {
    my ($run) = @_;
    my $json = JSON::PP->new;
    my (@snapshot, @transactions);
    for my $line (split /\n/,
        $node->safe_psql('postgres',
            "SET TimeZone = 'Asia/Kathmandu'; SELECT to_jsonb(c) FROM cdccraft_changes($run) c ORDER BY batch, seq"))
    {
        my $c = $json->decode($line);
        if ($c->{batch} == 0) { push @snapshot, $c; next }
        push @transactions, { batch => $c->{batch}, xid => $c->{xid}, commit_lsn => $c->{commit_lsn}, changes => [] }
          unless @transactions && $transactions[-1]{batch} == $c->{batch};
        push @{ $transactions[-1]{changes} }, $c;
    }
    return (\@snapshot, \@transactions);
}

# Where two rows ({ column => text or undef }, or undef for no tuple) differ.
sub differences {
    my ($emitted, $expected) = @_;
    return () if !defined $emitted && !defined $expected;
    return ('no tuple emitted') if !defined $emitted;
    return ('a tuple emitted where none was expected') if !defined $expected;
    my %columns = (%$emitted, %$expected);
    my $show = sub { my ($row, $c) = @_; !exists $row->{$c} ? 'absent' : defined $row->{$c} ? "'$row->{$c}'" : 'null' };
    return map { "$_ emitted " . $show->($emitted, $_) . ', expected ' . $show->($expected, $_) }
      grep {
        exists $emitted->{$_} != exists $expected->{$_}
          || defined $emitted->{$_} != defined $expected->{$_}
          || (defined $emitted->{$_} && $emitted->{$_} ne $expected->{$_})
      } sort keys %columns;
}

sub key_of {
    my ($change) = @_;
    return ($change->{op} eq 'delete' ? $change->{old} : $change->{new})->{id} // '(no id)';
}

# Replays the truth over a model of the table (the snapshot's rows, then
# each change as the truth has it, and each ddl's column added as null or
# dropped) beside the decoded transactions. A statement (the inserts, one
# update group, which sets one column, or the deletes) may come out of the
# server in its plan's order, not seq's; its keys are distinct, so it is
# compared as the set of its keys, and statements in order. Returns the
# mismatches of each kind, and how many statements came out of seq order.
sub compare {
    my ($decoded, $snapshot, $truth, %how) = @_;
    my (%rows, %columns);
    $rows{ $_->{key} } = { %{ $_->{data} } } for @$snapshot;
    %columns = map { $_ => 1 } keys %{ $snapshot->[0]{data} };
    my %bad = (transactions => [], order => [], values => [], relations => []);
    my $permuted = 0;
    for my $i (0 .. $#$truth) {
        my ($t, $d) = ($truth->[$i], $decoded->[$i] // { changes => [] });
        my $where = "batch $t->{batch}";
        push @{ $bad{transactions} }, "$where: xid $t->{xid} at $t->{commit_lsn}, emitted "
          . ($d->{xid} // 'none') . ' at ' . ($d->{end_lsn} // 'none')
          unless defined $d->{xid} && $d->{xid} == $t->{xid} % 2**32 && $d->{end_lsn} eq $t->{commit_lsn};

        my @statements;
        for my $c (@{ $t->{changes} }) {
            my $statement = $c->{op};
            $statement .= ' ' . join(',', sort grep { $_ ne 'updated_at' } keys %{ $c->{data} })
              if $statement eq 'update';
            push @statements, [$statement]
              unless @statements && $statements[-1][0] eq $statement && $statement ne 'ddl';
            push @{ $statements[-1] }, $c;
        }

        my @emitted = @{ $d->{changes} };
        my $after_ddl;
        for my $s (@statements) {
            my ($statement, @changes) = @$s;
            if ($statement eq 'ddl') {
                $changes[0]{ddl} =~ /^ALTER TABLE \S+ (ADD|DROP) COLUMN (\S+)/
                  or die "unexpected ddl: $changes[0]{ddl}";
                my ($action, $column) = ($1, $2);
                $column =~ s/^"(.*)"$/$1/ and $column =~ s/""/"/g;
                if ($action eq 'ADD') { $columns{$column} = 1; $_->{$column} = undef for values %rows }
                else                  { delete $columns{$column}; delete $_->{$column} for values %rows }
                $after_ddl = 1;
                next;
            }
            my @slice = splice(@emitted, 0, scalar @changes);
            my %planned = map { $_->{key} => $_ } @changes;
            push @{ $bad{order} }, "$where: a key twice in one $statement" if keys %planned != @changes;
            $permuted++ if join(' ', map { key_of($_) } @slice) ne join(' ', map { $_->{key} } @changes);
            for my $e (@slice) {
                my $key = key_of($e);
                my $c = delete $planned{$key};
                if (!$c || $c->{op} ne $e->{op}) {
                    push @{ $bad{order} }, "$where: $e->{op} of $key emitted, not in the truth's $statement";
                    next;
                }
                if ($how{relations}) {
                    push @{ $bad{relations} }, "$where: no Relation message after the ddl"
                      if $after_ddl && !$e->{relation};
                    push @{ $bad{relations} }, "$where: Relation message with columns @{ $e->{relation} }"
                      if $e->{relation}
                      && join(',', sort @{ $e->{relation} }) ne join(',', sort keys %columns);
                    $after_ddl = 0;
                }
                my ($old, $kind);
                if ($c->{op} eq 'insert') {
                    $rows{$key} = { %{ $c->{data} } };
                }
                elsif ($c->{op} eq 'update') {
                    # FULL logs the whole old row; DEFAULT none, the key being unchanged.
                    ($old, $kind) = ({ %{ $rows{$key} // {} } }, 'O') if $how{full};
                    $rows{$key} = { %{ $rows{$key} // {} }, %{ $c->{data} } };
                }
                else {
                    ($old, $kind) =
                      $how{full} ? ($rows{$key}, 'O') : ({ (map { $_ => undef } keys %columns), id => $key }, 'K');
                    delete $rows{$key};
                }
                $old = { map { $_ => $old->{$_} } grep { defined $old->{$_} } keys %$old }
                  if $old && $how{old_omits_nulls};
                my @differ = (
                    (map {"new: $_"} differences($e->{new}, $c->{op} eq 'delete' ? undef : $rows{$key})),
                    (map {"old: $_"} differences($e->{old}, $old)));
                push @differ, 'old tuple sent as ' . ($e->{old_kind} // 'none') . ', expected ' . ($kind // 'none')
                  if $how{relations} && ($e->{old_kind} // '') ne ($kind // '');
                push @{ $bad{values} }, map {"$where seq $c->{seq} $c->{op} of $key: $_"} @differ;
            }
            push @{ $bad{order} }, map {"$where: the $planned{$_}{op} of $_ (seq $planned{$_}{seq}) was not emitted"}
              sort keys %planned;
        }
        push @{ $bad{order} }, "$where: " . @emitted . ' changes emitted beyond the truth\'s' if @emitted;
    }
    push @{ $bad{transactions} }, (@$decoded - @$truth) . ' transactions emitted beyond the truth\'s'
      if @$decoded > @$truth;
    return (\%bad, $permuted);
}

# Each kind of mismatch one test, with the first few shown.
sub assert_none {
    my ($what, $bad) = @_;
    ok(!@$bad, $what) or diag join("\n", grep {defined} @$bad[ 0 .. 9 ]);
}

# Both insert methods: INSERT ... SELECT (a WAL record a row) and COPY FROM
# (multi-insert records of many rows); the method is the database's setting.
my $seed = 140;
for my $case ([ 'full', 'insert' ], [ 'default', 'insert' ], [ 'full', 'copy' ]) {
    my ($identity, $method) = @$case;
    my $table = $method eq 'insert' ? "changes_$identity" : "changes_${identity}_$method";
    $seed++;
    $node->safe_psql('postgres', "ALTER DATABASE postgres SET cdccraft.insert_method = $method");
    my $run = start_run($node, table_name => "'$table'", total_records => 3000, batch_size => 100,
        snapshot_rows => 200, seed => $seed, evolution_interval => 3, evolution_probability => 1,
        replica_identity => "'$identity'", null_fraction => 0.2);
    $node->safe_psql('postgres', 'ALTER DATABASE postgres RESET cdccraft.insert_method');
    is($node->safe_psql('postgres', "SELECT parameters->>'insert_method' FROM cdccraft_runs WHERE run_id = $run"),
        $method, "$identity: the run inserts by $method");
    $identity = "$identity, $method" if $method ne 'insert';
    $node->safe_psql('postgres', "CALL cdccraft_wait($run)");
    is(state_of($node, $run), 'completed', "$identity: the run completes");

    # A copy of the unread slot starts where the run's slot does, before the
    # first batch, and decodes the same WAL with the other plugin.
    $node->safe_psql('postgres',
        "SELECT pg_copy_logical_replication_slot('${table}_slot', '${table}_td', false, 'test_decoding')");

    # COPY's multi-insert gives the rows of a heap page one WAL record, and so
    # one LSN; INSERT gives each row its own.
    my ($rows, $positions) = split /\|/, $node->safe_psql('postgres',
        "SELECT count(*), count(DISTINCT lsn) FROM pg_logical_slot_peek_changes('${table}_td', NULL, NULL) "
          . "WHERE data LIKE 'table public.$table: INSERT:%'");
    ok($method eq 'copy' ? $positions * 10 < $rows : $positions == $rows,
        "$identity: $rows inserts at $positions WAL positions");

    my ($snapshot, $truth) = truth($run);
    my %ops;
    $ops{ $_->{op} }++ for map { @{ $_->{changes} } } @$truth;
    is( join('/', scalar @$truth, map { $ops{$_} // 0 } qw(insert update delete ddl)),
        $node->safe_psql('postgres',
            "SELECT concat_ws('/', s->'batches', s->'inserts', s->'updates', s->'deletes', "
              . "jsonb_array_length(s->'schema_changes')) FROM cdccraft_summary($run) s"),
        "$identity: the truth's batches, inserts, updates, deletes and ddl are the summary's");
    ok(@$snapshot == 200 && $ops{update} && $ops{delete} && $ops{ddl},
        "$identity: the run has snapshot rows, updates, deletes and ddl to compare");

    my $pgoutput = pgoutput_transactions($node, "${table}_slot", "${table}_pub");
    my $td = test_decoding_transactions($node, "${table}_td", "public.$table");
    for my $decoder ([ 'pgoutput', $pgoutput, relations => 1 ], [ 'test_decoding', $td, old_omits_nulls => 1 ]) {
        my ($name, $decoded, %how) = @$decoder;
        my ($bad, $permuted) = compare($decoded, $snapshot, $truth, %how, full => $identity =~ /^full/);
        my %emitted;
        $emitted{ $_->{op} }++ for map { @{ $_->{changes} } } @$decoded;
        is(scalar @$decoded, scalar @$truth, "$identity, $name: one transaction per batch");
        assert_none("$identity, $name: each transaction's xid and commit LSN are the truth's", $bad->{transactions});
        assert_none("$identity, $name: each statement's changes, each key's in order, are the truth's", $bad->{order});
        assert_none("$identity, $name: every value emitted is the truth's", $bad->{values});
        assert_none("$identity, $name: a Relation message with the table's columns after each ddl",
            $bad->{relations})
          if $how{relations};
        is(join('/', map { $emitted{$_} // 0 } qw(insert update delete)),
            join('/', map { $ops{$_} } qw(insert update delete)),
            "$identity, $name: as many inserts, updates and deletes as the truth's");
        note "$identity, $name: $permuted statements emitted in another order than seq";
    }
    # The truth's commit LSN is the end of the commit record, as both
    # plugins report it (pgoutput's end_lsn, test_decoding's COMMIT row); the
    # commit_lsn field of pgoutput's Commit is its start.
    my $at = sub { my ($high, $low) = split m{/}, shift; hex($high) * 2**32 + hex($low) };
    is( scalar(grep { $_->{commit_lsn} ne $_->{final_lsn} || $at->($_->{commit_lsn}) >= $at->($_->{end_lsn}) }
              @$pgoutput),
        0, "$identity: pgoutput's Commit commit_lsn is the Begin's final LSN, before the end LSN");
}

done_testing();
