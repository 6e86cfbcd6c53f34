#include "core/copy_text.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace cdccraft;

namespace {

std::string timestamp_text(int64_t micros) {
    std::string out;
    append_timestamp_text(micros, out);
    return out;
}

void push_text(ColumnValues& v, std::string_view text) {
    v.text_arena.append(text);
    v.text_ends.push_back(static_cast<uint32_t>(v.text_arena.size()));
}

}  // namespace

TEST(CopyText, TimestampsAsTimestampInReadsThem) {
    EXPECT_EQ(timestamp_text(0), "2000-01-01 00:00:00.000000");
    EXPECT_EQ(timestamp_text(-1), "1999-12-31 23:59:59.999999");
    // SELECT extract(epoch FROM '2026-12-01 17:45:37.123456'::timestamp - '2000-01-01') * 1e6
    EXPECT_EQ(timestamp_text(849462337123456), "2026-12-01 17:45:37.123456");
    EXPECT_EQ(timestamp_text(-946684800000000), "1970-01-01 00:00:00.000000");
    EXPECT_EQ(timestamp_text(5097600000000), "2000-02-29 00:00:00.000000");
    EXPECT_EQ(timestamp_text(5184000000000), "2000-03-01 00:00:00.000000");
    EXPECT_EQ(timestamp_text(-63082281600000000), "0001-01-01 00:00:00.000000");
    EXPECT_THROW(timestamp_text(-63082281600000001), std::logic_error);  // before year 1
}

TEST(CopyText, RowsInInsertColumnOrderTabSeparatedNullsAndEscapes) {
    BatchPlan plan;
    Uuid key{};
    for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i * 17);
    plan.insert_keys = {key, key};
    const ColumnId name = 1, amount = 2, flag = 3, at = 4;
    plan.insert_columns = {name, amount, flag, at};
    plan.insert_values[name].reset(ValueKind::Text);
    push_text(plan.insert_values[name], "tab\there \\ and\nnewline\r");
    push_text(plan.insert_values[name], "");
    plan.insert_values[amount].reset(ValueKind::Float8);
    plan.insert_values[amount].floats = {0.1, -1e300};
    plan.insert_values[flag].reset(ValueKind::Bool);
    plan.insert_values[flag].bools = {1, 0};
    plan.insert_values[flag].nulls = {0, 1};
    plan.insert_values[at].reset(ValueKind::Timestamp);
    plan.insert_values[at].ints = {1, 0};
    std::string out;
    append_copy_text_rows(plan, 0, out);
    const std::string row_key = "00112233-4455-6677-8899-aabbccddeeff";
    EXPECT_EQ(out, row_key +
                       "\ttab\\there \\\\ and\\nnewline\\r\t0.10000000000000001\tt\t1999-12-31 23:59:59.999999\n" +
                       row_key + "\t\t-1.0000000000000001e+300\t\\N\t2000-01-01 00:00:00.000000\n");
}

TEST(CopyText, SpecialDoublesInFloat8InputSyntax) {
    BatchPlan plan;
    plan.insert_keys = {Uuid{}, Uuid{}, Uuid{}};
    plan.insert_columns = {2};
    plan.insert_values[2].reset(ValueKind::Float8);
    plan.insert_values[2].floats = {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                                    -std::numeric_limits<double>::infinity()};
    std::string out;
    append_copy_text_rows(plan, 0, out);
    EXPECT_NE(out.find("\tNaN\n"), std::string::npos);
    EXPECT_NE(out.find("\tInfinity\n"), std::string::npos);
    EXPECT_NE(out.find("\t-Infinity\n"), std::string::npos);
}

TEST(CopyBinary, HeaderRowsAndTrailerAsCopyReadsThem) {
    BatchPlan plan;
    Uuid key{};
    key[0] = 0xab;
    key[15] = 0x01;
    plan.insert_keys = {key};
    plan.insert_columns = {1, 2, 3, 4, 5};
    plan.insert_values[1].reset(ValueKind::Text);
    push_text(plan.insert_values[1], "Zoë");
    plan.insert_values[2].reset(ValueKind::Int4);
    plan.insert_values[2].ints = {-2};
    plan.insert_values[3].reset(ValueKind::Float8);
    plan.insert_values[3].floats = {1.0};
    plan.insert_values[4].reset(ValueKind::Bool);
    plan.insert_values[4].bools = {1};
    plan.insert_values[4].nulls = {1};
    plan.insert_values[5].reset(ValueKind::Timestamp);
    plan.insert_values[5].ints = {1};
    ASSERT_TRUE(binary_copy_possible(plan));
    std::string out;
    append_copy_binary_rows(plan, 0x0102, out);
    const std::string expected = std::string("PGCOPY\n\377\r\n\0", 11) + std::string(8, '\0') +  // header
                                 std::string("\0\6", 2) +                                        // 6 fields
                                 std::string("\0\0\0\x10", 4) +
                                 std::string(reinterpret_cast<const char*>(key.data()), 16) +
                                 std::string("\0\0\0\4", 4) + "Zo\xc3\xab" +          // text
                                 std::string("\0\0\0\4\xff\xff\xff\xfe", 8) +         // int4 -2
                                 std::string("\0\0\0\x08\x3f\xf0\0\0\0\0\0\0", 12) +  // 1.0
                                 std::string("\xff\xff\xff\xff", 4) +                 // NULL
                                 std::string("\0\0\0\x08\0\0\0\0\0\0\x01\x01", 12) +  // 0x0102 - 1
                                 std::string("\xff\xff", 2);                          // trailer
    EXPECT_EQ(out, expected);
    // Where the header and each row end: here one row, then the trailer.
    std::vector<size_t> ends;
    std::string again;
    append_copy_binary_rows(plan, 0x0102, again, &ends);
    EXPECT_EQ(again, expected);
    EXPECT_EQ(ends, (std::vector<size_t>{19, expected.size() - 2}));
}

TEST(CopyBinary, NotForTypedValues) {
    BatchPlan plan;
    plan.insert_columns = {1};
    plan.insert_values[1].reset(ValueKind::Typed);
    EXPECT_FALSE(binary_copy_possible(plan));
}
