#include "pg/worker_signals.hpp"

namespace cdccraft::pg {
namespace {

volatile sig_atomic_t stop_flag = false;

void handle_stop_signal(SIGNAL_ARGS) {
    const int save_errno = errno;
    stop_flag = true;
    if (!proc_exit_inprogress) {
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

void reload_config_if_asked() {
    if (!ConfigReloadPending) return;
    ConfigReloadPending = false;
    ProcessConfigFile(PGC_SIGHUP);
}

}  // namespace cdccraft::pg
