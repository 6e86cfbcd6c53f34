# The updates to 0.3.0, 0.4.0, 0.5.0 and 0.6.0 drop cdccraft_start (to give it new
# arguments). Any role that may create a function somewhere, even one that
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
is($node->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'cdccraft'"), '0.6.0',
    'the extension is at 0.6.0');
is($node->safe_psql('postgres', "SELECT pg_get_function_identity_arguments('cdccraft.cdccraft_start_0_2_0'::regproc) <> ''"),
    't', 'the old cdccraft_start is kept aside for the function that depends on it');

# The same from 0.3.0, 0.4.0 and 0.5.0: the dependent keeps that version's
# function, moved aside, which the library refuses.
for my $from ([ '0.3.0', 25 ], [ '0.4.0', 31 ], [ '0.5.0', 41 ]) {
    my ($version, $arguments) = @$from;
    (my $suffix = $version) =~ tr/./_/;
    my $aside = "cdccraft.cdccraft_start_$suffix";
    $node->safe_psql('postgres', qq{
        DROP FUNCTION public.hold();
        DROP EXTENSION cdccraft;
        CREATE EXTENSION cdccraft VERSION '$version';
    });
    ($rc, $out, $err) = $node->psql('postgres',
        'CREATE FUNCTION public.hold() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT public.cdccraft_start(); END',
        extra_params => [ '-U', 'mallory' ]);
    is($rc, 0, "mallory makes a function that depends on ${version}'s cdccraft_start");
    ($rc, $out, $err) = $node->psql('postgres', 'ALTER EXTENSION cdccraft UPDATE');
    is($err, '', "the update from $version succeeds all the same");
    is($node->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'cdccraft'"), '0.6.0',
        'the extension is at 0.6.0');
    is($node->safe_psql('postgres', "SELECT pronargs FROM pg_proc WHERE oid = '$aside'::regproc"),
        $arguments, "${version}'s cdccraft_start, $arguments arguments, is kept aside");
    ($rc, $out, $err) = $node->psql('postgres', 'SELECT public.hold()');
    like($err, qr/cdccraft_start has $arguments arguments, but the cdccraft library expects 42/,
        'and the library refuses its calls');
}
is($node->safe_psql('postgres', "SELECT pronargs FROM pg_proc WHERE oid = 'public.cdccraft_start'::regproc"),
    '42', 'cdccraft_start has its 0.6.0 arguments');
done_testing();
