#include "pg/worker_signals.hpp"

extern "C" {
#include "utils/timeout.h"
}

namespace cdccraft::pg {
namespace {

volatile sig_atomic_t stop_flag = false;
// The watchdog (below): whether a batch or setup step runs, and the seconds
// since the stop that it has run on.
volatile sig_atomic_t in_cancellable_step = false;
volatile sig_atomic_t seconds_stopped_in_step = 0;
volatile sig_atomic_t watchdog_fired = false;
constexpr int kStopGraceSeconds = 10;

// A timeout handler, run by the SIGALRM handler once a second. A stop's
// cancel ends a batch at the next interrupt check, unless code the run's
// role put in the batch (a trigger) catches it, as PL/pgSQL can. The run
// is stopped all the same: a step that outlives the stop by
// kStopGraceSeconds is terminated as die() terminates a backend, with a
// FATAL no code can catch.
void stop_watchdog() {
    if (!stop_flag || !in_cancellable_step) return;
    if (++seconds_stopped_in_step < kStopGraceSeconds) return;
    watchdog_fired = true;
    InterruptPending = true;
    ProcDiePending = true;
    SetLatch(MyLatch);
}

void handle_stop_signal(SIGNAL_ARGS) {
    const int save_errno = errno;
    // A stop that comes once the worker exits for another reason is not why
    // it exits (the exit callback records only a stop that came first).
    if (!proc_exit_inprogress) {
        stop_flag = true;
        InterruptPending = true;
        QueryCancelPending = true;
    }
    SetLatch(MyLatch);
    errno = save_errno;
}

}  // namespace

void install_worker_signal_handlers() {
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, handle_stop_signal);
    pqsignal(SIGINT, StatementCancelHandler);
    BackgroundWorkerUnblockSignals();
}

bool stop_requested() { return stop_flag; }

void start_stop_watchdog() {
    const TimeoutId id = RegisterTimeout(USER_TIMEOUT, stop_watchdog);
    enable_timeout_every(id, TimestampTzPlusMilliseconds(GetCurrentTimestamp(), 1000), 1000);
}

// A step that ended on its own just as the watchdog fired has ended: the
// termination was for it, not for the bookkeeping after it.
void set_in_cancellable_step(bool in_step) {
    in_cancellable_step = in_step;
    if (!in_step && watchdog_fired) {
        watchdog_fired = false;
        ProcDiePending = false;
    }
}

void reload_config_if_asked() {
    if (!ConfigReloadPending) return;
    ConfigReloadPending = false;
    ProcessConfigFile(PGC_SIGHUP);
}

}  // namespace cdccraft::pg
