#include "pg/worker_run.hpp"

extern "C" {
#include "replication/slot.h"
}

namespace cdccraft::pg {

bool attempt(void (*fn)(WorkerRun*), WorkerRun* run, ErrorData** error) {
    MemoryContext caller_context = CurrentMemoryContext;
    volatile bool ok = true;
    // PostgreSQL's own layout of PG_TRY blocks.
    // clang-format off
    PG_TRY();
    {
        fn(run);
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(TopMemoryContext);
        *error = CopyErrorData();
        FlushErrorState();
        AbortCurrentTransaction();
        // A slot still held is an ephemeral one whose setup failed: releasing
        // drops it, as a backend's error recovery would.
        if (MyReplicationSlot != nullptr) ReplicationSlotRelease();
        MemoryContextSwitchTo(caller_context);
        ok = false;
    }
    PG_END_TRY();
    // clang-format on
    return ok;
}

void begin_worker_transaction(const char* activity) {
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
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
