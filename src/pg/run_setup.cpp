#include "pg/run_setup.hpp"

extern "C" {
#include "access/table.h"
#include "access/xlogutils.h"
#include "catalog/namespace.h"
#include "catalog/pg_publication.h"
#include "catalog/pg_type.h"
#include "replication/logical.h"
#include "replication/slot.h"
#include "utils/lsyscache.h"
#include "utils/pg_lsn.h"
#include "utils/relcache.h"
#include "utils/syscache.h"
}

#include "pg/batch_executor.hpp"
#include "pg/catalog_access.hpp"
#include "pg/claims.hpp"
#include "pg/core_guard.hpp"
#include "pg/run_catalog.hpp"
#include "pg/run_partitions.hpp"
#include "pg/server_encoding.hpp"

namespace cdccraft::pg {
namespace {

void begin_step(const WorkerRun* run, const char* step) {
    char activity[128];
    snprintf(activity, sizeof activity, "cdccraft run %lld: setup: %s", (long long)run->run_id, step);
    begin_worker_transaction(activity);
}

void end_step() { commit_worker_transaction(); }

Oid table_oid(const RunConfig& c) {
    const Oid schema = get_namespace_oid(c.schema_name.c_str(), true);
    return OidIsValid(schema) ? get_relname_relid(c.table_name.c_str(), schema) : InvalidOid;
}

// The type of all_types named after the table with suffix, in the schema
// (InvalidOid: none).
Oid run_type_oid(const RunConfig& c, Oid schema, std::string_view suffix) {
    const std::string name = c.table_name + std::string(suffix);
    return GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum(name.c_str()), ObjectIdGetDatum(schema));
}

// Refuses names that are taken, before anything is created or recorded.
void check_names_free(WorkerRun* run) {
    const RunConfig& c = *run->config;
    const Oid existing = table_oid(c);
    if (OidIsValid(existing)) {
        const int64 owner_run = catalog_run_of_table(run, existing);
        if (owner_run == 0)
            ereport(ERROR,
                    (errcode(ERRCODE_DUPLICATE_TABLE), errmsg("relation %s already exists", run->qualified_table),
                     errdetail("cdccraft creates the table it simulates, and this one was not created by "
                               "cdccraft."),
                     errhint("Choose another table_name or schema_name.")));
        ereport(ERROR, (errcode(ERRCODE_DUPLICATE_TABLE), errmsg("relation %s already exists", run->qualified_table),
                        errdetail("It was created by cdccraft run %lld.", (long long)owner_run),
                        errhint("Remove it with cdccraft_cleanup(%lld), or choose another table_name.",
                                (long long)owner_run)));
    }
    if (OidIsValid(get_publication_oid(c.publication_name.c_str(), true)))
        ereport(ERROR, (errcode(ERRCODE_DUPLICATE_OBJECT),
                        errmsg("publication \"%s\" already exists", c.publication_name.c_str()),
                        errhint("Pass another publication_name, or drop the publication.")));
    // all_types' own types, named after the table.
    const Oid schema = get_namespace_oid(c.schema_name.c_str(), true);
    if (c.column_profile == ColumnProfile::AllTypes && OidIsValid(schema)) {
        for (std::string_view suffix : {kEnumTypeSuffix, kDomainTypeSuffix}) {
            if (OidIsValid(run_type_oid(c, schema, suffix)))
                ereport(ERROR, (errcode(ERRCODE_DUPLICATE_OBJECT),
                                errmsg("type %s already exists",
                                       quote_qualified_identifier(c.schema_name.c_str(),
                                                                  (c.table_name + std::string(suffix)).c_str())),
                                errdetail("column_profile all_types creates its enum type and domain, named "
                                          "<table>_status and <table>_rating."),
                                errhint("Choose another table_name or schema_name, or drop the type.")));
        }
    }
    if (c.create_slot && SearchNamedReplicationSlot(c.slot_name.c_str(), true) != nullptr)
        ereport(ERROR, (errcode(ERRCODE_DUPLICATE_OBJECT),
                        errmsg("replication slot \"%s\" already exists", c.slot_name.c_str()),
                        errhint("Pass another slot_name, or drop the slot with pg_drop_replication_slot.")));
}

// partitioned: the primary key is the table's (id, created_at), which must
// hold the partition key.
void append_column_definition(StringInfo sql, const ColumnSpec& spec, bool partitioned) {
    appendStringInfo(sql, "%s %s", quoted_name(spec.name), column_type(spec));
    if (spec.generator == Generator::Key)
        appendStringInfoString(sql, partitioned ? " NOT NULL" : " PRIMARY KEY");
    else if (spec.not_null)
        appendStringInfoString(sql, " NOT NULL");
    if (spec.generator == Generator::ServerDefault) appendStringInfoString(sql, " DEFAULT pg_catalog.now()");
}

// all_types' enum type and domain, the run's own, claimed by oid as its
// table is (cleanup drops them after it): no other role may use them, or a
// column of theirs would hold the cleanup back. No dependency ties them to
// the table: pg_dump could not order one that points both ways, and a copy
// of the table (LIKE) would become the table's dependent.
void create_run_types(WorkerRun* run) {
    const SchemaState& schema = run->planner->schema();
    StringInfoData sql;
    initStringInfo(&sql);
    appendStringInfo(&sql, "CREATE TYPE %s AS ENUM (", schema.enum_type().c_str());
    for (size_t i = 0; i < kInitialEnumLabels; ++i)
        appendStringInfo(&sql, "%s%s", i ? ", " : "", quote_literal_cstr(std::string(enum_label(i)).c_str()));
    appendStringInfoChar(&sql, ')');
    spi_run(sql.data, SPI_OK_UTILITY);
    resetStringInfo(&sql);
    appendStringInfo(&sql,
                     "CREATE DOMAIN %s AS %.*s CHECK (VALUE OPERATOR(pg_catalog.>=) 0 AND VALUE "
                     "OPERATOR(pg_catalog.<=) 10)",
                     schema.domain_type().c_str(), static_cast<int>(kRatingBaseType.size()), kRatingBaseType.data());
    spi_run(sql.data, SPI_OK_UTILITY);
    for (const std::string* type : {&schema.enum_type(), &schema.domain_type()}) {
        resetStringInfo(&sql);
        appendStringInfo(&sql, "REVOKE ALL ON TYPE %s FROM PUBLIC", type->c_str());
        spi_run(sql.data, SPI_OK_UTILITY);
    }
    const RunConfig& c = *run->config;
    const Oid namespace_oid = get_namespace_oid(c.schema_name.c_str(), false);
    run->type_oids[0] = run_type_oid(c, namespace_oid, kEnumTypeSuffix);
    run->type_oids[1] = run_type_oid(c, namespace_oid, kDomainTypeSuffix);
}

// Drops the run's types that are still there, after its table.
void drop_run_types(WorkerRun* run) {
    for (Oid type : run->type_oids) {
        if (!OidIsValid(type) || !SearchSysCacheExists1(TYPEOID, ObjectIdGetDatum(type))) continue;
        spi_run(psprintf("DROP %s %s", get_typtype(type) == TYPTYPE_DOMAIN ? "DOMAIN" : "TYPE",
                         format_type_be_qualified(type)),
                SPI_OK_UTILITY);
    }
}

}  // namespace

