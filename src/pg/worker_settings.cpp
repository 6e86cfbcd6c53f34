#include "pg/worker_settings.hpp"

extern "C" {
#include "catalog/namespace.h"
}

namespace cdccraft::pg {
namespace {

// Every name the worker uses is schema-qualified as well; the path keeps
// any it missed from the role's objects.
constexpr const char* kSearchPath = "pg_catalog, pg_temp";
int pinned_lock_timeout_ms = 0;

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
}

}  // namespace cdccraft::pg
