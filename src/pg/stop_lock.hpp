// How a worker tells a user's stop from the other SIGTERMs it may get (a
// server shutdown, pg_terminate_backend(), DROP DATABASE ... WITH (FORCE)).
//
// cdccraft_stop takes the transaction-scoped advisory lock
// pg_try_advisory_xact_lock_shared(kStopLockKey, run id) before it signals
// the worker (never waiting: a role squatting on the key must not block a
// stop) and holds it while it waits for the worker to exit. The worker, when it
// records a stop, looks for a holder of that lock who may stop the run: one
// means a user's stop. A signal carries no data, and a flag that cdccraft_stop wrote
// in the catalog would stay invisible to the worker until the stopping
// transaction commits, after the wait for the worker.
#pragma once

#include "pg/postgres_api.hpp"

namespace cdccraft::pg {

// The advisory lock's first key: 'cdcc' in ASCII (0x63646363). The SQL of
// cdccraft_stop names the same number.
constexpr int32 kStopLockKey = 1667523427;

// The second key: the run id as cdccraft_stop passes it, (run_id %
// 2147483648)::int4, which is the run id itself below 2^31 and never fails.
constexpr int32 stop_lock_second_key(int64 run_id) { return static_cast<int32>(run_id % INT64CONST(2147483648)); }

// Whether another session, of a role with the privileges of the run's owner,
// holds the stop lock of run_id, that is, whether a cdccraft_stop of the run
// is under way. Takes no lock.
bool stop_lock_held(int64 run_id, Oid run_owner);

}  // namespace cdccraft::pg
