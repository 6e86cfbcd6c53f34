// A set of named choices as bits, for the text[] parameters that name them
// (evolution_ops, update_kinds): parsed from names separated by commas, "all"
// for every one, and written back in the table's order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cdccraft {

// Throws ConfigError ("<parameter> names an unknown <noun> ...", with the
// names as its hint) for a name not in names.
uint32_t parse_name_bits(std::string_view text, const std::string_view* names, size_t count, std::string_view parameter,
                         std::string_view noun);
std::string name_bits_text(uint32_t bits, const std::string_view* names, size_t count);

}  // namespace cdccraft
