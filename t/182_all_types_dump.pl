# A dump of a database with an all_types run (its own enum type and domain,
# created with its table) restores: pg_dump finds no dependency loop between
# the table and its types, pg_restore --exit-on-error creates the types
# before the table that uses them, and the restored run claims nothing, its
# table, types and rows all there.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('all_types_dump');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

my $run = start_run($node, table_name => "'typed'", column_profile => "'all_types'", total_records => 300,
    seed => 11, evolution_ops => "'{enum_value}'", evolution_interval => 1, evolution_probability => 1,
    batch_size => 50);
$node->safe_psql('postgres', "CALL cdccraft_wait($run)");
is(state_of($node, $run), 'completed', 'the all_types run completes');

my $dump = $node->basedir . '/typed.dump';
my ($stdout, $stderr);
my $ok = IPC::Run::run([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('postgres') ],
    '>', \$stdout, '2>', \$stderr);
ok($ok, 'pg_dump of a database with an all_types run');
unlike($stderr, qr/could not resolve dependency loop/,
    'pg_dump finds no dependency loop between the run\'s table and its types');

$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('restored'), $dump ],
    'pg_restore --exit-on-error of it into another database');
is($node->safe_psql('restored', 'SELECT count(*) FROM public.typed'),
    $node->safe_psql('postgres', 'SELECT count(*) FROM public.typed'), 'the run\'s table and rows were restored');
is( $node->safe_psql('restored',
        "SELECT string_agg(format('%s %s', a.attname, a.atttypid::regtype), ', ' ORDER BY a.attname) "
          . "FROM pg_attribute a WHERE a.attrelid = 'public.typed'::regclass AND a.attname IN ('t_enum', 't_rating')"),
    't_enum typed_status, t_rating typed_rating', 'with its columns of the run\'s enum type and domain');
is($node->safe_psql('restored', "SELECT enum_range(NULL::public.typed_status)::text"),
    $node->safe_psql('postgres', "SELECT enum_range(NULL::public.typed_status)::text"),
    'the enum has every label the run gave it');
is( $node->safe_psql('restored',
        "SELECT holds_table || '' || holds_publication || holds_slot || restored FROM cdccraft_runs "
          . "WHERE run_id = $run"),
    'falsefalsefalsetrue', 'the restored run is marked restored and holds nothing');
my $cleanup = $node->safe_psql('restored', "SELECT cdccraft_cleanup($run)");
like($cleanup, qr/"dropped": \[\]/, 'cleanup of the restored run drops nothing');
is($node->safe_psql('restored',
        "SELECT count(*) FROM pg_type WHERE typname IN ('typed', 'typed_status', 'typed_rating')"),
    '3', 'the restored table and its types are still there');

# In the original database, cleanup still drops the table and, with it, the
# run's types.
$node->safe_psql('postgres', "SELECT cdccraft_cleanup($run)");
is($node->safe_psql('postgres',
        "SELECT count(*) FROM pg_type WHERE typname IN ('typed', 'typed_status', 'typed_rating', "
          . "'_typed_status', '_typed_rating')"),
    '0', 'the original run\'s cleanup drops its table and its types');

done_testing();
