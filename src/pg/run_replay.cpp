#include "pg/run_replay.hpp"

#include "pg/batch_executor.hpp"
#include "pg/catalog_access.hpp"
#include "pg/core_guard.hpp"
#include "pg/server_encoding.hpp"

extern "C" {
#include "parser/parse_type.h"
#include "pgtime.h"
#include "utils/lsyscache.h"
#include "utils/pg_lsn.h"
}

namespace cdccraft::pg {

struct RunReplay {
    int64 run_id;
    Timestamp anchor;
    LoggedBatch* batches;
    int64 count;
    int64 next;        // the ledger entry replay_next gives next
    bool in_snapshot;  // planning batch 0's chunks
    int32 snapshot_seq;
    const char* qualified_table;
    const char* key_index;  // the primary key's index, as setup recorded it (or null)
    // C++ state, freed by the reset callback: one planner per writer.
    int writers;
    BatchPlanner* planners[kMaxWriters];
    BatchPlanner* planner;  // the one replay_next used last
    // The rolled-back batches the last replay_next passed over that emitted
    // a non-transactional message, however many in a row.
    std::vector<int64_t>* passed_over;
    BatchPlan* plan;
    BatchChanges* changes;
    MemoryContextCallback on_reset;
};

namespace {

void free_replay(void* arg) {
    auto* replay = static_cast<RunReplay*>(arg);
    delete replay->changes;
    delete replay->plan;
    for (BatchPlanner* planner : replay->planners) delete planner;
    delete replay->passed_over;
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

[[noreturn]] void ledger_corrupted(int64 run_id, const char* what) {
    ereport(ERROR,
            (errcode(ERRCODE_DATA_CORRUPTED), errmsg("the ledger of cdccraft run %lld %s", (long long)run_id, what)));
}

// Reads the run through cdccraft_runs and its ledger through
// cdccraft_batches as the caller (so that a run the caller may not see
// does not exist for it), and the two columns those views do not show as the
// catalog's owner. All in the caller's snapshot: SPI read-only. Returns the
// parameters JSON.
const char* read_ledger(RunReplay* replay, MemoryContext into) {
    const int64 run_id = replay->run_id;
    const char* schema = quote_identifier(get_namespace_name(installed_extension().schema));
    Oid types[] = {INT8OID};
    Datum args[] = {Int64GetDatum(run_id)};
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
    const char* parameters_json = MemoryContextStrdup(into, TextDatumGetCString(parameters));

    const OwnerSwitch owner = become_catalog_owner(catalog_owner());
    const int ret = SPI_execute_with_args(
        "SELECT time_anchor, time_zone, key_index::pg_catalog.text FROM cdccraft.run "
        "WHERE id OPERATOR(pg_catalog.=) $1",
        1, types, args, nullptr, true, 1);
    restore_user(owner);
    if (ret != SPI_OK_SELECT || SPI_processed != 1) no_such_run(run_id);
    HeapTuple run = SPI_tuptable->vals[0];
    replay->anchor = DatumGetTimestamp(SPI_getbinval(run, SPI_tuptable->tupdesc, 1, &isnull));
    bool no_zone;
    const Datum zone_name = SPI_getbinval(run, SPI_tuptable->tupdesc, 2, &no_zone);
    bool no_key_index;
    const Datum key_index = SPI_getbinval(run, SPI_tuptable->tupdesc, 3, &no_key_index);
    replay->key_index = no_key_index ? nullptr : MemoryContextStrdup(into, TextDatumGetCString(key_index));
    if (isnull || no_zone)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("cdccraft run %lld has no record of its changes", (long long)run_id),
                        errdetail("The run was made by cdccraft 0.1.0, which kept no ledger of its transactions.")));
    pg_tz* zone = pg_tzset(TextDatumGetCString(zone_name));
    if (zone == nullptr) elog(ERROR, "cdccraft run %lld has an unknown time zone", (long long)run_id);

