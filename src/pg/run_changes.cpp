// cdccraft_changes: every change of a run, replayed from its seed.
//
// The run's catalog holds what the seed cannot know (the ledger of its
// committed transactions: xid, commit LSN and now(); the local time its
// purchased_at values count back from; the worker's TimeZone). The planner,
// replayed from the parameters, gives back every batch, and the core lists
// each batch's changes in its statements' order (core/batch_changes). Values
// are printed here by the types' output functions in the calling session,
// as value::text would print them. Rows go to a tuplestore, which spills to
// disk: memory holds the planner (the live-key set) and one batch.
#include "pg/postgres_api.hpp"

#include "core/batch_changes.hpp"
#include "pg/batch_executor.hpp"
#include "pg/catalog_access.hpp"
#include "pg/core_guard.hpp"
#include "pg/server_encoding.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "pgtime.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/pg_lsn.h"
PG_FUNCTION_INFO_V1(cdccraft_changes);
}

using namespace cdccraft;
using namespace cdccraft::pg;

namespace {

// One committed transaction of the run, as its ledger has it.
struct LoggedBatch {
    int64 batch;
    Datum xid;              // xid8
    XLogRecPtr commit_lsn;  // invalid while unknown (the newest batch of a live or dead worker)
    Timestamp now_local;    // now() in the worker's TimeZone: created_at and updated_at
};

struct RunLedger {
    const char* parameters;  // the parameters JSON
    Timestamp anchor;
    LoggedBatch* batches;
    int64 count;
};

// What the replay holds in C++: freed with the query's memory, an error's
// abort included.
struct Replay {
    BatchPlanner* planner;
    BatchPlan* plan;
    BatchChanges* changes;
    MemoryContextCallback on_reset;
};

void free_replay(void* arg) {
    auto* replay = static_cast<Replay*>(arg);
    delete replay->changes;
    delete replay->plan;
    delete replay->planner;
}

Timestamp local_time(TimestampTz t, pg_tz* zone) {
    struct pg_tm tm;
    fsec_t fsec;
    int offset;
    Timestamp local;
    if (timestamp2tm(t, &offset, &tm, &fsec, nullptr, zone) != 0 || tm2timestamp(&tm, fsec, nullptr, &local) != 0)
        ereport(ERROR, (errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE), errmsg("timestamp out of range")));
    return local;
}

[[noreturn]] void no_such_run(int64 run_id) {
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("cdccraft run %lld does not exist", (long long)run_id)));
}

