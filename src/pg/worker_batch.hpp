// One batch of the run: planned by the core, then written in one
// transaction (schema change, inserts, updates, deletes, the check that the
// run's publication and slot still stand, the counters), and its progress
// lines in the server log.
#pragma once

#include "pg/worker_run.hpp"

namespace cdccraft::pg {

// The next batch, planned and written: run_batch as a cancellable step, and
// for a prepared batch (prepare_fraction) its PREPARE and COMMIT PREPARED as
// a step with the cancel held. false with *error if a step failed.
bool write_batch(WorkerRun* run, ErrorData** error);
// The batch's own step; a prepared batch leaves its transaction open for
// write_batch to prepare.
void run_batch(WorkerRun* run);
// The WARNING for a prepared batch that could not be ended: its transaction
// holds the table's locks until someone ends it.
void warn_prepared_left(const WorkerRun* run);
// The original's progress line every 10 batches, and a line per schema change.
void log_batch(const WorkerRun* run);

}  // namespace cdccraft::pg
