# Helpers shared by cdccraft's TAP tests: start a run, wait on its state, and
# check that the table, the run's counters and its slot agree exactly; hold a
# worker inside a batch; another session changing what a run uses.
package CdccraftTest;

use strict;
use warnings;
use Exporter 'import';
use PostgreSQL::Test::Cluster;
use Test::More;

our @EXPORT = qw(start_run wait_for_batches state_of assert_exact assert_no_worker assert_nothing_left block_worker
  assert_interference_fails_run trap_sql tcp_node);

# A started cluster with cdccraft, reached over TCP on 127.0.0.1 as well
# (Debezium connects no other way), replication included.
sub tcp_node {
    my ($name) = @_;
    my $node = PostgreSQL::Test::Cluster->new($name);
    $node->init(allows_streaming => 'logical');
    $node->append_conf('postgresql.conf', "listen_addresses = '127.0.0.1'");
    $node->append_conf('pg_hba.conf', "host all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust");
    $node->start;
    $node->safe_psql('postgres', 'CREATE EXTENSION cdccraft');
    return $node;
}

# Starts a run and returns its id; %args are cdccraft_start's, as SQL text.
sub start_run {
    my ($node, %args) = @_;
    my $list = join(', ', map { "$_ => $args{$_}" } sort keys %args);
    return $node->safe_psql('postgres', "SELECT cdccraft_start($list)");
}

sub wait_for_batches {
    my ($node, $run_id, $batches) = @_;
    $node->safe_psql('postgres', "CALL cdccraft_wait($run_id, '180s', until_batch => $batches)");
}

sub state_of {
    my ($node, $run_id) = @_;
    return $node->safe_psql('postgres', "SELECT state FROM cdccraft_runs WHERE run_id = $run_id");
}

# count(*) = snapshot_rows + inserts - deletes (when the table stands), and
# the slot's Insert/Update/Delete messages equal the counters (when it stands).
sub assert_exact {
    my ($node, $run_id, $what) = @_;
    my ($table, $slot, $publication) = split /\|/, $node->safe_psql('postgres',
        "SELECT format('%I.%I', schema_name, table_name), slot_name, publication_name FROM cdccraft_runs WHERE run_id = $run_id");
    if ($node->safe_psql('postgres', "SELECT to_regclass('$table') IS NOT NULL") eq 't') {
        is( $node->safe_psql('postgres',
                "SELECT (SELECT count(*) FROM $table) = snapshot_rows + inserts - deletes FROM cdccraft_runs WHERE run_id = $run_id"),
            't', "$what: count(*) = snapshot_rows + inserts - deletes");
    }
    if ($node->safe_psql('postgres', "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$slot'") eq '1') {
        # The publication may be gone; test_decoding-free counting needs it, so
        # count by message type only when it stands.
        if ($node->safe_psql('postgres', "SELECT count(*) FROM pg_publication WHERE pubname = '$publication'") eq '1') {
            is( $node->safe_psql('postgres', qq{
                SELECT count(*) FILTER (WHERE chr(get_byte(data, 0)) = 'I') || '/' ||
                       count(*) FILTER (WHERE chr(get_byte(data, 0)) = 'U') || '/' ||
                       count(*) FILTER (WHERE chr(get_byte(data, 0)) = 'D')
                  FROM pg_logical_slot_peek_binary_changes('$slot', NULL, NULL, 'proto_version', '1',
                                                           'publication_names', '$publication')}),
                $node->safe_psql('postgres',
                    "SELECT inserts || '/' || updates || '/' || deletes FROM cdccraft_runs WHERE run_id = $run_id"),
                "$what: the slot's inserts/updates/deletes equal the counters");
        }
    }
}

# No table, publication or slot of a run on $table (default names) is left.
sub assert_nothing_left {
    my ($node, $table, $what) = @_;
    is( $node->safe_psql(
            'postgres', qq{
            SELECT (SELECT count(*) FROM pg_class WHERE relname = '$table') || '/' ||
                   (SELECT count(*) FROM pg_publication WHERE pubname = '${table}_pub') || '/' ||
                   (SELECT count(*) FROM pg_replication_slots WHERE slot_name = '${table}_slot')}),
        '0/0/0', "$what: no table, publication or slot was left behind");
}

sub assert_no_worker {
    my ($node, $what) = @_;
    $node->poll_query_until('postgres',
        "SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'cdccraft worker'")
      or die "$what: a cdccraft worker is still running";
    pass("$what: no worker is left");
}

# Holds a lock that blocks the run's next insert into $table, so that the
# worker is inside a batch when a fault strikes; returns the session.
sub block_worker {
    my ($node, $table) = @_;
    my $session = $node->background_psql('postgres');
    $session->query_safe("BEGIN; LOCK TABLE $table IN SHARE MODE;");
    $node->poll_query_until('postgres',
        "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE backend_type = 'cdccraft worker'")
      or die 'the worker never waited for the lock';
    return $session;
}

