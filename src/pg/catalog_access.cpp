#include "pg/catalog_access.hpp"

namespace cdccraft::pg {

Oid catalog_owner() {
    if (SPI_execute("SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = 'cdccraft.run'::pg_catalog.regclass",
                    true, 1) != SPI_OK_SELECT ||
        SPI_processed != 1)
        elog(ERROR, "could not find the owner of cdccraft.run");
    bool isnull;
    return DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

OwnerSwitch become_catalog_owner(Oid owner) {
    OwnerSwitch s;
    GetUserIdAndSecContext(&s.saved_user, &s.saved_context);
    SetUserIdAndSecContext(owner, s.saved_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
    return s;
}

void restore_user(const OwnerSwitch& saved) { SetUserIdAndSecContext(saved.saved_user, saved.saved_context); }

void exec_as_owner(Oid owner, const char* sql, int nargs, const Oid* types, const Datum* values, const char* nulls,
                   int expected) {
    const OwnerSwitch s = become_catalog_owner(owner);
    const int ret =
        SPI_execute_with_args(sql, nargs, const_cast<Oid*>(types), const_cast<Datum*>(values), nulls, false, 0);
    restore_user(s);
    if (ret != expected) elog(ERROR, "cdccraft catalog statement failed (%s): %s", SPI_result_code_string(ret), sql);
}

}  // namespace cdccraft::pg
