// One batch of the run: planned by the core, then written in one
// transaction (schema change, inserts, updates, deletes, the check that the
// run's publication and slot still stand, the counters), and its progress
// lines in the server log.
#pragma once

#include "pg/worker_run.hpp"

namespace cdccraft::pg {

// A step: run it with run_cancellable_step.
void run_batch(WorkerRun* run);
// The original's progress line every 10 batches, and a line per schema change.
void log_batch(const WorkerRun* run);

}  // namespace cdccraft::pg
