// The run catalog's record of where a run ran, and the release of a run's
// claims once cleanup has dropped what it held (cdccraft.claims_of, through
// cdccraft.run_state). The caller must have the privileges of the run's
// owner; the catalog itself is written as its owner.
#include "pg/claims.hpp"

#include "pg/catalog_access.hpp"

extern "C" {
#include "access/xlog.h"
#include "replication/slot.h"
#include "storage/spin.h"
#include "utils/pg_lsn.h"
PG_FUNCTION_INFO_V1(cdccraft_origin);
PG_FUNCTION_INFO_V1(cdccraft_release_claims);
PG_FUNCTION_INFO_V1(cdccraft_cleanup_claims);
PG_FUNCTION_INFO_V1(cdccraft_drop_proven_slot);
}

namespace cdccraft::pg {

bool slot_proven(XLogRecPtr restart_lsn, Oid database, XLogRecPtr proof) {
    return database == MyDatabaseId && !XLogRecPtrIsInvalid(restart_lsn) && restart_lsn < proof;
}

bool drop_slot_if_proven(const char* name, XLogRecPtr proof) {
    if (SearchNamedReplicationSlot(name, true) == nullptr) return false;
    ReplicationSlotAcquire(name, true);
    ReplicationSlot* slot = MyReplicationSlot;
    SpinLockAcquire(&slot->mutex);
    const XLogRecPtr restart = slot->data.restart_lsn;
    const Oid database = slot->data.database;
    SpinLockRelease(&slot->mutex);
    if (!SlotIsLogical(slot) || !slot_proven(restart, database, proof)) {
        ReplicationSlotRelease();
        return false;
    }
    // PostgreSQL 15 exports no drop of a slot already acquired (only
    // ReplicationSlotDrop(), which acquires anew, by name); releasing an
    // ephemeral slot drops it, so the slot, still held, is made ephemeral
    // first. Only in memory: a crash before the drop finds it as it was.
    SpinLockAcquire(&slot->mutex);
    slot->data.persistency = RS_EPHEMERAL;
    SpinLockRelease(&slot->mutex);
    ReplicationSlotRelease();
    return true;
}

// Slot names are the cluster's, run ids each database's: the database's oid
// keeps two databases' runs of one id from taking each other's name.
const char* canary_slot_name(int64 run_id) {
    return psprintf("cdccraft_canary_%u_%lld", MyDatabaseId, (long long)run_id);
}

}  // namespace cdccraft::pg

using namespace cdccraft::pg;

// "<system identifier>/<database oid>": oids and slots mean something only
// in the database of the cluster that made them.
extern "C" Datum cdccraft_origin(PG_FUNCTION_ARGS) {
    PG_RETURN_TEXT_P(cstring_to_text(psprintf(UINT64_FORMAT "/%u", GetSystemIdentifier(), MyDatabaseId)));
}

// Forgets the run's claims on whatever it no longer holds. It releases
// nothing that is still provably the run's, so any caller who may see the
// run may call it; a run the caller may not see "does not exist", as in the
// views.
extern "C" Datum cdccraft_release_claims(PG_FUNCTION_ARGS) {
    const int64 run_id = PG_GETARG_INT64(0);
    // It writes the claims this library's catalog has.
    if (const char* installed = stale_sql_objects_version())
        refuse_stale_sql_objects(installed, nullptr, "Update the extension with ALTER EXTENSION cdccraft UPDATE.");
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    const Oid catalog = catalog_owner();
    const Oid types[] = {INT8OID};
    const Datum values[] = {Int64GetDatum(run_id)};
    exec_as_owner(catalog, "SELECT owner FROM cdccraft.run WHERE id OPERATOR(pg_catalog.=) $1", 1, types, values,
                  nullptr, SPI_OK_SELECT);
    bool visible = false;
    if (SPI_processed == 1) {
        // Asked as the caller, by the rule the views use.
        bool isnull = true;
        const Datum owner = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
        const Oid owner_type[] = {OIDOID};
        const int nest_level = pin_safe_settings();
        const int ret = SPI_execute_with_args("SELECT cdccraft.may_act_for($1)", 1, const_cast<Oid*>(owner_type),
                                              const_cast<Datum*>(&owner), nullptr, true, 1);
        unpin_safe_settings(nest_level);
        if (ret != SPI_OK_SELECT || SPI_processed != 1) elog(ERROR, "could not check who may act for a cdccraft run");
        visible = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    }
    if (!visible)
        ereport(ERROR,
                (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("cdccraft run %lld does not exist", (long long)run_id)));
    exec_as_owner(catalog,
                  "UPDATE cdccraft.run r SET relid = CASE WHEN s.holds_table THEN r.relid END, "
                  "schema_oid = CASE WHEN s.holds_schema THEN r.schema_oid END, "
                  "publication_oid = CASE WHEN s.holds_publication THEN r.publication_oid END, "
                  "slot_proof_lsn = CASE WHEN s.holds_slot THEN r.slot_proof_lsn END, "
                  "canary_proof_lsn = CASE WHEN s.holds_canary THEN r.canary_proof_lsn END, "
                  "type_oids = CASE WHEN pg_catalog.cardinality(s.held_types) OPERATOR(pg_catalog.>) 0 "
                  "THEN s.held_types END "
                  "FROM cdccraft.run_state s WHERE s.id OPERATOR(pg_catalog.=) r.id AND r.id OPERATOR(pg_catalog.=) $1 "
                  "AND NOT (cdccraft.state_is_active(s.state) AND s.worker_alive)",
                  1, types, values, nullptr, SPI_OK_UPDATE);
    // An active run's row is its worker's to update: a lock held on it from
    // here, in a transaction left open, would hold up the run's outcome and,
    // with it, a server shutdown.
    if (SPI_processed == 0)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_IN_USE), errmsg("cdccraft run %lld is still active", (long long)run_id),
                        errhint("Stop it first with cdccraft_stop(%lld).", (long long)run_id)));
    SPI_finish();
    PG_RETURN_VOID();
}

// 0.1.0's cdccraft.cleanup_claims, which matched claims by name. Its install
// script (which a fresh CREATE EXTENSION still runs before the update to
// 0.2.0) needs the symbol; the update drops the function.
extern "C" Datum cdccraft_cleanup_claims(PG_FUNCTION_ARGS) {
    ereport(ERROR,
            (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("cdccraft.cleanup_claims was removed in cdccraft 0.2.0"),
             errhint("Update the extension with ALTER EXTENSION cdccraft UPDATE.")));
    PG_RETURN_VOID();
}

// cdccraft.drop_proven_slot(slot_name, proof): drop_slot_if_proven for
// cdccraft_cleanup, with pg_drop_replication_slot()'s own permission check.
extern "C" Datum cdccraft_drop_proven_slot(PG_FUNCTION_ARGS) {
    const Name name = PG_GETARG_NAME(0);
    const XLogRecPtr proof = PG_GETARG_LSN(1);
    CheckSlotPermissions();
    CheckSlotRequirements();
    PG_RETURN_BOOL(drop_slot_if_proven(NameStr(*name), proof));
}
