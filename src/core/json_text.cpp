#include "core/json_text.hpp"

#include <cstdio>

namespace cdccraft {

void append_json_string(std::string& j, std::string_view v) {
    j += '"';
    for (unsigned char ch : v) {
        if (ch == '"' || ch == '\\') {
            j += '\\';
            j += static_cast<char>(ch);
        } else if (ch < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", ch);
            j += buf;
        } else {
            j += static_cast<char>(ch);
        }
    }
    j += '"';
}

std::string lsn_text(uint64_t lsn) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(lsn >> 32), static_cast<unsigned>(lsn));
    return buf;
}

}  // namespace cdccraft
