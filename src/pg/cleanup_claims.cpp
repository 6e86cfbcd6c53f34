// What cdccraft_cleanup may drop, judged against every run in the catalog
// (not only those the caller can see), and the release of those claims once
// it has dropped them. The caller must have the privileges of the run's
// owner; the catalog itself is read and written as its owner.
#include "pg/catalog_access.hpp"

extern "C" {
#include "access/htup_details.h"
#include "utils/acl.h"
PG_FUNCTION_INFO_V1(cdccraft_cleanup_claims);
PG_FUNCTION_INFO_V1(cdccraft_release_claims);
}

namespace cdccraft::pg {
namespace {

// Connects SPI and returns the catalog's owner, after raising "does not
// exist" for a run the caller may not see, as the views do.
Oid open_catalog_for(int64 run_id) {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    const Oid catalog = catalog_owner();
    const Oid types[] = {INT8OID};
    const Datum values[] = {Int64GetDatum(run_id)};
    exec_as_owner(catalog, "SELECT owner FROM cdccraft.run WHERE id OPERATOR(pg_catalog.=) $1", 1, types, values, nullptr, SPI_OK_SELECT);
    bool isnull = true;
    Oid owner = InvalidOid;
    if (SPI_processed == 1)
        owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    if (isnull || !has_privs_of_role(GetUserId(), owner))
        ereport(ERROR,
                (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("cdccraft run %lld does not exist", (long long)run_id)));
    return catalog;
}

}  // namespace
}  // namespace cdccraft::pg

using namespace cdccraft::pg;

// (table_, publication, slot): what the run still holds, by cdccraft.claims_of.
extern "C" Datum cdccraft_cleanup_claims(PG_FUNCTION_ARGS) {
    const int64 run_id = PG_GETARG_INT64(0);
    TupleDesc result_type;
    if (get_call_result_type(fcinfo, nullptr, &result_type) != TYPEFUNC_COMPOSITE)
        elog(ERROR, "cdccraft_cleanup_claims must return a composite type");
    const Oid catalog = open_catalog_for(run_id);
    const Oid types[] = {INT8OID};
    const Datum values[] = {Int64GetDatum(run_id)};
    exec_as_owner(catalog, "SELECT (cdccraft.claims_of(r)).* FROM cdccraft.run r WHERE r.id OPERATOR(pg_catalog.=) $1", 1, types, values,
                  nullptr, SPI_OK_SELECT);
    Datum claims[3];
    bool nulls[3] = {false, false, false};
    for (int i = 0; i < 3; ++i)
        claims[i] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1, &nulls[i]);
    SPI_finish();
    result_type = BlessTupleDesc(result_type);
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(result_type, claims, nulls)));
}

// After cleanup: the run forgets its claims on whatever no longer exists (or
// a newer run has made since). It releases nothing that still stands, so any
// caller who may see the run may call it.
extern "C" Datum cdccraft_release_claims(PG_FUNCTION_ARGS) {
    const int64 run_id = PG_GETARG_INT64(0);
    const Oid catalog = open_catalog_for(run_id);
    const Oid types[] = {INT8OID};
    const Datum values[] = {Int64GetDatum(run_id)};
    exec_as_owner(catalog,
                  "UPDATE cdccraft.run r SET (relid, created_publication, created_slot, created_schema) = "
                  "(SELECT CASE WHEN c.holds_table THEN r.relid END, c.holds_publication, c.holds_slot, "
                  "r.created_schema AND EXISTS (SELECT FROM pg_catalog.pg_namespace n "
                  "WHERE n.nspname OPERATOR(pg_catalog.=) r.schema_name) "
                  "FROM cdccraft.claims_of(r) c) WHERE r.id OPERATOR(pg_catalog.=) $1",
                  1, types, values, nullptr, SPI_OK_UPDATE);
    SPI_finish();
    PG_RETURN_VOID();
}
