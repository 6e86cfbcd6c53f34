// The worker's side of the start handoff (launch_handoff.hpp): it reads its
// configuration from the segment cdccraft_start made, and writes back the
// outcome of setup, the run id or the error the caller raises.
#pragma once

#include "pg/worker_run.hpp"

namespace cdccraft::pg {

// Attaches the segment for the worker's whole life and reads the
// configuration and the run's lock timeout from it; false if the caller has
// gone already (nothing was created) or the configuration does not parse
// (the caller was told).
bool attach_start_handoff(WorkerRun* run, Datum segment_handle);
// Tells the waiting caller that setup is done or has failed.
void release_caller(WorkerRun* run, SetupStatus status);
// Whether the caller of cdccraft_start stopped the run because its call was
// cancelled (it sets the flag before it signals the worker).
bool start_cancelled(const WorkerRun* run);
// Gives the caller setup's error, or for a stop what setup had created
// (created, from setup_created_objects) and whether it was removed.
void report_setup_failure(WorkerRun* run, const ErrorData* error, const char* created, const ErrorData* undo_error);

}  // namespace cdccraft::pg
