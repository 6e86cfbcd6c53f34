#include "pg/catalog_access.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
}

namespace cdccraft::pg {

Oid catalog_owner() {
    const Oid relid = get_relname_relid("run", get_namespace_oid("cdccraft", false));
    HeapTuple rel = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
    if (!HeapTupleIsValid(rel)) elog(ERROR, "could not find the owner of cdccraft.run");
    const Oid owner = reinterpret_cast<Form_pg_class>(GETSTRUCT(rel))->relowner;
    ReleaseSysCache(rel);
    return owner;
}

InstalledExtension installed_extension() {
    const Oid extension = get_extension_oid("cdccraft", false);
    Relation catalog = table_open(ExtensionRelationId, AccessShareLock);
    ScanKeyData key;
    ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(extension));
    SysScanDesc scan = systable_beginscan(catalog, ExtensionOidIndexId, true, nullptr, 1, &key);
    HeapTuple row = systable_getnext(scan);
    if (!HeapTupleIsValid(row)) elog(ERROR, "could not find the cdccraft extension");
    InstalledExtension found;
    found.schema = reinterpret_cast<Form_pg_extension>(GETSTRUCT(row))->extnamespace;
    bool isnull = true;
    const Datum version = heap_getattr(row, Anum_pg_extension_extversion, RelationGetDescr(catalog), &isnull);
    found.version = isnull ? "" : TextDatumGetCString(version);
    systable_endscan(scan);
    table_close(catalog, AccessShareLock);
    return found;
}

const char* stale_sql_objects_version() {
    const char* installed = installed_extension().version;
    return strcmp(installed, CDCCRAFT_VERSION) == 0 ? nullptr : installed;
}

void refuse_stale_sql_objects(const char* installed, const char* detail, const char* hint) {
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("cdccraft's SQL objects are version %s, but its library is version %s", installed,
                           CDCCRAFT_VERSION),
                    detail ? errdetail("%s", detail) : 0, errhint("%s", hint)));
}

int pin_safe_settings() {
    const int nest_level = NewGUCNestLevel();
    (void)set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
                            false);
    return nest_level;
}

void unpin_safe_settings(int nest_level) { AtEOXact_GUC(true, nest_level); }

OwnerSwitch become_catalog_owner(Oid owner) {
    OwnerSwitch s;
    GetUserIdAndSecContext(&s.saved_user, &s.saved_context);
    s.nest_level = pin_safe_settings();
    SetUserIdAndSecContext(owner, s.saved_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
    return s;
}

void restore_user(const OwnerSwitch& saved) {
    SetUserIdAndSecContext(saved.saved_user, saved.saved_context);
    unpin_safe_settings(saved.nest_level);
}

void exec_as_owner(Oid owner, const char* sql, int nargs, const Oid* types, const Datum* values, const char* nulls,
                   int expected) {
    const OwnerSwitch s = become_catalog_owner(owner);
    const int ret =
        SPI_execute_with_args(sql, nargs, const_cast<Oid*>(types), const_cast<Datum*>(values), nulls, false, 0);
    restore_user(s);
    if (ret != expected) elog(ERROR, "cdccraft catalog statement failed (%s): %s", SPI_result_code_string(ret), sql);
}

}  // namespace cdccraft::pg
