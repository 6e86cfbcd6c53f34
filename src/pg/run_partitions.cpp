#include "pg/run_partitions.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "nodes/makefuncs.h"
#include "utils/regproc.h"
}

#include "pg/catalog_access.hpp"

namespace cdccraft::pg {
namespace {

const char* partition_name(const WorkerRun* run, int64 n) {
    const RunConfig& c = *run->config;
    const char* name = psprintf("%s_p%lld", c.table_name.c_str(), (long long)n);
    return quote_qualified_identifier(c.schema_name.c_str(), name);
}

// What a partition needs that the table's creation gave the table: the same
// replica identity, and no other role's use of its row type (which could hold
// the run's cleanup back, as the table's could).
void finish_partition(WorkerRun* run, const char* partition, StringInfo ddl) {
    StringInfoData sql;
    initStringInfo(&sql);
    if (run->config->replica_identity == ReplicaIdentity::Full) {
        appendStringInfo(&sql, "ALTER TABLE %s REPLICA IDENTITY FULL", partition);
        spi_run(sql.data, SPI_OK_UTILITY);
        if (ddl) appendStringInfo(ddl, "; %s", sql.data);
        resetStringInfo(&sql);
    }
    appendStringInfo(&sql, "REVOKE ALL ON TYPE %s FROM PUBLIC", partition);
    spi_run(sql.data, SPI_OK_UTILITY);
    if (ddl) appendStringInfo(ddl, "; %s", sql.data);
}

// The run's claim on a partition it created, by oid: cleanup drops those
// with the table, and only those.
void claim_partition(WorkerRun* run, const char* partition) {
    const Oid oid = RangeVarGetRelid(makeRangeVarFromNameList(stringToQualifiedNameList(partition)), NoLock, false);
    const Oid types[] = {INT8OID, OIDOID};
    const Datum values[] = {Int64GetDatum(run->run_id), ObjectIdGetDatum(oid)};
    exec_as_owner(run->catalog_owner,
                  "UPDATE cdccraft.run SET partition_oids = pg_catalog.array_append(partition_oids, $2) "
                  "WHERE id OPERATOR(pg_catalog.=) $1",
                  2, types, values, nullptr, SPI_OK_UPDATE);
}

}  // namespace

const char* partitioned_table_clause(const WorkerRun* run) {
    (void)run;
    return ", PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at)";
}

void create_first_partition(WorkerRun* run) {
    const char* first = partition_name(run, 0);
    StringInfoData sql;
    initStringInfo(&sql);
    appendStringInfo(&sql, "CREATE TABLE %s PARTITION OF %s FOR VALUES FROM (MINVALUE) TO (MAXVALUE)", first,
                     run->qualified_table);
    spi_run(sql.data, SPI_OK_UTILITY);
    finish_partition(run, first, nullptr);
    claim_partition(run, first);
}

const char* split_newest_partition(WorkerRun* run) {
    // The run's partitions, found from its table by oid: the newest is the
    // one unbounded above; there is one per split so far, p0 first.
    Oid types[] = {OIDOID};
    Datum values[] = {ObjectIdGetDatum(run->relid)};
    spi_run_args(
        "SELECT pg_catalog.quote_ident(n.nspname) OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) "
        "pg_catalog.quote_ident(c.relname), pg_catalog.pg_get_expr(c.relpartbound, c.oid) "
        "FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) i.inhrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
        "WHERE i.inhparent OPERATOR(pg_catalog.=) $1",
        1, types, values, SPI_OK_SELECT);
    const int64 partitions = static_cast<int64>(SPI_processed);
    const char* newest = nullptr;
    const char* lower = nullptr;
    constexpr const char kFrom[] = "FOR VALUES FROM (";
    constexpr const char kOpenEnd[] = ") TO (MAXVALUE)";
    for (uint64 i = 0; i < SPI_processed; ++i) {
        const char* bound = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
        const size_t length = bound ? strlen(bound) : 0;
        if (length < sizeof kFrom + sizeof kOpenEnd - 2 || strncmp(bound, kFrom, sizeof kFrom - 1) != 0 ||
            strcmp(bound + length - (sizeof kOpenEnd - 1), kOpenEnd) != 0)
            continue;
        newest = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
        lower = pnstrdup(bound + sizeof kFrom - 1, length - (sizeof kFrom - 1) - (sizeof kOpenEnd - 1));
    }
    if (newest == nullptr)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("table %s of cdccraft run %lld has no partition unbounded above", run->qualified_table,
                               (long long)run->run_id),
                        errdetail("Another session detached or changed the run's partitions.")));
    // Every row there has a created_at before now: its transaction began
    // before this one took the table's lock, and this one's rows come after.
    // After the newest partition's lower bound in any case: a clock set back
    // (or local time falling back an hour) would make an empty range.
    StringInfoData clock;
    initStringInfo(&clock);
    appendStringInfoString(&clock, "SELECT pg_catalog.quote_literal(");
    if (strcmp(lower, "MINVALUE") == 0)
        appendStringInfoString(&clock, "pg_catalog.clock_timestamp()::pg_catalog.timestamp)");
    else
        appendStringInfo(&clock,
                         "GREATEST(pg_catalog.clock_timestamp()::pg_catalog.timestamp, %s::pg_catalog.timestamp "
                         "OPERATOR(pg_catalog.+) '1 microsecond'::pg_catalog.interval))",
                         lower);
    spi_run(clock.data, SPI_OK_SELECT);
    const char* split_at = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
    const char* next = partition_name(run, partitions);

    StringInfoData ddl;
    initStringInfo(&ddl);
    StringInfoData sql;
    initStringInfo(&sql);
    appendStringInfo(&sql, "ALTER TABLE %s DETACH PARTITION %s", run->qualified_table, newest);
    spi_run(sql.data, SPI_OK_UTILITY);
    appendStringInfoString(&ddl, sql.data);
    resetStringInfo(&sql);
    appendStringInfo(&sql, "ALTER TABLE %s ATTACH PARTITION %s FOR VALUES FROM (%s) TO (%s)", run->qualified_table,
                     newest, lower, split_at);
    spi_run(sql.data, SPI_OK_UTILITY);
    appendStringInfo(&ddl, "; %s", sql.data);
    resetStringInfo(&sql);
    appendStringInfo(&sql, "CREATE TABLE %s PARTITION OF %s FOR VALUES FROM (%s) TO (MAXVALUE)", next,
                     run->qualified_table, split_at);
    spi_run(sql.data, SPI_OK_UTILITY);
    appendStringInfo(&ddl, "; %s", sql.data);
    finish_partition(run, next, &ddl);
    claim_partition(run, next);
    return ddl.data;
}

}  // namespace cdccraft::pg
