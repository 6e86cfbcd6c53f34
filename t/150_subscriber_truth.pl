# The truth against a real sink: a native logical replication subscriber,
# stopped three times while an evolving run writes, holds exactly
# cdccraft_expected_state at the position it had applied (its origin's
# remote_lsn, which is a batch's commit LSN), compared through postgres_fdw
# with cdccraft_diff. Then a deliberate loss on the subscriber: cdccraft_diff
# names exactly the keys deleted, changed and added there.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $publisher = PostgreSQL::Test::Cluster->new('truth_publisher');
$publisher->init(allows_streaming => 'logical');
$publisher->start;
$publisher->safe_psql('postgres', 'CREATE EXTENSION cdccraft; CREATE EXTENSION postgres_fdw');

my $subscriber = PostgreSQL::Test::Cluster->new('truth_subscriber');
$subscriber->init;
$subscriber->start;

# Native replication carries no DDL: the subscriber's table has every column
# a run can ever add, and replication matches columns by name.
$subscriber->safe_psql(
    'postgres', q{
    CREATE TABLE sales (id uuid PRIMARY KEY, customer_name text, item_id integer, quantity integer,
                        total_amount double precision, purchased_at timestamp, created_at timestamp,
                        updated_at timestamp, promo_code text, discount_rate double precision, is_gift boolean,
                        sales_channel text, region text, currency text, payment_method text, is_returned boolean,
                        customer_tier text, tax_amount double precision);
});

# The subscriber's table, seen from the publisher.
my $sub_port = $subscriber->port;
my $sub_host = $subscriber->host;
$publisher->safe_psql(
    'postgres', qq{
    CREATE SERVER sink FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '$sub_host', port '$sub_port', dbname 'postgres');
    CREATE USER MAPPING FOR CURRENT_USER SERVER sink;
    CREATE SCHEMA sink;
    IMPORT FOREIGN SCHEMA public LIMIT TO (sales) FROM SERVER sink INTO sink;
});

# A paced run that changes its schema every fifth batch until the pool's
# limits, subscribed to while it runs.
my $run = start_run($publisher, total_records => 0, batch_size => 100, snapshot_rows => 500, seed => 150,
    evolution_interval => 5, evolution_probability => 1, changes_per_second => 4000);
my $connstr = $publisher->connstr . ' dbname=postgres';
$subscriber->safe_psql('postgres', "CREATE SUBSCRIPTION truth CONNECTION '$connstr' PUBLICATION sales_pub");
$subscriber->poll_query_until('postgres',
    "SELECT count(*) = 0 FROM pg_subscription_rel WHERE srsubstate NOT IN ('r', 's')")
  or die 'the subscriber did not finish its initial sync';

# The position the subscriber has applied up to: the end of the last remote
# commit it applied, kept by its replication origin.
sub applied_position {
    return $subscriber->safe_psql('postgres',
        "SELECT remote_lsn FROM pg_replication_origin_status s JOIN pg_subscription p "
          . "ON s.external_id = 'pg_' || p.oid WHERE p.subname = 'truth'");
}

sub stop_subscriber {
    $subscriber->safe_psql('postgres', 'ALTER SUBSCRIPTION truth DISABLE');
    $subscriber->poll_query_until('postgres',
        "SELECT count(*) = 0 FROM pg_stat_subscription WHERE subname = 'truth' AND pid IS NOT NULL")
      or die 'the apply worker did not stop';
}

# Differences in rows (key not NULL) and the columns the sink has besides
# those in force.
sub row_differences {
    my ($position) = @_;
    return $publisher->safe_psql('postgres',
        "SELECT count(*) FROM cdccraft_diff($run, 'sink.sales', '$position') WHERE key IS NOT NULL");
}

