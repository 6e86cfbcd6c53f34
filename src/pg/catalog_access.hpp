// Statements on cdccraft's own catalog tables, run as the catalog's owner.
// The caller otherwise acts as a role that may not read or write them; the
// switch lasts one statement, with SECURITY_RESTRICTED_OPERATION, and a
// failed statement's transaction abort restores the previous user.
#pragma once

#include "pg/postgres_api.hpp"

namespace cdccraft::pg {

// The owner of cdccraft.run (the role that created the extension). SPI must
// be connected.
Oid catalog_owner();

struct OwnerSwitch {
    Oid saved_user;
    int saved_context;
};
OwnerSwitch become_catalog_owner(Oid owner);
void restore_user(const OwnerSwitch& saved);

// SPI_execute_with_args as the owner; raises an ERROR unless SPI returns expected.
void exec_as_owner(Oid owner, const char* sql, int nargs, const Oid* types, const Datum* values, const char* nulls,
                   int expected);

}  // namespace cdccraft::pg
