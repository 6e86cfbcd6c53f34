// The extension's entry: module magic and the cdccraft.* settings.
#include "pg/settings.hpp"

extern "C" {
PG_MODULE_MAGIC;
void _PG_init(void);
}

namespace cdccraft::pg {
int lock_timeout_ms = 10000;
namespace {
int max_slot_lag_kb = 0;
}
int64 max_slot_lag_bytes() { return static_cast<int64>(max_slot_lag_kb) * 1024; }
}  // namespace cdccraft::pg

void _PG_init(void) {
    DefineCustomIntVariable("cdccraft.lock_timeout", "Longest wait of a run's worker for any lock.",
                            "A batch or schema change that cannot take its lock in time fails the run, with the "
                            "wait in its last_error, instead of queueing behind (or in front of) other sessions. "
                            "Read when a run starts.",
                            &cdccraft::pg::lock_timeout_ms, 10000, 1, INT_MAX, PGC_SUSET, GUC_UNIT_MS, nullptr, nullptr,
                            nullptr);
    DefineCustomIntVariable(
        "cdccraft.max_slot_lag", "Default bound on how far a run's slot may fall behind before the run pauses.",
        "A run whose slot is further behind the current WAL position than this pauses "
        "generation until the consumer catches up; 0 sets no bound. cdccraft_start's "
        "max_slot_lag overrides it.",
        &cdccraft::pg::max_slot_lag_kb, 0, 0, INT_MAX, PGC_SUSET, GUC_UNIT_KB, nullptr, nullptr, nullptr);
    MarkGUCPrefixReserved("cdccraft");
}
