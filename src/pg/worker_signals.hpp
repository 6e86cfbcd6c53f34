// The worker's signals. SIGTERM (server shutdown, pg_terminate_backend,
// cdccraft_stop) stops the run: it sets the stop flag and requests a query
// cancel, so that a batch in flight (even one waiting for a lock) rolls back
// whole; between batches the flag alone ends the loop. SIGINT keeps
// PostgreSQL's meaning, a cancel of the statement in flight (PostgreSQL's
// lock_timeout sends it too), and fails the run with that error. SIGHUP
// reloads the configuration. A step that a stop's cancel does not end
// within seconds (its cancel caught by the role's own code) is terminated
// (see stop_watchdog).
#pragma once

#include "pg/postgres_api.hpp"

namespace cdccraft::pg {

void install_worker_signal_handlers();
bool stop_requested();
// Once connected: the watchdog's timer, for the worker's life.
void start_stop_watchdog();
// run_cancellable_step marks its step.
void set_in_cancellable_step(bool in_step);
// A reload asked for by SIGHUP, done between batches.
void reload_config_if_asked();

}  // namespace cdccraft::pg
