// The cdccraft.* settings (settings.cpp).
#pragma once

#include "pg/postgres_api.hpp"

namespace cdccraft::pg {

// Defines every cdccraft.* setting; _PG_init calls it.
void define_settings();

// cdccraft.lock_timeout, in milliseconds, as the calling session has it;
// cdccraft_start carries it in the run's configuration.
int lock_timeout_setting_ms();
// cdccraft.max_slot_lag, in bytes: the default bound of a run's slot lag.
int64 max_slot_lag_bytes();
// cdccraft.insert_method (copy or insert), as the calling session has it.
const char* insert_method_setting();

}  // namespace cdccraft::pg
