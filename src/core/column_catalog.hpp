// Every column a simulated table can have: the original's base columns and
// its pool of optional columns that schema evolution adds and drops.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/typed_values.hpp"

namespace cdccraft {

// Typed: column_profile => 'all_types', a value as text in its type's input
// syntax (core/typed_values).
enum class ValueKind : uint8_t { Uuid, Text, Int4, Float8, Bool, Timestamp, Typed };

enum class Generator : uint8_t {
    Key,            // the primary key, from KeyCodec
    ServerDefault,  // filled by the column's DEFAULT (created_at, updated_at)
    PersonName,
    ItemId,
    Quantity,
    TotalAmount,
    PastTimestamp,  // microseconds before the run's anchor time, within 2 years
    PromoCode,
    DiscountRate,
    Flag,
    Choice,
    TaxAmount,
    Typed,  // by the column's TypedKind
};

struct ColumnSpec {
    std::string_view name;
    std::string_view sql_type;  // as written in CREATE/ALTER TABLE
    ValueKind kind;
    Generator generator;
    bool is_protected;  // never dropped, never set by an update
    bool is_optional;   // belongs to the evolution pool
    bool not_null;
    const std::string_view* choices;
    size_t choice_count;
    TypedKind typed = TypedKind::None;
};

using ColumnId = uint8_t;

inline constexpr size_t kBaseColumnCount = 8;
inline constexpr size_t kPoolColumnCount = 10;
// The columns column_profile => 'all_types' adds after the base columns.
inline constexpr size_t kTypedColumnCount = 32;
inline constexpr size_t kColumnCount = kBaseColumnCount + kPoolColumnCount + kTypedColumnCount;
inline constexpr size_t kFirstTypedColumn = kBaseColumnCount + kPoolColumnCount;

const ColumnSpec& column_spec(ColumnId id);

}  // namespace cdccraft
