// JSON text the core writes (the parameters, the canary's verdict).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cdccraft {

// v as a JSON string, appended to j: quotes and backslashes escaped, control
// characters as \u00XX; other bytes (UTF-8 or the database's encoding) as
// they are.
void append_json_string(std::string& j, std::string_view v);

// An LSN as PostgreSQL prints it: "16/B374D848".
std::string lsn_text(uint64_t lsn);

}  // namespace cdccraft
