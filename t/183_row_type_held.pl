# Another role, given nothing on a run's table, must not be able to hold the
# run's cleanup back. The table's row type is a type like the run's enum and
# domain: with USAGE left to PUBLIC, any role that may look in the table's
# schema can make a view, a domain or a function on it in a schema of its
# own, and plain DROP TABLE (cdccraft_cleanup, DROP EXTENSION CASCADE) then
# fails on them. The run's types are no other role's to use, the row type
# included.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('row_type_held');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql(
    'postgres', q{
    CREATE EXTENSION cdccraft;
    CREATE ROLE mallory LOGIN;
    GRANT CREATE ON DATABASE postgres TO mallory;
});

sub as_mallory {
    my ($sql) = @_;
    my ($rc, $out, $err) = $node->psql('postgres', $sql, extra_params => [ '-U', 'mallory' ]);
    return $rc == 0 ? 'ok' : $err;
}

for my $profile ('basic', 'all_types') {
    my $table = "held_$profile";
    my $run = start_run($node, table_name => "'$table'", column_profile => "'$profile'", total_records => 100,
        seed => 3);
    $node->safe_psql('postgres', "CALL cdccraft_wait($run)");
    is(state_of($node, $run), 'completed', "$profile: the run completes");

    as_mallory("CREATE SCHEMA IF NOT EXISTS m");
    for my $sql ("CREATE VIEW m.v_$profile AS SELECT (NULL::public.$table)::text AS t",
        "CREATE DOMAIN m.d_$profile AS public.$table",
        "CREATE FUNCTION m.f_$profile(public.$table) RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE TABLE m.t_$profile (r public.$table)")
    {
        like(as_mallory($sql), qr/permission denied for type $table/,
            "$profile: mallory may not use the run's row type: $sql");
    }

    my ($rc, $out, $err) = $node->psql('postgres', "SELECT cdccraft_cleanup($run)");
    is($rc, 0, "$profile: the run's cleanup is not held back by mallory") or diag($err);
    is($node->safe_psql('postgres', "SELECT count(*) FROM pg_class WHERE relname = '$table'"), '0',
        "$profile: the table is gone");
}

done_testing();
