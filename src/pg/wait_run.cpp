// cdccraft_wait: blocks until a run ends (or has committed until_batch
// batches, or the timeout passes), with a NOTICE of progress at most once a
// second. It only reads, so cancelling it leaves the run going.
//
// One C function serves two SQL routines. As the procedure cdccraft_wait,
// CALLed outside a transaction block, it commits before it waits and after
// every look at the run, so the waiting session holds no snapshot: a wait
// of hours keeps nothing from VACUUM (nor from pruning the run's own table).
// As the function cdccraft.wait_for_run (cdccraft_stop's short wait), or a
// CALL inside a transaction block, it waits within the caller's transaction.
#include "pg/postgres_api.hpp"

#include "pg/catalog_access.hpp"

extern "C" {
#include "nodes/parsenodes.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
PG_FUNCTION_INFO_V1(cdccraft_wait);
}

using namespace cdccraft::pg;

namespace {

constexpr long kPollMs = 100;

struct Progress {
    bool found;
    bool active;
    int64 batches, inserts, updates, deletes;
    double rate;
};

// One fresh look at the run through the cdccraft_runs view. A run is active
// until its outcome is recorded and its worker has exited.
Progress read_progress(const char* view, int64 run_id) {
    // pg_stat_activity, which tells whether the worker is alive, is otherwise
    // cached for the whole transaction.
    pgstat_clear_backend_activity_snapshot();
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT cdccraft.state_is_active(state) OR worker_pid IS NOT NULL, batches, inserts, updates, deletes, "
             "coalesce(changes_per_second, 0)::pg_catalog.float8 FROM %s WHERE run_id OPERATOR(pg_catalog.=) $1",
             view);
    Oid types[] = {INT8OID};
    Datum values[] = {Int64GetDatum(run_id)};
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    const int nest_level = pin_safe_settings();
    const int ret = SPI_execute_with_args(sql, 1, types, values, nullptr, false, 1);
    unpin_safe_settings(nest_level);
    if (ret != SPI_OK_SELECT) elog(ERROR, "could not read cdccraft run %lld", (long long)run_id);
    Progress p{};
    p.found = SPI_processed == 1;
    if (p.found) {
        HeapTuple row = SPI_tuptable->vals[0];
        TupleDesc desc = SPI_tuptable->tupdesc;
        bool isnull;
        p.active = DatumGetBool(SPI_getbinval(row, desc, 1, &isnull));
        p.batches = DatumGetInt64(SPI_getbinval(row, desc, 2, &isnull));
        p.inserts = DatumGetInt64(SPI_getbinval(row, desc, 3, &isnull));
        p.updates = DatumGetInt64(SPI_getbinval(row, desc, 4, &isnull));
        p.deletes = DatumGetInt64(SPI_getbinval(row, desc, 5, &isnull));
        p.rate = DatumGetFloat8(SPI_getbinval(row, desc, 6, &isnull));
    }
    SPI_finish();
    return p;
}

Datum summary_of(const char* schema, int64 run_id) {
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT %s.cdccraft_summary($1)", schema);
    Oid types[] = {INT8OID};
    Datum values[] = {Int64GetDatum(run_id)};
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    const int nest_level = pin_safe_settings();
    const int ret = SPI_execute_with_args(sql, 1, types, values, nullptr, false, 1);
    unpin_safe_settings(nest_level);
    if (ret != SPI_OK_SELECT || SPI_processed != 1)
        elog(ERROR, "could not summarise cdccraft run %lld", (long long)run_id);
    bool isnull;
    Datum summary = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
    if (isnull) elog(ERROR, "cdccraft run %lld has no summary", (long long)run_id);
    summary = SPI_datumTransfer(summary, false, -1);
    SPI_finish();
    return summary;
}

int64 interval_micros(const Interval* span) {
    return span->time + (int64)span->day * USECS_PER_DAY + (int64)span->month * DAYS_PER_MONTH * USECS_PER_DAY;
}

// The procedure's result: its one output argument, summary.
Datum summary_record(Datum summary) {
    TupleDesc desc = CreateTemplateTupleDesc(1);
    TupleDescInitEntry(desc, 1, "summary", JSONBOID, -1, 0);
    desc = BlessTupleDesc(desc);
    bool isnull = false;
    return HeapTupleGetDatum(heap_form_tuple(desc, &summary, &isnull));
}

}  // namespace

extern "C" Datum cdccraft_wait(PG_FUNCTION_ARGS) {
    if (PG_ARGISNULL(0)) ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("run_id must not be NULL")));
    const int64 run_id = PG_GETARG_INT64(0);
    const CallContext* call = fcinfo->context != nullptr && IsA(fcinfo->context, CallContext)
                                  ? reinterpret_cast<const CallContext*>(fcinfo->context)
                                  : nullptr;
    const bool own_transactions = call != nullptr && !call->atomic;
    if (!own_transactions && IsolationUsesXactSnapshot())
        ereport(ERROR, (errcode(ERRCODE_INVALID_TRANSACTION_STATE),
                        errmsg("cdccraft_wait cannot see a run's progress in a REPEATABLE READ or SERIALIZABLE "
                               "transaction"),
                        call != nullptr ? errhint("CALL it outside a transaction block.")
                                        : errhint("Call it in a READ COMMITTED transaction.")));
    const TimestampTz started = GetCurrentTimestamp();
    int64 timeout_us = -1;
    if (!PG_ARGISNULL(1)) {
        timeout_us = interval_micros(PG_GETARG_INTERVAL_P(1));
        if (timeout_us < 0)
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("timeout must not be negative")));
    }
    int64 until_batch = -1;
    if (PG_NARGS() > 2 && !PG_ARGISNULL(2)) {
        until_batch = PG_GETARG_INT64(2);
        if (until_batch < 0)
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("until_batch must not be negative")));
    }
    const char* schema = quote_identifier(get_namespace_name(installed_extension().schema));
    const char* view = psprintf("%s.cdccraft_runs", schema);

    // Each SPI_commit ends the transaction and every snapshot with it (the
    // CALL's own included) and starts a fresh one that takes none until the
    // next look.
    if (own_transactions) {
        if (SPI_connect_ext(SPI_OPT_NONATOMIC) != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
        SPI_commit();
    }
    TimestampTz last_notice = started;
    int64 last_batches = -1;
    for (;;) {
        const Progress p = read_progress(view, run_id);
        if (own_transactions) SPI_commit();
        if (!p.found)
            ereport(ERROR,
                    (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("cdccraft run %lld does not exist", (long long)run_id)));
        if (!p.active || (until_batch >= 0 && p.batches >= until_batch)) break;
        const TimestampTz now = GetCurrentTimestamp();
        if (timeout_us >= 0 && now - started >= timeout_us) break;
        if (now - last_notice >= USECS_PER_SEC && p.batches != last_batches) {
            ereport(NOTICE, (errmsg("[Batch %lld] Inserts: %lld, Updates: %lld, Deletes: %lld (%.0f changes/s)",
                                    (long long)p.batches, (long long)p.inserts, (long long)p.updates,
                                    (long long)p.deletes, p.rate)));
            last_notice = now;
            last_batches = p.batches;
        }
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, kPollMs, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
    }
    Datum summary = summary_of(schema, run_id);
    if (own_transactions) {
        summary = SPI_datumTransfer(summary, false, -1);
        SPI_finish();
    }
    if (call != nullptr) PG_RETURN_DATUM(summary_record(summary));
    PG_RETURN_DATUM(summary);
}
