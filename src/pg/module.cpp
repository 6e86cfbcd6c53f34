// The extension's entry: module magic, and what loading the library sets up.
#include "pg/settings.hpp"

extern "C" {
PG_MODULE_MAGIC;
void _PG_init(void);  // NOLINT(bugprone-reserved-identifier): the name PostgreSQL calls
}

void _PG_init(void) {  // NOLINT(bugprone-reserved-identifier)
    cdccraft::pg::define_settings();
    MarkGUCPrefixReserved("cdccraft");
}
