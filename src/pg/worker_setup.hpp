// The worker's setup, step by step (run_setup.hpp has the steps), until the
// caller of cdccraft_start is released: with the run id, or with setup's
// error once what setup had created is removed and the run's outcome is
// recorded, so that a retry finds nothing in its way.
#pragma once

#include "pg/worker_run.hpp"

namespace cdccraft::pg {

// Returns once the run is set up and its caller released; otherwise exits
// the worker.
void set_up_run(WorkerRun* run);

}  // namespace cdccraft::pg
