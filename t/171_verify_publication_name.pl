# cdccraft_verify decodes the canary with the run's publication, passed to
# pgoutput's publication_names option, which pgoutput splits at commas and
# case-folds as an identifier list. The run's publication name is a name
# (cdccraft_start quotes it everywhere else): a name with capitals must not
# make verify fail, and a name with a comma must not make verify decode
# other publications (of other roles) as well.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('verify_pubname');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

my $mixed = start_run($node, table_name => "'MixedCase'", total_records => 200, batch_size => 50, seed => 171,
    verify => 'true');
$node->safe_psql('postgres', "CALL cdccraft_wait($mixed)");
is($node->safe_psql('postgres', "SELECT publication_name FROM cdccraft_runs WHERE run_id = $mixed"), 'MixedCase_pub',
    'the run\'s publication has capitals in its name');
my ($rc, $out, $err) = $node->psql('postgres', "SELECT cdccraft_verify($mixed)");
is($err, '', 'verify decodes its canary with that publication');
like($out, qr/"ok": true/, 'and agrees with the truth');

# Publications named as the parts of a name with a comma ("with" and
# comma_pub) cover other tables, whose changes then reach the canary's
# decoding.
$node->safe_psql('postgres', q{
    CREATE TABLE public.bystander (id int PRIMARY KEY, secret text);
    CREATE PUBLICATION "with" FOR TABLE public.bystander;
    CREATE TABLE public.bystander_too (id int PRIMARY KEY);
    CREATE PUBLICATION comma_pub FOR TABLE public.bystander_too;
});
my $comma = start_run($node, table_name => "'with,comma'", total_records => 200, batch_size => 50, seed => 172,
    verify => 'true', changes_per_second => 2000);
wait_for_batches($node, $comma, 1);
$node->safe_psql('postgres', q{INSERT INTO public.bystander VALUES (1, 'not the run''s')});
$node->safe_psql('postgres', "CALL cdccraft_wait($comma)");
($rc, $out, $err) = $node->psql('postgres', "SELECT cdccraft_verify($comma)");
is($err, '', 'verify decodes the canary of a run whose publication name has a comma');
like($out, qr/"ok": true/, 'with its own publication only, and agrees with the truth');
unlike($out, qr/bystander|not the run/, 'nothing of another publication\'s table reaches the verdict');
done_testing();