void setup_record_run(WorkerRun* run) {
    begin_step(run, "recording the run");
    // A library newer than the SQL objects (a package upgraded, the
    // extension not yet) would write a catalog that is not there.
    if (const char* installed = stale_sql_objects_version())
        refuse_stale_sql_objects(installed, nullptr, "Update the extension with ALTER EXTENSION cdccraft UPDATE.");
    BatchPlanner* planner = nullptr;
    BatchPlan* plan = nullptr;
    const char* wire = run->config_wire;
    CDCCRAFT_CORE({
        planner = new BatchPlanner(from_wire(wire));
        plan = new BatchPlan();
    });
    run->planner = planner;
    run->plan = plan;
    spell_names_for_database(planner);
    run->config = &planner->config();
    const RunConfig& c = *run->config;
    run->qualified_table =
        MemoryContextStrdup(TopMemoryContext, quote_qualified_identifier(c.schema_name.c_str(), c.table_name.c_str()));

    spi_run("SELECT LOCALTIMESTAMP", SPI_OK_SELECT);
    bool isnull;
    run->anchor = DatumGetTimestamp(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

    catalog_prepare(run);
    catalog_check_no_active_run(run);
    check_names_free(run);
    run->run_id = catalog_insert_run(run);
    end_step();
}

void setup_create_table(WorkerRun* run) {
    begin_step(run, "creating the table");
    const RunConfig& c = *run->config;
    if (!OidIsValid(get_namespace_oid(c.schema_name.c_str(), true))) {
        StringInfoData sql;
        initStringInfo(&sql);
        appendStringInfo(&sql, "CREATE SCHEMA %s", quote_identifier(c.schema_name.c_str()));
        spi_run(sql.data, SPI_OK_UTILITY);
        run->schema_oid = get_namespace_oid(c.schema_name.c_str(), false);
    }
    const bool own_types = c.column_profile == ColumnProfile::AllTypes;
    if (own_types) create_run_types(run);
    StringInfoData sql;
    initStringInfo(&sql);
    const bool partitioned = c.partitioning == Partitioning::Range;
    appendStringInfo(&sql, "CREATE TABLE %s (", run->qualified_table);
    bool first = true;
    for (ColumnId id : run->planner->schema().columns()) {
        if (!first) appendStringInfoString(&sql, ", ");
        append_column_definition(&sql, run->planner->schema().shape(id), partitioned);
        first = false;
    }
    appendStringInfoString(&sql, partitioned ? partitioned_table_clause(run) : ")");
    spi_run(sql.data, SPI_OK_UTILITY);
    for (ColumnId id : run->planner->schema().columns()) {
        if (column_spec(id).typed != TypedKind::Document) continue;
        resetStringInfo(&sql);
        appendStringInfo(&sql, "ALTER TABLE %s ALTER COLUMN %s SET STORAGE EXTERNAL", run->qualified_table,
                         quoted_name(column_spec(id).name));
        spi_run(sql.data, SPI_OK_UTILITY);
    }
    run->relid = table_oid(c);
    // After the storage settings, which the partitions copy.
    if (partitioned) create_first_partition(run);
    // The table's row type is a type of the run's too: with USAGE left to
    // PUBLIC, any role that may look in the schema could make a view, a
    // domain or a column on it, and hold the run's cleanup back (t/183).
    resetStringInfo(&sql);
    appendStringInfo(&sql, "REVOKE ALL ON TYPE %s FROM PUBLIC", run->qualified_table);
    spi_run(sql.data, SPI_OK_UTILITY);
    // Its name as the server chose it (<table>_pkey, unless taken):
    // REPLICA IDENTITY USING INDEX names it.
    Relation table = table_open(run->relid, AccessShareLock);
    const Oid key_index = RelationGetPrimaryKeyIndex(table);
    table_close(table, AccessShareLock);
    run->key_index = MemoryContextStrdup(TopMemoryContext, get_rel_name(key_index));
    if (c.replica_identity != ReplicaIdentity::Default) {
        resetStringInfo(&sql);
        if (c.replica_identity == ReplicaIdentity::Full)
            appendStringInfo(&sql, "ALTER TABLE %s REPLICA IDENTITY FULL", run->qualified_table);
        else
            appendStringInfo(&sql, "ALTER TABLE %s REPLICA IDENTITY USING INDEX %s", run->qualified_table,
                             quote_identifier(run->key_index));
        spi_run(sql.data, SPI_OK_UTILITY);
    }
    catalog_record_objects(run);
    end_step();
}

// One transaction for all snapshot rows, in chunks of batch_size whose
// arrays are freed chunk by chunk; the rows are counted in the same
// transaction. Each SPI call returns to SPI's procedure context, so each
// chunk switches to its own context anew.
void setup_insert_snapshot(WorkerRun* run) {
    begin_step(run, "inserting snapshot rows");
    MemoryContext spi_context = CurrentMemoryContext;
    // NOLINTNEXTLINE(bugprone-implicit-widening-of-multiplication-result): PostgreSQL's own sizes
    MemoryContext chunk_context = AllocSetContextCreate(spi_context, "cdccraft snapshot chunk", ALLOCSET_DEFAULT_SIZES);
    for (;;) {
        bool more = false;
        CDCCRAFT_CORE(more = run->planner->plan_snapshot_chunk(*run->plan));
        if (!more) break;
        MemoryContextSwitchTo(chunk_context);
        execute_inserts(run);
        MemoryContextSwitchTo(spi_context);
        MemoryContextReset(chunk_context);
        CHECK_FOR_INTERRUPTS();
    }
    MemoryContextDelete(chunk_context);
    catalog_record_snapshot(run, run->config->snapshot_rows);
    end_step();
    run->last_commit_lsn = XactLastCommitEnd;
}

void setup_create_publication(WorkerRun* run) {
    begin_step(run, "creating the publication");
    StringInfoData sql;
    initStringInfo(&sql);
    appendStringInfo(&sql, "CREATE PUBLICATION %s FOR TABLE %s",
                     quote_identifier(run->config->publication_name.c_str()), run->qualified_table);
    if (run->config->partitioning == Partitioning::Range)
        appendStringInfo(&sql, " WITH (publish_via_partition_root = %s)",
                         run->config->publish_via_partition_root ? "true" : "false");
    spi_run(sql.data, SPI_OK_UTILITY);
    run->publication_oid = get_publication_oid(run->config->publication_name.c_str(), false);
    catalog_record_objects(run);
    end_step();
}

// The run's claim on its slot must be durable before the slot can outlive a
// crash, or a crash in between would orphan the slot. So, unlike
// pg_create_logical_replication_slot(), which creates and persists a slot in
// one call, setup creates the slot ephemeral (held by this worker, and
// removed by the server if the worker fails or dies, even in a crash), commits
// the claim with its proof (the slot's consistent point: any slot created
// after this one is gone starts at or after it), and only then makes the slot
// persistent. The slot is created in a transaction that has written nothing,
// as a logical slot must be; the claim is written after it. If this step
// fails after the slot's creation, run_step releases, and so drops, it.
namespace {

// One slot, as the run's claim (see above); record commits its proof.
void create_claimed_slot(WorkerRun* run, const char* name, const char* plugin, bool two_phase, bool* created,
                         XLogRecPtr* proof, void (*record)(WorkerRun*)) {
    ReplicationSlotCreate(name, true, RS_EPHEMERAL, two_phase);
    *created = true;
    XLogReaderRoutine wal_reader = {};
    wal_reader.page_read = read_local_xlog_page;
    wal_reader.segment_open = wal_segment_open;
    wal_reader.segment_close = wal_segment_close;
    LogicalDecodingContext* decoding =
        CreateInitDecodingContext(plugin, NIL, false, InvalidXLogRecPtr, &wal_reader, nullptr, nullptr, nullptr);
    DecodingContextFindStartpoint(decoding);
    FreeDecodingContext(decoding);
    *proof = MyReplicationSlot->data.confirmed_flush;
    record(run);
    end_step();
    // The claim must be on disk before the slot is: the role may run with
    // synchronous_commit = off, and a crash would then keep the slot and
    // lose the claim.
    XLogFlush(XactLastCommitEnd);
    ReplicationSlotPersist();
    ReplicationSlotRelease();
}

}  // namespace

// The run's slot, then its canary (verify => true): a pgoutput slot of its
// own, created before the first batch as the run's slot is, so that it
// decodes exactly the same transactions.
void setup_create_slot(WorkerRun* run) {
    const RunConfig& c = *run->config;
    if (!c.create_slot && !c.verify) return;
    // The checks pg_create_logical_replication_slot() makes for its caller:
    // the worker acts as the run's role.
    if (c.create_slot) {
        begin_step(run, "creating the replication slot");
        CheckSlotPermissions();
        CheckLogicalDecodingRequirements();
        create_claimed_slot(run, c.slot_name.c_str(), c.slot_plugin.c_str(), c.two_phase, &run->created_slot,
                            &run->slot_proof_lsn, catalog_record_objects);
    }
    if (c.verify) {
        begin_step(run, "creating the canary slot");
        CheckSlotPermissions();
        CheckLogicalDecodingRequirements();
        run->canary_slot = MemoryContextStrdup(TopMemoryContext, canary_slot_name(run->run_id));
        // Not two_phase: the canary decodes each transaction at its commit.
        create_claimed_slot(run, run->canary_slot, "pgoutput", false, &run->created_canary, &run->canary_proof_lsn,
                            catalog_record_canary);
    }
}

void setup_mark_running(WorkerRun* run) {
    begin_step(run, "starting");
    catalog_record_objects(run);
    catalog_mark_running(run);
    end_step();
}

void undo_setup(WorkerRun* run) {
    begin_step(run, "removing what setup created");
    const RunConfig& c = *run->config;
    StringInfoData sql;
    initStringInfo(&sql);
    // Each object only if it is still the one setup created: by oid, and for
    // the slot by its proof; the slot last, since its drop cannot be rolled
    // back if a drop before it fails.
    const char* publication =
        OidIsValid(run->publication_oid) ? get_publication_name(run->publication_oid, true) : nullptr;
    if (publication != nullptr) {
        appendStringInfo(&sql, "DROP PUBLICATION %s", quote_identifier(publication));
        spi_run(sql.data, SPI_OK_UTILITY);
    }
    const char* table = OidIsValid(run->relid) ? get_rel_name(run->relid) : nullptr;
    if (table != nullptr) {
        resetStringInfo(&sql);
        appendStringInfo(&sql, "DROP TABLE %s",
                         quote_qualified_identifier(get_namespace_name(get_rel_namespace(run->relid)), table));
        spi_run(sql.data, SPI_OK_UTILITY);
    }
    drop_run_types(run);
    const char* schema = OidIsValid(run->schema_oid) ? get_namespace_name(run->schema_oid) : nullptr;
    if (schema != nullptr) {
        resetStringInfo(&sql);
        appendStringInfo(&sql, "DROP SCHEMA %s", quote_identifier(schema));
        spi_run(sql.data, SPI_OK_UTILITY);
    }
    if (run->created_slot && !XLogRecPtrIsInvalid(run->slot_proof_lsn))
        (void)drop_slot_if_proven(c.slot_name.c_str(), run->slot_proof_lsn);
    if (run->created_canary && !XLogRecPtrIsInvalid(run->canary_proof_lsn))
        (void)drop_slot_if_proven(run->canary_slot, run->canary_proof_lsn);
    const bool had_canary = run->created_canary;
    run->created_slot = run->created_canary = false;
    run->canary_proof_lsn = InvalidXLogRecPtr;
    run->relid = run->schema_oid = run->publication_oid = InvalidOid;
    run->type_oids[0] = run->type_oids[1] = InvalidOid;
    run->slot_proof_lsn = InvalidXLogRecPtr;
    if (run->run_id != 0) catalog_record_objects(run);
    if (had_canary) catalog_record_canary(run);
    end_step();
}

}  // namespace cdccraft::pg
