// The schema operations a run may make (evolution_ops), by family. A set of
// them travels as its names, comma-separated, in the table's order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/name_set.hpp"

namespace cdccraft {

// clang-format off
#define CDCCRAFT_EVOLUTION_OPS(X)                                                                      \
    X(Add, add, true, "add a nullable column")                                                          \
    X(AddDefault, add_default, true, "add a column with a constant DEFAULT, which existing rows take")  \
    X(AddNotNull, add_not_null, true, "add a NOT NULL column with a constant DEFAULT")                  \
    X(AddVolatileDefault, add_volatile_default, true,                                                   \
      "add a column with a volatile DEFAULT, which rewrites the table")                                 \
    X(AddCaseVariant, add_case_variant, true,                                                           \
      "add duration, then \"Duration\", a name that differs from it only by case")                      \
    X(AddQuotedName, add_quoted_name, true, "add a column whose name begins and ends with a double quote") \
    X(Drop, drop, false, "drop a column")                                                               \
    X(Rename, rename, false, "rename a column")                                                         \
    X(Widen, widen, false,                                                                              \
      "widen a type (integer to bigint, varchar(40) to varchar(80), numeric(12,2) to numeric(16,2)), "  \
      "then use the wider range")                                                                       \
    X(SetNotNull, set_not_null, false, "set NOT NULL on a column that holds no NULL")                   \
    X(DropNotNull, drop_not_null, false, "drop NOT NULL")                                               \
    X(SetDefault, set_default, false, "set a column's DEFAULT")                                         \
    X(DropDefault, drop_default, false, "drop a column's DEFAULT")                                      \
    X(ReplicaIdentity, replica_identity, false,                                                         \
      "switch REPLICA IDENTITY among FULL, DEFAULT and USING INDEX (the primary key's)")                \
    X(Truncate, truncate, false, "TRUNCATE the table")                                                  \
    X(EnumValue, enum_value, false, "add a value to the run's enum type (all_types), used from the next batch on")
// clang-format on

enum class EvolutionOp : uint8_t {
#define CDCCRAFT_EVOLUTION_OP_ENUM(id, ...) id,
    CDCCRAFT_EVOLUTION_OPS(CDCCRAFT_EVOLUTION_OP_ENUM)
#undef CDCCRAFT_EVOLUTION_OP_ENUM
};

inline constexpr size_t kEvolutionOpCount = 0
#define CDCCRAFT_EVOLUTION_OP_COUNT(...) +1
    CDCCRAFT_EVOLUTION_OPS(CDCCRAFT_EVOLUTION_OP_COUNT)
#undef CDCCRAFT_EVOLUTION_OP_COUNT
    ;

std::string_view evolution_op_name(EvolutionOp op);
// The families that add a column: add_probability chooses between them
// and the others, and max_additions bounds them.
bool adds_column(EvolutionOp op);
std::string_view evolution_op_description(EvolutionOp op);

using EvolutionOps = ChoiceSet<EvolutionOp, kEvolutionOpCount>;

inline constexpr EvolutionOps kOriginalEvolutionOps = EvolutionOps::of({EvolutionOp::Add, EvolutionOp::Drop});

// "add,drop": the names in the table's order.
std::string evolution_ops_text(EvolutionOps ops);
// Names separated by commas, "all" for every one; an empty text is the
// empty set. Throws ConfigError for an unknown name.
EvolutionOps parse_evolution_ops(std::string_view text);

}  // namespace cdccraft
