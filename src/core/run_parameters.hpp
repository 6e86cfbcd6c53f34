// The start parameters, declared once. Each line is one parameter:
//
//   X(name, C++ type, C++ default, SQL type, SQL default, check, min, max,
//     rule, setting, description)
//
// From this table follow RunConfig (its members), cdccraft_start's argument
// parsing (in argument order), the wire text the worker receives, the
// parameters JSON of the catalog and the summary, the range and name checks
// of validate(), and cdccraft.start_parameters(), which a regression test
// holds against the installed SQL signature of cdccraft_start. Adding a
// parameter is one line here, its argument in the SQL signature (the test
// fails until the two agree), and its use.
//
// SQL type None: not an argument, set from its setting only. SQL default as
// pg_get_function_arguments() prints it; a NULL default means "derive it"
// (the names), "pick one" (the seed) or "take the setting". The setting is
// the cdccraft.* GUC read in the calling session for a NULL argument. min,
// max and rule ("<name> must be <rule>") apply to Check::Range.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "core/evolution_ops.hpp"
#include "core/key_codec.hpp"
#include "core/update_kinds.hpp"

namespace cdccraft {

// KeyIndex: USING INDEX, the primary key's index.
enum class ReplicaIdentity : uint8_t { Full, Default, KeyIndex };
// basic: the original's table; all_types: a column of every type consumers
// decode differently besides (core/typed_values).
enum class ColumnProfile : uint8_t { Basic, AllTypes };
// none: a plain table; range: partitioned by range of created_at, the newest
// partition split off every partition_every batches.
enum class Partitioning : uint8_t { None, Range };
// copy: a batch's rows through COPY FROM (the server's multi-insert: many rows
// to a WAL record, sharing its position), binary where the core writes every
// value's bytes; insert: INSERT ... SELECT, a WAL record a row.
enum class InsertMethod : uint8_t { Copy, Insert };

// The most rows a run inserts (snapshot included). Far beyond any practical
// run, and well inside what keys can encode (time-ordered keys' 48-bit clock
// wraps near 2^60 rows).
inline constexpr int64_t kMaxRunRows = int64_t{1} << 40;
inline constexpr double kUnbounded = std::numeric_limits<double>::infinity();
// The most writers a run may have (each is a background worker).
inline constexpr int64_t kMaxWriters = 16;

// clang-format off
#define CDCCRAFT_PARAMETERS(X)                                                                                      \
    X(table_name, std::string, "sales", Text, "'sales'::text", Identifier, 0, 0, "", "",                           \
      "the table to create; it must not exist")                                                                   \
    X(schema_name, std::string, "public", Text, "'public'::text", Identifier, 0, 0, "", "",                        \
      "the table's schema, created if missing")                                                                   \
    X(total_records, int64_t, 1000000, Bigint, "1000000", Range, 0, kMaxRunRows,                                   \
      "zero (run until stopped) or positive, up to 2^40", "",                                                     \
      "rows to insert after the snapshot; 0 runs until stopped")                                                  \
    X(batch_size, int64_t, 500, Integer, "500", Range, 1, 100000, "between 1 and 100000", "",                      \
      "rows inserted per batch; each batch is one transaction")                                                   \
    X(snapshot_rows, int64_t, 1000, Integer, "1000", Range, 0, 100000000, "between 0 and 100000000", "",           \
      "rows inserted before the slot exists")                                                                     \
    X(evolve, bool, true, Boolean, "true", None, 0, 0, "", "", "add and drop columns as the run goes")             \
    X(replica_identity, ReplicaIdentity, ReplicaIdentity::Full, Text, "'full'::text", None, 0, 0, "", "",          \
      "full (old rows whole), default (primary key only) or index (USING INDEX, the primary key's)")                                                      \
    X(publication_name, std::string, "", Text, "NULL::text", Identifier, 0, 0, "", "",                             \
      "the publication to create; NULL means <table>_pub")                                                        \
    X(slot_name, std::string, "", Text, "NULL::text", SlotName, 0, 0, "", "",                                      \
      "the slot to create; NULL means <table>_slot, folded to a valid slot name")                                 \
    X(create_slot, bool, true, Boolean, "true", None, 0, 0, "", "", "false creates no slot (bring your own)")      \
    X(seed, uint64_t, 0, Bigint, "NULL::bigint", None, 0, 0, "", "",                                              \
      "the seed that replays the run; NULL picks one at random")                                                  \
    X(evolution_interval, int64_t, 25, Integer, "25", Range, 1, INT32_MAX, "positive", "",                         \
      "every n-th batch may change the schema")                                                                   \
    X(evolution_probability, double, 0.2, DoublePrecision, "0.2", Range, 0, 1, "between 0 and 1", "",              \
      "the chance that such a batch changes the schema")                                                          \
    X(add_probability, double, 0.7, DoublePrecision, "0.7", Range, 0, 1, "between 0 and 1", "",                    \
      "the chance that a schema change adds a column rather than drops one")                                      \
    X(max_additions, int64_t, 7, Integer, "7", Range, 0, 10, "between 0 and 10 (the size of the column pool)", "", \
      "at most this many columns added")                                                                          \
    X(max_drops, int64_t, 3, Integer, "3", Range, 0, 15, "between 0 and 15 (the droppable columns)", "",           \
      "at most this many columns dropped")                                                                        \
    X(mutation_probability, double, 0.5, DoublePrecision, "0.5", Range, 0, 1, "between 0 and 1", "",               \
      "the chance that a batch also updates or deletes 1 .. batch_size/2 existing rows")                          \
    X(update_probability, double, 0.5, DoublePrecision, "0.5", Range, 0, 1, "between 0 and 1", "",                 \
      "the chance that such a mutation is an update rather than a delete")                                        \
    X(changes_per_second, double, 0, DoublePrecision, "0", Range, 0, kUnbounded,                                   \
      "zero (unlimited) or positive", "", "pace the run to this many row changes per second; 0 is unpaced")       \
    X(slot_plugin, std::string, "pgoutput", Text, "'pgoutput'::text", Identifier, 0, 0, "", "",                    \
      "the slot's output plugin")                                                                                 \
    X(max_slot_lag, int64_t, 0, Bigint, "NULL::bigint", Range, 0, kUnbounded,                                      \
      "zero (no bound) or a positive number of bytes", "cdccraft.max_slot_lag",                                   \
      "pause while the slot is more than this many bytes behind; 0 is no bound")                                  \
    X(key_order, KeyOrder, KeyOrder::Random, Text, "'random'::text", None, 0, 0, "", "",                           \
      "random (UUIDv4-like keys) or time (UUIDv7-like keys that sort in insert order)")                           \
    X(verify, bool, false, Boolean, "false", None, 0, 0, "", "",                                                   \
      "keep a private pgoutput canary slot beside the run's, for cdccraft_verify")                                \
    X(null_fraction, double, 0, DoublePrecision, "0", Range, 0, 1, "between 0 and 1", "",                          \
      "NULLs at this rate in every nullable column, inserts and updates alike")                                   \
    X(column_profile, ColumnProfile, ColumnProfile::Basic, Text, "'basic'::text", None, 0, 0, "", "",               \
      "basic (the original's table) or all_types (a column of every type consumers decode differently besides)")   \
    X(evolution_ops, EvolutionOps, kOriginalEvolutionOps, TextArray, "'{add,drop}'::text[]", None, 0, 0, "", "",   \
      "the schema operations evolution may make; {all} for every one")                                            \
    X(rollback_fraction, double, 0, DoublePrecision, "0", Range, 0, 1, "between 0 and 1", "",                      \
      "the chance that a batch is written whole, then rolled back: nothing of it reaches consumers or the truth")  \
    X(savepoint_fraction, double, 0, DoublePrecision, "0", Range, 0, 1, "between 0 and 1", "",                     \
      "the chance that a batch also deletes rows inside a savepoint it rolls back: they stay, in the truth too")   \
    X(emit_messages, bool, false, Boolean, "false", None, 0, 0, "", "",                                            \
      "end each batch with a transactional logical decoding message (prefix cdccraft), a watermark")              \
    X(huge_every, int64_t, 0, Integer, "0", Range, 0, INT32_MAX, "zero (never) or positive", "",                   \
      "every n-th batch inserts huge_rows rows, not batch_size: a transaction the server spills or streams")     \
    X(huge_rows, int64_t, 200000, Integer, "200000", Range, 1, 10000000, "between 1 and 10000000", "",             \
      "the rows a huge batch inserts")                                                                            \
    X(updates_per_batch, std::optional<int64_t>, std::nullopt, Integer, "NULL::integer", Range, 0, 100000,           \
      "NULL or between 0 and 100000", "",                                                                         \
      "every batch updates exactly this many rows (and deletes deletes_per_batch); NULL: mutation_probability")    \
    X(deletes_per_batch, std::optional<int64_t>, std::nullopt, Integer, "NULL::integer", Range, 0, 100000,           \
      "NULL or between 0 and 100000", "",                                                                         \
      "every batch deletes exactly this many rows (and updates updates_per_batch); NULL: mutation_probability")    \
    X(update_kinds, UpdateKinds, kColumnUpdates, TextArray, "'{column}'::text[]", None, 0, 0, "", "",                \
      "the shapes an update takes: column, columns, same_value, key; {all} for every one")                      \
    X(writers, int64_t, 1, Integer, "1", Range, 1, kMaxWriters, "between 1 and 16", "",                             \
      "backends that write the run at once, their transactions interleaving; evolve must be false with more than one") \
    X(prepare_fraction, double, 0, DoublePrecision, "0", Range, 0, 1, "between 0 and 1", "",                       \
      "the chance that a batch is PREPAREd, then COMMIT PREPARED (ROLLBACK PREPARED when it is rolled back)")      \
    X(two_phase, bool, false, Boolean, "false", None, 0, 0, "", "",                                                \
      "create the run's slot with two_phase: prepared batches decode at PREPARE")                                \
    X(partitioning, Partitioning, Partitioning::None, Text, "'none'::text", None, 0, 0, "", "",                     \
      "none, or range: partitioned by range of created_at, the newest partition split off as the run goes")       \
    X(partition_every, int64_t, 10, Integer, "10", Range, 1, INT32_MAX, "positive", "",                             \
      "with partitioning range, every n-th batch detaches the newest partition, attaches it back bounded, "       \
      "and creates the next")                                                                                    \
    X(publish_via_partition_root, bool, false, Boolean, "false", None, 0, 0, "", "",                               \
      "the publication's publish_via_partition_root: changes as the root table's, not each partition's")         \
    X(nontransactional_messages, bool, false, Boolean, "false", None, 0, 0, "", "",                                \
      "begin each batch with a non-transactional logical decoding message: decoded at once, rolled back or not")  \
    X(lock_timeout_ms, int64_t, 10000, None, "", Range, 1, INT32_MAX, "between 1 and 2147483647 milliseconds",     \
      "cdccraft.lock_timeout", "the longest the worker waits for any lock, in milliseconds")                      \
    X(insert_method, InsertMethod, InsertMethod::Copy, Text, "NULL::text", None, 0, 0, "", "cdccraft.insert_method", \
      "copy: a batch's rows through COPY FROM, many rows to a WAL record; insert: INSERT ... SELECT, one a row; "  \
      "NULL: cdccraft.insert_method")
// clang-format on

enum class SqlType : uint8_t { None, Text, Bigint, Integer, Boolean, DoublePrecision, TextArray };
enum class Check : uint8_t { None, Identifier, SlotName, Range };

struct ParameterSpec {
    std::string_view name;
    SqlType sql_type;
    std::string_view sql_default;
    Check check;
    double min;
    double max;
    std::string_view rule;
    std::string_view setting;
    std::string_view description;
};

#define CDCCRAFT_PARAMETER_SPEC(name, cpp_type, cpp_default, sql_type, sql_default, check, min, max, rule, setting, \
                                description)                                                                        \
    ParameterSpec{                                                                                                  \
        #name, SqlType::sql_type, sql_default, Check::check, static_cast<double>(min), static_cast<double>(max),    \
        rule,  setting,           description},
