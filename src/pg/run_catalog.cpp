#include "pg/run_catalog.hpp"

#include "pg/batch_executor.hpp"
#include "pg/catalog_access.hpp"

extern "C" {
#include "utils/pg_lsn.h"
}
#include "pg/core_guard.hpp"

namespace cdccraft::pg {
namespace {

constexpr const char* kSchemaOfTable =
    "(SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('name', a.attname, 'type', "
    "pg_catalog.format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum) FROM pg_catalog.pg_attribute a "
    "WHERE a.attrelid OPERATOR(pg_catalog.=) $2 AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped)";

Datum text_datum(const std::string& s) { return PointerGetDatum(cstring_to_text_with_len(s.data(), s.size())); }

}  // namespace

void catalog_prepare(WorkerRun* run) {
    run->catalog_owner = catalog_owner();
    exec_as_owner(run->catalog_owner,
                  "UPDATE cdccraft.run r SET state = 'interrupted', finished_at = pg_catalog.now(), "
                  "last_error = cdccraft.interrupted_error() WHERE cdccraft.state_is_active(r.state) "
                  "AND NOT cdccraft.worker_alive(r.worker_pid, r.worker_started_at)",
                  0, nullptr, nullptr, nullptr, SPI_OK_UPDATE);
}

void catalog_check_no_active_run(WorkerRun* run) {
    const RunConfig& c = *run->config;
    const Oid types[] = {TEXTOID, TEXTOID};
    const Datum values[] = {text_datum(c.schema_name), text_datum(c.table_name)};
    // Starts on the same table queue here until the first one's run is
    // recorded (or not), so the second sees it and gets this clear error
    // rather than the unique index's.
    spi_run_args(
        "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('cdccraft start'), "
        "pg_catalog.hashtext($1 OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) $2))",
        2, types, values, SPI_OK_SELECT);
    exec_as_owner(run->catalog_owner,
                  "SELECT id FROM cdccraft.run WHERE schema_name OPERATOR(pg_catalog.=) $1 "
                  "AND table_name OPERATOR(pg_catalog.=) $2 "
                  "AND cdccraft.state_is_active(state)",
                  2, types, values, nullptr, SPI_OK_SELECT);
    if (SPI_processed > 0) {
        bool isnull;
        const int64 other = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
        ereport(ERROR, (errcode(ERRCODE_OBJECT_IN_USE),
                        errmsg("table %s already has an active cdccraft run", run->qualified_table),
                        errdetail("Run %lld is using it.", (long long)other),
                        errhint("Stop it with cdccraft_stop(%lld) or choose another table_name.", (long long)other)));
    }
}

int64 catalog_insert_run(WorkerRun* run) {
    const RunConfig& c = *run->config;
    const Oid types[] = {OIDOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT4OID, TIMESTAMPTZOID, TEXTOID, TIMESTAMPOID};
    const Datum parameters_datum = CStringGetTextDatum(core_string([&] { return to_json(c); }));
    const Datum values[] = {ObjectIdGetDatum(run->role),
                            text_datum(c.schema_name),
                            text_datum(c.table_name),
                            text_datum(c.publication_name),
                            c.create_slot ? text_datum(c.slot_name) : (Datum)0,
                            Int32GetDatum(MyProcPid),
                            TimestampTzGetDatum(MyStartTimestamp),
                            parameters_datum,
                            TimestampGetDatum(run->anchor)};
    const char nulls[] = {' ', ' ', ' ', ' ', c.create_slot ? ' ' : 'n', ' ', ' ', ' ', ' '};
    // The parameters, the seed among them, are kept once: as JSON.
    exec_as_owner(run->catalog_owner,
                  "INSERT INTO cdccraft.run (owner, schema_name, table_name, publication_name, slot_name, "
                  "worker_pid, worker_started_at, parameters, time_anchor, time_zone) "
                  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8::pg_catalog.jsonb, $9, "
                  "pg_catalog.current_setting('TimeZone')) RETURNING id",
                  9, types, values, nulls, SPI_OK_INSERT_RETURNING);
    bool isnull;
    return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

int64 catalog_run_of_table(WorkerRun* run, Oid relid) {
    const Oid types[] = {OIDOID};
    const Datum values[] = {ObjectIdGetDatum(relid)};
    exec_as_owner(run->catalog_owner,
                  "SELECT pg_catalog.max(id) FROM cdccraft.run WHERE relid OPERATOR(pg_catalog.=) $1 "
                  "AND origin OPERATOR(pg_catalog.=) cdccraft.origin()",
                  1, types, values, nullptr, SPI_OK_SELECT);
    bool isnull;
    const Datum id = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
    return isnull ? 0 : DatumGetInt64(id);
}

void catalog_record_objects(WorkerRun* run) {
    const Oid types[] = {INT8OID, OIDOID, OIDOID, OIDOID, LSNOID, TEXTOID, TEXTOID};
    const bool has_types = OidIsValid(run->type_oids[0]) || OidIsValid(run->type_oids[1]);
    const Datum values[] = {Int64GetDatum(run->run_id),
                            ObjectIdGetDatum(run->relid),
                            ObjectIdGetDatum(run->schema_oid),
                            ObjectIdGetDatum(run->publication_oid),
                            LSNGetDatum(run->slot_proof_lsn),
                            run->key_index ? CStringGetTextDatum(run->key_index) : (Datum)0,
                            CStringGetTextDatum(psprintf("{%u,%u}", run->type_oids[0], run->type_oids[1]))};
    const char nulls[] = {' ',
                          OidIsValid(run->relid) ? ' ' : 'n',
                          OidIsValid(run->schema_oid) ? ' ' : 'n',
                          OidIsValid(run->publication_oid) ? ' ' : 'n',
                          XLogRecPtrIsInvalid(run->slot_proof_lsn) ? 'n' : ' ',
                          run->key_index ? ' ' : 'n',
                          has_types ? ' ' : 'n'};
    exec_as_owner(run->catalog_owner,
                  "UPDATE cdccraft.run SET relid = $2, schema_oid = $3, publication_oid = $4, slot_proof_lsn = $5, "
                  "key_index = $6, type_oids = $7::pg_catalog.oid[] WHERE id OPERATOR(pg_catalog.=) $1",
                  7, types, values, nulls, SPI_OK_UPDATE);
}

void catalog_record_canary(WorkerRun* run) {
    const Oid types[] = {INT8OID, NAMEOID, LSNOID};
    const Datum values[] = {Int64GetDatum(run->run_id), CStringGetDatum(run->canary_slot),
                            LSNGetDatum(run->canary_proof_lsn)};
    const char nulls[] = {' ', ' ', XLogRecPtrIsInvalid(run->canary_proof_lsn) ? 'n' : ' '};
    exec_as_owner(run->catalog_owner,
                  "UPDATE cdccraft.run SET canary_slot = $2, canary_proof_lsn = $3, verified_lsn = $3 "
                  "WHERE id OPERATOR(pg_catalog.=) $1",
                  3, types, values, nulls, SPI_OK_UPDATE);
}

void catalog_record_snapshot(WorkerRun* run, int64 rows) {
    const Oid types[] = {INT8OID, INT8OID};
    const Datum values[] = {Int64GetDatum(run->run_id), Int64GetDatum(rows)};
    // The snapshot's transaction is batch 0 of the run's commits.
    exec_as_owner(run->catalog_owner,
                  "WITH ledger AS (INSERT INTO cdccraft.batch_commit (run_id, batch, xid, now_at) "
                  "VALUES ($1, 0, pg_catalog.pg_current_xact_id(), pg_catalog.now())) "
                  "UPDATE cdccraft.run SET snapshot_rows = $2 WHERE id OPERATOR(pg_catalog.=) $1",
                  2, types, values, nullptr, SPI_OK_UPDATE);
}

void catalog_set_state(WorkerRun* run, const char* state) {
    const Oid types[] = {INT8OID, TEXTOID};
    const Datum values[] = {Int64GetDatum(run->run_id), CStringGetTextDatum(state)};
    exec_as_owner(run->catalog_owner, "UPDATE cdccraft.run SET state = $2 WHERE id OPERATOR(pg_catalog.=) $1", 2, types,
                  values, nullptr, SPI_OK_UPDATE);
}

void catalog_mark_running(WorkerRun* run) {
    const Oid types[] = {INT8OID, OIDOID};
    const Datum values[] = {Int64GetDatum(run->run_id), ObjectIdGetDatum(run->relid)};
    char sql[1024];
    snprintf(sql, sizeof sql,
             "UPDATE cdccraft.run SET state = 'running', original_schema = %s, final_schema = %s "
             "WHERE id OPERATOR(pg_catalog.=) $1",
             kSchemaOfTable, kSchemaOfTable);
    exec_as_owner(run->catalog_owner, sql, 2, types, values, nullptr, SPI_OK_UPDATE);
}

namespace {

// What a schema change does to the table's shape, as cdccraft.schema_change
// records it: ADD, DROP and RENAME change its columns, TRUNCATE its rows,
// ALTER the rest.
const char* schema_change_action(EvolutionOp op) {
    if (adds_column(op)) return "ADD";
    switch (op) {
        case EvolutionOp::Drop: return "DROP";
        case EvolutionOp::Rename: return "RENAME";
        case EvolutionOp::Truncate: return "TRUNCATE";
        default: return "ALTER";
    }
}

// SPI's null flag ('n') for an empty text, which these columns never hold.
Datum optional_text(std::string_view s, char* null) {
    *null = s.empty() ? 'n' : ' ';
    return s.empty() ? (Datum)0 : PointerGetDatum(cstring_to_text_with_len(s.data(), static_cast<int>(s.size())));
}

void record_schema_change(WorkerRun* run, const EvolutionStep& step, const SchemaState& schema) {
    const bool of_column = step.op != EvolutionOp::Truncate && step.op != EvolutionOp::ReplicaIdentity;
    const ColumnSpec shape = schema.shape(step.column);
    const char* fill = evolution_fill(step, schema);
    const Oid types[] = {INT8OID, OIDOID, INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
    char nulls[11] = "          ";
    const Datum values[] = {
        Int64GetDatum(run->run_id),
        ObjectIdGetDatum(run->relid),
        Int64GetDatum(run->plan->batch_number),
        CStringGetTextDatum(schema_change_action(step.op)),
        optional_text(of_column ? (step.op == EvolutionOp::Rename ? column_spec(step.column).name : shape.name) : "",
                      &nulls[4]),
        optional_text(of_column ? shape.sql_type : "", &nulls[5]),
        CStringGetTextDatum(evolution_op_name(step.op).data()),
        optional_text(step.op == EvolutionOp::Rename ? shape.name : "", &nulls[7]),
        optional_text(fill ? fill : "", &nulls[8]),
        CStringGetTextDatum(evolution_statement(run->qualified_table, step, schema, run->key_index))};
    char sql[1024];
    snprintf(sql, sizeof sql,
             "WITH change AS (INSERT INTO cdccraft.schema_change (run_id, batch, action, column_name, "
             "column_type, operation, new_name, fill, ddl) VALUES ($1, $3, $4, $5, $6, $7, $8, $9, $10)) "
             "UPDATE cdccraft.run SET final_schema = %s WHERE id OPERATOR(pg_catalog.=) $1",
             kSchemaOfTable);
    exec_as_owner(run->catalog_owner, sql, 10, types, values, nulls, SPI_OK_UPDATE);
}

}  // namespace

void catalog_record_batch(WorkerRun* run, int64 inserts, int64 updates, int64 deletes) {
    const SchemaState& schema = run->planner->schema();
    const BatchPlan& plan = *run->plan;
    if (plan.evolution) record_schema_change(run, *plan.evolution, schema);
    // The new totals replace the previous batch's row (see cdccraft.progress).
    if (run->record_progress_plan == nullptr) {
        const Oid types[] = {INT8OID, INT8OID, INT8OID, INT8OID, INT8OID, INT4OID, INT4OID,
                             INT8OID, LSNOID,  LSNOID,  INT8OID, INT8OID, INT8OID, INT4OID};
        const OwnerSwitch s = become_catalog_owner(run->catalog_owner);
        // One statement: the batch's commit record (cdccraft.batch_commit)
        // and its totals, which replace the previous batch's.
        SPIPlanPtr p = SPI_prepare(
            "WITH previous AS (DELETE FROM cdccraft.progress "
            "WHERE run_id OPERATOR(pg_catalog.=) $1 AND batches OPERATOR(pg_catalog.=) $8), "
            "ledger AS (INSERT INTO cdccraft.batch_commit (run_id, batch, xid, now_at, previous_commit_lsn, writer) "
            "VALUES ($1, $2, pg_catalog.pg_current_xact_id(), pg_catalog.now(), $10, $14)) "
            "INSERT INTO cdccraft.progress (run_id, batches, inserts, updates, deletes, additions, drops, "
            "slot_proof_lsn, rolled_back_batches, rolled_back_changes, rolled_back_savepoints, writer) VALUES ($1, "
            "$2, $3, $4, $5, $6, $7, $9, $11, $12, $13, $14)",
            14, const_cast<Oid*>(types));
        restore_user(s);
        if (p == nullptr || SPI_keepplan(p) != 0) elog(ERROR, "could not prepare the cdccraft progress record");
        run->record_progress_plan = p;
    }
    const Datum values[] = {Int64GetDatum(run->run_id),
                            Int64GetDatum(plan.batch_number),
                            Int64GetDatum(run->inserts + inserts),
                            Int64GetDatum(run->updates + updates),
                            Int64GetDatum(run->deletes + deletes),
                            Int32GetDatum(schema.additions()),
                            Int32GetDatum(schema.drops()),
                            Int64GetDatum(run->batches),
                            LSNGetDatum(run->slot_proof_lsn),
                            LSNGetDatum(run->last_commit_lsn),
                            Int64GetDatum(run->rolled_back_batches),
                            Int64GetDatum(run->rolled_back_changes),
                            Int64GetDatum(run->rolled_back_savepoints),
                            Int32GetDatum(run->writer)};
    const char nulls[] = {' ',
                          ' ',
                          ' ',
                          ' ',
                          ' ',
                          ' ',
                          ' ',
                          ' ',
                          XLogRecPtrIsInvalid(run->slot_proof_lsn) ? 'n' : ' ',
                          XLogRecPtrIsInvalid(run->last_commit_lsn) ? 'n' : ' ',
                          ' ',
                          ' ',
                          ' ',
                          ' '};
    const OwnerSwitch s = become_catalog_owner(run->catalog_owner);
    const int ret = SPI_execute_plan(run->record_progress_plan, const_cast<Datum*>(values), nulls, false, 0);
    restore_user(s);
    if (ret != SPI_OK_INSERT || SPI_processed != 1)
        elog(ERROR, "could not record the progress of cdccraft run %lld", (long long)run->run_id);
}

void catalog_record_partition_split(WorkerRun* run, const char* ddl) {
    const Oid types[] = {INT8OID, INT8OID, TEXTOID};
    const Datum values[] = {Int64GetDatum(run->run_id), Int64GetDatum(run->plan->batch_number),
                            CStringGetTextDatum(ddl)};
    exec_as_owner(run->catalog_owner,
                  "INSERT INTO cdccraft.schema_change (run_id, batch, action, operation, ddl) "
                  "VALUES ($1, $2, 'ALTER', 'split_partition', $3)",
                  3, types, values, nullptr, SPI_OK_INSERT);
}

void catalog_finish(WorkerRun* run, const char* state, const char* error, Datum writer_commit_lsns) {
    const Oid types[] = {INT8OID, OIDOID, TEXTOID, TEXTOID, LSNOID, PG_LSNARRAYOID};
    const Datum values[] = {Int64GetDatum(run->run_id),        ObjectIdGetDatum(run->relid),
                            CStringGetTextDatum(state),        error ? CStringGetTextDatum(error) : (Datum)0,
                            LSNGetDatum(run->last_commit_lsn), writer_commit_lsns};
    const char nulls[] = {' ',
                          ' ',
                          ' ',
                          error ? ' ' : 'n',
                          XLogRecPtrIsInvalid(run->last_commit_lsn) ? 'n' : ' ',
                          writer_commit_lsns == (Datum)0 ? 'n' : ' '};
    char sql[1024];
    snprintf(sql, sizeof sql,
             "UPDATE cdccraft.run SET state = $3, last_error = $4, finished_at = pg_catalog.now(), "
             "last_commit_lsn = $5, writer_commit_lsns = $6, final_schema = COALESCE(%s, final_schema) "
             "WHERE id OPERATOR(pg_catalog.=) $1",
             kSchemaOfTable);
    exec_as_owner(run->catalog_owner, sql, 6, types, values, nulls, SPI_OK_UPDATE);
}

}  // namespace cdccraft::pg
