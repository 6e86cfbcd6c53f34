#include "pg/stop_lock.hpp"

extern "C" {
#include "storage/lock.h"
#include "storage/sinvaladt.h"
#include "utils/acl.h"
}

namespace cdccraft::pg {

bool stop_lock_held(int64 run_id, Oid run_owner) {
    LOCKTAG tag;
    SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, static_cast<uint32>(kStopLockKey),
                         static_cast<uint32>(stop_lock_second_key(run_id)), 2);
    // Every holder, of any mode (cdccraft_stop takes it shared): the modes
    // that ExclusiveLock conflicts with. Any role may take an advisory lock;
    // only one that may stop the run (as cdccraft_stop's caller must) counts.
    VirtualTransactionId* holders = GetLockConflicts(&tag, ExclusiveLock, nullptr);
    for (; VirtualTransactionIdIsValid(*holders); ++holders) {
        const PGPROC* holder = BackendIdGetProc(holders->backendId);
        if (holder != nullptr && has_privs_of_role(holder->roleId, run_owner)) return true;
    }
    return false;
}

}  // namespace cdccraft::pg
