// The extension's entry: module magic and the cdccraft.* settings.
#include "pg/postgres_api.hpp"

extern "C" {
PG_MODULE_MAGIC;
void _PG_init(void);
}

namespace cdccraft::pg {
int lock_timeout_ms = 10000;
}

void _PG_init(void) {
    DefineCustomIntVariable("cdccraft.lock_timeout", "Longest wait of a run's worker for any lock.",
                            "A batch or schema change that cannot take its lock in time fails the run, with the "
                            "wait in its last_error, instead of queueing behind (or in front of) other sessions. "
                            "Read when a run starts.",
                            &cdccraft::pg::lock_timeout_ms, 10000, 1, INT_MAX, PGC_SUSET, GUC_UNIT_MS, nullptr, nullptr,
                            nullptr);
    MarkGUCPrefixReserved("cdccraft");
}
