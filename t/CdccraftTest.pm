# Helpers shared by cdccraft's TAP tests: start a run, wait on its state, and
# check that the table, the run's counters and its slot agree exactly.
package CdccraftTest;

use strict;
use warnings;
use Exporter 'import';
use Test::More;

our @EXPORT = qw(start_run wait_for_batches state_of assert_exact assert_no_worker);

# Starts a run and returns its id; %args are cdccraft_start's, as SQL text.
sub start_run {
    my ($node, %args) = @_;
    my $list = join(', ', map { "$_ => $args{$_}" } sort keys %args);
    return $node->safe_psql('postgres', "SELECT cdccraft_start($list)");
}

sub wait_for_batches {
    my ($node, $run_id, $batches) = @_;
    $node->safe_psql('postgres', "CALL cdccraft_wait($run_id, '180s', until_batch => $batches)");
}

sub state_of {
    my ($node, $run_id) = @_;
    return $node->safe_psql('postgres', "SELECT state FROM cdccraft_runs WHERE run_id = $run_id");
}

# count(*) = snapshot_rows + inserts - deletes (when the table stands), and
# the slot's Insert/Update/Delete messages equal the counters (when it stands).
sub assert_exact {
    my ($node, $run_id, $what) = @_;
    my ($table, $slot, $publication) = split /\|/, $node->safe_psql('postgres',
        "SELECT format('%I.%I', schema_name, table_name), slot_name, publication_name FROM cdccraft_runs WHERE run_id = $run_id");
    if ($node->safe_psql('postgres', "SELECT to_regclass('$table') IS NOT NULL") eq 't') {
        is( $node->safe_psql('postgres',
                "SELECT (SELECT count(*) FROM $table) = snapshot_rows + inserts - deletes FROM cdccraft_runs WHERE run_id = $run_id"),
            't', "$what: count(*) = snapshot_rows + inserts - deletes");
    }
    if ($node->safe_psql('postgres', "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$slot'") eq '1') {
        # The publication may be gone; test_decoding-free counting needs it, so
        # count by message type only when it stands.
        if ($node->safe_psql('postgres', "SELECT count(*) FROM pg_publication WHERE pubname = '$publication'") eq '1') {
            is( $node->safe_psql('postgres', qq{
                SELECT count(*) FILTER (WHERE chr(get_byte(data, 0)) = 'I') || '/' ||
                       count(*) FILTER (WHERE chr(get_byte(data, 0)) = 'U') || '/' ||
                       count(*) FILTER (WHERE chr(get_byte(data, 0)) = 'D')
                  FROM pg_logical_slot_peek_binary_changes('$slot', NULL, NULL, 'proto_version', '1',
                                                           'publication_names', '$publication')}),
                $node->safe_psql('postgres',
                    "SELECT inserts || '/' || updates || '/' || deletes FROM cdccraft_runs WHERE run_id = $run_id"),
                "$what: the slot's inserts/updates/deletes equal the counters");
        }
    }
}

sub assert_no_worker {
    my ($node, $what) = @_;
    $node->poll_query_until('postgres',
        "SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'cdccraft worker'")
      or die "$what: a cdccraft worker is still running";
    pass("$what: no worker is left");
}

1;
