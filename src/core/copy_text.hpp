// A batch's inserted rows in COPY's forms, for the insert path that goes
// through COPY FROM (insert_method copy). The text form: a line per row, the
// key and then each insert column's value (plan.insert_columns order),
// separated by tabs, NULL as \N. Each value is written so that its column's input function
// gives back the very value the INSERT path's arrays carry: a double in 17
// significant digits, a timestamp to the microsecond, text escaped as COPY
// reads it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/batch_planner.hpp"

namespace cdccraft {

// anchor: the run's anchor time as a PostgreSQL timestamp (microseconds since
// 2000-01-01); a Timestamp value is that many microseconds before it.
void append_copy_text_rows(const BatchPlan& plan, int64_t anchor, std::string& out);

// The same rows in COPY's binary form, header and trailer included, for a
// batch whose insert columns have no typed (all_types) value: each value as
// its type's send function writes it (uuid's 16 bytes, int4, float8 and the
// timestamp's microseconds big-endian, bool's byte, text's bytes in the
// database's encoding). binary_copy_possible says whether a batch's columns
// allow it. row_ends, when given, receives where the header and then each
// row ends in out.
bool binary_copy_possible(const BatchPlan& plan);
void append_copy_binary_rows(const BatchPlan& plan, int64_t anchor, std::string& out,
                             std::vector<size_t>* row_ends = nullptr);

// A PostgreSQL timestamp (microseconds since 2000-01-01, years 1 to 9999) in
// ISO form, which timestamp_in reads whatever the DateStyle.
void append_timestamp_text(int64_t micros, std::string& out);

}  // namespace cdccraft
