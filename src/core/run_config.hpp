// A run's parameters (RunConfig, declared by the table in
// run_parameters.hpp), their validation, and the text form in which they
// travel to the worker and are kept in the run catalog.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/run_parameters.hpp"

namespace cdccraft {

enum class ConfigErrorKind { InvalidValue, InvalidName, NameTooLong };

class ConfigError : public std::runtime_error {
public:
    ConfigError(ConfigErrorKind kind, std::string message, std::string hint = {})
        : std::runtime_error(std::move(message)), kind_(kind), hint_(std::move(hint)) {}
    ConfigErrorKind kind() const { return kind_; }
    const std::string& hint() const { return hint_; }

private:
    ConfigErrorKind kind_;
    std::string hint_;
};

// Identifiers are limited to NAMEDATALEN - 1 bytes; the PostgreSQL side
// asserts that this matches the server it is built for.
inline constexpr size_t kMaxIdentifierBytes = 63;

// Fills in derived names, then checks every parameter: the table's name and
// range checks, in its order, and the rules that join two parameters.
// Throws ConfigError.
void validate(RunConfig& config);

std::string_view replica_identity_name(ReplicaIdentity identity);
ReplicaIdentity parse_replica_identity(std::string_view text);  // throws ConfigError
std::string_view key_order_name(KeyOrder order);
KeyOrder parse_key_order(std::string_view text);  // throws ConfigError
std::string_view column_profile_name(ColumnProfile profile);
ColumnProfile parse_column_profile(std::string_view text);  // throws ConfigError
std::string_view partitioning_name(Partitioning partitioning);
Partitioning parse_partitioning(std::string_view text);  // throws ConfigError
std::string_view insert_method_name(InsertMethod method);
InsertMethod parse_insert_method(std::string_view text);  // throws ConfigError
// The longest table_name a partitioned run may have: its partitions are
// named <table>_p<n>.
inline constexpr size_t kMaxPartitionedTableNameBytes = 51;

std::string to_wire(const RunConfig& config);
// The parameters as a flat JSON object, for the run catalog and summaries.
std::string to_json(const RunConfig& config);
RunConfig from_wire(std::string_view wire);  // throws ConfigError on malformed text
// The parameters JSON back (as to_json wrote it, or as jsonb prints it: any
// key order, spacing and string escapes); absent parameters take their
// defaults. Throws ConfigError on anything else.
RunConfig from_json(std::string_view json);

}  // namespace cdccraft
