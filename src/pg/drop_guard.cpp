// An event trigger at the start of every command that can drop the
// extension (DROP EXTENSION, DROP SCHEMA of its schema, DROP OWNED BY its
// owner), so that dropping it never orphans what its runs created: a slot
// would keep WAL for ever. While any run holds a table, publication or slot
// the drop is refused, except DROP EXTENSION cdccraft CASCADE, which stops
// every run and cleans each up first, with the dropper's own rights, after
// checking that nothing irreversible can be left half done.
#include "pg/postgres_api.hpp"

#include "pg/catalog_access.hpp"

extern "C" {
#include "commands/event_trigger.h"
#include "nodes/parsenodes.h"
#include "utils/acl.h"
PG_FUNCTION_INFO_V1(cdccraft_drop_guard);
}

namespace {

struct Extension {
    const char* schema;       // quoted, where its SQL functions live
    const char* schema_name;  // unquoted, as DROP SCHEMA names it
    Oid owner;
};

bool find_extension(Extension* ext) {
    if (SPI_execute("SELECT e.extnamespace::pg_catalog.regnamespace::pg_catalog.text, n.nspname::pg_catalog.text, "
                    "e.extowner FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n "
                    "ON n.oid OPERATOR(pg_catalog.=) e.extnamespace WHERE e.extname OPERATOR(pg_catalog.=) 'cdccraft'",
                    true, 1) != SPI_OK_SELECT)
        elog(ERROR, "could not read pg_extension");
    if (SPI_processed != 1) return false;
    HeapTuple row = SPI_tuptable->vals[0];
    TupleDesc desc = SPI_tuptable->tupdesc;
    bool isnull;
    ext->schema = SPI_getvalue(row, desc, 1);
    ext->schema_name = SPI_getvalue(row, desc, 2);
    ext->owner = DatumGetObjectId(SPI_getbinval(row, desc, 3, &isnull));
    return true;
}

bool names_include(List* names, const char* name) {
    ListCell* cell;
    foreach (cell, names) {
        if (strcmp(strVal(lfirst(cell)), name) == 0) return true;
    }
    return false;
}

// Whether the command drops the extension; *cascade says whether it is
// DROP EXTENSION cdccraft CASCADE, the one form that may clean up runs.
bool drops_extension(const Node* parsetree, const Extension& ext, bool* cascade) {
    *cascade = false;
    if (IsA(parsetree, DropStmt)) {
        const auto* stmt = reinterpret_cast<const DropStmt*>(parsetree);
        if (stmt->removeType == OBJECT_EXTENSION && names_include(stmt->objects, "cdccraft")) {
            *cascade = stmt->behavior == DROP_CASCADE;
            return true;
        }
        return stmt->removeType == OBJECT_SCHEMA && names_include(stmt->objects, ext.schema_name);
    }
    if (IsA(parsetree, DropOwnedStmt)) {
        ListCell* cell;
        foreach (cell, reinterpret_cast<const DropOwnedStmt*>(parsetree)->roles) {
            if (get_rolespec_oid(static_cast<RoleSpec*>(lfirst(cell)), true) == ext.owner) return true;
        }
    }
    return false;
}

// A run still holds something cleanup would drop, or a slot of its name it
// may have made (cdccraft.run_state r).
constexpr const char* kHolds =
    "(r.holds_table OR r.holds_publication OR r.holds_schema OR r.names_slot OR r.names_canary OR "
    "pg_catalog.cardinality(r.held_types) OPERATOR(pg_catalog.>) 0)";

// The ids of runs that are active or still hold objects, as "1, 4, 7";
// NULL if none. extra narrows them further (an SQL condition on r, a row of
// cdccraft.run_state).
const char* runs_where(const char* extra) {
    char sql[768];
    snprintf(sql, sizeof sql,
             "SELECT pg_catalog.string_agg(r.id::pg_catalog.text, ', ' ORDER BY r.id) "
             "FROM cdccraft.run_state r WHERE (cdccraft.state_is_active(r.state) OR %s) AND (%s)",
             kHolds, extra);
    if (SPI_execute(sql, false, 0) != SPI_OK_SELECT) elog(ERROR, "could not read cdccraft.run");
    bool isnull;
    const Datum runs = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
    return isnull ? nullptr : TextDatumGetCString(runs);
}

void refuse_unless_none(const char* runs, const char* message, const char* detail, const char* hint) {
    if (runs == nullptr) return;
    ereport(ERROR, (errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST), errmsg("%s", message), errdetail(detail, runs),
                    errhint("%s", hint)));
}

void run_sql(const char* sql) {
    if (SPI_execute(sql, false, 0) < 0) elog(ERROR, "cdccraft drop guard: could not run: %s", sql);
}

