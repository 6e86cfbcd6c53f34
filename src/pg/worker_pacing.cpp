#include "pg/worker_pacing.hpp"

#include "pg/run_catalog.hpp"
#include "pg/run_integrity.hpp"
#include "pg/run_outcome.hpp"
#include "pg/worker_signals.hpp"
#include "pg/writer_team.hpp"

namespace cdccraft::pg {
namespace {

// Records run->recording_state. A stop arriving meanwhile is honoured
// after it, not by failing the bookkeeping: run_step keeps the cancel held.
void record_state(WorkerRun* run) {
    char activity[96];
    snprintf(activity, sizeof activity, "cdccraft run %lld: now %s", (long long)run->run_id, run->recording_state);
    begin_worker_transaction(activity);
    catalog_set_state(run, run->recording_state);
    commit_worker_transaction();
}

// Records the run in state, or ends it if that fails.
void record_state_or_finish(WorkerRun* run, const char* state) {
    ErrorData* error = nullptr;
    run->recording_state = state;
    if (!run_step(record_state, run, &error)) finish_after_error(run, error);
}

}  // namespace

// Holds the run to changes_per_second, waiting on the latch so that a stop
// request or postmaster death ends the wait at once.
void pace(const WorkerRun* run, TimestampTz started) {
    // Each writer takes its part of the run's rate.
    const double rate = run->config->changes_per_second / static_cast<double>(run->config->writers);
    if (rate <= 0) return;
    const double changes = static_cast<double>(run->inserts + run->updates + run->deletes);
    const TimestampTz due = started + static_cast<int64>(changes / rate * USECS_PER_SEC);
    for (;;) {
        CHECK_FOR_INTERRUPTS();
        const TimestampTz now = GetCurrentTimestamp();
        if (stop_requested() || now >= due) break;
        const long wait_ms = Max(1L, static_cast<long>((due - now) / 1000));
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, wait_ms, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        reload_config_if_asked();
    }
}

// Pauses generation while the run's slot is further behind than
// max_slot_lag, with the run 'paused' meanwhile; returns how long it paused,
// so that pacing does not make up for the pause in a burst.
TimestampTz hold_for_slot(WorkerRun* run) {
    const int64 max_lag = run->config->max_slot_lag;
    if (max_lag <= 0 || slot_lag_bytes(run) <= max_lag) return 0;
    const TimestampTz paused_at = GetCurrentTimestamp();
    // The run's state is the leader's to record; every writer pauses.
    if (run->writer == 0) record_state_or_finish(run, "paused");
    ereport(LOG, (errmsg("cdccraft run %lld paused: slot \"%s\" is %lld bytes behind, more than max_slot_lag %lld",
                         (long long)run->run_id, run->config->slot_name.c_str(), (long long)slot_lag_bytes(run),
                         (long long)max_lag)));
    while (!stop_requested() && slot_lag_bytes(run) > max_lag) {
        CHECK_FOR_INTERRUPTS();
        // A writer that fails meanwhile ends the run now, not once the slot
        // catches up.
        check_writers(run);
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 200, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        reload_config_if_asked();
    }
    if (stop_requested()) return 0;
    if (run->writer == 0) record_state_or_finish(run, "running");
    ereport(LOG, (errmsg("cdccraft run %lld resumed: its slot caught up", (long long)run->run_id)));
    return GetCurrentTimestamp() - paused_at;
}

}  // namespace cdccraft::pg
