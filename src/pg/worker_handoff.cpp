#include "pg/worker_handoff.hpp"

#include "pg/core_guard.hpp"
#include "pg/worker_signals.hpp"

namespace cdccraft::pg {

bool attach_start_handoff(WorkerRun* run, Datum segment_handle) {
    dsm_segment* segment = dsm_attach(DatumGetUInt32(segment_handle));
    if (segment == nullptr) {
        // The caller gave up before the worker started; nothing was created.
        ereport(LOG, (errmsg("cdccraft worker exiting: the session that started it is gone")));
        return false;
    }
    dsm_pin_mapping(segment);
    run->handoff.shared = static_cast<LaunchHandoff*>(dsm_segment_address(segment));
    run->handoff.caller_waiting = true;
    const char* config_wire = MemoryContextStrdup(TopMemoryContext, run->handoff.shared->config_wire);
    run->config_wire = config_wire;
    CoreFailure failure;
    int64 lock_timeout_ms = 0;
    if (!core_call([&] { lock_timeout_ms = cdccraft::from_wire(config_wire).lock_timeout_ms; }, failure)) {
        run->handoff.shared->sqlerrcode = failure.sqlstate;
        strlcpy(run->handoff.shared->message, failure.message, sizeof run->handoff.shared->message);
        release_caller(run, SetupStatus::Failed);
        return false;
    }
    run->lock_timeout_ms = lock_timeout_ms;
    return true;
}

void release_caller(WorkerRun* run, SetupStatus status) {
    if (!run->handoff.caller_waiting) return;
    LaunchHandoff* handoff = run->handoff.shared;
    pg_write_barrier();
    pg_atomic_write_u32(&handoff->status, static_cast<uint32>(status));
    SetLatch(&ProcGlobal->allProcs[handoff->caller_pgprocno].procLatch);
    run->handoff.caller_waiting = false;
}

// Whether the caller of cdccraft_start stopped the run because its call was
// cancelled (it sets the flag before it signals the worker).
bool start_cancelled(const WorkerRun* run) {
    if (run->handoff.shared == nullptr) return false;
    const bool cancelled = pg_atomic_read_u32(&run->handoff.shared->start_cancelled) != 0;
    pg_read_barrier();
    return cancelled;
}

// created: what setup had created (created_objects), now removed unless
// undo_error says otherwise.
void report_setup_failure(WorkerRun* run, const ErrorData* error, const char* created, const ErrorData* undo_error) {
    LaunchHandoff* handoff = run->handoff.shared;
    if (!run->handoff.caller_waiting) return;
    if (stop_requested()) {
        handoff->stopped = true;
        handoff->sqlerrcode = ERRCODE_QUERY_CANCELED;
        if (run->run_id != 0)
            snprintf(handoff->message, sizeof handoff->message, "cdccraft run %lld was stopped during its setup",
                     (long long)run->run_id);
        else
            strlcpy(handoff->message, "the cdccraft run was stopped during its setup, before it was recorded",
                    sizeof handoff->message);
        if (created[0] == '\0') {
            strlcpy(handoff->detail, "Its setup had created nothing yet.", sizeof handoff->detail);
        } else if (undo_error == nullptr) {
            snprintf(handoff->detail, sizeof handoff->detail, "What its setup had created was removed: %s.", created);
        } else {
            snprintf(handoff->detail, sizeof handoff->detail,
                     "What its setup had created could not all be removed (%s): %s.", undo_error->message, created);
            snprintf(handoff->hint, sizeof handoff->hint, "cdccraft_cleanup(%lld) removes what remains.",
                     (long long)run->run_id);
        }
    } else {
        handoff->sqlerrcode = error->sqlerrcode;
        strlcpy(handoff->message, error->message ? error->message : "", sizeof handoff->message);
        strlcpy(handoff->detail, error->detail ? error->detail : "", sizeof handoff->detail);
        strlcpy(handoff->hint, error->hint ? error->hint : "", sizeof handoff->hint);
    }
    release_caller(run, SetupStatus::Failed);
}

}  // namespace cdccraft::pg