    // A cursor, so that a run of many batches is not one result in memory.
    nest_level = pin_safe_settings();
    const char* batches_sql = psprintf(
        "SELECT batch, xid, commit_lsn, now_at, writer FROM %s.cdccraft_batches "
        "WHERE run_id OPERATOR(pg_catalog.=) $1 ORDER BY batch",
        schema);
    Portal cursor = SPI_cursor_open_with_args(nullptr, batches_sql, 1, types, args, nullptr, true, 0);
    unpin_safe_settings(nest_level);
    int64 capacity = 64;
    replay->batches = static_cast<LoggedBatch*>(MemoryContextAlloc(into, sizeof(LoggedBatch) * capacity));
    for (;;) {
        SPI_cursor_fetch(cursor, true, 10000);
        if (SPI_processed == 0) break;
        for (uint64 i = 0; i < SPI_processed; ++i) {
            HeapTuple row = SPI_tuptable->vals[i];
            TupleDesc desc = SPI_tuptable->tupdesc;
            if (replay->count == capacity) {
                capacity *= 2;
                replay->batches =
                    static_cast<LoggedBatch*>(repalloc_huge(replay->batches, sizeof(LoggedBatch) * capacity));
            }
            LoggedBatch& b = replay->batches[replay->count++];
            b.batch = DatumGetInt64(SPI_getbinval(row, desc, 1, &isnull));
            b.xid = SPI_getbinval(row, desc, 2, &isnull);
            const Datum lsn = SPI_getbinval(row, desc, 3, &isnull);
            b.commit_lsn = isnull ? InvalidXLogRecPtr : DatumGetLSN(lsn);
            b.now_local = local_time(DatumGetTimestampTz(SPI_getbinval(row, desc, 4, &isnull)), zone);
            b.writer = DatumGetInt32(SPI_getbinval(row, desc, 5, &isnull));
        }
        SPI_freetuptable(SPI_tuptable);
    }
    SPI_cursor_close(cursor);
    SPI_finish();
    if (replay->count > 0 && replay->batches[0].batch != 0) ledger_corrupted(run_id, "lacks its snapshot");
    return parameters_json;
}

// Commit order: the snapshot first (committed before any writer began), then
// by commit position, those not known yet last, each writer's in its own
// order (their batch numbers').
int commit_order(const void* a, const void* b) {
    const auto* x = static_cast<const LoggedBatch*>(a);
    const auto* y = static_cast<const LoggedBatch*>(b);
    if ((x->batch == 0) != (y->batch == 0)) return x->batch == 0 ? -1 : 1;
    const bool x_known = !XLogRecPtrIsInvalid(x->commit_lsn), y_known = !XLogRecPtrIsInvalid(y->commit_lsn);
    if (x_known != y_known) return x_known ? -1 : 1;
    if (x_known && x->commit_lsn != y->commit_lsn) return x->commit_lsn < y->commit_lsn ? -1 : 1;
    return x->batch < y->batch ? -1 : x->batch > y->batch ? 1 : 0;
}

}  // namespace

RunReplay* open_replay(int64 run_id, MemoryContext query_context) {
    auto* replay = static_cast<RunReplay*>(MemoryContextAllocZero(query_context, sizeof(RunReplay)));
    replay->run_id = run_id;
    const char* parameters = read_ledger(replay, query_context);
    replay->on_reset.func = free_replay;
    replay->on_reset.arg = replay;
    MemoryContextRegisterResetCallback(query_context, &replay->on_reset);
    CDCCRAFT_CORE({
        const RunConfig config = from_json(parameters);
        replay->writers = static_cast<int>(config.writers);
        for (int w = 0; w < replay->writers; ++w) replay->planners[w] = new BatchPlanner(config, w);
        replay->plan = new BatchPlan();
        replay->changes = new BatchChanges();
        replay->passed_over = new std::vector<int64_t>();
    });
    replay->planner = replay->planners[0];
    for (int w = 0; w < replay->writers; ++w) spell_names_for_database(replay->planners[w]);
    for (int64 i = 0; i < replay->count; ++i)
        if (replay->batches[i].writer < 0 || replay->batches[i].writer >= replay->writers)
            ledger_corrupted(run_id,
                             psprintf("names writer %d of a run of %d", replay->batches[i].writer, replay->writers));
    if (replay->writers > 1) qsort(replay->batches, replay->count, sizeof(LoggedBatch), commit_order);
    const RunConfig& config = replay->planner->config();
    MemoryContext caller = MemoryContextSwitchTo(query_context);
    replay->qualified_table = quote_qualified_identifier(config.schema_name.c_str(), config.table_name.c_str());
    MemoryContextSwitchTo(caller);
    return replay;
}

