// The cdccraft.* settings: their variables, checks and definitions.
#include "pg/settings.hpp"

namespace cdccraft::pg {
namespace {

int lock_timeout_ms = 10000;
int max_slot_lag_kb = 0;
int insert_method = 0;  // kInsertMethods' index: copy
const config_enum_entry kInsertMethods[] = {{"copy", 0, false}, {"insert", 1, false}, {nullptr, 0, false}};

// The run's own commits and other databases' WAL count as lag too: a bound
// below one segment might never let a paused run resume. Refused when it is
// set, rather than by every start that would take it as its default.
bool check_max_slot_lag(int* newval, void** extra, GucSource source) {
    if (*newval == 0 || static_cast<int64>(*newval) * 1024 >= wal_segment_size) return true;
    GUC_check_errdetail("A bound below one WAL segment (%d bytes) could keep a paused run from ever resuming.",
                        wal_segment_size);
    GUC_check_errhint("Set 0 for no bound, or at least %dMB.", wal_segment_size / (1024 * 1024));
    return false;
}

}  // namespace

int lock_timeout_setting_ms() { return lock_timeout_ms; }
int64 max_slot_lag_bytes() { return static_cast<int64>(max_slot_lag_kb) * 1024; }
const char* insert_method_setting() { return kInsertMethods[insert_method].name; }

void define_settings() {
    // PGC_USERSET: it chooses only how the caller's own run writes its rows.
    DefineCustomEnumVariable(
        "cdccraft.insert_method", "How a run's batches insert their rows.",
        "copy (the default): through COPY FROM, the server's multi-insert (many rows to a WAL record, "
        "sharing its position); insert: INSERT ... SELECT, a WAL record a row. Triggers, constraints, "
        "defaults and the publication see either as any insert. cdccraft_start reads it in the "
        "calling session; the run keeps that value.",
        &insert_method, 0, kInsertMethods, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    // PGC_USERSET: it bounds only the waits of the caller's own run (on its
    // own table and its own catalog rows); any role may already wait as long,
    // or as briefly, in its own sessions.
    DefineCustomIntVariable("cdccraft.lock_timeout", "Longest wait of a run's worker for any lock.",
                            "A batch or schema change that cannot take its lock in time fails the run, with the "
                            "wait in its last_error, instead of queueing behind (or in front of) other sessions. "
                            "cdccraft_start reads it in the calling session; the run keeps that value.",
                            &lock_timeout_ms, 10000, 1, INT_MAX, PGC_USERSET, GUC_UNIT_MS, nullptr, nullptr, nullptr);
    DefineCustomIntVariable(
        "cdccraft.max_slot_lag", "Default bound on how far a run's slot may fall behind before the run pauses.",
        "A run whose slot is further behind the current WAL position than this pauses "
        "generation until the consumer catches up; 0 sets no bound, and any other value must be at least one WAL "
        "segment. cdccraft_start's max_slot_lag overrides it.",
        &max_slot_lag_kb, 0, 0, INT_MAX, PGC_SUSET, GUC_UNIT_KB, check_max_slot_lag, nullptr, nullptr);
}

}  // namespace cdccraft::pg
