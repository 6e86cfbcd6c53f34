#include "core/run_config.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace cdccraft {
namespace {

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

void require(bool ok, std::string_view parameter, const std::string& rule) {
    if (!ok) throw ConfigError(ConfigErrorKind::InvalidValue, std::string(parameter) + " must be " + rule);
}

void require_probability(double p, std::string_view parameter) {
    require(std::isfinite(p) && p >= 0.0 && p <= 1.0, parameter, "between 0 and 1");
}

void check_identifier(const std::string& name, std::string_view what) {
    if (name.empty()) throw ConfigError(ConfigErrorKind::InvalidName, std::string(what) + " must not be empty");
    if (name.find('\0') != std::string::npos)
        throw ConfigError(ConfigErrorKind::InvalidName, std::string(what) + " must not contain a zero byte");
    if (name.size() > kMaxIdentifierBytes)
        throw ConfigError(ConfigErrorKind::NameTooLong, std::string(what) + " " + quoted(name) + " is too long",
                          "Names are limited to " + std::to_string(kMaxIdentifierBytes) + " bytes.");
}

// PostgreSQL's rule for replication slot names.
void check_slot_name(const std::string& name, bool derived) {
    check_identifier(name, "slot_name");
    for (char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            throw ConfigError(ConfigErrorKind::InvalidName,
                              "slot_name " + quoted(name) + " contains an invalid character",
                              derived ? "The default slot name is derived from table_name; pass slot_name "
                                        "with lower case letters, digits and underscores."
                                      : "Slot names may contain only lower case letters, numbers and the "
                                        "underscore character.");
        }
    }
}

// The default slot name: the table name folded to what slot names allow.
std::string default_slot_name(const std::string& table) {
    std::string slot;
    for (unsigned char c : table) {
        if (c >= 'A' && c <= 'Z')
            slot.push_back(static_cast<char>(c - 'A' + 'a'));
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')
            slot.push_back(static_cast<char>(c));
        else
            slot.push_back('_');
    }
    return slot + "_slot";
}

std::string escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out.push_back(c);
    }
    return out;
}