// Reads the run and its ledger: the run through cdccraft_runs and the ledger
// through cdccraft_batches, as the caller (so that a run the caller may not
// see does not exist for it), and the two columns those views do not show
// as the catalog's owner. All in the caller's snapshot: the function is
// STABLE and SPI read-only.
RunLedger read_ledger(int64 run_id, MemoryContext into) {
    const char* schema = quote_identifier(get_namespace_name(installed_extension().schema));
    Oid types[] = {INT8OID};
    Datum args[] = {Int64GetDatum(run_id)};
    RunLedger ledger{};
    bool isnull;

    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    int nest_level = pin_safe_settings();
    const char* run_sql = psprintf(
        "SELECT parameters::pg_catalog.text FROM %s.cdccraft_runs WHERE run_id OPERATOR(pg_catalog.=) $1", schema);
    if (SPI_execute_with_args(run_sql, 1, types, args, nullptr, true, 1) != SPI_OK_SELECT)
        elog(ERROR, "could not read cdccraft run %lld", (long long)run_id);
    unpin_safe_settings(nest_level);
    if (SPI_processed != 1) no_such_run(run_id);
    const Datum parameters = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
    if (isnull) no_such_run(run_id);
    ledger.parameters = MemoryContextStrdup(into, TextDatumGetCString(parameters));

    const OwnerSwitch owner = become_catalog_owner(catalog_owner());
    const int ret =
        SPI_execute_with_args("SELECT time_anchor, time_zone FROM cdccraft.run WHERE id OPERATOR(pg_catalog.=) $1", 1,
                              types, args, nullptr, true, 1);
    restore_user(owner);
    if (ret != SPI_OK_SELECT || SPI_processed != 1) no_such_run(run_id);
    HeapTuple run = SPI_tuptable->vals[0];
    ledger.anchor = DatumGetTimestamp(SPI_getbinval(run, SPI_tuptable->tupdesc, 1, &isnull));
    bool no_zone;
    const Datum zone_name = SPI_getbinval(run, SPI_tuptable->tupdesc, 2, &no_zone);
    if (isnull || no_zone)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("cdccraft run %lld has no record of its changes", (long long)run_id),
                        errdetail("The run was made by cdccraft 0.1.0, which kept no ledger of its transactions.")));
    pg_tz* zone = pg_tzset(TextDatumGetCString(zone_name));
    if (zone == nullptr) elog(ERROR, "cdccraft run %lld has an unknown time zone", (long long)run_id);

    // A cursor, so that a run of many batches is not one result in memory.
    nest_level = pin_safe_settings();
    const char* batches_sql = psprintf(
        "SELECT batch, xid, commit_lsn, now_at FROM %s.cdccraft_batches WHERE run_id OPERATOR(pg_catalog.=) $1 "
        "ORDER BY batch",
        schema);
    Portal cursor = SPI_cursor_open_with_args(nullptr, batches_sql, 1, types, args, nullptr, true, 0);
    unpin_safe_settings(nest_level);
    int64 capacity = 64;
    ledger.batches = static_cast<LoggedBatch*>(MemoryContextAlloc(into, sizeof(LoggedBatch) * capacity));
    for (;;) {
        SPI_cursor_fetch(cursor, true, 10000);
        if (SPI_processed == 0) break;
        for (uint64 i = 0; i < SPI_processed; ++i) {
            HeapTuple row = SPI_tuptable->vals[i];
            TupleDesc desc = SPI_tuptable->tupdesc;
            if (ledger.count == capacity) {
                capacity *= 2;
                ledger.batches =
                    static_cast<LoggedBatch*>(repalloc_huge(ledger.batches, sizeof(LoggedBatch) * capacity));
            }
            LoggedBatch& b = ledger.batches[ledger.count++];
            b.batch = DatumGetInt64(SPI_getbinval(row, desc, 1, &isnull));
            b.xid = SPI_getbinval(row, desc, 2, &isnull);
            const Datum lsn = SPI_getbinval(row, desc, 3, &isnull);
            b.commit_lsn = isnull ? InvalidXLogRecPtr : DatumGetLSN(lsn);
            b.now_local = local_time(DatumGetTimestampTz(SPI_getbinval(row, desc, 4, &isnull)), zone);
        }
        SPI_freetuptable(SPI_tuptable);
    }
    SPI_cursor_close(cursor);
    SPI_finish();
    return ledger;
}

// The positions asked for: from_lsn and to_lsn, each inclusive, NULL open.
struct LsnRange {
    bool has_from, has_to;
    XLogRecPtr from, to;

    // A batch whose commit position is not known yet committed after every
    // known one.
    bool holds(const LoggedBatch& b) const {
        if (XLogRecPtrIsInvalid(b.commit_lsn)) return !has_to;
        return (!has_from || b.commit_lsn >= from) && (!has_to || b.commit_lsn <= to);
    }
    bool passed(const LoggedBatch& b) const {
        return has_to && (XLogRecPtrIsInvalid(b.commit_lsn) || b.commit_lsn > to);
    }
};

// The output functions behind value::text, looked up once.
struct ValuePrinter {
    FmgrInfo uuid, int4, float8, boolean, timestamp;

    static void look_up(Oid type, FmgrInfo* out) {
        Oid function;
        bool varlena;
        getTypeOutputInfo(type, &function, &varlena);
        fmgr_info(function, out);
    }
    ValuePrinter() {
        look_up(UUIDOID, &uuid);
        look_up(INT4OID, &int4);
        look_up(FLOAT8OID, &float8);
        look_up(BOOLOID, &boolean);
        look_up(TIMESTAMPOID, &timestamp);
    }