my $batches = 0;
for my $stop (1 .. 3) {
    $batches += 30;
    wait_for_batches($publisher, $run, $batches);
    # Let the subscriber receive some of it, then stop it wherever it is.
    $publisher->poll_query_until('postgres',
        "SELECT confirmed_flush_lsn > (SELECT commit_lsn FROM cdccraft_batches WHERE run_id = $run "
          . "AND batch = $batches - 10) FROM pg_replication_slots WHERE slot_name = 'truth'")
      or die 'the subscriber does not follow';
    stop_subscriber();
    my $position = applied_position();
    # A batch's commit LSN is recorded with the next batch: wait until the
    # ledger is past the position.
    $publisher->poll_query_until('postgres',
        "SELECT max(commit_lsn) >= '$position' FROM cdccraft_batches WHERE run_id = $run")
      or die 'the run does not go on';
    my ($batch, $columns) = split /\|/, $publisher->safe_psql('postgres',
        "SELECT b.batch, cardinality(cdccraft.columns_in_force($run, '$position')) FROM cdccraft_batches b "
          . "WHERE b.run_id = $run AND b.commit_lsn = '$position'");
    ok(defined $batch && $batch > 0, "stop $stop: the subscriber stopped at the end of the commit of batch $batch");
    is(row_differences($position), '0',
        "stop $stop: it holds exactly the expected state at $position (batch $batch, $columns columns in force)");
    is( $publisher->safe_psql('postgres',
            "SELECT count(*) FROM cdccraft_diff($run, 'sink.sales', '$position') "
              . "WHERE key IS NULL AND problem = 'extra'"),
        18 - $columns, "stop $stop: every other column of the sink is reported once, as extra");
    $subscriber->safe_psql('postgres', 'ALTER SUBSCRIPTION truth ENABLE');
}
ok($publisher->safe_psql('postgres', "SELECT additions + drops FROM cdccraft_runs WHERE run_id = $run") > 3,
    'the schema changed along the way');

# The run stopped, the subscriber caught up: no difference at the end.
$publisher->safe_psql('postgres', "SELECT cdccraft_stop($run)");
$publisher->wait_for_catchup('truth');
stop_subscriber();
my $end = applied_position();
is($end, $publisher->safe_psql('postgres', "SELECT commit_lsn FROM cdccraft_batches WHERE run_id = $run "
          . "ORDER BY batch DESC LIMIT 1"), 'the subscriber applied the run\'s last commit');
is(row_differences($end), '0', 'and holds the expected state at the end');
is($publisher->safe_psql('postgres', "SELECT count(*) FROM cdccraft_diff($run, 'sink.sales') WHERE key IS NOT NULL"),
    '0', 'which is the expected state with no bound');

# A deliberate loss on the subscriber.
my ($lost1, $lost2, $changed) = split /\n/, $subscriber->safe_psql('postgres',
    'SELECT id FROM sales ORDER BY id LIMIT 3');
$subscriber->safe_psql(
    'postgres', qq{
    DELETE FROM sales WHERE id IN ('$lost1', '$lost2');
    UPDATE sales SET quantity = quantity + 1 WHERE id = '$changed';
    INSERT INTO sales (id, customer_name) VALUES ('00000000-0000-4000-8000-00000000beef', 'Nobody');
});
is( $publisher->safe_psql(
        'postgres',
        "SELECT string_agg(key || ' ' || problem, ',' ORDER BY key) FROM cdccraft_diff($run, 'sink.sales') "
          . "WHERE key IS NOT NULL"),
    join(',', sort("$lost1 missing", "$lost2 missing", "$changed different",
            '00000000-0000-4000-8000-00000000beef extra')),
    'cdccraft_diff names exactly the keys lost, changed and added on the subscriber');
is( $publisher->safe_psql(
        'postgres',
        "SELECT string_agg(e.name, ',') FROM cdccraft_diff($run, 'sink.sales') d, jsonb_each(d.expected) e(name, value) "
          . "WHERE d.problem = 'different' AND d.actual->e.name IS DISTINCT FROM e.value"),
    'quantity', 'and of the changed row, exactly the column changed');

$subscriber->safe_psql('postgres', 'DROP SUBSCRIPTION truth');
$publisher->safe_psql('postgres', "SELECT cdccraft_cleanup($run)");
done_testing();
