#include "core/typed_values.hpp"

#include <cstdarg>
#include <cstdio>
#include <stdexcept>
#include <string_view>

#include "core/random_source.hpp"

namespace cdccraft {
namespace {

// Phrases for free text: scripts and widths that break pipelines (accents,
// CJK, a character outside the Basic Multilingual Plane, emoji with a skin
// tone, right-to-left scripts, decomposed accents, quotes and backslashes,
// a tab), each with the ASCII a database without UTF-8 gets instead.
struct Phrase {
    std::string_view utf8;
    std::string_view ascii;
};
constexpr Phrase kPhrases[] = {
    {"order", "order"},
    {"Grüße aus Köln", "Grusse aus Koln"},
    {"東京タワー", "Tokyo Tower"},
    {"\U00020BB7野家", "Yoshinoya"},
    {"party \U0001F389\U0001F389", "party"},
    {"thumbs \U0001F44D\U0001F3FD up", "thumbs up"},
    {"שלום עולם", "shalom olam"},
    {"مرحبا بالعالم", "marhaba"},
    {"Zoe\u0308 and Jose\u0301", "Zoe and Jose"},
    {"naïve café", "naive cafe"},
    {"Ελληνικά", "Ellinika"},
    {"quote \" and backslash \\", "quote \" and backslash \\"},
    {"tab\there", "tab\there"},
    {"mixed العربية and English", "mixed and English"},
};
constexpr size_t kPhraseCount = sizeof(kPhrases) / sizeof(kPhrases[0]);

void append_format(std::string& out, const char* format, ...) __attribute__((format(printf, 2, 3)));
void append_format(std::string& out, const char* format, ...) {
    char buf[128];
    va_list args;
    va_start(args, format);
    const int n = std::vsnprintf(buf, sizeof buf, format, args);
    va_end(args);
    if (n < 0 || static_cast<size_t>(n) >= sizeof buf) throw std::logic_error("typed value too long");
    out.append(buf, static_cast<size_t>(n));
}

// An integer of a width: its limits and zero now and then, else uniform.
int64_t integer_of(RandomSource& rng, int64_t lo, int64_t hi) {
    switch (rng.below(20)) {
        case 0: return lo;
        case 1: return hi;
        case 2: return 0;
        default: return rng.between(lo, hi);
    }
}

void append_digits(std::string& out, RandomSource& rng, size_t n) {
    for (size_t i = 0; i < n; ++i) out.push_back(static_cast<char>('0' + rng.below(10)));
}

// Free text of one to three phrases, at most max_chars characters (0: any).
void append_text(std::string& out, RandomSource& rng, bool ascii_only, size_t max_chars) {
    std::string text;
    const uint64_t phrases = 1 + rng.below(3);
    for (uint64_t i = 0; i < phrases; ++i) {
        if (i) text += " | ";
        const Phrase& p = kPhrases[rng.below(kPhraseCount)];
        text += ascii_only ? p.ascii : p.utf8;
    }
    if (max_chars > 0) {
        // Cut at a character boundary: the type counts characters.
        size_t chars = 0, end = 0;
        while (end < text.size() && chars < max_chars) {
            ++end;
            while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
            ++chars;
        }
        text.resize(end);
    }
    out += text;
}

void append_date(std::string& out, RandomSource& rng, int64_t first_year, int64_t last_year) {
    append_format(out, "%04lld-%02lld-%02lld", static_cast<long long>(rng.between(first_year, last_year)),
                  static_cast<long long>(rng.between(1, 12)), static_cast<long long>(rng.between(1, 28)));
}

void append_clock(std::string& out, RandomSource& rng) {
    append_format(out, "%02lld:%02lld:%02lld.%06lld", static_cast<long long>(rng.between(0, 23)),
                  static_cast<long long>(rng.between(0, 59)), static_cast<long long>(rng.between(0, 59)),
                  static_cast<long long>(rng.between(0, 999999)));
}

void append_offset(std::string& out, RandomSource& rng) {
    const int64_t quarter_hours = rng.between(int64_t{-12} * 4, int64_t{14} * 4);
    const int64_t minutes = (quarter_hours < 0 ? -quarter_hours : quarter_hours) * 15;
    append_format(out, "%c%02lld:%02lld", quarter_hours < 0 ? '-' : '+', static_cast<long long>(minutes / 60),
                  static_cast<long long>(minutes % 60));
}

// infinity and -infinity now and then; BC dates when bc.
bool append_infinity(std::string& out, RandomSource& rng) {
    switch (rng.below(20)) {
        case 0: out += "infinity"; return true;
        case 1: out += "-infinity"; return true;
        default: return false;
    }
}

void append_timestamp(std::string& out, RandomSource& rng, bool with_zone) {
    if (append_infinity(out, rng)) return;
    // The earliest timestamp and date are in November of 4713 BC.
    const bool bc = rng.below(20) == 0;
    append_date(out, rng, bc ? 1 : 1970, bc ? 4712 : 2100);
    out += ' ';
    append_clock(out, rng);
    if (with_zone) append_offset(out, rng);
    if (bc) out += " BC";
}

void append_interval(std::string& out, RandomSource& rng) {
    append_format(out, "%lld years %lld mons %lld days %02lld:%02lld:%02lld.%06lld",
                  static_cast<long long>(rng.between(-20, 20)), static_cast<long long>(rng.between(-11, 11)),
                  static_cast<long long>(rng.between(-40, 40)), static_cast<long long>(rng.between(0, 23)),
                  static_cast<long long>(rng.between(0, 59)), static_cast<long long>(rng.between(0, 59)),
                  static_cast<long long>(rng.between(0, 999999)));
}

void append_float(std::string& out, RandomSource& rng, int digits) {
    switch (rng.below(20)) {
        case 0: out += "NaN"; return;
        case 1: out += "Infinity"; return;
        case 2: out += "-Infinity"; return;
        default: break;
    }
    const double mantissa = rng.unit() * 2 - 1;
    const int64_t exponent = rng.between(-30, 30);
    append_format(out, "%.*fe%lld", digits, mantissa, static_cast<long long>(exponent));
}

// An array literal, elements quoted (with their quotes and backslashes
// escaped), NULL elements bare, and now and then empty.
template <typename Element>
void append_array(std::string& out, RandomSource& rng, Element&& element) {
    out += '{';
    const uint64_t n = rng.below(5);
    for (uint64_t i = 0; i < n; ++i) {
        if (i) out += ',';
        if (rng.below(4) == 0) {
            out += "NULL";
            continue;
        }
        std::string value;
        element(value);
        out += '"';
        for (char c : value) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    out += '}';
}

void append_json(std::string& out, RandomSource& rng, bool ascii_only) {
    // Numbers beyond double precision, nesting, unicode (raw and escaped),
    // duplicate-free keys, and a JSON null.
    out += "{\"id\": ";
    out += static_cast<char>('1' + rng.below(9));
    append_digits(out, rng, rng.below(30));
    out += ", \"ratio\": ";
    append_format(out, "%lld.%06lld", static_cast<long long>(rng.between(-999, 999)),
                  static_cast<long long>(rng.between(0, 999999)));
    out += ", \"tags\": [true, null, ";
    append_format(out, "%lldE%lld", static_cast<long long>(rng.between(1, 9)),
                  static_cast<long long>(rng.between(-400, 400)));
    out += "], \"note\": {\"text\": \"";
    std::string text;
    append_text(text, rng, ascii_only, 0);
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\t') {
            out += "\\t";
            continue;
        }
        out += c;
    }
    out += "\"";
    if (!ascii_only && rng.below(2) == 0) out += ", \"escaped\": \"\\u00e9\\u65e5\"";
    out += "}}";
}

uint64_t masked_ipv4(uint64_t address, uint64_t bits) {
    return bits == 0 ? 0 : address & (~uint64_t{0} << (32 - bits)) & 0xFFFFFFFFu;
}

void append_ipv4(std::string& out, uint64_t a) {
    append_format(out, "%llu.%llu.%llu.%llu", static_cast<unsigned long long>((a >> 24) & 255),
                  static_cast<unsigned long long>((a >> 16) & 255), static_cast<unsigned long long>((a >> 8) & 255),
                  static_cast<unsigned long long>(a & 255));
}

void append_inet(std::string& out, RandomSource& rng, bool network) {
    if (rng.below(4) == 0) {
        // IPv6, in the documentation prefix.
        const uint64_t bits = network ? 32 + 16 * rng.below(3) : 128;
        if (network) {
            out += bits == 32 ? "2001:db8::" : bits == 48 ? "2001:db8:1::" : "2001:db8:1:2::";
        } else {
            append_format(out, "2001:db8::%llx:%llx", static_cast<unsigned long long>(rng.below(65536)),
                          static_cast<unsigned long long>(rng.below(65536)));
        }
        if (network || rng.below(2) == 0) append_format(out, "/%llu", static_cast<unsigned long long>(bits));
        return;
    }
    const uint64_t address = rng.below(uint64_t{1} << 32);
    const uint64_t bits = network ? rng.between(8, 32) : (rng.below(2) == 0 ? 32 : rng.between(8, 31));
    append_ipv4(out, network ? masked_ipv4(address, bits) : address);
    if (bits < 32 || network) append_format(out, "/%llu", static_cast<unsigned long long>(bits));
}

}  // namespace

