# The updates to 0.3.0, 0.4.0, 0.5.0 and 0.6.0 drop cdccraft_start and create it anew, giving back
# the EXECUTE grants the old one had. It must give back no more than there
# was: a grant made by a holder of the grant option stays that holder's, so
# that revoking the holder's privilege (CASCADE) still takes it away; and
# the grants given back are the database's, not the extension's initial
# privileges, so that pg_dump keeps them (a restore would otherwise lose
# every role's right to start runs).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('start_grants');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql('postgres', q{
    CREATE EXTENSION cdccraft VERSION '0.2.0';
    CREATE ROLE lead;
    CREATE ROLE helper;
    GRANT EXECUTE ON FUNCTION cdccraft_start TO lead WITH GRANT OPTION;
    SET ROLE lead;
    GRANT EXECUTE ON FUNCTION cdccraft_start TO helper;
    RESET ROLE;
});
my $before = $node->safe_psql('postgres', "SELECT proacl FROM pg_proc WHERE proname = 'cdccraft_start'");
$node->safe_psql('postgres', 'ALTER EXTENSION cdccraft UPDATE');
my $after = $node->safe_psql('postgres', "SELECT proacl FROM pg_proc WHERE proname = 'cdccraft_start'");
is($after, $before, 'cdccraft_start has the same grants, by the same grantors, after the update');
is($node->safe_psql('postgres',
        "SELECT i.initprivs FROM pg_init_privs i WHERE i.objoid = 'cdccraft_start'::regproc "
          . "AND i.classoid = 'pg_proc'::regclass"),
    '{' . $node->safe_psql('postgres', 'SELECT current_user') . '=X/' . $node->safe_psql('postgres', 'SELECT current_user') . '}',
    'the extension\'s initial privileges on cdccraft_start are its script\'s own, not the database\'s grants');
my ($dump) = run_command([ 'pg_dump', '-d', $node->connstr('postgres') ]);
like($dump, qr/GRANT ALL ON FUNCTION public\.cdccraft_start\(.*\) TO lead WITH GRANT OPTION;/,
    'pg_dump keeps the grant to lead');
$node->safe_psql('postgres', 'REVOKE EXECUTE ON FUNCTION cdccraft_start FROM lead CASCADE');
is($node->safe_psql('postgres', "SELECT has_function_privilege('helper', 'cdccraft_start'::regproc, 'EXECUTE')"),
    'f', 'revoking lead\'s privilege CASCADE takes away the grant lead made, as before the update');
done_testing();
