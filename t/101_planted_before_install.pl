# No escalation through objects planted before the extension is installed or
# updated: an extension script runs with the extension's schema first on the
# path, and a role that may create there (here public, where the README's
# set-up grants CREATE) plants operators that beat pg_catalog's for the types
# cdccraft's views combine. Whatever cdccraft stores (views, SQL functions)
# must bind to pg_catalog's, so that none of the role's code runs as the
# readers of those views, superusers among them.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('planted');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql('postgres', 'CREATE ROLE eve LOGIN REPLICATION');

sub as_eve {
    my ($db, $sql) = @_;
    my ($rc, $out, $err) = $node->psql($db, $sql, extra_params => [ '-U', 'eve' ]);
    return $rc == 0 ? $out : $err;
}

sub assert_not_escalated {
    my ($db, $what) = @_;
    is( $node->safe_psql(
            $db,
            "SELECT coalesce(string_agg(DISTINCT what || ' as ' || run_as, ', '), 'none') FROM public.calls "
              . "WHERE run_as <> 'eve'"),
        'none', "$what: none of eve's code ran as another role");
    is($node->safe_psql($db, "SELECT rolsuper FROM pg_roles WHERE rolname = 'eve'"), 'f',
        "$what: eve is not a superuser");
    # What cdccraft stores binds to pg_catalog's objects or its own: no
    # function or operator of the extension's objects (views' rules, SQL
    # functions, defaults) lies anywhere else.
    is( $node->safe_psql(
            $db, q{
            WITH member AS (SELECT d.classid, d.objid FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
                             WHERE e.extname = 'cdccraft' AND d.deptype = 'e'),
                 dependent AS (SELECT classid, objid FROM member
                               UNION SELECT 'pg_rewrite'::regclass, w.oid FROM pg_rewrite w JOIN member m
                                        ON m.classid = 'pg_class'::regclass AND m.objid = w.ev_class
                               UNION SELECT 'pg_attrdef'::regclass, a.oid FROM pg_attrdef a JOIN member m
                                        ON m.classid = 'pg_class'::regclass AND m.objid = a.adrelid
                               UNION SELECT 'pg_constraint'::regclass, k.oid FROM pg_constraint k JOIN member m
                                        ON m.classid = 'pg_class'::regclass AND m.objid = k.conrelid
                               UNION SELECT 'pg_class'::regclass, i.indexrelid FROM pg_index i JOIN member m
                                        ON m.classid = 'pg_class'::regclass AND m.objid = i.indrelid)
            SELECT coalesce(string_agg(DISTINCT pg_describe_object(d.refclassid, d.refobjid, 0), ', '), 'none')
              FROM pg_depend d JOIN dependent x ON x.classid = d.classid AND x.objid = d.objid
              LEFT JOIN pg_operator o ON d.refclassid = 'pg_operator'::regclass AND o.oid = d.refobjid
              LEFT JOIN pg_proc p ON d.refclassid = 'pg_proc'::regclass AND p.oid = d.refobjid
             WHERE coalesce(o.oprnamespace, p.pronamespace) NOT IN ('pg_catalog'::regnamespace,
                                                                     'cdccraft'::regnamespace)
               AND NOT EXISTS (SELECT FROM member m WHERE m.classid = d.refclassid AND m.objid = d.refobjid)}),
        'none', "$what: cdccraft's objects use no function or operator but pg_catalog's and its own");
}

# A fresh install after eve planted her traps in public.
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'GRANT CREATE ON DATABASE fresh TO eve; GRANT CREATE ON SCHEMA public TO eve');
as_eve('fresh', trap_sql('public'));
$node->safe_psql('fresh', 'CREATE EXTENSION cdccraft; GRANT EXECUTE ON FUNCTION cdccraft_start TO eve');
my $run = as_eve('fresh', "SELECT cdccraft_start(table_name => 'bait', total_records => 400, batch_size => 50, seed => 1)");
like($run, qr/^\d+$/, 'eve starts a run in a database where she planted traps before the install');
as_eve('fresh', "CALL cdccraft_wait($run)");
for my $read ("SELECT cdccraft_summary($run)", "SELECT cdccraft_report($run)", 'SELECT * FROM cdccraft_runs',
    'SELECT * FROM cdccraft_schema_changes', "CALL cdccraft_wait($run)", "SELECT cdccraft_cleanup($run)")
{
    $node->safe_psql('fresh', $read);
}
is($node->safe_psql('fresh', "SELECT count(*) FROM pg_class WHERE relname = 'bait'"), '0',
    'a superuser read and cleaned up her run');
assert_not_escalated('fresh', 'traps planted before CREATE EXTENSION');

# An update from 0.1.0 after eve planted her traps, with a run recorded by
# 0.1.0 (as its worker wrote them) for the update to carry over.
$node->safe_psql('postgres', 'CREATE DATABASE updated');
$node->safe_psql('updated', 'GRANT CREATE ON DATABASE updated TO eve; GRANT CREATE ON SCHEMA public TO eve');
$node->safe_psql(
    'updated', q{
    CREATE EXTENSION cdccraft VERSION '0.1.0';
    SELECT 'created' FROM pg_create_logical_replication_slot('old_slot', 'pgoutput');
    INSERT INTO cdccraft.run (owner, schema_name, table_name, publication_name, slot_name, config, parameters, seed,
                              state, created_publication, created_slot, made_publication, made_slot, finished_at)
    VALUES ('eve'::regrole, 'public', 'old', 'old_pub', 'old_slot', '', '{"seed": 1}', 1, 'completed', false, true,
            false, true, now());
});
as_eve('updated', trap_sql('public'));
$node->safe_psql('updated', 'ALTER EXTENSION cdccraft UPDATE');
$node->safe_psql('updated', 'SELECT * FROM cdccraft_runs');
my $left = $node->safe_psql('updated', 'SELECT cdccraft_cleanup(1)');
like($left, qr/"object": "slot old_slot", "reason": "run 1 was recorded by cdccraft 0.1.0, which kept only its slot's name/,
    'the 0.1.0 run\'s slot, known only by name, is left, and cleanup says why');
assert_not_escalated('updated', 'traps planted before ALTER EXTENSION UPDATE');

done_testing();
