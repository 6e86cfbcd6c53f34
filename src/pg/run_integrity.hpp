// Checks, inside each batch's transaction, that what the run's changes flow
// through still stands: its publication, the table's membership in it, and
// its slot. Another session may drop them at any time; the batch then fails
// instead of committing changes that no consumer will see.
#pragma once

#include "pg/worker_run.hpp"

namespace cdccraft::pg {

void check_run_objects_intact(const WorkerRun* run);

}  // namespace cdccraft::pg
