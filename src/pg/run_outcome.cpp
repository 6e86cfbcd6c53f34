#include "pg/run_outcome.hpp"

#include "pg/run_catalog.hpp"
#include "pg/stop_lock.hpp"
#include "pg/worker_batch.hpp"
#include "pg/worker_handoff.hpp"
#include "pg/worker_signals.hpp"
#include "pg/writer_team.hpp"

extern "C" {
#include "storage/bufmgr.h"
#include "storage/condition_variable.h"
#include "storage/lwlock.h"
}

namespace cdccraft::pg {
namespace {

// Why a stopped run stopped, as its last_error: NULL for a user's stop
// (cdccraft_stop holds the stop lock while it waits for the worker, so the
// lock is looked at while the outcome is recorded).
const char* stop_reason(const WorkerRun* run) {
    if (start_cancelled(run)) {
        if (run->handoff.setup_finished)
            return "cdccraft_start was canceled just as the run's setup finished; the run was stopped, and what "
                   "setup created remains";
        return run->handoff.setup_undone
                   ? "cdccraft_start was canceled during the run's setup, and what setup had created was "
                     "removed"
                   : "cdccraft_start was canceled during the run's setup, and what setup had created could "
                     "not all be removed";
    }
    if (stop_lock_held(run->run_id, run->role)) return nullptr;
    if (run->stop_cause != nullptr) return run->stop_cause;
    return "the worker was terminated by a server shutdown or by pg_terminate_backend(), not stopped with "
           "cdccraft_stop()";
}

void record_outcome(WorkerRun* run) {
    char activity[96];
    snprintf(activity, sizeof activity, "cdccraft run %lld: recording its outcome", (long long)run->run_id);
    begin_worker_transaction(activity);
    // Tested here, while a stopping cdccraft_stop still waits for the worker.
    if (strcmp(run->recording_state, "stopped") == 0) run->recording_error = stop_reason(run);
    catalog_finish(run, run->recording_state, run->recording_error, writer_commit_lsns(run));
    commit_worker_transaction();
}

// The failure as the run's last_error: the error's message and detail, and
// for a lock wait, which wait it was.
const char* describe_failure(const WorkerRun* run, const ErrorData* error) {
    if (error == nullptr) return nullptr;
    const char* text = error->message ? error->message : "unknown error";
    if (error->detail) text = psprintf("%s (%s)", text, error->detail);
    if (error->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE)
        text = psprintf(
            "a wait for a lock another session holds took longer than cdccraft.lock_timeout (%lld ms), after "
            "%lld committed batches: %s",
            (long long)run->lock_timeout_ms, (long long)run->batches, text);
    return text;
}

}  // namespace

// Records the run's final state and logs it. A stop (a stopped run's error is
// NULL) records why it came; a second stop signal meanwhile changes nothing,
// since the cancel is held.
void record_final_state(WorkerRun* run, const char* state, const ErrorData* error) {
    run->outcome_recording = true;
    // The other writers end first: their last commits belong in the outcome.
    end_writers(run);
    run->recording_state = state;
    run->recording_error = describe_failure(run, error);
    ErrorData* bookkeeping_error = nullptr;
    if (run->run_id != 0 && !run_step(record_outcome, run, &bookkeeping_error))
        ereport(WARNING, (errmsg("cdccraft run %lld could not record its outcome (%s): %s", (long long)run->run_id,
                                 state, bookkeeping_error->message)));
    // Every writer's batches: the leader's are as many as it has planned.
    const long long batches = run->team == nullptr
                                  ? (long long)run->batches
                                  : (long long)(run->planner->batches_planned() + run->other_writers_batches);
    ereport(LOG, (errmsg("cdccraft run %lld %s: %lld batches, inserts %lld, updates %lld, deletes %lld",
                         (long long)run->run_id, state, batches, (long long)run->inserts, (long long)run->updates,
                         (long long)run->deletes),
                  run->recording_error ? errdetail("%s", run->recording_error) : 0));
}

namespace {

// A stop can end the leader with a FATAL, after which no code of the worker's
// runs: a trigger of the run's role turned exit_on_error on, so that the
// stop's cancel became a FATAL, or the watchdog terminated a step that would
// not end. The run was stopped all the same, and is recorded so on the way
// out. Any other exit without an outcome (an ERROR outside every step, a
// crash) leaves the run to show as interrupted, and so does a prepared batch
// that could not be ended: someone may yet commit it, and its counts with it.
// Every ERROR here is a FATAL (proc_exit has begun): the run then shows as
// interrupted too.
void record_stop_on_exit(int code, Datum arg) {
    auto* run = reinterpret_cast<WorkerRun*>(DatumGetPointer(arg));
    if (code == 0 || run->outcome_recording || run->run_id == 0 || !stop_requested()) return;
    if (run->prepared) {
        warn_prepared_left(run);
        return;
    }
    // The interrupts that brought the worker here have done their work.
    QueryCancelPending = false;
    ProcDiePending = false;
    set_in_cancellable_step(false);
    // What an error recovery releases, then the transaction the FATAL left.
    LWLockReleaseAll();
    ConditionVariableCancelSleep();
    UnlockBuffers();
    AbortOutOfAnyTransaction();
    if (QueryCancelHoldoffCount == 0) HOLD_CANCEL_INTERRUPTS();
    ereport(LOG, (errmsg("cdccraft run %lld: recording the stop that ended the worker", (long long)run->run_id)));
    record_final_state(run, "stopped", nullptr);
}

}  // namespace

void record_stop_at_exit(WorkerRun* run) { before_shmem_exit(record_stop_on_exit, PointerGetDatum(run)); }

[[noreturn]] void finish(WorkerRun* run, const char* state, const ErrorData* error) {
    record_final_state(run, state, error);
    proc_exit(0);
}

[[noreturn]] void finish_after_error(WorkerRun* run, const ErrorData* error) {
    if (stop_requested()) finish(run, "stopped", nullptr);
    finish(run, "failed", error);
}

}  // namespace cdccraft::pg
