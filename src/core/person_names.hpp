// Embedded lists of real given names and surnames for customer_name.
#pragma once

#include <cstddef>
#include <string_view>

namespace cdccraft {

extern const std::string_view kGivenNames[];
extern const size_t kGivenNameCount;
extern const std::string_view kSurnames[];
extern const size_t kSurnameCount;

// How the pool entries ASCII folding cannot spell are written in ASCII: the
// names in scripts without Latin letters, and one with an emoji.
struct Romanization {
    std::string_view name;
    std::string_view ascii;
};
extern const Romanization kRomanizations[];
extern const size_t kRomanizationCount;

}  // namespace cdccraft
