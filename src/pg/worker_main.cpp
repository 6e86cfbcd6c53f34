// The cdccraft background worker: worker_spi's skeleton around a run.
//
// Its jobs, each in a file of its own: signals (worker_signals), the start
// handoff (worker_handoff), setup (worker_setup, run_setup), the batch
// (worker_batch), pacing and the slot-lag pause (worker_pacing), the outcome
// (run_outcome), the session's settings (worker_settings), the other writers
// of a run of several (writer_team, writer_main).
//
// Query cancel is held for the worker's whole life and let through only while
// a batch or a setup step runs (run_cancellable_step), where a cancel is an
// ERROR that the step runner catches and the step rolls back. Anywhere else a
// pending cancel would become an ERROR at the next interrupt check (errfinish()
// makes one after every LOG line), which no one catches: the worker would exit
// without recording its outcome.
#include "pg/postgres_api.hpp"

#include "pg/core_guard.hpp"
#include "pg/run_outcome.hpp"
#include "pg/worker_batch.hpp"
#include "pg/worker_handoff.hpp"
#include "pg/worker_pacing.hpp"
#include "pg/worker_run.hpp"
#include "pg/worker_settings.hpp"
#include "pg/worker_setup.hpp"
#include "pg/worker_signals.hpp"
#include "pg/writer_team.hpp"

extern "C" {
PGDLLEXPORT void cdccraft_worker_main(Datum main_arg);
}

using namespace cdccraft::pg;

void cdccraft_worker_main(Datum main_arg) {
    // For the worker's whole life; run_cancellable_step() lets it through.
    HOLD_CANCEL_INTERRUPTS();
    install_worker_signal_handlers();

    WorkerLaunchArgs args;
    memcpy(&args, MyBgworkerEntry->bgw_extra, sizeof args);
    CurrentResourceOwner = ResourceOwnerCreate(nullptr, "cdccraft worker");
    WorkerRun* run = nullptr;
    CDCCRAFT_CORE(run = new WorkerRun());
    run->role = args.role;
    if (!attach_start_handoff(run, main_arg)) proc_exit(0);

    BackgroundWorkerInitializeConnectionByOid(args.database, args.role, 0);
    // After InitPostgres's own callbacks, so that it runs before them.
    record_stop_at_exit(run);
    start_stop_watchdog();
    pin_worker_settings(run->lock_timeout_ms);
    SetConfigOption("application_name", "cdccraft run (starting)", PGC_USERSET, PGC_S_SESSION);
    set_up_run(run);

    ErrorData* error = nullptr;
    TimestampTz started = GetCurrentTimestamp();
    for (;;) {
        reload_config_if_asked();
        if (stop_requested()) finish(run, "stopped", nullptr);
        check_writers(run);
        if (run->planner->finished()) finish_with_writers(run);
        started += hold_for_slot(run);
        if (stop_requested()) finish(run, "stopped", nullptr);
        if (!write_batch(run, &error)) finish_after_error(run, error);
        log_batch(run);
        pace(run, started);
    }
}
