# ALTER EXTENSION cdccraft UPDATE from 0.1.0 keeps the runs that 0.1.0
# recorded, with what they created, and new runs start after it. A dump of a
# database with runs restores its run history, and the restored runs claim
# nothing in the database they were restored into.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init(allows_streaming => 'logical');
$node->start;

# A database as 0.1.0 left it: a finished run, with the table, publication
# and slot it created, recorded the way 0.1.0's worker recorded them (this
# build has no 0.1.0 worker to make them).
$node->safe_psql(
    'postgres', q{
    CREATE EXTENSION cdccraft VERSION '0.1.0';
    CREATE TABLE public.old_sales (id uuid PRIMARY KEY, customer_name text NOT NULL);
    INSERT INTO public.old_sales VALUES ('00000000-0000-4000-8000-000000000001', 'Ada Lovelace');
    CREATE PUBLICATION old_sales_pub FOR TABLE public.old_sales;
    SELECT 'created' FROM pg_create_logical_replication_slot('old_sales_slot', 'pgoutput');
    INSERT INTO cdccraft.run (owner, schema_name, table_name, publication_name, slot_name, config, parameters, seed,
                              state, relid, created_publication, created_slot, made_publication, made_slot,
                              snapshot_rows, original_schema, final_schema, finished_at)
    VALUES ((SELECT oid FROM pg_roles WHERE rolname = current_user), 'public', 'old_sales', 'old_sales_pub',
            'old_sales_slot', '', '{"seed": 5}', 5, 'completed', 'public.old_sales'::regclass, true, true, true,
            true, 1, '[]', '[]', now());
    INSERT INTO cdccraft.progress VALUES (1, 1, 0, 0, 0, 0, 0);
});
is($node->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'cdccraft'"), '0.1.0',
    'the database holds cdccraft 0.1.0');

my ($rc, $out, $err) = $node->psql('postgres', "SELECT cdccraft_start(table_name => 'too_early')");
like($err, qr/ERROR:  cdccraft_start has 22 arguments, but the cdccraft library expects 42\nHINT:  Update the extension with ALTER EXTENSION cdccraft UPDATE/,
    'before the update, a start says the SQL objects are older than the library');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_class WHERE relname = 'too_early'"), '0',
    'and creates nothing');

($rc, $out, $err) = $node->psql('postgres', 'DROP EXTENSION cdccraft');
like($err, qr/ERROR:  cdccraft's SQL objects are version 0.1.0, but its library is version 0.6.0/,
    'before the update, DROP EXTENSION with runs recorded is refused: the library cannot read 0.1.0\'s catalog');
# A superuser's grant of cdccraft_start survives its new signature.
$node->safe_psql('postgres', 'CREATE ROLE starter; GRANT EXECUTE ON FUNCTION cdccraft_start TO starter');

$node->safe_psql('postgres', 'ALTER EXTENSION cdccraft UPDATE');
is($node->safe_psql('postgres',
        "SELECT has_function_privilege('starter', 'cdccraft_start'::regproc, 'EXECUTE'), "
          . "has_function_privilege('public', 'cdccraft_start'::regproc, 'EXECUTE')"),
    't|f', 'the grant on cdccraft_start is kept through the update, and PUBLIC still has none');
is($node->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'cdccraft'"), '0.6.0',
    'ALTER EXTENSION cdccraft UPDATE brings it to 0.6.0');
is( $node->safe_psql(
        'postgres',
        "SELECT state || ' ' || batches || ' ' || holds_table || holds_publication || holds_slot || ' ' || restored "
          . 'FROM cdccraft_runs WHERE run_id = 1'),
    'completed 1 truetruefalse false',
    'the 0.1.0 run is kept, holding the table and the publication of its own role that 0.1.0 recorded, '
      . 'and not the slot, which 0.1.0 knew only by name');

($rc, $out, $err) = $node->psql('postgres', 'SELECT count(*) FROM cdccraft_changes(1)');
like($err, qr/ERROR:  cdccraft run 1 has no record of its changes/,
    'the 0.1.0 run has no truth to replay: 0.1.0 kept no ledger');

# A new run after the update, beside the old one, and the old run's cleanup.
my $new = start_run($node, table_name => "'new_sales'", total_records => 1000, seed => 6);
$node->safe_psql('postgres', "CALL cdccraft_wait($new)");
is(state_of($node, $new), 'completed', 'a run started after the update completes');
assert_exact($node, $new, 'the run after the update');
is($node->safe_psql('postgres', "SELECT count(*) FROM cdccraft_expected_state($new)"),
    $node->safe_psql('postgres', 'SELECT count(*) FROM new_sales'), 'its expected state has the table\'s rows');
my $old_cleanup = $node->safe_psql('postgres', 'SELECT cdccraft_cleanup(1)');
like($old_cleanup, qr/"dropped": \["table public.old_sales", "publication old_sales_pub"\]/,
    'the 0.1.0 run\'s table and publication are cleaned up after the update');
like($old_cleanup, qr/"object": "slot old_sales_slot", "reason": "run 1 was recorded by cdccraft 0.1.0/,
    'and its slot is left, saying why');
$node->safe_psql('postgres', "SELECT pg_drop_replication_slot('old_sales_slot')");

# A dump of the database, with its runs, restored into another database.
my $dump = $node->basedir . '/runs.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('postgres') ], 'pg_dump of a database with runs');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('restored'), $dump ],
    'pg_restore of it into another database');
is( $node->safe_psql(
        'restored',
        "SELECT string_agg(run_id || ':' || state || ':' || restored || ':' || holds_table || holds_publication "
          . "|| holds_slot || names_slot, ', ' ORDER BY run_id) FROM cdccraft_runs"),
    "1:completed:true:falsefalsefalsefalse, $new:completed:true:falsefalsefalsefalse",
    'the restored runs are there, marked restored, and hold nothing');
is($node->safe_psql('restored', "SELECT count(*) FROM public.new_sales"),
    $node->safe_psql('postgres', "SELECT count(*) FROM public.new_sales"), 'the run\'s table was restored too');
my $cleanup = $node->safe_psql('restored', "SELECT cdccraft_cleanup($new)");
like($cleanup, qr/"dropped": \[\]/, 'cleanup of a restored run drops nothing');
like($cleanup, qr/"object": "table public.new_sales", "reason": "run $new was restored from a dump of another database/,
    'and says why it leaves the restored table');
is($node->safe_psql('restored', "SELECT count(*) FROM pg_class WHERE relname = 'new_sales'"), '1',
    'the restored table is still there');

# New runs in the restored database take new ids, and the original runs are
# untouched.
my $after_restore = $node->safe_psql('restored',
    "SELECT cdccraft_start(table_name => 'after_restore', total_records => 100, seed => 7, slot_name => 'r_slot')");
ok($after_restore > $new, 'a run started in the restored database takes a new id');
$node->safe_psql('restored', "CALL cdccraft_wait($after_restore)");
is(state_of_in($node, 'restored', $after_restore), 'completed', 'and completes');
is($node->safe_psql('postgres', "SELECT holds_table || '' || holds_slot FROM cdccraft_runs WHERE run_id = $new"),
    'truetrue', 'the original database\'s run still holds its table and slot');

sub state_of_in {
    my ($node, $db, $run) = @_;
    return $node->safe_psql($db, "SELECT state FROM cdccraft_runs WHERE run_id = $run");
}

done_testing();
