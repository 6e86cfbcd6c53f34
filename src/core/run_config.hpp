// A run's parameters, their validation, and the text form in which they
// travel to the worker and are kept in the run catalog.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/key_codec.hpp"

namespace cdccraft {

enum class ReplicaIdentity : uint8_t { Full, Default };

struct RunConfig {
    std::string table_name = "sales";
    std::string schema_name = "public";
    std::string publication_name;     // empty: <table>_pub
    std::string slot_name;            // empty: <table>_slot
    int64_t total_records = 1000000;  // 0: until stopped
    int64_t batch_size = 500;
    int64_t snapshot_rows = 1000;
    bool evolve = true;
    ReplicaIdentity replica_identity = ReplicaIdentity::Full;
    KeyOrder key_order = KeyOrder::Random;
    bool create_slot = true;
    std::string slot_plugin = "pgoutput";  // the slot's logical decoding output plugin
    uint64_t seed = 0;
    int64_t evolution_interval = 25;
    double evolution_probability = 0.2;
    double add_probability = 0.7;
    int64_t max_additions = 7;
    int64_t max_drops = 3;
    double mutation_probability = 0.5;
    double update_probability = 0.5;  // of a mutation being an update rather than a delete
    double changes_per_second = 0;    // 0: as fast as the server allows
    int64_t max_slot_lag = 0;         // bytes the slot may fall behind before the run pauses; 0: no bound
    // The longest the worker waits for any lock, in ms: the caller's
    // cdccraft.lock_timeout, carried here so that the run uses what its
    // caller had set, not what the worker's own session would read.
    int64_t lock_timeout_ms = 10000;
};

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

// The most rows a run inserts (snapshot included). Far beyond any practical
// run, and well inside what keys can encode (time-ordered keys' 48-bit clock
// wraps near 2^60 rows).
inline constexpr int64_t kMaxRunRows = int64_t{1} << 40;

// Checks every parameter and fills in derived names. Throws ConfigError.
void validate(RunConfig& config);

std::string_view replica_identity_name(ReplicaIdentity identity);
ReplicaIdentity parse_replica_identity(std::string_view text);  // throws ConfigError
std::string_view key_order_name(KeyOrder order);
KeyOrder parse_key_order(std::string_view text);  // throws ConfigError

std::string to_wire(const RunConfig& config);
// The parameters as a flat JSON object, for the run catalog and summaries.
std::string to_json(const RunConfig& config);
RunConfig from_wire(std::string_view wire);  // throws ConfigError on malformed text

}  // namespace cdccraft
