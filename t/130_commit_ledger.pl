# The truth's first part: every committed transaction of a run, with its xid
# and commit LSN (cdccraft_batches), is exactly what the server emitted. The
# run's own slot, decoded as pgoutput's binary messages, holds one
# transaction per batch after the snapshot: its Begin carries the batch's
# xid and its Commit the batch's commit LSN (the end of the commit record).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('ledger');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

# The slot's transactions in order: (xid, end LSN of the commit), from
# pgoutput's Begin (type, final LSN, timestamp, xid) and Commit (type, flags,
# commit LSN, end LSN, timestamp) messages.
sub emitted {
    my ($slot, $publication) = @_;
    return $node->safe_psql(
        'postgres', qq{
        WITH m AS (SELECT data, row_number() OVER () AS n
                     FROM pg_logical_slot_peek_binary_changes('$slot', NULL, NULL, 'proto_version', '1',
                                                              'publication_names', '$publication')),
             b AS (SELECT row_number() OVER (ORDER BY n) AS k,
                          ('x' || encode(substring(data FROM 18 FOR 4), 'hex'))::bit(32)::bigint AS xid
                     FROM m WHERE get_byte(data, 0) = ascii('B')),
             c AS (SELECT row_number() OVER (ORDER BY n) AS k,
                          (encode(substring(data FROM 11 FOR 4), 'hex') || '/' ||
                           encode(substring(data FROM 15 FOR 4), 'hex'))::pg_lsn AS end_lsn
                     FROM m WHERE get_byte(data, 0) = ascii('C'))
        SELECT string_agg(b.xid || ' ' || c.end_lsn, ',' ORDER BY b.k) FROM b JOIN c USING (k)});
}

# The run's batches after the snapshot, as cdccraft_batches has them.
sub recorded {
    my ($run) = @_;
    return $node->safe_psql('postgres',
        "SELECT string_agg((xid::text::bigint % 4294967296) || ' ' || commit_lsn, ',' ORDER BY batch) "
          . "FROM cdccraft_batches WHERE run_id = $run AND batch > 0");
}

# A completed run with schema evolution.
my $run = start_run($node, table_name => "'ledger'", total_records => 5000, batch_size => 100, seed => 11,
    evolution_interval => 5);
$node->safe_psql('postgres', "CALL cdccraft_wait($run)");
is(state_of($node, $run), 'completed', 'the run completes');
is($node->safe_psql('postgres', "SELECT count(*) FROM cdccraft_batches WHERE run_id = $run"),
    $node->safe_psql('postgres', "SELECT batches + 1 FROM cdccraft_runs WHERE run_id = $run"),
    'one commit per batch, and batch 0 for the snapshot');
is($node->safe_psql('postgres',
        "SELECT count(*) FROM cdccraft_batches WHERE run_id = $run AND (commit_lsn IS NULL OR xid IS NULL)"),
    '0', 'every commit has its xid and commit LSN, the last one\'s with the outcome');
my $emitted = emitted('ledger_slot', 'ledger_pub');
ok(length($emitted) > 0, 'the slot holds the run\'s transactions');
is(recorded($run), $emitted, 'each batch\'s xid and commit LSN are those of the transaction the slot emitted');
is($node->safe_psql('postgres',
        "SELECT bool_and(now_at <= (SELECT finished_at FROM cdccraft_runs WHERE run_id = $run)) "
          . "FROM cdccraft_batches WHERE run_id = $run"),
    't', 'each batch carries the transaction timestamp behind its now()');

# What else the seed cannot know: the local time that purchased_at values
# count back from, two years at most.
is( $node->safe_psql(
        'postgres',
        "SELECT bool_and(t.purchased_at <= r.time_anchor AND t.purchased_at > r.time_anchor - interval '730 days') "
          . "FROM public.ledger t, cdccraft.run r WHERE r.id = $run"),
    't', 'every purchased_at counts back from the recorded time anchor');

# A stopped run: the last batch's commit LSN comes with the outcome.
my $stopped = start_run($node, table_name => "'stopped'", total_records => 0, batch_size => 50, seed => 12,
    changes_per_second => 5000);
wait_for_batches($node, $stopped, 20);
$node->safe_psql('postgres', "SELECT cdccraft_stop($stopped)");
is(recorded($stopped), emitted('stopped_slot', 'stopped_pub'),
    'a stopped run: every batch, the last included, as the slot emitted it');

# Another role sees none of it.
$node->safe_psql('postgres', 'CREATE ROLE outsider LOGIN');
my ($rc, $out, $err) = $node->psql('postgres', 'SELECT count(*) FROM cdccraft_batches', extra_params => [ '-U', 'outsider' ]);
is($out, '0', 'a role without the owner\'s privileges sees no run\'s commits');
($rc, $out, $err) = $node->psql('postgres', 'SELECT count(*) FROM cdccraft.batch_commit', extra_params => [ '-U', 'outsider' ]);
like($err, qr/permission denied for table batch_commit/, 'nor the catalog table under them');

done_testing();
