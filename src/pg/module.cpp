// The extension's entry: module magic and the cdccraft.* settings.
#include "pg/postgres_api.hpp"

extern "C" {
PG_MODULE_MAGIC;
void _PG_init(void);
}

namespace cdccraft::pg {
int ddl_lock_timeout_ms = 5000;
}

void _PG_init(void) {
    DefineCustomIntVariable(
        "cdccraft.ddl_lock_timeout", "Longest wait for the simulated table's lock when a run changes its schema.",
        "A schema change that cannot take its lock in time fails the run instead of "
        "queueing every other session behind it.",
        &cdccraft::pg::ddl_lock_timeout_ms, 5000, 1, INT_MAX, PGC_SUSET, GUC_UNIT_MS, nullptr, nullptr, nullptr);
    MarkGUCPrefixReserved("cdccraft");
}
