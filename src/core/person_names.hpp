// Embedded lists of real given names and surnames for customer_name.
#pragma once

#include <cstddef>
#include <string_view>

namespace cdccraft {

extern const std::string_view kGivenNames[];
extern const size_t kGivenNameCount;
extern const std::string_view kSurnames[];
extern const size_t kSurnameCount;

}  // namespace cdccraft
