#include "core/typed_values.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <string>

#include "core/name_spelling.hpp"
#include "core/random_source.hpp"

using namespace cdccraft;

namespace {

std::string value_of(TypedKind kind, RandomSource& rng, bool ascii_only = false) {
    std::string out;
    append_typed_value(kind, rng, ascii_only, out);
    return out;
}

}  // namespace

TEST(TypedValues, AreTheSeedsWhateverTheRun) {
    RandomSource a(5, 9), b(5, 9);
    for (int kind = static_cast<int>(TypedKind::Int2); kind <= static_cast<int>(TypedKind::Macaddr); ++kind)
        for (int i = 0; i < 50; ++i)
            EXPECT_EQ(value_of(static_cast<TypedKind>(kind), a), value_of(static_cast<TypedKind>(kind), b));
}

TEST(TypedValues, IntegersStayInTheirTypeAndReachItsLimits) {
    RandomSource rng(1, 1);
    std::set<long long> seen;
    for (int i = 0; i < 2000; ++i) {
        const long long v = std::strtoll(value_of(TypedKind::Int2, rng).c_str(), nullptr, 10);
        EXPECT_GE(v, -32768);
        EXPECT_LE(v, 32767);
        seen.insert(v);
    }
    EXPECT_TRUE(seen.count(-32768) && seen.count(32767) && seen.count(0));
}

TEST(TypedValues, FloatsAreNumbersOrTheirSpecials) {
    RandomSource rng(2, 1);
    std::set<std::string> specials;
    for (int i = 0; i < 2000; ++i) {
        const std::string v = value_of(TypedKind::Float8, rng);
        if (v == "NaN" || v == "Infinity" || v == "-Infinity") {
            specials.insert(v);
            continue;
        }
        char* end = nullptr;
        std::strtod(v.c_str(), &end);
        EXPECT_EQ(*end, '\0') << v;
    }
    EXPECT_EQ(specials.size(), 3u);
}

TEST(TypedValues, VarcharHoldsAtMostFortyCharacters) {
    RandomSource rng(3, 1);
    for (int i = 0; i < 500; ++i) {
        const std::string v = value_of(TypedKind::Varchar40, rng);
        size_t chars = 0;
        for (unsigned char c : v) chars += (c & 0xC0) != 0x80;
        EXPECT_LE(chars, 40u) << v;
        EXPECT_TRUE(v.empty() || (static_cast<unsigned char>(v.back()) & 0xC0) != 0xC0) << "cut inside a character";
    }
}

TEST(TypedValues, TextIsAsciiWhenTheDatabaseIsNotUtf8) {
    RandomSource rng(4, 1);
    bool non_ascii = false;
    for (int i = 0; i < 300; ++i) {
        for (TypedKind kind : {TypedKind::Text, TypedKind::Varchar40, TypedKind::Json, TypedKind::TextArray}) {
            EXPECT_TRUE(is_ascii(value_of(kind, rng, true)));
            non_ascii |= !is_ascii(value_of(kind, rng, false));
        }
    }
    EXPECT_TRUE(non_ascii);
}

TEST(TypedValues, CidrNetworksHaveNoHostBits) {
    RandomSource rng(6, 1);
    for (int i = 0; i < 500; ++i) {
        const std::string v = value_of(TypedKind::Cidr, rng);
        if (v.find(':') != std::string::npos) continue;
        unsigned a, b, c, d, bits;
        ASSERT_EQ(std::sscanf(v.c_str(), "%u.%u.%u.%u/%u", &a, &b, &c, &d, &bits), 5) << v;
        const unsigned long address = (static_cast<unsigned long>(a) << 24) | (b << 16) | (c << 8) | d;
        const unsigned long host = bits == 32 ? 0 : ((1ul << (32 - bits)) - 1);
        EXPECT_EQ(address & host, 0u) << v;
    }
}

TEST(TypedValues, MoneyIsCentsWithTheLimitsAndNegatives) {
    RandomSource rng(12);
    std::set<int64_t> limits;
    bool negative = false;
    for (int i = 0; i < 400; ++i) {
        std::string v;
        append_typed_value(TypedKind::Money, rng, false, v);
        const int64_t cents = money_cents(v);
        negative = negative || cents < 0;
        if (cents == INT64_MIN || cents == INT64_MAX) limits.insert(cents);
        const size_t point = v.find('.');
        ASSERT_NE(point, std::string::npos) << v;
        EXPECT_EQ(v.size(), point + 3) << "two decimals: " << v;
    }
    EXPECT_TRUE(negative);
    EXPECT_EQ(limits.size(), 2u);
    EXPECT_EQ(money_cents("-92233720368547758.08"), INT64_MIN);
    EXPECT_EQ(money_cents("92233720368547758.07"), INT64_MAX);
    EXPECT_EQ(money_cents("0.05"), 5);
    for (const char* bad : {"", "-", "1", "1.5", ".50", "1.505", "92233720368547758.08", "1,00", "abc"})
        EXPECT_THROW(money_cents(bad), std::invalid_argument) << bad;
}
