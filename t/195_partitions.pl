# partitioning => 'range': the run's table partitioned by range of
# created_at, its newest partition split off every partition_every batches
# (detached, attached back bounded, the next created), rows routed to each.
# Published with publish_via_partition_root, a native subscriber of the
# root (a plain table) receives every row exactly, the run's two writers
# and its splits notwithstanding. Published without, the changes come as
# each partition's, under its own name: the canary (which takes a
# partition's changes for the table's) and test_decoding agree with the
# truth. Cleanup drops the partitions with the table.
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

my $publisher = PostgreSQL::Test::Cluster->new('partitions');
$publisher->init(allows_streaming => 'logical');
$publisher->start;
$publisher->safe_psql('postgres', 'CREATE EXTENSION cdccraft; CREATE EXTENSION postgres_fdw');
my $subscriber = PostgreSQL::Test::Cluster->new('partitions_subscriber');
$subscriber->init;
$subscriber->start;

# Via the root, to a plain table of the same columns.
my $run = start_run($publisher, table_name => "'parted'", total_records => 30000, batch_size => 100, seed => 195,
    partitioning => "'range'", partition_every => 15, publish_via_partition_root => 'true', evolve => 'false',
    writers => 2, update_kinds => "'{all}'", changes_per_second => 20000, verify => 'true');
$subscriber->safe_psql('postgres', q{
    CREATE TABLE parted (id uuid PRIMARY KEY, customer_name text, item_id integer, quantity integer,
                         total_amount double precision, purchased_at timestamp, created_at timestamp,
                         updated_at timestamp);
});
my $connstr = $publisher->connstr . ' dbname=postgres';
$subscriber->safe_psql('postgres', "CREATE SUBSCRIPTION parted CONNECTION '$connstr' PUBLICATION parted_pub");
$publisher->safe_psql('postgres', "CALL cdccraft_wait($run)");
is(state_of($publisher, $run), 'completed', 'the partitioned run completes');
my $last = $publisher->safe_psql('postgres', "SELECT last_commit_lsn FROM cdccraft.run WHERE id = $run");
$subscriber->poll_query_until('postgres',
    "SELECT remote_lsn >= '$last' FROM pg_replication_origin_status s JOIN pg_subscription p "
      . "ON s.external_id = 'pg_' || p.oid WHERE p.subname = 'parted'")
  or die 'the subscriber did not catch up';

my $splits = $publisher->safe_psql('postgres',
    "SELECT count(*) FROM cdccraft_schema_changes WHERE run_id = $run AND operation = 'split_partition'");
is($splits, int(300 / 15), 'every 15th batch split the newest partition off');
is($publisher->safe_psql('postgres', "SELECT count(*) FROM pg_inherits WHERE inhparent = 'parted'::regclass"),
    $splits + 1, 'one partition per split, and the first');
ok($publisher->safe_psql('postgres', 'SELECT count(DISTINCT tableoid) FROM parted') > 10,
    'rows were routed to many partitions');
assert_exact($publisher, $run, 'partitioned');
my $v = decode_json($publisher->safe_psql('postgres', "SELECT cdccraft_verify($run)"));
ok($v->{ok}, 'the canary agrees with the truth') or diag explain $v->{first_differences};
is($publisher->safe_psql('postgres', "SELECT count(*) FROM cdccraft_diff($run, 'parted')"), '0',
    'the expected state is the table');
my $rows = q{SELECT count(*) || ' ' || md5(string_agg(concat_ws('|', id, customer_name, item_id, quantity,
                    total_amount, purchased_at, created_at, updated_at), ',' ORDER BY id)) FROM parted};
is($subscriber->safe_psql('postgres', $rows), $publisher->safe_psql('postgres', $rows),
    'the subscriber of the root holds every row exactly');
$subscriber->safe_psql('postgres', 'DROP SUBSCRIPTION parted');