void append_typed_value(TypedKind kind, RandomSource& rng, bool ascii_only, std::string& out) {
    switch (kind) {
        case TypedKind::Int2: out += std::to_string(integer_of(rng, INT16_MIN, INT16_MAX)); return;
        case TypedKind::Int4: out += std::to_string(integer_of(rng, INT32_MIN, INT32_MAX)); return;
        case TypedKind::Int8: {
            switch (rng.below(20)) {
                case 0: out += std::to_string(INT64_MIN); return;
                case 1: out += std::to_string(INT64_MAX); return;
                default: out += std::to_string(static_cast<int64_t>(rng.next_u64())); return;
            }
        }
        case TypedKind::Numeric12_2:
            append_format(out, "%s%lld.%02lld", rng.below(3) == 0 ? "-" : "",
                          static_cast<long long>(rng.between(0, 9999999999)),
                          static_cast<long long>(rng.between(0, 99)));
            return;
        case TypedKind::Numeric16_2:
            append_format(out, "%s%lld.%02lld", rng.below(3) == 0 ? "-" : "",
                          static_cast<long long>(rng.between(0, 99999999999999)),
                          static_cast<long long>(rng.between(0, 99)));
            return;
        case TypedKind::Numeric:
            if (rng.below(20) == 0) {
                out += "NaN";
                return;
            }
            if (rng.below(3) == 0) out += '-';
            out += static_cast<char>('1' + rng.below(9));
            append_digits(out, rng, rng.below(40));
            if (rng.below(2) == 0) {
                out += '.';
                append_digits(out, rng, 1 + rng.below(20));
            }
            return;
        case TypedKind::Float4: append_float(out, rng, 9); return;
        case TypedKind::Float8: append_float(out, rng, 17); return;
        case TypedKind::Boolean: out += rng.below(2) ? "true" : "false"; return;
        case TypedKind::Text: append_text(out, rng, ascii_only, 0); return;
        case TypedKind::Varchar40: append_text(out, rng, ascii_only, 40); return;
        case TypedKind::Varchar80: append_text(out, rng, ascii_only, 80); return;
        case TypedKind::Char8: {
            const uint64_t n = 1 + rng.below(8);
            for (uint64_t i = 0; i < n; ++i) out += static_cast<char>('A' + rng.below(26));
            return;
        }
        case TypedKind::Bytea: {
            out += "\\x";
            const uint64_t n = rng.below(33);
            for (uint64_t i = 0; i < n; ++i)
                append_format(out, "%02llx", static_cast<unsigned long long>(rng.below(256)));
            return;
        }
        case TypedKind::Uuid: {
            const uint64_t hi = rng.next_u64(), lo = rng.next_u64();
            append_format(out, "%08llx-%04llx-%04llx-%04llx-%012llx", static_cast<unsigned long long>(hi >> 32),
                          static_cast<unsigned long long>((hi >> 16) & 0xFFFF),
                          static_cast<unsigned long long>(hi & 0xFFFF), static_cast<unsigned long long>(lo >> 48),
                          static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
            return;
        }
        case TypedKind::Date: {
            if (append_infinity(out, rng)) return;
            const bool bc = rng.below(10) == 0;
            append_date(out, rng, bc ? 1 : 1900, bc ? 4712 : 2100);
            if (bc) out += " BC";
            return;
        }
        case TypedKind::Time: append_clock(out, rng); return;
        case TypedKind::TimeTz:
            append_clock(out, rng);
            append_offset(out, rng);
            return;
        case TypedKind::Timestamp: append_timestamp(out, rng, false); return;
        case TypedKind::TimestampTz: append_timestamp(out, rng, true); return;
        case TypedKind::Interval: append_interval(out, rng); return;
        case TypedKind::Json: append_json(out, rng, ascii_only); return;
        case TypedKind::TextArray:
            append_array(out, rng, [&](std::string& v) { append_text(v, rng, ascii_only, 0); });
            return;
        case TypedKind::IntArray:
            append_array(out, rng, [&](std::string& v) { v += std::to_string(integer_of(rng, INT32_MIN, INT32_MAX)); });
            return;
        case TypedKind::IntervalArray: append_array(out, rng, [&](std::string& v) { append_interval(v, rng); }); return;
        case TypedKind::Inet: append_inet(out, rng, false); return;
        case TypedKind::Cidr: append_inet(out, rng, true); return;
        case TypedKind::Macaddr:
            for (int i = 0; i < 6; ++i)
                append_format(out, i ? ":%02llx" : "%02llx", static_cast<unsigned long long>(rng.below(256)));
            return;
        case TypedKind::Document: {
            // 4 to 8 kB: past the TOAST threshold, whatever the scripts.
            const size_t target = 4096 + rng.below(4097);
            const size_t start = out.size();
            while (out.size() - start < target) {
                append_text(out, rng, ascii_only, 0);
                out += '\n';
            }
            return;
        }
        case TypedKind::Money: {
            int64_t cents;
            switch (rng.below(20)) {
                case 0: cents = INT64_MIN; break;
                case 1: cents = INT64_MAX; break;
                default: cents = rng.between(-99999999, 99999999);
            }
            const uint64_t magnitude = cents < 0 ? 0 - static_cast<uint64_t>(cents) : static_cast<uint64_t>(cents);
            append_format(out, "%s%llu.%02llu", cents < 0 ? "-" : "", static_cast<unsigned long long>(magnitude / 100),
                          static_cast<unsigned long long>(magnitude % 100));
            return;
        }
        case TypedKind::Rating: {
            const int64_t tenths = rng.between(0, 100);
            append_format(out, "%lld.%lld", static_cast<long long>(tenths / 10), static_cast<long long>(tenths % 10));
            return;
        }
        case TypedKind::Enum:  // from the column's labels (generate_values)
        case TypedKind::None: break;
    }
    throw std::logic_error("no values for this column");
}

int64_t money_cents(std::string_view text) {
    const bool negative = !text.empty() && text[0] == '-';
    const std::string_view digits = text.substr(negative ? 1 : 0);
    const size_t point = digits.find('.');
    if (point == std::string_view::npos || point == 0 || digits.size() != point + 3)
        throw std::invalid_argument("not a money value: " + std::string(text));
    uint64_t magnitude = 0;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i == point) continue;
        const char c = digits[i];
        if (c < '0' || c > '9' || magnitude > (UINT64_MAX - 9) / 10)
            throw std::invalid_argument("not a money value: " + std::string(text));
        magnitude = magnitude * 10 + static_cast<uint64_t>(c - '0');
    }
    const uint64_t limit = negative ? uint64_t{1} << 63 : static_cast<uint64_t>(INT64_MAX);
    if (magnitude > limit) throw std::invalid_argument("money value out of range: " + std::string(text));
    return negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
}

}  // namespace cdccraft
