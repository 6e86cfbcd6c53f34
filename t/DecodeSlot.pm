# A logical slot's changes decoded in Perl, independently of cdccraft: the
# binary messages of pgoutput's protocol 1, and test_decoding's text. Both
# read without consuming (the peek functions, in the caller's session, so
# values are printed with its settings), into one form: the transactions in
# commit order, each
#   { xid, end_lsn (the end of its commit record), commit_lsn (pgoutput: the
#     start of it), changes => [ { op, new, old, old_kind, relation } ] }
# where new and old are { column => text or undef } and, from pgoutput,
# old_kind is its 'K' (key) or 'O' (old row) and relation the columns of a
# Relation message sent just before the change.
package DecodeSlot;

use strict;
use warnings;
use Exporter 'import';

our @EXPORT = qw(pgoutput_transactions test_decoding_transactions format_lsn);

sub format_lsn {
    my ($lsn) = @_;
    return sprintf('%X/%X', $lsn >> 32, $lsn & 0xffffffff);
}

# Every transaction the slot holds for the publication; dies on a message it
# does not know or does not read to its end.
sub pgoutput_transactions {
    my ($node, $slot, $publication) = @_;
    my $hex = $node->safe_psql('postgres', qq{
        SELECT encode(data, 'hex')
          FROM pg_logical_slot_peek_binary_changes('$slot', NULL, NULL, 'proto_version', '1',
                                                   'publication_names', '$publication')});
    my (@transactions, $txn, %relations, $relation_sent);
    for my $line (split /\n/, $hex) {
        my $m = pack('H*', $line);
        my $at = 0;
        my $take = sub {
            my ($size, $template) = @_;
            die "pgoutput message cut short: $line" if $at + $size > length($m);
            my $v = substr($m, $at, $size);
            $at += $size;
            return defined $template ? unpack($template, $v) : $v;
        };
        my $cstring = sub {
            my $end = index($m, "\0", $at);
            die "pgoutput string not terminated: $line" if $end < 0;
            my $s = substr($m, $at, $end - $at);
            $at = $end + 1;
            return $s;
        };
        # TupleData: the column count, then per column 'n' (null), 'u'
        # (unchanged TOAST, which no value of the run's size is) or 't'.
        my $tuple = sub {
            my ($columns) = @_;
            my $n = $take->(2, 'n');
            die "tuple of $n columns, relation of " . scalar(@$columns) if $n != @$columns;
            my %row;
            for my $column (@$columns) {
                my $kind = $take->(1);
                if    ($kind eq 'n') { $row{$column} = undef }
                elsif ($kind eq 't') { $row{$column} = $take->($take->(4, 'N')) }
                else                 { die "column $column sent as '$kind': $line" }
            }
            return \%row;
        };
        my $columns_of = sub {
            my $relid = $take->(4, 'N');
            die "a change of relation $relid before its Relation message" unless $relations{$relid};
            return $relations{$relid};
        };
        my $change = sub {
            my (%c) = @_;
            $c{relation} = $relation_sent;
            undef $relation_sent;
            push @{ $txn->{changes} }, \%c;
        };

        my $type = $take->(1);
        if ($type eq 'B') {
            my ($final_lsn, $ts, $xid) = ($take->(8, 'Q>'), $take->(8, 'Q>'), $take->(4, 'N'));
            $txn = { xid => $xid, final_lsn => format_lsn($final_lsn), changes => [] };
        }
        elsif ($type eq 'C') {
            my ($flags, $commit_lsn, $end_lsn, $ts) =
              ($take->(1, 'C'), $take->(8, 'Q>'), $take->(8, 'Q>'), $take->(8, 'Q>'));
            $txn->{commit_lsn} = format_lsn($commit_lsn);
            $txn->{end_lsn} = format_lsn($end_lsn);
            push @transactions, $txn;
            undef $txn;
        }
        elsif ($type eq 'R') {
            my $relid = $take->(4, 'N');
            my $name = $cstring->() . '.' . $cstring->();
            my ($replident, $ncols) = ($take->(1), $take->(2, 'n'));
            my @columns;
            for (1 .. $ncols) {
                my ($flags, $column, $type_oid, $typmod) =
                  ($take->(1, 'C'), $cstring->(), $take->(4, 'N'), $take->(4, 'l>'));
                push @columns, $column;
            }
            $relations{$relid} = \@columns;
            $relation_sent = [@columns];
        }
        elsif ($type eq 'I') {
            my $columns = $columns_of->();
            die "Insert without 'N'" unless $take->(1) eq 'N';
            $change->(op => 'insert', new => $tuple->($columns));
        }
        elsif ($type eq 'U') {
            my $columns = $columns_of->();
            my ($kind, $old) = ($take->(1), undef);
            if ($kind eq 'K' || $kind eq 'O') {
                $old = $tuple->($columns);
                die "Update without 'N'" unless $take->(1) eq 'N';
            }
            else { die "Update with '$kind'" unless $kind eq 'N'; undef $kind }
            $change->(op => 'update', old => $old, old_kind => $kind, new => $tuple->($columns));
        }
        elsif ($type eq 'D') {
            my $columns = $columns_of->();
            my $kind = $take->(1);
            die "Delete with '$kind'" unless $kind eq 'K' || $kind eq 'O';
            $change->(op => 'delete', old => $tuple->($columns), old_kind => $kind);
        }
        else { die "unexpected pgoutput message '$type': $line" }
        die "pgoutput message '$type' not read to its end: $line" if $at != length($m);
    }
    die 'the slot ends inside a transaction' if $txn;
    return \@transactions;
}

