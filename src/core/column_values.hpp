// One column's generated values for a batch, stored by kind. Buffers keep
// their capacity between batches, so the hot loop does not allocate.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/column_catalog.hpp"

namespace cdccraft {

struct ColumnValues {
    ValueKind kind = ValueKind::Int4;
    std::vector<int64_t> ints;  // Int4 values; Timestamp as microseconds before the anchor
    std::vector<double> floats;
    std::vector<uint8_t> bools;
    std::string text_arena;
    std::vector<uint32_t> text_ends;  // text i is text_arena[text_ends[i-1], text_ends[i])
    // One flag per value, 1 for NULL (its value is a placeholder); empty
    // when the run makes no NULLs, as by default.
    std::vector<uint8_t> nulls;

    void reset(ValueKind k) {
        kind = k;
        ints.clear();
        floats.clear();
        bools.clear();
        text_arena.clear();
        text_ends.clear();
        nulls.clear();
    }
    size_t size() const;
    bool is_null(size_t i) const { return !nulls.empty() && nulls[i] != 0; }
    std::string_view text(size_t i) const {
        const uint32_t begin = i == 0 ? 0 : text_ends[i - 1];
        return std::string_view(text_arena.data() + begin, text_ends[i] - begin);
    }
};

class NameSpellings;
class RandomSource;

// Appends n values of the column's generator to out (out.kind must match).
// Names are drawn by index and written as names spells them. A nullable
// column's value is NULL with probability null_fraction, drawn before the
// value (which is then not drawn); with 0 nothing is drawn for it, so the
// values are those of a run that makes no NULLs.
void generate_values(const ColumnSpec& column, size_t n, double null_fraction, RandomSource& rng,
                     const NameSpellings& names, ColumnValues& out);

}  // namespace cdccraft
