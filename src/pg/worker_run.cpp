#include "pg/worker_run.hpp"

extern "C" {
#include "access/twophase.h"
#include "replication/slot.h"
}

#include "pg/worker_settings.hpp"
#include "pg/worker_signals.hpp"

namespace cdccraft::pg {

namespace {

// PostgreSQL's own layout of PG_TRY blocks.
// clang-format off
bool run_step_with(void (*step)(WorkerRun*), WorkerRun* run, ErrorData** error, bool cancellable) {
    MemoryContext caller_context = CurrentMemoryContext;
    // The worker holds the cancel everywhere (see cdccraft_worker_main); this
    // is that hold, restored after the step, since an ERROR (errfinish())
    // sets the count to 0, even one that PostgreSQL catches inside the step.
    const uint32 cancel_held = QueryCancelHoldoffCount;
    volatile bool ok = true;
    PG_TRY();
    {
        if (cancellable) {
            QueryCancelHoldoffCount = 0;
            set_in_cancellable_step(true);
        }
        step(run);
        set_in_cancellable_step(false);
        QueryCancelHoldoffCount = cancel_held;
    }
    PG_CATCH();
    {
        set_in_cancellable_step(false);
        QueryCancelHoldoffCount = cancel_held;
        MemoryContextSwitchTo(TopMemoryContext);
        *error = CopyErrorData();
        FlushErrorState();
        // Out of every level: a batch's internal subtransaction, or the
        // transaction block a prepared batch runs in, would otherwise be left
        // aborted and waiting for a ROLLBACK no one sends.
        AbortOutOfAnyTransaction();
        // A slot still held is an ephemeral one whose setup failed: releasing
        // drops it, as a backend's error recovery would.
        if (MyReplicationSlot != nullptr) ReplicationSlotRelease();
        MemoryContextSwitchTo(caller_context);
        ok = false;
    }
    PG_END_TRY();
    return ok;
}
// clang-format on

}  // namespace

bool run_step(void (*step)(WorkerRun*), WorkerRun* run, ErrorData** error) {
    return run_step_with(step, run, error, false);
}

bool run_cancellable_step(void (*step)(WorkerRun*), WorkerRun* run, ErrorData** error) {
    return run_step_with(step, run, error, true);
}

void begin_worker_transaction(const char* activity, bool as_block) {
    restore_worker_settings();
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    if (as_block) {
        // As BEGIN does: only a transaction block can be prepared.
        BeginTransactionBlock();
        CommitTransactionCommand();
        StartTransactionCommand();
    }
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    PushActiveSnapshot(GetTransactionSnapshot());
    pgstat_report_activity(STATE_RUNNING, activity);
}

void commit_worker_transaction() {
    SPI_finish();
    PopActiveSnapshot();
    CommitTransactionCommand();
    pgstat_report_stat(false);
    pgstat_report_activity(STATE_IDLE, nullptr);
}

void prepare_worker_transaction(const char* gid) {
    SPI_finish();
    PopActiveSnapshot();
    if (!PrepareTransactionBlock(gid)) elog(ERROR, "could not prepare transaction \"%s\"", gid);
    CommitTransactionCommand();
    pgstat_report_stat(false);
    pgstat_report_activity(STATE_IDLE, nullptr);
}

XLogRecPtr finish_prepared_transaction(const char* gid, bool commit) {
    StartTransactionCommand();
    FinishPreparedTransaction(gid, commit);
    // The end of the COMMIT PREPARED (or ROLLBACK PREPARED) record: the
    // transaction's commit position, as pgoutput's Commit end LSN has it.
    const XLogRecPtr end = XactLastRecEnd;
    CommitTransactionCommand();
    return end;
}

void rollback_worker_transaction() {
    SPI_finish();
    PopActiveSnapshot();
    AbortCurrentTransaction();
    pgstat_report_activity(STATE_IDLE, nullptr);
}

void spi_run(const char* sql, int expected) {
    const int ret = SPI_execute(sql, false, 0);
    if (ret != expected) elog(ERROR, "SPI_execute returned %s for: %s", SPI_result_code_string(ret), sql);
}

void spi_run_args(const char* sql, int nargs, const Oid* types, const Datum* values, int expected) {
    const int ret =
        SPI_execute_with_args(sql, nargs, const_cast<Oid*>(types), const_cast<Datum*>(values), nullptr, false, 0);
    if (ret != expected) elog(ERROR, "SPI_execute_with_args returned %s for: %s", SPI_result_code_string(ret), sql);
}

const char* quoted_name(std::string_view name) { return quote_identifier(pnstrdup(name.data(), name.size())); }

}  // namespace cdccraft::pg