    char* key(const Uuid& key) {
        pg_uuid_t value;
        memcpy(value.data, key.data(), UUID_LEN);
        return OutputFunctionCall(&uuid, UUIDPGetDatum(&value));
    }
    char* planned(const ColumnValues& v, size_t row, Timestamp anchor) {
        switch (v.kind) {
            case ValueKind::Text: {
                const std::string_view s = v.text(row);
                return pnstrdup(s.data(), s.size());
            }
            case ValueKind::Int4: return OutputFunctionCall(&int4, Int32GetDatum(static_cast<int32>(v.ints[row])));
            case ValueKind::Float8: return OutputFunctionCall(&float8, Float8GetDatum(v.floats[row]));
            case ValueKind::Bool: return OutputFunctionCall(&boolean, BoolGetDatum(v.bools[row] != 0));
            case ValueKind::Timestamp: return OutputFunctionCall(&timestamp, TimestampGetDatum(anchor - v.ints[row]));
            case ValueKind::Uuid: break;
        }
        elog(ERROR, "cdccraft: no text form for this column kind");
        return nullptr;
    }
};

void push_string(JsonbParseState** state, JsonbIteratorToken token, const char* s, size_t len) {
    JsonbValue v;
    v.type = jbvString;
    v.val.string.val = const_cast<char*>(s);
    v.val.string.len = static_cast<int>(len);
    pushJsonbValue(state, token, &v);
}

// An insert's or an update's columns, each as its text.
Datum change_data(const PlannedChange& change, const LoggedBatch& batch, Timestamp anchor, ValuePrinter& printer) {
    JsonbParseState* state = nullptr;
    pushJsonbValue(&state, WJB_BEGIN_OBJECT, nullptr);
    for (size_t i = 0; i < change.column_count; ++i) {
        const ChangedColumn& c = change.columns[i];
        const std::string_view name = column_spec(c.column).name;
        push_string(&state, WJB_KEY, name.data(), name.size());
        char* text = nullptr;
        switch (c.source) {
            case ValueSource::Key: text = printer.key(*change.key); break;
            case ValueSource::Now:
                text = OutputFunctionCall(&printer.timestamp, TimestampGetDatum(batch.now_local));
                break;
            case ValueSource::Planned: text = printer.planned(*c.values, change.row, anchor); break;
        }
        push_string(&state, WJB_VALUE, text, strlen(text));
    }
    JsonbValue* object = pushJsonbValue(&state, WJB_END_OBJECT, nullptr);
    return JsonbPGetDatum(JsonbValueToJsonb(object));
}

const char* op_name(ChangeOp op) {
    switch (op) {
        case ChangeOp::Insert: return "insert";
        case ChangeOp::Update: return "update";
        case ChangeOp::Delete: return "delete";
        case ChangeOp::Ddl: return "ddl";
    }
    return "";
}

struct Emitter {
    ReturnSetInfo* rsinfo;
    MemoryContext row_context;
    ValuePrinter printer;
    Timestamp anchor;
    const char* qualified_table;

    void emit(const std::vector<PlannedChange>& changes, const LoggedBatch& batch) {
        for (const PlannedChange& change : changes) {
            MemoryContext caller = MemoryContextSwitchTo(row_context);
            Datum values[8];
            bool nulls[8] = {false, false, XLogRecPtrIsInvalid(batch.commit_lsn), false, false, false, true, true};
            values[0] = Int64GetDatum(batch.batch);
            values[1] = batch.xid;
            values[2] = LSNGetDatum(batch.commit_lsn);
            values[3] = Int32GetDatum(change.seq);
            values[4] = CStringGetTextDatum(op_name(change.op));
            values[5] = change.key ? CStringGetTextDatum(printer.key(*change.key)) : (Datum)0;
            nulls[5] = change.key == nullptr;
            if (change.op == ChangeOp::Insert || change.op == ChangeOp::Update) {
                values[6] = change_data(change, batch, anchor, printer);
                nulls[6] = false;
            }
            if (change.op == ChangeOp::Ddl) {
                values[7] = CStringGetTextDatum(evolution_statement(qualified_table, *change.ddl));
                nulls[7] = false;
            }
            tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
            MemoryContextSwitchTo(caller);
            MemoryContextReset(row_context);
        }
    }
};

}  // namespace

