// An event trigger at the start of DROP EXTENSION cdccraft, so that dropping
// the extension never orphans what its runs created (a slot keeps WAL for
// ever): without CASCADE the drop is refused while any run still holds a
// table, publication or slot; with CASCADE every active run is stopped and
// every run cleaned up first, with the dropper's own rights.
#include "pg/postgres_api.hpp"

extern "C" {
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "nodes/parsenodes.h"
#include "utils/lsyscache.h"
PG_FUNCTION_INFO_V1(cdccraft_drop_guard);
}

namespace {

bool drops_cdccraft(const Node* parsetree) {
    if (!IsA(parsetree, DropStmt)) return false;
    const auto* stmt = reinterpret_cast<const DropStmt*>(parsetree);
    if (stmt->removeType != OBJECT_EXTENSION) return false;
    ListCell* cell;
    foreach (cell, stmt->objects) {
        if (strcmp(strVal(lfirst(cell)), "cdccraft") == 0) return true;
    }
    return false;
}

// Runs whose objects would outlive the extension, as "1, 4, 7"; NULL if none.
const char* runs_holding_objects() {
    if (SPI_execute("SELECT pg_catalog.string_agg(id::text, ', ' ORDER BY id) FROM cdccraft.run "
                    "WHERE cdccraft.state_is_active(state) OR relid IS NOT NULL OR created_publication "
                    "OR created_slot",
                    false, 0) != SPI_OK_SELECT)
        elog(ERROR, "could not read cdccraft.run");
    bool isnull;
    const Datum runs = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
    return isnull ? nullptr : TextDatumGetCString(runs);
}

void stop_and_clean_up_every_run(const char* schema) {
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT %s.cdccraft_stop(run_id) FROM %s.cdccraft_runs "
             "WHERE cdccraft.state_is_active(state) ORDER BY run_id",
             schema, schema);
    if (SPI_execute(sql, false, 0) != SPI_OK_SELECT) elog(ERROR, "could not stop the cdccraft runs");
    snprintf(sql, sizeof sql,
             "SELECT %s.cdccraft_cleanup(id) FROM cdccraft.run "
             "WHERE relid IS NOT NULL OR created_publication OR created_slot ORDER BY id",
             schema);
    if (SPI_execute(sql, false, 0) != SPI_OK_SELECT) elog(ERROR, "could not clean up the cdccraft runs");
}

// The extension's schema, quoted, where its SQL functions live.
const char* extension_schema() {
    if (SPI_execute("SELECT e.extnamespace::pg_catalog.regnamespace::text FROM pg_catalog.pg_extension e "
                    "WHERE e.extname = 'cdccraft'",
                    true, 1) != SPI_OK_SELECT ||
        SPI_processed != 1)
        elog(ERROR, "could not find the schema of extension cdccraft");
    return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

}  // namespace

extern "C" Datum cdccraft_drop_guard(PG_FUNCTION_ARGS) {
    if (!CALLED_AS_EVENT_TRIGGER(fcinfo)) elog(ERROR, "cdccraft_drop_guard must be called as an event trigger");
    const auto* trigger = reinterpret_cast<EventTriggerData*>(fcinfo->context);
    if (!drops_cdccraft(trigger->parsetree)) PG_RETURN_VOID();
    if (!OidIsValid(get_extension_oid("cdccraft", true))) PG_RETURN_VOID();
    const bool cascade = reinterpret_cast<const DropStmt*>(trigger->parsetree)->behavior == DROP_CASCADE;

    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    const char* runs = runs_holding_objects();
    if (runs != nullptr && !cascade)
        ereport(ERROR, (errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
                        errmsg("cannot drop extension cdccraft while its runs hold tables, publications or slots"),
                        errdetail("Runs %s are active or have not been cleaned up.", runs),
                        errhint("Stop and clean up those runs with cdccraft_stop() and cdccraft_cleanup(), or use "
                                "DROP EXTENSION cdccraft CASCADE to do so for all of them.")));
    if (runs != nullptr) {
        ereport(NOTICE, (errmsg("stopping and cleaning up cdccraft runs %s", runs)));
        stop_and_clean_up_every_run(extension_schema());
    }
    SPI_finish();
    PG_RETURN_VOID();
}
