#include "pg/run_integrity.hpp"

extern "C" {
#include "catalog/pg_publication.h"
#include "replication/slot.h"
#include "storage/lwlock.h"
#include "storage/spin.h"
}

namespace cdccraft::pg {

void check_run_objects_intact(const WorkerRun* run) {
    const RunConfig& c = *run->config;
    const Oid publication = get_publication_oid(c.publication_name.c_str(), true);
    if (!OidIsValid(publication))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
                        errmsg("publication \"%s\" of cdccraft run %lld was dropped", c.publication_name.c_str(),
                               (long long)run->run_id),
                        errdetail("The run's changes would no longer reach its consumers.")));
    if (!SearchSysCacheExists2(PUBLICATIONRELMAP, ObjectIdGetDatum(run->relid), ObjectIdGetDatum(publication)))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
                        errmsg("table %s of cdccraft run %lld was removed from publication \"%s\"",
                               run->qualified_table, (long long)run->run_id, c.publication_name.c_str()),
                        errdetail("The run's changes would no longer reach its consumers.")));
    if (c.create_slot && SearchNamedReplicationSlot(c.slot_name.c_str(), true) == nullptr)
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
                        errmsg("replication slot \"%s\" of cdccraft run %lld was dropped", c.slot_name.c_str(),
                               (long long)run->run_id),
                        errdetail("The run's changes would no longer be kept for its consumers.")));
}

int64 slot_lag_bytes(const WorkerRun* run) {
    XLogRecPtr confirmed = InvalidXLogRecPtr;
    LWLockAcquire(ReplicationSlotControlLock, LW_SHARED);
    ReplicationSlot* slot = SearchNamedReplicationSlot(run->config->slot_name.c_str(), false);
    if (slot != nullptr) {
        SpinLockAcquire(&slot->mutex);
        confirmed = slot->data.confirmed_flush;
        SpinLockRelease(&slot->mutex);
    }
    LWLockRelease(ReplicationSlotControlLock);
    const XLogRecPtr now = GetXLogInsertRecPtr();
    if (XLogRecPtrIsInvalid(confirmed) || now <= confirmed) return 0;
    return static_cast<int64>(now - confirmed);
}

}  // namespace cdccraft::pg
