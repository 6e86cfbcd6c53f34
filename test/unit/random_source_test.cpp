#include "core/random_source.hpp"

#include <gtest/gtest.h>

#include <map>

using cdccraft::RandomSource;

TEST(RandomSource, SameSeedSameSequence) {
    RandomSource a(42), b(42);
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.next_u64(), b.next_u64());
}

TEST(RandomSource, StreamsAndSeedsDiffer) {
    RandomSource a(42, 1), b(42, 2), c(43, 1);
    EXPECT_NE(a.next_u64(), b.next_u64());
    EXPECT_NE(RandomSource(42, 1).next_u64(), c.next_u64());
}

// Pinned values: a change here changes every seeded run and its expected
// regression output, on every platform.
TEST(RandomSource, SequenceIsPinned) {
    RandomSource rng(1);
    EXPECT_EQ(rng.next_u64(), 17254933023648552173ULL);
    EXPECT_EQ(rng.below(1000), 556u);
}

TEST(RandomSource, BetweenStaysInRangeAndCoversIt) {
    RandomSource rng(7);
    std::map<int64_t, int> seen;
    for (int i = 0; i < 10000; ++i) {
        const int64_t v = rng.between(1, 10);
        ASSERT_GE(v, 1);
        ASSERT_LE(v, 10);
        ++seen[v];
    }
    EXPECT_EQ(seen.size(), 10u);
    for (auto& [value, count] : seen) EXPECT_GT(count, 800) << value;
}

TEST(RandomSource, UnitIsHalfOpen) {
    RandomSource rng(9);
    for (int i = 0; i < 10000; ++i) {
        const double u = rng.unit();
        ASSERT_GE(u, 0.0);
        ASSERT_LT(u, 1.0);
    }
}

TEST(RandomSource, ChanceExtremes) {
    RandomSource rng(3);
    for (int i = 0; i < 1000; ++i) {
        ASSERT_FALSE(rng.chance(0.0));
        ASSERT_TRUE(rng.chance(1.0));
    }
}

TEST(SplitMix, UnmixInvertsMix) {
    for (uint64_t x : {0ULL, 1ULL, 42ULL, 0xFFFFFFFFFFFFFFFFULL, 0x123456789ABCDEFULL})
        EXPECT_EQ(cdccraft::splitmix64_unmix(cdccraft::splitmix64_mix(x)), x);
}
