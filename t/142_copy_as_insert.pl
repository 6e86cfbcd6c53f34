# COPY writes a batch's rows as INSERT would, whatever the table's own code
# does while it runs, and goes back to COPY once the table allows it again.
# A row trigger that sets client_encoding mid-batch must not change the
# bytes a text value arrives as (text's binary receive function converts
# from the client encoding at each row; the text form's ENCODING option does
# not), nor may code that runs for each row switch it between two rows of
# the binary form. A rule makes a batch insert as INSERT does, and once the rule is
# dropped the rows share WAL positions again: relhasrules stays set until a
# VACUUM, the relation's rules do not.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('copy_as_insert');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql('postgres', "CREATE DATABASE utf8 ENCODING 'UTF8' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'");
$node->safe_psql('utf8', 'CREATE EXTENSION cdccraft; CREATE EXTENSION hstore');

sub wait_until_batch {
    my ($run, $batches) = @_;
    $node->safe_psql('utf8', "CALL cdccraft_wait($run, '180s', until_batch => $batches)");
}

sub batches_of {
    my ($run) = @_;
    return $node->safe_psql('utf8', "SELECT batches FROM cdccraft_runs WHERE run_id = $run");
}

# The table against its expected state, every column as text.
sub differences {
    my ($run, $table) = @_;
    return $node->safe_psql('utf8', qq{
        SELECT count(*) FILTER (WHERE t.key IS NULL OR e.key IS NULL OR t.row <> e.row)
          FROM (SELECT s.id::text AS key, hstore_to_jsonb(hstore(s)) AS row FROM public.$table s) t
          FULL JOIN cdccraft_expected_state($run) e ON e.key = t.key});
}

# A row trigger that sets the session's client_encoding to LATIN1.
$node->safe_psql('utf8', q{
    CREATE FUNCTION public.latin1_client() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_catalog.set_config('client_encoding', 'LATIN1', false);
        RETURN NEW;
    END $$});
my $run = $node->safe_psql('utf8', q{
    SELECT cdccraft_start(table_name => 'encoded', total_records => 0, batch_size => 200, seed => 7, evolve => false,
                          create_slot => false, changes_per_second => 4000, insert_method => 'copy')});
wait_until_batch($run, 2);
$node->safe_psql('utf8',
    'CREATE TRIGGER latin1 BEFORE INSERT ON public.encoded FOR EACH ROW EXECUTE FUNCTION public.latin1_client()');
wait_until_batch($run, batches_of($run) + 5);
$node->safe_psql('utf8', "SELECT cdccraft_stop($run)");
is($node->safe_psql('utf8', "SELECT state FROM cdccraft_runs WHERE run_id = $run"), 'stopped',
    'the run with the trigger goes on until stopped');
ok($node->safe_psql('utf8', q{SELECT count(*) FROM public.encoded WHERE customer_name !~ '^[ -~]*$'}) > 0,
    'names beyond ASCII among its rows');
is(differences($run, 'encoded'), 0,
    'every row is its expected state: a trigger that sets client_encoding changes no text COPY writes');

# A DEFAULT whose function sets client_encoding to LATIN1 at one row and
# back at the next, on a table without triggers (so the binary form): the
# batch ends in the encoding it began in, but the rows between were read in
# another. The first row after a change fails the batch, and the run, with
# nothing of it written.
$node->safe_psql('utf8', q{
    CREATE FUNCTION public.flip_client() RETURNS integer LANGUAGE plpgsql AS $$
    BEGIN
        IF pg_catalog.current_setting('client_encoding') = 'LATIN1' THEN
            RESET client_encoding;
        ELSE
            PERFORM pg_catalog.set_config('client_encoding', 'LATIN1', false);
        END IF;
        RETURN 1;
    END $$});
$run = $node->safe_psql('utf8', q{
    SELECT cdccraft_start(table_name => 'flipped', total_records => 0, batch_size => 200, seed => 9, evolve => false,
                          create_slot => false, changes_per_second => 4000, insert_method => 'copy')});
wait_until_batch($run, 2);
$node->safe_psql('utf8', 'ALTER TABLE public.flipped ADD COLUMN flips integer DEFAULT public.flip_client()');
$node->safe_psql('utf8', "CALL cdccraft_wait($run, '180s')");
like($node->safe_psql('utf8', "SELECT state || ': ' || last_error FROM cdccraft_runs WHERE run_id = $run"),
    qr/^failed: client_encoding changed while batch \d+ of public\.flipped was copied in \(Code the table runs for each row set it from UTF8 to LATIN1;/,
    'a DEFAULT that switches client_encoding between two rows fails the run');
is($node->safe_psql('utf8', qq{
        SELECT count(*) FROM public.flipped t JOIN cdccraft_expected_state($run) e ON e.key = t.id::text
         WHERE t.customer_name IS DISTINCT FROM e.row->>'customer_name'}),
    0, 'and every name written is the one generated');

# A rule, then the rule dropped: test_decoding on the run's slot gives each
# change's WAL position.
$run = $node->safe_psql('utf8', q{
    SELECT cdccraft_start(table_name => 'ruled', total_records => 0, batch_size => 200, seed => 8, evolve => false,
                          slot_plugin => 'test_decoding', changes_per_second => 4000, insert_method => 'copy')});
wait_until_batch($run, 2);
$node->safe_psql('utf8', 'CREATE RULE keep AS ON INSERT TO public.ruled DO ALSO NOTHING');
wait_until_batch($run, batches_of($run) + 3);
my $dropped = $node->safe_psql('utf8', 'DROP RULE keep ON public.ruled; SELECT pg_current_wal_lsn()');
wait_until_batch($run, batches_of($run) + 3);
$node->safe_psql('utf8', "SELECT cdccraft_stop($run)");
my $slot = $node->safe_psql('utf8', "SELECT slot_name FROM cdccraft_runs WHERE run_id = $run");
my ($inserts, $positions) = split /\|/, $node->safe_psql('utf8', qq{
    SELECT count(*), count(DISTINCT lsn) FROM pg_logical_slot_peek_changes('$slot', NULL, NULL)
     WHERE lsn > '$dropped' AND data LIKE 'table public.ruled: INSERT:%'});
ok($inserts >= 400 && $positions < $inserts / 10,
    "after the rule is dropped, COPY again: $inserts inserts at $positions WAL positions");
is(differences($run, 'ruled'), 0, 'and the table is its expected state');
done_testing();