# test_decoding's transactions (include-xids, skip-empty-xacts) that change
# $table ('public.t'), with those changes alone: a text plugin decodes every
# table, cdccraft's own catalog too. Its old tuples (an update's old-key, a
# delete's) leave out null columns, and it does not say whether they are the
# key or the whole row.
sub test_decoding_transactions {
    my ($node, $slot, $table) = @_;
    # Hex, so that no value can break the lines.
    my $out = $node->safe_psql('postgres', qq{
        SELECT lsn || ' ' || encode(convert_to(data, 'UTF8'), 'hex')
          FROM pg_logical_slot_peek_changes('$slot', NULL, NULL, 'include-xids', '1', 'skip-empty-xacts', '1')});
    my (@transactions, $txn);
    for my $line (split /\n/, $out) {
        my ($lsn, $hex) = split / /, $line;
        my $data = pack('H*', $hex);
        if ($data =~ /^BEGIN (\d+)$/) {
            $txn = { xid => $1, changes => [] };
        }
        elsif ($data =~ /^COMMIT (\d+)$/) {
            die "COMMIT $1 of BEGIN $txn->{xid}" if $1 != $txn->{xid};
            $txn->{end_lsn} = $lsn;
            push @transactions, $txn if @{ $txn->{changes} };
            undef $txn;
        }
        elsif ($data =~ /^table \Q$table\E: (INSERT|UPDATE|DELETE): (.*)$/s) {
            my ($op, $rest) = (lc $1, $2);
            my %c = (op => $op);
            if ($op eq 'update' && $rest =~ s/^old-key: //) {
                $c{old} = _tuple(\$rest);
                $rest =~ s/^new-tuple: // or die "no new-tuple in: $data";
            }
            $c{$op eq 'delete' ? 'old' : 'new'} = _tuple(\$rest);
            die "test_decoding text left unread: '$rest' in: $data" if length $rest;
            push @{ $txn->{changes} }, \%c;
        }
    }
    die 'the slot ends inside a transaction' if $txn;
    return \@transactions;
}

# name[type]:value ... as print_literal writes them: numbers bare, booleans
# true/false, null bare, everything else quoted with '' for a quote.
sub _tuple {
    my ($text) = @_;
    my %row;
    while ($$text =~ s/^(\S+?)\[([^\]]+)\]:('(?:[^']|'')*'|\S+) ?//) {
        my ($column, $type, $value) = ($1, $2, $3);
        die "unchanged TOAST value of $column" if $value eq 'unchanged-toast-datum';
        if    ($value =~ /^'(.*)'$/s) { ($value = $1) =~ s/''/'/g }
        elsif ($value eq 'null')      { undef $value }
        elsif ($type eq 'boolean')    { $value = $value eq 'true' ? 't' : 'f' }
        $row{$column} = $value;
    }
    return \%row;
}

1;
