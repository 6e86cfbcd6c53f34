#include "core/run_config.hpp"

#include "core/column_catalog.hpp"
#include "core/json_text.hpp"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>

namespace cdccraft {
namespace {

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

void require(bool ok, std::string_view parameter, const std::string& rule) {
    if (!ok) throw ConfigError(ConfigErrorKind::InvalidValue, std::string(parameter) + " must be " + rule);
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

std::string_view replica_identity_name(ReplicaIdentity identity) {
    switch (identity) {
        case ReplicaIdentity::Full: return "full";
        case ReplicaIdentity::Default: return "default";
        case ReplicaIdentity::KeyIndex: return "index";
    }
    return "";
}

ReplicaIdentity parse_replica_identity(std::string_view text) {
    if (text == "full") return ReplicaIdentity::Full;
    if (text == "default") return ReplicaIdentity::Default;
    if (text == "index") return ReplicaIdentity::KeyIndex;
    throw ConfigError(ConfigErrorKind::InvalidValue,
                      "replica_identity must be full, default or index, not " + quoted(text),
                      "full sends old rows whole to consumers; default sends only the primary key, and index the "
                      "same, as REPLICA IDENTITY USING INDEX on the primary key's index.");
}

std::string_view key_order_name(KeyOrder order) { return order == KeyOrder::Time ? "time" : "random"; }

std::string_view column_profile_name(ColumnProfile profile) {
    return profile == ColumnProfile::AllTypes ? "all_types" : "basic";
}

ColumnProfile parse_column_profile(std::string_view text) {
    if (text == "basic") return ColumnProfile::Basic;
    if (text == "all_types") return ColumnProfile::AllTypes;
    throw ConfigError(ConfigErrorKind::InvalidValue, "column_profile must be basic or all_types, not " + quoted(text),
                      "all_types adds a column of every type consumers decode differently to the original's table.");
}

std::string_view partitioning_name(Partitioning partitioning) {
    return partitioning == Partitioning::Range ? "range" : "none";
}

Partitioning parse_partitioning(std::string_view text) {
    if (text == "none") return Partitioning::None;
    if (text == "range") return Partitioning::Range;
    throw ConfigError(ConfigErrorKind::InvalidValue, "partitioning must be none or range, not " + quoted(text),
                      "range partitions the table by range of created_at.");
}

std::string_view insert_method_name(InsertMethod method) { return method == InsertMethod::Copy ? "copy" : "insert"; }

InsertMethod parse_insert_method(std::string_view text) {
    if (text == "copy") return InsertMethod::Copy;
    if (text == "insert") return InsertMethod::Insert;
    throw ConfigError(ConfigErrorKind::InvalidValue, "insert_method must be copy or insert, not " + quoted(text),
                      "copy writes a batch's rows through COPY FROM; insert through INSERT ... SELECT.");
}

KeyOrder parse_key_order(std::string_view text) {
    if (text == "random") return KeyOrder::Random;
    if (text == "time") return KeyOrder::Time;
    throw ConfigError(ConfigErrorKind::InvalidValue, "key_order must be random or time, not " + quoted(text),
                      "random keys are UUIDv4-like; time keys are UUIDv7-like and sort in insert order.");
}

std::string_view sql_type_name(SqlType type) {
    switch (type) {
        case SqlType::Text: return "text";
        case SqlType::Bigint: return "bigint";
        case SqlType::Integer: return "integer";
        case SqlType::Boolean: return "boolean";
        case SqlType::DoublePrecision: return "double precision";
        case SqlType::TextArray: return "text[]";
        case SqlType::None: break;
    }
    return "";
}

namespace {

// The table's check of one member; only names and numbers have one.
void check_parameter(const ParameterSpec& p, const std::string& v, bool derived_slot) {
    if (p.check == Check::Identifier) check_identifier(v, p.name);
    if (p.check == Check::SlotName) check_slot_name(v, derived_slot);
}
template <typename Number>
void check_parameter(const ParameterSpec& p, Number v, bool) {
    if (p.check != Check::Range) return;
    const double d = static_cast<double>(v);
    require(std::isfinite(d) && d >= p.min && d <= p.max, p.name, std::string(p.rule));
}
void check_parameter(const ParameterSpec& p, const std::optional<int64_t>& v, bool derived_slot) {
    if (v) check_parameter(p, *v, derived_slot);
}
void check_parameter(const ParameterSpec&, bool, bool) {}
void check_parameter(const ParameterSpec&, UpdateKinds, bool) {}
void check_parameter(const ParameterSpec&, ReplicaIdentity, bool) {}
void check_parameter(const ParameterSpec&, KeyOrder, bool) {}
void check_parameter(const ParameterSpec&, ColumnProfile, bool) {}
void check_parameter(const ParameterSpec&, Partitioning, bool) {}
void check_parameter(const ParameterSpec&, InsertMethod, bool) {}
void check_parameter(const ParameterSpec&, EvolutionOps, bool) {}

}  // namespace

void validate(RunConfig& c) {
    const bool derived_slot = c.slot_name.empty();
    if (c.publication_name.empty()) c.publication_name = c.table_name + "_pub";
    if (derived_slot) c.slot_name = default_slot_name(c.table_name);
    visit_parameters(c, [derived_slot](const ParameterSpec& p, const auto& v) { check_parameter(p, v, derived_slot); });
    // all_types names its enum type and domain after the table.
    if (c.column_profile == ColumnProfile::AllTypes &&
        c.table_name.size() + kEnumTypeSuffix.size() > kMaxIdentifierBytes)
        throw ConfigError(ConfigErrorKind::NameTooLong,
                          "table_name " + quoted(c.table_name) + " is too long for column_profile all_types",
                          "all_types names its types <table>_status and <table>_rating, which must fit in " +
                              std::to_string(kMaxIdentifierBytes) + " bytes; pass a table_name of at most " +
                              std::to_string(kMaxIdentifierBytes - kEnumTypeSuffix.size()) + " bytes.");
    if (c.update_kinds.empty())
        throw ConfigError(ConfigErrorKind::InvalidValue, "update_kinds must name at least one kind",
                          "The kinds are column, columns, same_value and key; pass '{column}' for the original's.");
    // Each writer plans its own statements against the schema it knows: a
    // schema change by one would break, or silently change, the others'.
    if (c.writers > 1 && c.evolve)
        throw ConfigError(ConfigErrorKind::InvalidValue, "writers > 1 needs evolve => false",
                          "Several writers change a table of a fixed shape; pass evolve => false.");
    if (c.partitioning == Partitioning::Range) {
        // A schema change on a partitioned table differs from one on a
        // plain table (TRUNCATE ONLY, REPLICA IDENTITY, each partition's own
        // storage) in ways the evolution does not make yet.
        if (c.evolve)
            throw ConfigError(ConfigErrorKind::InvalidValue, "partitioning range needs evolve => false",
                              "The partitioned table keeps its columns; its partitions change as the run goes.");
        if (c.replica_identity == ReplicaIdentity::KeyIndex)
            throw ConfigError(ConfigErrorKind::InvalidValue,
                              "partitioning range takes replica_identity full or default, not index",
                              "Each partition would need its own index named for REPLICA IDENTITY USING INDEX.");
        if (c.table_name.size() > kMaxPartitionedTableNameBytes)
            throw ConfigError(ConfigErrorKind::NameTooLong,
                              "table_name " + quoted(c.table_name) + " is too long for partitioning range",
                              "Its partitions are named <table>_p<n>, which must fit in " +
                                  std::to_string(kMaxIdentifierBytes) + " bytes; pass a table_name of at most " +
                                  std::to_string(kMaxPartitionedTableNameBytes) + " bytes.");
    }
    if (c.two_phase && !c.create_slot)
        throw ConfigError(ConfigErrorKind::InvalidValue, "two_phase needs the run's own slot",
                          "Pass create_slot => true, or leave two_phase false.");
    if (c.max_slot_lag > 0 && !c.create_slot)
        throw ConfigError(ConfigErrorKind::InvalidValue, "max_slot_lag needs the run's own slot",
                          "Pass create_slot => true, or leave max_slot_lag unset.");
}

namespace {

// A field's value as wire text, and back.
std::string to_text(const std::string& v) { return v; }
std::string to_text(int64_t v) { return std::to_string(v); }
std::string to_text(uint64_t v) { return std::to_string(v); }
std::string to_text(bool v) { return v ? "1" : "0"; }
std::string to_text(double v) { return format_double(v); }
std::string to_text(ReplicaIdentity v) { return std::string(replica_identity_name(v)); }
std::string to_text(KeyOrder v) { return std::string(key_order_name(v)); }
std::string to_text(ColumnProfile v) { return std::string(column_profile_name(v)); }
std::string to_text(Partitioning v) { return std::string(partitioning_name(v)); }
std::string to_text(InsertMethod v) { return std::string(insert_method_name(v)); }
std::string to_text(EvolutionOps v) { return evolution_ops_text(v); }
std::string to_text(UpdateKinds v) { return update_kinds_text(v); }
std::string to_text(const std::optional<int64_t>& v) { return v ? std::to_string(*v) : ""; }

void from_text(std::string_view key, const std::string& text, std::string& v) {
    (void)key;
    v = text;
}
void from_text(std::string_view key, const std::string& text, int64_t& v) { v = parse_int(key, text); }
void from_text(std::string_view key, const std::string& text, uint64_t& v) {
    errno = 0;
    char* end = nullptr;
    v = std::strtoull(text.c_str(), &end, 10);
    if (errno != 0 || end == text.c_str() || *end != '\0' || text[0] == '-') malformed(key);
}
void from_text(std::string_view key, const std::string& text, bool& v) {
    if (text != "0" && text != "1") malformed(key);
    v = text == "1";
}
void from_text(std::string_view key, const std::string& text, double& v) { v = parse_double(key, text); }
void from_text(std::string_view key, const std::string& text, ReplicaIdentity& v) {
    (void)key;
    v = parse_replica_identity(text);
}
void from_text(std::string_view key, const std::string& text, KeyOrder& v) {
    (void)key;
    v = parse_key_order(text);
}
void from_text(std::string_view key, const std::string& text, Partitioning& v) {
    (void)key;
    v = parse_partitioning(text);
}
void from_text(std::string_view key, const std::string& text, InsertMethod& v) {
    (void)key;
    v = parse_insert_method(text);
}
void from_text(std::string_view key, const std::string& text, ColumnProfile& v) {
    (void)key;
    v = parse_column_profile(text);
}
void from_text(std::string_view key, const std::string& text, UpdateKinds& v) {
    (void)key;
    v = parse_update_kinds(text);
}
void from_text(std::string_view key, const std::string& text, std::optional<int64_t>& v) {
    v.reset();
    if (!text.empty()) v = parse_int(key, text);
}
void from_text(std::string_view key, const std::string& text, EvolutionOps& v) {
    (void)key;
    v = parse_evolution_ops(text);
}

// A field's value as JSON: strings quoted, numbers and booleans bare; the
// seed as a signed bigint, as SQL shows it.
void append_json(std::string& j, const std::string& v) { append_json_string(j, v); }
void append_json(std::string& j, ReplicaIdentity v) { append_json_string(j, replica_identity_name(v)); }
void append_json(std::string& j, KeyOrder v) { append_json_string(j, key_order_name(v)); }
void append_json(std::string& j, ColumnProfile v) { append_json_string(j, column_profile_name(v)); }
void append_json(std::string& j, Partitioning v) { append_json_string(j, partitioning_name(v)); }
void append_json(std::string& j, InsertMethod v) { append_json_string(j, insert_method_name(v)); }
// A set of named choices as a JSON array of its names, from its text form
// (names separated by commas, none holding one).
void append_json_names(std::string& j, std::string_view names) {
    j += "[";
    for (size_t at = 0; at < names.size();) {
        size_t end = names.find(',', at);
        if (end == std::string_view::npos) end = names.size();
        j += at == 0 ? "" : ", ";
        append_json_string(j, names.substr(at, end - at));
        at = end + 1;
    }
    j += "]";
}
void append_json(std::string& j, EvolutionOps v) { append_json_names(j, evolution_ops_text(v)); }
void append_json(std::string& j, UpdateKinds v) { append_json_names(j, update_kinds_text(v)); }
void append_json(std::string& j, const std::optional<int64_t>& v) { j += v ? std::to_string(*v) : "null"; }
void append_json(std::string& j, bool v) { j += v ? "true" : "false"; }
void append_json(std::string& j, uint64_t v) { j += std::to_string(static_cast<int64_t>(v)); }
void append_json(std::string& j, int64_t v) { j += std::to_string(v); }
void append_json(std::string& j, double v) { j += format_double(v); }

}  // namespace

std::string to_wire(const RunConfig& c) {
    std::string w;
    visit_parameters(c, [&w](const ParameterSpec& p, const auto& value) {
        w.append(p.name).append("=").append(escape(to_text(value))).append("\n");
    });
    return w;
}

std::string to_json(const RunConfig& c) {
    std::string j = "{";
    visit_parameters(c, [&j](const ParameterSpec& p, const auto& value) {
        if (j.size() > 1) j += ", ";
        append_json_string(j, p.name);
        j += ": ";
        append_json(j, value);
    });
    return j + "}";
}

RunConfig from_wire(std::string_view wire) {
    std::map<std::string, std::string, std::less<>> lines;
    size_t at = 0;
    while (at < wire.size()) {
        size_t eol = wire.find('\n', at);
        if (eol == std::string_view::npos) eol = wire.size();
        const std::string_view line = wire.substr(at, eol - at);
        at = eol + 1;
        const size_t eq = line.find('=');
        if (eq == std::string_view::npos) malformed(line);
        lines[std::string(line.substr(0, eq))] = unescape(line.substr(eq + 1));
    }
    RunConfig c;
    size_t known = 0;
    visit_parameters(c, [&](const ParameterSpec& p, auto& value) {
        auto it = lines.find(p.name);
        if (it == lines.end()) return;  // absent: the default
        from_text(p.name, it->second, value);
        ++known;
    });
    if (known != lines.size()) malformed("unknown parameter");
    return c;
}

namespace {

[[noreturn]] void bad_json(const std::string& what) {
    throw ConfigError(ConfigErrorKind::InvalidValue, "malformed run parameters JSON: " + what);
}

void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

// How a member's value was written: a string, a bare number or boolean, or
// an array of strings (its elements joined by commas).
enum class JsonForm : uint8_t { Bare, String, Array };

// A flat JSON object of strings, numbers, booleans and arrays of strings:
// what to_json writes.
class FlatJson {
public:
    explicit FlatJson(std::string_view text) : text_(text) {}

    // Each member: key, its value as text (a string unescaped, a number or
    // true/false as written, an array's strings joined by commas) and its
    // form.
    template <typename Member>
    void each(Member&& member) {
        skip_space();
        expect('{');
        skip_space();
        if (peek() == '}') {
            ++at_;
        } else {
            for (;;) {
                skip_space();
                const std::string key = string_value();
                skip_space();
                expect(':');
                skip_space();
                const JsonForm form = peek() == '"'   ? JsonForm::String
                                      : peek() == '[' ? JsonForm::Array
                                                      : JsonForm::Bare;
                const std::string value = form == JsonForm::String  ? string_value()
                                          : form == JsonForm::Array ? array_value()
                                                                    : bare_value();
                member(key, value, form);
                skip_space();
                if (peek() == ',') {
                    ++at_;
                    continue;
                }
                expect('}');
                break;
            }
        }
        skip_space();
        if (at_ != text_.size()) bad_json("text after the object");
    }

private:
    char peek() const {
        if (at_ >= text_.size()) bad_json("it ends early");
        return text_[at_];
    }
    void expect(char c) {
        if (peek() != c) bad_json(std::string("expected '") + c + "'");
        ++at_;
    }
    void skip_space() {
        while (at_ < text_.size() &&
               (text_[at_] == ' ' || text_[at_] == '\n' || text_[at_] == '\t' || text_[at_] == '\r'))
            ++at_;
    }
    uint32_t hex4() {
        if (text_.size() - at_ < 4) bad_json("a short \\u escape");
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = text_[at_++];
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= static_cast<uint32_t>(c - '0');
            else if (c >= 'a' && c <= 'f')
                v |= static_cast<uint32_t>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                v |= static_cast<uint32_t>(c - 'A' + 10);
            else
                bad_json("a bad \\u escape");
        }
        return v;
    }
    std::string string_value() {
        expect('"');
        std::string out;
        for (;;) {
            const char c = peek();
            ++at_;
            if (c == '"') return out;
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            const char e = peek();
            ++at_;
            switch (e) {
                case '"': out.push_back('"'); break;
                case '\\': out.push_back('\\'); break;
                case '/': out.push_back('/'); break;
                case 'b': out.push_back('\b'); break;
                case 'f': out.push_back('\f'); break;
                case 'n': out.push_back('\n'); break;
                case 'r': out.push_back('\r'); break;
                case 't': out.push_back('\t'); break;
                case 'u': {
                    uint32_t cp = hex4();
                    if (cp >= 0xD800 && cp < 0xDC00) {
                        expect('\\');
                        expect('u');
                        const uint32_t low = hex4();
                        if (low < 0xDC00 || low >= 0xE000) bad_json("an unpaired surrogate");
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    } else if (cp >= 0xDC00 && cp < 0xE000) {
                        bad_json("an unpaired surrogate");
                    }
                    append_utf8(out, cp);
                    break;
                }
                default: bad_json("an unknown escape");
            }
        }
    }
    std::string array_value() {
        expect('[');
        std::string joined;
        skip_space();
        if (peek() == ']') {
            ++at_;
            return joined;
        }
        for (bool first = true;; first = false) {
            skip_space();
            const std::string element = string_value();
            if (element.empty() || element.find(',') != std::string::npos) bad_json("an array element it cannot join");
            joined.append(first ? "" : ",").append(element);
            skip_space();
            if (peek() == ']') {
                ++at_;
                return joined;
            }
            expect(',');
        }
    }
    std::string bare_value() {
        const size_t begin = at_;
        while (at_ < text_.size() && text_[at_] != ',' && text_[at_] != '}' && text_[at_] != ' ' && text_[at_] != '\n')
            ++at_;
        if (at_ == begin) bad_json("a missing value");
        return std::string(text_.substr(begin, at_ - begin));
    }

    std::string_view text_;
    size_t at_ = 0;
};

// A JSON member into its RunConfig member: strings for names and choices,
// numbers for numbers, true/false for flags; the seed as to_json writes it,
// a signed bigint.
void from_json_value(std::string_view key, const std::string& v, JsonForm form, std::string& member) {
    if (form != JsonForm::String) malformed(key);
    member = v;
}
void from_json_value(std::string_view key, const std::string& v, JsonForm form, int64_t& member) {
    if (form != JsonForm::Bare) malformed(key);
    member = parse_int(key, v);
}
void from_json_value(std::string_view key, const std::string& v, JsonForm form, uint64_t& member) {
    if (form != JsonForm::Bare) malformed(key);
    member = static_cast<uint64_t>(parse_int(key, v));
}
void from_json_value(std::string_view key, const std::string& v, JsonForm form, double& member) {
    if (form != JsonForm::Bare) malformed(key);
    member = parse_double(key, v);
}
void from_json_value(std::string_view key, const std::string& v, JsonForm form, bool& member) {
    if (form != JsonForm::Bare || (v != "true" && v != "false")) malformed(key);
    member = v == "true";
}
void from_json_value(std::string_view key, const std::string& v, JsonForm form, ReplicaIdentity& member) {
    if (form != JsonForm::String) malformed(key);
    member = parse_replica_identity(v);
}
void from_json_value(std::string_view key, const std::string& v, JsonForm form, KeyOrder& member) {
    if (form != JsonForm::String) malformed(key);
    member = parse_key_order(v);
}
void from_json_value(std::string_view key, const std::string& v, JsonForm form, Partitioning& member) {
    if (form != JsonForm::String) malformed(key);
    member = parse_partitioning(v);
}
void from_json_value(std::string_view key, const std::string& v, JsonForm form, InsertMethod& member) {
    if (form != JsonForm::String) malformed(key);
    member = parse_insert_method(v);
}
void from_json_value(std::string_view key, const std::string& v, JsonForm form, ColumnProfile& member) {
    if (form != JsonForm::String) malformed(key);
    member = parse_column_profile(v);
}
void from_json_value(std::string_view key, const std::string& v, JsonForm form, UpdateKinds& member) {
    if (form != JsonForm::Array) malformed(key);
    member = parse_update_kinds(v);
}
void from_json_value(std::string_view key, const std::string& v, JsonForm form, std::optional<int64_t>& member) {
    if (form != JsonForm::Bare) malformed(key);
    member.reset();
    if (v != "null") member = parse_int(key, v);
}
void from_json_value(std::string_view key, const std::string& v, JsonForm form, EvolutionOps& member) {
    if (form != JsonForm::Array) malformed(key);
    member = parse_evolution_ops(v);
}

}  // namespace

RunConfig from_json(std::string_view json) {
    RunConfig c;
    size_t known = 0;
    size_t members = 0;
    FlatJson(json).each([&](const std::string& key, const std::string& value, JsonForm form) {
        ++members;
        visit_parameters(c, [&](const ParameterSpec& p, auto& member) {
            if (p.name != key) return;
            from_json_value(p.name, value, form, member);
            ++known;
        });
    });
    if (known != members) malformed("unknown parameter");
    return c;
}

}  // namespace cdccraft