Datum cdccraft_changes(PG_FUNCTION_ARGS) {
    if (PG_ARGISNULL(0)) ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("run_id must not be NULL")));
    const int64 run_id = PG_GETARG_INT64(0);
    const LsnRange range{!PG_ARGISNULL(1), !PG_ARGISNULL(2), PG_ARGISNULL(1) ? InvalidXLogRecPtr : PG_GETARG_LSN(1),
                         PG_ARGISNULL(2) ? InvalidXLogRecPtr : PG_GETARG_LSN(2)};

    InitMaterializedSRF(fcinfo, 0);
    auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    MemoryContext query_context = rsinfo->econtext->ecxt_per_query_memory;
    const RunLedger ledger = read_ledger(run_id, query_context);

    auto* replay = static_cast<Replay*>(MemoryContextAllocZero(query_context, sizeof(Replay)));
    replay->on_reset.func = free_replay;
    replay->on_reset.arg = replay;
    MemoryContextRegisterResetCallback(query_context, &replay->on_reset);
    const char* parameters = ledger.parameters;
    CDCCRAFT_CORE({
        replay->planner = new BatchPlanner(from_json(parameters));
        replay->plan = new BatchPlan();
        replay->changes = new BatchChanges();
    });
    BatchPlanner& planner = *replay->planner;
    BatchPlan& plan = *replay->plan;
    BatchChanges& changes = *replay->changes;
    spell_names_for_database(&planner);

    Emitter emitter{rsinfo, nullptr, ValuePrinter(), ledger.anchor, nullptr};
    // NOLINTNEXTLINE(bugprone-implicit-widening-of-multiplication-result): PostgreSQL's own sizes
    emitter.row_context = AllocSetContextCreate(CurrentMemoryContext, "cdccraft change", ALLOCSET_DEFAULT_SIZES);
    emitter.qualified_table =
        quote_qualified_identifier(planner.config().schema_name.c_str(), planner.config().table_name.c_str());

    for (int64 i = 0; i < ledger.count; ++i) {
        const LoggedBatch& batch = ledger.batches[i];
        if (i == 0 && batch.batch != 0)
            ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
                            errmsg("the ledger of cdccraft run %lld lacks its snapshot", (long long)run_id)));
        if (range.passed(batch)) break;
        const bool wanted = range.holds(batch);
        const std::vector<PlannedChange>* listed = nullptr;
        if (batch.batch == 0) {
            // The snapshot's chunks are one transaction.
            int32_t seq = 1;
            bool more = true;
            for (;;) {
                CDCCRAFT_CORE({
                    more = planner.plan_snapshot_chunk(plan);
                    if (more) listed = &changes.list(plan, planner.schema().columns(), seq);
                });
                if (!more) break;
                seq = changes.next_seq();
                if (wanted) emitter.emit(*listed, batch);
                CHECK_FOR_INTERRUPTS();
            }
            continue;
        }
        if (batch.batch != planner.batches_planned() + 1 || planner.finished())
            ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
                            errmsg("the ledger of cdccraft run %lld does not follow its seed at batch %lld",
                                   (long long)run_id, (long long)batch.batch)));
        CDCCRAFT_CORE({
            planner.plan_batch(plan);
            listed = &changes.list(plan, planner.schema().columns(), 1);
        });
        if (wanted) emitter.emit(*listed, batch);
        CHECK_FOR_INTERRUPTS();
    }
    MemoryContextDelete(emitter.row_context);
    return (Datum)0;
}
