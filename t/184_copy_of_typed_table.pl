# A copy of an all_types run's table (CREATE TABLE ... (LIKE ...), as a
# replay of the truth makes one: sql/14_all_types) uses the run's enum type
# and domain, but depends on nothing of the run's table. The types' automatic
# dependency on the table must not turn that copy into a dependent of the
# table: cleanup (and so DROP EXTENSION CASCADE) drops the run's table and
# leaves the copy, its columns and its rows, whole; the types the copy still
# uses are left, and cleanup says so.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('copy_of_typed');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

my $run = start_run($node, table_name => "'typed'", column_profile => "'all_types'", total_records => 100, seed => 2);
$node->safe_psql('postgres', "CALL cdccraft_wait($run)");
$node->safe_psql('postgres', 'CREATE TABLE public.sink (LIKE public.typed); INSERT INTO public.sink SELECT * FROM public.typed');
my $rows = $node->safe_psql('postgres', 'SELECT count(*) FROM public.sink');

my ($rc, $out, $err) = $node->psql('postgres', "SELECT cdccraft_cleanup($run)");
is($rc, 0, 'cleanup is not held back by a copy of the table') or diag($err);
is($node->safe_psql('postgres', "SELECT to_regclass('public.typed') IS NULL"), 't', 'the run\'s table is dropped');
is( $node->safe_psql('postgres',
        "SELECT count(*) FROM pg_attribute WHERE attrelid = 'public.sink'::regclass "
          . "AND attname IN ('t_enum', 't_rating') AND NOT attisdropped"),
    '2', 'the copy keeps its columns of the run\'s types');
is($node->safe_psql('postgres', 'SELECT count(*) FROM public.sink'), $rows, 'and its rows');

done_testing();