std::string unescape(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) {
            ++i;
            out.push_back(s[i] == 'n' ? '\n' : s[i]);
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

// The shortest of %.15g and %.17g that reads back as the same double.
std::string format_double(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.15g", v);
    if (std::strtod(buf, nullptr) != v) std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

[[noreturn]] void malformed(std::string_view line) {
    throw ConfigError(ConfigErrorKind::InvalidValue, "malformed run configuration line: " + std::string(line));
}

int64_t parse_int(std::string_view key, const std::string& v) {
    errno = 0;
    char* end = nullptr;
    const long long n = std::strtoll(v.c_str(), &end, 10);
    if (errno != 0 || end == v.c_str() || *end != '\0') malformed(key);
    return n;
}

double parse_double(std::string_view key, const std::string& v) {
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    if (end == v.c_str() || *end != '\0') malformed(key);
    return d;
}

}  // namespace

int64_t RunConfig::planned_batches() const {
    if (total_records == 0) return 0;
    return (total_records + batch_size - 1) / batch_size;
}

std::string_view replica_identity_name(ReplicaIdentity identity) {
    return identity == ReplicaIdentity::Full ? "full" : "default";
}

ReplicaIdentity parse_replica_identity(std::string_view text) {
    if (text == "full") return ReplicaIdentity::Full;
    if (text == "default") return ReplicaIdentity::Default;
    throw ConfigError(ConfigErrorKind::InvalidValue, "replica_identity must be full or default, not " + quoted(text),
                      "full sends old rows whole to consumers; default sends only the primary key.");
}

void validate(RunConfig& c) {
    check_identifier(c.table_name, "table_name");
    check_identifier(c.schema_name, "schema_name");
    const bool derived_slot = c.slot_name.empty();
    if (c.publication_name.empty()) c.publication_name = c.table_name + "_pub";
    if (derived_slot) c.slot_name = default_slot_name(c.table_name);
    check_identifier(c.publication_name, "publication_name");
    check_slot_name(c.slot_name, derived_slot);
    check_identifier(c.slot_plugin, "slot_plugin");

    require(c.total_records >= 0, "total_records", "zero (run until stopped) or positive");
    require(c.batch_size >= 1 && c.batch_size <= 100000, "batch_size", "between 1 and 100000");
    require(c.snapshot_rows >= 0 && c.snapshot_rows <= 100000000, "snapshot_rows", "between 0 and 100000000");
    require(c.evolution_interval >= 1, "evolution_interval", "positive");
    require_probability(c.evolution_probability, "evolution_probability");
    require_probability(c.add_probability, "add_probability");
    require(c.max_additions >= 0 && c.max_additions <= 10, "max_additions",
            "between 0 and 10 (the size of the column pool)");
    require(c.max_drops >= 0 && c.max_drops <= 15, "max_drops", "between 0 and 15 (the droppable columns)");
    require_probability(c.mutation_probability, "mutation_probability");
    require_probability(c.update_probability, "update_probability");
    require(std::isfinite(c.changes_per_second) && c.changes_per_second >= 0, "changes_per_second",
            "zero (unlimited) or positive");
}

std::string to_wire(const RunConfig& c) {
    std::string w;
    auto put = [&w](std::string_view key, const std::string& value) {
        w.append(key).append("=").append(escape(value)).append("\n");
    };
    put("table_name", c.table_name);
    put("schema_name", c.schema_name);
    put("publication_name", c.publication_name);
    put("slot_name", c.slot_name);
    put("total_records", std::to_string(c.total_records));
    put("batch_size", std::to_string(c.batch_size));
    put("snapshot_rows", std::to_string(c.snapshot_rows));
    put("evolve", c.evolve ? "1" : "0");
    put("replica_identity", std::string(replica_identity_name(c.replica_identity)));
    put("create_slot", c.create_slot ? "1" : "0");
    put("slot_plugin", c.slot_plugin);
    put("seed", std::to_string(c.seed));
    put("evolution_interval", std::to_string(c.evolution_interval));
    put("evolution_probability", format_double(c.evolution_probability));
    put("add_probability", format_double(c.add_probability));
    put("max_additions", std::to_string(c.max_additions));
    put("max_drops", std::to_string(c.max_drops));
    put("mutation_probability", format_double(c.mutation_probability));
    put("update_probability", format_double(c.update_probability));
    put("changes_per_second", format_double(c.changes_per_second));
    return w;
}

std::string to_json(const RunConfig& c) {
    std::string j = "{";
    auto key = [&j](std::string_view k) {
        if (j.size() > 1) j += ", ";
        j.append("\"").append(k).append("\": ");
    };
    auto str = [&](std::string_view k, std::string_view v) {
        key(k);
        j += '"';
        for (unsigned char ch : v) {
            if (ch == '"' || ch == '\\')
                j.append("\\").push_back(static_cast<char>(ch));
            else if (ch < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", ch);
                j += buf;
            } else
                j.push_back(static_cast<char>(ch));
        }
        j += '"';
    };
    auto num = [&](std::string_view k, const std::string& v) {
        key(k);
        j += v;
    };
    auto flag = [&](std::string_view k, bool v) {
        key(k);
        j += v ? "true" : "false";
    };
    str("table_name", c.table_name);
    str("schema_name", c.schema_name);
    str("publication_name", c.publication_name);
    str("slot_name", c.slot_name);
    num("total_records", std::to_string(c.total_records));
    num("batch_size", std::to_string(c.batch_size));
    num("snapshot_rows", std::to_string(c.snapshot_rows));
    flag("evolve", c.evolve);
    str("replica_identity", replica_identity_name(c.replica_identity));
    flag("create_slot", c.create_slot);
    str("slot_plugin", c.slot_plugin);
    num("seed", std::to_string(static_cast<int64_t>(c.seed)));
    num("evolution_interval", std::to_string(c.evolution_interval));
    num("evolution_probability", format_double(c.evolution_probability));
    num("add_probability", format_double(c.add_probability));
    num("max_additions", std::to_string(c.max_additions));
    num("max_drops", std::to_string(c.max_drops));
    num("mutation_probability", format_double(c.mutation_probability));
    num("update_probability", format_double(c.update_probability));
    num("changes_per_second", format_double(c.changes_per_second));
    return j + "}";
}

RunConfig from_wire(std::string_view wire) {
    RunConfig c;
    size_t at = 0;
    while (at < wire.size()) {
        size_t eol = wire.find('\n', at);
        if (eol == std::string_view::npos) eol = wire.size();
        const std::string_view line = wire.substr(at, eol - at);
        at = eol + 1;
        const size_t eq = line.find('=');
        if (eq == std::string_view::npos) malformed(line);
        const std::string_view key = line.substr(0, eq);
        const std::string value = unescape(line.substr(eq + 1));
        if (key == "table_name")
            c.table_name = value;
        else if (key == "schema_name")
            c.schema_name = value;
        else if (key == "publication_name")
            c.publication_name = value;
        else if (key == "slot_name")
            c.slot_name = value;
        else if (key == "total_records")
            c.total_records = parse_int(key, value);
        else if (key == "batch_size")
            c.batch_size = parse_int(key, value);
        else if (key == "snapshot_rows")
            c.snapshot_rows = parse_int(key, value);
        else if (key == "evolve")
            c.evolve = value == "1";
        else if (key == "replica_identity")
            c.replica_identity = parse_replica_identity(value);
        else if (key == "create_slot")
            c.create_slot = value == "1";
        else if (key == "slot_plugin")
            c.slot_plugin = value;
        else if (key == "seed")
            c.seed = static_cast<uint64_t>(std::strtoull(value.c_str(), nullptr, 10));
        else if (key == "evolution_interval")
            c.evolution_interval = parse_int(key, value);
        else if (key == "evolution_probability")
            c.evolution_probability = parse_double(key, value);
        else if (key == "add_probability")
            c.add_probability = parse_double(key, value);
        else if (key == "max_additions")
            c.max_additions = parse_int(key, value);
        else if (key == "max_drops")
            c.max_drops = parse_int(key, value);
        else if (key == "mutation_probability")
            c.mutation_probability = parse_double(key, value);
        else if (key == "update_probability")
            c.update_probability = parse_double(key, value);
        else if (key == "changes_per_second")
            c.changes_per_second = parse_double(key, value);
        else
            malformed(line);
    }
    return c;
}

}  // namespace cdccraft
