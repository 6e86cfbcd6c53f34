#include "core/name_set.hpp"

#include "core/run_config.hpp"

namespace cdccraft {

uint32_t parse_name_bits(std::string_view text, const std::string_view* names, size_t count, std::string_view parameter,
                         std::string_view noun) {
    uint32_t bits = 0;
    if (text.empty()) return bits;
    // Every piece between commas is a name: "add," names "" as well.
    for (size_t at = 0; at <= text.size();) {
        size_t end = text.find(',', at);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view name = text.substr(at, end - at);
        at = end + 1;
        if (name == "all") {
            bits = (uint32_t{1} << count) - 1;
            continue;
        }
        size_t i = 0;
        while (i < count && names[i] != name) ++i;
        if (i == count) {
            std::string hint = "The " + std::string(noun) + "s are all";
            for (size_t n = 0; n < count; ++n) hint.append(", ").append(names[n]);
            throw ConfigError(
                ConfigErrorKind::InvalidValue,
                std::string(parameter) + " names an unknown " + std::string(noun) + " \"" + std::string(name) + "\"",
                hint + ".");
        }
        bits |= uint32_t{1} << i;
    }
    return bits;
}

std::string name_bits_text(uint32_t bits, const std::string_view* names, size_t count) {
    std::string text;
    for (size_t i = 0; i < count; ++i)
        if ((bits & (uint32_t{1} << i)) != 0) text.append(text.empty() ? "" : ",").append(names[i]);
    return text;
}

}  // namespace cdccraft
