// The shapes an update may take (update_kinds). Each updated row takes one
// of the kinds enabled, drawn uniformly when there are several.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cdccraft {

// clang-format off
#define CDCCRAFT_UPDATE_KINDS(X)                                                                       \
    X(Column, column, "set one column to a new value (and updated_at to now())")                       \
    X(Columns, columns, "set several columns at once (and updated_at), in one UPDATE of the row")      \
    X(SameValue, same_value, "set a column to the value it has, nothing else: a row changed in nothing") \
    X(Key, key, "change the primary key (and updated_at): the row moves to a new key")
// clang-format on

enum class UpdateKind : uint8_t {
#define CDCCRAFT_UPDATE_KIND_ENUM(id, ...) id,
    CDCCRAFT_UPDATE_KINDS(CDCCRAFT_UPDATE_KIND_ENUM)
#undef CDCCRAFT_UPDATE_KIND_ENUM
};

inline constexpr size_t kUpdateKindCount = 0
#define CDCCRAFT_UPDATE_KIND_COUNT(...) +1
    CDCCRAFT_UPDATE_KINDS(CDCCRAFT_UPDATE_KIND_COUNT)
#undef CDCCRAFT_UPDATE_KIND_COUNT
    ;

std::string_view update_kind_name(UpdateKind kind);
std::string_view update_kind_description(UpdateKind kind);

class UpdateKinds {
public:
    constexpr UpdateKinds() = default;
    static constexpr UpdateKinds from_bits(uint32_t bits) {
        UpdateKinds set;
        set.bits_ = bits;
        return set;
    }
    constexpr uint32_t bits() const { return bits_; }
    constexpr bool has(UpdateKind kind) const { return (bits_ & bit(kind)) != 0; }
    constexpr bool empty() const { return bits_ == 0; }
    constexpr bool operator==(const UpdateKinds& other) const { return bits_ == other.bits_; }
    // The enabled kinds, in the table's order; n is how many.
    size_t list(UpdateKind* out) const {
        size_t n = 0;
        for (size_t i = 0; i < kUpdateKindCount; ++i)
            if (has(static_cast<UpdateKind>(i))) out[n++] = static_cast<UpdateKind>(i);
        return n;
    }

private:
    static constexpr uint32_t bit(UpdateKind kind) { return uint32_t{1} << static_cast<unsigned>(kind); }
    uint32_t bits_ = 0;
};

inline constexpr UpdateKinds kColumnUpdates = UpdateKinds::from_bits(1);

std::string update_kinds_text(UpdateKinds kinds);
// Names separated by commas, "all" for every one. Throws ConfigError.
UpdateKinds parse_update_kinds(std::string_view text);

}  // namespace cdccraft
