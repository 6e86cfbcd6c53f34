// Between batches: holding the run to changes_per_second, and pausing it
// while its slot is further behind than max_slot_lag. Both wait on the
// latch, so that a stop or postmaster death ends the wait at once.
#pragma once

#include "pg/worker_run.hpp"

namespace cdccraft::pg {

// Waits until the run's changes since started are due at its rate.
void pace(const WorkerRun* run, TimestampTz started);
// Pauses while the slot is too far behind, with the run 'paused' meanwhile;
// returns how long it paused, so that pacing does not make up for the pause
// in a burst.
TimestampTz hold_for_slot(WorkerRun* run);

}  // namespace cdccraft::pg