// DROP EXTENSION cdccraft CASCADE: stop every run and clean each up. Slot
// drops cannot be rolled back, so everything that could make the drop fail
// is checked before the first one.
void stop_and_clean_up_every_run(const Extension& ext) {
    if (IsTransactionBlock())
        ereport(ERROR, (errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
                        errmsg("DROP EXTENSION cdccraft CASCADE cannot run inside a transaction block while runs hold "
                               "objects"),
                        errdetail("Dropping the runs' replication slots cannot be rolled back."),
                        errhint("Run it on its own, or clean the runs up first with cdccraft_cleanup().")));
    if (IsolationUsesXactSnapshot())
        ereport(ERROR, (errcode(ERRCODE_INVALID_TRANSACTION_STATE),
                        errmsg("DROP EXTENSION cdccraft CASCADE must run at READ COMMITTED while runs hold objects")));
    refuse_unless_none(runs_where("NOT cdccraft.may_act_for(r.owner)"),
                       "cannot stop and clean up the cdccraft runs of other roles",
                       "Runs %s belong to roles whose privileges you do not have.",
                       "Drop the extension as a superuser, or have their owners clean them up.");

    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT %s.cdccraft_stop(run_id) FROM %s.cdccraft_runs WHERE cdccraft.state_is_active(state)", ext.schema,
             ext.schema);
    run_sql(sql);
    // New runs now wait at their first catalog write until the drop commits
    // (and then fail, having created nothing).
    run_sql("LOCK TABLE cdccraft.run IN EXCLUSIVE MODE");
    // pg_stat_activity is otherwise cached for the transaction, from before the lock.
    pgstat_clear_backend_activity_snapshot();
    refuse_unless_none(runs_where("cdccraft.state_is_active(r.state) AND r.worker_alive"),
                       "cdccraft runs started while the extension was being dropped", "Runs %s are active.",
                       "Stop them and drop the extension again.");
    refuse_unless_none(runs_where("EXISTS (SELECT FROM pg_catalog.pg_replication_slots s "
                                  "WHERE ((r.names_slot AND s.slot_name OPERATOR(pg_catalog.=) r.slot_name) "
                                  "OR (r.names_canary AND s.slot_name OPERATOR(pg_catalog.=) r.canary_slot)) "
                                  "AND s.database OPERATOR(pg_catalog.=) pg_catalog.current_database() "
                                  "AND s.active)"),
                       "cannot drop the replication slots of cdccraft runs while consumers read them",
                       "The slots of runs %s are in use.", "Disconnect their consumers and drop the extension again.");
    // Everything but the slots first, for every run: any of those drops can
    // still fail (a dependent object, a lock) and roll the whole command
    // back; only then the slots, which cannot be rolled back.
    snprintf(sql, sizeof sql,
             "SELECT %s.cdccraft_cleanup(r.id, keep_slot => true) FROM cdccraft.run_state r WHERE %s ORDER BY r.id",
             ext.schema, kHolds);
    run_sql(sql);
    // DROP EXTENSION itself locks the extension's tables and views only after
    // this trigger, and any role may hold a lock on the public views: taken
    // here, before the slots go, so that no wait for them (a lock timeout, a
    // deadlock) can fail the command after that.
    run_sql(
        "DO $$ DECLARE rel pg_catalog.regclass; BEGIN "
        "FOR rel IN SELECT c.oid FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class c ON c.oid "
        "OPERATOR(pg_catalog.=) d.objid JOIN pg_catalog.pg_extension e ON e.oid OPERATOR(pg_catalog.=) "
        "d.refobjid WHERE e.extname OPERATOR(pg_catalog.=) 'cdccraft' AND d.deptype OPERATOR(pg_catalog.=) 'e' "
        "AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass "
        "AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,v}'::pg_catalog.char[]) ORDER BY c.oid LOOP "
        "EXECUTE pg_catalog.format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', rel); END LOOP; END $$");
    snprintf(sql, sizeof sql, "SELECT %s.cdccraft_cleanup(r.id) FROM cdccraft.run_state r WHERE %s ORDER BY r.id",
             ext.schema, kHolds);
    run_sql(sql);
}

// The guard reads the catalog as this library's SQL objects have it: older
// ones (before ALTER EXTENSION cdccraft UPDATE) lack what it reads. With no
// run recorded there is nothing to guard; otherwise the update comes first.
void refuse_older_sql_objects_with_runs() {
    const char* installed = cdccraft::pg::stale_sql_objects_version();
    if (installed == nullptr) return;
    if (SPI_execute("SELECT FROM cdccraft.run LIMIT 1", true, 1) != SPI_OK_SELECT)
        elog(ERROR, "could not read cdccraft.run");
    if (SPI_processed == 0) return;
    cdccraft::pg::refuse_stale_sql_objects(installed, "The library cannot tell what the recorded runs still hold.",
                                           "Run ALTER EXTENSION cdccraft UPDATE, then drop the extension.");
}

}  // namespace

extern "C" Datum cdccraft_drop_guard(PG_FUNCTION_ARGS) {
    if (!CALLED_AS_EVENT_TRIGGER(fcinfo)) elog(ERROR, "cdccraft_drop_guard must be called as an event trigger");
    const auto* trigger = reinterpret_cast<EventTriggerData*>(fcinfo->context);
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    Extension ext;
    bool cascade = false;
    if (!find_extension(&ext) || !drops_extension(trigger->parsetree, ext, &cascade)) {
        SPI_finish();
        PG_RETURN_VOID();
    }
    refuse_older_sql_objects_with_runs();
    const char* runs = runs_where("true");
    if (runs != nullptr && !cascade)
        refuse_unless_none(runs, "cannot drop extension cdccraft while its runs hold tables, publications or slots",
                           "Runs %s are active or have not been cleaned up.",
                           "Stop and clean up those runs with cdccraft_stop() and cdccraft_cleanup(), or use "
                           "DROP EXTENSION cdccraft CASCADE to do so for all of them.");
    if (runs != nullptr) {
        ereport(NOTICE, (errmsg("stopping and cleaning up cdccraft runs %s", runs)));
        stop_and_clean_up_every_run(ext);
    }
    SPI_finish();
    PG_RETURN_VOID();
}
