# No escalation: the worker acts as the role that started the run; roles see,
# wait for, stop and clean up only runs of roles whose privileges they have;
# the catalog is not theirs to read or write.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('privileges');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql(
    'postgres', q{
    CREATE EXTENSION cdccraft;
    CREATE ROLE alice LOGIN REPLICATION;
    CREATE ROLE bob LOGIN REPLICATION;
    CREATE ROLE carol LOGIN IN ROLE alice;
    CREATE ROLE mallory LOGIN;
    GRANT EXECUTE ON FUNCTION cdccraft_start TO alice, bob, mallory;
    GRANT CREATE ON DATABASE postgres TO alice, bob;
    GRANT CREATE ON SCHEMA public TO alice, bob, mallory;
    CREATE SCHEMA locked;
    CREATE TABLE public.victim (id int);
    INSERT INTO public.victim VALUES (1);
});

sub as_role {
    my ($role, $sql) = @_;
    my ($rc, $out, $err) = $node->psql('postgres', $sql, extra_params => [ '-U', $role ]);
    return $rc == 0 ? $out : $err;
}
# The worker runs as the caller: what it creates is the caller's.
my $alice_run = as_role('alice', "SELECT cdccraft_start(table_name => 'alice_sales', total_records => 500, seed => 1)");
like($alice_run, qr/^\d+$/, 'alice starts a run');
as_role('alice', "CALL cdccraft_wait($alice_run)");
is($node->safe_psql('postgres', q{
        SELECT (SELECT tableowner FROM pg_tables WHERE tablename = 'alice_sales') || '/' ||
               (SELECT pubowner::regrole FROM pg_publication WHERE pubname = 'alice_sales_pub')}),
    'alice/alice', "the run's table and publication belong to alice, not to a superuser");

# The worker cannot write where the caller could not.
like(as_role('alice', "SELECT cdccraft_start(table_name => 't', schema_name => 'locked')"),
    qr/ERROR:  permission denied for schema locked/, 'alice cannot have a run write into a schema she cannot');
assert_nothing_left($node, 't', 'a schema alice cannot write');
# (mallory has no REPLICATION, which cdccraft_start checks first: her runs
# create no slot.)
like(as_role('mallory', "SELECT cdccraft_start(table_name => 'm', schema_name => 'fresh_schema', create_slot => false)"),
    qr/ERROR:  permission denied for database postgres/, 'mallory cannot have a run create a schema');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_namespace WHERE nspname = 'fresh_schema'"), '0',
    'no schema was created for mallory');
like(as_role('mallory', "SELECT cdccraft_start(table_name => 'victim', create_slot => false)"),
    qr/ERROR:  relation public.victim already exists/, 'no run writes into an existing table');
is($node->safe_psql('postgres', 'SELECT count(*) FROM victim'), '1', 'the existing table is untouched');

# Other roles see nothing of alice's run and can steer none of it.
is(as_role('bob', "SELECT count(*) FROM cdccraft_runs"), '0', 'bob sees none of alice\'s runs');
is(as_role('bob', "SELECT count(*) FROM cdccraft_schema_changes"), '0', 'nor their schema changes');
for my $call ("SELECT cdccraft_summary($alice_run)", "SELECT cdccraft_report($alice_run)",
    "CALL cdccraft_wait($alice_run)", "SELECT cdccraft.wait_for_run($alice_run, NULL)",
    "SELECT cdccraft_stop($alice_run)", "SELECT cdccraft_cleanup($alice_run)",
    "SELECT cdccraft.release_claims($alice_run)")
{
    like(as_role('bob', $call), qr/ERROR:  cdccraft run $alice_run does not exist/,
        "bob: $call says the run does not exist");
}
like(as_role('bob', 'SELECT * FROM cdccraft.run'), qr/permission denied for table run/,
    'bob cannot read the catalog');
like(as_role('bob', 'SELECT * FROM cdccraft.progress'), qr/permission denied for table progress/,
    'nor the runs\' counters');
like(as_role('bob', "UPDATE cdccraft.run SET state = 'failed'"), qr/permission denied for table run/,
    'bob cannot write the catalog');
like(as_role('alice', "UPDATE cdccraft.progress SET inserts = 0"), qr/permission denied for table progress/,
    'alice cannot rewrite her own run\'s counters');

# A member of alice's role may steer her runs; a superuser sees all.
my $endless = as_role('alice', "SELECT cdccraft_start(table_name => 'endless', total_records => 0, seed => 2, changes_per_second => 1000)");
is(as_role('carol', "SELECT string_agg(run_id::text, ',' ORDER BY run_id) FROM cdccraft_runs"),
    as_role('alice', "SELECT string_agg(run_id::text, ',' ORDER BY run_id) FROM cdccraft_runs"),
    'carol, a member of alice, sees alice\'s runs');
like(as_role('bob', "SELECT cdccraft_stop()"), qr/ERROR:  there is no active cdccraft run/,
    'bob\'s stop() does not reach alice\'s run');
is(as_role('carol', "SELECT cdccraft_stop($endless)->>'state'"), 'stopped', 'carol can stop alice\'s run');
is($node->safe_psql('postgres', 'SELECT count(*) FROM cdccraft_runs'),
    $node->safe_psql('postgres', 'SELECT count(*) FROM cdccraft.run'), 'a superuser sees every run');
like(as_role('carol', "SELECT cdccraft_cleanup($endless)"),
    qr/ERROR:  must be superuser or replication role to use replication slots/,
    'cleanup drops with the caller\'s own rights: carol, without REPLICATION, cannot drop the slot');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_class WHERE relname = 'endless'"), '1',
    'and her failed cleanup dropped nothing');
like(as_role('alice', "SELECT cdccraft_cleanup($endless)->>'dropped'"), qr/table public.endless/,
    'alice cleans up her own run');

# Internal functions are not a way around the checks.
like(as_role('bob', 'SELECT cdccraft.drop_guard()'), qr/ERROR:  .*event trigger/,
    'the drop guard cannot be called directly');

$node->stop;
done_testing();
