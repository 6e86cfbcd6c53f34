# Real consumers agree with the summary: a native logical replication
# subscriber ends with the same rows, and pg_recvlogical reading the run's
# own wal2json slot sees exactly the summary's inserts, updates and deletes.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $publisher = PostgreSQL::Test::Cluster->new('publisher');
$publisher->init(allows_streaming => 'logical');
$publisher->append_conf('postgresql.conf',
    "output_plugin_libraries = 'pgoutput, test_decoding, wal2json'\n");
$publisher->start;
$publisher->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

my $subscriber = PostgreSQL::Test::Cluster->new('subscriber');
$subscriber->init;
$subscriber->start;

# A paced run without schema changes (native replication does not carry DDL),
# subscribed to while it runs.
my $run_id = $publisher->safe_psql('postgres',
    "SELECT cdccraft_start(total_records => 30000, batch_size => 250, seed => 99, evolve => false, "
      . "changes_per_second => 15000, slot_plugin => 'wal2json')");
$subscriber->safe_psql(
    'postgres', q{
    CREATE TABLE sales (id uuid PRIMARY KEY, customer_name text NOT NULL, item_id integer, quantity integer,
                        total_amount double precision, purchased_at timestamp,
                        created_at timestamp NOT NULL DEFAULT now(), updated_at timestamp NOT NULL DEFAULT now());
});
my $connstr = $publisher->connstr . ' dbname=postgres';
$subscriber->safe_psql('postgres', "CREATE SUBSCRIPTION consumer CONNECTION '$connstr' PUBLICATION sales_pub");

$publisher->safe_psql('postgres', "CALL cdccraft_wait($run_id)");
my $state = $publisher->safe_psql('postgres', "SELECT state FROM cdccraft_runs WHERE run_id = $run_id");
is($state, 'completed', 'the run completed');
$publisher->wait_for_catchup('consumer');
$subscriber->poll_query_until('postgres',
    "SELECT count(*) = 0 FROM pg_subscription_rel WHERE srsubstate NOT IN ('r', 's')")
  or die 'the subscriber did not finish its initial sync';

my $digest = q{SELECT count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY id)) FROM sales t};
is($subscriber->safe_psql('postgres', $digest),
    $publisher->safe_psql('postgres', $digest),
    'the subscriber holds exactly the publisher\'s rows');

# pg_recvlogical on the run's own slot, up to the run's last commit, filtered
# to the run's table as the README shows (a text plugin decodes cdccraft's
# own catalog writes too).
my $endpos = $publisher->safe_psql('postgres', 'SELECT pg_current_wal_lsn()');
my $file = $publisher->basedir . '/changes.json';
my ($stdout, $stderr);
IPC::Run::run(
    [ 'pg_recvlogical', '-d', $connstr, '--slot', 'sales_slot', '--start', '--no-loop', '--endpos', $endpos,
      '-o', 'format-version=2', '-o', 'add-tables=public.sales', '-f', $file ],
    '>', \$stdout, '2>', \$stderr)
  or die "pg_recvlogical failed: $stderr";
my %seen = (I => 0, U => 0, D => 0);
my $other_tables = 0;
open my $fh, '<', $file or die "cannot open $file: $!";
while (my $line = <$fh>) {
    $seen{$1}++ if $line =~ /"action":"([IUD])".*"schema":"public","table":"sales"/;
    $other_tables++ if $line =~ /"action":"[IUD]"/ && $line !~ /"schema":"public","table":"sales"/;
}
close $fh;
is($other_tables, 0, 'add-tables keeps cdccraft\'s own catalog writes out of the stream');
my $summary = $publisher->safe_psql('postgres',
    "SELECT concat_ws(' ', s->'inserts', s->'updates', s->'deletes') FROM cdccraft_summary($run_id) s");
is("$seen{I} $seen{U} $seen{D}", $summary, 'pg_recvlogical saw the summary\'s inserts, updates and deletes');

$subscriber->stop;
$publisher->stop;
done_testing();
