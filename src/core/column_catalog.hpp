// Every column a simulated table can have: the original's base columns and
// its pool of optional columns that schema evolution adds and drops.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
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
inline constexpr size_t kTypedColumnCount = 35;
inline constexpr size_t kFirstTypedColumn = kBaseColumnCount + kPoolColumnCount;
// The columns whose names are the hazard (evolution_ops add_case_variant
// and add_quoted_name): duration, "Duration", and "note" with its quotes.
inline constexpr ColumnId kDurationColumn = kFirstTypedColumn + kTypedColumnCount;
inline constexpr ColumnId kDurationCaseColumn = kDurationColumn + 1;
inline constexpr ColumnId kQuotedNameColumn = kDurationColumn + 2;
inline constexpr size_t kColumnCount = kQuotedNameColumn + 1;

const ColumnSpec& column_spec(ColumnId id);

// The labels of the run's enum type: the first kInitialEnumLabels it is
// created with, the rest added by evolution_ops enum_value, in order.
inline constexpr size_t kInitialEnumLabels = 5;
inline constexpr size_t kEnumLabelCount = 8;
std::string_view enum_label(size_t i);
// The base type of the run's domain: what its values print as.
inline constexpr std::string_view kRatingBaseType = "pg_catalog.numeric(3,1)";
// What the run's types are named after its table: <table>_status (the
// enum), <table>_rating (the domain).
inline constexpr std::string_view kEnumTypeSuffix = "_status";
inline constexpr std::string_view kDomainTypeSuffix = "_rating";

// A column's name once evolution_ops rename renamed it: <name>_renamed.
std::string_view renamed_column_name(ColumnId id);

// What evolution_ops widen makes of a typed column (as the catalog has
// it): the wider type, and the kind whose values then use its range. Null
// when the type is not widened. A timestamp becomes a timestamptz of its
// precision, each value read as UTC (using_utc: the statement says so).
struct Widening {
    TypedKind kind;
    std::string_view sql_type;
    bool using_utc = false;
};
const Widening* widening_of(const ColumnSpec& spec);

// A constant DEFAULT for the column (set_default, add_default,
// add_not_null), as SQL, and as its type prints it: the value the rows
// existing when a column is added with it take. Empty for a column that
// takes none (the typed ones).
struct DefaultValue {
    std::string sql;
    std::string text;
};
DefaultValue default_value_of(const ColumnSpec& spec);

}  // namespace cdccraft
