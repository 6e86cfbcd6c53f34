#include "core/column_values.hpp"

#include <stdexcept>

#include "core/name_spelling.hpp"
#include "core/person_names.hpp"
#include "core/random_source.hpp"

namespace cdccraft {
namespace {

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kTwoYearsSeconds = int64_t{2} * 365 * 86400;

// Amounts are drawn as whole cents so that the double is the exact decimal
// a user expects, whatever the platform's floating-point contraction.
double cents(RandomSource& rng, int64_t lo_cents, int64_t hi_cents) {
    return static_cast<double>(rng.between(lo_cents, hi_cents)) / 100.0;
}

void append_text(ColumnValues& out, std::string_view piece) { out.text_arena.append(piece); }
void end_text(ColumnValues& out) { out.text_ends.push_back(static_cast<uint32_t>(out.text_arena.size())); }

}  // namespace

size_t ColumnValues::size() const {
    switch (kind) {
        case ValueKind::Text:
        case ValueKind::Typed: return text_ends.size();
        case ValueKind::Float8: return floats.size();
        case ValueKind::Bool: return bools.size();
        case ValueKind::Int4:
        case ValueKind::Timestamp: return ints.size();
        case ValueKind::Uuid: break;
    }
    return 0;
}

namespace {

// A NULL's place in the values: a value of the kind that no one reads.
void append_placeholder(ColumnValues& out) {
    switch (out.kind) {
        case ValueKind::Text:
        case ValueKind::Typed: end_text(out); break;
        case ValueKind::Float8: out.floats.push_back(0); break;
        case ValueKind::Bool: out.bools.push_back(0); break;
        case ValueKind::Int4:
        case ValueKind::Timestamp: out.ints.push_back(0); break;
        case ValueKind::Uuid: throw std::logic_error("a key is never NULL");
    }
}

}  // namespace

void generate_values(const ColumnSpec& column, size_t n, double null_fraction, RandomSource& rng,
                     const NameSpellings& names, ColumnValues& out) {
    if (out.kind != column.kind) throw std::logic_error("column values of the wrong kind");
    // The draws are bounded by the pools' sizes, whatever the spellings.
    const std::string_view* given = names.spellings(NamePool::Given);
    const std::string_view* surnames = names.spellings(NamePool::Surname);
    const bool may_be_null = null_fraction > 0 && !column.not_null;
    for (size_t i = 0; i < n; ++i) {
        if (may_be_null) {
            const bool null = rng.chance(null_fraction);
            out.nulls.push_back(null ? 1 : 0);
            if (null) {
                append_placeholder(out);
                continue;
            }
        }
        switch (column.generator) {
            case Generator::PersonName:
                append_text(out, given[rng.below(kGivenNameCount)]);
                append_text(out, " ");
                append_text(out, surnames[rng.below(kSurnameCount)]);
                end_text(out);
                break;
            case Generator::PromoCode:
                for (int c = 0; c < 5; ++c) out.text_arena.push_back(static_cast<char>('A' + rng.below(26)));
                end_text(out);
                break;
            case Generator::Choice:
                append_text(out, column.choices[rng.below(column.choice_count)]);
                end_text(out);
                break;
            case Generator::ItemId: out.ints.push_back(rng.between(1, 10000)); break;
            case Generator::Quantity: out.ints.push_back(rng.between(1, 10)); break;
            case Generator::PastTimestamp:
                out.ints.push_back(rng.between(0, kTwoYearsSeconds - 1) * kMicrosPerSecond);
                break;
            case Generator::TotalAmount: out.floats.push_back(cents(rng, 500, 1000000)); break;
            case Generator::DiscountRate: out.floats.push_back(cents(rng, 0, 50)); break;
            case Generator::TaxAmount: out.floats.push_back(cents(rng, 0, 50000)); break;
            case Generator::Flag: out.bools.push_back(rng.chance(0.5) ? 1 : 0); break;
            case Generator::Typed:
                if (column.typed == TypedKind::Enum)
                    append_text(out, column.choices[rng.below(column.choice_count)]);
                else
                    append_typed_value(column.typed, rng, names.ascii_text(), out.text_arena);
                end_text(out);
                break;
            case Generator::Key:
            case Generator::ServerDefault: throw std::logic_error("column has no generated values");
        }
    }
}

}  // namespace cdccraft