# Another session changes what a running run uses ($sql, on a run of table
# victim): the run fails with an error matching $expected_error, no worker is
# left, its counters match the table and the slot, and cleanup leaves nothing.
sub assert_interference_fails_run {
    my ($node, $what, $sql, $expected_error) = @_;
    my $run = start_run($node, table_name => "'victim'", total_records => 0, seed => 4, evolve => 'false',
        changes_per_second => 5000);
    wait_for_batches($node, $run, 3);
    $node->safe_psql('postgres', $sql);
    $node->poll_query_until('postgres', "SELECT state = 'failed' FROM cdccraft_runs WHERE run_id = $run")
      or die "another session $what: the run did not fail";
    like($node->safe_psql('postgres', "SELECT last_error FROM cdccraft_runs WHERE run_id = $run"),
        $expected_error, "another session $what: the run failed and says why");
    assert_no_worker($node, "another session $what");
    assert_exact($node, $run, "another session $what");
    $node->safe_psql('postgres', "SELECT cdccraft_cleanup($run)");
    is($node->safe_psql('postgres', q{
        SELECT (SELECT count(*) FROM pg_class WHERE relname = 'victim') + (SELECT count(*) FROM pg_publication)
             + (SELECT count(*) FROM pg_replication_slots)}),
        '0', "another session $what: cleanup leaves nothing behind");
}

# A hostile role's traps in $schema: operators and functions with the names
# of those cdccraft's SQL uses, each of which logs its call and who ran it in
# $schema.calls, makes role eve a superuser when a superuser runs it, and
# then does the real work, so that a statement bound to it still succeeds.
# Exact matches for types that pg_catalog serves only through an implicit
# cast (bigint / numeric, numeric = integer, pg_lsn + integer, jsonb ->> jsonb)
# win over pg_catalog's wherever the schema is on the path.
sub trap_sql {
    my ($s) = @_;
    my $sql = qq{
    CREATE SCHEMA IF NOT EXISTS $s;
    GRANT USAGE ON SCHEMA $s TO PUBLIC;
    CREATE TABLE $s.calls (what text, run_as name, at timestamptz DEFAULT pg_catalog.clock_timestamp());
    GRANT INSERT, SELECT ON $s.calls TO PUBLIC;
    CREATE FUNCTION $s.trap(what text) RETURNS void LANGUAGE plpgsql AS \$\$
    BEGIN
        INSERT INTO $s.calls (what, run_as) VALUES (what, pg_catalog.current_user());
        IF (SELECT r.rolsuper FROM pg_catalog.pg_roles r
             WHERE r.rolname OPERATOR(pg_catalog.=) pg_catalog.current_user()) THEN
            EXECUTE 'ALTER ROLE eve SUPERUSER';
        END IF;
    END \$\$;
    CREATE FUNCTION $s.now() RETURNS timestamptz LANGUAGE plpgsql AS
        \$\$ BEGIN PERFORM $s.trap('now()'); RETURN pg_catalog.now(); END \$\$;
    CREATE FUNCTION $s.unnest(a anyarray) RETURNS SETOF anyelement LANGUAGE plpgsql AS
        \$\$ BEGIN PERFORM $s.trap('unnest'); RETURN QUERY SELECT * FROM pg_catalog.unnest(a); END \$\$;
    CREATE FUNCTION $s.count_step(n bigint) RETURNS bigint LANGUAGE plpgsql AS
        \$\$ BEGIN PERFORM $s.trap('count(*)'); RETURN n OPERATOR(pg_catalog.+) 1; END \$\$;
    CREATE AGGREGATE $s.count(*) (SFUNC = $s.count_step, STYPE = bigint, INITCOND = '0');
    };
    # name, operator, left type, right type, result type, the real expression
    my @operators = (
        [ 'eq_int8', '=', 'bigint', 'bigint', 'boolean', 'a OPERATOR(pg_catalog.=) b' ],
        [ 'eq_int4', '=', 'int', 'int', 'boolean', 'a OPERATOR(pg_catalog.=) b' ],
        [ 'eq_oid', '=', 'oid', 'oid', 'boolean', 'a OPERATOR(pg_catalog.=) b' ],
        [ 'eq_uuid', '=', 'uuid', 'uuid', 'boolean', 'a OPERATOR(pg_catalog.=) b' ],
        [ 'eq_text', '=', 'text', 'text', 'boolean', 'a OPERATOR(pg_catalog.=) b' ],
        [ 'eq_name', '=', 'name', 'name', 'boolean', 'a OPERATOR(pg_catalog.=) b' ],
        [ 'gt_int24', '>', 'smallint', 'int', 'boolean', 'a OPERATOR(pg_catalog.>) b' ],
        [ 'div_int8_num', '/', 'bigint', 'numeric', 'numeric', 'a::pg_catalog.numeric OPERATOR(pg_catalog./) b' ],
        [ 'eq_num_int', '=', 'numeric', 'integer', 'boolean', 'a OPERATOR(pg_catalog.=) b::pg_catalog.numeric' ],
        [ 'add_lsn_int', '+', 'pg_lsn', 'integer', 'pg_lsn', 'a OPERATOR(pg_catalog.+) b::pg_catalog.numeric' ],
        [ 'get_jsonb_jsonb', '->>', 'jsonb', 'jsonb', 'text',
          'a OPERATOR(pg_catalog.->>) (b OPERATOR(pg_catalog.#>>) \'{}\'::pg_catalog.text[])' ]);
    for my $o (@operators) {
        my ($name, $op, $left, $right, $result, $real) = @$o;
        $sql .= qq{
    CREATE FUNCTION $s.$name(a $left, b $right) RETURNS $result LANGUAGE plpgsql AS
        \$\$ BEGIN PERFORM $s.trap('$op($left,$right)'); RETURN $real; END \$\$;
    CREATE OPERATOR $s.$op (LEFTARG = $left, RIGHTARG = $right, FUNCTION = $s.$name);
        };
    }
    return $sql;
}

1;