inline constexpr ParameterSpec kParameters[] = {CDCCRAFT_PARAMETERS(CDCCRAFT_PARAMETER_SPEC)};
#undef CDCCRAFT_PARAMETER_SPEC
inline constexpr size_t kParameterCount = sizeof(kParameters) / sizeof(kParameters[0]);

// A parameter's position in kParameters.
enum class Parameter : size_t {
#define CDCCRAFT_PARAMETER_ENUM(name, ...) name,
    CDCCRAFT_PARAMETERS(CDCCRAFT_PARAMETER_ENUM)
#undef CDCCRAFT_PARAMETER_ENUM
};
inline constexpr const ParameterSpec& spec_of(Parameter p) { return kParameters[static_cast<size_t>(p)]; }

struct RunConfig {
#define CDCCRAFT_PARAMETER_MEMBER(name, cpp_type, cpp_default, ...) cpp_type name = cpp_default;
    CDCCRAFT_PARAMETERS(CDCCRAFT_PARAMETER_MEMBER)
#undef CDCCRAFT_PARAMETER_MEMBER
};

// Calls visit(spec, member) for every parameter, in kParameters' order.
template <typename Config, typename Visitor>
void visit_parameters(Config& config, Visitor&& visit) {
#define CDCCRAFT_PARAMETER_VISIT(name, ...) visit(spec_of(Parameter::name), config.name);
    CDCCRAFT_PARAMETERS(CDCCRAFT_PARAMETER_VISIT)
#undef CDCCRAFT_PARAMETER_VISIT
}

// The SQL name of a parameter's type ("" for SqlType::None).
std::string_view sql_type_name(SqlType type);

}  // namespace cdccraft
