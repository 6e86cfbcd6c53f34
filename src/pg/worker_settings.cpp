#include "pg/worker_settings.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "pgtime.h"
#include "utils/pg_locale.h"
}

namespace cdccraft::pg {
namespace {

// Every name the worker uses is schema-qualified as well; the path keeps
// any it missed from the role's objects.
constexpr const char* kSearchPath = "pg_catalog, pg_temp";
int pinned_lock_timeout_ms = 0;
// The session's time zone as the worker started (the server's, or the
// role's setting): created_at and updated_at are now() in it.
const pg_tz* pinned_time_zone = nullptr;
const char* pinned_time_zone_name = nullptr;

void set_session(const char* name, const char* value) { SetConfigOption(name, value, PGC_USERSET, PGC_S_SESSION); }

}  // namespace

void pin_worker_settings(int64 lock_timeout_ms) {
    pinned_lock_timeout_ms = static_cast<int>(Min(lock_timeout_ms, static_cast<int64>(INT_MAX)));
    set_session("search_path", kSearchPath);
    // Every lock wait of the run, DDL, DML and bookkeeping alike, is bounded
    // by the caller's cdccraft.lock_timeout: a batch never queues
    // indefinitely behind another session.
    set_session("lock_timeout", psprintf("%dms", pinned_lock_timeout_ms));
    // A role's own defaults must not change what a batch sees or may do, nor
    // turn a batch's error into the worker's exit before it records it.
    set_session("default_transaction_isolation", "read committed");
    set_session("default_transaction_read_only", "off");
    set_session("exit_on_error", "off");
    // money's text: the typed values write amounts as C reads them.
    set_session("lc_monetary", "C");
    pinned_time_zone = session_timezone;
    pinned_time_zone_name = MemoryContextStrdup(TopMemoryContext, pg_get_timezone_name(session_timezone));
}

// Compares the variables themselves, so that a batch whose settings nobody
// touched pays a few comparisons, not a parse of each.
void restore_worker_settings() {
    if (namespace_search_path == nullptr || strcmp(namespace_search_path, kSearchPath) != 0)
        set_session("search_path", kSearchPath);
    if (LockTimeout != pinned_lock_timeout_ms) set_session("lock_timeout", psprintf("%dms", pinned_lock_timeout_ms));
    if (DefaultXactIsoLevel != XACT_READ_COMMITTED) set_session("default_transaction_isolation", "read committed");
    if (DefaultXactReadOnly) set_session("default_transaction_read_only", "off");
    if (ExitOnAnyError) set_session("exit_on_error", "off");
    if (locale_monetary == nullptr || strcmp(locale_monetary, "C") != 0) set_session("lc_monetary", "C");
    if (session_timezone != pinned_time_zone) set_session("TimeZone", pinned_time_zone_name);
}

}  // namespace cdccraft::pg
