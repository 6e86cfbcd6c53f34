#include "core/copy_text.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace cdccraft {
namespace {

constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000000;
// Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch.
constexpr int64_t kPostgresEpochDays = 10957;

void append_escaped(std::string_view text, std::string& out) {
    for (const char c : text) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default: out += c;
        }
    }
}

void append_uuid(const Uuid& key, std::string& out) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (size_t i = 0; i < key.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        out += kHex[key[i] >> 4];
        out += kHex[key[i] & 0xf];
    }
}

void append_double(double v, std::string& out) {
    if (std::isnan(v)) {
        out += "NaN";
    } else if (std::isinf(v)) {
        out += v > 0 ? "Infinity" : "-Infinity";
    } else {
        char text[32];
        const int n = std::snprintf(text, sizeof text, "%.17g", v);
        out.append(text, static_cast<size_t>(n));
    }
}

void append_value(const ColumnValues& v, size_t row, int64_t anchor, std::string& out) {
    if (v.is_null(row)) {
        out += "\\N";
        return;
    }
    switch (v.kind) {
        case ValueKind::Text:
        case ValueKind::Typed: append_escaped(v.text(row), out); return;
        case ValueKind::Int4: out += std::to_string(v.ints[row]); return;
        case ValueKind::Float8: append_double(v.floats[row], out); return;
        case ValueKind::Bool: out += v.bools[row] != 0 ? 't' : 'f'; return;
        case ValueKind::Timestamp: append_timestamp_text(anchor - v.ints[row], out); return;
        case ValueKind::Uuid: break;
    }
    throw std::logic_error("a column kind COPY's text form does not have");
}

void append_big_endian(uint64_t v, int bytes, std::string& out) {
    for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}

void append_binary_value(const ColumnValues& v, size_t row, int64_t anchor, std::string& out) {
    if (v.is_null(row)) {
        append_big_endian(0xffffffffu, 4, out);  // -1: NULL
        return;
    }
    switch (v.kind) {
        case ValueKind::Text: {
            const std::string_view text = v.text(row);
            append_big_endian(text.size(), 4, out);
            out.append(text);
            return;
        }
        case ValueKind::Int4:
            append_big_endian(4, 4, out);
            append_big_endian(static_cast<uint32_t>(static_cast<int32_t>(v.ints[row])), 4, out);
            return;
        case ValueKind::Float8: {
            uint64_t bits = 0;
            static_assert(sizeof bits == sizeof(double));
            std::memcpy(&bits, &v.floats[row], sizeof bits);
            append_big_endian(8, 4, out);
            append_big_endian(bits, 8, out);
            return;
        }
        case ValueKind::Bool:
            append_big_endian(1, 4, out);
            out += static_cast<char>(v.bools[row] != 0 ? 1 : 0);
            return;
        case ValueKind::Timestamp:
            append_big_endian(8, 4, out);
            append_big_endian(static_cast<uint64_t>(anchor - v.ints[row]), 8, out);
            return;
        case ValueKind::Typed:
        case ValueKind::Uuid: break;
    }
    throw std::logic_error("a column kind COPY's binary form is not written for");
}

}  // namespace

bool binary_copy_possible(const BatchPlan& plan) {
    for (ColumnId id : plan.insert_columns)
        if (plan.values_of(id).kind == ValueKind::Typed || plan.values_of(id).kind == ValueKind::Uuid) return false;
    return true;
}

void append_copy_binary_rows(const BatchPlan& plan, int64_t anchor, std::string& out, std::vector<size_t>* row_ends) {
    static constexpr char kSignature[] = "PGCOPY\n\377\r\n";
    out.append(kSignature, 11);    // with its NUL
    append_big_endian(0, 4, out);  // flags
    append_big_endian(0, 4, out);  // no header extension
    if (row_ends) row_ends->push_back(out.size());
    const size_t fields = plan.insert_columns.size() + 1;
    for (size_t row = 0; row < plan.insert_keys.size(); ++row) {
        append_big_endian(fields, 2, out);
        append_big_endian(16, 4, out);
        out.append(reinterpret_cast<const char*>(plan.insert_keys[row].data()), plan.insert_keys[row].size());
        for (ColumnId id : plan.insert_columns) append_binary_value(plan.values_of(id), row, anchor, out);
        if (row_ends) row_ends->push_back(out.size());
    }
    append_big_endian(0xffff, 2, out);  // -1: the end
}

void append_timestamp_text(int64_t micros, std::string& out) {
    int64_t days = micros / kMicrosPerDay;
    int64_t rest = micros % kMicrosPerDay;
    if (rest < 0) {
        rest += kMicrosPerDay;
        --days;
    }
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    const int64_t z = days + kPostgresEpochDays + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int64_t day = doy - (153 * mp + 2) / 5 + 1;
    const int64_t month = mp < 10 ? mp + 3 : mp - 9;
    const int64_t year = yoe + era * 400 + (month <= 2);
    if (year < 1 || year > 9999) throw std::logic_error("a timestamp outside the years COPY's text form covers here");
    const int64_t seconds = rest / 1000000;
    char text[40];
    const int n =
        std::snprintf(text, sizeof text, "%04lld-%02lld-%02lld %02lld:%02lld:%02lld.%06lld",
                      static_cast<long long>(year), static_cast<long long>(month), static_cast<long long>(day),
                      static_cast<long long>(seconds / 3600), static_cast<long long>(seconds / 60 % 60),
                      static_cast<long long>(seconds % 60), static_cast<long long>(rest % 1000000));
    out.append(text, static_cast<size_t>(n));
}

void append_copy_text_rows(const BatchPlan& plan, int64_t anchor, std::string& out) {
    for (size_t row = 0; row < plan.insert_keys.size(); ++row) {
        append_uuid(plan.insert_keys[row], out);
        for (ColumnId id : plan.insert_columns) {
            out += '\t';
            append_value(plan.values_of(id), row, anchor, out);
        }
        out += '\n';
    }
}

}  // namespace cdccraft