# Each partition under its own name.
my $own = start_run($publisher, table_name => "'each'", total_records => 6000, batch_size => 100, seed => 196,
    partitioning => "'range'", partition_every => 7, evolve => 'false', replica_identity => "'default'",
    verify => 'true');
$publisher->safe_psql('postgres', "CALL cdccraft_wait($own)");
is(state_of($publisher, $own), 'completed', 'the run published by partition completes');
$v = decode_json($publisher->safe_psql('postgres', "SELECT cdccraft_verify($own)"));
ok($v->{ok}, 'the canary takes the partitions\' changes for the table\'s') or diag explain $v->{first_differences};
my $s = decode_json($publisher->safe_psql('postgres', "SELECT cdccraft_summary($own)"));
is("$v->{checked}{insert}/$v->{checked}{update}/$v->{checked}{delete}",
    "$s->{inserts}/$s->{updates}/$s->{deletes}", 'every change checked');
$publisher->safe_psql('postgres', "SELECT pg_copy_logical_replication_slot('each_slot', 'each_td', false, 'test_decoding')");
my $decoded = $publisher->safe_psql('postgres',
    "SELECT string_agg(data, E'\\n') FROM pg_logical_slot_get_changes('each_td', NULL, NULL, 'skip-empty-xacts', '1')");
my %tables;
$tables{$1}++ while $decoded =~ /^table public\.(each\w*): (?:INSERT|UPDATE|DELETE):/mg;
ok(!exists $tables{each}, 'no change comes as the root table\'s');
ok(keys %tables > 5, sprintf('changes come as %d partitions\'', scalar keys %tables));
my $total = 0;
$total += $_ for values %tables;
is($total, $s->{inserts} + $s->{updates} + $s->{deletes}, 'test_decoding decodes exactly the run\'s changes');

# Cleanup drops the run's partitions with the table, and only those: a table
# someone attached is detached and left; a partition of the run's that
# someone detached is dropped all the same.
my $newest = $publisher->safe_psql('postgres', q{
    SELECT c.oid::regclass FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'each'::regclass AND pg_get_expr(c.relpartbound, c.oid) LIKE '% TO (MAXVALUE)'});
my $lower = $publisher->safe_psql('postgres', qq{
    SELECT substring(pg_get_expr(c.relpartbound, c.oid) FROM 'FROM \\((.*)\\) TO') FROM pg_class c
     WHERE c.oid = '$newest'::regclass});
$publisher->safe_psql('postgres', qq{
    CREATE TABLE precious (LIKE each INCLUDING ALL);
    INSERT INTO precious (id, customer_name, purchased_at, created_at, updated_at)
         VALUES ('00000000-0000-4000-8000-000000000001', 'Mine', now(), '2099-06-01', now());
    ALTER TABLE each DETACH PARTITION $newest;
    ALTER TABLE each ATTACH PARTITION $newest FOR VALUES FROM ($lower) TO ('2099-01-01');
    ALTER TABLE each ATTACH PARTITION precious FOR VALUES FROM ('2099-01-01') TO (MAXVALUE);
    ALTER TABLE each DETACH PARTITION each_p1;
});
my $cleaned = decode_json($publisher->safe_psql('postgres', "SELECT cdccraft_cleanup($own)"));
ok((grep { $_ eq 'table public.each_p1' } @{ $cleaned->{dropped} }),
    'cleanup drops the run\'s partition that someone detached') or diag explain $cleaned;
ok((grep { $_->{object} eq 'table public.precious' && $_->{reason} =~ /a partition the run did not create/ } @{ $cleaned->{left} }),
    'and leaves a table someone attached, detached, saying why') or diag explain $cleaned;
is($publisher->safe_psql('postgres', "SELECT count(*) FROM precious"), '1', 'with its rows');
$publisher->safe_psql('postgres', "SELECT cdccraft_cleanup($run)");
is($publisher->safe_psql('postgres', "SELECT count(*) FROM pg_class WHERE relname ~ '^(parted|each)'"), '0',
    'cleanup leaves no partition of the runs behind');
done_testing();