bool replay_next(RunReplay* replay, const LoggedBatch** batch, const std::vector<PlannedChange>** changes) {
    BatchPlan& plan = *replay->plan;
    BatchChanges& listed = *replay->changes;
    for (;;) {
        if (replay->next >= replay->count) return false;
        const LoggedBatch& b = replay->batches[replay->next];
        *batch = &b;
        replay->planner = replay->planners[b.writer];
        replay->passed_over->clear();
        BatchPlanner& planner = *replay->planner;
        if (b.batch == 0) {
            // The snapshot's chunks are one transaction.
            if (!replay->in_snapshot) {
                replay->in_snapshot = true;
                replay->snapshot_seq = 1;
            }
            bool more = false;
            const int32 seq = replay->snapshot_seq;
            CDCCRAFT_CORE({
                more = planner.plan_snapshot_chunk(plan);
                if (more) *changes = &listed.list(plan, planner.schema().columns(), seq);
            });
            if (more) {
                replay->snapshot_seq = listed.next_seq();
                return true;
            }
            replay->in_snapshot = false;
            ++replay->next;
            continue;
        }
        // The batches rolled back between the ledger's (rollback_fraction)
        // are planned too, and passed over: the seed's draws run through them.
        bool follows = true;
        CDCCRAFT_CORE({
            while (follows && planner.next_batch_number() < b.batch && !planner.finished()) {
                planner.plan_batch(plan);
                follows = plan.rolled_back;
                if (follows && plan.emits_nontransactional_message) replay->passed_over->push_back(plan.batch_number);
            }
            follows = follows && b.batch == planner.next_batch_number() && !planner.finished();
            if (follows) {
                planner.plan_batch(plan);
                follows = !plan.rolled_back;
                *changes = &listed.list(plan, planner.schema().columns(), 1);
            }
        });
        if (!follows)
            ledger_corrupted(replay->run_id, psprintf("does not follow its seed at batch %lld", (long long)b.batch));
        ++replay->next;
        return true;
    }
}

const int64_t* replay_passed_over(const RunReplay* replay, size_t* count) {
    *count = replay->passed_over->size();
    return replay->passed_over->data();
}

XLogRecPtr replay_last_known_commit(const RunReplay* replay) {
    // A writer's batch whose commit is not known yet committed after that
    // writer's last known one, but maybe before another writer's: the truth
    // is whole only up to the earliest such writer's last known commit.
    XLogRecPtr known[kMaxWriters] = {};
    bool unknown[kMaxWriters] = {};
    XLogRecPtr last = InvalidXLogRecPtr;
    for (int64 i = 0; i < replay->count; ++i) {
        const LoggedBatch& b = replay->batches[i];
        if (b.batch == 0) continue;
        if (XLogRecPtrIsInvalid(b.commit_lsn)) {
            unknown[b.writer] = true;
            continue;
        }
        known[b.writer] = Max(known[b.writer], b.commit_lsn);
        last = Max(last, b.commit_lsn);
    }
    for (int w = 0; w < replay->writers; ++w)
        if (unknown[w] && known[w] < last) last = known[w];
    return last;
}

// A new enum label changes no relation's shape, and the truth asks for no
// Relation message: the one pgoutput sends again (t/180) is the one before,
// so a consumer's list of the enum's values goes stale, a hazard the README
// lists.
bool replay_changed_schema(const RunReplay* replay) {
    const auto& evolution = replay->plan->evolution;
    return evolution.has_value() && evolution->op != EvolutionOp::EnumValue;
}
const SchemaState& replay_schema(const RunReplay* replay) { return replay->planner->schema(); }
const RunConfig& replay_config(const RunReplay* replay) { return replay->planner->config(); }
const char* replay_qualified_table(const RunReplay* replay) { return replay->qualified_table; }
const char* replay_key_index(const RunReplay* replay) { return replay->key_index; }
int64 replay_run_id(const RunReplay* replay) { return replay->run_id; }

// The output functions behind each column kind's text, looked up once.
struct ValuePrinter {
    // Where the functions' own caches live (fn_extra: array_in's, for one):
    // the printer's context, never a context reset per row.
    MemoryContext context;
    FmgrInfo uuid, int4, float8, boolean, timestamp, money;
    // The typed columns' input and output functions, looked up on first use.
    struct Typed {
        const char* ready_for;  // the SQL type looked up (widen changes it), or null
        FmgrInfo input, output;
        Oid io_param;
        int32 typmod;
    } typed[kColumnCount];
};

namespace {

void look_up(Oid type, FmgrInfo* out, MemoryContext context) {
    Oid function;
    bool varlena;
    getTypeOutputInfo(type, &function, &varlena);
    fmgr_info_cxt(function, out, context);
}

}  // namespace

