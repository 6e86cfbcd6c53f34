// What cdccraft_start and the worker it launches share in a dynamic shared
// memory segment: the run's configuration going in, and the outcome of setup
// (the run id, or the error to raise in the caller) coming back.
#pragma once

#include "pg/postgres_api.hpp"

namespace cdccraft::pg {

enum class SetupStatus : uint32 { Pending = 0, Ready = 1, Failed = 2 };

// The worker stays attached for its whole life, so that it can still read
// start_cancelled when it records its outcome after setup.
struct LaunchHandoff {
    int caller_pgprocno;
    pg_atomic_uint32 status;  // SetupStatus; written last, after a barrier
    // Set by the caller before it stops the worker because cdccraft_start
    // was cancelled (or its session is ending): the stop is the caller's.
    pg_atomic_uint32 start_cancelled;
    int64 run_id;
    bool stopped;  // Failed: setup was ended by a stop, and undone
    int sqlerrcode;
    char message[1024];
    char detail[1024];
    char hint[512];
    char config_wire[4096];
};

// Fixed-size data passed in bgw_extra.
struct WorkerLaunchArgs {
    Oid database;
    Oid role;
};

}  // namespace cdccraft::pg
