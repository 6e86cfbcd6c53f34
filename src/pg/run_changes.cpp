// cdccraft_changes: every change of a run, replayed from its seed and its
// ledger (run_replay), printed by the types' output functions in the calling
// session. Rows go to a tuplestore, which spills to disk.
#include "pg/postgres_api.hpp"

#include "pg/batch_executor.hpp"
#include "pg/run_replay.hpp"

extern "C" {
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/pg_lsn.h"
PG_FUNCTION_INFO_V1(cdccraft_changes);
}

using namespace cdccraft;
using namespace cdccraft::pg;

namespace {

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

void push_string(JsonbParseState** state, JsonbIteratorToken token, const char* s, size_t len) {
    JsonbValue v;
    v.type = jbvString;
    v.val.string.val = const_cast<char*>(s);
    v.val.string.len = static_cast<int>(len);
    pushJsonbValue(state, token, &v);
}

// An insert's or an update's columns, each as its text.
Datum change_data(const RunReplay* replay, const PlannedChange& change, const LoggedBatch& batch, ValuePrinter* printer,
                  const char* key) {
    JsonbParseState* state = nullptr;
    pushJsonbValue(&state, WJB_BEGIN_OBJECT, nullptr);
    for (size_t i = 0; i < change.column_count; ++i) {
        const ChangedColumn& c = change.columns[i];
        const ColumnSpec shape = replay_schema(replay).shape(c.column);
        const std::string_view name = shape.name;
        push_string(&state, WJB_KEY, name.data(), name.size());
        const char* text = column_text(printer, replay, change, c, batch, key);
        if (text == nullptr) {
            JsonbValue null;
            null.type = jbvNull;
            pushJsonbValue(&state, WJB_VALUE, &null);
        } else {
            push_string(&state, WJB_VALUE, text, strlen(text));
        }
    }
    JsonbValue* object = pushJsonbValue(&state, WJB_END_OBJECT, nullptr);
    return JsonbPGetDatum(JsonbValueToJsonb(object));
}

void emit(ReturnSetInfo* rsinfo, const RunReplay* replay, ValuePrinter* printer, const LoggedBatch& batch,
          const PlannedChange& change) {
    Datum values[8];
    bool nulls[8] = {false, false, XLogRecPtrIsInvalid(batch.commit_lsn), false, false, true, true, true};
    values[0] = Int64GetDatum(batch.batch);
    values[1] = batch.xid;
    values[2] = LSNGetDatum(batch.commit_lsn);
    values[3] = Int32GetDatum(change.seq);
    values[4] = CStringGetTextDatum(change_op_name(change.op));
    const char* key = change.key ? key_text(printer, *change.key) : nullptr;
    if (key) {
        values[5] = CStringGetTextDatum(key);
        nulls[5] = false;
    }
    if (change.op == ChangeOp::Message) {
        StringInfoData json;
        initStringInfo(&json);
        appendStringInfoString(&json, "{\"prefix\": \"cdccraft\", \"content\": ");
        escape_json(&json, batch_message_content(replay_run_id(replay), batch.batch));
        appendStringInfoString(&json,
                               change.nontransactional ? ", \"transactional\": false}" : ", \"transactional\": true}");
        values[6] = DirectFunctionCall1(jsonb_in, CStringGetDatum(json.data));
        nulls[6] = false;
    }
    if (change.op == ChangeOp::Insert || change.op == ChangeOp::Update) {
        values[6] = change_data(replay, change, batch, printer, key);
        nulls[6] = false;
    }
    if (change.ddl) {
        values[7] = CStringGetTextDatum(evolution_statement(replay_qualified_table(replay), *change.ddl,
                                                            replay_schema(replay), replay_key_index(replay)));
        nulls[7] = false;
    }
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

}  // namespace

Datum cdccraft_changes(PG_FUNCTION_ARGS) {
    if (PG_ARGISNULL(0)) ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("run_id must not be NULL")));
    const int64 run_id = PG_GETARG_INT64(0);
    const LsnRange range{!PG_ARGISNULL(1), !PG_ARGISNULL(2), PG_ARGISNULL(1) ? InvalidXLogRecPtr : PG_GETARG_LSN(1),
                         PG_ARGISNULL(2) ? InvalidXLogRecPtr : PG_GETARG_LSN(2)};

    InitMaterializedSRF(fcinfo, 0);
    auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    RunReplay* replay = open_replay(run_id, rsinfo->econtext->ecxt_per_query_memory);
    ValuePrinter* printer = make_value_printer();
    // NOLINTNEXTLINE(bugprone-implicit-widening-of-multiplication-result): PostgreSQL's own sizes
    MemoryContext row_context = AllocSetContextCreate(CurrentMemoryContext, "cdccraft change", ALLOCSET_DEFAULT_SIZES);

    const LoggedBatch* batch = nullptr;
    const std::vector<PlannedChange>* changes = nullptr;
    while (replay_next(replay, &batch, &changes)) {
        if (range.passed(*batch)) break;
        if (range.holds(*batch)) {
            for (const PlannedChange& change : *changes) {
                MemoryContext caller = MemoryContextSwitchTo(row_context);
                emit(rsinfo, replay, printer, *batch, change);
                MemoryContextSwitchTo(caller);
                MemoryContextReset(row_context);
            }
        }
        CHECK_FOR_INTERRUPTS();
    }
    MemoryContextDelete(row_context);
    return (Datum)0;
}