ValuePrinter* make_value_printer() {
    auto* printer = static_cast<ValuePrinter*>(palloc0(sizeof(ValuePrinter)));
    printer->context = CurrentMemoryContext;
    look_up(UUIDOID, &printer->uuid, printer->context);
    look_up(INT4OID, &printer->int4, printer->context);
    look_up(FLOAT8OID, &printer->float8, printer->context);
    look_up(BOOLOID, &printer->boolean, printer->context);
    look_up(TIMESTAMPOID, &printer->timestamp, printer->context);
    look_up(CASHOID, &printer->money, printer->context);
    return printer;
}

namespace {

// A typed value as the server stored it, printed: the text through the
// type's input function (with the column's typmod, as the insert's cast
// applies it) and back through its output function.
char* catalog_typed_text(ValuePrinter* printer, const ColumnSpec& spec, ColumnId column, std::string_view text);

char* typed_text(ValuePrinter* printer, const ColumnSpec& spec, ColumnId column, std::string_view text) {
    // money's input and output follow lc_monetary: the worker read the
    // cents under C, and they print in this session's locale.
    if (spec.typed == TypedKind::Money) {
        int64 cents = 0;
        CDCCRAFT_CORE(cents = money_cents(text));
        return OutputFunctionCall(&printer->money, Int64GetDatum(cents));
    }
    // The run's own types print as what they hold: an enum its label, a
    // domain its base type. Neither is looked up by name in this session:
    // another role could have put a type of that name there.
    if (spec.typed == TypedKind::Enum) return pnstrdup(text.data(), text.size());
    ColumnSpec base = spec;
    if (spec.typed == TypedKind::Rating) base.sql_type = kRatingBaseType;
    return catalog_typed_text(printer, base, column, text);
}

char* catalog_typed_text(ValuePrinter* printer, const ColumnSpec& spec, ColumnId column, std::string_view text) {
    ValuePrinter::Typed& t = printer->typed[column];
    if (t.ready_for != spec.sql_type.data()) {
        Oid type;
        const int nest_level = pin_safe_settings();
        parseTypeString(pnstrdup(spec.sql_type.data(), spec.sql_type.size()), &type, &t.typmod, false);
        unpin_safe_settings(nest_level);
        Oid input;
        getTypeInputInfo(type, &input, &t.io_param);
        fmgr_info_cxt(input, &t.input, printer->context);
        Oid output;
        bool varlena;
        getTypeOutputInfo(type, &output, &varlena);
        fmgr_info_cxt(output, &t.output, printer->context);
        t.ready_for = spec.sql_type.data();
    }
    char* value = pnstrdup(text.data(), text.size());
    const Datum stored = InputFunctionCall(&t.input, value, t.io_param, t.typmod);
    return OutputFunctionCall(&t.output, stored);
}

}  // namespace

char* key_text(ValuePrinter* printer, const Uuid& key) {
    pg_uuid_t value;
    memcpy(value.data, key.data(), UUID_LEN);
    return OutputFunctionCall(&printer->uuid, UUIDPGetDatum(&value));
}

const char* column_text(ValuePrinter* printer, const RunReplay* replay, const PlannedChange& change,
                        const ChangedColumn& column, const LoggedBatch& batch, const char* key) {
    switch (column.source) {
        case ValueSource::Key: return key;
        case ValueSource::NewKey: return key_text(printer, *change.new_key);
        case ValueSource::Now: return OutputFunctionCall(&printer->timestamp, TimestampGetDatum(batch.now_local));
        case ValueSource::Planned: break;
    }
    const ColumnValues& v = *column.values;
    const size_t row = change.row;
    if (v.is_null(row)) return nullptr;
    switch (v.kind) {
        case ValueKind::Typed:
            return typed_text(printer, replay_schema(replay).shape(column.column), column.column, v.text(row));
        case ValueKind::Text: {
            const std::string_view s = v.text(row);
            return pnstrdup(s.data(), s.size());
        }
        case ValueKind::Int4: return OutputFunctionCall(&printer->int4, Int32GetDatum(static_cast<int32>(v.ints[row])));
        case ValueKind::Float8: return OutputFunctionCall(&printer->float8, Float8GetDatum(v.floats[row]));
        case ValueKind::Bool: return OutputFunctionCall(&printer->boolean, BoolGetDatum(v.bools[row] != 0));
        case ValueKind::Timestamp:
            return OutputFunctionCall(&printer->timestamp, TimestampGetDatum(replay->anchor - v.ints[row]));
        case ValueKind::Uuid: break;
    }
    elog(ERROR, "cdccraft: no text form for this column kind");
    return nullptr;
}

}  // namespace cdccraft::pg
