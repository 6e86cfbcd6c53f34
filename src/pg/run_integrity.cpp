#include "pg/run_integrity.hpp"

#include "pg/claims.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_publication.h"
#include "catalog/pg_publication_rel.h"
#include "nodes/makefuncs.h"
#include "replication/slot.h"
#include "storage/lmgr.h"
#include "storage/lwlock.h"
#include "storage/spin.h"
}

namespace cdccraft::pg {

namespace {

// Under the lock that every slot creation and drop takes exclusively, so the
// slot found is the slot of that name at the insert position read: a slot
// created after the run's slot was dropped starts at or after it. The proof
// advances only from a slot that is itself proven the run's.
bool find_and_prove_slot(WorkerRun* run) {
    LWLockAcquire(ReplicationSlotControlLock, LW_SHARED);
    ReplicationSlot* slot = SearchNamedReplicationSlot(run->config->slot_name.c_str(), false);
    XLogRecPtr restart = InvalidXLogRecPtr;
    Oid database = InvalidOid;
    if (slot != nullptr) {
        SpinLockAcquire(&slot->mutex);
        restart = slot->data.restart_lsn;
        database = slot->data.database;
        SpinLockRelease(&slot->mutex);
    }
    const XLogRecPtr now = GetXLogInsertRecPtr();
    LWLockRelease(ReplicationSlotControlLock);
    if (slot != nullptr && slot_proven(restart, database, run->slot_proof_lsn)) run->slot_proof_lsn = now;
    return slot != nullptr;
}

}  // namespace

void check_run_table(WorkerRun* run, LOCKMODE lockmode) {
    const RunConfig& c = *run->config;
    // Locked first: a rename of the table then waits for the batch, and the
    // lock's invalidations make the lookup below see every committed rename.
    if (lockmode != NoLock) LockRelationOid(run->relid, lockmode);
    RangeVar* name = makeRangeVar(pstrdup(c.schema_name.c_str()), pstrdup(c.table_name.c_str()), -1);
    const Oid named = RangeVarGetRelid(name, NoLock, true);
    if (named == run->relid) return;
    if (!OidIsValid(named))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                        errmsg("relation %s of cdccraft run %lld does not exist", run->qualified_table,
                               (long long)run->run_id),
                        errdetail("It was dropped or renamed.")));
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("table %s of cdccraft run %lld was renamed or replaced", run->qualified_table,
                           (long long)run->run_id),
                    errdetail("The name no longer names the table the run created; the run writes, alters "
                              "and truncates no other.")));
}

void check_run_objects_intact(WorkerRun* run) {
    const RunConfig& c = *run->config;
    // Again at the end: a batch whose statements a rename in the middle sent
    // elsewhere is not committed.
    check_run_table(run, NoLock);
    const Oid publication = get_publication_oid(c.publication_name.c_str(), true);
    if (!OidIsValid(publication))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
                        errmsg("publication \"%s\" of cdccraft run %lld was dropped", c.publication_name.c_str(),
                               (long long)run->run_id),
                        errdetail("The run's changes would no longer reach its consumers.")));
    // Held to commit: a concurrent DROP or ALTER PUBLICATION, which locks the
    // publication exclusively, waits until this batch is in.
    LockDatabaseObject(PublicationRelationId, publication, 0, AccessShareLock);

    HeapTuple pub = SearchSysCache1(PUBLICATIONOID, ObjectIdGetDatum(publication));
    if (!HeapTupleIsValid(pub))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("publication \"%s\" of cdccraft run %lld was dropped",
                                                                  c.publication_name.c_str(), (long long)run->run_id)));
    const auto* form = reinterpret_cast<Form_pg_publication>(GETSTRUCT(pub));
    // A run that truncates needs TRUNCATE published too: its truth holds
    // each one, and a consumer that never sees it keeps the rows it removed.
    const bool truncates = c.evolve && c.evolution_ops.has(EvolutionOp::Truncate);
    const bool publishes_all = form->pubinsert && form->pubupdate && form->pubdelete;
    const bool publishes_truncate = form->pubtruncate;
    ReleaseSysCache(pub);
    if (truncates && !publishes_truncate)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("publication \"%s\" of cdccraft run %lld no longer publishes inserts, updates, deletes "
                               "and truncates",
                               c.publication_name.c_str(), (long long)run->run_id),
                        errdetail("The run's changes would no longer all reach its consumers.")));
    if (!publishes_all)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("publication \"%s\" of cdccraft run %lld no longer publishes inserts, updates and "
                               "deletes",
                               c.publication_name.c_str(), (long long)run->run_id),
                        errdetail("The run's changes would no longer all reach its consumers.")));

    HeapTuple member = SearchSysCache2(PUBLICATIONRELMAP, ObjectIdGetDatum(run->relid), ObjectIdGetDatum(publication));
    if (!HeapTupleIsValid(member))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
                        errmsg("table %s of cdccraft run %lld was removed from publication \"%s\"",
                               run->qualified_table, (long long)run->run_id, c.publication_name.c_str()),
                        errdetail("The run's changes would no longer reach its consumers.")));
    bool no_row_filter = false;
    bool no_column_list = false;
    (void)SysCacheGetAttr(PUBLICATIONRELMAP, member, Anum_pg_publication_rel_prqual, &no_row_filter);
    (void)SysCacheGetAttr(PUBLICATIONRELMAP, member, Anum_pg_publication_rel_prattrs, &no_column_list);
    ReleaseSysCache(member);
    if (!no_row_filter || !no_column_list)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("publication \"%s\" of cdccraft run %lld now filters the rows or columns of %s",
                               c.publication_name.c_str(), (long long)run->run_id, run->qualified_table),
                        errdetail("The run's changes would no longer all reach its consumers.")));

    if (c.create_slot && !find_and_prove_slot(run))
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
