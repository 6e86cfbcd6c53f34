// Statements on cdccraft's own catalog tables, run as the catalog's owner,
// and the settings every statement that cdccraft runs on another role's
// behalf is pinned to.
//
// The caller otherwise acts as a role that may not read or write the
// catalog, and that role's code (its triggers, its session's settings, its
// functions and operators in any schema) must never run with the owner's
// rights. So each such statement runs, as PostgreSQL runs a SECURITY DEFINER
// function or a maintenance command, in a GUC nest level of its own with a
// safe search_path, as the owner with SECURITY_RESTRICTED_OPERATION, and
// names everything it uses with its schema (operators as
// OPERATOR(pg_catalog.=)). A failed statement's transaction abort restores
// the previous user and settings.
#pragma once

#include "pg/postgres_api.hpp"

namespace cdccraft::pg {

// The owner of cdccraft.run (the role that created the extension), read
// from the syscache: no SQL, so nothing the caller can shadow.
Oid catalog_owner();

// The installed extension, read from pg_extension without SQL: its schema
// (where cdccraft_runs and the functions are) and its version.
struct InstalledExtension {
    Oid schema;
    const char* version;  // palloc'd
};
InstalledExtension installed_extension();

// The version of the installed SQL objects when it is not the library's (a
// package upgraded, ALTER EXTENSION cdccraft UPDATE not yet run), whose
// catalog lacks what this library reads and writes; NULL when they match.
const char* stale_sql_objects_version();
// 55000: the SQL objects are the installed version, the library another.
[[noreturn]] void refuse_stale_sql_objects(const char* installed, const char* detail, const char* hint);

// A GUC nest level whose search_path is pg_catalog, pg_temp: whatever the
// statements inside it set, their own triggers included, is undone when it
// ends. Pins the settings of statements that run as another role, and of
// SQL that cdccraft runs as the caller but with another role's objects.
int pin_safe_settings();
void unpin_safe_settings(int nest_level);

struct OwnerSwitch {
    Oid saved_user;
    int saved_context;
    int nest_level;
};
// Becomes the catalog's owner with safe settings pinned; restore_user undoes
// both.
OwnerSwitch become_catalog_owner(Oid owner);
void restore_user(const OwnerSwitch& saved);

// SPI_execute_with_args as the owner; raises an ERROR unless SPI returns expected.
void exec_as_owner(Oid owner, const char* sql, int nargs, const Oid* types, const Datum* values, const char* nulls,
                   int expected);

}  // namespace cdccraft::pg
