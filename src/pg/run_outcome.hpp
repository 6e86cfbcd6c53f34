// A run's outcome: completed, stopped (and why, when not by cdccraft_stop)
// or failed (with its error), recorded in the catalog and logged, with the
// cancel held, so that a second stop signal meanwhile changes nothing.
#pragma once

#include "pg/worker_run.hpp"

namespace cdccraft::pg {

void record_final_state(WorkerRun* run, const char* state, const ErrorData* error);
// Registers the leader's exit callback, which records a stop whose FATAL ended
// the worker before it could (see run_outcome.cpp).
void record_stop_at_exit(WorkerRun* run);
// Records the outcome and exits the worker.
[[noreturn]] void finish(WorkerRun* run, const char* state, const ErrorData* error);
// After a step failed: a stop's cancel (or any failure once a stop came)
// ends the run stopped, anything else failed with its error.
[[noreturn]] void finish_after_error(WorkerRun* run, const ErrorData* error);

}  // namespace cdccraft::pg
