// A cdccraft background worker's registration, as every launch makes it: a
// dynamic worker with a database connection, started once recovery has
// finished, never restarted, its entry point in this library, reporting its
// start and end to the launching backend (bgw_notify_pid), its main argument
// the handle of main_segment.
#pragma once

#include "pg/postgres_api.hpp"

namespace cdccraft::pg {

// function: the entry point; type: what pg_stat_activity shows as the
// backend type; the caller names the worker (bgw_name) and fills bgw_extra.
void prepare_worker_launch(BackgroundWorker* worker, const char* function, const char* type, dsm_segment* main_segment);

}  // namespace cdccraft::pg
