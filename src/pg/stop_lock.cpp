#include "pg/stop_lock.hpp"

extern "C" {
#include "storage/lock.h"
}

namespace cdccraft::pg {

bool stop_lock_held(int64 run_id) {
    LOCKTAG tag;
    SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, static_cast<uint32>(kStopLockKey),
                         static_cast<uint32>(stop_lock_second_key(run_id)), 2);
    // ShareLock conflicts with the ExclusiveLock of pg_advisory_xact_lock.
    if (LockAcquire(&tag, ShareLock, false, true) == LOCKACQUIRE_NOT_AVAIL) return true;
    LockRelease(&tag, ShareLock, false);
    return false;
}

}  // namespace cdccraft::pg
