// The shapes an update may take (update_kinds). Each updated row takes one
// of the kinds enabled, drawn uniformly when there are several.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/name_set.hpp"

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

using UpdateKinds = ChoiceSet<UpdateKind, kUpdateKindCount>;

inline constexpr UpdateKinds kColumnUpdates = UpdateKinds::of({UpdateKind::Column});

std::string update_kinds_text(UpdateKinds kinds);
// Names separated by commas, "all" for every one. Throws ConfigError.
UpdateKinds parse_update_kinds(std::string_view text);

}  // namespace cdccraft
