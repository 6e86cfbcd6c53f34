// A set of named choices as bits, for the text[] parameters that name them
// (evolution_ops, update_kinds): parsed from names separated by commas, "all"
// for every one, and written back in the table's order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace cdccraft {

// A set of the Count choices of enum Choice (0 .. Count - 1), as bits.
template <typename Choice, size_t Count>
class ChoiceSet {
public:
    static_assert(Count <= 32, "a ChoiceSet holds at most 32 choices");
    constexpr ChoiceSet() = default;
    static constexpr ChoiceSet of(std::initializer_list<Choice> choices) {
        ChoiceSet set;
        for (Choice c : choices) set.bits_ |= bit(c);
        return set;
    }
    static constexpr ChoiceSet all() { return from_bits(Count == 32 ? ~uint32_t{0} : (uint32_t{1} << Count) - 1); }
    static constexpr ChoiceSet from_bits(uint32_t bits) {
        ChoiceSet set;
        set.bits_ = bits;
        return set;
    }
    constexpr uint32_t bits() const { return bits_; }
    constexpr bool has(Choice c) const { return (bits_ & bit(c)) != 0; }
    constexpr bool empty() const { return bits_ == 0; }
    constexpr bool operator==(const ChoiceSet& other) const { return bits_ == other.bits_; }
    constexpr ChoiceSet operator|(ChoiceSet other) const { return from_bits(bits_ | other.bits_); }
    // The choices in the set, in the enum's order; returns how many.
    size_t list(Choice* out) const {
        size_t n = 0;
        for (size_t i = 0; i < Count; ++i)
            if (has(static_cast<Choice>(i))) out[n++] = static_cast<Choice>(i);
        return n;
    }

private:
    static constexpr uint32_t bit(Choice c) { return uint32_t{1} << static_cast<unsigned>(c); }
    uint32_t bits_ = 0;
};

// Throws ConfigError ("<parameter> names an unknown <noun> ...", with the
// names as its hint) for a name not in names.
uint32_t parse_name_bits(std::string_view text, const std::string_view* names, size_t count, std::string_view parameter,
                         std::string_view noun);
std::string name_bits_text(uint32_t bits, const std::string_view* names, size_t count);

}  // namespace cdccraft
