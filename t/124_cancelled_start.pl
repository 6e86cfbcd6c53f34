# A cancelled start undoes its run: when the caller of cdccraft_start is
# cancelled during setup (its statement_timeout, Ctrl+C) or its session is
# terminated, the worker is stopped, what setup had created is removed, the
# run is recorded as stopped, and the error names the run. The same start
# then succeeds.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CdccraftTest;

my $node = PostgreSQL::Test::Cluster->new('cancelled_start');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');

my $start = "SELECT cdccraft_start(table_name => 'big', snapshot_rows => 2000000, total_records => 0, seed => 1)";

sub remains {
    my ($table) = @_;
    return $node->safe_psql(
        'postgres', qq{
        SELECT (SELECT count(*) FROM pg_class WHERE relname = '$table') || '/' ||
               (SELECT count(*) FROM pg_publication WHERE pubname = '${table}_pub') || '/' ||
               (SELECT count(*) FROM pg_replication_slots WHERE slot_name = '${table}_slot')});
}

# The caller's statement_timeout.
my ($rc, $out, $err) = $node->psql('postgres',
    "\\set VERBOSITY verbose\nSET statement_timeout = '300ms';\n$start");
like($err, qr/ERROR:  57014: canceling cdccraft_start due to statement timeout: run (\d+) was stopped during its setup/,
    'statement_timeout: 57014, naming the run');
my ($run) = $err =~ /run (\d+) was stopped/;
# (Almost always mid-snapshot, with the table created; on a slow machine,
# possibly before.)
like($err, qr/DETAIL:  (What its setup had created was removed: table public\.big|Its setup had created nothing yet)\./,
    'statement_timeout: the error says what was removed');
is(remains('big'), '0/0/0', 'statement_timeout: no table, publication or slot remains');
is($node->safe_psql('postgres', "SELECT state || '|' || coalesce(last_error, '<null>') FROM cdccraft_runs WHERE run_id = $run"),
    'stopped|cdccraft_start was canceled during the run\'s setup, and what setup had created was removed',
    'statement_timeout: the run is stopped, and says why');
assert_no_worker($node, 'statement_timeout');

# The same start succeeds at once.
my $again = $node->safe_psql('postgres', $start);
is(state_of($node, $again), 'running', 'the same start succeeds right after');
$node->safe_psql('postgres', "SELECT cdccraft_stop($again)");
$node->safe_psql('postgres', "SELECT cdccraft_cleanup($again)");

# Ctrl+C (a cancel request) while the worker inserts the snapshot rows.
my $caller = $node->background_psql('postgres', on_error_stop => 0);
my $pid = $caller->query_safe('SELECT pg_backend_pid()');
$caller->query_until(qr/starting/, "\\echo starting\n$start;\n");
$node->poll_query_until('postgres',
    "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'cdccraft worker' "
      . "AND query LIKE '%inserting snapshot rows'")
  or die 'the worker never inserted the snapshot rows';
$node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)");
$caller->query('SELECT 1');
like($caller->{stderr}, qr/ERROR:  canceling cdccraft_start due to user request: run (\d+) was stopped during its setup/,
    'Ctrl+C: naming the run');
like($caller->{stderr}, qr/DETAIL:  What its setup had created was removed: table public\.big\./,
    'Ctrl+C: the error says the table was removed');
($run) = $caller->{stderr} =~ /run (\d+) was stopped/;
$caller->quit;
is(remains('big'), '0/0/0', 'Ctrl+C: no table, publication or slot remains');
is(state_of($node, $run), 'stopped', 'Ctrl+C: the run is stopped');
assert_no_worker($node, 'Ctrl+C');

$again = $node->safe_psql('postgres', $start);
is(state_of($node, $again), 'running', 'the same start succeeds after Ctrl+C too');
$node->safe_psql('postgres', "SELECT cdccraft_stop($again)");
$node->safe_psql('postgres', "SELECT cdccraft_cleanup($again)");

# The caller's session terminated (pg_terminate_backend) during setup.
$caller = $node->background_psql('postgres', on_error_stop => 0);
$pid = $caller->query_safe('SELECT pg_backend_pid()');
my $log_start = -s $node->logfile;
$caller->query_until(qr/starting/, "\\echo starting\n$start;\n");
$node->poll_query_until('postgres',
    "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'cdccraft worker' "
      . "AND query LIKE '%inserting snapshot rows'")
  or die 'the worker never inserted the snapshot rows';
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
$node->poll_query_until('postgres', "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $pid")
  or die 'the terminated caller never exited';
$caller->{run}->kill_kill;
like(slurp_file($node->logfile, $log_start),
    qr/WARNING:  canceling cdccraft_start due to the termination of its session: run (\d+) was stopped during its setup/,
    'session terminated: the warning names the run');
($run) = slurp_file($node->logfile, $log_start) =~ /run (\d+) was stopped during its setup/;
is(remains('big'), '0/0/0', 'session terminated: no table, publication or slot remains');
is(state_of($node, $run), 'stopped', 'session terminated: the run is stopped');
assert_no_worker($node, 'session terminated');

$node->stop;
done_testing();
