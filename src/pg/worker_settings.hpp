// The worker session's own settings. The run's role reaches that session: a
// trigger on the run's table runs in it and may set_config(..., false) any
// setting it may set for the rest of the session (making the next
// transaction read-only, say, so that the run could not even record its
// outcome, or moving the TimeZone that its now()-based timestamps are
// written in). So the settings a run depends on are pinned when the worker
// starts and put back at the start of every worker transaction.
#pragma once

#include "pg/postgres_api.hpp"

namespace cdccraft::pg {

// Sets the run's settings; lock_timeout_ms is the run's cdccraft.lock_timeout.
void pin_worker_settings(int64 lock_timeout_ms);
// Puts back any that something changed since; outside a transaction.
void restore_worker_settings();

}  // namespace cdccraft::pg
