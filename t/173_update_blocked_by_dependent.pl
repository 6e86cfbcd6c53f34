# The update to 0.3.0 drops cdccraft_start (to give it its verify
# argument). Any role that may create a function somewhere, even one that
# may not execute cdccraft_start, can make an object depend on it, and the
# update, plain DROP FUNCTION, then fails: the role holds back the update
# (and so DROP EXTENSION, which the drop guard refuses while runs are
# recorded under older SQL objects).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('update_blocked');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql('postgres', q{
    CREATE EXTENSION cdccraft VERSION '0.2.0';
    CREATE ROLE mallory LOGIN;
    GRANT CREATE ON SCHEMA public TO mallory;
});
my ($rc, $out, $err) = $node->psql('postgres',
    'CREATE FUNCTION public.hold() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT public.cdccraft_start(); END',
    extra_params => [ '-U', 'mallory' ]);
is($rc, 0, 'mallory, who may not start runs, makes a function that depends on cdccraft_start');
is($node->safe_psql('postgres', "SELECT has_function_privilege('mallory', 'cdccraft_start'::regproc, 'EXECUTE')"),
    'f', 'mallory may not execute cdccraft_start');
($rc, $out, $err) = $node->psql('postgres', 'ALTER EXTENSION cdccraft UPDATE');
is($err, '', 'ALTER EXTENSION cdccraft UPDATE succeeds all the same');
is($node->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'cdccraft'"), '0.3.0',
    'the extension is at 0.3.0');
done_testing();
