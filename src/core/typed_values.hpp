// The values of column_profile => 'all_types': one column per type that CDC
// consumers decode differently, each value written as text in its type's
// input syntax, unambiguous whatever the session's settings (ISO dates,
// explicit time zone offsets). The server parses it on insert, and the truth
// prints it back through the same type's input and output functions, so the
// truth is what PostgreSQL stored, as it prints it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cdccraft {

class RandomSource;

enum class TypedKind : uint8_t {
    None,
    Int2,
    Int4,
    Int8,
    Numeric12_2,
    Numeric16_2,  // t_numeric_12_2 widened
    Numeric,
    Float4,
    Float8,
    Boolean,
    Text,
    Varchar40,
    Varchar80,  // t_varchar_40 widened
    Char8,
    Bytea,
    Uuid,
    Date,
    Time,
    TimeTz,
    Timestamp,
    TimestampTz,
    Interval,
    Json,
    TextArray,
    IntArray,
    IntervalArray,
    Inet,
    Cidr,
    Macaddr,
    // Several kB of text, stored out of line (SET STORAGE EXTERNAL): the
    // value most updates leave alone, which pgoutput then sends as an
    // unchanged TOAST datum under REPLICA IDENTITY DEFAULT.
    Document,
    // Amounts in cents, written with two decimals: the worker reads them
    // under lc_monetary C, and the truth prints the cents (what money
    // stores) in the reader's locale, as the table does.
    Money,
    // A label of the run's enum type (<table>_status), drawn from the
    // column's choices: those committed before the batch.
    Enum,
    // The run's domain (<table>_rating, numeric(3,1) CHECK 0 to 10).
    Rating,
};

// Appends one value of the kind to out. ascii_only: for a database whose
// encoding is not UTF8 (nor SQL_ASCII), text is ASCII.
void append_typed_value(TypedKind kind, RandomSource& rng, bool ascii_only, std::string& out);

// The cents of a Money value as append_typed_value wrote it ("-12.34").
// Throws std::invalid_argument for any other text.
int64_t money_cents(std::string_view text);

}  // namespace cdccraft
